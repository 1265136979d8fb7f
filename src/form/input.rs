//! From what a person typed to the stored JSON value, and back for display.
//!
//! Readable answers are stored in their kind's JSON type (an amount as an integer). Unreadable
//! answers are stored as typed, as a string, so a draft never loses anything; validation then
//! reports them.

use serde_json::Value;

use super::attachment::Described;
use super::definition::{FieldKind, Lang};
use super::no;

/// Strips the spaces people type inside numbers ("1 000", with normal or no-break spaces).
fn squeeze(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{202f}')
        .collect()
}

/// Reads a typed answer for a scalar kind. An empty answer is `Null`.
pub fn parse(kind: &FieldKind, raw: &str) -> Value {
    let t = raw.trim();
    if t.is_empty() {
        return Value::Null;
    }
    let keep = || Value::String(t.to_string());
    match kind {
        FieldKind::Integer | FieldKind::Amount | FieldKind::Year => {
            let s = squeeze(t);
            let s = s.strip_suffix(",-").unwrap_or(&s);
            s.parse::<i64>().map(Value::from).unwrap_or_else(|_| keep())
        }
        FieldKind::Decimal | FieldKind::Percent => {
            let s = squeeze(t).replace(',', ".");
            let s = s.strip_suffix('%').unwrap_or(&s);
            match s.parse::<f64>() {
                Ok(f) if f.is_finite() => serde_json::Number::from_f64(f)
                    .map(Value::Number)
                    .unwrap_or_else(keep),
                _ => keep(),
            }
        }
        FieldKind::YesNo => match t {
            "ja" | "true" | "yes" => Value::Bool(true),
            "nei" | "false" | "no" => Value::Bool(false),
            _ => keep(),
        },
        FieldKind::Date => parse_date(t).map_or_else(keep, Value::String),
        FieldKind::DayMonth => {
            let s = squeeze(t).replace(['.', '/', '-'], "");
            no::DayMonth::parse(&s).map_or_else(|_| keep(), |d| Value::String(d.to_string()))
        }
        FieldKind::Orgnr => no::Orgnr::parse(t).map_or_else(|_| keep(), |v| v.to_string().into()),
        FieldKind::Fnr => {
            no::Fodselsnummer::parse(t).map_or_else(|_| keep(), |v| v.as_str().into())
        }
        FieldKind::Kontonummer => {
            no::Kontonummer::parse(t).map_or_else(|_| keep(), |v| v.as_str().into())
        }
        FieldKind::Kommunenummer => {
            no::Kommunenummer::parse(t).map_or_else(|_| keep(), |v| v.to_string().into())
        }
        FieldKind::Postnummer => {
            no::Postnummer::parse(t).map_or_else(|_| keep(), |v| v.to_string().into())
        }
        FieldKind::Textarea => Value::String(raw.trim_end().replace("\r\n", "\n")),
        FieldKind::Text
        | FieldKind::Choice { .. }
        | FieldKind::MultiChoice { .. }
        | FieldKind::Either { .. }
        | FieldKind::Email
        | FieldKind::Phone
        | FieldKind::Static
        | FieldKind::Group(_)
        | FieldKind::Attachment(_) => keep(),
    }
}

/// Reads `DD.MM.YYYY` (or ISO `YYYY-MM-DD`) into ISO form, when it is a real date.
pub fn parse_date(t: &str) -> Option<String> {
    let (y, m, d) = if let [d, m, y] = t.split(['.', '/']).collect::<Vec<_>>()[..] {
        (
            y.parse::<i32>().ok()?,
            m.parse::<u8>().ok()?,
            d.parse::<u8>().ok()?,
        )
    } else if let [y, m, d] = t.split('-').collect::<Vec<_>>()[..] {
        (
            y.parse::<i32>().ok()?,
            m.parse::<u8>().ok()?,
            d.parse::<u8>().ok()?,
        )
    } else {
        return None;
    };
    (1000..=9999).contains(&y).then_some(())?;
    valid_date(y, m, d).then(|| format!("{y:04}-{m:02}-{d:02}"))
}

/// Whether year-month-day is a real calendar date.
pub fn valid_date(y: i32, m: u8, d: u8) -> bool {
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// The answer as it goes back into an input.
pub fn to_input(kind: &FieldKind, v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => match kind {
            FieldKind::Date => iso_to_norwegian(s).unwrap_or_else(|| s.clone()),
            FieldKind::Text
            | FieldKind::Textarea
            | FieldKind::Integer
            | FieldKind::Amount
            | FieldKind::Decimal
            | FieldKind::Percent
            | FieldKind::DayMonth
            | FieldKind::Year
            | FieldKind::YesNo
            | FieldKind::Choice { .. }
            | FieldKind::MultiChoice { .. }
            | FieldKind::Orgnr
            | FieldKind::Fnr
            | FieldKind::Either { .. }
            | FieldKind::Kommunenummer
            | FieldKind::Postnummer
            | FieldKind::Email
            | FieldKind::Phone
            | FieldKind::Kontonummer
            | FieldKind::Static
            | FieldKind::Group(_)
            | FieldKind::Attachment(_) => s.clone(),
        },
        Some(Value::Bool(b)) => if *b { "ja" } else { "nei" }.into(),
        Some(Value::Number(n)) => {
            if matches!(kind, FieldKind::Decimal | FieldKind::Percent) {
                n.to_string().replace('.', ",")
            } else {
                n.to_string()
            }
        }
        Some(other) => other.to_string(),
    }
}

