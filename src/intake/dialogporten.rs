//! Dialogporten, the inbox people and systems read in Altinn: the client of its service-owner API
//! that puts a submission there as a dialog with its transmissions.
//!
//! Every dialog and transmission carries an id the portal chose (a UUIDv7 stored with the
//! submission), and the same id is sent as its `idempotentKey`, so an outbox job that is delivered
//! twice creates nothing twice: Dialogporten answers the repeat with 409 Conflict, and the client
//! counts that as delivered once it has seen the dialog (or transmission) is really there.
//! Everything else is sorted into [`DeliveryError::Retryable`] (try again later) and
//! [`DeliveryError::Permanent`] (the request itself is wrong).
//!
//! The wire types are Dialogporten's JSON shapes, so the same client talks to the platform and to
//! the built-in stand-in (`dev::dialogporten`), which reads its requests with these types.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

pub use super::delivery::DeliveryError;
use crate::auth::altinn::{PartyId, urn};
use crate::form::{Lang, Text};

/// Path of the service-owner dialogs collection.
pub const DIALOGS_PATH: &str = "/api/v1/serviceowner/dialogs";

/// The Maskinporten scope a service owner's token needs for this API.
pub const SCOPE: &str = "digdir:dialogporten.serviceprovider";

/// Prefix of a service resource: `urn:altinn:resource:<resource id>`.
pub const RESOURCE_PREFIX: &str = "urn:altinn:resource:";

/// The media type of a JSON Patch document (RFC 6902).
pub const PATCH_MEDIA_TYPE: &str = "application/json-patch+json";

/// How long one call may take: an outbox worker must not hang on a slow platform.
const TIMEOUT: Duration = Duration::from_secs(10);

/// How much of an error body is kept for the log.
const BODY_START: usize = 300;

/// The service resource URN of an Altinn resource id.
pub fn resource_urn(resource_id: &str) -> String {
    format!("{RESOURCE_PREFIX}{resource_id}")
}

/// The party URN of one of our party keys: `org:<orgnr>` gives
/// `urn:altinn:organization:identifier-no:<orgnr>`, `person:<pid>` gives
/// `urn:altinn:person:identifier-no:<pid>`; anything else `None`.
pub fn party_urn(party_key: &str) -> Option<String> {
    Some(match PartyId::from_key(party_key)? {
        PartyId::Organisation(orgnr) => format!("{}:{orgnr}", urn::ORGANISATION),
        PartyId::Person(pid) => format!("{}:{pid}", urn::PERSON),
    })
}

/// Gives the bearer token for each call; the integrator supplies Maskinporten tokens with
/// [`SCOPE`], fetched and renewed as it sees fit.
#[async_trait]
pub trait TokenSource: Send + Sync {
    /// A token valid now.
    async fn token(&self) -> anyhow::Result<String>;
}

/// Always the same token: for tests and the built-in stand-in.
pub struct StaticToken(pub String);

#[async_trait]
impl TokenSource for StaticToken {
    async fn token(&self) -> anyhow::Result<String> {
        Ok(self.0.clone())
    }
}

impl fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StaticToken([REDACTED])")
    }
}

/// A text in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Localization {
    /// ISO 639-1 code: `nb`, `nn`, `en`.
    pub language_code: String,
    /// The text.
    pub value: String,
}

/// The three written languages of a [`Text`], missing translations filled with bokmål.
pub fn localizations(text: &Text) -> Vec<Localization> {
    Lang::ALL
        .iter()
        .map(|&lang| Localization {
            language_code: lang.code().to_owned(),
            value: text.get(lang).to_owned(),
        })
        .collect()
}

fn text_plain() -> String {
    "text/plain".to_owned()
}

/// A piece of content in several languages with its media type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentValue {
    /// The text per language.
    pub value: Vec<Localization>,
    /// `text/plain` for titles and summaries (the default when absent).
    #[serde(default = "text_plain")]
    pub media_type: String,
}

impl ContentValue {
    /// Plain text in bokmål, nynorsk and English.
    pub fn plain(text: &Text) -> Self {
        ContentValue {
            value: localizations(text),
            media_type: text_plain(),
        }
    }
}

/// The title and summary of a dialog or a transmission (the two have the same shape).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Content {
    /// The title.
    pub title: ContentValue,
    /// A short summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<ContentValue>,
}

