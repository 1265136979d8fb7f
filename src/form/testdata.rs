//! Synthetic test data for a form with an API: a valid document of any size, or one that breaks
//! exactly one check, for system vendors (`tasteskjema dev testdata`), the benchmarks and
//! `test-forms`.
//!
//! The document grows from the form's own valid API scenario: its rows are repeated to the number
//! asked for, every identity in them is replaced by a fresh synthetic one (Tenor-style
//! fødselsnumre with the birth month + 80, organisation and account numbers that pass mod-11,
//! names of no one), and the control sums are computed again. What the scenario's rows satisfy
//! (the form's rules, the domain system's "one owner once"), the grown document satisfies too, and
//! the same seed gives the same document.

use std::collections::HashSet;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use super::definition::{Field, FieldKind, Form};
use super::document::compute;
use super::expr::{Seg, format_path};
use super::scenario::{self, Channel, Scenario};
use super::validate::{FieldError, Scope, validate};

/// What to make.
#[derive(Debug, Clone, Default)]
pub struct Ask {
    /// Rows in the form's main group (the one the scenario has most rows in); `None`: as many as
    /// the scenario has.
    pub rows: Option<usize>,
    /// The random seed: the same seed, the same document.
    pub seed: u64,
    /// A check to break, exactly: `required`, `fnr`, `orgnr`, `kontonummer`, `computed` or
    /// `not_number`, optionally with `:PATH` (a field's path, as in `sti`, with `[*]` for rows)
    /// to say which field; by default the first field it applies to.
    pub break_check: Option<String>,
}

/// Why no document could be made.
#[derive(Debug, thiserror::Error)]
pub enum TestdataError {
    /// The form has no valid scenario to grow from.
    #[error(
        "{0} has no valid scenario (errors = []) in its scenarios file to grow a document from"
    )]
    NoTemplate(String),
    /// The asked check is not one the generator knows, or the form has no field it applies to.
    #[error("cannot break {0:?}: {1}")]
    CannotBreak(String, String),
    /// The document did not come out as asked (a bug, or a form whose rules the scenario's rows
    /// satisfy only as they are).
    #[error("the document did not come out as asked: {}", .0.iter().map(|e| format!("{} {}", e.sti(), e.kind.code())).collect::<Vec<_>>().join(", "))]
    Unexpected(Vec<FieldError>),
}

/// The checks `--break` knows.
pub const BREAKABLE: &[&str] = &[
    "required",
    "fnr",
    "orgnr",
    "kontonummer",
    "computed",
    "not_number",
];

/// Makes the document asked for, and checks it came out so: valid, or with errors of exactly the
/// broken check.
pub fn generate(form: &Form, ask: &Ask) -> Result<Value, TestdataError> {
    let template = template(form).ok_or_else(|| TestdataError::NoTemplate(form.id.clone()))?;
    let mut doc = template.answers.clone();
    let mut ids = Ids::new(ask.seed);
    grow(form, &mut doc, ask.rows, &mut ids);
    compute(form, &mut doc, &template.context);
    let ctx = &template.context;
    let Some(asked) = &ask.break_check else {
        let errors = validate(form, &doc, Scope::All, ctx);
        return if errors.is_empty() {
            Ok(doc)
        } else {
            Err(TestdataError::Unexpected(errors))
        };
    };
    // The first field where breaking the check breaks nothing else (a reporter's own number may
    // be tied to other rules, an amount to a control sum).
    let mut first_errors = None;
    for nth in 0.. {
        let mut broken = doc.clone();
        let code = match breaking(form, &mut broken, asked, &mut ids, nth) {
            Ok(code) => code,
            Err(e @ TestdataError::CannotBreak(..)) if nth == 0 => return Err(e),
            Err(_) => break,
        };
        let errors = validate(form, &broken, Scope::All, ctx);
        if !errors.is_empty() && errors.iter().all(|e| e.kind.code() == code) {
            return Ok(broken);
        }
        first_errors.get_or_insert(errors);
    }
    let also: Vec<String> = first_errors
        .unwrap_or_default()
        .iter()
        .map(|e| format!("{} {}", e.sti(), e.kind.code()))
        .collect();
    Err(TestdataError::CannotBreak(
        asked.clone(),
        format!(
            "every field it applies to breaks other checks too ({})",
            also.join(", ")
        ),
    ))
}

