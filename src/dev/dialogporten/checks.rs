//! The checks a creation request passes before it is stored, as Dialogporten makes them: ids,
//! keys, lengths, languages, party URNs, senders and links, each problem named by its field.

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;
use uuid::Uuid;

use crate::auth::altinn::urn;
use crate::form::no::{Fodselsnummer, Orgnr};
use crate::intake::dialogporten::{
    Actor, ActorType, Attachment, Content, ContentValue, DialogStatus, Localization,
    PatchOperation, RESOURCE_PREFIX, TransmissionType,
};

/// Longest title or summary, as in Dialogporten.
const MAX_TEXT: usize = 255;
/// Longest idempotent key, as in Dialogporten.
const MAX_KEY: usize = 36;

/// Title and summary as they arrive.
#[derive(Deserialize)]
struct ContentRequest {
    title: Option<ContentValue>,
    summary: Option<ContentValue>,
}

/// A create-dialog body as it arrives; the stand-in keeps the fields the portal uses.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DialogRequest {
    id: Option<Uuid>,
    idempotent_key: Option<String>,
    service_resource: Option<String>,
    party: Option<String>,
    status: Option<DialogStatus>,
    content: Option<ContentRequest>,
    external_reference: Option<String>,
    transmissions: Option<Vec<TransmissionRequest>>,
}

/// A create-transmission body as it arrives.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TransmissionRequest {
    id: Option<Uuid>,
    idempotent_key: Option<String>,
    #[serde(rename = "type")]
    kind: Option<TransmissionType>,
    related_transmission_id: Option<Uuid>,
    sender: Option<Actor>,
    content: Option<ContentRequest>,
    attachments: Option<Vec<Attachment>>,
    external_reference: Option<String>,
}

/// A dialog that passed the checks.
pub(super) struct CheckedDialog {
    pub(super) id: Uuid,
    pub(super) idempotent_key: Option<String>,
    pub(super) service_resource: String,
    pub(super) party: String,
    pub(super) status: &'static str,
    pub(super) content: Content,
    pub(super) external_reference: Option<String>,
    pub(super) transmissions: Vec<CheckedTransmission>,
}

/// A transmission that passed the checks.
pub(super) struct CheckedTransmission {
    pub(super) id: Uuid,
    pub(super) idempotent_key: Option<String>,
    pub(super) kind: TransmissionType,
    pub(super) related: Option<Uuid>,
    pub(super) sender: Actor,
    pub(super) content: Content,
    pub(super) attachments: Vec<Attachment>,
    pub(super) external_reference: Option<String>,
}

/// Problems found, by the path of the field (`party`, `transmissions[0].sender`).
#[derive(Default)]
pub(super) struct Problems(pub(super) BTreeMap<String, Vec<String>>);

impl Problems {
    fn add(&mut self, path: &str, message: impl Into<String>) {
        self.0
            .entry(path.to_owned())
            .or_default()
            .push(message.into());
    }

    fn required<T>(&mut self, path: &str, value: Option<T>) -> Option<T> {
        if value.is_none() {
            self.add(path, "is required");
        }
        value
    }
}

/// True for `urn:altinn:organization:identifier-no:<valid orgnr>` and
/// `urn:altinn:person:identifier-no:<valid fødselsnummer>`.
fn is_party_urn(s: &str) -> bool {
    let digits = |v: &str, n: usize| v.len() == n && v.bytes().all(|b| b.is_ascii_digit());
    if let Some(orgnr) = s
        .strip_prefix(urn::ORGANISATION)
        .and_then(|r| r.strip_prefix(':'))
    {
        digits(orgnr, 9) && Orgnr::parse(orgnr).is_ok()
    } else if let Some(pid) = s
        .strip_prefix(urn::PERSON)
        .and_then(|r| r.strip_prefix(':'))
    {
        digits(pid, 11) && Fodselsnummer::parse(pid).is_ok()
    } else {
        false
    }
}

fn check_id(p: &mut Problems, path: &str, id: Option<Uuid>) -> Uuid {
    let Some(id) = id else {
        return Uuid::now_v7();
    };
    if id.get_version_num() != 7 {
        p.add(path, "must be a UUIDv7");
    } else if let Some(ts) = id.get_timestamp() {
        let now = crate::clock::now_s();
        // A little clock skew is forgiven; an id from the future is not.
        if ts.to_unix().0 as i64 > now + 60 {
            p.add(path, "must not lie in the future");
        }
    }
    id
}

