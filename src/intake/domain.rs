//! The domain systems behind each service area: they receive every submission, check it by their
//! own rules and answer later with feedback (*tilbakemelding*). One HTTP adapter per area speaks
//! their intake protocol:
//!
//! - `PUT {base}/{area}/innsendinger/{id}/vedlegg/{sha256}` with each attached file's bytes
//!   (`Content-Type` the type found from its content), before the submission: the receiver checks
//!   the SHA-256 and keeps the file under it;
//! - `POST {base}/{area}/innsendinger` with the submission (its id makes a repeat harmless); its
//!   document describes each file (`filnavn`, `mediatype`, `storrelse`, `sha256`), and the
//!   receiver refuses it (409) while a described file has not arrived;
//! - `GET {base}/{area}/innsendinger/{id}/tilbakemelding`: 202 while it is being processed, then
//!   200 with `{id, innsendingId, status: "godkjent" | "avvist", meldinger: [{kode, melding, sti}],
//!   vedtak?}`, where `vedtak` is what an accepted submission decided, when it decides something:
//!   `{tittel, opplysninger: [{navn, verdi}], kid?, belop?, frist?, dokumenter?}` (a deadline
//!   granted, an assessment to pay with its KID, a certificate issued);
//! - `GET {base}/{area}/innsendinger/{id}/dokumenter/{dokumentId}`: the bytes of a document the
//!   decision lists in `dokumenter: [{id, filnavn, mediatype, storrelse, sha256}]`. The portal
//!   fetches each once, checks its size and SHA-256, and keeps it beside the submission.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::delivery::DeliveryError;
use crate::store::{SubmissionRow, SubmissionStatus};

/// How one call may take at most.
const TIMEOUT: Duration = Duration::from_secs(10);

/// One message of feedback, at a path of the document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Melding {
    /// A code of the domain system.
    pub kode: String,
    /// What it says, in Norwegian.
    pub melding: String,
    /// The path of the field it concerns, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sti: Option<String>,
}

/// The domain system's feedback on a submission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Feedback {
    /// The feedback document's id (the API's `dokumentId`).
    pub id: String,
    /// The submission it answers.
    pub innsending_id: String,
    /// `godkjent` or `avvist`.
    pub status: String,
    /// What it says.
    #[serde(default)]
    pub meldinger: Vec<Melding>,
    /// What an accepted submission decided, when it decides something.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vedtak: Option<Vedtak>,
    /// The id of the inbox transmission that carries it (chosen by the portal when the feedback
    /// is stored, so that a repeated delivery is the same transmission).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transmission_id: Option<String>,
}

/// A decision a domain system made on a submission: a deadline granted, an amount to pay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Vedtak {
    /// What it is, in Norwegian, e.g. «Utsatt frist er innvilget».
    pub tittel: String,
    /// Its facts, in Norwegian.
    #[serde(default)]
    pub opplysninger: Vec<Opplysning>,
    /// The KID to pay with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// The amount to pay, in kroner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub belop: Option<i64>,
    /// A date it sets (`YYYY-MM-DD`), e.g. a new deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frist: Option<String>,
    /// Documents it issued, such as a certificate, to fetch from the domain system.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dokumenter: Vec<Dokument>,
}

/// A document a decision issued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dokument {
    /// Its id at the domain system: letters, digits and `-`, at most 64.
    pub id: String,
    /// Its file name, e.g. `attest-skatt-og-merverdiavgift.pdf`.
    pub filnavn: String,
    /// Its media type.
    pub mediatype: String,
    /// Its size in bytes.
    pub storrelse: i64,
    /// Its SHA-256, hex.
    pub sha256: String,
}

/// The largest document a decision may issue.
pub const MAX_DOCUMENT: i64 = 20 * 1024 * 1024;

impl Dokument {
    /// Whether it can be fetched and kept as described: a plain id, a size within bounds and a
    /// SHA-256 in hex.
    pub fn well_formed(&self) -> bool {
        (1..=64).contains(&self.id.len())
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && (1..=MAX_DOCUMENT).contains(&self.storrelse)
            && self.sha256.len() == 64
            && self.sha256.bytes().all(|b| b.is_ascii_hexdigit())
            && !self.filnavn.trim().is_empty()
            && self.filnavn.chars().count() <= 200
    }
}

