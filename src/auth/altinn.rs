//! Acting for a party: Altinn Authorization's *authorized parties* list and its *PDP* decision
//! point, behind one trait.
//!
//! At login the portal asks which parties a person may act for ([`Authorization::authorized_parties`])
//! and shows only those that may use the form at hand ([`parties_for_form`]). At submit it asks the
//! PDP again ([`Authorization::decide`]), because rights can be withdrawn while a draft waits.
//! The wire types here are exactly Altinn's JSON shapes, so the same [`AltinnClient`] talks to the
//! real platform and to the built-in registry (`dev::registry`).

use std::collections::HashSet;
use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

use crate::form::no::masked;

/// Path of the resource owner's authorized-parties endpoint.
pub const AUTHORIZED_PARTIES_PATH: &str =
    "/accessmanagement/api/v1/resourceowner/authorizedparties";

/// Path of the PDP decision endpoint.
pub const AUTHORIZE_PATH: &str = "/authorization/api/v1/authorize";

/// Path of Altinn Register's names lookup (the names of organisations and persons by number).
pub const NAMES_LOOKUP_PATH: &str = "/register/api/v1/parties/nameslookup";

/// Path of Altinn's system register; a system is at `{SYSTEM_REGISTER_PATH}/{system id}`.
pub const SYSTEM_REGISTER_PATH: &str = "/authentication/api/v1/systemregister";

/// Attribute ids (URNs) used in party lookups and XACML requests.
pub mod urn {
    /// A person by fødselsnummer or d-nummer.
    pub const PERSON: &str = "urn:altinn:person:identifier-no";
    /// An organisation by organisasjonsnummer.
    pub const ORGANISATION: &str = "urn:altinn:organization:identifier-no";
    /// A system user (Maskinporten M2M caller) by its uuid.
    pub const SYSTEM_USER: &str = "urn:altinn:systemuser:uuid";
    /// An Altinn resource id from the resource registry.
    pub const RESOURCE: &str = "urn:altinn:resource";
    /// The XACML action id.
    pub const ACTION: &str = "urn:oasis:names:tc:xacml:1.0:action:action-id";
    /// XML Schema string, the data type Altinn's examples give the action.
    pub const STRING: &str = "http://www.w3.org/2001/XMLSchema#string";
    /// The XACML status code of a request that was evaluated.
    pub const STATUS_OK: &str = "urn:oasis:names:tc:xacml:1.0:status:ok";
}

/// Actions the portal asks about.
pub mod action {
    /// Open and read a form or submission.
    pub const READ: &str = "read";
    /// Fill in and submit.
    pub const WRITE: &str = "write";
}

/// Access package ids (`urn:altinn:accesspackage:…`) the portal's resources accept.
pub mod package {
    /// Skatt næring.
    pub const SKATT_NAERING: &str = "urn:altinn:accesspackage:skatt-naering";
    /// Skattegrunnlag: reporting tax base data (the GLD forms).
    pub const SKATTEGRUNNLAG: &str = "urn:altinn:accesspackage:skattegrunnlag";
    /// Merverdiavgift.
    pub const MERVERDIAVGIFT: &str = "urn:altinn:accesspackage:merverdiavgift";
    /// Motorvognavgift.
    pub const MOTORVOGNAVGIFT: &str = "urn:altinn:accesspackage:motorvognavgift";
    /// Særavgifter.
    pub const SAERAVGIFTER: &str = "urn:altinn:accesspackage:saeravgifter";
    /// Regnskap og økonomirapportering.
    pub const REGNSKAP_OKONOMI_RAPPORT: &str = "urn:altinn:accesspackage:regnskap-okonomi-rapport";
    /// Forretningsfører eiendom: the manager of a sameie or borettslag.
    pub const FORRETNINGSFORER_EIENDOM: &str = "urn:altinn:accesspackage:forretningsforer-eiendom";
    /// Regnskapsfører with signing rights.
    pub const REGNSKAPSFORER_MED_SIGNERING: &str =
        "urn:altinn:accesspackage:regnskapsforer-med-signeringsrettighet";
    /// Regnskapsfører without signing rights.
    pub const REGNSKAPSFORER_UTEN_SIGNERING: &str =
        "urn:altinn:accesspackage:regnskapsforer-uten-signeringsrettighet";
    /// Regnskapsfører for payroll.
    pub const REGNSKAPSFORER_LONN: &str = "urn:altinn:accesspackage:regnskapsforer-lonn";
    /// Ansvarlig revisor.
    pub const ANSVARLIG_REVISOR: &str = "urn:altinn:accesspackage:ansvarlig-revisor";
    /// Revisormedarbeider.
    pub const REVISORMEDARBEIDER: &str = "urn:altinn:accesspackage:revisormedarbeider";
}