fn check_key(p: &mut Problems, path: &str, key: &Option<String>) {
    if key
        .as_ref()
        .is_some_and(|k| k.is_empty() || k.chars().count() > MAX_KEY)
    {
        p.add(path, format!("must be 1 to {MAX_KEY} characters"));
    }
}

fn check_reference(p: &mut Problems, path: &str, r: &Option<String>) {
    if r.as_ref().is_some_and(|r| r.chars().count() > MAX_TEXT) {
        p.add(path, format!("must be at most {MAX_TEXT} characters"));
    }
}

fn check_text(p: &mut Problems, path: &str, v: &ContentValue) {
    if v.media_type != "text/plain" {
        p.add(path, "mediaType must be text/plain");
    }
    check_localizations(p, path, &v.value);
}

fn check_localizations(p: &mut Problems, path: &str, list: &[Localization]) {
    if list.is_empty() {
        p.add(path, "needs at least one language");
    }
    let mut seen = HashSet::new();
    for l in list {
        let code = l.language_code.as_str();
        if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_lowercase()) {
            p.add(
                path,
                format!("languageCode {code:?} is not an ISO 639-1 code"),
            );
        } else if !seen.insert(code) {
            p.add(path, format!("languageCode {code} appears twice"));
        }
        let n = l.value.trim().chars().count();
        if n == 0 || n > MAX_TEXT {
            p.add(
                path,
                format!("each value must be 1 to {MAX_TEXT} characters"),
            );
        }
    }
}

fn check_content(p: &mut Problems, path: &str, c: Option<ContentRequest>) -> Option<Content> {
    let c = p.required(path, c)?;
    let title = p.required(&format!("{path}.title"), c.title)?;
    check_text(p, &format!("{path}.title"), &title);
    if let Some(s) = &c.summary {
        check_text(p, &format!("{path}.summary"), s);
    }
    Some(Content {
        title,
        summary: c.summary,
    })
}

fn check_sender(p: &mut Problems, path: &str, a: Option<Actor>) -> Option<Actor> {
    let a = p.required(path, a)?;
    match a.actor_type {
        ActorType::ServiceOwner if a.actor_id.is_some() || a.actor_name.is_some() => {
            p.add(path, "the service owner has neither actorId nor actorName");
        }
        ActorType::PartyRepresentative if a.actor_id.is_none() && a.actor_name.is_none() => {
            p.add(path, "a party representative needs actorId or actorName");
        }
        _ => {}
    }
    if let Some(id) = &a.actor_id
        && !is_party_urn(id)
    {
        p.add(
            &format!("{path}.actorId"),
            "must be a person or organisation URN",
        );
    }
    Some(a)
}

fn check_attachments(p: &mut Problems, path: &str, list: &[Attachment]) {
    for (i, a) in list.iter().enumerate() {
        let at = format!("{path}[{i}]");
        check_localizations(p, &format!("{at}.displayName"), &a.display_name);
        if a.urls.is_empty() {
            p.add(&format!("{at}.urls"), "needs at least one URL");
        }
        for (j, u) in a.urls.iter().enumerate() {
            if !is_web_url(&u.url) {
                p.add(
                    &format!("{at}.urls[{j}].url"),
                    "must be an http or https URL",
                );
            }
        }
    }
}

/// Only web links are stored, so the inbox never links anywhere else (`javascript:` …).
pub(super) fn is_web_url(s: &str) -> bool {
    reqwest::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

pub(super) fn check_transmission(
    p: &mut Problems,
    path: &str,
    t: TransmissionRequest,
) -> Option<CheckedTransmission> {
    let id = check_id(p, &format!("{path}.id"), t.id);
    check_key(p, &format!("{path}.idempotentKey"), &t.idempotent_key);
    check_reference(
        p,
        &format!("{path}.externalReference"),
        &t.external_reference,
    );
    let kind = p.required(&format!("{path}.type"), t.kind);
    let sender = check_sender(p, &format!("{path}.sender"), t.sender);
    let content = check_content(p, &format!("{path}.content"), t.content);
    let attachments = t.attachments.unwrap_or_default();
    check_attachments(p, &format!("{path}.attachments"), &attachments);
    Some(CheckedTransmission {
        id,
        idempotent_key: t.idempotent_key,
        kind: kind?,
        related: t.related_transmission_id,
        sender: sender?,
        content: content?,
        attachments,
        external_reference: t.external_reference,
    })
}

/// New and Sent are still accepted, but shown as the statuses that replaced them.
fn stored_status(s: Option<DialogStatus>) -> &'static str {
    match s.unwrap_or(DialogStatus::InProgress) {
        DialogStatus::New => DialogStatus::InProgress.as_str(),
        DialogStatus::Sent => DialogStatus::Awaiting.as_str(),
        other => other.as_str(),
    }
}

