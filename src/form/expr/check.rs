//! The type checker: every path resolved against the form's [`Schema`] (see the module
//! documentation of `expr` for how), every operator and function given the types it needs, and
//! what the evaluator needs stored in the tree.

use std::fmt::Write as _;

use super::read::{parse_date, parse_daymonth};
use super::tree::{
    BinOp, DocPath, Func, Kind, Lookup, Node, PathNode, REGISTER_PATHS, Res, UnOp, ctx_field,
};
use super::{ExprError, Schema, Seg, Type, Value, format_path};

/// The most decimals `round()` rounds to.
pub(super) const MAX_ROUND_PLACES: i128 = 6;

pub(super) struct Checker<'s> {
    pub(super) schema: &'s dyn Schema,
    /// Absolute row path of each scope level; level 0 (the root) is empty.
    pub(super) scopes: Vec<Vec<Seg>>,
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
    pub(super) fn check(&mut self, n: &mut Node) -> Result<Type, ExprError> {
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
            Kind::Call(Func::Lookup, args) => {
                let (t, lookup) = self.lookup(args)?;
                n.kind = Kind::Lookup(Box::new(lookup));
                Ok(t)
            }
            Kind::Call(f, args) => self.call(*f, args),
            Kind::Lookup(l) => {
                self.check(&mut l.key)?;
                Ok(l.table
                    .columns
                    .get(&l.column)
                    .cloned()
                    .unwrap_or(Type::Null))
            }
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
            Func::IbanOk | Func::BicOk => match t {
                Type::Text => Ok(Type::Bool),
                _ => bad("a text"),
            },
            Func::Round => {
                if t != Type::Number {
                    return bad("a number to round");
                }
                let at = args[1].at;
                match &args[1].kind {
                    Kind::Lit(Value::Int(n)) if (0..=MAX_ROUND_PLACES).contains(n) => {
                        Ok(Type::Number)
                    }
                    _ => Err(ExprError::new(
                        at,
                        format!(
                            "{name}() needs the number of decimals as a whole number from 0 to {MAX_ROUND_PLACES}"
                        ),
                    )),
                }
            }
            Func::Year | Func::Month | Func::Day => match t {
                Type::Date => Ok(Type::Number),
                _ => bad("a date"),
            },
            Func::Date => {
                if t != Type::Number {
                    return bad("numbers (year, month, day)");
                }
                self.want_numbers(name, &mut args[1..])?;
                Ok(Type::Date)
            }
            Func::AddDays | Func::AddMonths => {
                if t != Type::Date {
                    return bad("a date as its first argument");
                }
                self.want_numbers(name, &mut args[1..])?;
                Ok(Type::Date)
            }
            Func::DaysBetween => {
                if t != Type::Date {
                    return bad("two dates");
                }
                let at = args[1].at;
                match self.check(&mut args[1])? {
                    Type::Date => Ok(Type::Number),
                    other => Err(ExprError::new(
                        at,
                        format!("{name}() needs two dates, found {other}"),
                    )),
                }
            }
            Func::Contains => {
                let Type::List(inner) = &t else {
                    return bad("a list (a multichoice or a [*] path) as its first argument");
                };
                let at = args[1].at;
                let second = self.check(&mut args[1])?;
                if second == **inner || second == Type::Null {
                    Ok(Type::Bool)
                } else {
                    Err(ExprError::new(
                        at,
                        format!("{name}() needs a {inner} to look for, found {second}"),
                    ))
                }
            }
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
            Func::Lookup => unreachable!("checked as a lookup"),
        }
    }

    /// `lookup('list', key, 'column')`: the list and the column must be written out and exist,
    /// the key must be a text; the type is the column's.
    fn lookup(&mut self, args: &mut [Node]) -> Result<(Type, Lookup), ExprError> {
        let literal = |n: &Node, what: &str| match &n.kind {
            Kind::Lit(Value::Text(s)) => Ok(s.clone()),
            _ => Err(ExprError::new(
                n.at,
                format!("lookup() needs the {what} written out in quotes"),
            )),
        };
        let id = literal(&args[0], "code list's id")?;
        let column = literal(&args[2], "column's name")?;
        let table = self
            .schema
            .table(&id)
            .ok_or_else(|| ExprError::new(args[0].at, format!("no code list '{id}'")))?;
        let t = table.columns.get(&column).cloned().ok_or_else(|| {
            let known: Vec<&str> = table.columns.keys().map(String::as_str).collect();
            ExprError::new(
                args[2].at,
                format!(
                    "the code list '{id}' has no column '{column}' (it has: {})",
                    known.join(", ")
                ),
            )
        })?;
        let key_at = args[1].at;
        match self.check(&mut args[1])? {
            Type::Text | Type::Null => {}
            other => {
                return Err(ExprError::new(
                    key_at,
                    format!("lookup() needs a code (a text) to look up, found {other}"),
                ));
            }
        }
        let key = std::mem::replace(
            &mut args[1],
            Node {
                at: key_at,
                kind: Kind::Lit(Value::Null),
            },
        );
        Ok((t, Lookup { table, column, key }))
    }

    /// Checks that every one of `args` is a number.
    fn want_numbers(&mut self, name: &str, args: &mut [Node]) -> Result<(), ExprError> {
        for a in args {
            let at = a.at;
            let t = self.check(a)?;
            if t != Type::Number {
                return Err(ExprError::new(
                    at,
                    format!("{name}() needs a number here, found {t}"),
                ));
            }
        }
        Ok(())
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
            if c.register().is_some() && !self.schema.registers_allowed() {
                return Err(ExprError::new(
                    at,
                    format!(
                        "'{}' comes from a public register and may be used only in prefill: \
                         rules and conditions are judged on the answers, the same on every channel",
                        format_path(&p.written)
                    ),
                ));
            }
            p.res = Res::Ctx(c);
            return Ok(c.ty());
        }
        if let Some(Seg::Key(first)) = p.written.first()
            && (first == "register" || first == "folkeregister")
        {
            return Err(ExprError::new(
                at,
                format!(
                    "unknown register path '{}' (known: {})",
                    format_path(&p.written),
                    REGISTER_PATHS.join(", ")
                ),
            ));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::expr::tests::{TestSchema, checked, eval, row_path, schema};
    use crate::form::expr::{Expr, parse_path};
    use serde_json::json;

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
            ("round(leveranse.inntektsaar / 3, 2)", Type::Number),
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
            ("round('a', 2)", 6, "round() needs a number to round"),
            (
                "round(1.5, leveranse.inntektsaar)",
                11,
                "round() needs the number of decimals as a whole number from 0 to 6",
            ),
            ("round(1.5, 7)", 11, "from 0 to 6"),
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
}