/// Altinn resource ids of the portal's forms.
pub mod resource {
    /// RF-1140, third-party data from a boligsameie.
    pub const BOLIGSAMEIE: &str = "ske-innrapportering-boligsameie";
    /// RF-1139, third-party data from a boligselskap.
    pub const BOLIGSELSKAP: &str = "ske-innrapportering-boligselskap";
    /// Skriv til oss, the general contact form.
    pub const SKRIV_TIL_OSS: &str = "ske-skriv-til-oss";
    /// Klage på vedtak, a complaint about a decision.
    pub const KLAGE: &str = "ske-klage";
}

/// The tax packages the ER roles DAGL, LEDE, INNH, DTPR, DTSO, KOMP, BEST and BOBE get automatically.
pub const TAX_PACKAGES: &[&str] = &[
    package::SKATT_NAERING,
    package::SKATTEGRUNNLAG,
    package::MERVERDIAVGIFT,
    package::MOTORVOGNAVGIFT,
    package::SAERAVGIFTER,
    package::REGNSKAP_OKONOMI_RAPPORT,
    package::FORRETNINGSFORER_EIENDOM,
];

/// What a form's Altinn resource lets through: the resource itself, the access packages its
/// policy accepts (the form file's `packages`), and whether a person may act for themself.
#[derive(Debug, Clone, Copy)]
pub struct Access<'a> {
    /// The Altinn resource id.
    pub resource: &'a str,
    /// The access packages the resource's policy accepts (`urn:altinn:accesspackage:…`).
    pub packages: &'a [String],
    /// Whether a person may act for themself.
    pub persons: bool,
}

impl<'a> Access<'a> {
    /// A form's access.
    pub fn of(form: &'a crate::form::Form) -> Access<'a> {
        Access {
            resource: &form.resource,
            packages: &form.packages,
            persons: form.persons,
        }
    }
}

/// Who is asking: a logged-in person or a Maskinporten system user.
#[derive(Clone, PartialEq, Eq)]
pub enum Subject {
    /// A person, by fødselsnummer or d-nummer.
    Person(String),
    /// A system user, by its uuid.
    SystemUser(String),
    /// An organisation for itself, by a key registered for it (SFTP), by organisasjonsnummer.
    Organisation(String),
}

impl Subject {
    fn attribute(&self) -> XacmlAttribute {
        match self {
            Subject::Person(pid) => XacmlAttribute::new(urn::PERSON, pid),
            Subject::SystemUser(id) => XacmlAttribute::new(urn::SYSTEM_USER, id),
            Subject::Organisation(orgnr) => XacmlAttribute::new(urn::ORGANISATION, orgnr),
        }
    }
}

impl fmt::Debug for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Person numbers stay out of logs: the birth date part tells test persons apart.
        match self {
            Subject::Person(pid) => write!(f, "Person({})", masked(pid)),
            Subject::SystemUser(id) => write!(f, "SystemUser({id})"),
            Subject::Organisation(orgnr) => write!(f, "Organisation({orgnr})"),
        }
    }
}

/// The party acted for: an organisation or a person.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PartyId {
    /// An organisation, by organisasjonsnummer.
    Organisation(String),
    /// A person, by fødselsnummer or d-nummer.
    Person(String),
}

impl PartyId {
    /// The organisasjonsnummer or person number.
    pub fn id(&self) -> &str {
        match self {
            PartyId::Organisation(id) | PartyId::Person(id) => id,
        }
    }

    /// True for a person party.
    pub fn is_person(&self) -> bool {
        matches!(self, PartyId::Person(_))
    }

    /// The party as stored on drafts and in the audit log, and posted by the party choice:
    /// `org:<orgnr>` or `person:<pid>`.
    pub fn key(&self) -> String {
        match self {
            PartyId::Organisation(orgnr) => format!("org:{orgnr}"),
            PartyId::Person(pid) => format!("person:{pid}"),
        }
    }

    /// The party a [`key`](Self::key) names.
    pub fn from_key(key: &str) -> Option<PartyId> {
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if let Some(orgnr) = key.strip_prefix("org:") {
            digits(orgnr, 9).then(|| PartyId::Organisation(orgnr.to_owned()))
        } else if let Some(pid) = key.strip_prefix("person:") {
            digits(pid, 11).then(|| PartyId::Person(pid.to_owned()))
        } else {
            None
        }
    }

    fn attribute(&self) -> XacmlAttribute {
        match self {
            PartyId::Organisation(orgnr) => XacmlAttribute::new(urn::ORGANISATION, orgnr),
            PartyId::Person(pid) => XacmlAttribute::new(urn::PERSON, pid),
        }
    }
}

impl fmt::Debug for PartyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartyId::Organisation(orgnr) => write!(f, "Organisation({orgnr})"),
            PartyId::Person(pid) => write!(f, "Person({})", masked(pid)),
        }
    }
}

/// The kind of an authorized party, as Altinn names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PartyType {
    /// A person.
    Person,
    /// An organisation or a sub-unit.
    Organization,
    /// A self-identified user (no Norwegian identity).
    SelfIdentified,
    /// A kind this client does not know; never offered as a party.
    #[serde(other)]
    Other,
}

