//! Documents of a submission (its receipt and its feedback), as JSON or PDF, for the party's
//! systems.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::ApiState;
use super::caller::authorized;
use super::error::ApiError;
use super::gld::years_in;
use crate::form::Lang;
use crate::intake::domain::Feedback;

/// Whether the caller asks for PDF rather than JSON.
fn wants_pdf(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/pdf") && !a.contains("application/json"))
}

fn pdf_response(bytes: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "application/pdf")], bytes).into_response()
}

fn feedback_pdf(row: &crate::store::SubmissionRow, f: &Feedback) -> Result<Vec<u8>, ApiError> {
    use crate::intake::pdf::{ReceiptPdf, Section, render};
    let verdict = if f.status == "godkjent" {
        "Godkjent"
    } else {
        "Avvist"
    };
    let title = format!("Tilbakemelding – {}", row.reference);
    render(&ReceiptPdf {
        lang: "nb",
        title: &title,
        facts: vec![
            ("Referanse", row.reference.clone()),
            ("Skjema", format!("{} {}", row.form_id, row.form_version)),
            ("Status", verdict.to_owned()),
        ],
        sections: vec![Section {
            heading: "Meldinger".into(),
            rows: f
                .meldinger
                .iter()
                .map(|m| (m.sti.clone().unwrap_or_default(), m.melding.clone()))
                .collect(),
            groups: Vec::new(),
        }],
        footer: &format!("Tasteskjema · Referanse {}", row.reference),
    })
    .map_err(ApiError::internal)
}

/// Whether a stored GLD submission's document is for the income year `year` (every
/// `leveranse` of it).
fn in_year(doc: &Value, year: &str) -> bool {
    let Ok(year) = year.parse::<i64>() else {
        return false;
    };
    let years = years_in(doc);
    !years.is_empty() && years.iter().all(|(_, y)| *y == Some(year))
}

/// `GET {base}/v1/{inntektsaar}/forsendelser/{forsendelse}/dokumenter/{dokument}`: a
/// submission's receipt or feedback, for the form's GLD route.
pub(super) async fn fetch(
    State(state): State<ApiState>,
    form_id: String,
    Path((year, forsendelse, dokument)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let form = state
        .catalog
        .latest(&form_id)
        .ok_or_else(|| ApiError::internal("a routed form is gone"))?;
    // Reads are authorised as writes are: the form's scope, and the PDP's `read` for the
    // system user's organisation on this form's resource.
    let party = authorized(&state, &headers, form, crate::auth::altinn::action::READ)
        .await?
        .party;
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, "GLD_021", "Dokumentet finnes ikke.");
    if uuid::Uuid::parse_str(&forsendelse).is_err() || uuid::Uuid::parse_str(&dokument).is_err() {
        return Err(not_found());
    }
    let row = state
        .store
        .receipt_by_transmission(&forsendelse, &party.key())
        .await
        .map_err(ApiError::db)?
        // Only this form's submissions: another form's (a complaint, a person's letter) is not
        // reached through this form's door.
        .filter(|row| row.form_id == form.id)
        .ok_or_else(not_found)?;
    let pdf = wants_pdf(&headers);
    let form = state
        .catalog
        .get(&row.form_id, &row.form_version)
        .ok_or_else(|| ApiError::internal("the submission's form version is gone"))?;
    // As its receipt shows it: what lies outside the rows (the income year) as given.
    let doc =
        crate::intake::receipt::shown_document(&state.store, form, &row, &state.uploads.tmp_dir)
            .await
            .map_err(ApiError::internal)?;
    // Only for the income year in the path.
    if !in_year(&doc.doc, &year) {
        return Err(not_found());
    }
    // The receipt has the transmission's id; the feedback its own, once it has come.
    if dokument == row.transmission_id {
        if pdf {
            let names = crate::intake::receipt::Names::of(&row, None);
            // In the language it was given in (an API delivery's is bokmål unless it said).
            let lang = Lang::parse(&row.lang).unwrap_or_default();
            let bytes = crate::intake::receipt::pdf(form, &row, &doc, lang, &names)
                .map_err(ApiError::internal)?;
            return Ok(pdf_response(bytes));
        }
        let body: Value = serde_json::from_str(&row.response).map_err(ApiError::internal)?;
        return Ok(Json(body).into_response());
    }
    let feedback: Feedback = row
        .feedback
        .as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .filter(|f: &Feedback| f.id == dokument)
        .ok_or_else(not_found)?;
    if pdf {
        return feedback_pdf(&row, &feedback).map(pdf_response);
    }
    Ok(Json(feedback).into_response())
}