/// The organisation the form's example document is sent for: its scenario's party.
pub fn example_party(form: &Form) -> Option<String> {
    template(form).and_then(|s| s.context.party_orgnr)
}

/// The scenario to grow from: the form's first valid API scenario written for this version, else
/// its first valid one through the browser (whose saved draft is a document the API takes too),
/// with its document as that door makes it.
fn template(form: &Form) -> Option<Scenario> {
    let all = scenario::of_form(form).scenarios;
    let valid = |s: &&Scenario| s.expect.errors.is_empty() && s.fits(form);
    let mut s = all
        .iter()
        .filter(valid)
        .find(|s| s.channel == Channel::Api)
        .or_else(|| all.iter().find(valid))?
        .clone();
    s.answers = scenario::document_of(form, &s);
    Some(s)
}

/// Fresh synthetic identities, never the same twice in a document.
struct Ids {
    rng: StdRng,
    used: HashSet<String>,
}

impl Ids {
    fn new(seed: u64) -> Ids {
        Ids {
            rng: StdRng::seed_from_u64(seed),
            used: HashSet::new(),
        }
    }

    fn fresh(&mut self, make: impl Fn(&mut StdRng) -> Option<String>) -> String {
        loop {
            if let Some(v) = make(&mut self.rng)
                && self.used.insert(v.clone())
            {
                return v;
            }
        }
    }

    /// A Tenor-style fødselsnummer: a real date with the month + 80, both check digits right.
    fn fnr(&mut self) -> String {
        self.fresh(|r| {
            let (day, month, year) = (
                r.random_range(1..=28),
                r.random_range(1..=12) + 80,
                r.random_range(50..=99),
            );
            let base = format!("{day:02}{month:02}{year:02}{:03}", r.random_range(0..=499));
            let k1 = with_check(&base, &[3, 7, 6, 1, 8, 9, 4, 5, 2])?;
            with_check(&k1, &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2])
        })
    }

    /// An organisation number in the test range 3xxxxxxxx with its mod-11 check digit.
    fn orgnr(&mut self) -> String {
        self.fresh(|r| {
            let base = format!("3{:07}", r.random_range(0..10_000_000));
            with_check(&base, &[3, 2, 7, 6, 5, 4, 3, 2])
        })
    }

    /// An account number: a bank's four digits, six more, and the mod-11 check digit.
    fn kontonummer(&mut self) -> String {
        self.fresh(|r| {
            let base = format!("1503{:06}", r.random_range(0..1_000_000));
            with_check(&base, &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2])
        })
    }
}

/// `digits` followed by its mod-11 check digit with `weights`; `None` when that would be 10.
fn with_check(digits: &str, weights: &[u32]) -> Option<String> {
    let d: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
    check(&d, weights).map(|k| format!("{digits}{k}"))
}

/// The mod-11 check digit of `d` with `weights`; `None` when it would be 10.
fn check(d: &[u32], weights: &[u32]) -> Option<u32> {
    let sum: u32 = d.iter().zip(weights).map(|(a, w)| a * w).sum();
    match (11 - sum % 11) % 11 {
        10 => None,
        k => Some(k),
    }
}

/// A name of no one, for row `n`.
fn name(n: usize) -> String {
    const FIRST: &[&str] = &[
        "Testa",
        "Prøve",
        "Fiktiv",
        "Oppdiktet",
        "Eksempel",
        "Syntetisk",
    ];
    const LAST: &[&str] = &["Testesen", "Prøvesen", "Dummysen", "Fiktivsen", "Testmann"];
    format!(
        "{} {} {}",
        FIRST[n % FIRST.len()],
        LAST[(n / FIRST.len()) % LAST.len()],
        n + 1
    )
}

/// The group with most rows in the document, and its field.
fn main_group<'f>(form: &'f Form, doc: &Value) -> Option<&'f Field> {
    form.all_fields()
        .filter(|f| matches!(f.kind, FieldKind::Group(_)) && !f.in_row())
        .max_by_key(|f| super::document::row_count(doc, &f.bind))
}

