//! Paths into the form's data (`leveranse.oppgave[*].andelFormue`), read the same way in binds
//! and in expressions.

use std::fmt::Write as _;

/// A path segment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Seg {
    /// An object key: `name`.
    Key(String),
    /// One element of an array: `[2]`.
    Index(usize),
    /// Every row of a repeating group (or every element of a list): `[*]`.
    All,
}

/// Parses a path such as `leveranse.oppgave[*].andelFormue` or `leveranse[0].x` into segments.
pub fn parse_path(s: &str) -> Result<Vec<Seg>, String> {
    match scan_path(s, 0) {
        Ok((segs, end)) if end == s.len() => Ok(segs),
        Ok((_, end)) => Err(format!(
            "invalid path '{s}': unexpected {} at offset {end}",
            describe_at(s, end)
        )),
        Err((at, msg)) => Err(format!("invalid path '{s}': {msg} at offset {at}")),
    }
}

/// Formats segments back into their written form (`a.b[2].c[*]`).
pub fn format_path(p: &[Seg]) -> String {
    let mut out = String::new();
    for (i, seg) in p.iter().enumerate() {
        match seg {
            Seg::Key(k) => {
                if i > 0 {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(n) => {
                let _ = write!(out, "[{n}]");
            }
            Seg::All => out.push_str("[*]"),
        }
    }
    out
}

pub(super) fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

pub(super) fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// End of the identifier starting at `start`, if one starts there.
pub(super) fn scan_ident(b: &[u8], start: usize) -> Option<usize> {
    if !b.get(start).is_some_and(|&c| is_ident_start(c)) {
        return None;
    }
    let mut i = start + 1;
    while b.get(i).is_some_and(|&c| is_ident_byte(c)) {
        i += 1;
    }
    Some(i)
}

/// Reads a path starting at `start`; stops at the first byte that cannot continue it.
/// Shared by [`parse_path`] and the lexer so binds and expressions accept exactly the same paths.
pub(super) fn scan_path(s: &str, start: usize) -> Result<(Vec<Seg>, usize), (usize, String)> {
    let b = s.as_bytes();
    let end = scan_ident(b, start).ok_or_else(|| (start, "expected a name".to_string()))?;
    let mut segs = vec![Seg::Key(s[start..end].to_string())];
    let mut i = end;
    loop {
        match b.get(i) {
            Some(b'.') => {
                let end = scan_ident(b, i + 1)
                    .ok_or_else(|| (i + 1, "expected a name after '.'".to_string()))?;
                segs.push(Seg::Key(s[i + 1..end].to_string()));
                i = end;
            }
            Some(b'[') => {
                let mut j = i + 1;
                if b.get(j) == Some(&b'*') {
                    segs.push(Seg::All);
                    j += 1;
                } else {
                    while b.get(j).is_some_and(u8::is_ascii_digit) {
                        j += 1;
                    }
                    if j == i + 1 {
                        return Err((j, "expected a row number or '*' after '['".to_string()));
                    }
                    let n = s[i + 1..j]
                        .parse::<usize>()
                        .map_err(|_| (i + 1, "row number too large".to_string()))?;
                    segs.push(Seg::Index(n));
                }
                if b.get(j) != Some(&b']') {
                    return Err((j, "expected ']'".to_string()));
                }
                i = j + 1;
            }
            _ => return Ok((segs, i)),
        }
    }
}

/// Names the character at byte `at` for an error message.
pub(super) fn describe_at(s: &str, at: usize) -> String {
    match s.get(at..).and_then(|r| r.chars().next()) {
        Some(c) => format!("'{c}'"),
        None => "end of input".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip() {
        for p in [
            "leveranse.oppgave[*].andelFormue",
            "leveranse[0].inntektsaar",
            "a[2][*].b_1",
            "_x",
        ] {
            assert_eq!(format_path(&parse_path(p).unwrap()), p);
        }
        assert_eq!(
            parse_path("a[12].b[*]").unwrap(),
            vec![
                Seg::Key("a".into()),
                Seg::Index(12),
                Seg::Key("b".into()),
                Seg::All
            ]
        );
    }

    #[test]
    fn bad_paths() {
        for p in [
            "", "a.", "a..b", "1a", "a[", "a[*", "a[x]", "a b", "a.b-c", "a[]",
        ] {
            assert!(parse_path(p).is_err(), "{p:?} accepted");
        }
        assert!(parse_path("a[x]").unwrap_err().contains("offset 2"));
    }
}