/// What a JSON Patch of a dialog asks for, once checked: the status it is to have (`None`: the
/// patch only tested), and the status it must have now for the patch to apply (`test`).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct CheckedPatch {
    pub(super) status: Option<&'static str>,
    pub(super) tests: Vec<&'static str>,
}

/// Checks a `PATCH` body: an RFC 6902 operation list whose operations the stand-in can apply.
/// It keeps one changeable field, `/status`, so `replace`, `add` (the same on a member that
/// exists) and `test` of `/status` pass, with a status Dialogporten takes; anything else is
/// named by the operation's index, as the real service names a patch it cannot apply.
pub(super) fn check_patch(ops: Vec<PatchOperation>) -> Result<CheckedPatch, Problems> {
    let mut p = Problems::default();
    if ops.is_empty() {
        p.add("patchDocument", "must hold at least one operation");
    }
    let mut patch = CheckedPatch {
        status: None,
        tests: Vec::new(),
    };
    for (i, o) in ops.into_iter().enumerate() {
        let at = format!("[{i}]");
        if !matches!(
            o.op.as_str(),
            "add" | "remove" | "replace" | "move" | "copy" | "test"
        ) {
            p.add(
                &format!("{at}.op"),
                format!("{:?} is not a JSON Patch operation", o.op),
            );
            continue;
        }
        if o.path != "/status" {
            p.add(
                &format!("{at}.path"),
                format!(
                    "{:?} is not a field this dialog can change here (only /status)",
                    o.path
                ),
            );
            continue;
        }
        let status = match o.op.as_str() {
            "add" | "replace" | "test" => o
                .value
                .and_then(|v| serde_json::from_value::<DialogStatus>(v).ok()),
            // A dialog always has a status: it cannot be removed, moved or copied over.
            _ => {
                p.add(
                    &format!("{at}.op"),
                    "the status can only be replaced or tested",
                );
                continue;
            }
        };
        let Some(status) = status else {
            p.add(
                &format!("{at}.value"),
                "must be one of New, InProgress, Draft, Sent, RequiresAttention, Completed, \
                 NotApplicable, Awaiting",
            );
            continue;
        };
        if o.op == "test" {
            patch.tests.push(stored_status(Some(status)));
        } else {
            patch.status = Some(stored_status(Some(status)));
        }
    }
    if p.0.is_empty() { Ok(patch) } else { Err(p) }
}