/// Repeats the main group's rows to `rows`, and gives every row its own identities.
fn grow(form: &Form, doc: &mut Value, rows: Option<usize>, ids: &mut Ids) {
    let Some(group) = main_group(form, doc) else {
        return;
    };
    let FieldKind::Group(g) = &group.kind else {
        return;
    };
    let Some(Value::Array(template)) = super::document::get(doc, &group.bind).cloned() else {
        return;
    };
    if template.is_empty() {
        return;
    }
    let n = rows.unwrap_or(template.len());
    let grown: Vec<Value> = (0..n)
        .map(|i| {
            let mut row = template[i % template.len()].clone();
            // A row field's bind is the group's, `[*]`, then its place in the row.
            for f in &g.fields {
                if let Some(rel) = f.bind.get(group.bind.len() + 1..) {
                    refresh(f, rel, &mut row, i, ids);
                }
            }
            row
        })
        .collect();
    super::document::set(doc, &group.bind, Value::Array(grown));
}

/// Gives a row field (at `rel` in `row`) a fresh identity when it is one.
fn refresh(f: &Field, rel: &[Seg], row: &mut Value, n: usize, ids: &mut Ids) {
    let fresh = |kind: &FieldKind, ids: &mut Ids| -> Option<String> {
        match kind {
            FieldKind::Fnr => Some(ids.fnr()),
            FieldKind::Orgnr => Some(ids.orgnr()),
            FieldKind::Kontonummer => Some(ids.kontonummer()),
            _ => None,
        }
    };
    let has = |row: &Value, p: &[Seg]| super::document::get(row, p).is_some_and(|v| !v.is_null());
    match &f.kind {
        FieldKind::Either { alternatives } => {
            for a in alternatives {
                let mut p = rel.to_vec();
                p.push(Seg::Key(a.key.clone()));
                if has(row, &p)
                    && let Some(v) = fresh(&a.kind, ids)
                {
                    super::document::set(row, &p, json!(v));
                }
            }
        }
        kind => {
            if has(row, rel) {
                if let Some(v) = fresh(kind, ids) {
                    super::document::set(row, rel, json!(v));
                } else if rel.last() == Some(&Seg::Key("navn".into()))
                    && matches!(kind, FieldKind::Text)
                {
                    super::document::set(row, rel, json!(name(n)));
                }
            }
        }
    }
}

