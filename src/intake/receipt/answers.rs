//! The answers of a document as a reader sees them, page by page in the form's order and words:
//! what check-your-answers shows, and the receipt and its PDF, which both channels hand out.

use serde_json::Value;

use crate::form::definition::Group;
use crate::form::document::{self, get, instantiate};
use crate::form::expr::format_path;
use crate::form::{Context, Field, FieldKind, Form, Lang, Seg, input};
use crate::i18n::Ui;

/// The heading of row `r` (0-based) of a group: its `row_label` with `{n}`, or the portal's default.
pub fn row_title(g: &Group, r: usize, lang: Lang, ui: &Ui) -> String {
    g.row_label
        .as_ref()
        .map_or(ui.row, |t| t.get(lang))
        .replace("{n}", &(r + 1).to_string())
}

/// The heading of the row a concrete path lies in ("Oppgave 2"), if it is in a row.
pub fn row_heading(form: &Form, path: &[Seg], lang: Lang, ui: &Ui) -> Option<String> {
    form.all_fields().find_map(|f| {
        let FieldKind::Group(g) = &f.kind else {
            return None;
        };
        let n = f.bind.len();
        if path.len() > n && path[..n] == f.bind[..] {
            let Seg::Index(r) = path[n] else { return None };
            Some(row_title(g, r, lang, ui))
        } else {
            None
        }
    })
}

/// One answer on the check-your-answers page.
pub struct AnswerView {
    /// Question.
    pub label: String,
    /// Answer as shown.
    pub value: String,
    /// Whether it was left empty.
    pub empty: bool,
    /// Its path in the document (the API's `sti`).
    pub sti: String,
    /// Element id of the row, for links to it.
    pub id: String,
    /// A message about it (the domain system's feedback on a receipt).
    pub note: Option<String>,
}

/// A group's rows on the check-your-answers page.
pub struct RowsView {
    /// Group legend.
    pub legend: String,
    /// Row heading and answers.
    pub rows: Vec<(String, Vec<AnswerView>)>,
    /// Rows of the group not shown (a receipt shows the first [`RECEIPT_ROWS`]).
    pub not_shown: usize,
}

/// The rows of a group a receipt shows: a delivery file of 100 000 rows is received whole, and
/// its receipt says how many more there are.
pub const RECEIPT_ROWS: usize = 200;

/// One page on the check-your-answers page.
pub struct PageAnswers {
    /// Page title.
    pub title: String,
    /// Link to change it.
    pub href: String,
    /// Plain answers.
    pub answers: Vec<AnswerView>,
    /// Groups.
    pub groups: Vec<RowsView>,
}

fn answer(f: &Field, path: &[Seg], doc: &Value, lang: Lang, ui: &Ui) -> AnswerView {
    let value = match &f.kind {
        FieldKind::Either { alternatives } => alternatives
            .iter()
            .find_map(|a| {
                let mut p = path.to_vec();
                p.push(Seg::Key(a.key.clone()));
                let v = input::display(&a.kind, get(doc, &p), lang);
                (!v.is_empty()).then(|| format!("{}: {v}", a.label.get(lang)))
            })
            .unwrap_or_default(),
        k @ (FieldKind::Text
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
        | FieldKind::Kommunenummer
        | FieldKind::Postnummer
        | FieldKind::Email
        | FieldKind::Phone
        | FieldKind::Kontonummer
        | FieldKind::Static
        | FieldKind::Group(_)
        | FieldKind::Attachment(_)) => input::display(k, get(doc, path), lang),
    };
    AnswerView {
        label: f.label.get(lang).to_string(),
        sti: format_path(path),
        id: format!("svar-{}", document::dom_id(path)),
        note: None,
        empty: value.is_empty(),
        value: if value.is_empty() {
            ui.not_answered.to_string()
        } else {
            value
        },
    }
}

/// The answers of every visible page, for the check-your-answers page.
pub fn answers(
    form: &Form,
    doc: &Value,
    ctx: &Context,
    lang: Lang,
    ui: &Ui,
    base: &str,
) -> Vec<PageAnswers> {
    answers_first(form, doc, ctx, (lang, ui), base, usize::MAX)
}

/// As [`answers`], with at most `max_rows` rows of each group (a receipt's [`RECEIPT_ROWS`]).
pub fn answers_first(
    form: &Form,
    doc: &Value,
    ctx: &Context,
    (lang, ui): (Lang, &Ui),
    base: &str,
    max_rows: usize,
) -> Vec<PageAnswers> {
    let mut out = Vec::new();
    for (pi, page) in form.pages.iter().enumerate() {
        if !document::page_visible(form, pi, doc, ctx) {
            continue;
        }
        let mut pa = PageAnswers {
            title: page.title.get(lang).to_string(),
            href: format!("{base}/{}", page.id),
            answers: Vec::new(),
            groups: Vec::new(),
        };
        for f in &page.fields {
            if !document::field_shown(f, doc, ctx, None) {
                continue;
            }
            match &f.kind {
                FieldKind::Static => {}
                FieldKind::Group(g) => {
                    let n = ctx.rows_of(doc, &f.bind);
                    let rows = (0..n.min(max_rows))
                        .map(|r| {
                            let mut row = f.bind.clone();
                            row.push(Seg::Index(r));
                            let heading = row_title(g, r, lang, ui);
                            let answers = g
                                .fields
                                .iter()
                                .filter(|rf| !matches!(rf.kind, FieldKind::Static))
                                .filter(|rf| document::field_shown(rf, doc, ctx, Some(&row)))
                                .map(|rf| answer(rf, &instantiate(&rf.bind, &row), doc, lang, ui))
                                .collect();
                            (heading, answers)
                        })
                        .collect();
                    pa.groups.push(RowsView {
                        legend: f.label.get(lang).to_string(),
                        rows,
                        not_shown: n.saturating_sub(max_rows),
                    });
                }
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
                | FieldKind::Attachment(_) => pa.answers.push(answer(f, &f.bind, doc, lang, ui)),
            }
        }
        out.push(pa);
    }
    out
}

/// The computed values that have a label, as check-your-answers lists them: label and value.
pub fn computed(form: &Form, doc: &Value, lang: Lang) -> Vec<(String, String)> {
    form.computed
        .iter()
        .filter_map(|c| {
            let label = c.label.as_ref()?.get(lang).to_string();
            Some((label, input::display(&c.kind, get(doc, &c.bind), lang)))
        })
        .collect()
}

/// An error as a summary lists it: the row it is in (for a group's row), then its message.
pub fn error_message(form: &Form, e: &crate::form::FieldError, lang: Lang, ui: &Ui) -> String {
    match row_heading(form, &e.path, lang, ui) {
        Some(h) => format!("{h}: {}", e.message(lang)),
        None => e.message(lang),
    }
}
