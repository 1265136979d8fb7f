//! Expressions of the form language (docs/form-language.md, "Expressions"): paths ([`path`]), the
//! lexer ([`lex`]), the syntax tree ([`tree`]) and parser ([`parse`]), the type checker
//! ([`check`]), reading JSON ([`read`]), the evaluator ([`eval`]) and the expression in words for
//! form owners ([`words`]).
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

use std::fmt;

use serde_json::Value as Json;

mod check;
mod eval;
mod lex;
mod parse;
mod path;
mod read;
mod rows;
mod tree;
mod words;

pub use path::{Seg, format_path, parse_path};
pub use read::parse_date;
pub use rows::{RowSum, RowTotals, RowUse};
pub use words::{AsWritten, Clause, Names};
pub(crate) use words::{decimal_number, quoted, whole_number};

use check::Checker;
use eval::{Scope, eval_node};
use read::{NULL_JSON, walk_one};
use tree::{Kind, Node, Res};

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

    /// A code list by id, for `lookup()` (none by default).
    fn table(&self, _id: &str) -> Option<std::sync::Arc<Table>> {
        None
    }

    /// Whether the public registers' paths (`register.*`, `folkeregister.*`) may be read: only
    /// where a value is prefilled (none by default). Rules and conditions are judged on the
    /// answers, so that a document is judged alike on every channel and whatever a register says
    /// on the day.
    fn registers_allowed(&self) -> bool {
        false
    }
}

/// A code list's data for expressions: each code's values by column, and each column's type.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// The list's id, for messages and words.
    pub id: String,
    /// The list's name in each language, for words: (nb, nn, en).
    pub names: [String; 3],
    /// Every column and the type of its values.
    pub columns: std::collections::BTreeMap<String, Type>,
    /// Each code's values, by column (a column a code leaves out is null).
    pub rows: std::collections::BTreeMap<String, std::collections::BTreeMap<String, Value>>,
}

/// Values from outside the document: the date, the party acted for and the logged-in user, and
/// for prefill what the public registers say of them.
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
    /// `register.*`: the party's entry in Enhetsregisteret, when it was looked up and found.
    pub register: Option<RegisterEntry>,
    /// `folkeregister.*`: the logged-in person's entry in Folkeregisteret, when it was looked up
    /// and found.
    pub folkeregister: Option<PersonEntry>,
    /// Top-level groups whose rows were read one at a time and are not in the document, and
    /// how many rows each had: the document holds, of such a group, only a row with the totals
    /// of the rows (and, for a receipt, the first rows shown before it). Their number is this,
    /// not the length of the list (see [`Context::rows_of`]).
    pub counted: Vec<(Vec<Seg>, usize)>,
}

impl Context {
    /// The number of rows of the group at `group` where its rows were read one at a time and
    /// are not in the document ([`Context::counted`]).
    pub fn counted_rows(&self, group: &[Seg]) -> Option<usize> {
        self.counted
            .iter()
            .find(|(p, _)| p == group)
            .map(|(_, n)| *n)
    }

    /// The number of rows of the group at `group` (a concrete path) in `doc`: as counted where
    /// the rows were read one at a time ([`Context::counted`]), else the length of its list.
    pub fn rows_of(&self, doc: &serde_json::Value, group: &[Seg]) -> usize {
        self.counted_rows(group)
            .unwrap_or_else(|| crate::form::document::row_count(doc, group))
    }
}

/// A public register a prefilled value can come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Register {
    /// Enhetsregisteret (Brønnøysundregistrene): `register.*`.
    Enhetsregisteret,
    /// Folkeregisteret (Skatteetaten): `folkeregister.*`.
    Folkeregisteret,
}

/// What Enhetsregisteret says of an organisation, as expressions read it (`register.*`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegisterEntry {
    /// `register.navn`.
    pub navn: Option<String>,
    /// `register.organisasjonsform`: the code, e.g. `AS`.
    pub organisasjonsform: Option<String>,
    /// `register.adresse`: the address lines, joined with ", ".
    pub adresse: Option<String>,
    /// `register.postnummer`.
    pub postnummer: Option<String>,
    /// `register.poststed`.
    pub poststed: Option<String>,
    /// `register.kommunenummer`.
    pub kommunenummer: Option<String>,
    /// `register.mva`: registered in Merverdiavgiftsregisteret.
    pub mva: bool,
    /// `register.foretaksregisteret`: registered in Foretaksregisteret.
    pub foretaksregisteret: bool,
}

/// What Folkeregisteret says of a person, as expressions read it (`folkeregister.*`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonEntry {
    /// `folkeregister.navn`: first, middle and last name.
    pub navn: Option<String>,
    /// `folkeregister.adresse`: street name, house number and letter.
    pub adresse: Option<String>,
    /// `folkeregister.postnummer`.
    pub postnummer: Option<String>,
    /// `folkeregister.poststed`.
    pub poststed: Option<String>,
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