/// A dialog's aggregated status, as a service owner may set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DialogStatus {
    /// Obsolete input, shown as in progress.
    New,
    /// Being worked on.
    InProgress,
    /// A draft.
    Draft,
    /// Obsolete input, shown as awaiting.
    Sent,
    /// The party must act.
    RequiresAttention,
    /// Done.
    Completed,
    /// No status applies.
    NotApplicable,
    /// Waiting for the service owner (e.g. a submission under processing).
    Awaiting,
}

impl DialogStatus {
    /// As written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            DialogStatus::New => "New",
            DialogStatus::InProgress => "InProgress",
            DialogStatus::Draft => "Draft",
            DialogStatus::Sent => "Sent",
            DialogStatus::RequiresAttention => "RequiresAttention",
            DialogStatus::Completed => "Completed",
            DialogStatus::NotApplicable => "NotApplicable",
            DialogStatus::Awaiting => "Awaiting",
        }
    }
}

/// One RFC 6902 JSON Patch operation: Dialogporten changes a dialog by `PATCH` with a list of
/// these (a `replace` of `/status`, say).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchOperation {
    /// `add`, `remove`, `replace`, `move`, `copy` or `test`.
    pub op: String,
    /// A JSON Pointer into the dialog, e.g. `/status`.
    pub path: String,
    /// The new value (`add`, `replace`, `test`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// Where from (`move`, `copy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

impl PatchOperation {
    /// Replaces the dialog's status.
    pub fn status(status: DialogStatus) -> Self {
        PatchOperation {
            op: "replace".into(),
            path: "/status".into(),
            value: Some(Value::String(status.as_str().into())),
            from: None,
        }
    }
}

/// What a transmission is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TransmissionType {
    /// Information from the service owner.
    Information,
    /// The service owner accepts what was submitted.
    Acceptance,
    /// The service owner rejects what was submitted.
    Rejection,
    /// The service owner asks for something.
    Request,
    /// A warning.
    Alert,
    /// A decision.
    Decision,
    /// The party submits.
    Submission,
    /// The party corrects an earlier submission.
    Correction,
}

impl TransmissionType {
    /// As written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            TransmissionType::Information => "Information",
            TransmissionType::Acceptance => "Acceptance",
            TransmissionType::Rejection => "Rejection",
            TransmissionType::Request => "Request",
            TransmissionType::Alert => "Alert",
            TransmissionType::Decision => "Decision",
            TransmissionType::Submission => "Submission",
            TransmissionType::Correction => "Correction",
        }
    }
}

/// Who an actor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActorType {
    /// Someone acting for the party.
    PartyRepresentative,
    /// The service owner (us).
    ServiceOwner,
}

/// The sender of a transmission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    /// Service owner or party representative.
    pub actor_type: ActorType,
    /// A name, when there is no identifier (e.g. a system user's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_name: Option<String>,
    /// The actor as a party URN (person or organisation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<String>,
}

impl Actor {
    /// The service owner, which needs no name: Dialogporten knows it from the token.
    pub fn service_owner() -> Self {
        Actor {
            actor_type: ActorType::ServiceOwner,
            actor_name: None,
            actor_id: None,
        }
    }

    /// A person acting for the party, by fødselsnummer.
    pub fn person(pid: &str) -> Self {
        Actor {
            actor_type: ActorType::PartyRepresentative,
            actor_name: None,
            actor_id: Some(format!("{}:{pid}", urn::PERSON)),
        }
    }

    /// A representative known only by name (e.g. an end-user system).
    pub fn named(name: &str) -> Self {
        Actor {
            actor_type: ActorType::PartyRepresentative,
            actor_name: Some(name.to_owned()),
            actor_id: None,
        }
    }
}

/// Who an attachment URL is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConsumerType {
    /// A person in a browser.
    Gui,
    /// A machine.
    Api,
}

/// One representation of an attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentUrl {
    /// Where it is fetched.
    pub url: String,
    /// Its media type, e.g. `application/pdf`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// For a browser or a machine.
    pub consumer_type: ConsumerType,
}

/// An attachment of a transmission (e.g. the receipt as PDF).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    /// Its name per language.
    pub display_name: Vec<Localization>,
    /// Its representations.
    pub urls: Vec<AttachmentUrl>,
}