pub(super) fn check_dialog(d: DialogRequest) -> Result<CheckedDialog, Problems> {
    let mut p = Problems::default();
    let id = check_id(&mut p, "id", d.id);
    check_key(&mut p, "idempotentKey", &d.idempotent_key);
    check_reference(&mut p, "externalReference", &d.external_reference);
    let resource = p.required("serviceResource", d.service_resource);
    if let Some(r) = &resource
        && r.strip_prefix(RESOURCE_PREFIX).is_none_or(str::is_empty)
    {
        p.add(
            "serviceResource",
            format!("must start with {RESOURCE_PREFIX}"),
        );
    }
    let party = p.required("party", d.party);
    if party.as_deref().is_some_and(|s| !is_party_urn(s)) {
        p.add(
            "party",
            format!(
                "must be {}:<orgnr> or {}:<fødselsnummer>",
                urn::ORGANISATION,
                urn::PERSON
            ),
        );
    }
    let content = check_content(&mut p, "content", d.content);
    let mut transmissions = Vec::new();
    for (i, t) in d.transmissions.unwrap_or_default().into_iter().enumerate() {
        if let Some(t) = check_transmission(&mut p, &format!("transmissions[{i}]"), t) {
            transmissions.push(t);
        }
    }
    let ids: HashSet<Uuid> = transmissions.iter().map(|t| t.id).collect();
    let keys: Vec<&str> = transmissions
        .iter()
        .filter_map(|t| t.idempotent_key.as_deref())
        .collect();
    if ids.len() != transmissions.len() || keys.iter().collect::<HashSet<_>>().len() != keys.len() {
        p.add("transmissions", "ids and idempotent keys must be unique");
    }
    for (i, t) in transmissions.iter().enumerate() {
        if t.related.is_some_and(|r| !ids.contains(&r)) {
            p.add(
                &format!("transmissions[{i}].relatedTransmissionId"),
                "names no transmission of this dialog",
            );
        }
    }
    match (resource, party, content) {
        (Some(service_resource), Some(party), Some(content)) if p.0.is_empty() => {
            Ok(CheckedDialog {
                id,
                idempotent_key: d.idempotent_key,
                service_resource,
                party,
                status: stored_status(d.status),
                content,
                external_reference: d.external_reference,
                transmissions,
            })
        }
        _ => Err(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn party_urns_need_a_valid_number_and_the_right_prefix() {
        assert!(is_party_urn(
            "urn:altinn:organization:identifier-no:819897522"
        ));
        assert!(is_party_urn("urn:altinn:person:identifier-no:12837810092"));
        for bad in [
            "urn:altinn:organization:identifier-no:819897523",
            "urn:altinn:organization:identifier-no:819 897 522",
            "urn:altinn:organization:identifier-no819897522",
            "urn:altinn:person:identifier-no:12837810093",
            "urn:altinn:person:identifier-no:819897522",
            "org:819897522",
            "",
        ] {
            assert!(!is_party_urn(bad), "{bad}");
        }
    }

    #[test]
    fn ids_must_be_uuid_v7_and_not_from_the_future() {
        let mut p = Problems::default();
        check_id(&mut p, "id", Some(Uuid::now_v7()));
        assert!(p.0.is_empty());
        check_id(&mut p, "v4", Some(Uuid::new_v4()));
        let future = Uuid::new_v7(uuid::Timestamp::from_unix(
            uuid::NoContext,
            4_000_000_000,
            0,
        ));
        check_id(&mut p, "future", Some(future));
        assert_eq!(p.0.keys().collect::<Vec<_>>(), ["future", "v4"]);
    }

    #[test]
    fn obsolete_statuses_are_stored_as_their_successors() {
        assert_eq!(stored_status(None), "InProgress");
        assert_eq!(stored_status(Some(DialogStatus::New)), "InProgress");
        assert_eq!(stored_status(Some(DialogStatus::Sent)), "Awaiting");
        assert_eq!(stored_status(Some(DialogStatus::Completed)), "Completed");
    }

    fn op(op: &str, path: &str, value: Option<&str>) -> PatchOperation {
        PatchOperation {
            op: op.into(),
            path: path.into(),
            value: value.map(|v| serde_json::Value::String(v.into())),
            from: None,
        }
    }

    #[test]
    fn a_patch_may_replace_and_test_the_status_and_nothing_else() {
        let ok = check_patch(vec![
            op("test", "/status", Some("Awaiting")),
            op("replace", "/status", Some("Completed")),
        ])
        .unwrap_or_else(|p| panic!("{:?}", p.0));
        assert_eq!(ok.status, Some("Completed"));
        assert_eq!(ok.tests, ["Awaiting"]);
        // The obsolete inputs are taken and stored as their successors.
        let old = check_patch(vec![op("add", "/status", Some("Sent"))])
            .unwrap_or_else(|p| panic!("{:?}", p.0));
        assert_eq!(old.status, Some("Awaiting"));

        let bad = check_patch(vec![
            op("replace", "/status", Some("Lost")),
            op("remove", "/status", None),
            op("replace", "/content/title", Some("x")),
            op("frobnicate", "/status", Some("Completed")),
            op("replace", "/status", None),
        ])
        .err()
        .unwrap();
        assert_eq!(
            bad.0.keys().collect::<Vec<_>>(),
            ["[0].value", "[1].op", "[2].path", "[3].op", "[4].value"]
        );
        assert!(check_patch(Vec::new()).is_err());
    }

    #[test]
    fn only_web_links_are_kept() {
        assert!(is_web_url("https://tasteskjema.example/k.pdf"));
        assert!(!is_web_url("javascript:alert(1)"));
        assert!(!is_web_url("data:text/html,x"));
    }
}