fn iso_to_norwegian(s: &str) -> Option<String> {
    let [y, m, d] = s.split('-').collect::<Vec<_>>()[..] else {
        return None;
    };
    (y.len() == 4 && m.len() == 2 && d.len() == 2).then(|| format!("{d}.{m}.{y}"))
}

/// The answer as shown to a reader (check-your-answers, receipts): amounts grouped, yes/no in words.
pub fn display(kind: &FieldKind, v: Option<&Value>, lang: Lang) -> String {
    if matches!(v, None | Some(Value::Null)) {
        return String::new();
    }
    // A number the API was given as text ("7500") is shown as the number it is.
    let number;
    let v = match v {
        Some(t @ Value::String(_)) if kind.is_number() => match super::validate::as_number(t) {
            Some(n) => {
                number = Value::Number(n.into_owned());
                Some(&number)
            }
            None => v,
        },
        _ => v,
    };
    match (kind, v) {
        (FieldKind::Amount, Some(Value::Number(n))) => {
            format!("{} kr", group_thousands(&n.to_string()))
        }
        (FieldKind::Integer, Some(Value::Number(n))) => group_thousands(&n.to_string()),
        (FieldKind::Percent, Some(Value::Number(_))) => format!("{} %", to_input(kind, v)),
        (FieldKind::YesNo, Some(Value::Bool(b))) => match (b, lang) {
            (true, Lang::En) => "Yes".into(),
            (false, Lang::En) => "No".into(),
            (true, _) => "Ja".into(),
            (false, Lang::Nb) => "Nei".into(),
            (false, Lang::Nn) => "Nei".into(),
        },
        (FieldKind::DayMonth, Some(Value::String(s))) => match no::DayMonth::parse(s) {
            Ok(d) => format!("{:02}.{:02}.", d.day(), d.month()),
            Err(_) => s.clone(),
        },
        (FieldKind::Choice { options, .. }, Some(Value::String(s))) => options
            .iter()
            .find(|o| &o.value == s)
            .map_or_else(|| s.clone(), |o| o.label.get(lang).to_string()),
        (FieldKind::MultiChoice { options }, Some(Value::Array(a))) => a
            .iter()
            .filter_map(Value::as_str)
            .map(|s| {
                options
                    .iter()
                    .find(|o| o.value == s)
                    .map_or(s, |o| o.label.get(lang))
            })
            .collect::<Vec<_>>()
            .join(", "),
        (FieldKind::Attachment(_), Some(Value::Array(a))) => a
            .iter()
            .filter_map(Described::of)
            .map(|d| format!("{} ({})", d.name, super::validate::size(d.size)))
            .collect::<Vec<_>>()
            .join(", "),
        (FieldKind::Kontonummer, Some(Value::String(s))) => {
            no::Kontonummer::parse(s).map_or_else(|_| s.clone(), |k| k.to_string())
        }
        // Any other kind, and a value not of its kind's shape (an answer kept as typed).
        (
            FieldKind::Text
            | FieldKind::Textarea
            | FieldKind::Integer
            | FieldKind::Amount
            | FieldKind::Decimal
            | FieldKind::Percent
            | FieldKind::Date
            | FieldKind::DayMonth
            | FieldKind::Year
            | FieldKind::YesNo
            | FieldKind::Choice { .. }
            | FieldKind::MultiChoice { .. }
            | FieldKind::Orgnr
            | FieldKind::Fnr
            | FieldKind::Either { .. }
            | FieldKind::Kommunenummer
            | FieldKind::Postnummer
            | FieldKind::Email
            | FieldKind::Phone
            | FieldKind::Kontonummer
            | FieldKind::Static
            | FieldKind::Group(_)
            | FieldKind::Attachment(_),
            _,
        ) => to_input(kind, v),
    }
}

/// "1234567" → "1 234 567" with no-break spaces between groups.
pub fn group_thousands(s: &str) -> String {
    let (sign, digits) = s.strip_prefix('-').map_or(("", s), |d| ("-", d));
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return s.to_string();
    }
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{a0}');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn amounts_accept_spaces_and_keep_nonsense() {
        assert_eq!(parse(&FieldKind::Amount, " 1 000 "), json!(1000));
        assert_eq!(parse(&FieldKind::Amount, "12a"), json!("12a"));
        assert_eq!(parse(&FieldKind::Amount, ""), Value::Null);
    }

    #[test]
    fn dates_read_norwegian_and_iso() {
        assert_eq!(parse(&FieldKind::Date, "29.02.2024"), json!("2024-02-29"));
        assert_eq!(parse(&FieldKind::Date, "29.02.2025"), json!("29.02.2025"));
        assert_eq!(
            to_input(&FieldKind::Date, Some(&json!("2024-02-29"))),
            "29.02.2024"
        );
    }

    #[test]
    fn decimals_take_a_comma() {
        assert_eq!(parse(&FieldKind::Decimal, "12,5"), json!(12.5));
        assert_eq!(to_input(&FieldKind::Decimal, Some(&json!(12.5))), "12,5");
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands("1234567"), "1\u{a0}234\u{a0}567");
        assert_eq!(group_thousands("123"), "123");
    }
}