/// One fact of a decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opplysning {
    /// What it is.
    pub navn: String,
    /// Its value, written out.
    pub verdi: String,
}

impl Vedtak {
    /// Its facts as label and value, with the amount, the KID and the date it sets written out.
    pub fn lines(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .opplysninger
            .iter()
            .map(|o| (o.navn.clone(), o.verdi.clone()))
            .collect();
        if let Some(b) = self.belop {
            out.push((
                "Å betale".to_owned(),
                crate::form::input::display(
                    &crate::form::FieldKind::Amount,
                    Some(&Value::from(b)),
                    crate::form::Lang::Nb,
                ),
            ));
        }
        if let Some(k) = &self.kid {
            out.push(("KID".to_owned(), k.clone()));
        }
        out
    }

    /// In one sentence, for an inbox: the title, then the facts.
    pub fn summary(&self) -> String {
        let facts: Vec<String> = self
            .lines()
            .into_iter()
            .map(|(l, v)| format!("{l}: {v}"))
            .collect();
        if facts.is_empty() {
            format!("{}.", self.tittel)
        } else {
            format!("{}. {}.", self.tittel, facts.join(". "))
        }
    }
}

impl Feedback {
    /// The submission status it gives.
    pub fn submission_status(&self) -> SubmissionStatus {
        if self.status == "godkjent" {
            SubmissionStatus::Accepted
        } else {
            SubmissionStatus::Rejected
        }
    }
}

/// What a poll for feedback found.
#[derive(Debug, Clone)]
pub enum Poll {
    /// Not ready yet.
    Pending,
    /// Ready.
    Ready(Box<Feedback>),
}

/// The HTTP adapter of the domain systems, at `base` (one path per area below it).
#[derive(Debug, Clone)]
pub struct DomainClient {
    base: String,
    http: reqwest::Client,
}

fn classify(e: reqwest::Error) -> DeliveryError {
    DeliveryError::Retryable(format!("the domain system did not answer: {e}"))
}

async fn refused(resp: reqwest::Response) -> DeliveryError {
    let status = resp.status();
    let body: String = resp
        .text()
        .await
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect();
    if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
        DeliveryError::Retryable(format!("the domain system answered {status}: {body}"))
    } else {
        DeliveryError::Permanent {
            status: status.as_u16(),
            body,
        }
    }
}

/// A submission as the domain system receives it.
#[derive(serde::Serialize)]
struct Innsending<'a> {
    id: &'a str,
    referanse: &'a str,
    skjema: &'a str,
    skjemaversjon: &'a str,
    part: &'a str,
    partnavn: Option<&'a str>,
    innsender: &'a str,
    kanal: &'a str,
    sha256: &'a str,
    mottatt: i64,
    /// Last, so that a document stored in pieces can follow the rest as they are read.
    #[serde(skip_serializing_if = "Option::is_none")]
    dokument: Option<&'a serde_json::value::RawValue>,
}

/// The envelope `head` (all but the document, as JSON) with the document stored in pieces as
/// its last member, read one piece at a time: at most two pieces are held while it is sent.
async fn pieced(
    head: String,
    id: String,
    store: crate::store::Store,
) -> Result<reqwest::Body, DeliveryError> {
    use axum::body::Bytes;
    let database = |e: sqlx::Error| DeliveryError::Retryable(format!("database: {e}"));
    let first = store
        .piece(&id, 0)
        .await
        .map_err(database)?
        .ok_or_else(|| DeliveryError::Unusable("a submission without a document".into()))?;
    let Some(open) = head.strip_suffix('}') else {
        return Err(DeliveryError::Unusable("an envelope not an object".into()));
    };
    let comma = if open.ends_with('{') { "" } else { "," };
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(2);
    let head = Bytes::from(format!("{open}{comma}\"dokument\":"));
    tokio::spawn(async move {
        let mut next = Some(first);
        let mut seq = 1;
        if tx.send(Ok(head)).await.is_err() {
            return;
        }
        while let Some(piece) = next.take() {
            if tx.send(Ok(Bytes::from(piece))).await.is_err() {
                return;
            }
            match store.piece(&id, seq).await {
                Ok(p) => next = p,
                Err(e) => {
                    // The body ends in an error: the request fails and is tried again.
                    let _ = tx.send(Err(std::io::Error::other(e))).await;
                    return;
                }
            }
            seq += 1;
        }
        let _ = tx.send(Ok(Bytes::from_static(b"}"))).await;
    });
    Ok(queued(rx))
}

