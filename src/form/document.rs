//! The JSON data model: reading and writing answers at bind paths, expanding row paths,
//! computing values and removing hidden answers.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::definition::{Field, FieldKind, Form, Required};
use super::expr::{Context, Register, Seg, format_path};

/// The value at a concrete path (no `[*]`).
pub fn get<'a>(doc: &'a Value, path: &[Seg]) -> Option<&'a Value> {
    let mut v = doc;
    for s in path {
        v = match s {
            Seg::Key(k) => v.as_object()?.get(k)?,
            Seg::Index(i) => v.as_array()?.get(*i)?,
            Seg::All => return None,
        };
    }
    Some(v)
}

/// Writes `value` at a concrete path, creating objects and arrays on the way.
pub fn set(doc: &mut Value, path: &[Seg], value: Value) {
    let mut v = doc;
    for s in path {
        v = match s {
            Seg::Key(k) => {
                if !v.is_object() {
                    *v = Value::Object(Map::new());
                }
                v.as_object_mut()
                    .expect("just made an object")
                    .entry(k.clone())
                    .or_insert(Value::Null)
            }
            Seg::Index(i) => {
                if !v.is_array() {
                    *v = Value::Array(Vec::new());
                }
                let a = v.as_array_mut().expect("just made an array");
                while a.len() <= *i {
                    a.push(Value::Object(Map::new()));
                }
                &mut a[*i]
            }
            Seg::All => return,
        };
    }
    *v = value;
}

/// Removes the value at a concrete path; returns whether anything was there.
pub fn remove(doc: &mut Value, path: &[Seg]) -> bool {
    let Some((last, parent)) = path.split_last() else {
        return false;
    };
    let mut v = doc;
    for s in parent {
        v = match (s, v) {
            (Seg::Key(k), Value::Object(m)) => match m.get_mut(k) {
                Some(x) => x,
                None => return false,
            },
            (Seg::Index(i), Value::Array(a)) => match a.get_mut(*i) {
                Some(x) => x,
                None => return false,
            },
            _ => return false,
        };
    }
    match (last, v) {
        (Seg::Key(k), Value::Object(m)) => m.shift_remove(k).is_some(),
        (Seg::Index(i), Value::Array(a)) if *i < a.len() => {
            a.remove(*i);
            true
        }
        _ => false,
    }
}

/// Number of rows of the group at a concrete path.
pub fn row_count(doc: &Value, group: &[Seg]) -> usize {
    get(doc, group)
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

/// Every concrete path a pattern path (with `[*]`) stands for in this document.
pub fn expand(doc: &Value, pattern: &[Seg]) -> Vec<Vec<Seg>> {
    let mut out = vec![Vec::with_capacity(pattern.len())];
    for (i, s) in pattern.iter().enumerate() {
        if *s == Seg::All {
            let mut next = Vec::new();
            for p in out {
                let n = row_count(doc, &p);
                for r in 0..n {
                    let mut q = p.clone();
                    q.push(Seg::Index(r));
                    next.push(q);
                }
            }
            out = next;
        } else {
            for p in &mut out {
                p.push(pattern[i].clone());
            }
        }
    }
    out
}

/// Replaces each `[*]` of `pattern` with the indices of `row` (a concrete path of the same group).
pub fn instantiate(pattern: &[Seg], row: &[Seg]) -> Vec<Seg> {
    let mut out = Vec::with_capacity(pattern.len());
    for (i, s) in pattern.iter().enumerate() {
        match (s, row.get(i)) {
            (Seg::All, Some(Seg::Index(r))) => out.push(Seg::Index(*r)),
            _ => out.push(s.clone()),
        }
    }
    out
}

/// A value counts as unanswered when it is missing, null, an empty string or an empty list.
pub fn is_empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.is_empty(),
        _ => false,
    }
}

/// Whether a page is shown for this document.
pub fn page_visible(form: &Form, page: usize, doc: &Value, ctx: &Context) -> bool {
    form.pages[page]
        .when
        .as_ref()
        .is_none_or(|w| w.eval(doc, ctx, None).truthy() == Some(true))
}

/// Whether a field's own `when` lets it show (`row` is the concrete row of a row field). The page
/// it stands on is decided by [`page_visible`].
pub fn field_shown(field: &Field, doc: &Value, ctx: &Context, row: Option<&[Seg]>) -> bool {
    field
        .when
        .as_ref()
        .is_none_or(|w| w.eval(doc, ctx, row).truthy() == Some(true))
}

/// The document as a save leaves it: computed values, hidden answers removed, computed again
/// (computed values may decide what is shown, and what is shown decides the sums).
pub fn settle(form: &Form, doc: &mut Value, ctx: &Context) {
    compute(form, doc, ctx);
    prune_hidden(form, doc, ctx);
    compute(form, doc, ctx);
}

/// Recomputes every computed value in dependency order.
pub fn compute(form: &Form, doc: &mut Value, ctx: &Context) {
    for c in &form.computed {
        let v = c.value.eval(doc, ctx, None).to_json();
        set(doc, &c.bind, v);
    }
}

/// Removes the answers of hidden pages, fields and rows' hidden fields; then tidies empty objects.
pub fn prune_hidden(form: &Form, doc: &mut Value, ctx: &Context) {
    for (pi, page) in form.pages.iter().enumerate() {
        let page_shown = page_visible(form, pi, doc, ctx);
        for f in &page.fields {
            if f.bind.is_empty() {
                continue;
            }
            let shown = page_shown && field_shown(f, doc, ctx, None);
            if !shown {
                remove(doc, &f.bind);
                continue;
            }
            if let FieldKind::Group(g) = &f.kind {
                let n = row_count(doc, &f.bind);
                for r in 0..n {
                    let mut row = f.bind.clone();
                    row.push(Seg::Index(r));
                    for rf in &g.fields {
                        if !field_shown(rf, doc, ctx, Some(&row)) {
                            let p = instantiate(&rf.bind, &row);
                            if let FieldKind::Either { alternatives } = &rf.kind {
                                for a in alternatives {
                                    let mut q = p.clone();
                                    q.push(Seg::Key(a.key.clone()));
                                    remove(doc, &q);
                                }
                            } else {
                                remove(doc, &p);
                            }
                        }
                    }
                }
            }
        }
    }
    tidy(doc, true);
}

