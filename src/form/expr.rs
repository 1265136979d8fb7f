//! Expressions of the form language (docs/form-language.md, "Expressions"): lexer, parser, type
//! checker and evaluator.
//!
//! An expression is parsed and checked once when a form loads, then evaluated many times against
//! draft JSON. Checking resolves every path against the form's [`Schema`] and stores what the
//! evaluator needs (which scope to start from, the segments to walk, the type to read), so
//! evaluation walks `serde_json` values directly without lookups or per-step allocation.
//!
//! Evaluation never fails: a missing or unreadable answer reads as [`Value::Null`], and operators
//! propagate it (three-valued logic for `and`/`or`/`not`), so a rule over an unfinished draft comes
//! out `Null` and can be skipped.
//!
//! Schema lookups: the checker asks [`Schema::type_of`] with the absolute path as written (a path
//! resolved relative to a row is prefixed with that row's path, which ends in [`Seg::All`]). Only
//! when that answers `None` and the path holds a concrete [`Seg::Index`] does it ask again, first
//! with `[*]` in place of each index that follows a group (a prefix the schema calls `Rows`), then
//! with every index replaced. If that fails too and the path ends in `[N]` or `[*]`, it looks up
//! the path without that last segment: a `List(T)` there (a multichoice) gives `T` per element, and
//! `Rows` with a trailing `[*]` means the group itself. A schema therefore only needs to know paths
//! with `[*]` at every repeating group; one that normalises indexes itself works just as well.
//! [`Expr::paths`] reports paths in that canonical form (`[*]` after groups, indexes elsewhere), so
//! they compare equal to bind paths.

use std::cmp::Ordering;
use std::fmt::{self, Write as _};

use serde_json::Value as Json;

// ---------------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------------

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

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// End of the identifier starting at `start`, if one starts there.
fn scan_ident(b: &[u8], start: usize) -> Option<usize> {
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
fn scan_path(s: &str, start: usize) -> Result<(Vec<Seg>, usize), (usize, String)> {
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
fn describe_at(s: &str, at: usize) -> String {
    match s.get(at..).and_then(|r| r.chars().next()) {
        Some(c) => format!("'{c}'"),
        None => "end of input".to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/// The type of an expression or of a path in the form's data model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    /// Integer or decimal.
    Number,
    /// A string (also choice values, orgnr, …).
    Text,
    /// `true` / `false`.
    Bool,
    /// A calendar date, stored as `"YYYY-MM-DD"`.
    Date,
    /// A day of a month, stored as `"DDMM"`.
    DayMonth,
    /// Several values: a `[*]` path, or a multichoice answer.
    List(Box<Type>),
    /// A repeating group's path, usable only as the first argument of `all`/`any`/`count`/`len`/`empty`.
    Rows,
    /// The `null` literal.
    Null,
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Number => f.write_str("number"),
            Type::Text => f.write_str("text"),
            Type::Bool => f.write_str("boolean"),
            Type::Date => f.write_str("date"),
            Type::DayMonth => f.write_str("day-month"),
            Type::List(t) => write!(f, "list of {t}"),
            Type::Rows => f.write_str("rows of a group"),
            Type::Null => f.write_str("null"),
        }
    }
}

/// A parse or type error; `offset` is the byte offset in the expression's source.
#[derive(Debug, Clone, PartialEq)]
pub struct ExprError {
    /// Byte offset in the source where the problem is.
    pub offset: usize,
    /// What is wrong, for the form author.
    pub message: String,
}

impl ExprError {
    fn new(offset: usize, message: impl Into<String>) -> Self {
        ExprError {
            offset,
            message: message.into(),
        }
    }
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at offset {})", self.message, self.offset)
    }
}

impl std::error::Error for ExprError {}

/// What the checker knows about the form.
pub trait Schema {
    /// Type of an absolute path, with `Seg::All` at each repeating group (`a.rows[*].x` → Number,
    /// `a.rows` → Rows). The checker asks with paths as written first and normalises `Index` to
    /// `All` only when that fails (see the module documentation).
    fn type_of(&self, path: &[Seg]) -> Option<Type>;
}

/// Values from outside the document: the date, the party acted for and the logged-in user.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Today's date as (year, month, day), for `today()`.
    pub today: (i32, u8, u8),
    /// `party.orgnr`.
    pub party_orgnr: Option<String>,
    /// `party.name`.
    pub party_name: Option<String>,
    /// `user.pid`.
    pub user_pid: Option<String>,
    /// `user.name`.
    pub user_name: Option<String>,
}

/// The result of evaluating an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Missing, unreadable or unknown.
    Null,
    /// A whole number.
    Int(i128),
    /// A decimal number.
    Dec(f64),
    /// A string.
    Text(String),
    /// A boolean.
    Bool(bool),
    /// A date as (year, month, day).
    Date(i32, u8, u8),
    /// A day-month as (day, month); ordered by month, then day.
    DayMonth(u8, u8),
    /// The values of a `[*]` path or a multichoice.
    List(Vec<Value>),
}