/// A transmission to add to a dialog: a submission, or the service owner's answer to one.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewTransmission {
    /// Our id (UUIDv7), chosen once and kept, so a retry names the same transmission.
    pub id: Uuid,
    /// What it is.
    #[serde(rename = "type")]
    pub kind: TransmissionType,
    /// The transmission it answers (an acceptance names its submission).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related_transmission_id: Option<Uuid>,
    /// Who sent it.
    pub sender: Actor,
    /// Its title and summary.
    pub content: Content,
    /// Its attachments.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    /// Our reference (e.g. the receipt reference).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_reference: Option<String>,
}

/// A dialog to create: one submission's place in the party's inbox.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewDialog {
    /// Our id (UUIDv7), chosen once and kept, so a retry names the same dialog.
    pub id: Uuid,
    /// `urn:altinn:resource:<resource id>`, see [`resource_urn`].
    pub service_resource: String,
    /// Whose inbox, see [`party_urn`].
    pub party: String,
    /// Its status.
    pub status: DialogStatus,
    /// Its title and summary.
    pub content: Content,
    /// Our reference (the receipt reference).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_reference: Option<String>,
    /// Transmissions created with the dialog.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub transmissions: Vec<NewTransmission>,
}

/// A body with its `idempotentKey`, which is its id: Dialogporten answers a repeated key with 409.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Keyed<'a, T: Serialize> {
    #[serde(flatten)]
    body: &'a T,
    idempotent_key: String,
}

/// A delivery that went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivered {
    /// Created now.
    Created,
    /// It was there already (an earlier try got through).
    AlreadyCreated,
}

/// An answer other than success, sorted.
fn refused(status: StatusCode, body: &[u8]) -> DeliveryError {
    let start: String = String::from_utf8_lossy(body)
        .chars()
        .take(BODY_START)
        .collect();
    if status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::UNAUTHORIZED
    {
        DeliveryError::Retryable(format!("{status}: {start}"))
    } else {
        DeliveryError::Permanent {
            status: status.as_u16(),
            body: start,
        }
    }
}

fn unreachable(e: reqwest::Error) -> DeliveryError {
    // Timeouts, refused connections and broken bodies all pass; the request may be sent again.
    DeliveryError::Retryable(format!("Dialogporten could not be reached: {e}"))
}

/// The HTTP client of Dialogporten's service-owner API (or the built-in stand-in on the same
/// paths).
#[derive(Clone)]
pub struct DialogportenClient {
    base_url: String,
    http: reqwest::Client,
    tokens: Arc<dyn TokenSource>,
}

