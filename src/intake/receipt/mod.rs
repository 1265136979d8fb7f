//! A submission's receipt, the same for both channels: the facts it states, the answers it
//! repeats, and the tagged PDF of both (the browser's download, the API's `application/pdf`).

use serde_json::{Value, json};

use super::domain::Feedback;
use super::pdf::{Group, ReceiptPdf, Section, render};
use crate::auth::altinn::PartyId;
use crate::form::no::{masked, orgnr_spaced};
use crate::form::{Form, Lang};
use crate::i18n::when;
use crate::store::SubmissionRow;
use answers::AnswerView;

pub mod answers;

/// The party and the submitter as a receipt names them: `Eksempel Borettslag AS (311 800 108)`,
/// and the person's or the end-user system's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// The party, with its organisation number when it is an organisation.
    pub party: String,
    /// Who submitted.
    pub submitter: String,
}

impl Names {
    /// The names the submission stored when it was received. A submission stored without them
    /// (before names were kept) takes `known` (party, submitter: what the caller knows now, as
    /// the session's names), else shows the party's number and the submitter's key.
    pub fn of(row: &SubmissionRow, known: Option<(&str, &str)>) -> Names {
        let party_name = row.party_name.as_deref().or(known.map(|k| k.0));
        let party = match (PartyId::from_key(&row.party), party_name) {
            (Some(PartyId::Organisation(orgnr)), Some(name)) => {
                format!("{name} ({})", orgnr_spaced(&orgnr))
            }
            (Some(PartyId::Organisation(orgnr)), None) => orgnr_spaced(&orgnr),
            (Some(PartyId::Person(_)), Some(name)) => name.to_owned(),
            (Some(PartyId::Person(pid)), None) => masked(&pid),
            (None, _) => row.party.clone(),
        };
        let submitter = match row.submitter_name.as_deref().or(known.map(|k| k.1)) {
            Some(name) => name.to_owned(),
            None => match row.submitter.strip_prefix("person:") {
                Some(pid) => masked(pid),
                None => row.submitter.clone(),
            },
        };
        Names { party, submitter }
    }
}

/// What a `Leveransebekreftelse` counts, without the ids only a received delivery has.
pub fn leveranse_counts(doc: &Value) -> Value {
    leveranse_counts_in(doc, &[])
}

/// As [`leveranse_counts`], with the rows of the groups in `counted` (read one at a time, not
/// in the document) counted as given there.
pub fn leveranse_counts_in(doc: &Value, counted: &[(Vec<crate::form::Seg>, usize)]) -> Value {
    let of = |k: &str| {
        counted.iter().find_map(|(p, n)| match p.as_slice() {
            [crate::form::Seg::Key(l), crate::form::Seg::Key(g)] if l == "leveranse" && g == k => {
                Some(*n)
            }
            _ => None,
        })
    };
    let counts = |l: &Value| {
        let n = |k: &str| {
            of(k).unwrap_or_else(|| l.get(k).and_then(Value::as_array).map_or(0, Vec::len))
        };
        (
            l.get("oppgavegiversLeveranseReferanse")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            n("sletteoppgave"),
            n("oppgave"),
        )
    };
    match doc.get("leveranse") {
        Some(Value::Array(list)) => json!({
            "leveranseformaal": list.iter().map(|l| {
                let (reference, slette, oppgaver) = counts(l);
                json!({
                    "boligselskapFormaal": l.get("boligselskapFormaal").cloned().unwrap_or(Value::Null),
                    "oppgavegiversLeveranseReferanse": reference,
                    "antallSletteoppgaver": slette,
                    "antallOppgaver": oppgaver,
                })
            }).collect::<Vec<_>>(),
        }),
        other => {
            let (reference, slette, oppgaver) = counts(other.unwrap_or(&Value::Null));
            json!({
                "oppgavegiversLeveranseReferanse": reference,
                "antallSletteoppgaver": slette,
                "antallOppgaver": oppgaver,
            })
        }
    }
}

/// `Leveransebekreftelse` for a GLD document, as the API, the file upload and SFTP answer it:
/// the dialog and transmission, and for one `leveranse` (an object) the counts and the reference;
/// for several (an array, as for boligselskap) the same per purpose.
pub fn leveransebekreftelse(read: &super::rows::Read, r: &super::Receipt) -> Value {
    let mut v = serde_json::Map::new();
    v.insert("dialogId".into(), json!(r.dialog_id));
    v.insert("forsendelseId".into(), json!(r.transmission_id));
    if let Value::Object(counts) = read.counts() {
        v.extend(counts);
    }
    Value::Object(v)
}