impl Value {
    /// `Some(b)` for `Bool(b)`; `None` for `Null` (and anything else).
    pub fn truthy(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Whether this is `Value::Null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The value as stored in the JSON document (dates as `"YYYY-MM-DD"`, day-months as `"DDMM"`).
    pub fn to_json(&self) -> Json {
        match self {
            Value::Null => Json::Null,
            Value::Int(n) => {
                if let Ok(i) = i64::try_from(*n) {
                    Json::from(i)
                } else if let Ok(u) = u64::try_from(*n) {
                    Json::from(u)
                } else {
                    float_json(*n as f64)
                }
            }
            Value::Dec(x) => float_json(*x),
            Value::Text(s) => Json::String(s.clone()),
            Value::Bool(b) => Json::Bool(*b),
            Value::Date(y, m, d) => Json::String(format!("{y:04}-{m:02}-{d:02}")),
            Value::DayMonth(d, m) => Json::String(format!("{d:02}{m:02}")),
            Value::List(items) => Json::Array(items.iter().map(Value::to_json).collect()),
        }
    }
}

fn float_json(x: f64) -> Json {
    serde_json::Number::from_f64(x).map_or(Json::Null, Json::Number)
}

// ---------------------------------------------------------------------------------------------
// Lexer
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
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

fn describe(t: &Tok) -> String {
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
fn lex(src: &str) -> Result<Vec<(Tok, usize)>, ExprError> {
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

// ---------------------------------------------------------------------------------------------
// Syntax tree and parser
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    /// `x == null`: the checker turns `==` into this when one side is the null literal, because
    /// testing for absence must give a boolean while `x == y` with a missing `x` gives null.
    EqNull,
    NeNull,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
}

impl BinOp {
    fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Eq | BinOp::EqNull => "==",
            BinOp::Ne | BinOp::NeNull => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        }
    }

    fn comparison(t: &Tok) -> Option<BinOp> {
        Some(match t {
            Tok::Eq => BinOp::Eq,
            Tok::Ne => BinOp::Ne,
            Tok::Lt => BinOp::Lt,
            Tok::Le => BinOp::Le,
            Tok::Gt => BinOp::Gt,
            Tok::Ge => BinOp::Ge,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UnOp {
    Not,
    Neg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Func {
    Sum,
    Count,
    All,
    Any,
    Len,
    Empty,
    Today,
    Year,
}

impl Func {
    fn from_name(name: &str) -> Option<Func> {
        Some(match name {
            "sum" => Func::Sum,
            "count" => Func::Count,
            "all" => Func::All,
            "any" => Func::Any,
            "len" => Func::Len,
            "empty" => Func::Empty,
            "today" => Func::Today,
            "year" => Func::Year,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Func::Sum => "sum",
            Func::Count => "count",
            Func::All => "all",
            Func::Any => "any",
            Func::Len => "len",
            Func::Empty => "empty",
            Func::Today => "today",
            Func::Year => "year",
        }
    }

    fn arity(self) -> usize {
        match self {
            Func::Today => 0,
            Func::All | Func::Any => 2,
            _ => 1,
        }
    }
}

#[derive(Debug, Clone)]
struct Node {
    /// Byte offset for error messages: the operator for unary/binary nodes, else the start.
    at: usize,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    Lit(Value),
    Path(Box<PathNode>),
    Unary(UnOp, Box<Node>),
    Binary(BinOp, Box<Node>, Box<Node>),
    Call(Func, Vec<Node>),
}

#[derive(Debug, Clone)]
struct PathNode {
    written: Vec<Seg>,
    res: Res,
}

/// Where a path's value comes from, decided by the checker.
#[derive(Debug, Clone)]
enum Res {
    Unresolved,
    Ctx(CtxField),
    Doc(DocPath),
}

#[derive(Debug, Clone)]
struct DocPath {
    /// Scope the walk starts from: 0 = document root, then the rule's row (if any), then one
    /// level per enclosing `all`/`any`.
    level: usize,
    /// Segments to walk from that scope (as written, so concrete indexes are honoured).
    walk: Vec<Seg>,
    /// Whether `walk` holds `[*]`, i.e. the path yields a list (or several groups' rows).
    has_all: bool,
    /// Type of the value at each place the walk ends; `Rows` for a group.
    elem: Type,
    /// Absolute schema path that answered, reported by [`Expr::paths`].
    key: Vec<Seg>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CtxField {
    PartyOrgnr,
    PartyName,
    UserPid,
    UserName,
}

fn ctx_field(p: &[Seg]) -> Option<CtxField> {
    let [Seg::Key(a), Seg::Key(b)] = p else {
        return None;
    };
    Some(match (a.as_str(), b.as_str()) {
        ("party", "orgnr") => CtxField::PartyOrgnr,
        ("party", "name") => CtxField::PartyName,
        ("user", "pid") => CtxField::UserPid,
        ("user", "name") => CtxField::UserName,
        _ => return None,
    })
}

/// Guards the recursive descent: form files are trusted, but a runaway nesting should be an
/// error rather than a stack overflow.
const MAX_DEPTH: usize = 64;

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].0
    }

    fn at(&self) -> usize {
        self.toks[self.pos].1
    }

    /// Takes the current token (leaving `End` in its place) and advances, never past `End`.
    fn bump(&mut self) -> (Tok, usize) {
        let at = self.at();
        let tok = std::mem::replace(&mut self.toks[self.pos].0, Tok::End);
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        (tok, at)
    }

    fn nested<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, ExprError>,
    ) -> Result<T, ExprError> {
        if self.depth >= MAX_DEPTH {
            return Err(ExprError::new(self.at(), "expression nested too deeply"));
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn expr(&mut self) -> Result<Node, ExprError> {
        self.nested(Self::or)
    }

    fn or(&mut self) -> Result<Node, ExprError> {
        let mut left = self.and()?;
        while *self.peek() == Tok::Or {
            let (_, at) = self.bump();
            let right = self.and()?;
            left = binary(BinOp::Or, left, right, at);
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Node, ExprError> {
        let mut left = self.not()?;
        while *self.peek() == Tok::And {
            let (_, at) = self.bump();
            let right = self.not()?;
            left = binary(BinOp::And, left, right, at);
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Node, ExprError> {
        if *self.peek() != Tok::Not {
            return self.comparison();
        }
        let (_, at) = self.bump();
        let inner = self.nested(Self::not)?;
        Ok(Node {
            at,
            kind: Kind::Unary(UnOp::Not, Box::new(inner)),
        })
    }

    fn comparison(&mut self) -> Result<Node, ExprError> {
        let left = self.additive()?;
        let Some(op) = BinOp::comparison(self.peek()) else {
            return Ok(left);
        };
        let (_, at) = self.bump();
        let right = self.additive()?;
        if BinOp::comparison(self.peek()).is_some() {
            return Err(ExprError::new(
                self.at(),
                "comparisons cannot be chained; join them with 'and'",
            ));
        }
        Ok(binary(op, left, right, at))
    }

    fn additive(&mut self) -> Result<Node, ExprError> {
        let mut left = self.multiplicative()?;
        loop {
            let op = match self.peek() {
                Tok::Plus => BinOp::Add,
                Tok::Minus => BinOp::Sub,
                _ => return Ok(left),
            };
            let (_, at) = self.bump();
            let right = self.multiplicative()?;
            left = binary(op, left, right, at);
        }
    }

    fn multiplicative(&mut self) -> Result<Node, ExprError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Tok::Star => BinOp::Mul,
                Tok::Slash => BinOp::Div,
                _ => return Ok(left),
            };
            let (_, at) = self.bump();
            let right = self.unary()?;
            left = binary(op, left, right, at);
        }
    }

    fn unary(&mut self) -> Result<Node, ExprError> {
        if *self.peek() != Tok::Minus {
            return self.primary();
        }
        let (_, at) = self.bump();
        let inner = self.nested(Self::unary)?;
        Ok(Node {
            at,
            kind: Kind::Unary(UnOp::Neg, Box::new(inner)),
        })
    }

    fn primary(&mut self) -> Result<Node, ExprError> {
        let (tok, at) = self.bump();
        let kind = match tok {
            Tok::Num(v) => Kind::Lit(v),
            Tok::Str(s) => Kind::Lit(Value::Text(s)),
            Tok::True => Kind::Lit(Value::Bool(true)),
            Tok::False => Kind::Lit(Value::Bool(false)),
            Tok::Null => Kind::Lit(Value::Null),
            Tok::LParen => {
                let inner = self.expr()?;
                self.expect_rparen()?;
                return Ok(inner);
            }
            Tok::Path(segs) if *self.peek() == Tok::LParen => return self.call(segs, at),
            Tok::Path(written) => Kind::Path(Box::new(PathNode {
                written,
                res: Res::Unresolved,
            })),
            other => {
                return Err(ExprError::new(
                    at,
                    format!("expected an expression, found {}", describe(&other)),
                ));
            }
        };
        Ok(Node { at, kind })
    }

    fn call(&mut self, segs: Vec<Seg>, at: usize) -> Result<Node, ExprError> {
        let [Seg::Key(name)] = segs.as_slice() else {
            return Err(ExprError::new(
                at,
                format!("'{}' is not a function", format_path(&segs)),
            ));
        };
        let func = Func::from_name(name).ok_or_else(|| {
            ExprError::new(
                at,
                format!(
                    "unknown function '{name}' (known: sum, count, all, any, len, empty, today, year)"
                ),
            )
        })?;
        self.bump(); // '('
        let mut args = Vec::new();
        if *self.peek() != Tok::RParen {
            loop {
                args.push(self.expr()?);
                if *self.peek() != Tok::Comma {
                    break;
                }
                self.bump();
            }
        }
        self.expect_rparen()?;
        let want = func.arity();
        if args.len() != want {
            return Err(ExprError::new(
                at,
                format!(
                    "{}() takes {want} argument{}, found {}",
                    func.name(),
                    if want == 1 { "" } else { "s" },
                    args.len()
                ),
            ));
        }
        Ok(Node {
            at,
            kind: Kind::Call(func, args),
        })
    }

    fn expect_rparen(&mut self) -> Result<(), ExprError> {
        if *self.peek() == Tok::RParen {
            self.bump();
            Ok(())
        } else {
            Err(ExprError::new(
                self.at(),
                format!("expected ')', found {}", describe(self.peek())),
            ))
        }
    }
}

fn binary(op: BinOp, left: Node, right: Node, at: usize) -> Node {
    Node {
        at,
        kind: Kind::Binary(op, Box::new(left), Box::new(right)),
    }
}

// ---------------------------------------------------------------------------------------------
// Expr
// ---------------------------------------------------------------------------------------------

/// A parsed expression; call [`Expr::check`] before [`Expr::eval`] (unchecked paths read as null).
#[derive(Debug, Clone)]
pub struct Expr {
    root: Node,
    /// Whether `check` was given a row: evaluation then puts the row at scope level 1.
    has_row: bool,
}

impl Expr {
    /// Parses an expression; errors carry the byte offset of the problem.
    pub fn parse(src: &str) -> Result<Expr, ExprError> {
        let toks = lex(src)?;
        let mut p = Parser {
            toks,
            pos: 0,
            depth: 0,
        };
        let root = p.expr()?;
        if *p.peek() != Tok::End {
            return Err(ExprError::new(
                p.at(),
                format!("unexpected {} after the expression", describe(p.peek())),
            ));
        }
        Ok(Expr {
            root,
            has_row: false,
        })
    }

    /// Type-checks against the form's paths, resolving every path; `row` (ending in `Seg::All`)
    /// makes bare paths resolve relative to that row first, then from the root.
    pub fn check(&mut self, schema: &dyn Schema, row: Option<&[Seg]>) -> Result<Type, ExprError> {
        let mut scopes = vec![Vec::new()];
        if let Some(row) = row {
            let mut row = row.to_vec();
            if matches!(row.last(), Some(Seg::Key(_))) {
                row.push(Seg::All);
            }
            scopes.push(row);
        }
        self.has_row = row.is_some();
        let mut checker = Checker { schema, scopes };
        let ty = checker.check(&mut self.root)?;
        if ty == Type::Rows {
            return Err(ExprError::new(
                self.root.at,
                "a group's rows are not a value; use count(), all() or any()",
            ));
        }
        Ok(ty)
    }

    /// Every absolute path the expression reads, after `check`: `[*]` at groups, no duplicates.
    pub fn paths(&self) -> Vec<Vec<Seg>> {
        let mut out = Vec::new();
        collect_paths(&self.root, &mut out);
        out
    }

    /// Evaluates against a document; `row` is the concrete row (`a.rows[3]`) for per-row rules.
    pub fn eval(&self, doc: &Json, ctx: &Context, row: Option<&[Seg]>) -> Value {
        let root = Scope {
            v: doc,
            level: 0,
            up: None,
        };
        if !self.has_row {
            return eval_node(&self.root, &root, ctx);
        }
        // Without a row the relative paths have nothing to read and come out null.
        let v = row.and_then(|r| walk_one(doc, r)).unwrap_or(&NULL_JSON);
        let row_scope = Scope {
            v,
            level: 1,
            up: Some(&root),
        };
        eval_node(&self.root, &row_scope, ctx)
    }
}

fn collect_paths(n: &Node, out: &mut Vec<Vec<Seg>>) {
    match &n.kind {
        Kind::Lit(_) => {}
        Kind::Path(p) => {
            if let Res::Doc(dp) = &p.res
                && !out.contains(&dp.key)
            {
                out.push(dp.key.clone());
            }
        }
        Kind::Unary(_, x) => collect_paths(x, out),
        Kind::Binary(_, l, r) => {
            collect_paths(l, out);
            collect_paths(r, out);
        }
        Kind::Call(_, args) => args.iter().for_each(|a| collect_paths(a, out)),
    }
}

// ---------------------------------------------------------------------------------------------
// Type checker
// ---------------------------------------------------------------------------------------------

struct Checker<'s> {
    schema: &'s dyn Schema,
    /// Absolute row path of each scope level; level 0 (the root) is empty.
    scopes: Vec<Vec<Seg>>,
}

/// A schema answer: the element type, the path that answered, and whether a trailing `[*]` was
/// dropped to reach a group (`rows[*]` read as `rows`).
struct Found {
    ty: Type,
    key: Vec<Seg>,
    strip_last: bool,
}

fn lookup(schema: &dyn Schema, abs: &[Seg]) -> Option<Found> {
    let has_index = abs.iter().any(|s| matches!(s, Seg::Index(_)));
    if let Some(ty) = schema.type_of(abs) {
        // The schema may have normalised the indexes itself; report the path as it binds it.
        let key = if has_index {
            canonical(schema, abs)
        } else {
            abs.to_vec()
        };
        return Some(Found {
            ty,
            key,
            strip_last: false,
        });
    }
    if has_index {
        let canon = canonical(schema, abs);
        let blanket: Vec<Seg> = abs
            .iter()
            .map(|s| match s {
                Seg::Index(_) => Seg::All,
                other => other.clone(),
            })
            .collect();
        for key in [canon, blanket] {
            if let Some(ty) = schema.type_of(&key) {
                return Some(Found {
                    ty,
                    key,
                    strip_last: false,
                });
            }
        }
    }
    let (last, prefix) = abs.split_last()?;
    if matches!(last, Seg::Key(_)) {
        return None;
    }
    let base = lookup(schema, prefix)?;
    match (base.ty, last) {
        (Type::List(t), _) if !base.strip_last => Some(Found {
            ty: *t,
            key: base.key,
            strip_last: false,
        }),
        (Type::Rows, Seg::All) if !base.strip_last => Some(Found {
            ty: Type::Rows,
            key: base.key,
            strip_last: true,
        }),
        _ => None,
    }
}

/// Replaces an index by `[*]` where the schema has a repeating group (`Rows`) before it, and
/// keeps it elsewhere (`leveranse[0].x` with a plain array), so [`Expr::paths`] matches binds.
fn canonical(schema: &dyn Schema, abs: &[Seg]) -> Vec<Seg> {
    let mut out = Vec::with_capacity(abs.len());
    for seg in abs {
        let seg = match seg {
            Seg::Index(_) if schema.type_of(&out) == Some(Type::Rows) => Seg::All,
            other => other.clone(),
        };
        out.push(seg);
    }
    out
}

fn lit_type(v: &Value) -> Type {
    match v {
        Value::Null => Type::Null,
        Value::Int(_) | Value::Dec(_) => Type::Number,
        Value::Text(_) => Type::Text,
        Value::Bool(_) => Type::Bool,
        Value::Date(..) => Type::Date,
        Value::DayMonth(..) => Type::DayMonth,
        Value::List(items) => Type::List(Box::new(items.first().map_or(Type::Null, lit_type))),
    }
}

impl Checker<'_> {
    fn check(&mut self, n: &mut Node) -> Result<Type, ExprError> {
        let at = n.at;
        match &mut n.kind {
            Kind::Lit(v) => Ok(lit_type(v)),
            Kind::Path(p) => self.resolve(p, at),
            Kind::Unary(op, x) => {
                let t = self.check(x)?;
                let (want, sym) = match op {
                    UnOp::Not => (Type::Bool, "not"),
                    UnOp::Neg => (Type::Number, "-"),
                };
                if t == want {
                    Ok(want)
                } else {
                    Err(ExprError::new(
                        at,
                        format!("'{sym}' needs a {want}, found {t}"),
                    ))
                }
            }
            Kind::Binary(op, l, r) => {
                let tl = self.check(l)?;
                let tr = self.check(r)?;
                let want = match op {
                    BinOp::And | BinOp::Or => Type::Bool,
                    BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => Type::Number,
                    _ => return check_comparison(op, l, r, tl, tr, at),
                };
                if tl == want && tr == want {
                    Ok(want)
                } else {
                    Err(ExprError::new(
                        at,
                        format!(
                            "'{}' needs a {want} on both sides, found {tl} and {tr}",
                            op.symbol()
                        ),
                    ))
                }
            }
            Kind::Call(f, args) => self.call(*f, args),
        }
    }

    fn call(&mut self, f: Func, args: &mut [Node]) -> Result<Type, ExprError> {
        let name = f.name();
        if f == Func::Today {
            return Ok(Type::Date);
        }
        let arg_at = args[0].at;
        let t = self.check(&mut args[0])?;
        let bad = |what: &str| {
            Err(ExprError::new(
                arg_at,
                format!("{name}() needs {what}, found {t}"),
            ))
        };
        match f {
            Func::Sum => match &t {
                Type::List(inner) if **inner == Type::Number => Ok(Type::Number),
                _ => bad("a list of numbers"),
            },
            Func::Count => match t {
                Type::Rows | Type::List(_) => Ok(Type::Number),
                _ => bad("a group or a list"),
            },
            Func::Len => match t {
                Type::Text | Type::Rows | Type::List(_) => Ok(Type::Number),
                _ => bad("a text, a group or a list"),
            },
            Func::Empty => Ok(Type::Bool),
            Func::Year => match t {
                Type::Date => Ok(Type::Number),
                _ => bad("a date"),
            },
            Func::All | Func::Any => {
                let key = match (&args[0].kind, &t) {
                    (Kind::Path(p), Type::Rows) => match &p.res {
                        Res::Doc(dp) => dp.key.clone(),
                        _ => return bad("a group's path as its first argument"),
                    },
                    _ => return bad("a group's path as its first argument"),
                };
                let mut row = key;
                row.push(Seg::All);
                self.scopes.push(row);
                let inner = self.check(&mut args[1]);
                self.scopes.pop();
                let inner = inner?;
                if inner == Type::Bool {
                    Ok(Type::Bool)
                } else {
                    Err(ExprError::new(
                        args[1].at,
                        format!(
                            "{name}() needs a boolean check as its second argument, found {inner}"
                        ),
                    ))
                }
            }
            Func::Today => unreachable!("handled above"),
        }
    }

    /// Resolves a path: innermost row first, outwards to the root, then the context paths.
    fn resolve(&self, p: &mut PathNode, at: usize) -> Result<Type, ExprError> {
        for (level, base) in self.scopes.iter().enumerate().rev() {
            let mut abs = Vec::with_capacity(base.len() + p.written.len());
            abs.extend_from_slice(base);
            abs.extend_from_slice(&p.written);
            let Some(found) = lookup(self.schema, &abs) else {
                continue;
            };
            let mut walk = p.written.clone();
            if found.strip_last {
                walk.pop();
            }
            let has_all = walk.contains(&Seg::All);
            let ty = if found.ty == Type::Rows {
                Type::Rows
            } else if has_all {
                Type::List(Box::new(found.ty.clone()))
            } else {
                found.ty.clone()
            };
            p.res = Res::Doc(DocPath {
                level,
                walk,
                has_all,
                elem: found.ty,
                key: found.key,
            });
            return Ok(ty);
        }
        // The schema wins over the context, so a form may bind its own `party.name`.
        if let Some(c) = ctx_field(&p.written) {
            p.res = Res::Ctx(c);
            return Ok(Type::Text);
        }
        let mut msg = format!("unknown path '{}'", format_path(&p.written));
        if self.scopes.len() > 1 {
            let rows: Vec<String> = self.scopes[1..].iter().map(|s| format_path(s)).collect();
            let _ = write!(msg, " (looked in {} and from the root)", rows.join(", "));
        }
        Err(ExprError::new(at, msg))
    }
}

fn check_comparison(
    op: &mut BinOp,
    l: &mut Node,
    r: &mut Node,
    mut tl: Type,
    mut tr: Type,
    at: usize,
) -> Result<Type, ExprError> {
    let sym = op.symbol();
    if tl == Type::Null || tr == Type::Null {
        let other = if tl == Type::Null { &tr } else { &tl };
        if *other == Type::Rows {
            return Err(ExprError::new(
                at,
                "a group cannot be compared with null; use empty()",
            ));
        }
        *op = match *op {
            BinOp::Eq | BinOp::EqNull => BinOp::EqNull,
            BinOp::Ne | BinOp::NeNull => BinOp::NeNull,
            _ => {
                return Err(ExprError::new(
                    at,
                    format!("'{sym}' cannot compare with null; only == and != can"),
                ));
            }
        };
        return Ok(Type::Bool);
    }
    // A text literal next to a date is a date literal: the language has no other way to write one.
    if matches!(tl, Type::Date | Type::DayMonth) && tr == Type::Text {
        tr = coerce_literal(r, &tl)?;
    } else if matches!(tr, Type::Date | Type::DayMonth) && tl == Type::Text {
        tl = coerce_literal(l, &tr)?;
    }
    if tl != tr {
        return Err(ExprError::new(at, format!("cannot compare {tl} with {tr}")));
    }
    let ordering = matches!(op, BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge);
    match tl {
        Type::Number | Type::Date | Type::DayMonth => Ok(Type::Bool),
        Type::Text | Type::Bool if !ordering => Ok(Type::Bool),
        Type::Text | Type::Bool => Err(ExprError::new(
            at,
            format!("'{sym}' cannot order {tl} values; only == and != compare them"),
        )),
        _ => Err(ExprError::new(at, format!("'{sym}' cannot compare {tl}"))),
    }
}

/// Turns a text literal into a date or day-month literal; leaves other nodes alone.
fn coerce_literal(n: &mut Node, target: &Type) -> Result<Type, ExprError> {
    let Kind::Lit(Value::Text(s)) = &n.kind else {
        return Ok(Type::Text);
    };
    let v = match target {
        Type::Date => parse_date(s)
            .map(|(y, m, d)| Value::Date(y, m, d))
            .ok_or_else(|| {
                ExprError::new(
                    n.at,
                    format!("'{s}' is not a date; write dates as 'YYYY-MM-DD'"),
                )
            })?,
        Type::DayMonth => parse_daymonth(s)
            .map(|(d, m)| Value::DayMonth(d, m))
            .ok_or_else(|| {
                ExprError::new(
                    n.at,
                    format!("'{s}' is not a day-month; write them as 'DDMM'"),
                )
            })?,
        _ => return Ok(Type::Text),
    };
    n.kind = Kind::Lit(v);
    Ok(target.clone())
}

// ---------------------------------------------------------------------------------------------
// Reading JSON
// ---------------------------------------------------------------------------------------------

static NULL_JSON: Json = Json::Null;

fn step<'a>(v: &'a Json, seg: &Seg) -> Option<&'a Json> {
    match seg {
        Seg::Key(k) => v.as_object()?.get(k.as_str()),
        Seg::Index(i) => v.as_array()?.get(*i),
        Seg::All => None,
    }
}

/// Follows a path without `[*]`.
fn walk_one<'a>(mut v: &'a Json, segs: &[Seg]) -> Option<&'a Json> {
    for seg in segs {
        v = step(v, seg)?;
    }
    Some(v)
}

/// Follows a path, fanning out at each `[*]`; `f` gets one call per place reached (`None` where
/// a row lacks the rest of the path, so every row counts), none for a missing group.
fn walk_each<'a>(v: &'a Json, segs: &[Seg], f: &mut dyn FnMut(Option<&'a Json>)) {
    let mut cur = v;
    for (i, seg) in segs.iter().enumerate() {
        if *seg == Seg::All {
            for row in cur.as_array().map_or(&[][..], Vec::as_slice) {
                walk_each(row, &segs[i + 1..], f);
            }
            return;
        }
        match step(cur, seg) {
            Some(next) => cur = next,
            None => {
                // Past the last `[*]` a missing step is one missing value; before it, no rows.
                if !segs[i..].contains(&Seg::All) {
                    f(None);
                }
                return;
            }
        }
    }
    f(Some(cur))
}

/// Reads the JSON at a path end as `ty`; anything missing or unreadable is `Null`.
fn read(ty: &Type, v: Option<&Json>) -> Value {
    let Some(v) = v else {
        return Value::Null;
    };
    match ty {
        Type::Number => read_number(v),
        Type::Text => match v {
            Json::String(s) => Value::Text(s.clone()),
            Json::Number(n) => Value::Text(n.to_string()),
            _ => Value::Null,
        },
        Type::Bool => v.as_bool().map_or(Value::Null, Value::Bool),
        Type::Date => v
            .as_str()
            .and_then(parse_date)
            .map_or(Value::Null, |(y, m, d)| Value::Date(y, m, d)),
        Type::DayMonth => v
            .as_str()
            .and_then(parse_daymonth)
            .map_or(Value::Null, |(d, m)| Value::DayMonth(d, m)),
        Type::List(t) => match v.as_array() {
            Some(items) => Value::List(items.iter().map(|e| read(t, Some(e))).collect()),
            None => Value::Null,
        },
        Type::Rows | Type::Null => Value::Null,
    }
}

fn read_number(v: &Json) -> Value {
    match v {
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Int(i.into())
            } else if let Some(u) = n.as_u64() {
                Value::Int(u.into())
            } else {
                n.as_f64().map_or(Value::Null, Value::Dec)
            }
        }
        Json::String(s) => parse_number_text(s),
        _ => Value::Null,
    }
}

/// A draft may hold an answer as typed; only a plain `-?digits(.digits)?` string counts as a
/// number, anything else ("12a", "1 000") is unreadable.
fn parse_number_text(s: &str) -> Value {
    let t = s.trim();
    let unsigned = t.strip_prefix('-').unwrap_or(t);
    let all_digits = |x: &str| !x.is_empty() && x.bytes().all(|c| c.is_ascii_digit());
    match unsigned.split_once('.') {
        None if all_digits(unsigned) => t.parse::<i128>().map_or(Value::Null, Value::Int),
        Some((int, frac)) if all_digits(int) && all_digits(frac) => t
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map_or(Value::Null, Value::Dec),
        _ => Value::Null,
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 0,
    }
}

/// `"YYYY-MM-DD"`, a real date.
fn parse_date(s: &str) -> Option<(i32, u8, u8)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = i32::try_from(digits(&b[0..4])?).ok()?;
    let m = u8::try_from(digits(&b[5..7])?).ok()?;
    let d = u8::try_from(digits(&b[8..10])?).ok()?;
    (d >= 1 && d <= days_in_month(y, m)).then_some((y, m, d))
}

/// `"DDMM"`, a real day of a month; 29 February is allowed (measured against a leap year).
fn parse_daymonth(s: &str) -> Option<(u8, u8)> {
    let b = s.as_bytes();
    if b.len() != 4 {
        return None;
    }
    let d = u8::try_from(digits(&b[0..2])?).ok()?;
    let m = u8::try_from(digits(&b[2..4])?).ok()?;
    (d >= 1 && d <= days_in_month(2000, m)).then_some((d, m))
}

// ---------------------------------------------------------------------------------------------
// Evaluator
// ---------------------------------------------------------------------------------------------

/// A chain of scopes on the stack (root, rule row, `all`/`any` rows), so entering a row
/// allocates nothing.
struct Scope<'a> {
    v: &'a Json,
    level: usize,
    up: Option<&'a Scope<'a>>,
}

impl<'a> Scope<'a> {
    fn at_level(&self, level: usize) -> &'a Json {
        let mut s = self;
        while s.level > level {
            match s.up {
                Some(up) => s = up,
                None => break,
            }
        }
        s.v
    }
}

fn eval_node(n: &Node, sc: &Scope<'_>, ctx: &Context) -> Value {
    match &n.kind {
        Kind::Lit(v) => v.clone(),
        Kind::Path(p) => eval_path(p, sc, ctx),
        Kind::Unary(UnOp::Not, x) => match eval_node(x, sc, ctx) {
            Value::Bool(b) => Value::Bool(!b),
            _ => Value::Null,
        },
        Kind::Unary(UnOp::Neg, x) => match eval_node(x, sc, ctx) {
            Value::Int(i) => i.checked_neg().map_or(Value::Null, Value::Int),
            Value::Dec(x) => Value::Dec(-x),
            _ => Value::Null,
        },
        Kind::Binary(BinOp::And, l, r) => {
            let l = eval_node(l, sc, ctx).truthy();
            if l == Some(false) {
                return Value::Bool(false);
            }
            match (l, eval_node(r, sc, ctx).truthy()) {
                (_, Some(false)) => Value::Bool(false),
                (Some(true), Some(true)) => Value::Bool(true),
                _ => Value::Null,
            }
        }
        Kind::Binary(BinOp::Or, l, r) => {
            let l = eval_node(l, sc, ctx).truthy();
            if l == Some(true) {
                return Value::Bool(true);
            }
            match (l, eval_node(r, sc, ctx).truthy()) {
                (_, Some(true)) => Value::Bool(true),
                (Some(false), Some(false)) => Value::Bool(false),
                _ => Value::Null,
            }
        }
        Kind::Binary(op, l, r) => {
            let l = eval_node(l, sc, ctx);
            let r = eval_node(r, sc, ctx);
            match op {
                BinOp::EqNull => Value::Bool(l.is_null() && r.is_null()),
                BinOp::NeNull => Value::Bool(!(l.is_null() && r.is_null())),
                BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => arith(*op, l, r),
                _ => match compare(&l, &r) {
                    None => Value::Null,
                    Some(ord) => Value::Bool(match op {
                        BinOp::Eq => ord == Ordering::Equal,
                        BinOp::Ne => ord != Ordering::Equal,
                        BinOp::Lt => ord == Ordering::Less,
                        BinOp::Le => ord != Ordering::Greater,
                        BinOp::Gt => ord == Ordering::Greater,
                        _ => ord != Ordering::Less,
                    }),
                },
            }
        }
        Kind::Call(f, args) => eval_call(*f, args, sc, ctx),
    }
}

fn eval_path(p: &PathNode, sc: &Scope<'_>, ctx: &Context) -> Value {
    let dp = match &p.res {
        Res::Unresolved => return Value::Null,
        Res::Ctx(c) => {
            let v = match c {
                CtxField::PartyOrgnr => &ctx.party_orgnr,
                CtxField::PartyName => &ctx.party_name,
                CtxField::UserPid => &ctx.user_pid,
                CtxField::UserName => &ctx.user_name,
            };
            return v.clone().map_or(Value::Null, Value::Text);
        }
        Res::Doc(dp) => dp,
    };
    // Rows are read only through the functions that take them.
    if dp.elem == Type::Rows {
        return Value::Null;
    }
    let base = sc.at_level(dp.level);
    if dp.has_all {
        let mut items = Vec::new();
        walk_each(base, &dp.walk, &mut |v| items.push(read(&dp.elem, v)));
        Value::List(items)
    } else {
        read(&dp.elem, walk_one(base, &dp.walk))
    }
}

/// The document path behind a node, if it is a resolved document path.
fn doc_path(n: &Node) -> Option<&DocPath> {
    match &n.kind {
        Kind::Path(p) => match &p.res {
            Res::Doc(dp) => Some(dp),
            _ => None,
        },
        _ => None,
    }
}

/// Calls `f` with each row of a group path (all groups' rows when the path holds `[*]`).
fn for_each_row<'a>(dp: &DocPath, sc: &Scope<'a>, f: &mut dyn FnMut(&'a Json)) {
    walk_each(sc.at_level(dp.level), &dp.walk, &mut |v| {
        if let Some(rows) = v.and_then(Json::as_array) {
            rows.iter().for_each(&mut *f);
        }
    });
}

/// Calls `f` with each item of a list argument; `[*]` paths are streamed without building a list.
fn for_each_item(n: &Node, sc: &Scope<'_>, ctx: &Context, f: &mut dyn FnMut(Value)) {
    if let Some(dp) = doc_path(n).filter(|dp| dp.has_all && dp.elem != Type::Rows) {
        walk_each(sc.at_level(dp.level), &dp.walk, &mut |v| {
            f(read(&dp.elem, v))
        });
        return;
    }
    if let Value::List(items) = eval_node(n, sc, ctx) {
        items.into_iter().for_each(f);
    }
}

fn count_rows(dp: &DocPath, sc: &Scope<'_>) -> usize {
    let mut n = 0;
    for_each_row(dp, sc, &mut |_| n += 1);
    n
}

fn usize_value(n: usize) -> Value {
    Value::Int(n as i128)
}

fn eval_call(f: Func, args: &[Node], sc: &Scope<'_>, ctx: &Context) -> Value {
    let rows = args
        .first()
        .and_then(doc_path)
        .filter(|dp| dp.elem == Type::Rows);
    match f {
        Func::Today => {
            let (y, m, d) = ctx.today;
            Value::Date(y, m, d)
        }
        Func::Sum => {
            // `None` once an addition overflowed: the sum is then unknown, not wrong.
            let mut acc = Some(Value::Int(0));
            for_each_item(&args[0], sc, ctx, &mut |v| {
                if !v.is_null() {
                    acc = acc
                        .take()
                        .map(|a| arith(BinOp::Add, a, v))
                        .filter(|s| !s.is_null());
                }
            });
            acc.unwrap_or(Value::Null)
        }
        Func::Count => {
            if let Some(dp) = rows {
                return usize_value(count_rows(dp, sc));
            }
            // Over a list, count the answers given (non-null); len() counts the places.
            let mut n = 0;
            for_each_item(&args[0], sc, ctx, &mut |v| {
                if !v.is_null() {
                    n += 1;
                }
            });
            usize_value(n)
        }
        Func::Len => {
            if let Some(dp) = rows {
                return usize_value(count_rows(dp, sc));
            }
            match eval_node(&args[0], sc, ctx) {
                Value::Text(s) => usize_value(s.chars().count()),
                Value::List(items) => usize_value(items.len()),
                _ => Value::Null,
            }
        }
        Func::Empty => {
            if let Some(dp) = rows {
                return Value::Bool(count_rows(dp, sc) == 0);
            }
            Value::Bool(match eval_node(&args[0], sc, ctx) {
                Value::Null => true,
                Value::Text(s) => s.is_empty(),
                Value::List(items) => items.is_empty(),
                _ => false,
            })
        }
        Func::Year => match eval_node(&args[0], sc, ctx) {
            Value::Date(y, _, _) => Value::Int(y.into()),
            _ => Value::Null,
        },
        Func::All | Func::Any => {
            let Some(dp) = rows else {
                return Value::Null;
            };
            // `any` stops at the first true, `all` at the first false; a null row leaves the
            // answer unknown unless a later row decides it.
            let decisive = f == Func::Any;
            let mut unknown = false;
            let mut decided = false;
            for_each_row(dp, sc, &mut |row| {
                if decided {
                    return;
                }
                let inner = Scope {
                    v: row,
                    level: sc.level + 1,
                    up: Some(sc),
                };
                match eval_node(&args[1], &inner, ctx).truthy() {
                    Some(b) if b == decisive => decided = true,
                    Some(_) => {}
                    None => unknown = true,
                }
            });
            if decided {
                Value::Bool(decisive)
            } else if unknown {
                Value::Null
            } else {
                Value::Bool(!decisive)
            }
        }
    }
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Dec(x) => Some(*x),
        _ => None,
    }
}

/// Number arithmetic; anything non-numeric, overflowing or divided by zero is `Null`.
fn arith(op: BinOp, l: Value, r: Value) -> Value {
    if let (Value::Int(a), Value::Int(b)) = (&l, &r) {
        let (a, b) = (*a, *b);
        let out = match op {
            BinOp::Add => a.checked_add(b),
            BinOp::Sub => a.checked_sub(b),
            BinOp::Mul => a.checked_mul(b),
            // Whole division stays whole; otherwise the exact quotient, not a truncated one.
            _ => match a.checked_rem(b) {
                Some(0) => a.checked_div(b),
                Some(_) => return Value::Dec(a as f64 / b as f64),
                None => None,
            },
        };
        return out.map_or(Value::Null, Value::Int);
    }
    let (Some(a), Some(b)) = (as_f64(&l), as_f64(&r)) else {
        return Value::Null;
    };
    let x = match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        _ if b == 0.0 => return Value::Null,
        _ => a / b,
    };
    if x.is_finite() {
        Value::Dec(x)
    } else {
        Value::Null
    }
}

/// Orders two values of the same kind; `None` when either is null or the kinds differ.
fn compare(l: &Value, r: &Value) -> Option<Ordering> {
    match (l, r) {
        (Value::Int(a), Value::Int(b)) => Some(a.cmp(b)),
        (Value::Int(_) | Value::Dec(_), Value::Int(_) | Value::Dec(_)) => {
            as_f64(l)?.partial_cmp(&as_f64(r)?)
        }
        (Value::Text(a), Value::Text(b)) => Some(a.cmp(b)),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        (Value::Date(y1, m1, d1), Value::Date(y2, m2, d2)) => Some((y1, m1, d1).cmp(&(y2, m2, d2))),
        (Value::DayMonth(d1, m1), Value::DayMonth(d2, m2)) => Some((m1, d1).cmp(&(m2, d2))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::HashMap;

    struct TestSchema(HashMap<String, Type>);

    impl Schema for TestSchema {
        fn type_of(&self, path: &[Seg]) -> Option<Type> {
            self.0.get(&format_path(path)).cloned()
        }
    }

    /// Like the loader's schema: turns every index into `[*]` before looking up.
    struct Normalising(TestSchema);

    impl Schema for Normalising {
        fn type_of(&self, path: &[Seg]) -> Option<Type> {
            self.0.type_of(path).or_else(|| {
                let all: Vec<Seg> = path
                    .iter()
                    .map(|s| match s {
                        Seg::Index(_) => Seg::All,
                        s => s.clone(),
                    })
                    .collect();
                self.0.type_of(&all)
            })
        }
    }

    fn schema() -> TestSchema {
        let list = |t: Type| Type::List(Box::new(t));
        let entries = [
            ("leveranse.leveransetype", Type::Text),
            ("leveranse.inntektsaar", Type::Number),
            ("leveranse.frist", Type::DayMonth),
            ("leveranse.dato", Type::Date),
            ("leveranse.bekreftet", Type::Bool),
            ("leveranse.valg", list(Type::Text)),
            ("leveranse.oppgave", Type::Rows),
            ("leveranse.oppgave[*].andelFormue", Type::Number),
            ("leveranse.oppgave[*].navn", Type::Text),
            ("leveranse.oppgave[*].inntektsaar", Type::Number),
            ("leveranse.oppgave[*].eiertid.start", Type::Date),
            ("leveranse.oppgave[*].eiertid.slutt", Type::Date),
            ("leveranse.oppgave[*].fradag", Type::DayMonth),
            ("leveranse.oppgave[*].bolig", Type::Bool),
            ("leveranse.oppgave[*].delrader", Type::Rows),
            ("leveranse.oppgave[*].delrader[*].beloep", Type::Number),
            ("leveranse.oppgaveoppsummering.sumAndelFormue", Type::Number),
            ("hode[0].inntektsaar", Type::Number),
            ("party.name", Type::Text),
            ("t", Type::Bool),
            ("f", Type::Bool),
            ("n", Type::Bool),
        ];
        TestSchema(
            entries
                .into_iter()
                .map(|(k, t)| (k.to_string(), t))
                .collect(),
        )
    }

    fn row_path() -> Vec<Seg> {
        parse_path("leveranse.oppgave[*]").unwrap()
    }

    /// Fully parenthesised rendering of the tree, to test precedence.
    fn show(n: &Node) -> String {
        match &n.kind {
            Kind::Lit(Value::Text(s)) => format!("'{s}'"),
            Kind::Lit(Value::Int(i)) => i.to_string(),
            Kind::Lit(Value::Dec(x)) => x.to_string(),
            Kind::Lit(Value::Bool(b)) => b.to_string(),
            Kind::Lit(v) => format!("{v:?}"),
            Kind::Path(p) => format_path(&p.written),
            Kind::Unary(UnOp::Not, x) => format!("(not {})", show(x)),
            Kind::Unary(UnOp::Neg, x) => format!("(- {})", show(x)),
            Kind::Binary(op, l, r) => format!("({} {} {})", show(l), op.symbol(), show(r)),
            Kind::Call(f, args) => format!(
                "{}({})",
                f.name(),
                args.iter().map(show).collect::<Vec<_>>().join(", ")
            ),
        }
    }

    fn parsed(src: &str) -> String {
        show(&Expr::parse(src).unwrap().root)
    }

    fn parse_err(src: &str) -> ExprError {
        match Expr::parse(src) {
            Ok(e) => panic!("{src:?} parsed as {}", show(&e.root)),
            Err(e) => e,
        }
    }

    fn checked(src: &str, row: Option<&[Seg]>) -> Result<Expr, ExprError> {
        let mut e = Expr::parse(src).unwrap();
        e.check(&schema(), row)?;
        Ok(e)
    }

    fn type_of(src: &str) -> Type {
        let mut e = Expr::parse(src).unwrap();
        e.check(&schema(), None)
            .unwrap_or_else(|err| panic!("{src}: {err}"))
    }

    fn type_err(src: &str, row: Option<&[Seg]>) -> ExprError {
        match checked(src, row) {
            Ok(_) => panic!("{src:?} type-checked"),
            Err(e) => e,
        }
    }

    fn ctx() -> Context {
        Context {
            today: (2025, 3, 14),
            party_orgnr: Some("999888777".into()),
            party_name: Some("Ctx Name".into()),
            user_pid: None,
            user_name: Some("Kari".into()),
        }
    }

    fn eval(src: &str, doc: &Json) -> Value {
        checked(src, None)
            .unwrap_or_else(|e| panic!("{src}: {e}"))
            .eval(doc, &ctx(), None)
    }

    fn eval_row(src: &str, doc: &Json, row: usize) -> Value {
        let mut concrete = parse_path("leveranse.oppgave").unwrap();
        concrete.push(Seg::Index(row));
        checked(src, Some(&row_path()))
            .unwrap_or_else(|e| panic!("{src}: {e}"))
            .eval(doc, &ctx(), Some(&concrete))
    }

    fn sample() -> Json {
        json!({
            "leveranse": {
                "leveransetype": "ordinaer",
                "inntektsaar": 2025,
                "frist": "3101",
                "dato": "2025-02-28",
                "bekreftet": true,
                "valg": ["a", "b"],
                "oppgave": [
                    {
                        "andelFormue": 100,
                        "navn": "A",
                        "inntektsaar": 2024,
                        "eiertid": { "start": "2024-01-01", "slutt": "2024-12-31" },
                        "fradag": "0102",
                        "bolig": true,
                        "delrader": [{ "beloep": 1 }, { "beloep": 2 }]
                    },
                    {
                        "andelFormue": 250.5,
                        "navn": "B",
                        "eiertid": { "start": "2024-06-01", "slutt": "2024-03-01" },
                        "fradag": "3101",
                        "bolig": false
                    },
                    {
                        "andelFormue": "12a",
                        "eiertid": { "start": "2024-02-30" },
                        "bolig": true,
                        "delrader": [{ "beloep": 5 }]
                    },
                    {}
                ]
            },
            "t": true,
            "f": false
        })
    }

    // ----- paths -----

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

    // ----- parsing -----

    #[test]
    fn precedence() {
        assert_eq!(
            parsed("a or b and not c == 1 + 2 * -d"),
            "(a or (b and (not (c == (1 + (2 * (- d)))))))"
        );
        assert_eq!(parsed("(a or b) and c"), "((a or b) and c)");
        assert_eq!(parsed("1 - 2 - 3"), "((1 - 2) - 3)");
        assert_eq!(parsed("8 / 4 / 2 * 3"), "(((8 / 4) / 2) * 3)");
        assert_eq!(parsed("not a == b"), "(not (a == b))");
        assert_eq!(parsed("not not a"), "(not (not a))");
        assert_eq!(parsed("-a * b"), "((- a) * b)");
        assert_eq!(
            parsed("a <= b + 1 and b > 2"),
            "((a <= (b + 1)) and (b > 2))"
        );
        assert_eq!(
            parsed("sum(leveranse.oppgave[*].andelFormue)/count(leveranse.oppgave)"),
            "(sum(leveranse.oppgave[*].andelFormue) / count(leveranse.oppgave))"
        );
        assert_eq!(
            parsed("all(a.rows, x.y[0] != null)"),
            "all(a.rows, (x.y[0] != Null))"
        );
        assert_eq!(parsed("today()"), "today()");
    }

    #[test]
    fn literals() {
        assert_eq!(parsed("12"), "12");
        assert_eq!(parsed("1.5"), "1.5");
        assert_eq!(parsed(r#"'it\'s'"#), "'it's'");
        assert_eq!(parsed(r#""a\"b\\c""#), r#"'a"b\c'"#);
        assert_eq!(parsed(r#""tab\there""#), "'tab\there'");
        assert_eq!(parsed("'ø' == \"æ\""), "('ø' == 'æ')");
        assert_eq!(parsed("true or false"), "(true or false)");
        // Keywords are keywords only as the first word of a path.
        assert_eq!(parsed("a.not.and"), "a.not.and");
    }

    #[test]
    fn parse_errors() {
        let cases: &[(&str, usize, &str)] = &[
            ("", 0, "expected an expression, found end of input"),
            ("1 +", 3, "expected an expression"),
            ("a == b == c", 7, "cannot be chained"),
            ("a < b > c", 6, "cannot be chained"),
            ("'abc", 0, "unterminated string"),
            (r"'a\qb'", 2, "unknown escape"),
            ("a.", 2, "expected a name after '.'"),
            ("a.b[x]", 4, "row number or '*'"),
            ("a[1", 3, "expected ']'"),
            ("(1 + 2", 6, "expected ')'"),
            ("1 $ 2", 2, "unexpected '$'"),
            ("'ø' + ?", 7, "unexpected '?'"),
            ("1.", 2, "digit after the decimal point"),
            ("12a", 2, "after a number"),
            ("a = b", 2, "'=='"),
            ("!a", 0, "'not'"),
            ("a && b", 2, "'and'"),
            ("a b", 2, "unexpected 'b' after the expression"),
            ("1 2", 2, "unexpected a number"),
            ("foo(1)", 0, "unknown function 'foo'"),
            ("a.sum(1)", 0, "not a function"),
            ("x + sum(a, b)", 4, "sum() takes 1 argument, found 2"),
            ("all(a)", 0, "takes 2 arguments"),
            ("today(1)", 0, "takes 0 arguments"),
            ("sum(a,)", 6, "expected an expression"),
            ("99999999999999999999999999999999999999999", 0, "too large"),
        ];
        for &(src, offset, msg) in cases {
            let e = parse_err(src);
            assert_eq!(e.offset, offset, "{src:?}: {e}");
            assert!(e.message.contains(msg), "{src:?}: {e}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let src = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(parse_err(&src).message.contains("nested too deeply"));
        let src = format!("{}a", "not ".repeat(10_000));
        assert!(parse_err(&src).message.contains("nested too deeply"));
        let src = format!("{}1", "-".repeat(10_000));
        assert!(parse_err(&src).message.contains("nested too deeply"));
        // Ordinary nesting is fine.
        assert_eq!(parsed("((((1))))"), "1");
    }

    #[test]
    fn error_display_names_offset() {
        let e = parse_err("1 +");
        assert_eq!(
            e.to_string(),
            "expected an expression, found end of input (at offset 3)"
        );
    }

    // ----- type checking -----

    #[test]
    fn good_types() {
        let list = |t: Type| Type::List(Box::new(t));
        let cases: &[(&str, Type)] = &[
            ("sum(leveranse.oppgave[*].andelFormue)", Type::Number),
            ("sum(leveranse.oppgave[*].andelFormue) > 0", Type::Bool),
            ("leveranse.oppgave[*].navn", list(Type::Text)),
            ("leveranse.oppgave[2].navn", Type::Text),
            ("leveranse.leveransetype == 'ordinaer'", Type::Bool),
            (
                "leveranse.leveransetype != \"x\" or not leveranse.bekreftet",
                Type::Bool,
            ),
            ("count(leveranse.oppgave)", Type::Number),
            ("count(leveranse.oppgave[*])", Type::Number),
            ("count(leveranse.oppgave[*].navn)", Type::Number),
            ("count(leveranse.oppgave[*].delrader)", Type::Number),
            (
                "len(leveranse.leveransetype) + len(leveranse.valg)",
                Type::Number,
            ),
            (
                "empty(leveranse.valg) and empty(leveranse.oppgave)",
                Type::Bool,
            ),
            ("leveranse.valg", list(Type::Text)),
            ("leveranse.valg[0] == 'a'", Type::Bool),
            ("leveranse.valg[*]", list(Type::Text)),
            ("year(today()) - leveranse.inntektsaar", Type::Number),
            ("leveranse.dato <= today()", Type::Bool),
            ("leveranse.dato >= '2025-01-01'", Type::Bool),
            ("'0101' < leveranse.frist", Type::Bool),
            ("leveranse.inntektsaar == null", Type::Bool),
            ("null != leveranse.valg", Type::Bool),
            ("null == null", Type::Bool),
            ("-leveranse.inntektsaar * 1.5 / 2", Type::Number),
            ("all(leveranse.oppgave, andelFormue > 0)", Type::Bool),
            (
                "any(leveranse.oppgave, eiertid.start <= eiertid.slutt and navn != null)",
                Type::Bool,
            ),
            (
                "all(leveranse.oppgave, all(delrader, beloep > 0 and leveranse.inntektsaar > 0))",
                Type::Bool,
            ),
            ("all(leveranse.oppgave[1].delrader, beloep > 0)", Type::Bool),
            ("sum(leveranse.oppgave[*].delrader[*].beloep)", Type::Number),
            ("party.orgnr == user.pid", Type::Bool),
            ("user.name", Type::Text),
            ("leveranse.oppgaveoppsummering.sumAndelFormue", Type::Number),
        ];
        for (src, want) in cases {
            assert_eq!(&type_of(src), want, "{src}");
        }
    }

    #[test]
    fn bad_types() {
        let cases: &[(&str, usize, &str)] = &[
            (
                "'a' + 1",
                4,
                "'+' needs a number on both sides, found text and number",
            ),
            (
                "1 and 2",
                2,
                "'and' needs a boolean on both sides, found number and number",
            ),
            ("not 1", 0, "'not' needs a boolean, found number"),
            ("-'a'", 0, "'-' needs a number, found text"),
            (
                "leveranse.leveransetype == 1",
                24,
                "cannot compare text with number",
            ),
            ("leveranse.leveransetype < 'b'", 24, "cannot order text"),
            ("leveranse.bekreftet > true", 20, "cannot order boolean"),
            (
                "sum(leveranse.oppgave[*].navn)",
                4,
                "sum() needs a list of numbers, found list of text",
            ),
            ("sum(leveranse.inntektsaar)", 4, "found number"),
            (
                "count(leveranse.inntektsaar)",
                6,
                "count() needs a group or a list",
            ),
            ("len(1)", 4, "len() needs"),
            (
                "year(leveranse.frist)",
                5,
                "year() needs a date, found day-month",
            ),
            ("leveranse.nope > 1", 0, "unknown path 'leveranse.nope'"),
            ("party.vat", 0, "unknown path 'party.vat'"),
            (
                "1 + leveranse.oppgave[*].x",
                4,
                "unknown path 'leveranse.oppgave[*].x'",
            ),
            (
                "leveranse.inntektsaar < null",
                22,
                "cannot compare with null",
            ),
            (
                "leveranse.dato == 2025",
                15,
                "cannot compare date with number",
            ),
            (
                "leveranse.dato == leveranse.frist",
                15,
                "cannot compare date with day-month",
            ),
            ("leveranse.dato > '2025-02-30'", 17, "not a date"),
            ("leveranse.frist == '3002'", 19, "not a day-month"),
            ("leveranse.oppgave", 0, "not a value"),
            ("leveranse.oppgave == null", 18, "use empty()"),
            (
                "count(leveranse.oppgave) + leveranse.oppgave",
                25,
                "found number and rows of a group",
            ),
            ("all(leveranse.valg, true)", 4, "a group's path"),
            ("all(leveranse.oppgave, andelFormue)", 23, "boolean check"),
            ("any(leveranse.oppgave, nope)", 23, "unknown path 'nope'"),
            (
                "leveranse.valg == leveranse.valg",
                15,
                "cannot compare list of text",
            ),
            ("andelFormue > 0", 0, "unknown path 'andelFormue'"),
            ("null + 1", 5, "found null and number"),
        ];
        for &(src, offset, msg) in cases {
            let e = type_err(src, None);
            assert!(e.message.contains(msg), "{src:?}: {e}");
            assert_eq!(e.offset, offset, "{src:?}: {e}");
        }
        let e = type_err("nope > 1", Some(&row_path()));
        assert!(e.message.contains("leveranse.oppgave[*]"), "{e}");
    }

    #[test]
    fn relative_paths_resolve_row_first() {
        let row = row_path();
        let mut e = Expr::parse("inntektsaar > 0 and leveranse.inntektsaar > 0").unwrap();
        assert_eq!(e.check(&schema(), Some(&row)).unwrap(), Type::Bool);
        let paths: Vec<String> = e.paths().iter().map(|p| format_path(p)).collect();
        assert_eq!(
            paths,
            ["leveranse.oppgave[*].inntektsaar", "leveranse.inntektsaar"]
        );
        // A row path given without its trailing [*] is accepted too.
        let mut e = Expr::parse("andelFormue").unwrap();
        let bare = parse_path("leveranse.oppgave").unwrap();
        assert_eq!(e.check(&schema(), Some(&bare)).unwrap(), Type::Number);
    }

    #[test]
    fn paths_are_absolute_and_deduplicated() {
        let e = checked(
            "all(leveranse.oppgave, andelFormue > 0 and count(delrader) > 0) \
             and sum(leveranse.oppgave[*].andelFormue) > leveranse.oppgave[3].andelFormue \
             and party.orgnr != null and leveranse.valg[0] == 'a' and count(leveranse.oppgave[*]) > 0",
            None,
        )
        .unwrap();
        let paths: Vec<String> = e.paths().iter().map(|p| format_path(p)).collect();
        assert_eq!(
            paths,
            [
                "leveranse.oppgave",
                "leveranse.oppgave[*].andelFormue",
                "leveranse.oppgave[*].delrader",
                "leveranse.valg",
            ]
        );
    }

    #[test]
    fn paths_are_canonical_whatever_the_schema_normalises() {
        let src = "leveranse.oppgave[2].andelFormue + hode[0].inntektsaar \
                   + count(leveranse.oppgave[1].delrader) + sum(leveranse.oppgave[0].delrader[*].beloep)";
        let want = [
            "leveranse.oppgave[*].andelFormue",
            "hode[0].inntektsaar",
            "leveranse.oppgave[*].delrader",
            "leveranse.oppgave[*].delrader[*].beloep",
        ];
        for schema in [&schema() as &dyn Schema, &Normalising(schema())] {
            let mut e = Expr::parse(src).unwrap();
            assert_eq!(e.check(schema, None).unwrap(), Type::Number);
            let paths: Vec<String> = e.paths().iter().map(|p| format_path(p)).collect();
            assert_eq!(paths, want);
        }
        let doc = json!({ "hode": [{ "inntektsaar": 2025 }] });
        assert_eq!(eval("hode[0].inntektsaar", &doc), Value::Int(2025));
    }

    #[test]
    fn context_paths_yield_to_the_schema() {
        let doc = json!({ "party": { "name": "Doc Name" } });
        assert_eq!(eval("party.name", &doc), Value::Text("Doc Name".into()));
        assert_eq!(eval("party.orgnr", &doc), Value::Text("999888777".into()));
        assert_eq!(eval("user.name", &doc), Value::Text("Kari".into()));
        assert_eq!(eval("user.pid", &doc), Value::Null);
        assert_eq!(eval("user.pid == null", &doc), Value::Bool(true));
        let e = checked("party.orgnr", None).unwrap();
        assert!(e.paths().is_empty());
    }

    // ----- evaluation -----

    #[test]
    fn sum_and_count_over_rows() {
        let doc = sample();
        // 100 + 250.5; "12a" and the missing value are skipped.
        assert_eq!(
            eval("sum(leveranse.oppgave[*].andelFormue)", &doc),
            Value::Dec(350.5)
        );
        assert_eq!(
            eval("sum(leveranse.oppgave[*].delrader[*].beloep)", &doc),
            Value::Int(8)
        );
        assert_eq!(
            eval("sum(leveranse.oppgave[*].andelFormue)", &json!({})),
            Value::Int(0)
        );
        let unreadable = json!({ "leveranse": { "oppgave": [{ "andelFormue": "x" }, {}] } });
        assert_eq!(
            eval("sum(leveranse.oppgave[*].andelFormue)", &unreadable),
            Value::Int(0)
        );
        assert_eq!(eval("count(leveranse.oppgave)", &doc), Value::Int(4));
        assert_eq!(eval("count(leveranse.oppgave[*])", &doc), Value::Int(4));
        assert_eq!(
            eval("count(leveranse.oppgave[*].navn)", &doc),
            Value::Int(2)
        );
        assert_eq!(eval("len(leveranse.oppgave[*].navn)", &doc), Value::Int(4));
        assert_eq!(
            eval("count(leveranse.oppgave[*].delrader)", &doc),
            Value::Int(3)
        );
        assert_eq!(eval("count(leveranse.valg)", &doc), Value::Int(2));
        assert_eq!(eval("count(leveranse.oppgave)", &json!({})), Value::Int(0));
        assert_eq!(
            eval("leveranse.oppgave[*].navn", &doc),
            Value::List(vec![
                Value::Text("A".into()),
                Value::Text("B".into()),
                Value::Null,
                Value::Null
            ])
        );
        assert_eq!(
            eval("leveranse.oppgave[1].navn", &doc),
            Value::Text("B".into())
        );
        assert_eq!(eval("leveranse.oppgave[9].navn", &doc), Value::Null);
        assert_eq!(eval("leveranse.valg[1]", &doc), Value::Text("b".into()));
    }

    #[test]
    fn sum_overflow_is_null() {
        let big = i64::MAX;
        let doc = json!({ "leveranse": { "oppgave": [{ "andelFormue": big }, { "andelFormue": big }, { "andelFormue": big }] } });
        assert_eq!(
            eval("sum(leveranse.oppgave[*].andelFormue)", &doc),
            Value::Int(3 * i128::from(big))
        );
        let e = checked("leveranse.inntektsaar * leveranse.inntektsaar", None).unwrap();
        let mut doc = json!({ "leveranse": { "inntektsaar": big } });
        assert_eq!(
            e.eval(&doc, &ctx(), None),
            Value::Int(i128::from(big) * i128::from(big))
        );
        // i128 overflow through repeated multiplication: null, not a panic.
        let e = checked(
            "leveranse.inntektsaar * leveranse.inntektsaar * leveranse.inntektsaar",
            None,
        )
        .unwrap();
        assert_eq!(e.eval(&doc, &ctx(), None), Value::Null);
        doc["leveranse"]["inntektsaar"] = json!(u64::MAX);
        assert_eq!(
            eval("leveranse.inntektsaar", &doc),
            Value::Int(i128::from(u64::MAX))
        );
    }

    #[test]
    fn all_and_any_use_row_relative_paths() {
        let doc = sample();
        assert_eq!(
            eval("all(leveranse.oppgave, bolig != null)", &doc),
            Value::Bool(false)
        );
        // Row 1 is false, so `all` is false even though later rows are unknown.
        assert_eq!(
            eval(
                "all(leveranse.oppgave, eiertid.start <= eiertid.slutt)",
                &doc
            ),
            Value::Bool(false)
        );
        // Only row 0 is known and true; the unknown rows leave `all` unknown.
        assert_eq!(
            eval("all(leveranse.oppgave, navn == 'A')", &doc),
            Value::Bool(false)
        );
        assert_eq!(
            eval("all(leveranse.oppgave, andelFormue > 0)", &doc),
            Value::Null
        );
        assert_eq!(
            eval("any(leveranse.oppgave, andelFormue > 200)", &doc),
            Value::Bool(true)
        );
        assert_eq!(
            eval("any(leveranse.oppgave, andelFormue > 1000)", &doc),
            Value::Null
        );
        assert_eq!(
            eval("any(leveranse.oppgave, not bolig)", &doc),
            Value::Bool(true)
        );
        // Absolute paths still resolve inside, and nested groups nest.
        assert_eq!(
            eval(
                "all(leveranse.oppgave, all(delrader, beloep < leveranse.inntektsaar))",
                &doc
            ),
            Value::Bool(true)
        );
        assert_eq!(
            eval("any(leveranse.oppgave, any(delrader, beloep == 5))", &doc),
            Value::Bool(true)
        );
        // The row's own `inntektsaar` shadows the root one inside all().
        assert_eq!(
            eval("any(leveranse.oppgave, inntektsaar == 2024)", &doc),
            Value::Bool(true)
        );
        // No rows: all is vacuously true, any false.
        let empty = json!({ "leveranse": { "oppgave": [] } });
        assert_eq!(
            eval("all(leveranse.oppgave, andelFormue > 0)", &empty),
            Value::Bool(true)
        );
        assert_eq!(
            eval("any(leveranse.oppgave, andelFormue > 0)", &empty),
            Value::Bool(false)
        );
        assert_eq!(eval("empty(leveranse.oppgave)", &empty), Value::Bool(true));
        assert_eq!(eval("empty(leveranse.oppgave)", &doc), Value::Bool(false));
    }

    #[test]
    fn per_row_evaluation() {
        let doc = sample();
        let src = "eiertid.start <= eiertid.slutt";
        assert_eq!(eval_row(src, &doc, 0), Value::Bool(true));
        assert_eq!(eval_row(src, &doc, 1), Value::Bool(false));
        assert_eq!(eval_row(src, &doc, 2), Value::Null);
        assert_eq!(eval_row(src, &doc, 3), Value::Null);
        assert_eq!(eval_row(src, &doc, 99), Value::Null);
        assert_eq!(
            eval_row("inntektsaar < leveranse.inntektsaar", &doc, 0),
            Value::Bool(true)
        );
        assert_eq!(eval_row("count(delrader)", &doc, 0), Value::Int(2));
        assert_eq!(eval_row("sum(delrader[*].beloep)", &doc, 2), Value::Int(5));
        assert_eq!(
            eval_row("any(delrader, beloep == 2)", &doc, 0),
            Value::Bool(true)
        );
        // Checked per row but evaluated without one: the relative paths read nothing.
        let e = checked("navn == null", Some(&row_path())).unwrap();
        assert_eq!(e.eval(&doc, &ctx(), None), Value::Bool(true));
    }

    #[test]
    fn three_valued_logic() {
        let doc = sample(); // t = true, f = false, n missing
        let cases = [
            ("t and t", Some(true)),
            ("t and f", Some(false)),
            ("f and n", Some(false)),
            ("n and f", Some(false)),
            ("t and n", None),
            ("n and t", None),
            ("n and n", None),
            ("t or n", Some(true)),
            ("n or t", Some(true)),
            ("f or n", None),
            ("n or f", None),
            ("f or f", Some(false)),
            ("not n", None),
            ("not f", Some(true)),
            ("n == t", None),
            ("n != t", None),
            ("n == null", Some(true)),
            ("n != null", Some(false)),
            ("null == t", Some(false)),
            ("null == null", Some(true)),
            ("t == true", Some(true)),
            ("t != f", Some(true)),
        ];
        for (src, want) in cases {
            assert_eq!(eval(src, &doc).truthy(), want, "{src}");
        }
        assert_eq!(eval("n", &doc), Value::Null);
    }

    #[test]
    fn arithmetic() {
        let doc = json!({ "leveranse": { "inntektsaar": 7 } });
        let cases = [
            ("1 + 2 * 3", Value::Int(7)),
            ("leveranse.inntektsaar / 2", Value::Dec(3.5)),
            ("leveranse.inntektsaar * 2 / 2", Value::Int(7)),
            ("leveranse.inntektsaar / 0", Value::Null),
            ("1.5 / 0", Value::Null),
            ("1 + 0.5", Value::Dec(1.5)),
            ("-leveranse.inntektsaar", Value::Int(-7)),
            ("-(1.5)", Value::Dec(-1.5)),
            ("leveranse.oppgave[0].andelFormue + 1", Value::Null),
            ("1 == 1.0", Value::Bool(true)),
            ("2 > 1.5", Value::Bool(true)),
            ("leveranse.oppgave[0].andelFormue > 1", Value::Null),
        ];
        for (src, want) in cases {
            assert_eq!(eval(src, &doc), want, "{src}");
        }
    }

    #[test]
    fn reading_values() {
        let doc = json!({
            "leveranse": {
                "inntektsaar": "2024",
                "leveransetype": 17,
                "bekreftet": "true",
                "dato": "2024-02-29",
                "frist": "2902",
                "oppgave": [
                    { "andelFormue": "12a", "eiertid": { "start": "2023-02-29" }, "fradag": "3002", "navn": true },
                    { "andelFormue": " -1.25 ", "eiertid": { "start": "2023-2-1" }, "fradag": "0113" },
                    { "andelFormue": 1e3, "eiertid": { "start": 20230201 }, "fradag": 101 }
                ]
            }
        });
        assert_eq!(eval("leveranse.inntektsaar", &doc), Value::Int(2024));
        assert_eq!(
            eval("leveranse.leveransetype", &doc),
            Value::Text("17".into())
        );
        assert_eq!(eval("leveranse.bekreftet", &doc), Value::Null);
        assert_eq!(eval("leveranse.dato", &doc), Value::Date(2024, 2, 29));
        assert_eq!(eval("leveranse.frist", &doc), Value::DayMonth(29, 2));
        assert_eq!(
            eval("leveranse.oppgave[*].andelFormue", &doc),
            Value::List(vec![Value::Null, Value::Dec(-1.25), Value::Dec(1000.0)])
        );
        assert_eq!(
            eval("leveranse.oppgave[*].eiertid.start", &doc),
            Value::List(vec![Value::Null; 3])
        );
        assert_eq!(
            eval("leveranse.oppgave[*].fradag", &doc),
            Value::List(vec![Value::Null; 3])
        );
        assert_eq!(eval("leveranse.oppgave[0].navn", &doc), Value::Null);
        // Unreadable answers make comparisons unknown, never errors.
        assert_eq!(
            eval("leveranse.oppgave[0].andelFormue > 0", &doc),
            Value::Null
        );
        assert_eq!(
            eval("leveranse.oppgave[0].andelFormue == null", &doc),
            Value::Bool(true)
        );
        assert_eq!(eval("year(leveranse.dato)", &doc), Value::Int(2024));
        assert_eq!(
            eval("year(leveranse.oppgave[0].eiertid.start)", &doc),
            Value::Null
        );
        // Groups that are not arrays have no rows.
        let odd = json!({ "leveranse": { "oppgave": { "andelFormue": 1 } } });
        assert_eq!(eval("count(leveranse.oppgave)", &odd), Value::Int(0));
        assert_eq!(
            eval("leveranse.oppgave[*].andelFormue", &odd),
            Value::List(vec![])
        );
    }

    #[test]
    fn daymonth_and_date_ordering() {
        let doc = sample();
        // 31 January comes before 1 February although "3101" > "0102" as text.
        assert_eq!(
            eval("leveranse.frist < leveranse.oppgave[0].fradag", &doc),
            Value::Bool(true)
        );
        assert_eq!(
            eval("leveranse.frist == leveranse.oppgave[1].fradag", &doc),
            Value::Bool(true)
        );
        assert_eq!(eval("leveranse.frist > '0102'", &doc), Value::Bool(false));
        assert_eq!(eval("leveranse.frist > '0201'", &doc), Value::Bool(true));
        assert_eq!(eval("leveranse.frist == '3101'", &doc), Value::Bool(true));
        assert_eq!(
            eval("leveranse.dato < '2025-03-01'", &doc),
            Value::Bool(true)
        );
        assert_eq!(eval("leveranse.dato < today()", &doc), Value::Bool(true));
        assert_eq!(eval("year(today())", &doc), Value::Int(2025));
        assert_eq!(
            compare(&Value::DayMonth(1, 12), &Value::DayMonth(31, 1)),
            Some(Ordering::Greater)
        );
    }

    #[test]
    fn text_functions() {
        let doc = json!({ "leveranse": { "leveransetype": "æøå", "valg": [] } });
        assert_eq!(eval("len(leveranse.leveransetype)", &doc), Value::Int(3));
        assert_eq!(eval("empty(leveranse.valg)", &doc), Value::Bool(true));
        assert_eq!(
            eval("empty(leveranse.leveransetype)", &doc),
            Value::Bool(false)
        );
        assert_eq!(
            eval("empty(leveranse.inntektsaar)", &doc),
            Value::Bool(true)
        );
        assert_eq!(eval("len(leveranse.oppgave[*].navn)", &doc), Value::Int(0));
        let doc = json!({ "leveranse": { "leveransetype": "" } });
        assert_eq!(
            eval("empty(leveranse.leveransetype)", &doc),
            Value::Bool(true)
        );
    }

    #[test]
    fn to_json() {
        assert_eq!(Value::Null.to_json(), json!(null));
        assert_eq!(Value::Int(42).to_json(), json!(42));
        assert_eq!(Value::Int(i128::from(u64::MAX)).to_json(), json!(u64::MAX));
        assert_eq!(Value::Int(i128::MAX).to_json(), json!(i128::MAX as f64));
        assert_eq!(Value::Dec(1.5).to_json(), json!(1.5));
        assert_eq!(Value::Text("x".into()).to_json(), json!("x"));
        assert_eq!(Value::Bool(true).to_json(), json!(true));
        assert_eq!(Value::Date(2025, 3, 4).to_json(), json!("2025-03-04"));
        assert_eq!(Value::DayMonth(5, 1).to_json(), json!("0501"));
        assert_eq!(
            Value::List(vec![Value::Int(1), Value::Null]).to_json(),
            json!([1, null])
        );
        assert_eq!(Value::Bool(false).truthy(), Some(false));
        assert_eq!(Value::Null.truthy(), None);
    }

    #[test]
    fn unchecked_paths_read_null() {
        let e = Expr::parse("a.b").unwrap();
        assert_eq!(
            e.eval(&json!({ "a": { "b": 1 } }), &ctx(), None),
            Value::Null
        );
        assert!(e.paths().is_empty());
    }

    fn big_doc(rows: usize) -> Json {
        let rows: Vec<Json> = (0..rows)
            .map(|i| {
                if i % 100 == 99 {
                    json!({ "andelFormue": "12a", "bolig": true })
                } else {
                    json!({ "andelFormue": i, "bolig": i % 2 == 0, "eiertid": { "start": "2024-01-01", "slutt": "2024-12-31" } })
                }
            })
            .collect();
        json!({ "leveranse": { "oppgave": rows } })
    }

    #[test]
    fn ten_thousand_rows() {
        let n = 10_000;
        let doc = big_doc(n);
        let want: i128 = (0..n as i128).filter(|i| i % 100 != 99).sum();
        assert_eq!(
            eval("sum(leveranse.oppgave[*].andelFormue)", &doc),
            Value::Int(want)
        );
        assert_eq!(
            eval("count(leveranse.oppgave)", &doc),
            Value::Int(n as i128)
        );
        assert_eq!(
            eval("count(leveranse.oppgave[*].andelFormue)", &doc),
            Value::Int((n - n / 100) as i128)
        );
        assert_eq!(
            eval("any(leveranse.oppgave, andelFormue > 9990)", &doc),
            Value::Bool(true)
        );
        let rule = checked("eiertid.start <= eiertid.slutt", Some(&row_path())).unwrap();
        let mut failing = 0;
        let mut skipped = 0;
        for i in 0..n {
            let row = [
                Seg::Key("leveranse".into()),
                Seg::Key("oppgave".into()),
                Seg::Index(i),
            ];
            match rule.eval(&doc, &ctx(), Some(&row)).truthy() {
                Some(true) => {}
                Some(false) => failing += 1,
                None => skipped += 1,
            }
        }
        assert_eq!((failing, skipped), (0, n / 100));
    }
}
