//! Running one scenario against its form and saying, one line each, what differed.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Channel, ExpectedError, Scenario};
use crate::form::definition::{FieldKind, Form};
use crate::form::document::{self, get, instantiate};
use crate::form::expr::{Seg, format_path, parse_path};
use crate::form::validate::{Scope, same_number_or_value, validate};
use crate::form::{Field, Lang};

/// At most this many differences of the submitted document are listed, then how many more.
const MAX_DIFFS: usize = 10;

/// The document a scenario's answers make: through the browser, the prefilled draft with the
/// answers laid over it (but not over a locked answer from a register, which the portal keeps) as
/// a save leaves it; through the API, the answers as they arrive.
pub fn document_of(form: &Form, s: &Scenario) -> Value {
    match s.channel {
        Channel::Portal => {
            let started = document::start(form, &s.context);
            let mut doc = started.document;
            overlay(&mut doc, &s.answers);
            document::keep_locked(&mut doc, &started.prefilled);
            document::settle(form, &mut doc, &s.context);
            doc
        }
        Channel::Api => s.answers.clone(),
    }
}

/// Runs a scenario; every difference from what it expects is one line (empty: it passes).
pub fn run(form: &Form, s: &Scenario) -> Vec<String> {
    if !s.fits(form) {
        return vec![format!(
            "written for version {}, but the form is version {}",
            s.version.as_deref().unwrap_or_default(),
            form.version
        )];
    }
    let ctx = &s.context;
    let doc = document_of(form, s);
    let mut out = Vec::new();
    let e = &s.expect;

    let mut missing: Vec<&ExpectedError> = e.errors.iter().collect();
    for got in validate(form, &doc, Scope::All, ctx) {
        let (sti, code) = (got.sti(), got.kind.code());
        match missing.iter().position(|x| x.path == sti && x.code == code) {
            Some(i) => {
                missing.remove(i);
            }
            None => out.push(format!(
                "unexpected error {sti} {code} ({})",
                got.message(Lang::Nb)
            )),
        }
    }
    for m in missing {
        out.push(format!(
            "expected error {} {}, not reported",
            m.path, m.code
        ));
    }

    if let Some(want) = &e.pages {
        let got: Vec<&str> = (0..form.pages.len())
            .filter(|&i| document::page_visible(form, i, &doc, ctx))
            .map(|i| form.pages[i].id.as_str())
            .collect();
        if got != *want {
            out.push(format!(
                "pages: expected [{}], got [{}]",
                want.join(", "),
                got.join(", ")
            ));
        }
    }

    if !e.visible.is_empty() || !e.hidden.is_empty() {
        let shown = shown_fields(form, &doc, ctx);
        for (paths, want_shown) in [(&e.visible, true), (&e.hidden, false)] {
            for p in paths {
                match field_at(form, p) {
                    Err(why) => out.push(format!("{p}: {why}")),
                    Ok(()) if shown.contains(p) != want_shown => out.push(format!(
                        "{p}: expected {}, is {}",
                        shown_word(want_shown),
                        shown_word(!want_shown)
                    )),
                    Ok(()) => {}
                }
            }
        }
    }

    for (p, want) in &e.computed {
        match parse_path(p) {
            Err(err) => out.push(format!("computed {p}: not a path ({err})")),
            Ok(path) => {
                let got = get(&doc, &path);
                if !got.is_some_and(|g| same_number_or_value(want, g)) {
                    out.push(format!("computed {p}: expected {want}, got {}", shown(got)));
                }
            }
        }
    }

    let mut diffs = Vec::new();
    if let Some(want) = &e.submitted {
        diff(&mut String::new(), want, Some(&doc), false, &mut diffs);
    }
    if let Some(want) = &e.submitted_includes {
        diff(&mut String::new(), want, Some(&doc), true, &mut diffs);
    }
    let more = diffs.len().saturating_sub(MAX_DIFFS);
    out.extend(diffs.into_iter().take(MAX_DIFFS));
    if more > 0 {
        out.push(format!("submitted: {more} more difference(s)"));
    }
    out
}

fn shown_word(shown: bool) -> &'static str {
    if shown { "visible" } else { "hidden" }
}

fn shown(v: Option<&Value>) -> String {
    v.map_or_else(|| "nothing".to_string(), Value::to_string)
}