/// The facts a receipt states, in the order it states them (the page and the PDF).
pub fn facts(
    lang: Lang,
    row: &SubmissionRow,
    form_title: &str,
    names: &Names,
) -> Vec<(&'static str, String)> {
    let ui = crate::i18n::ui(lang);
    vec![
        (ui.receipt_reference, row.reference.clone()),
        (ui.receipt_time, when(row.created_at, lang)),
        (
            ui.receipt_form,
            format!(
                "{} {form_title} ({} {})",
                row.form_id, ui.version, row.form_version
            ),
        ),
        (ui.receipt_party, names.party.clone()),
        (ui.receipt_submitter, names.submitter.clone()),
        (ui.receipt_status, ui.status(row.status.as_str()).to_owned()),
        (ui.receipt_hash, row.sha256.clone()),
    ]
}

/// The document of a stored submission as its receipt shows it ([`super::rows::shown`]): of
/// each group read by row, the first [`answers::RECEIPT_ROWS`] rows and the others' totals.
/// A document stored in pieces (the row, read as stored, has none) is written to a spool file
/// in `dir` piece by piece and read from there, so that neither its text nor a tree of all its
/// rows is held.
pub async fn shown_document(
    store: &crate::store::Store,
    form: &Form,
    row: &SubmissionRow,
    dir: &std::path::Path,
) -> anyhow::Result<super::rows::Shown> {
    use anyhow::Context as _;
    let keep = answers::RECEIPT_ROWS;
    if !row.document.is_empty() {
        let text = axum::body::Bytes::copy_from_slice(row.document.as_bytes());
        return super::rows::shown(form, text, keep).context("a stored document does not parse");
    }
    std::fs::create_dir_all(dir)?;
    let mut file = std::io::BufWriter::new(tempfile::tempfile_in(dir)?);
    let pieces = store.write_pieces(&row.id, &mut file).await?;
    anyhow::ensure!(pieces > 0, "submission {} has no document", row.id);
    let file = file.into_inner().map_err(|e| e.into_error())?;
    let mapped = super::spool::Mapped::of(&file)?;
    super::rows::shown(form, mapped, keep).context("a stored document does not parse")
}

/// The receipt as a tagged PDF: the same facts, the answers of `doc` (as
/// [`shown_document`] reads it) in the form's order and words, and the feedback when it has
/// come.
pub fn pdf(
    form: &Form,
    row: &SubmissionRow,
    shown: &super::rows::Shown,
    lang: Lang,
    names: &Names,
) -> anyhow::Result<Vec<u8>> {
    let ctx = shown.context(&super::context(PartyId::from_key(&row.party).as_ref()));
    pdf_marked(form, row, &shown.doc, &ctx, lang, names, None)
}

/// The receipt PDF with `mark` (a preview's "not submitted") before its title and in the
/// footer of every page, and the answers shown as they are in `ctx`.
pub fn pdf_marked(
    form: &Form,
    row: &SubmissionRow,
    doc: &Value,
    ctx: &crate::form::Context,
    lang: Lang,
    names: &Names,
    mark: Option<&str>,
) -> anyhow::Result<Vec<u8>> {
    let ui = crate::i18n::ui(lang);
    let title = form.title.get(lang).to_string();
    let facts = facts(lang, row, &title, names);
    let pairs = |answers: &[AnswerView]| {
        answers
            .iter()
            .map(|a| (a.label.clone(), a.value.clone()))
            .collect::<Vec<_>>()
    };
    let mut sections: Vec<Section> =
        answers::answers_first(form, doc, ctx, (lang, ui), "", answers::RECEIPT_ROWS)
            .into_iter()
            .map(|p| Section {
                heading: p.title,
                rows: pairs(&p.answers),
                groups: p
                    .groups
                    .iter()
                    .flat_map(|g| {
                        let more = (g.not_shown > 0).then(|| Group {
                            heading: ui.rows_not_shown.replace("{n}", &g.not_shown.to_string()),
                            rows: Vec::new(),
                        });
                        g.rows
                            .iter()
                            .map(|(heading, answers)| Group {
                                heading: heading.clone(),
                                rows: pairs(answers),
                            })
                            .chain(more)
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
                .chain(f.vedtak.iter().flat_map(|v| {
                    std::iter::once((ui.decision.to_owned(), v.tittel.clone())).chain(v.lines())
                }))
                .chain(
                    f.meldinger
                        .iter()
                        .map(|m| (m.sti.clone().unwrap_or_default(), m.melding.clone())),
                )
                .collect(),
            groups: Vec::new(),
        });
    }
    let mut heading = format!("{} – {}", ui.receipt_title, row.reference);
    let mut footer = format!("{} · {} {}", ui.site, ui.receipt_reference, row.reference);
    if let Some(m) = mark {
        heading = format!("{m}: {heading}");
        footer = format!("{m} · {footer}");
    }
    render(&ReceiptPdf {
        lang: lang.code(),
        title: &heading,
        facts: facts.iter().map(|(l, v)| (*l, v.clone())).collect(),
        sections,
        footer: &footer,
    })
}