impl fmt::Debug for DialogportenClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DialogportenClient")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl DialogportenClient {
    /// A client for Dialogporten at `base_url` (e.g. `https://platform.tt02.altinn.no/dialogporten`,
    /// or the stand-in's `http://127.0.0.1:8080/dev/dialogporten`).
    pub fn new(
        base_url: impl Into<String>,
        http: reqwest::Client,
        tokens: Arc<dyn TokenSource>,
    ) -> Self {
        DialogportenClient {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            http,
            tokens,
        }
    }

    /// Creates the dialog (with any transmissions in it). A dialog that is there already counts
    /// as delivered.
    pub async fn create_dialog(&self, dialog: &NewDialog) -> Result<Delivered, DeliveryError> {
        let body = Keyed {
            body: dialog,
            idempotent_key: dialog.id.to_string(),
        };
        match self.post(DIALOGS_PATH, &body).await? {
            Posted::Created => Ok(Delivered::Created),
            // 409 also covers conflicts other than ours: believe it only when the dialog is there.
            Posted::Conflict(answer) => match self.get_dialog(dialog.id).await {
                Ok(_) => Ok(Delivered::AlreadyCreated),
                Err(DeliveryError::Permanent { status: 404, .. }) => Err(DeliveryError::Retryable(
                    format!("409 but no dialog {}: {answer}", dialog.id),
                )),
                Err(e) => Err(e),
            },
        }
    }

    /// Adds a transmission to the dialog `dialog_id`. A transmission that is there already counts
    /// as delivered.
    pub async fn create_transmission(
        &self,
        dialog_id: Uuid,
        transmission: &NewTransmission,
    ) -> Result<Delivered, DeliveryError> {
        let body = Keyed {
            body: transmission,
            idempotent_key: transmission.id.to_string(),
        };
        let path = format!("{DIALOGS_PATH}/{dialog_id}/transmissions");
        match self.post(&path, &body).await? {
            Posted::Created => Ok(Delivered::Created),
            Posted::Conflict(answer) => {
                let dialog = self.get_dialog(dialog_id).await?;
                if has_transmission(&dialog, transmission.id) {
                    Ok(Delivered::AlreadyCreated)
                } else {
                    Err(DeliveryError::Retryable(format!(
                        "409 but no transmission {} in dialog {dialog_id}: {answer}",
                        transmission.id
                    )))
                }
            }
        }
    }

    /// Sets the dialog's status, by `PATCH` with a JSON Patch that replaces `/status`. Setting the
    /// status it has already changes nothing, so a repeated delivery is harmless.
    pub async fn set_status(
        &self,
        dialog_id: Uuid,
        status: DialogStatus,
    ) -> Result<(), DeliveryError> {
        let url = format!("{}{DIALOGS_PATH}/{dialog_id}", self.base_url);
        let body = serde_json::to_vec(&[PatchOperation::status(status)])
            .map_err(|e| DeliveryError::Unusable(e.to_string()))?;
        let request = self
            .http
            .patch(url)
            .header(reqwest::header::CONTENT_TYPE, PATCH_MEDIA_TYPE)
            .body(body);
        let (code, bytes) = self.send(request).await?;
        if code.is_success() {
            Ok(())
        } else {
            Err(refused(code, &bytes))
        }
    }

    /// The dialog as Dialogporten holds it, with its transmissions.
    pub async fn get_dialog(&self, id: Uuid) -> Result<Value, DeliveryError> {
        let url = format!("{}{DIALOGS_PATH}/{id}", self.base_url);
        let (status, bytes) = self.send(self.http.get(url)).await?;
        if !status.is_success() {
            return Err(refused(status, &bytes));
        }
        serde_json::from_slice(&bytes).map_err(|e| {
            DeliveryError::Retryable(format!("the dialog came in an unexpected shape: {e}"))
        })
    }

    async fn post<B: Serialize>(&self, path: &str, body: &B) -> Result<Posted, DeliveryError> {
        let url = format!("{}{path}", self.base_url);
        let (status, bytes) = self.send(self.http.post(url).json(body)).await?;
        if status.is_success() {
            Ok(Posted::Created)
        } else if status == StatusCode::CONFLICT {
            let start = String::from_utf8_lossy(&bytes)
                .chars()
                .take(BODY_START)
                .collect();
            Ok(Posted::Conflict(start))
        } else {
            Err(refused(status, &bytes))
        }
    }

    /// Sends with a fresh token and the time limit; the status and the body.
    async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<(StatusCode, Vec<u8>), DeliveryError> {
        let token = self
            .tokens
            .token()
            .await
            .map_err(|e| DeliveryError::Retryable(format!("no Maskinporten token: {e:#}")))?;
        let resp = request
            .timeout(TIMEOUT)
            .bearer_auth(token)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(unreachable)?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(unreachable)?;
        Ok((status, bytes.to_vec()))
    }
}

/// What a create call answered, before a conflict is looked into.
enum Posted {
    Created,
    /// 409, with the start of the answer.
    Conflict(String),
}