/// One party in a names lookup (Altinn Register): by organisation number or by fødselsnummer,
/// and in the answer with its name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartyName {
    /// Organisasjonsnummer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_no: Option<String>,
    /// Fødselsnummer or d-nummer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssn: Option<String>,
    /// The name (in the answer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl PartyName {
    /// The lookup of one party.
    pub fn of(party: &PartyId) -> Self {
        match party {
            PartyId::Organisation(orgnr) => PartyName {
                org_no: Some(orgnr.clone()),
                ..PartyName::default()
            },
            PartyId::Person(pid) => PartyName {
                ssn: Some(pid.clone()),
                ..PartyName::default()
            },
        }
    }
}

/// A names lookup request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyNamesLookup {
    /// The parties to name.
    pub parties: Vec<PartyName>,
}

/// A names lookup answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartyNamesLookupResult {
    /// The parties with their names (a party the register does not know has none).
    pub party_names: Vec<PartyName>,
}

/// A system in Altinn's system register, as far as the portal reads it: its id and its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredSystem {
    /// The vendor's system id, `<vendor orgnr>_<name>`.
    pub id: String,
    /// Its name per language (`nb`, `nn`, `en`).
    pub name: std::collections::BTreeMap<String, String>,
}

impl RegisteredSystem {
    /// The name in bokmål, else in any language given.
    pub fn name_nb(&self) -> Option<&str> {
        self.name
            .get("nb")
            .or_else(|| self.name.values().next())
            .map(String::as_str)
    }
}

/// The body of an authorized-parties request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyLookup {
    /// The identifier's URN, e.g. [`urn::PERSON`].
    #[serde(rename = "type")]
    pub kind: String,
    /// The identifier.
    pub value: String,
}

impl PartyLookup {
    /// A lookup of the parties a person may act for.
    pub fn person(pid: &str) -> Self {
        PartyLookup {
            kind: urn::PERSON.to_owned(),
            value: pid.to_owned(),
        }
    }
}

/// One party in Altinn's authorized-parties answer, with the rights the person holds for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizedParty {
    /// Altinn's id of the party.
    pub party_uuid: Uuid,
    /// Its name.
    pub name: String,
    /// Organisasjonsnummer (organisations and sub-units).
    #[serde(default)]
    pub organization_number: Option<String>,
    /// Fødselsnummer or d-nummer (persons).
    #[serde(default)]
    pub person_id: Option<String>,
    /// Person or organisation.
    #[serde(rename = "type")]
    pub kind: PartyType,
    /// The ER unit type: AS, ESEK, BRL, BEDR (sub-unit), …
    #[serde(default)]
    pub unit_type: Option<String>,
    /// Deleted in the register; never offered.
    #[serde(default)]
    pub is_deleted: bool,
    /// Listed only because a sub-unit is accessible; no rights of its own.
    #[serde(default)]
    pub only_hierarchy_element_with_no_access: bool,
    /// Resource ids the person may use for this party.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub authorized_resources: Vec<String>,
    /// Access packages the person holds for this party.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub authorized_access_packages: Vec<String>,
    /// ER and Altinn role codes the person holds for this party.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub authorized_roles: Vec<String>,
    /// Sub-units, in the same shape.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub subunits: Vec<AuthorizedParty>,
}

impl AuthorizedParty {
    /// The party's identifier, if it has a Norwegian one.
    pub fn party_id(&self) -> Option<PartyId> {
        match self.kind {
            PartyType::Organization => self.organization_number.clone().map(PartyId::Organisation),
            PartyType::Person => self.person_id.clone().map(PartyId::Person),
            PartyType::SelfIdentified | PartyType::Other => None,
        }
    }

    /// Whether the rights listed for this party itself (not inherited) cover `resource`.
    fn grants(&self, resource: &str, accepted: &[String]) -> bool {
        !self.is_deleted
            && !self.only_hierarchy_element_with_no_access
            && (self.authorized_resources.iter().any(|r| r == resource)
                || self
                    .authorized_access_packages
                    .iter()
                    .any(|p| accepted.contains(p)))
    }
}

// .NET services may write `null` for an empty list; treat it as empty rather than failing.
fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// A party the person may choose for a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// Who is acted for.
    pub party: PartyId,
    /// The party's name.
    pub name: String,
    /// The ER unit type (`None` for persons).
    pub unit_type: Option<String>,
    /// For a sub-unit: the organisasjonsnummer of its main unit.
    pub parent: Option<String>,
    /// Altinn's id of the party (`None` for the person themself when Altinn did not list them).
    pub party_uuid: Option<Uuid>,
}