/// A request body of the pieces sent into `rx`, in order, until its sender is dropped.
fn queued(
    rx: tokio::sync::mpsc::Receiver<Result<axum::body::Bytes, std::io::Error>>,
) -> reqwest::Body {
    reqwest::Body::wrap_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|piece| (piece, rx))
    }))
}

impl DomainClient {
    /// The adapter for the domain systems at `base` (e.g. `{public}/dev/domene`).
    pub fn new(base: impl Into<String>, http: reqwest::Client) -> DomainClient {
        DomainClient {
            base: base.into().trim_end_matches('/').to_owned(),
            http,
        }
    }

    /// Delivers a submission, read as stored ([`Store::submission_to_deliver`]), to its area's
    /// domain system. A document stored in pieces is sent piece by piece as they are read from
    /// `store`, never held whole.
    ///
    /// [`Store::submission_to_deliver`]: crate::store::Store::submission_to_deliver
    pub async fn deliver(
        &self,
        area: &str,
        s: &SubmissionRow,
        store: &crate::store::Store,
    ) -> Result<(), DeliveryError> {
        // Sent as stored, not read into a tree: a bank's delivery is large.
        let document: Option<&serde_json::value::RawValue> = if s.document.is_empty() {
            None
        } else {
            Some(
                serde_json::from_str(&s.document)
                    .map_err(|e| DeliveryError::Unusable(format!("stored document: {e}")))?,
            )
        };
        let body = Innsending {
            id: &s.id,
            referanse: &s.reference,
            skjema: &s.form_id,
            skjemaversjon: &s.form_version,
            part: &s.party,
            partnavn: s.party_name.as_deref(),
            innsender: &s.submitter,
            kanal: &s.channel,
            sha256: &s.sha256,
            mottatt: s.created_at,
            dokument: document,
        };
        let request = self
            .http
            .post(format!("{}/{area}/innsendinger", self.base))
            .timeout(TIMEOUT);
        let request = if document.is_some() {
            request.json(&body)
        } else {
            let head = serde_json::to_string(&body)
                .map_err(|e| DeliveryError::Unusable(format!("envelope: {e}")))?;
            request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(pieced(head, s.id.clone(), store.clone()).await?)
        };
        let resp = request.send().await.map_err(classify)?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(refused(resp).await)
        }
    }

    /// Sends one attached file of a submission, streamed.
    pub async fn put_attachment<S>(
        &self,
        area: &str,
        submission: &str,
        file: &crate::store::AttachmentRow,
        bytes: S,
    ) -> Result<(), DeliveryError>
    where
        S: futures_util::Stream<Item = Result<axum::body::Bytes, std::io::Error>> + Send + 'static,
    {
        // The HTTP client wants a body it can share between threads; the store's reader is not,
        // so pieces are handed over through a short queue (two pieces in flight at most).
        let (tx, rx) = tokio::sync::mpsc::channel(2);
        tokio::spawn(async move {
            use futures_util::StreamExt;
            let mut bytes = std::pin::pin!(bytes);
            while let Some(piece) = bytes.next().await {
                if tx.send(piece).await.is_err() {
                    break;
                }
            }
        });
        let resp = self
            .http
            .put(format!(
                "{}/{area}/innsendinger/{submission}/vedlegg/{}",
                self.base, file.sha256
            ))
            // Large files take longer than a document.
            .timeout(TIMEOUT * 12)
            .header(reqwest::header::CONTENT_TYPE, &file.media_type)
            .header(reqwest::header::CONTENT_LENGTH, file.size)
            .body(queued(rx))
            .send()
            .await
            .map_err(classify)?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(refused(resp).await)
        }
    }

    /// Fetches a document a decision issued, and checks it is the one described: its size and
    /// SHA-256.
    pub async fn document(
        &self,
        area: &str,
        submission: &str,
        doc: &Dokument,
    ) -> Result<Vec<u8>, DeliveryError> {
        use sha2::{Digest, Sha256};
        if !doc.well_formed() {
            return Err(DeliveryError::Unusable(format!(
                "a document described in an unknown shape: {}",
                doc.id.chars().take(80).collect::<String>()
            )));
        }
        let mut resp = self
            .http
            .get(format!(
                "{}/{area}/innsendinger/{submission}/dokumenter/{}",
                self.base, doc.id
            ))
            .timeout(TIMEOUT * 3)
            .send()
            .await
            .map_err(classify)?;
        if !resp.status().is_success() {
            return Err(refused(resp).await);
        }
        let mut bytes = Vec::with_capacity(doc.storrelse as usize);
        while let Some(piece) = resp.chunk().await.map_err(classify)? {
            if (bytes.len() + piece.len()) as i64 > doc.storrelse {
                return Err(DeliveryError::Unusable(format!(
                    "document {} is larger than the {} bytes described",
                    doc.id, doc.storrelse
                )));
            }
            bytes.extend_from_slice(&piece);
        }
        if bytes.len() as i64 != doc.storrelse
            || hex::encode(Sha256::digest(&bytes)) != doc.sha256.to_ascii_lowercase()
        {
            // Cut short or changed on the way: ask again.
            return Err(DeliveryError::Retryable(format!(
                "document {} is not the one described (size or SHA-256)",
                doc.id
            )));
        }
        Ok(bytes)
    }

    /// Asks for the feedback on a submission.
    pub async fn feedback(&self, area: &str, id: &str) -> Result<Poll, DeliveryError> {
        let resp = self
            .http
            .get(format!(
                "{}/{area}/innsendinger/{id}/tilbakemelding",
                self.base
            ))
            .timeout(TIMEOUT)
            .send()
            .await
            .map_err(classify)?;
        match resp.status().as_u16() {
            200 => resp
                .json::<Feedback>()
                .await
                .map(|f| Poll::Ready(Box::new(f)))
                .map_err(|e| DeliveryError::Unusable(format!("feedback in an unknown shape: {e}"))),
            202 => Ok(Poll::Pending),
            // The domain system does not know the submission yet (it may register a delivery
            // after answering it, or this node asked another instance that has not caught up):
            // not a refusal, so asked again with backoff, and parked only if it never appears.
            404 => Err(DeliveryError::Retryable(format!(
                "the domain system has no feedback on {id} yet (404)"
            ))),
            _ => Err(refused(resp).await),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Dokument;

    #[test]
    fn a_document_is_fetched_only_when_described_plainly() {
        let good = Dokument {
            id: "attest-skatt-mva".into(),
            filnavn: "attest.pdf".into(),
            mediatype: "application/pdf".into(),
            storrelse: 1234,
            sha256: "a".repeat(64),
        };
        assert!(good.well_formed());
        let bad = |change: fn(&mut Dokument)| {
            let mut d = good.clone();
            change(&mut d);
            !d.well_formed()
        };
        assert!(bad(|d| d.id = "../../etc/passwd".into()));
        assert!(bad(|d| d.id = "a/b".into()));
        assert!(bad(|d| d.id = String::new()));
        assert!(bad(|d| d.id = "x".repeat(65)));
        assert!(bad(|d| d.storrelse = 0));
        assert!(bad(|d| d.storrelse = super::MAX_DOCUMENT + 1));
        assert!(bad(|d| d.sha256 = "z".repeat(64)));
        assert!(bad(|d| d.filnavn = "  ".into()));
    }
}
