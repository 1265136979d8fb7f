//! Reading answers out of the draft's JSON: following paths (fanning out at `[*]`) and reading
//! what is there as the type the checker decided, anything missing or unreadable as null.

use serde_json::Value as Json;

use super::{Seg, Type, Value};
use crate::form::no::days_in_month;

pub(super) static NULL_JSON: Json = Json::Null;

fn step<'a>(v: &'a Json, seg: &Seg) -> Option<&'a Json> {
    match seg {
        Seg::Key(k) => v.as_object()?.get(k.as_str()),
        Seg::Index(i) => v.as_array()?.get(*i),
        Seg::All => None,
    }
}

/// Follows a path without `[*]`.
pub(super) fn walk_one<'a>(mut v: &'a Json, segs: &[Seg]) -> Option<&'a Json> {
    for seg in segs {
        v = step(v, seg)?;
    }
    Some(v)
}

/// Follows a path, fanning out at each `[*]`; `f` gets one call per place reached (`None` where
/// a row lacks the rest of the path, so every row counts), none for a missing group.
pub(super) fn walk_each<'a>(v: &'a Json, segs: &[Seg], f: &mut dyn FnMut(Option<&'a Json>)) {
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
pub(super) fn read(ty: &Type, v: Option<&Json>) -> Value {
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

/// `"YYYY-MM-DD"`, a real date.
pub fn parse_date(s: &str) -> Option<(i32, u8, u8)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = i32::try_from(digits(&b[0..4])?).ok()?;
    let m = u8::try_from(digits(&b[5..7])?).ok()?;
    let d = u8::try_from(digits(&b[8..10])?).ok()?;
    (d >= 1 && u32::from(d) <= days_in_month(y, m.into())).then_some((y, m, d))
}

/// `"DDMM"`, a real day of a month; 29 February is allowed (measured against a leap year).
pub(super) fn parse_daymonth(s: &str) -> Option<(u8, u8)> {
    let b = s.as_bytes();
    if b.len() != 4 {
        return None;
    }
    let d = u8::try_from(digits(&b[0..2])?).ok()?;
    let m = u8::try_from(digits(&b[2..4])?).ok()?;
    (d >= 1 && u32::from(d) <= days_in_month(2000, m.into())).then_some((d, m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::expr::tests::eval;
    use serde_json::json;

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
}