/// A parsed expression; call [`Expr::check`] before [`Expr::eval`] (unchecked paths read as null).
#[derive(Debug, Clone)]
pub struct Expr {
    root: Node,
    /// The text it was parsed from, for showing a condition to a form owner.
    source: String,
    /// Whether `check` was given a row: evaluation then puts the row at scope level 1.
    has_row: bool,
}

impl Expr {
    /// Parses an expression; errors carry the byte offset of the problem.
    pub fn parse(src: &str) -> Result<Expr, ExprError> {
        Ok(Expr {
            root: parse::parse(src)?,
            source: src.trim().to_owned(),
            has_row: false,
        })
    }

    /// The expression as written in the form file.
    pub fn source(&self) -> &str {
        &self.source
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

    /// The public register the expression reads, after `check` (the first one, should it read
    /// both); `None` when it reads neither.
    pub fn register(&self) -> Option<Register> {
        first_register(&self.root)
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

fn first_register(n: &Node) -> Option<Register> {
    match &n.kind {
        Kind::Lit(_) => None,
        Kind::Path(p) => match &p.res {
            Res::Ctx(c) => c.register(),
            Res::Doc(_) | Res::Unresolved => None,
        },
        Kind::Unary(_, x) => first_register(x),
        Kind::Binary(_, l, r) => first_register(l).or_else(|| first_register(r)),
        Kind::Call(_, args) => args.iter().find_map(first_register),
        Kind::Lookup(l) => first_register(&l.key),
    }
}

fn collect_paths(n: &Node, out: &mut Vec<Vec<Seg>>) {
    rows::visit(n, &mut |dp| {
        if !out.contains(&dp.key) {
            out.push(dp.key.clone());
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::HashMap;

    pub(super) struct TestSchema(HashMap<String, Type>);

    impl Schema for TestSchema {
        fn type_of(&self, path: &[Seg]) -> Option<Type> {
            self.0.get(&format_path(path)).cloned()
        }
    }

    pub(super) fn schema() -> TestSchema {
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

    pub(super) fn row_path() -> Vec<Seg> {
        parse_path("leveranse.oppgave[*]").unwrap()
    }

    pub(super) fn checked(src: &str, row: Option<&[Seg]>) -> Result<Expr, ExprError> {
        let mut e = Expr::parse(src).unwrap();
        e.check(&schema(), row)?;
        Ok(e)
    }

    pub(super) fn ctx() -> Context {
        Context {
            today: (2025, 3, 14),
            party_orgnr: Some("999888777".into()),
            party_name: Some("Ctx Name".into()),
            user_pid: None,
            user_name: Some("Kari".into()),
            register: None,
            folkeregister: None,
            counted: Vec::new(),
        }
    }

    pub(super) fn eval(src: &str, doc: &Json) -> Value {
        checked(src, None)
            .unwrap_or_else(|e| panic!("{src}: {e}"))
            .eval(doc, &ctx(), None)
    }

    pub(super) fn sample() -> Json {
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

    /// The test schema, where the registers may be read (as in a prefill).
    struct Prefill;

    impl Schema for Prefill {
        fn type_of(&self, path: &[Seg]) -> Option<Type> {
            schema().type_of(path)
        }
        fn registers_allowed(&self) -> bool {
            true
        }
    }

    #[test]
    fn the_registers_are_read_in_a_prefill_and_null_when_not_asked() {
        let check = |src: &str| {
            let mut e = Expr::parse(src).unwrap();
            let t = e.check(&Prefill, None).unwrap();
            (e, t)
        };
        let (mva, t) = check("register.mva");
        assert_eq!(t, Type::Bool);
        assert_eq!(mva.register(), Some(Register::Enhetsregisteret));
        let (navn, t) = check("folkeregister.navn");
        assert_eq!(t, Type::Text);
        assert_eq!(navn.register(), Some(Register::Folkeregisteret));
        assert_eq!(check("party.name").0.register(), None);

        let doc = json!({});
        let mut c = ctx();
        assert_eq!(mva.eval(&doc, &c, None), Value::Null);
        assert_eq!(navn.eval(&doc, &c, None), Value::Null);
        c.register = Some(RegisterEntry {
            mva: true,
            ..RegisterEntry::default()
        });
        c.folkeregister = Some(PersonEntry {
            navn: Some("Dina Daglig Testesen".into()),
            ..PersonEntry::default()
        });
        assert_eq!(mva.eval(&doc, &c, None), Value::Bool(true));
        assert_eq!(
            navn.eval(&doc, &c, None),
            Value::Text("Dina Daglig Testesen".into())
        );
        assert_eq!(
            check("register.poststed").0.eval(&doc, &c, None),
            Value::Null
        );

        // Anywhere else they are refused, by name.
        let mut e = Expr::parse("register.mva == true").unwrap();
        let err = e.check(&schema(), None).unwrap_err();
        assert!(
            err.message
                .contains("'register.mva' comes from a public register"),
            "{err}"
        );
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
}
