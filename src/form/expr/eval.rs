//! The evaluator: a checked tree walked against a draft, with null carried through every
//! operator, so a rule over an unfinished draft comes out null and can be skipped.

use std::cmp::Ordering;

use serde_json::Value as Json;

use super::read::{read, walk_each, walk_one};
use super::tree::{
    BinOp, CtxField, DocPath, Func, Kind, Node, PathNode, PersonField, RegisterField, Res, UnOp,
};
use super::{Context, Type, Value};

/// A chain of scopes on the stack (root, rule row, `all`/`any` rows), so entering a row
/// allocates nothing.
pub(super) struct Scope<'a> {
    pub(super) v: &'a Json,
    pub(super) level: usize,
    pub(super) up: Option<&'a Scope<'a>>,
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

pub(super) fn eval_node(n: &Node, sc: &Scope<'_>, ctx: &Context) -> Value {
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
        Kind::Lookup(l) => match eval_node(&l.key, sc, ctx) {
            Value::Text(k) => l
                .table
                .rows
                .get(&k)
                .and_then(|row| row.get(&l.column))
                .cloned()
                .unwrap_or(Value::Null),
            _ => Value::Null,
        },
    }
}

/// A context path's value; a register that was not looked up (or did not answer) gives null.
fn context_value(c: CtxField, ctx: &Context) -> Value {
    let text = |v: Option<&String>| v.cloned().map_or(Value::Null, Value::Text);
    match c {
        CtxField::PartyOrgnr => text(ctx.party_orgnr.as_ref()),
        CtxField::PartyName => text(ctx.party_name.as_ref()),
        CtxField::UserPid => text(ctx.user_pid.as_ref()),
        CtxField::UserName => text(ctx.user_name.as_ref()),
        CtxField::Register(f) => {
            let Some(r) = &ctx.register else {
                return Value::Null;
            };
            match f {
                RegisterField::Navn => text(r.navn.as_ref()),
                RegisterField::Organisasjonsform => text(r.organisasjonsform.as_ref()),
                RegisterField::Adresse => text(r.adresse.as_ref()),
                RegisterField::Postnummer => text(r.postnummer.as_ref()),
                RegisterField::Poststed => text(r.poststed.as_ref()),
                RegisterField::Kommunenummer => text(r.kommunenummer.as_ref()),
                RegisterField::Mva => Value::Bool(r.mva),
                RegisterField::Foretaksregisteret => Value::Bool(r.foretaksregisteret),
            }
        }
        CtxField::Folkeregister(f) => {
            let Some(p) = &ctx.folkeregister else {
                return Value::Null;
            };
            match f {
                PersonField::Navn => text(p.navn.as_ref()),
                PersonField::Adresse => text(p.adresse.as_ref()),
                PersonField::Postnummer => text(p.postnummer.as_ref()),
                PersonField::Poststed => text(p.poststed.as_ref()),
            }
        }
    }
}

