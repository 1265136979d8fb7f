//! Taking a file put by SFTP: read one row at a time like the API's body, its income year
//! checked against its folder, submitted through the one intake (channel `sftp`, the
//! organisation itself as submitter, the file's hash as key), and answered in `kvittering/`
//! with the `Leveransebekreftelse` or the `Feil` the API would have given.

use axum::body::Bytes;
use russh_sftp::protocol::StatusCode;
use russh_sftp::server::StatusReply;
use serde_json::Value;

use super::SftpState;
use super::files::Upload;
use super::ssh::Login;
use crate::auth::altinn::{PartyId, Subject};
use crate::form::Lang;
use crate::form::validate::FieldError;
use crate::intake::ar;
use crate::intake::feil::{self, Feil, Feilspesifisering};
use crate::intake::file::{Content, Unreadable};
use crate::intake::spool::Mapped;
use crate::intake::{self, Channel, SubmitError};
use crate::store::SftpFile;

/// Tried again later by the client: nothing was taken.
fn not_now(e: impl std::fmt::Display) -> StatusReply {
    tracing::error!(error = %e, "SFTP: a file could not be taken");
    StatusCode::Failure.with_message("not taken: the service failed; put the file again later")
}

fn feil(
    kode: &'static str,
    melding: &str,
    rid: &str,
    spesifisering: Vec<Feilspesifisering>,
) -> Value {
    serde_json::to_value(Feil {
        kode,
        melding: melding.to_owned(),
        korrelasjonsid: rid.to_owned(),
        spesifisering,
    })
    .unwrap_or(Value::Null)
}

/// The answer to a submission: its response and id, or the `Feil` that refuses it (errors in the
/// content placed by `details`).
fn answered(
    state: &SftpState,
    outcome: Result<intake::Outcome, SubmitError>,
    rid: &str,
    details: impl FnOnce(&[FieldError]) -> Vec<Feilspesifisering>,
) -> Result<(Value, Option<String>), StatusReply> {
    Ok(match outcome {
        Ok(intake::Outcome::New(r)) => {
            if let Some(outbox) = &state.outbox {
                outbox.wake();
            }
            (r.response, Some(r.id))
        }
        Ok(intake::Outcome::Repeat(r)) => (r.response, Some(r.id)),
        Err(SubmitError::Invalid(errors)) => {
            let (kode, melding) = feil::CONTENT;
            (feil(kode, melding, rid, details(&errors)), None)
        }
        Err(SubmitError::Forbidden) => {
            let m = "Virksomheten har ikke tilgang til å levere dette.";
            (feil("GLD_005", m, rid, vec![]), None)
        }
        Err(SubmitError::KeyReused) => {
            let m = "Filen er levert før med et annet innhold.";
            (feil("GLD_019", m, rid, vec![]), None)
        }
        Err(e) => return Err(not_now(e)),
    })
}

/// Takes a closed file of the login's organisation; its answer is in `kvittering/` when this
/// returns `Ok`.
pub(super) async fn take(state: &SftpState, login: &Login, up: Upload) -> Result<(), StatusReply> {
    let (org, key_name) = (login.orgnr.as_str(), login.key.as_str());
    let started = std::time::Instant::now();
    // The spool file is read where it lies (mapped), not into memory: only the part being read
    // is in memory at a time. Past `up.size` is nothing the client wrote.
    let file = up.file.into_std().await;
    file.set_len(up.size).map_err(not_now)?;
    let (body, sha256) = tokio::task::spawn_blocking(move || {
        let body = Mapped::of(&file)?;
        let sha256 = body.sha256_hex();
        std::io::Result::Ok((body, sha256))
    })
    .await
    .map_err(not_now)?
    .map_err(not_now)?;
    let size = body.as_ref().len() as i64;
    let form = state
        .catalog
        .latest(&up.form_id)
        .ok_or_else(|| not_now("the scheme's form is gone"))?
        .clone();
    let party = PartyId::Organisation(org.to_owned());
    let ctx = intake::context(Some(&party));
    // The id a caseworker finds the file by in the logs, given as `korrelasjonsid`.
    let rid = uuid::Uuid::new_v4().to_string();
    let submitter = Subject::Organisation(org.to_owned());
    // A file that was read is submitted with the organisation's name for its receipt.
    let deliver = |content| {
        let (submitter, party, ctx, form, rid, sha256) =
            (&submitter, &party, &ctx, &form, &rid, &sha256);
        async move {
            let name = match state.authz.party_name(party).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "SFTP: no name for the receipt");
                    None
                }
            };
            let from = intake::file::Sender {
                party,
                submitter,
                names: (name.as_deref(), Some(key_name)),
                channel: Channel::Sftp,
                lang: Lang::Nb,
                context: ctx,
            };
            intake::file::submit(
                &state.store,
                &state.authz,
                form,
                &from,
                content,
                sha256,
                rid,
            )
            .await
        }
    };
    let (kode, melding) = feil::CONTENT;
    let (answer, submission) = if intake::file::is_ar(&form) {
        let year = up.year;
        let body = Bytes::from_owner(body);
        let read = tokio::task::spawn_blocking(move || ar::file::read(body, Some(year)))
            .await
            .map_err(not_now)?;
        match read {
            Err(faults) => {
                let details = faults.iter().map(ar::file::Fault::detail).collect();
                (feil(kode, melding, &rid, details), None)
            }
            Ok(d) => {
                let outcome = deliver(Content::Ar(&d)).await;
                answered(state, outcome, &rid, |errors| d.details(errors))?
            }
        }
    } else {
        let read = intake::file::read(form.clone(), body, ctx.clone(), state.spool.clone())
            .await
            .map_err(not_now)?;
        match read {
            Err(Unreadable::NotJson { line, column }) => {
                let detail = Feilspesifisering {
                    kode: "json".into(),
                    melding: format!("linje {line}, kolonne {column}"),
                    sti: None,
                    angitt_verdi: None,
                };
                let f = feil("GLD_008", "Filen er ikke gyldig JSON.", &rid, vec![detail]);
                (f, None)
            }
            Err(Unreadable::NotObject) => {
                let f = feil("GLD_008", "Meldingen må være et JSON-objekt.", &rid, vec![]);
                (f, None)
            }
            Ok(read) => {
                let wrong = feil::wrong_years(&read.envelope, up.year);
                if wrong.is_empty() {
                    let outcome = deliver(Content::Gld(&read)).await;
                    answered(state, outcome, &rid, |errors| feil::details(errors, &read))?
                } else {
                    (feil(kode, melding, &rid, wrong), None)
                }
            }
        }
    };
    let accepted = submission.is_some();
    let text = serde_json::to_string_pretty(&answer).map_err(not_now)?;
    state
        .store
        .put_sftp_file(&SftpFile {
            orgnr: org.to_owned(),
            name: up.name.clone(),
            folder: format!("innsending/{}/{}", up.scheme, up.year),
            sha256,
            size,
            accepted,
            answer_size: text.len() as i64,
            answer: text,
            submission_id: submission,
            taken_at: crate::clock::now_ms(),
            feedback: None,
        })
        .await
        .map_err(not_now)?;
    tracing::info!(
        orgnr = org,
        scheme = %up.scheme,
        year = up.year,
        bytes = size,
        accepted,
        korrelasjonsid = %rid,
        ms = started.elapsed().as_millis() as u64,
        "SFTP: file taken"
    );
    Ok(())
}