/// The parties that may use a form with Altinn resource `resource`, in Altinn's order: the person
/// themself first when `persons_allowed`, then every organisation and sub-unit (flattened) whose
/// rights include the resource or a package it accepts. A sub-unit is also offered when its main
/// unit qualifies, since rights on the main unit extend to its sub-units. Deleted parties and
/// hierarchy-only entries are never offered.
pub fn parties_for_form(
    parties: &[AuthorizedParty],
    access: Access,
    pid: &str,
    person_name: &str,
) -> Vec<Choice> {
    let persons_allowed = access.persons;
    let mut walk = Walk {
        resource: access.resource,
        accepted: access.packages,
        persons_allowed,
        seen: HashSet::new(),
        out: Vec::new(),
    };
    if persons_allowed {
        // Acting for oneself needs no delegation, so it does not depend on Altinn's list.
        let me = parties
            .iter()
            .find(|p| p.kind == PartyType::Person && p.person_id.as_deref() == Some(pid));
        walk.out.push(Choice {
            party: PartyId::Person(pid.to_owned()),
            name: me.map_or_else(|| person_name.to_owned(), |p| p.name.clone()),
            unit_type: None,
            parent: None,
            party_uuid: me.map(|p| p.party_uuid),
        });
    }
    walk.seen.insert(PartyId::Person(pid.to_owned()));
    for party in parties {
        walk.visit(party, None, false);
    }
    walk.out
}

/// The state of one [`parties_for_form`] pass over the party tree.
struct Walk<'a> {
    resource: &'a str,
    accepted: &'a [String],
    persons_allowed: bool,
    // Altinn may list a sub-unit both on its own and under its main unit: offer it once.
    seen: HashSet<PartyId>,
    out: Vec<Choice>,
}

impl Walk<'_> {
    fn visit(
        &mut self,
        party: &AuthorizedParty,
        parent: Option<&AuthorizedParty>,
        inherited: bool,
    ) {
        let covered =
            !party.is_deleted && (inherited || party.grants(self.resource, self.accepted));
        if covered
            && let Some(id) = party.party_id()
            && (self.persons_allowed || !id.is_person())
            && self.seen.insert(id.clone())
        {
            self.out.push(Choice {
                party: id,
                name: party.name.clone(),
                unit_type: party.unit_type.clone(),
                parent: parent.and_then(|p| p.organization_number.clone()),
                party_uuid: Some(party.party_uuid),
            });
        }
        for sub in &party.subunits {
            self.visit(sub, Some(party), covered);
        }
    }
}

/// A PDP decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    /// Allowed.
    Permit,
    /// Refused.
    Deny,
    /// The PDP could not decide (an error or missing attributes).
    Indeterminate,
    /// No policy applies (e.g. an unknown resource).
    NotApplicable,
}

impl Decision {
    /// Only `Permit` allows; every other answer refuses.
    pub fn is_permit(self) -> bool {
        self == Decision::Permit
    }
}

/// A XACML JSON request, as the PDP takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct XacmlRequestRoot {
    /// The request.
    pub request: XacmlRequest,
}

impl XacmlRequestRoot {
    /// A single decision request: may `subject` do `action` on `resource` for `party`?
    pub fn decision(subject: &Subject, action: &str, resource: &str, party: &PartyId) -> Self {
        XacmlRequestRoot {
            request: XacmlRequest {
                return_policy_id_list: true,
                access_subject: vec![XacmlCategory {
                    attribute: vec![subject.attribute()],
                }],
                action: vec![XacmlCategory {
                    attribute: vec![XacmlAttribute {
                        data_type: Some(urn::STRING.to_owned()),
                        ..XacmlAttribute::new(urn::ACTION, action)
                    }],
                }],
                resource: vec![XacmlCategory {
                    attribute: vec![
                        XacmlAttribute::new(urn::RESOURCE, resource),
                        party.attribute(),
                    ],
                }],
            },
        }
    }
}

/// The categories of a XACML JSON request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct XacmlRequest {
    /// Whether the answer should name the policies used.
    #[serde(default)]
    pub return_policy_id_list: bool,
    /// Who asks.
    #[serde(default)]
    pub access_subject: Vec<XacmlCategory>,
    /// What they want to do.
    #[serde(default)]
    pub action: Vec<XacmlCategory>,
    /// On what, for whom.
    #[serde(default)]
    pub resource: Vec<XacmlCategory>,
}

impl XacmlRequest {
    /// The first value of `attribute_id` in `category`.
    pub fn value<'a>(category: &'a [XacmlCategory], attribute_id: &str) -> Option<&'a str> {
        category
            .iter()
            .flat_map(|c| &c.attribute)
            .find(|a| a.attribute_id == attribute_id)
            .map(|a| a.value.as_str())
    }
}

/// One category (subject, action or resource) of a XACML request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct XacmlCategory {
    /// Its attributes.
    pub attribute: Vec<XacmlAttribute>,
}

/// One attribute of a XACML request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct XacmlAttribute {
    /// The attribute's URN.
    pub attribute_id: String,
    /// Its value.
    pub value: String,
    /// Its XML Schema data type, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<String>,
}

impl XacmlAttribute {
    fn new(attribute_id: &str, value: &str) -> Self {
        XacmlAttribute {
            attribute_id: attribute_id.to_owned(),
            value: value.to_owned(),
            data_type: None,
        }
    }
}

/// A XACML JSON response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct XacmlResponse {
    /// One result per request.
    pub response: Vec<XacmlResult>,
}