fn eval_path(p: &PathNode, sc: &Scope<'_>, ctx: &Context) -> Value {
    let dp = match &p.res {
        Res::Unresolved => return Value::Null,
        Res::Ctx(c) => return context_value(*c, ctx),
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

fn count_rows(dp: &DocPath, sc: &Scope<'_>, ctx: &Context) -> usize {
    // A group read one row at a time: its rows are counted, not in the document.
    if dp.level == 0
        && !dp.has_all
        && let Some(n) = ctx.counted_rows(&dp.walk)
    {
        return n;
    }
    // By each group's length: a rule per row that counts the rows stays linear.
    let mut n = 0;
    walk_each(sc.at_level(dp.level), &dp.walk, &mut |v| {
        n += v.and_then(Json::as_array).map_or(0, Vec::len);
    });
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
                return usize_value(count_rows(dp, sc, ctx));
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
                return usize_value(count_rows(dp, sc, ctx));
            }
            match eval_node(&args[0], sc, ctx) {
                Value::Text(s) => usize_value(s.chars().count()),
                Value::List(items) => usize_value(items.len()),
                _ => Value::Null,
            }
        }
        Func::Empty => {
            if let Some(dp) = rows {
                return Value::Bool(count_rows(dp, sc, ctx) == 0);
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
        Func::Month => match eval_node(&args[0], sc, ctx) {
            Value::Date(_, m, _) => Value::Int(m.into()),
            _ => Value::Null,
        },
        Func::Day => match eval_node(&args[0], sc, ctx) {
            Value::Date(_, _, d) => Value::Int(d.into()),
            _ => Value::Null,
        },
        Func::Date => {
            let n = |i: usize| whole(&eval_node(&args[i], sc, ctx));
            match (n(0), n(1), n(2)) {
                (Some(y), Some(m), Some(d)) => dates::make(y, m, d).unwrap_or(Value::Null),
                _ => Value::Null,
            }
        }
        Func::AddDays | Func::AddMonths => {
            match (
                eval_node(&args[0], sc, ctx),
                whole(&eval_node(&args[1], sc, ctx)),
            ) {
                (Value::Date(y, m, d), Some(n)) if f == Func::AddDays => {
                    dates::add_days((y, m, d), n).unwrap_or(Value::Null)
                }
                (Value::Date(y, m, d), Some(n)) => {
                    dates::add_months((y, m, d), n).unwrap_or(Value::Null)
                }
                _ => Value::Null,
            }
        }
        Func::DaysBetween => match (eval_node(&args[0], sc, ctx), eval_node(&args[1], sc, ctx)) {
            (Value::Date(y1, m1, d1), Value::Date(y2, m2, d2)) => {
                match (dates::day_number(y1, m1, d1), dates::day_number(y2, m2, d2)) {
                    (Some(a), Some(b)) => Value::Int((b - a).into()),
                    _ => Value::Null,
                }
            }
            _ => Value::Null,
        },
        Func::IbanOk | Func::BicOk => match eval_node(&args[0], sc, ctx) {
            Value::Text(t) if f == Func::IbanOk => Value::Bool(crate::form::no::iban_ok(&t)),
            Value::Text(t) => Value::Bool(crate::form::no::bic_ok(&t)),
            _ => Value::Null,
        },
        Func::Round => match (
            eval_node(&args[0], sc, ctx),
            whole(&eval_node(&args[1], sc, ctx)),
        ) {
            (Value::Int(n), Some(_)) => Value::Int(n),
            (Value::Dec(x), Some(places)) => round(x, places),
            _ => Value::Null,
        },
        // Replaced by `Kind::Lookup` when checked.
        Func::Lookup => Value::Null,
        Func::Contains => {
            let wanted = eval_node(&args[1], sc, ctx);
            if wanted.is_null() {
                return Value::Null;
            }
            let mut found = false;
            for_each_item(&args[0], sc, ctx, &mut |v| found |= v == wanted);
            Value::Bool(found)
        }
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

/// A whole number's value (a decimal with no fraction counts).
/// `x` rounded to `places` decimals, half away from zero (1740.645 to 2 places is 1740.65): a
/// whole number when `places` is 0. The number is first taken to 12 significant digits, so that a
/// half that binary fractions cannot hold exactly (1740.645 is 1740.6449999…) still rounds up.
fn round(x: f64, places: i64) -> Value {
    if !x.is_finite() || !(0..=super::check::MAX_ROUND_PLACES as i64).contains(&places) {
        return Value::Null;
    }
    let Ok(clean) = format!("{x:.12e}").parse::<f64>() else {
        return Value::Null;
    };
    let f = 10f64.powi(places as i32);
    let scaled = format!("{:.12e}", clean * f)
        .parse::<f64>()
        .unwrap_or(clean * f);
    let r = scaled.round() / f;
    if places == 0 && r.abs() < 1e15 {
        Value::Int(r as i128)
    } else {
        Value::Dec(r)
    }
}

fn whole(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => i64::try_from(*i).ok(),
        Value::Dec(f) if f.fract() == 0.0 && f.abs() < 1e15 => Some(*f as i64),
        _ => None,
    }
}

/// Calendar arithmetic on (year, month, day), proleptic Gregorian, through `time`.
mod dates {
    use super::Value;

    fn date(y: i32, m: u8, d: u8) -> Option<time::Date> {
        time::Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()
    }

    fn value(d: time::Date) -> Value {
        Value::Date(d.year(), u8::from(d.month()), d.day())
    }

    /// `date(y, m, d)`: `None` for a day that does not exist.
    pub(super) fn make(y: i64, m: i64, d: i64) -> Option<Value> {
        date(
            i32::try_from(y).ok()?,
            u8::try_from(m).ok()?,
            u8::try_from(d).ok()?,
        )
        .map(value)
    }

    pub(super) fn add_days((y, m, d): (i32, u8, u8), n: i64) -> Option<Value> {
        date(y, m, d)?
            .checked_add(time::Duration::days(n))
            .map(value)
    }

    /// Whole months on; a day past the new month's end becomes its last day (31 January plus
    /// one month is 28 or 29 February).
    pub(super) fn add_months((y, m, d): (i32, u8, u8), n: i64) -> Option<Value> {
        let months = i64::from(y) * 12 + i64::from(m) - 1 + n;
        let year = i32::try_from(months.div_euclid(12)).ok()?;
        let month = u8::try_from(months.rem_euclid(12) + 1).ok()?;
        let last = time::util::days_in_month(time::Month::try_from(month).ok()?, year);
        date(year, month, d.min(last)).map(value)
    }

    /// Days since a fixed day, to subtract one date from another.
    pub(super) fn day_number(y: i32, m: u8, d: u8) -> Option<i32> {
        date(y, m, d).map(time::Date::to_julian_day)
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
pub(super) fn arith(op: BinOp, l: Value, r: Value) -> Value {
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
    use crate::form::expr::tests::{checked, ctx, eval, row_path, sample};
    use crate::form::expr::{Seg, parse_path};
    use serde_json::json;

    fn eval_row(src: &str, doc: &Json, row: usize) -> Value {
        let mut concrete = parse_path("leveranse.oppgave").unwrap();
        concrete.push(Seg::Index(row));
        checked(src, Some(&row_path()))
            .unwrap_or_else(|e| panic!("{src}: {e}"))
            .eval(doc, &ctx(), Some(&concrete))
    }

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
            // Half away from zero, also where the binary fraction falls just below the half.
            ("round(12345 * 141 / 1000, 2)", Value::Dec(1740.65)),
            ("round(1740.645, 2)", Value::Dec(1740.65)),
            ("round(-1740.645, 2)", Value::Dec(-1740.65)),
            ("round(2.5, 0)", Value::Int(3)),
            ("round(2.4999, 0)", Value::Int(2)),
            ("round(1.005, 2)", Value::Dec(1.01)),
            ("round(leveranse.inntektsaar, 2)", Value::Int(7)),
            ("round(leveranse.oppgave[0].andelFormue, 2)", Value::Null),
        ];
        for (src, want) in cases {
            assert_eq!(eval(src, &doc), want, "{src}");
        }
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
    fn calendar_functions_and_contains() {
        let doc = json!({ "leveranse": {
            "dato": "2024-01-31",
            "valg": ["skatt", "mva"],
            "inntektsaar": 2026,
        } });
        let d = |y, m, d| Value::Date(y, m, d);
        assert_eq!(eval("month(leveranse.dato)", &doc), Value::Int(1));
        assert_eq!(eval("day(leveranse.dato)", &doc), Value::Int(31));
        assert_eq!(
            eval("date(leveranse.inntektsaar, 5, 31)", &doc),
            d(2026, 5, 31)
        );
        assert_eq!(eval("date(year(today()), 6, 30)", &doc), d(2025, 6, 30));
        // A day that does not exist is no date.
        assert_eq!(eval("date(2025, 2, 29)", &doc), Value::Null);
        assert_eq!(eval("date(2025, 13, 1)", &doc), Value::Null);
        // Over a leap day, the end of a year, and backwards.
        assert_eq!(eval("add_days(leveranse.dato, 29)", &doc), d(2024, 2, 29));
        assert_eq!(eval("add_days(leveranse.dato, 335)", &doc), d(2024, 12, 31));
        assert_eq!(eval("add_days(leveranse.dato, -31)", &doc), d(2023, 12, 31));
        // A month on from 31 January is the last day of February.
        assert_eq!(eval("add_months(leveranse.dato, 1)", &doc), d(2024, 2, 29));
        assert_eq!(eval("add_months(leveranse.dato, 13)", &doc), d(2025, 2, 28));
        assert_eq!(
            eval("add_months(leveranse.dato, -2)", &doc),
            d(2023, 11, 30)
        );
        assert_eq!(
            eval("days_between(leveranse.dato, today())", &doc),
            Value::Int(408)
        );
        assert_eq!(
            eval("add_months(today(), 1) <= date(2025, 4, 14)", &doc),
            Value::Bool(true)
        );
        assert_eq!(
            eval("contains(leveranse.valg, 'mva')", &doc),
            Value::Bool(true)
        );
        assert_eq!(
            eval("contains(leveranse.valg, 'toll')", &doc),
            Value::Bool(false)
        );
        // Missing answers leave the result unknown, as everywhere.
        let empty = json!({});
        assert_eq!(eval("add_days(leveranse.dato, 1)", &empty), Value::Null);
        assert_eq!(
            eval("date(leveranse.inntektsaar, 1, 1)", &empty),
            Value::Null
        );
        assert_eq!(
            eval("contains(leveranse.valg, 'mva')", &empty),
            Value::Bool(false)
        );
    }

    #[test]
    fn calendar_functions_are_type_checked() {
        for (src, message) in [
            ("month(leveranse.inntektsaar)", "month() needs a date"),
            ("date(2025, 'mai', 1)", "date() needs a number here"),
            ("add_days(2025, 1)", "add_days() needs a date"),
            (
                "add_months(leveranse.dato, leveranse.dato)",
                "add_months() needs a number here",
            ),
            (
                "days_between(leveranse.dato, 3)",
                "days_between() needs two dates",
            ),
            (
                "contains(leveranse.leveransetype, 'a')",
                "contains() needs a list",
            ),
            (
                "contains(leveranse.valg, 1)",
                "contains() needs a text to look for",
            ),
            ("date(2025, 1)", "date"),
        ] {
            let err = match crate::form::expr::Expr::parse(src) {
                Err(e) => e,
                Ok(_) => crate::form::expr::tests::checked(src, None)
                    .err()
                    .unwrap_or_else(|| panic!("{src} is refused")),
            };
            assert!(err.to_string().contains(message), "{src}: {err}");
        }
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