/// Removes nulls, empty strings and empty objects below the root (rows stay, even empty ones).
fn tidy(v: &mut Value, root: bool) -> bool {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !tidy(x, false));
            !root && m.is_empty()
        }
        Value::Array(a) => {
            for x in a.iter_mut() {
                if let Value::Object(m) = x {
                    m.retain(|_, y| !tidy(y, false));
                }
            }
            false
        }
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

/// An answer a new draft took from a public register: kept with the draft, so that its page can
/// say where the answer came from, and a locked one can be put back whatever is posted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prefilled {
    /// The field's bind path, as the API's `sti`.
    pub path: String,
    /// The register it came from.
    pub register: Register,
    /// The answer as prefilled.
    pub value: Value,
    /// Whether the user may change it.
    pub locked: bool,
}

/// A new draft: its document, and the answers in it that came from a public register.
#[derive(Debug, Clone, PartialEq)]
pub struct Started {
    /// The prefilled document.
    pub document: Value,
    /// The answers taken from a register, in field order.
    pub prefilled: Vec<Prefilled>,
}

/// Fills prefilled answers into a new document, noting those that came from a public register. A
/// `locked` field is locked only when the register gave it an answer the field accepts: a value
/// the user could neither change nor send would leave the form stuck.
pub fn start(form: &Form, ctx: &Context) -> Started {
    let mut doc = Value::Object(Map::new());
    let mut prefilled = Vec::new();
    for f in form.all_fields() {
        if let Some(p) = &f.prefill
            && !f.in_row()
        {
            let v = p.eval(&doc, ctx, None).to_json();
            if v.is_null() || v.as_str().is_some_and(|t| t.trim().is_empty()) {
                continue;
            }
            if let Some(register) = p.register() {
                prefilled.push(Prefilled {
                    path: format_path(&f.bind),
                    register,
                    locked: f.locked && super::validate::fits(f, &v),
                    value: v.clone(),
                });
            }
            set(&mut doc, &f.bind, v);
        }
    }
    compute(form, &mut doc, ctx);
    Started {
        document: doc,
        prefilled,
    }
}

/// Every answer a draft of the form would take from a public register, with no value: what a
/// preview without a register's answer marks (locked or not) where a real draft would be filled.
pub fn register_fields(form: &Form) -> Vec<Prefilled> {
    form.all_fields()
        .filter(|f| !f.in_row())
        .filter_map(|f| {
            let register = f.prefill.as_ref()?.register()?;
            Some(Prefilled {
                path: format_path(&f.bind),
                register,
                value: Value::Null,
                locked: f.locked,
            })
        })
        .collect()
}

/// Puts every locked prefilled answer back as it was prefilled: the server keeps them whatever a
/// page post or a scenario says.
pub fn keep_locked(doc: &mut Value, prefilled: &[Prefilled]) {
    for p in prefilled.iter().filter(|p| p.locked) {
        if let Ok(path) = super::expr::parse_path(&p.path) {
            set(doc, &path, p.value.clone());
        }
    }
}

/// Whether a field must be answered (row fields: `row` is the concrete row).
pub fn required(req: &Required, doc: &Value, ctx: &Context, row: Option<&[Seg]>) -> bool {
    match req {
        Required::Fixed(b) => *b,
        Required::When(e) => e.eval(doc, ctx, row).truthy() == Some(true),
    }
}

/// A value given in a document as text for telling what was given (the API's `angittVerdi`, the
/// upload's error list): text as it is, other values as JSON, nothing for null.
pub fn given_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// The HTML `id` for a concrete path: letters, digits and '-' only.
pub fn dom_id(path: &[Seg]) -> String {
    let mut s = String::from("f-");
    for c in format_path(path).chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') {
            s.push('-');
        }
    }
    while s.ends_with('-') {
        s.pop();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::expr::parse_path;
    use serde_json::json;

    #[test]
    fn set_get_remove_round_trip() {
        let mut d = json!({});
        let p = parse_path("leveranse[0].oppgave[2].andelFormue").unwrap();
        set(&mut d, &p, json!(12));
        assert_eq!(get(&d, &p), Some(&json!(12)));
        assert_eq!(
            row_count(&d, &parse_path("leveranse[0].oppgave").unwrap()),
            3
        );
        assert!(remove(&mut d, &p));
        assert_eq!(get(&d, &p), None);
    }

    #[test]
    fn expand_walks_every_row() {
        let d = json!({"a": [{"b": 1}, {"b": 2}, {}]});
        let e = expand(&d, &parse_path("a[*].b").unwrap());
        assert_eq!(e.len(), 3);
        assert_eq!(format_path(&e[2]), "a[2].b");
    }

    #[test]
    fn tidy_drops_empty_values_but_keeps_rows() {
        let mut d = json!({"a": {"b": "", "c": null}, "rows": [{}, {"x": ""}], "n": 0});
        tidy(&mut d, true);
        assert_eq!(d, json!({"rows": [{}, {}], "n": 0}));
    }

    #[test]
    fn dom_ids_are_safe() {
        let p = parse_path("leveranse.oppgave[12].eiertid.start").unwrap();
        assert_eq!(dom_id(&p), "f-leveranse-oppgave-12-eiertid-start");
    }
}