/// One decision with its status and obligations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct XacmlResult {
    /// The decision.
    pub decision: Decision,
    /// Whether the request could be evaluated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<XacmlStatus>,
    /// What the caller must also ensure, e.g. a minimum authentication level.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub obligations: Vec<Obligation>,
}

/// A XACML status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct XacmlStatus {
    /// The status code.
    pub status_code: XacmlStatusCode,
}

/// A XACML status code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct XacmlStatusCode {
    /// The code's URN, e.g. [`urn::STATUS_OK`].
    pub value: String,
}

/// An obligation attached to a decision (Altinn writes these in camelCase).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Obligation {
    /// The obligation's URN.
    pub id: String,
    /// Its assignments.
    #[serde(default)]
    pub attribute_assignment: Vec<AttributeAssignment>,
}

/// One assignment of an obligation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributeAssignment {
    /// The assignment's URN.
    pub attribute_id: String,
    /// Its value.
    pub value: String,
    /// Its category, e.g. `urn:altinn:minimum-authenticationlevel`.
    #[serde(default)]
    pub category: Option<String>,
    /// Its data type.
    #[serde(default)]
    pub data_type: Option<String>,
    /// Its issuer.
    #[serde(default)]
    pub issuer: Option<String>,
}

/// Why Altinn Authorization gave no usable answer. Callers refuse access on any of these.
#[derive(Debug, thiserror::Error)]
pub enum AuthzError {
    /// The request failed on the way (connection, timeout).
    #[error("Altinn Authorization could not be reached: {0}")]
    Unreachable(#[source] reqwest::Error),
    /// Altinn answered with an error status.
    #[error("Altinn Authorization answered {status}: {detail}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// The start of the body, for the log.
        detail: String,
    },
    /// Altinn answered in a shape this client does not understand.
    #[error("Altinn Authorization answered in an unexpected shape: {0}")]
    Malformed(String),
}

/// Altinn Authorization, as the portal needs it.
#[async_trait]
pub trait Authorization: Send + Sync {
    /// Every party the person may act for, with their rights; an unknown person has none.
    async fn authorized_parties(&self, pid: &str) -> Result<Vec<AuthorizedParty>, AuthzError>;

    /// Whether `subject` may do `action` on `resource` for `party`.
    async fn decide(
        &self,
        subject: Subject,
        action: &str,
        resource: &str,
        party: &PartyId,
    ) -> Result<Decision, AuthzError>;

    /// The party's name in Altinn Register; `None` for a party it does not know.
    async fn party_name(&self, party: &PartyId) -> Result<Option<String>, AuthzError>;

    /// The name of an end-user system in Altinn's system register, by its id (`system_id` in a
    /// system user's token); `None` for a system it does not know.
    async fn system_name(&self, system_id: &str) -> Result<Option<String>, AuthzError>;
}

/// How long one call may take: a hanging platform must not hang the user's request.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The HTTP client for Altinn Authorization (or the built-in registry on the same paths).
#[derive(Clone)]
pub struct AltinnClient {
    base_url: String,
    http: reqwest::Client,
    token: Option<String>,
    subscription_key: Option<String>,
}

impl AltinnClient {
    /// A client for the platform at `base_url` (e.g. `https://platform.tt02.altinn.no`, or the
    /// registry's `http://127.0.0.1:8080/dev/altinn`).
    pub fn new(base_url: impl Into<String>, http: reqwest::Client) -> Self {
        AltinnClient {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            http,
            token: None,
            subscription_key: None,
        }
    }

    /// Sends `Authorization: Bearer <token>` (the platform's Maskinporten/Altinn token).
    pub fn with_bearer_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Sends `Ocp-Apim-Subscription-Key` (the platform's API gateway key).
    pub fn with_subscription_key(mut self, key: impl Into<String>) -> Self {
        self.subscription_key = Some(key.into());
        self
    }

    async fn post<B: Serialize + ?Sized, R: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<R, AuthzError> {
        let req = self
            .http
            .post(format!("{}{path}", self.base_url))
            .json(body);
        self.send(req).await
    }

    /// Sends with the time limit and the platform's credentials; the JSON answer of a success.
    async fn send<R: for<'de> Deserialize<'de>>(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<R, AuthzError> {
        let mut req = req
            .timeout(TIMEOUT)
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(k) = &self.subscription_key {
            req = req.header("Ocp-Apim-Subscription-Key", k);
        }
        let resp = req.send().await.map_err(AuthzError::Unreachable)?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(AuthzError::Unreachable)?;
        if !status.is_success() {
            let text = String::from_utf8_lossy(&bytes);
            return Err(AuthzError::Status {
                status: status.as_u16(),
                detail: text.chars().take(300).collect(),
            });
        }
        serde_json::from_slice(&bytes).map_err(|e| AuthzError::Malformed(e.to_string()))
    }
}

impl fmt::Debug for AltinnClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AltinnClient")
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .field(
                "subscription_key",
                &self.subscription_key.as_ref().map(|_| "[REDACTED]"),
            )
            .finish()
    }
}

