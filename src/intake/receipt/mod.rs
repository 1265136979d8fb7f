//! A submission's receipt, the same for both channels: the facts it states, the answers it
//! repeats, and the tagged PDF of both (the browser's download, the API's `application/pdf`).

use serde_json::Value;

use super::domain::Feedback;
use super::pdf::{Group, ReceiptPdf, Section, render};
use crate::auth::altinn::PartyId;
use crate::form::{Form, Lang};
use crate::i18n::{Ui, when};
use crate::store::SubmissionRow;
use answers::{AnswerView, answers};

pub mod answers;

/// The facts a receipt states, in the order it states them (the page and the PDF).
pub fn facts(
    ui: &'static Ui,
    row: &SubmissionRow,
    form_title: &str,
    party: String,
    submitter: String,
) -> Vec<(&'static str, String)> {
    vec![
        (ui.receipt_reference, row.reference.clone()),
        (ui.receipt_time, when(row.created_at)),
        (
            ui.receipt_form,
            format!(
                "{} {form_title} ({} {})",
                row.form_id, ui.version, row.form_version
            ),
        ),
        (ui.receipt_party, party),
        (ui.receipt_submitter, submitter),
        (ui.receipt_status, ui.status(row.status.as_str()).to_owned()),
        (ui.receipt_hash, row.sha256.clone()),
    ]
}

/// The receipt as a tagged PDF: the same facts, the answers in the form's order and words, and
/// the feedback when it has come.
pub fn pdf(
    form: &Form,
    row: &SubmissionRow,
    lang: Lang,
    party: String,
    submitter: String,
) -> anyhow::Result<Vec<u8>> {
    let ui = crate::i18n::ui(lang);
    let doc: Value = serde_json::from_str(&row.document)?;
    let ctx = super::context(PartyId::from_key(&row.party).as_ref());
    let title = form.title.get(lang).to_string();
    let facts = facts(ui, row, &title, party, submitter);
    let pairs = |answers: &[AnswerView]| {
        answers
            .iter()
            .map(|a| (a.label.clone(), a.value.clone()))
            .collect::<Vec<_>>()
    };
    let mut sections: Vec<Section> = answers(form, &doc, &ctx, lang, ui, "")
        .into_iter()
        .map(|p| Section {
            heading: p.title,
            rows: pairs(&p.answers),
            groups: p
                .groups
                .iter()
                .flat_map(|g| {
                    g.rows.iter().map(|(heading, answers)| Group {
                        heading: heading.clone(),
                        rows: pairs(answers),
                    })
                })
                .collect(),
        })
        .collect();
    if let Some(f) = row
        .feedback
        .as_deref()
        .and_then(|t| serde_json::from_str::<Feedback>(t).ok())
    {
        let verdict = if f.status == "godkjent" {
            ui.feedback_accepted
        } else {
            ui.feedback_rejected
        };
        sections.push(Section {
            heading: ui.receipt_status.to_owned(),
            rows: std::iter::once((ui.receipt_status.to_owned(), verdict.to_owned()))
                .chain(
                    f.meldinger
                        .iter()
                        .map(|m| (m.sti.clone().unwrap_or_default(), m.melding.clone())),
                )
                .collect(),
            groups: Vec::new(),
        });
    }
    let heading = format!("{} – {}", ui.receipt_title, row.reference);
    let footer = format!("{} · {} {}", ui.site, ui.receipt_reference, row.reference);
    render(&ReceiptPdf {
        lang: lang.code(),
        title: &heading,
        facts: facts.iter().map(|(l, v)| (*l, v.clone())).collect(),
        sections,
        footer: &footer,
    })
}