/// Lays the scenario's answers over the prefilled draft: objects merge key by key and lists item
/// by item (a prefilled `leveranse[0]` takes the answers' first item over it); anything else
/// replaces what was there.
fn overlay(doc: &mut Value, answers: &Value) {
    match (doc, answers) {
        (Value::Object(d), Value::Object(a)) => {
            for (k, v) in a {
                overlay(d.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (Value::Array(d), Value::Array(a)) => {
            for (i, v) in a.iter().enumerate() {
                match d.get_mut(i) {
                    Some(x) => overlay(x, v),
                    None => d.push(v.clone()),
                }
            }
        }
        (d, a) => *d = a.clone(),
    }
}

/// The concrete paths of the fields a person would see: on a shown page, shown themselves, and for
/// row fields in a row that exists.
fn shown_fields(form: &Form, doc: &Value, ctx: &crate::form::Context) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (pi, page) in form.pages.iter().enumerate() {
        if !document::page_visible(form, pi, doc, ctx) {
            continue;
        }
        for f in page.fields.iter().filter(|f| !f.bind.is_empty()) {
            if !document::field_shown(f, doc, ctx, None) {
                continue;
            }
            out.insert(format_path(&f.bind));
            if let FieldKind::Group(g) = &f.kind {
                for r in 0..document::row_count(doc, &f.bind) {
                    let mut row = f.bind.clone();
                    row.push(Seg::Index(r));
                    for rf in &g.fields {
                        if document::field_shown(rf, doc, ctx, Some(&row)) {
                            out.insert(format_path(&instantiate(&rf.bind, &row)));
                        }
                    }
                }
            }
        }
    }
    out
}

/// Whether a concrete path is a field of the form (row indexes standing for `[*]`), so that a
/// misspelt path in `hidden` cannot pass unnoticed.
fn field_at(form: &Form, p: &str) -> Result<(), String> {
    let path = parse_path(p).map_err(|e| format!("not a path ({e})"))?;
    let covers = |f: &Field| {
        f.bind.len() == path.len()
            && f.bind
                .iter()
                .zip(&path)
                .all(|(a, b)| a == b || matches!((a, b), (Seg::All, Seg::Index(_))))
    };
    if form.all_fields().any(|f| !f.bind.is_empty() && covers(f)) {
        Ok(())
    } else {
        Err("no field of the form has this path".into())
    }
}

/// One line per difference between what was expected and the document; with `subset`, keys the
/// expectation does not name and rows beyond its own are not differences.
fn diff(at: &mut String, want: &Value, got: Option<&Value>, subset: bool, out: &mut Vec<String>) {
    let here = |at: &str| {
        if at.is_empty() {
            "the document".to_string()
        } else {
            at.to_string()
        }
    };
    match (want, got) {
        (Value::Object(w), Some(Value::Object(g))) => {
            for (k, wv) in w {
                let len = at.len();
                if !at.is_empty() {
                    at.push('.');
                }
                at.push_str(k);
                diff(at, wv, g.get(k), subset, out);
                at.truncate(len);
            }
            if !subset {
                // TOML has no null: a null in the document counts as absent.
                for (k, gv) in g
                    .iter()
                    .filter(|(k, v)| !w.contains_key(*k) && !v.is_null())
                {
                    let sep = if at.is_empty() { "" } else { "." };
                    out.push(format!(
                        "submitted {at}{sep}{k}: expected nothing, got {gv}"
                    ));
                }
            }
        }
        (Value::Array(w), Some(Value::Array(g))) => {
            if g.len() < w.len() || (!subset && g.len() != w.len()) {
                out.push(format!(
                    "submitted {}: expected {} row(s), got {}",
                    here(at),
                    w.len(),
                    g.len()
                ));
            }
            for (i, wv) in w.iter().enumerate().take(g.len()) {
                let len = at.len();
                at.push_str(&format!("[{i}]"));
                diff(at, wv, g.get(i), subset, out);
                at.truncate(len);
            }
        }
        (w, g) => {
            if !g.is_some_and(|g| same_number_or_value(w, g)) {
                out.push(format!(
                    "submitted {}: expected {w}, got {}",
                    here(at),
                    shown(g)
                ));
            }
        }
    }
}