#[async_trait]
impl Authorization for AltinnClient {
    async fn authorized_parties(&self, pid: &str) -> Result<Vec<AuthorizedParty>, AuthzError> {
        self.post(AUTHORIZED_PARTIES_PATH, &PartyLookup::person(pid))
            .await
    }

    async fn decide(
        &self,
        subject: Subject,
        action: &str,
        resource: &str,
        party: &PartyId,
    ) -> Result<Decision, AuthzError> {
        let request = XacmlRequestRoot::decision(&subject, action, resource, party);
        let response: XacmlResponse = self.post(AUTHORIZE_PATH, &request).await?;
        let decision = response
            .response
            .first()
            .map(|r| r.decision)
            .ok_or_else(|| AuthzError::Malformed("no result in the response".to_owned()))?;
        tracing::debug!(
            ?subject,
            action,
            resource,
            ?party,
            ?decision,
            "PDP decision"
        );
        Ok(decision)
    }

    async fn party_name(&self, party: &PartyId) -> Result<Option<String>, AuthzError> {
        let lookup = PartyNamesLookup {
            parties: vec![PartyName::of(party)],
        };
        let answer: PartyNamesLookupResult = self.post(NAMES_LOOKUP_PATH, &lookup).await?;
        Ok(answer
            .party_names
            .into_iter()
            .find(|p| {
                PartyName {
                    name: None,
                    ..p.clone()
                } == lookup.parties[0]
            })
            .and_then(|p| p.name)
            .filter(|n| !n.trim().is_empty()))
    }