fn has_transmission(dialog: &Value, id: Uuid) -> bool {
    let id = id.to_string();
    dialog["transmissions"].as_array().is_some_and(|list| {
        list.iter().any(|t| {
            t["id"]
                .as_str()
                .is_some_and(|x| x.eq_ignore_ascii_case(&id))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(nb: &str, nn: Option<&str>, en: Option<&str>) -> Text {
        Text {
            nb: nb.into(),
            nn: nn.map(Into::into),
            en: en.map(Into::into),
        }
    }

    #[test]
    fn party_keys_become_altinn_urns() {
        assert_eq!(
            party_urn("org:819897522").as_deref(),
            Some("urn:altinn:organization:identifier-no:819897522")
        );
        assert_eq!(
            party_urn("person:12837810092").as_deref(),
            Some("urn:altinn:person:identifier-no:12837810092")
        );
        for bad in [
            "819897522",
            "org:81989752",
            "person:1283781009x",
            "systemuser:x",
            "",
        ] {
            assert_eq!(party_urn(bad), None, "{bad}");
        }
        assert_eq!(
            resource_urn("ske-innrapportering-boligsameie"),
            "urn:altinn:resource:ske-innrapportering-boligsameie"
        );
    }

    #[test]
    fn a_dialog_has_the_reference_shape_and_its_id_as_idempotent_key() {
        let id = Uuid::parse_str("01913cd5-784f-7d3b-abef-4c77b1f0972d").unwrap();
        let sub = Uuid::parse_str("01913cd5-784f-7d3b-abef-4c77b1f0972e").unwrap();
        let dialog = NewDialog {
            id,
            service_resource: resource_urn("ske-innrapportering-boligsameie"),
            party: party_urn("org:819897522").unwrap(),
            status: DialogStatus::Awaiting,
            content: Content {
                title: ContentValue::plain(&text("Boligsameie", None, Some("Co-ownership"))),
                summary: None,
            },
            external_reference: Some("TS-ABCD-EFGH".into()),
            transmissions: vec![NewTransmission {
                id: sub,
                kind: TransmissionType::Submission,
                related_transmission_id: None,
                sender: Actor::person("12837810092"),
                content: Content {
                    title: ContentValue::plain(&text("Innsendt", Some("Sendt inn"), None)),
                    summary: None,
                },
                attachments: vec![Attachment {
                    display_name: localizations(&text("Kvittering", None, Some("Receipt"))),
                    urls: vec![AttachmentUrl {
                        url: "https://tasteskjema.example/kvittering/1.pdf".into(),
                        media_type: Some("application/pdf".into()),
                        consumer_type: ConsumerType::Gui,
                    }],
                }],
                external_reference: None,
            }],
        };
        let wire = serde_json::to_value(Keyed {
            body: &dialog,
            idempotent_key: id.to_string(),
        })
        .unwrap();
        assert_eq!(
            wire,
            json!({
                "id": "01913cd5-784f-7d3b-abef-4c77b1f0972d",
                "serviceResource": "urn:altinn:resource:ske-innrapportering-boligsameie",
                "party": "urn:altinn:organization:identifier-no:819897522",
                "status": "Awaiting",
                "content": { "title": { "value": [
                    { "languageCode": "nb", "value": "Boligsameie" },
                    { "languageCode": "nn", "value": "Boligsameie" },
                    { "languageCode": "en", "value": "Co-ownership" }
                ], "mediaType": "text/plain" } },
                "externalReference": "TS-ABCD-EFGH",
                "transmissions": [{
                    "id": "01913cd5-784f-7d3b-abef-4c77b1f0972e",
                    "type": "Submission",
                    "sender": {
                        "actorType": "PartyRepresentative",
                        "actorId": "urn:altinn:person:identifier-no:12837810092"
                    },
                    "content": { "title": { "value": [
                        { "languageCode": "nb", "value": "Innsendt" },
                        { "languageCode": "nn", "value": "Sendt inn" },
                        { "languageCode": "en", "value": "Innsendt" }
                    ], "mediaType": "text/plain" } },
                    "attachments": [{
                        "displayName": [
                            { "languageCode": "nb", "value": "Kvittering" },
                            { "languageCode": "nn", "value": "Kvittering" },
                            { "languageCode": "en", "value": "Receipt" }
                        ],
                        "urls": [{
                            "url": "https://tasteskjema.example/kvittering/1.pdf",
                            "mediaType": "application/pdf",
                            "consumerType": "Gui"
                        }]
                    }]
                }],
                "idempotentKey": "01913cd5-784f-7d3b-abef-4c77b1f0972d"
            })
        );
    }

    #[test]
    fn a_status_change_is_a_json_patch_replacing_status() {
        let wire = serde_json::to_value([PatchOperation::status(DialogStatus::Completed)]).unwrap();
        assert_eq!(
            wire,
            json!([{ "op": "replace", "path": "/status", "value": "Completed" }])
        );
    }

    #[test]
    fn answers_are_sorted_into_retryable_and_permanent() {
        for status in [500, 502, 503, 504, 408, 429, 401] {
            let s = StatusCode::from_u16(status).unwrap();
            assert!(refused(s, b"busy").is_retryable(), "{status}");
        }
        for status in [400, 403, 404, 410, 412, 422] {
            let s = StatusCode::from_u16(status).unwrap();
            assert!(!refused(s, b"no").is_retryable(), "{status}");
        }
        let long = "x".repeat(5000);
        match refused(StatusCode::BAD_REQUEST, long.as_bytes()) {
            DeliveryError::Permanent { status, body } => {
                assert_eq!(status, 400);
                assert_eq!(body.len(), BODY_START);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_static_token_stays_out_of_debug_output() {
        let t = StaticToken("secret-token".into());
        assert!(!format!("{t:?}").contains("secret"));
    }
}