/// Breaks the asked check in the document; the error code validation must then give.
/// Breaks the asked check at the `nth` field it applies to.
fn breaking(
    form: &Form,
    doc: &mut Value,
    asked: &str,
    ids: &mut Ids,
    nth: usize,
) -> Result<&'static str, TestdataError> {
    let (code, at) = match asked.split_once(':') {
        Some((c, p)) => (c, Some(p)),
        None => (asked, None),
    };
    let cannot = |why: &str| TestdataError::CannotBreak(asked.to_owned(), why.to_owned());
    let code: &'static str = BREAKABLE
        .iter()
        .find(|b| **b == code)
        .ok_or_else(|| cannot(&format!("known checks: {}", BREAKABLE.join(", "))))?;
    if code == "computed" {
        let c = form
            .computed
            .iter()
            .filter(|c| c.required)
            .filter(|c| at.is_none_or(|p| format_path(&c.bind) == p))
            .nth(nth)
            .ok_or_else(|| cannot("no control sum the document must carry"))?;
        let v = super::document::get(doc, &c.bind)
            .and_then(Value::as_i64)
            .unwrap_or(0);
        super::document::set(doc, &c.bind, json!(v + 1));
        return Ok(code);
    }
    // The first answered field (or alternative of an either) the check applies to, in a row's
    // first occurrence.
    let fits = |kind: &FieldKind| match code {
        "fnr" => matches!(kind, FieldKind::Fnr),
        "orgnr" => matches!(kind, FieldKind::Orgnr),
        "kontonummer" => matches!(kind, FieldKind::Kontonummer),
        "not_number" => kind.is_number(),
        _ => false,
    };
    let concrete = |bind: &[Seg]| -> Vec<Seg> {
        bind.iter()
            .map(|s| {
                if *s == Seg::All {
                    Seg::Index(0)
                } else {
                    s.clone()
                }
            })
            .collect()
    };
    let mut candidates: Vec<Vec<Seg>> = Vec::new();
    for f in form.all_fields().filter(|f| !f.bind.is_empty()) {
        let required =
            matches!(f.required, super::definition::Required::Fixed(true)) && f.when.is_none();
        match &f.kind {
            FieldKind::Either { alternatives } => {
                for a in alternatives.iter().filter(|a| fits(&a.kind)) {
                    let mut p = concrete(&f.bind);
                    p.push(Seg::Key(a.key.clone()));
                    candidates.push(p);
                }
            }
            FieldKind::Group(_) | FieldKind::Static | FieldKind::Attachment(_) => {}
            kind if fits(kind) || (code == "required" && required) => {
                candidates.push(concrete(&f.bind));
            }
            _ => {}
        }
    }
    let target = candidates
        .into_iter()
        .filter(|p| {
            super::document::get(doc, p).is_some_and(|v| !v.is_null())
                && at.is_none_or(|want| {
                    format_path(p) == want || format_path(p).replace("[0]", "[*]") == want
                })
        })
        .nth(nth)
        .ok_or_else(|| cannot("no answered field in the document it applies to"))?;
    let broken = match code {
        "required" => {
            super::document::remove(doc, &target);
            return Ok(code);
        }
        "not_number" => json!("ikke et tall"),
        _ => {
            // The right number with its last digit changed: the check digit no longer holds.
            let good = match code {
                "fnr" => ids.fnr(),
                "orgnr" => ids.orgnr(),
                _ => ids.kontonummer(),
            };
            let mut d = good.into_bytes();
            let last = d.len() - 1;
            d[last] = b'0' + (d[last] - b'0' + 1) % 10;
            json!(String::from_utf8(d).unwrap_or_default())
        }
    };
    super::document::set(doc, &target, broken);
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rf1140() -> std::sync::Arc<Form> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("forms");
        crate::form::load::load_dir(&dir)
            .catalog
            .expect("the forms load")
            .latest("RF-1140")
            .unwrap()
            .clone()
    }

    #[test]
    fn a_valid_document_of_any_size_the_same_for_the_same_seed() {
        let form = rf1140();
        let ask = |rows, seed| Ask {
            rows: Some(rows),
            seed,
            break_check: None,
        };
        let a = generate(&form, &ask(250, 7)).unwrap();
        let tasks = a["leveranse"]["oppgave"].as_array().unwrap();
        assert_eq!(tasks.len(), 250);
        assert_eq!(a["leveranse"]["oppgaveoppsummering"]["antallOppgaver"], 250);
        // Every owner once, and every number a valid one.
        let owners: HashSet<&str> = tasks
            .iter()
            .filter_map(|t| {
                let o = &t["oppgaveeier"];
                o["foedselsnummer"]
                    .as_str()
                    .or(o["organisasjonsnummer"].as_str())
            })
            .collect();
        assert_eq!(owners.len(), 250);
        for o in owners.iter().filter(|o| o.len() == 11) {
            assert!(crate::form::no::Fodselsnummer::parse(o).is_ok(), "{o}");
            assert!(matches!(&o[2..3], "8" | "9"), "a test number: {o}");
        }
        for o in owners.iter().filter(|o| o.len() == 9) {
            assert!(crate::form::no::Orgnr::parse(o).is_ok(), "{o}");
        }
        assert_eq!(generate(&form, &ask(250, 7)).unwrap(), a);
        assert_ne!(generate(&form, &ask(250, 8)).unwrap(), a);
    }

    #[test]
    fn a_broken_document_breaks_exactly_the_check_asked() {
        let form = rf1140();
        for (asked, code) in [
            ("fnr", "fnr"),
            ("orgnr", "orgnr"),
            ("computed", "computed"),
            ("required", "required"),
            ("not_number", "not_number"),
        ] {
            let doc = generate(
                &form,
                &Ask {
                    rows: Some(20),
                    seed: 1,
                    break_check: Some(asked.into()),
                },
            )
            .unwrap_or_else(|e| panic!("{asked}: {e}"));
            let errors = validate(&form, &doc, Scope::All, &template(&form).unwrap().context);
            assert!(!errors.is_empty(), "{asked}");
            assert!(
                errors.iter().all(|e| e.kind.code() == code),
                "{asked}: {errors:?}"
            );
        }
        assert!(matches!(
            generate(
                &form,
                &Ask {
                    rows: None,
                    seed: 1,
                    break_check: Some("stavefeil".into())
                }
            ),
            Err(TestdataError::CannotBreak(..))
        ));
    }
}