    async fn system_name(&self, system_id: &str) -> Result<Option<String>, AuthzError> {
        // The id goes into the path: anything but the characters of a system id is refused.
        if system_id.is_empty()
            || !system_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Ok(None);
        }
        let req = self.http.get(format!(
            "{}{SYSTEM_REGISTER_PATH}/{system_id}",
            self.base_url
        ));
        match self.send::<RegisteredSystem>(req).await {
            Ok(system) => Ok(system.name_nb().map(str::to_owned)),
            Err(AuthzError::Status { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    /// The packages the GLD resources accept, and those Skriv til oss accepts (as the forms say).
    fn access(resource: &'static str, persons: bool) -> Access<'static> {
        use std::sync::LazyLock;
        static GLD: LazyLock<Vec<String>> = LazyLock::new(|| {
            [
                package::SKATTEGRUNNLAG,
                package::FORRETNINGSFORER_EIENDOM,
                package::REGNSKAPSFORER_MED_SIGNERING,
                package::REGNSKAPSFORER_UTEN_SIGNERING,
                package::ANSVARLIG_REVISOR,
                package::REVISORMEDARBEIDER,
            ]
            .map(String::from)
            .to_vec()
        });
        static ALL: LazyLock<Vec<String>> = LazyLock::new(|| {
            crate::form::definition::ACCESS_PACKAGES
                .iter()
                .map(|p| format!("urn:altinn:accesspackage:{p}"))
                .collect()
        });
        let packages: &'static [String] = match resource {
            resource::BOLIGSAMEIE | resource::BOLIGSELSKAP => &GLD,
            resource::SKRIV_TIL_OSS | resource::KLAGE => &ALL,
            _ => &[],
        };
        Access {
            resource,
            packages,
            persons,
        }
    }

    // Copies of Altinn's documented examples (the reference files); the integration tests also
    // compare with the files themselves when they are available.
    const PDP_REQUEST: &str = r#"{
      "Request": {
        "ReturnPolicyIdList": true,
        "AccessSubject": [
          { "Attribute": [ { "AttributeId": "urn:altinn:person:identifier-no", "Value": "01017012345" } ] }
        ],
        "Action": [
          { "Attribute": [ { "AttributeId": "urn:oasis:names:tc:xacml:1.0:action:action-id", "Value": "read", "DataType": "http://www.w3.org/2001/XMLSchema#string" } ] }
        ],
        "Resource": [
          { "Attribute": [
              { "AttributeId": "urn:altinn:resource", "Value": "ttdintegrationtest1" },
              { "AttributeId": "urn:altinn:organization:identifier-no", "Value": "312824450" }
          ] }
        ]
      }
    }"#;

    const PDP_RESPONSE: &str = r#"{
      "Response": [
        {
          "Decision": "Permit",
          "Status": { "StatusCode": { "Value": "urn:oasis:names:tc:xacml:1.0:status:ok" } },
          "Obligations": [
            {
              "id": "urn:altinn:obligation:authenticationLevel1",
              "attributeAssignment": [
                {
                  "attributeId": "urn:altinn:obligation-assignment:1",
                  "value": "2",
                  "category": "urn:altinn:minimum-authenticationlevel",
                  "dataType": "http://www.w3.org/2001/XMLSchema#integer",
                  "issuer": null
                }
              ]
            }
          ]
        }
      ]
    }"#;

    fn org(orgnr: &str, name: &str) -> AuthorizedParty {
        AuthorizedParty {
            party_uuid: Uuid::new_v4(),
            name: name.to_owned(),
            organization_number: Some(orgnr.to_owned()),
            person_id: None,
            kind: PartyType::Organization,
            unit_type: Some("AS".to_owned()),
            is_deleted: false,
            only_hierarchy_element_with_no_access: false,
            authorized_resources: vec![],
            authorized_access_packages: vec![],
            authorized_roles: vec![],
            subunits: vec![],
        }
    }

    fn ids(choices: &[Choice]) -> Vec<&str> {
        choices.iter().map(|c| c.party.id()).collect()
    }

    #[test]
    fn decision_request_has_the_reference_shape() {
        let ours = XacmlRequestRoot::decision(
            &Subject::Person("01017012345".into()),
            "read",
            "ttdintegrationtest1",
            &PartyId::Organisation("312824450".into()),
        );
        let reference: Value = serde_json::from_str(PDP_REQUEST).unwrap();
        assert_eq!(serde_json::to_value(&ours).unwrap(), reference);
        let back: XacmlRequestRoot = serde_json::from_value(reference).unwrap();
        assert_eq!(back, ours);
    }

    #[test]
    fn system_user_and_person_party_use_their_own_attribute_ids() {
        let r = XacmlRequestRoot::decision(
            &Subject::SystemUser("5f6a8e38-0bb6-4c1b-9a1e-2d6f0f2a7c11".into()),
            action::WRITE,
            resource::SKRIV_TIL_OSS,
            &PartyId::Person("12837810092".into()),
        );
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(
            v["Request"]["AccessSubject"][0]["Attribute"][0]["AttributeId"],
            urn::SYSTEM_USER
        );
        assert_eq!(
            v["Request"]["Resource"][0]["Attribute"][1],
            json!({"AttributeId": urn::PERSON, "Value": "12837810092"})
        );
    }

    #[test]
    fn decision_response_parses_and_round_trips() {
        let reference: Value = serde_json::from_str(PDP_RESPONSE).unwrap();
        let parsed: XacmlResponse = serde_json::from_value(reference.clone()).unwrap();
        assert_eq!(parsed.response[0].decision, Decision::Permit);
        assert_eq!(
            parsed.response[0].obligations[0].attribute_assignment[0].value,
            "2"
        );
        assert_eq!(serde_json::to_value(&parsed).unwrap(), reference);
        for (text, d) in [
            ("Deny", Decision::Deny),
            ("Indeterminate", Decision::Indeterminate),
            ("NotApplicable", Decision::NotApplicable),
        ] {
            let r: XacmlResponse =
                serde_json::from_value(json!({"Response": [{"Decision": text}]})).unwrap();
            assert_eq!(r.response[0].decision, d);
            assert!(!d.is_permit());
        }
    }

    #[test]
    fn names_lookups_have_the_registers_shapes() {
        let lookup = PartyNamesLookup {
            parties: vec![
                PartyName::of(&PartyId::Organisation("819897522".into())),
                PartyName::of(&PartyId::Person("12837810092".into())),
            ],
        };
        assert_eq!(
            serde_json::to_value(&lookup).unwrap(),
            json!({ "parties": [{ "orgNo": "819897522" }, { "ssn": "12837810092" }] })
        );
        let answer: PartyNamesLookupResult = serde_json::from_value(json!({
            "partyNames": [{ "orgNo": "819897522", "ssn": null, "name": "TESTSAMEIET SKOGLY" }]
        }))
        .unwrap();
        assert_eq!(
            answer.party_names[0].name.as_deref(),
            Some("TESTSAMEIET SKOGLY")
        );
        let system: RegisteredSystem = serde_json::from_value(json!({
            "id": "974761076_skatt_demo_system",
            "vendor": { "ID": "0192:974761076" },
            "name": { "en": "Demo", "nb": "Skatteetatens Test SBS" },
            "isVisible": true
        }))
        .unwrap();
        assert_eq!(system.name_nb(), Some("Skatteetatens Test SBS"));
    }

    #[test]
    fn party_lookup_has_the_reference_shape() {
        assert_eq!(
            serde_json::to_value(PartyLookup::person("01017012345")).unwrap(),
            json!({ "type": "urn:altinn:person:identifier-no", "value": "01017012345" })
        );
    }

    #[test]
    fn authorized_party_reads_altinns_field_names_and_nulls() {
        let v = json!([{
            "partyUuid": "2d0d4a8b-2e6c-4bd5-8f5b-8a8d8a3f4a10",
            "name": "TESTSAMEIET SKOGLY",
            "organizationNumber": "819897522",
            "personId": null,
            "partyId": 50012345,
            "type": "Organization",
            "unitType": "ESEK",
            "isDeleted": false,
            "onlyHierarchyElementWithNoAccess": false,
            "authorizedResources": ["ske-innrapportering-boligsameie"],
            "authorizedAccessPackages": null,
            "authorizedRoles": ["DAGL"],
            "authorizedInstances": [],
            "subunits": []
        }]);
        let parsed: Vec<AuthorizedParty> = serde_json::from_value(v).unwrap();
        assert_eq!(
            parsed[0].party_id(),
            Some(PartyId::Organisation("819897522".into()))
        );
        assert!(parsed[0].authorized_access_packages.is_empty());
        let out = serde_json::to_value(&parsed[0]).unwrap();
        for key in [
            "partyUuid",
            "name",
            "organizationNumber",
            "personId",
            "type",
            "unitType",
            "isDeleted",
            "onlyHierarchyElementWithNoAccess",
            "authorizedResources",
            "authorizedAccessPackages",
            "authorizedRoles",
            "subunits",
        ] {
            assert!(out.get(key).is_some(), "{key} is written");
        }
    }

    #[test]
    fn forms_see_parties_by_resource_or_accepted_package() {
        let mut by_resource = org("311800019", "A");
        by_resource.authorized_resources = vec![resource::BOLIGSAMEIE.into()];
        let mut by_package = org("311800043", "B");
        by_package.authorized_access_packages = vec![package::REVISORMEDARBEIDER.into()];
        let mut other_package = org("311800051", "C");
        other_package.authorized_access_packages = vec![package::MERVERDIAVGIFT.into()];
        let all = [by_resource, by_package, other_package];

        let c = parties_for_form(
            &all,
            access(resource::BOLIGSAMEIE, false),
            "12837810092",
            "Me",
        );
        assert_eq!(ids(&c), ["311800019", "311800043"]);
        let c = parties_for_form(
            &all,
            access(resource::BOLIGSELSKAP, false),
            "12837810092",
            "Me",
        );
        assert_eq!(ids(&c), ["311800043"]);
        let c = parties_for_form(
            &all,
            access(resource::SKRIV_TIL_OSS, true),
            "12837810092",
            "Me",
        );
        assert_eq!(ids(&c), ["12837810092", "311800043", "311800051"]);
        assert_eq!(c[0].name, "Me");
        assert!(parties_for_form(&all, access("unknown-resource", false), "1", "Me").is_empty());
    }

    #[test]
    fn sub_units_inherit_and_hierarchy_only_parents_are_skipped() {
        let mut parent = org("311800019", "Main");
        parent.authorized_access_packages = vec![package::SKATTEGRUNNLAG.into()];
        let mut sub = org("311800027", "Sub");
        sub.unit_type = Some("BEDR".into());
        parent.subunits = vec![sub.clone()];

        let c = parties_for_form(
            std::slice::from_ref(&parent),
            access(resource::BOLIGSAMEIE, false),
            "x",
            "Me",
        );
        assert_eq!(ids(&c), ["311800019", "311800027"]);
        assert_eq!(c[1].parent.as_deref(), Some("311800019"));

        let mut hierarchy = org("311800019", "Main");
        hierarchy.only_hierarchy_element_with_no_access = true;
        hierarchy.authorized_access_packages = vec![package::SKATTEGRUNNLAG.into()];
        let mut sub_with_rights = sub;
        sub_with_rights.authorized_resources = vec![resource::SKRIV_TIL_OSS.into()];
        hierarchy.subunits = vec![sub_with_rights];
        let c = parties_for_form(
            &[hierarchy],
            access(resource::SKRIV_TIL_OSS, false),
            "x",
            "Me",
        );
        assert_eq!(ids(&c), ["311800027"]);
    }

    #[test]
    fn deleted_parties_and_other_persons_are_not_offered() {
        let mut deleted = org("311800078", "Gone");
        deleted.is_deleted = true;
        deleted.authorized_access_packages = vec![package::SKATTEGRUNNLAG.into()];
        let mut sub = org("311800086", "Sub of gone");
        sub.authorized_resources = vec![];
        deleted.subunits = vec![sub];
        let mut other_person = org("", "Someone else");
        other_person.kind = PartyType::Person;
        other_person.organization_number = None;
        other_person.person_id = Some("05918510062".into());
        other_person.authorized_resources = vec![resource::SKRIV_TIL_OSS.into()];
        let mut me = other_person.clone();
        me.person_id = Some("12837810092".into());
        me.name = "Me from Altinn".into();
        let all = [deleted, other_person, me];

        let c = parties_for_form(
            &all,
            access(resource::SKRIV_TIL_OSS, false),
            "12837810092",
            "Me",
        );
        assert!(c.is_empty());
        let c = parties_for_form(
            &all,
            access(resource::SKRIV_TIL_OSS, true),
            "12837810092",
            "Me",
        );
        assert_eq!(ids(&c), ["12837810092", "05918510062"]);
        assert_eq!(c[0].name, "Me from Altinn");
    }

    #[test]
    fn debug_masks_person_numbers_and_secrets() {
        let s = format!(
            "{:?} {:?}",
            Subject::Person("12837810092".into()),
            PartyId::Person("12837810092".into())
        );
        assert!(!s.contains("10092"), "{s}");
        let c = AltinnClient::new("http://x/", reqwest::Client::new()).with_bearer_token("secret");
        assert!(!format!("{c:?}").contains("secret"));
        assert_eq!(c.base_url, "http://x");
    }
}
