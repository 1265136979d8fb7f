//! The aksjonærregisteroppgave (RF-1086) as it arrives: a hovedskjema and one underskjema per
//! shareholder, each an XML document (`xml`), put together into the form's one JSON document.
//! The API takes the documents one call at a time (`api::ar`); a delivery file holds them all
//! (`file`, for the browser's upload and SFTP). Both read and assemble them here, so the same
//! documents make the same delivery by every door.

pub mod file;
pub mod xml;

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::form::Seg;
pub use xml::{Problem, Read, SUB_GROUPS, Skjema};

/// A field's value in a document as text (`None` when it is not given).
pub fn text_of(doc: &Value, path: &[Seg]) -> Option<String> {
    crate::form::document::get(doc, path).and_then(|v| match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    })
}

/// Whether a path of the document is the underskjemaer's (a shareholder or a row about one),
/// rather than the hovedskjema's; `row` asks for one row of them (not a group as a whole).
pub fn is_sub(path: &[Seg], row: bool) -> bool {
    let group = matches!(path.first(), Some(Seg::Key(k)) if SUB_GROUPS.contains(&k.as_str()));
    group && (!row || matches!(path.get(1), Some(Seg::Index(_))))
}

/// The code of a field of an underskjema that is not as in its hovedskjema.
pub const NOT_AS_HOVEDSKJEMA: &str = "not_as_hovedskjema";

/// The underskjema's company, share class, ISIN and income year must be the hovedskjema's: a
/// problem at each that is not (`angitt` the underskjema's value; the hovedskjema's is in the
/// message and in [`hovedskjema_value`]).
pub fn same_company(read: &Read, main: &Value) -> Vec<Problem> {
    let mut wrong = Vec::new();
    for path in xml::identification() {
        let segs = crate::form::expr::parse_path(path).unwrap_or_default();
        let given = text_of(&read.doc, &segs);
        let theirs = text_of(main, &segs);
        if given.is_some() && given != theirs {
            wrong.push(Problem {
                kode: NOT_AS_HOVEDSKJEMA,
                melding: match &theirs {
                    Some(t) => format!("Underskjemaet må ha det samme som hovedskjemaet her: {t}."),
                    None => "Hovedskjemaet har ikke dette feltet; la det stå tomt i underskjemaet."
                        .into(),
                },
                sti: Some(read.sti(path)),
                angitt: given,
                line: None,
                expected: theirs,
            });
        }
    }
    wrong
}

/// The underskjema as its part of the form's document: the shareholder, and the rows about them.
pub fn part_of(read: &Read) -> Map<String, Value> {
    let mut part = Map::new();
    part.insert("aksjonaer".into(), read.doc["aksjonaerer"][0].clone());
    for g in &SUB_GROUPS[1..] {
        if let Some(rows) = read.doc.get(*g) {
            part.insert((*g).to_owned(), rows.clone());
        }
    }
    part
}

/// For each row of a list about the shareholders, which part (0 for the first underskjema) and
/// which of its rows it came from.
pub type Origins = HashMap<&'static str, Vec<(usize, usize)>>;

/// The hovedskjema's document (as stored) with the parts given (as stored), each shareholder
/// numbered by its place: the whole delivery, and where its rows came from.
pub fn assemble(main: &str, parts: &[String]) -> Result<(Value, Origins), serde_json::Error> {
    let main: Value = serde_json::from_str(main)?;
    let parts = parts
        .iter()
        .map(|t| serde_json::from_str::<Map<String, Value>>(t))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(assemble_parts(main, parts))
}

/// [`assemble`] of documents in hand.
pub fn assemble_parts(
    mut doc: Value,
    parts: impl IntoIterator<Item = Map<String, Value>>,
) -> (Value, Origins) {
    let mut shareholders = Vec::new();
    let mut lists: HashMap<&'static str, Vec<Value>> = HashMap::new();
    let mut origins: Origins = HashMap::new();
    for (i, mut part) in parts.into_iter().enumerate() {
        shareholders.push(part.remove("aksjonaer").unwrap_or(Value::Null));
        for g in &SUB_GROUPS[1..] {
            let Some(Value::Array(rows)) = part.remove(*g) else {
                continue;
            };
            for (j, mut row) in rows.into_iter().enumerate() {
                if let Value::Object(m) = &mut row {
                    m.insert("aksjonaer".into(), json!(i + 1));
                }
                lists.entry(g).or_default().push(row);
                origins.entry(g).or_default().push((i, j));
            }
        }
    }
    if let Value::Object(m) = &mut doc {
        m.insert("aksjonaerer".into(), Value::Array(shareholders));
        for g in &SUB_GROUPS[1..] {
            if let Some(rows) = lists.remove(g) {
                m.insert((*g).to_owned(), Value::Array(rows));
            }
        }
    }
    (doc, origins)
}

/// Which document a path of the assembled delivery came from (0 the hovedskjema, n the n-th
/// underskjema; `None` for a row no document gave), and its path in that document.
pub fn locate(path: &[Seg], origins: &Origins) -> (Option<usize>, Vec<Seg>) {
    match (path.first(), path.get(1)) {
        (Some(Seg::Key(g)), Some(Seg::Index(i))) if SUB_GROUPS.contains(&g.as_str()) => {
            let found = if g == "aksjonaerer" {
                Some((*i, 0))
            } else {
                origins.get(g.as_str()).and_then(|o| o.get(*i)).copied()
            };
            let mut local = path.to_vec();
            match found {
                Some((part, row)) => {
                    local[1] = Seg::Index(row);
                    (Some(part + 1), local)
                }
                None => (None, local),
            }
        }
        _ => (Some(0), path.to_vec()),
    }
}
