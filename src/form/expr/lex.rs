//! The lexer: an expression's source split into tokens with their byte offsets, for the parser
//! and its error messages.

use super::path::{describe_at, format_path, is_ident_byte, is_ident_start, scan_ident, scan_path};
use super::{ExprError, Seg, Value};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Num(Value),
    Str(String),
    Path(Vec<Seg>),
    And,
    Or,
    Not,
    True,
    False,
    Null,
    LParen,
    RParen,
    Comma,
    Plus,
    Minus,
    Star,
    Slash,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    End,
}

pub(super) fn describe(t: &Tok) -> String {
    let s = match t {
        Tok::Num(_) => "a number",
        Tok::Str(_) => "a string",
        Tok::Path(p) => return format!("'{}'", format_path(p)),
        Tok::And => "'and'",
        Tok::Or => "'or'",
        Tok::Not => "'not'",
        Tok::True => "'true'",
        Tok::False => "'false'",
        Tok::Null => "'null'",
        Tok::LParen => "'('",
        Tok::RParen => "')'",
        Tok::Comma => "','",
        Tok::Plus => "'+'",
        Tok::Minus => "'-'",
        Tok::Star => "'*'",
        Tok::Slash => "'/'",
        Tok::Eq => "'=='",
        Tok::Ne => "'!='",
        Tok::Lt => "'<'",
        Tok::Le => "'<='",
        Tok::Gt => "'>'",
        Tok::Ge => "'>='",
        Tok::End => "end of input",
    };
    s.to_string()
}

fn keyword(word: &str) -> Option<Tok> {
    Some(match word {
        "and" => Tok::And,
        "or" => Tok::Or,
        "not" => Tok::Not,
        "true" => Tok::True,
        "false" => Tok::False,
        "null" => Tok::Null,
        _ => return None,
    })
}

/// Splits the source into tokens with their byte offsets; the last token is always `End`.
pub(super) fn lex(src: &str) -> Result<Vec<(Tok, usize)>, ExprError> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let next_is_eq = b.get(i + 1) == Some(&b'=');
        let (tok, len) = match b[i] {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'(' => (Tok::LParen, 1),
            b')' => (Tok::RParen, 1),
            b',' => (Tok::Comma, 1),
            b'+' => (Tok::Plus, 1),
            b'-' => (Tok::Minus, 1),
            b'*' => (Tok::Star, 1),
            b'/' => (Tok::Slash, 1),
            b'=' if next_is_eq => (Tok::Eq, 2),
            b'=' => return Err(ExprError::new(i, "use '==' to compare")),
            b'!' if next_is_eq => (Tok::Ne, 2),
            b'!' => return Err(ExprError::new(i, "use 'not' to negate")),
            b'<' if next_is_eq => (Tok::Le, 2),
            b'<' => (Tok::Lt, 1),
            b'>' if next_is_eq => (Tok::Ge, 2),
            b'>' => (Tok::Gt, 1),
            b'&' => return Err(ExprError::new(i, "use 'and' to combine conditions")),
            b'|' => return Err(ExprError::new(i, "use 'or' to combine conditions")),
            b'\'' | b'"' => {
                let (s, end) = lex_string(src, i)?;
                (Tok::Str(s), end - i)
            }
            b'0'..=b'9' => {
                let (v, end) = lex_number(src, i)?;
                (Tok::Num(v), end - i)
            }
            c if is_ident_start(c) => {
                // A keyword is only ever the first word; later segments (`a.not`) are plain keys.
                let word_end = scan_ident(b, i).unwrap_or(i + 1);
                if let Some(kw) = keyword(&src[i..word_end]) {
                    (kw, word_end - i)
                } else {
                    let (segs, end) =
                        scan_path(src, i).map_err(|(at, msg)| ExprError::new(at, msg))?;
                    (Tok::Path(segs), end - i)
                }
            }
            _ => {
                return Err(ExprError::new(
                    i,
                    format!("unexpected {}", describe_at(src, i)),
                ));
            }
        };
        out.push((tok, start));
        i += len;
    }
    out.push((Tok::End, b.len()));
    Ok(out)
}

/// Reads a quoted string starting at `start`; returns it and the offset after the closing quote.
fn lex_string(src: &str, start: usize) -> Result<(String, usize), ExprError> {
    let quote = char::from(src.as_bytes()[start]);
    let mut out = String::new();
    let mut chars = src[start + 1..].char_indices();
    while let Some((j, c)) = chars.next() {
        let at = start + 1 + j;
        if c == quote {
            return Ok((out, at + 1));
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some((_, 'n')) => out.push('\n'),
            Some((_, 't')) => out.push('\t'),
            Some((_, 'r')) => out.push('\r'),
            Some((_, e @ ('\\' | '\'' | '"'))) => out.push(e),
            Some((_, other)) => {
                return Err(ExprError::new(at, format!("unknown escape '\\{other}'")));
            }
            None => break,
        }
    }
    Err(ExprError::new(start, "unterminated string"))
}

/// Reads `digits` or `digits.digits` starting at `start`.
fn lex_number(src: &str, start: usize) -> Result<(Value, usize), ExprError> {
    let b = src.as_bytes();
    let mut i = start;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let mut decimal = false;
    if b.get(i) == Some(&b'.') {
        if !b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            return Err(ExprError::new(
                i + 1,
                "expected a digit after the decimal point",
            ));
        }
        decimal = true;
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    if b.get(i).is_some_and(|&c| is_ident_byte(c)) {
        return Err(ExprError::new(
            i,
            format!("unexpected {} after a number", describe_at(src, i)),
        ));
    }
    let text = &src[start..i];
    let too_large = || ExprError::new(start, "number too large");
    let v = if decimal {
        let x = text.parse::<f64>().map_err(|_| too_large())?;
        if !x.is_finite() {
            return Err(too_large());
        }
        Value::Dec(x)
    } else {
        Value::Int(text.parse::<i128>().map_err(|_| too_large())?)
    };
    Ok((v, i))
}
