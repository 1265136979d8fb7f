//! The built-in stand-in for Altinn Authorization: a registry of synthetic persons,
//! organisations (with sub-units), ER roles, delegated access packages and resources, and system
//! users, read from `dev/registry.toml`. It answers Altinn's authorized-parties and PDP decision
//! APIs, Altinn Register's names lookup and the system register's system by id, on their real
//! paths and in their real shapes, so the portal's
//! [`AltinnClient`](crate::auth::altinn::AltinnClient) cannot tell it from the platform.
//!
//! Like Altinn, it derives access packages from ER roles ([`role_packages`]), resources from
//! packages (a resource is authorized when a package its policy accepts is held; each policy is
//! the `packages` of the form that names the resource, see [`Registry::with_forms`]), and lets
//! rights on a main unit reach its sub-units.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::idporten::DevEmployee;
use crate::auth::altinn::{
    AUTHORIZE_PATH, AUTHORIZED_PARTIES_PATH, AuthorizedParty, Decision, NAMES_LOOKUP_PATH, PartyId,
    PartyLookup, PartyName, PartyNamesLookup, PartyNamesLookupResult, PartyType, RegisteredSystem,
    SYSTEM_REGISTER_PATH, Subject, TAX_PACKAGES, XacmlRequest, XacmlRequestRoot, XacmlResponse,
    XacmlResult, XacmlStatus, XacmlStatusCode, action, package, urn,
};
use crate::form::no::{Fodselsnummer, Kommunenummer, Orgnr, Postnummer};

/// The shipped registry file.
const EMBEDDED: &str = include_str!("../../dev/registry.toml");

/// ER role codes the registry accepts; anything else is a typo worth refusing at start-up.
const ROLE_CODES: &[&str] = &[
    "DAGL", "LEDE", "NEST", "MEDL", "VARA", "OBS", "INNH", "DTPR", "DTSO", "KOMP", "BEST", "BOBE",
    "REGN", "REVI", "KONT", "FFØR", "REPR",
];

/// The access packages an ER role gives automatically.
pub fn role_packages(code: &str) -> &'static [&'static str] {
    match code {
        "DAGL" | "LEDE" | "INNH" | "DTPR" | "DTSO" | "KOMP" | "BEST" | "BOBE" => TAX_PACKAGES,
        "FFØR" => &[package::FORRETNINGSFORER_EIENDOM],
        "REGN" => &[package::REGNSKAPSFORER_MED_SIGNERING],
        "REVI" => &[package::ANSVARLIG_REVISOR],
        _ => &[],
    }
}

/// A synthetic person.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// Synthetic fødselsnummer (month + 80).
    pub pid: String,
    /// Full name: first name, any middle names, last name.
    pub name: String,
    /// Home address, as Folkeregisteret has it (the built-in Folkeregisteret answers with it).
    #[serde(default)]
    pub address: Option<HomeAddress>,
}

/// A person's home address: a street address in Folkeregisteret.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HomeAddress {
    /// Street name.
    pub street: String,
    /// House number.
    pub number: String,
    /// House letter, if any.
    #[serde(default)]
    pub letter: Option<String>,
    /// Postcode.
    pub postnummer: String,
    /// Postal town (capitals, as Folkeregisteret writes it).
    pub poststed: String,
    /// Municipality number.
    pub kommunenummer: String,
}

/// An organisation's address in Enhetsregisteret: a main unit's business address, a sub-unit's
/// location.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitAddress {
    /// The address lines.
    pub lines: Vec<String>,
    /// Postcode.
    pub postnummer: String,
    /// Postal town (capitals, as Enhetsregisteret writes it).
    pub poststed: String,
    /// Municipality number.
    pub kommunenummer: String,
}

/// The forms of organisation (Enhetsregisteret's codes) the registry accepts, with what each is
/// called; the built-in Enhetsregisteret answers with both.
pub const ORGANISATION_FORMS: &[(&str, &str)] = &[
    ("AAFY", "Underenhet til ikke-næringsdrivende"),
    ("ANS", "Ansvarlig selskap med solidarisk ansvar"),
    ("AS", "Aksjeselskap"),
    ("ASA", "Allmennaksjeselskap"),
    (
        "BEDR",
        "Underenhet til næringsdrivende og offentlig forvaltning",
    ),
    ("BRL", "Borettslag"),
    ("DA", "Ansvarlig selskap med delt ansvar"),
    ("ENK", "Enkeltpersonforetak"),
    ("ESEK", "Eierseksjonssameie"),
    ("FLI", "Forening/lag/innretning"),
    ("NUF", "Norskregistrert utenlandsk foretak"),
    ("SA", "Samvirkeforetak"),
    ("SAM", "Tingsrettslig sameie"),
    ("STI", "Stiftelse"),
];

/// What a form of organisation is called; `None` for a code the registry does not know.
pub fn organisation_form(code: &str) -> Option<&'static str> {
    ORGANISATION_FORMS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, name)| *name)
}

/// Whether a form of organisation is that of a sub-unit.
fn sub_unit_form(code: &str) -> bool {
    matches!(code, "BEDR" | "AAFY")
}

/// A synthetic organisation or sub-unit.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    /// Organisasjonsnummer.
    pub orgnr: String,
    /// Name as in Enhetsregisteret.
    pub name: String,
    /// ER unit type: AS, ESEK, BRL, BEDR, …
    pub unit_type: String,
    /// For a sub-unit: its main unit's organisasjonsnummer.
    #[serde(default)]
    pub parent: Option<String>,
    /// Deleted from the register.
    #[serde(default)]
    pub deleted: bool,
    /// When it was deleted (`YYYY-MM-DD`), for a deleted one.
    #[serde(default)]
    pub deleted_on: Option<String>,
    /// Its address in Enhetsregisteret.
    #[serde(default)]
    pub address: Option<UnitAddress>,
    /// Registered in Merverdiavgiftsregisteret.
    #[serde(default)]
    pub mva: bool,
    /// Registered in Foretaksregisteret (a main unit; a sub-unit belongs to its main unit's
    /// enterprise).
    #[serde(default)]
    pub foretaksregisteret: bool,
}

/// An ER role a person holds in an organisation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    /// The person.
    pub pid: String,
    /// The organisation.
    pub orgnr: String,
    /// The role code, e.g. `DAGL`.
    pub code: String,
}

/// Access packages or single resources delegated to a person for an organisation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// The person.
    pub pid: String,
    /// The organisation (or sub-unit).
    pub orgnr: String,
    /// Access package ids.
    #[serde(default)]
    pub packages: Vec<String>,
    /// Resource ids.
    #[serde(default)]
    pub resources: Vec<String>,
}

/// A system user: an organisation's machine-to-machine caller.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemUser {
    /// Its uuid (the `systemuser_id` in a Maskinporten token).
    pub id: String,
    /// The organisation it acts for.
    pub orgnr: String,
    /// The vendor's system id (`system_id` in the token).
    #[serde(default)]
    pub system_id: Option<String>,
    /// A name for people.
    #[serde(default)]
    pub name: Option<String>,
    /// Resources it may use for its organisation.
    #[serde(default)]
    pub resources: Vec<String>,
}

/// What `dev/registry.toml` holds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegistryFile {
    #[serde(default)]
    resources: Vec<String>,
    #[serde(default)]
    person_resources: Vec<String>,
    /// Resources an organisation may use for itself with its SFTP key.
    #[serde(default)]
    organisation_resources: Vec<String>,
    #[serde(default)]
    person: Vec<Person>,
    #[serde(default)]
    organisation: Vec<Organisation>,
    #[serde(default)]
    role: Vec<Role>,
    #[serde(default)]
    grant: Vec<Grant>,
    #[serde(default)]
    systemuser: Vec<SystemUser>,
    /// Skatteetaten's test employees, for the built-in employee directory (`/dev/ansatt`).
    #[serde(default)]
    employee: Vec<DevEmployee>,
    /// The test organisations' SFTP keys, registered on start.
    #[serde(default)]
    sftp_key: Vec<DevSftpKey>,
}

/// An SFTP key of a test organisation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DevSftpKey {
    /// The organisation.
    pub orgnr: String,
    /// Its name on «SFTP-nøkler».
    pub name: String,
    /// The public key, as in a `.pub` file.
    pub public_key: String,
}

/// Why a registry file was refused: every problem found, one a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryError(pub Vec<String>);

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("\n"))
    }
}

impl std::error::Error for RegistryError {}

/// The loaded, checked registry.
#[derive(Debug, Clone)]
pub struct Registry {
    data: RegistryFile,
    /// Each resource's accepted access packages, as its form says (Altinn's resource policies).
    policies: BTreeMap<String, Vec<String>>,
}

/// What a person holds for one organisation.
#[derive(Debug, Default)]
struct Rights {
    roles: BTreeSet<String>,
    packages: BTreeSet<String>,
    resources: BTreeSet<String>,
}

impl Rights {
    fn any(&self) -> bool {
        !(self.roles.is_empty() && self.packages.is_empty() && self.resources.is_empty())
    }

    fn covers(&self, resource: &str, accepted: &[String]) -> bool {
        self.resources.contains(resource) || accepted.iter().any(|p| self.packages.contains(p))
    }
}

impl Registry {
    /// The shipped `dev/registry.toml` (checked by the tests, so it always loads).
    pub fn embedded() -> Self {
        Self::from_toml(EMBEDDED).expect("the shipped dev/registry.toml is valid")
    }

    /// The file at `path`, or the shipped one when `None`.
    pub fn load(path: Option<&Path>) -> Result<Self, RegistryError> {
        match path {
            None => Self::from_toml(EMBEDDED),
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| RegistryError(vec![format!("{}: {e}", p.display())]))?;
                Self::from_toml(&text).map_err(|RegistryError(list)| {
                    RegistryError(
                        list.into_iter()
                            .map(|m| format!("{}: {m}", p.display()))
                            .collect(),
                    )
                })
            }
        }
    }

    /// Parses and checks a registry: identifiers well-formed (and persons synthetic), every
    /// reference known, every role code and resource known.
    pub fn from_toml(text: &str) -> Result<Self, RegistryError> {
        let data: RegistryFile =
            toml::from_str(text).map_err(|e| RegistryError(vec![e.to_string()]))?;
        let problems = check(&data);
        if problems.is_empty() {
            Ok(Registry {
                data,
                policies: BTreeMap::new(),
            })
        } else {
            Err(RegistryError(problems))
        }
    }

    /// The resources' policies, from the forms that name them: each accepts the access
    /// packages its form lists (as the form's owner registers them in Altinn).
    pub fn with_forms(mut self, catalog: &crate::form::Catalog) -> Self {
        for form in catalog.forms.values().flat_map(|v| v.values()) {
            self.policies
                .entry(form.resource.clone())
                .or_default()
                .extend(form.packages.iter().cloned());
        }
        self
    }

    /// The access packages a resource accepts; none for a resource no form names.
    fn accepted(&self, resource: &str) -> &[String] {
        self.policies.get(resource).map_or(&[], Vec::as_slice)
    }

    /// Every person, in file order (for a test login page).
    pub fn persons(&self) -> &[Person] {
        &self.data.person
    }

    /// The test employees, for the built-in employee directory.
    pub fn employees(&self) -> &[DevEmployee] {
        &self.data.employee
    }

    /// The person with this number.
    pub fn person(&self, pid: &str) -> Option<&Person> {
        self.data.person.iter().find(|p| p.pid == pid)
    }

    /// Every organisation and sub-unit, in file order.
    pub fn organisations(&self) -> &[Organisation] {
        &self.data.organisation
    }

    /// The organisation with this number.
    pub fn organisation(&self, orgnr: &str) -> Option<&Organisation> {
        self.data.organisation.iter().find(|o| o.orgnr == orgnr)
    }

    /// The test organisations' SFTP keys.
    pub fn sftp_keys(&self) -> &[DevSftpKey] {
        &self.data.sftp_key
    }

    /// Every system user (for a Maskinporten stand-in).
    pub fn system_users(&self) -> &[SystemUser] {
        &self.data.systemuser
    }

    /// The system user with this uuid (any case).
    pub fn system_user(&self, id: &str) -> Option<&SystemUser> {
        self.data
            .systemuser
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(id))
    }

    /// What `pid` holds for `orgnr` itself: roles, their packages, delegations, and the resources
    /// those packages open.
    fn direct_rights(&self, pid: &str, orgnr: &str) -> Rights {
        let mut r = Rights::default();
        for role in self
            .data
            .role
            .iter()
            .filter(|x| x.pid == pid && x.orgnr == orgnr)
        {
            r.roles.insert(role.code.clone());
            r.packages
                .extend(role_packages(&role.code).iter().map(|p| p.to_string()));
        }
        for grant in self
            .data
            .grant
            .iter()
            .filter(|x| x.pid == pid && x.orgnr == orgnr)
        {
            r.packages.extend(grant.packages.iter().cloned());
            r.resources.extend(grant.resources.iter().cloned());
        }
        for resource in &self.data.resources {
            if self
                .accepted(resource)
                .iter()
                .any(|p| r.packages.contains(p))
            {
                r.resources.insert(resource.clone());
            }
        }
        r
    }

    /// What `pid` may use for `org`: its own rights plus, for a sub-unit, the main unit's
    /// packages and resources (roles stay where they are registered).
    fn effective_rights(&self, pid: &str, org: &Organisation) -> Rights {
        let mut r = self.direct_rights(pid, &org.orgnr);
        if let Some(parent) = &org.parent {
            let p = self.direct_rights(pid, parent);
            r.packages.extend(p.packages);
            r.resources.extend(p.resources);
        }
        r
    }

    /// The authorized-parties answer for `pid`: the person themself, then every main unit they
    /// hold something for (with all its sub-units), or, when they hold rights only on some
    /// sub-units, the main unit as a hierarchy element with just those. Unknown persons get none.
    pub fn authorized_parties(&self, pid: &str) -> Vec<AuthorizedParty> {
        let Some(person) = self.person(pid) else {
            return Vec::new();
        };
        let mut out = vec![AuthorizedParty {
            party_uuid: party_uuid("person", pid),
            name: person.name.clone(),
            organization_number: None,
            person_id: Some(pid.to_owned()),
            kind: PartyType::Person,
            unit_type: None,
            is_deleted: false,
            only_hierarchy_element_with_no_access: false,
            authorized_resources: self.data.person_resources.clone(),
            authorized_access_packages: Vec::new(),
            authorized_roles: vec!["PRIV".to_owned()],
            subunits: Vec::new(),
        }];
        for main in self.data.organisation.iter().filter(|o| o.parent.is_none()) {
            let subs = self
                .data
                .organisation
                .iter()
                .filter(|o| o.parent.as_deref() == Some(main.orgnr.as_str()));
            let rights = self.direct_rights(pid, &main.orgnr);
            if rights.any() {
                let subunits = subs
                    .map(|s| org_party(s, &self.effective_rights(pid, s), false, Vec::new()))
                    .collect();
                out.push(org_party(main, &rights, false, subunits));
            } else {
                let subunits: Vec<_> = subs
                    .filter_map(|s| {
                        let r = self.direct_rights(pid, &s.orgnr);
                        r.any().then(|| org_party(s, &r, false, Vec::new()))
                    })
                    .collect();
                if !subunits.is_empty() {
                    out.push(org_party(main, &Rights::default(), true, subunits));
                }
            }
        }
        out
    }

    /// The PDP: `Permit` iff the subject holds, for the party (or its main unit, for a
    /// sub-unit), the resource or a package it accepts; a person may act for themself on the
    /// `person_resources`; a system user only for its own organisation on its own resources; an
    /// organisation itself (by its SFTP key) only for itself, on the `organisation_resources`.
    /// `read` and `write` are the actions the portal's policies know; others are denied.
    /// An unknown resource is `NotApplicable`, as no policy exists for it.
    pub fn decide(
        &self,
        subject: &Subject,
        action_id: &str,
        resource: &str,
        party: &PartyId,
    ) -> Decision {
        if !self.data.resources.iter().any(|r| r == resource) {
            return Decision::NotApplicable;
        }
        if action_id != action::READ && action_id != action::WRITE {
            return Decision::Deny;
        }
        let permit = match (subject, party) {
            (Subject::Person(pid), PartyId::Person(for_pid)) => {
                pid == for_pid
                    && self.person(pid).is_some()
                    && self.data.person_resources.iter().any(|r| r == resource)
            }
            (Subject::Person(pid), PartyId::Organisation(orgnr)) => {
                self.person(pid).is_some()
                    && self
                        .organisation(orgnr)
                        .filter(|o| !o.deleted)
                        .is_some_and(|o| {
                            self.effective_rights(pid, o)
                                .covers(resource, self.accepted(resource))
                        })
            }
            (Subject::SystemUser(id), PartyId::Organisation(orgnr)) => {
                self.system_user(id)
                    .is_some_and(|s| s.orgnr == *orgnr && s.resources.iter().any(|r| r == resource))
                    && self.organisation(orgnr).is_some_and(|o| !o.deleted)
            }
            (Subject::Organisation(o), PartyId::Organisation(orgnr)) => {
                o == orgnr
                    && self
                        .data
                        .organisation_resources
                        .iter()
                        .any(|r| r == resource)
                    && self.organisation(orgnr).is_some_and(|o| !o.deleted)
            }
            (Subject::SystemUser(_) | Subject::Organisation(_), PartyId::Person(_)) => false,
        };
        if permit {
            Decision::Permit
        } else {
            Decision::Deny
        }
    }
}

fn org_party(
    org: &Organisation,
    rights: &Rights,
    hierarchy_only: bool,
    subunits: Vec<AuthorizedParty>,
) -> AuthorizedParty {
    AuthorizedParty {
        party_uuid: party_uuid("organisation", &org.orgnr),
        name: org.name.clone(),
        organization_number: Some(org.orgnr.clone()),
        person_id: None,
        kind: PartyType::Organization,
        unit_type: Some(org.unit_type.clone()),
        is_deleted: org.deleted,
        only_hierarchy_element_with_no_access: hierarchy_only,
        authorized_resources: rights.resources.iter().cloned().collect(),
        authorized_access_packages: rights.packages.iter().cloned().collect(),
        authorized_roles: rights.roles.iter().cloned().collect(),
        subunits,
    }
}

/// A stable party uuid from the identifier, so links and stored choices survive restarts.
fn party_uuid(kind: &str, id: &str) -> Uuid {
    let hash = Sha256::digest(format!("tasteskjema-dev-registry:{kind}:{id}"));
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&hash[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// A postcode, postal town and municipality number that can be real ones.
fn check_place(
    what: &str,
    postnummer: &str,
    poststed: &str,
    kommunenummer: &str,
    problems: &mut Vec<String>,
) {
    if let Err(e) = Postnummer::parse(postnummer) {
        problems.push(format!("{what}: postnummer {postnummer:?}: {e}"));
    }
    if poststed.trim().is_empty() {
        problems.push(format!("{what}: poststed is empty"));
    }
    if let Err(e) = Kommunenummer::parse(kommunenummer) {
        problems.push(format!("{what}: kommunenummer {kommunenummer:?}: {e}"));
    }
}

fn check(d: &RegistryFile) -> Vec<String> {
    let mut problems = Vec::new();
    let resources: HashSet<&str> = d.resources.iter().map(String::as_str).collect();
    let check_resources = |what: &str, list: &[String], problems: &mut Vec<String>| {
        for r in list.iter().filter(|r| !resources.contains(r.as_str())) {
            problems.push(format!("{what}: resource {r:?} is not in `resources`"));
        }
    };
    check_resources("person_resources", &d.person_resources, &mut problems);
    check_resources(
        "organisation_resources",
        &d.organisation_resources,
        &mut problems,
    );

    let mut pids = HashSet::new();
    for (i, p) in d.person.iter().enumerate() {
        let what = format!("person {} ({})", i + 1, p.name);
        match Fodselsnummer::parse(&p.pid) {
            Err(e) => problems.push(format!("{what}: pid {}: {e}", p.pid)),
            // Real-looking numbers could be a real person's: only test numbers are allowed here.
            Ok(f) if !f.is_synthetic() => problems.push(format!(
                "{what}: pid is not a synthetic number (month + 80)"
            )),
            Ok(_) => {}
        }
        if p.name.trim().is_empty() {
            problems.push(format!("{what}: name is empty"));
        }
        if !pids.insert(p.pid.as_str()) {
            problems.push(format!("{what}: pid {} appears twice", p.pid));
        }
        if let Some(a) = &p.address {
            if a.street.trim().is_empty() || a.number.trim().is_empty() {
                problems.push(format!("{what}: address needs a street and a number"));
            }
            check_place(
                &what,
                &a.postnummer,
                &a.poststed,
                &a.kommunenummer,
                &mut problems,
            );
        }
    }

    let mut orgs = HashSet::new();
    for (i, o) in d.organisation.iter().enumerate() {
        let what = format!("organisation {} ({})", i + 1, o.name);
        if let Err(e) = Orgnr::parse(&o.orgnr) {
            problems.push(format!("{what}: orgnr {}: {e}", o.orgnr));
        }
        if o.unit_type.trim().is_empty() || o.name.trim().is_empty() {
            problems.push(format!("{what}: name and unit_type are required"));
        } else if organisation_form(&o.unit_type).is_none() {
            let known: Vec<&str> = ORGANISATION_FORMS.iter().map(|(c, _)| *c).collect();
            problems.push(format!(
                "{what}: unknown unit_type {:?} (known: {})",
                o.unit_type,
                known.join(", ")
            ));
        } else if sub_unit_form(&o.unit_type) != o.parent.is_some() {
            problems.push(format!(
                "{what}: a sub-unit (BEDR, AAFY) has a parent, and only a sub-unit has one"
            ));
        }
        if o.foretaksregisteret && o.parent.is_some() {
            problems.push(format!(
                "{what}: a sub-unit is not itself in Foretaksregisteret (its main unit is)"
            ));
        }
        match (&o.deleted_on, o.deleted) {
            (Some(d), true) if crate::form::expr::parse_date(d).is_none() => problems.push(
                format!("{what}: deleted_on {d:?} is not a date (YYYY-MM-DD)"),
            ),
            (Some(_), false) => {
                problems.push(format!("{what}: deleted_on is for a deleted organisation"))
            }
            _ => {}
        }
        if let Some(a) = &o.address {
            if a.lines.iter().all(|l| l.trim().is_empty()) {
                problems.push(format!("{what}: address needs at least one line"));
            }
            check_place(
                &what,
                &a.postnummer,
                &a.poststed,
                &a.kommunenummer,
                &mut problems,
            );
        }
        if !orgs.insert(o.orgnr.as_str()) {
            problems.push(format!("{what}: orgnr {} appears twice", o.orgnr));
        }
        if let Some(parent) = &o.parent {
            // Enhetsregisteret has two levels: a sub-unit's parent is a main unit.
            match d.organisation.iter().find(|x| &x.orgnr == parent) {
                None => problems.push(format!("{what}: parent {parent} is not an organisation")),
                Some(x) if x.parent.is_some() => {
                    problems.push(format!("{what}: parent {parent} is itself a sub-unit"))
                }
                Some(_) => {}
            }
        }
    }

    let known = |what: &str, pid: &str, orgnr: &str, problems: &mut Vec<String>| {
        if !pids.contains(pid) {
            problems.push(format!("{what}: pid {pid} is not a person"));
        }
        if !orgs.contains(orgnr) {
            problems.push(format!("{what}: orgnr {orgnr} is not an organisation"));
        }
    };
    for (i, r) in d.role.iter().enumerate() {
        let what = format!("role {}", i + 1);
        known(&what, &r.pid, &r.orgnr, &mut problems);
        if !ROLE_CODES.contains(&r.code.as_str()) {
            problems.push(format!("{what}: unknown ER role code {:?}", r.code));
        }
    }
    for (i, g) in d.grant.iter().enumerate() {
        let what = format!("grant {}", i + 1);
        known(&what, &g.pid, &g.orgnr, &mut problems);
        if g.packages.is_empty() && g.resources.is_empty() {
            problems.push(format!("{what}: grants no packages and no resources"));
        }
        for p in g
            .packages
            .iter()
            .filter(|p| !p.starts_with("urn:altinn:accesspackage:"))
        {
            problems.push(format!(
                "{what}: package {p:?} must start with urn:altinn:accesspackage:"
            ));
        }
        check_resources(&what, &g.resources, &mut problems);
    }
    let mut employee_ids = HashSet::new();
    for (i, e) in d.employee.iter().enumerate() {
        let what = format!("employee {} ({})", i + 1, e.name);
        if e.id.trim().is_empty() || e.name.trim().is_empty() {
            problems.push(format!("{what}: id and name are required"));
        }
        if !employee_ids.insert(e.id.as_str()) {
            problems.push(format!("{what}: id {} appears twice", e.id));
        }
        for r in e
            .roles
            .iter()
            .filter(|r| crate::auth::ansatt::Role::parse(r).is_none())
        {
            problems.push(format!(
                "{what}: unknown role {r:?} (skjemaforvalter, saksbehandler.<area>, drift)"
            ));
        }
    }
    let mut ids = HashSet::new();
    for (i, s) in d.systemuser.iter().enumerate() {
        let what = format!("systemuser {}", i + 1);
        if Uuid::parse_str(&s.id).is_err() {
            problems.push(format!("{what}: id {:?} is not a uuid", s.id));
        }
        if !ids.insert(s.id.to_ascii_lowercase()) {
            problems.push(format!("{what}: id {} appears twice", s.id));
        }
        if !orgs.contains(s.orgnr.as_str()) {
            problems.push(format!("{what}: orgnr {} is not an organisation", s.orgnr));
        }
        check_resources(&what, &s.resources, &mut problems);
    }
    for (i, k) in d.sftp_key.iter().enumerate() {
        let what = format!("sftp_key {}", i + 1);
        if !orgs.contains(k.orgnr.as_str()) {
            problems.push(format!("{what}: orgnr {} is not an organisation", k.orgnr));
        }
        if let Err(e) = crate::auth::ssh::read_public_key(&k.public_key) {
            problems.push(format!("{what}: public_key is refused ({e:?})"));
        }
    }
    problems
}

/// The registry's Altinn endpoints on their real paths; nest it under a prefix (e.g.
/// `/dev/altinn`) and point the [`AltinnClient`](crate::auth::altinn::AltinnClient) there.
pub fn router(registry: Arc<Registry>) -> Router {
    Router::new()
        .route(AUTHORIZED_PARTIES_PATH, post(authorized_parties))
        .route(AUTHORIZE_PATH, post(authorize))
        .route(NAMES_LOOKUP_PATH, post(names_lookup))
        .route(
            &format!("{SYSTEM_REGISTER_PATH}/{{system_id}}"),
            get(registered_system),
        )
        .with_state(registry)
}

/// Altinn Register's names lookup: each party asked for, with its name when the registry knows
/// it (by organisation number, or by fødselsnummer).
async fn names_lookup(State(registry): State<Arc<Registry>>, body: Bytes) -> Response {
    let lookup: PartyNamesLookup = match serde_json::from_slice(&body) {
        Ok(l) => l,
        Err(e) => return problem(format!("the body is not a names lookup: {e}")),
    };
    let mut party_names = Vec::with_capacity(lookup.parties.len());
    for p in lookup.parties {
        let name = match (&p.org_no, &p.ssn) {
            (Some(orgnr), None) => registry.organisation(orgnr).map(|o| o.name.clone()),
            (None, Some(pid)) => registry.person(pid).map(|p| p.name.clone()),
            _ => return problem("each party has either orgNo or ssn".to_owned()),
        };
        party_names.push(PartyName { name, ..p });
    }
    json_response(StatusCode::OK, &PartyNamesLookupResult { party_names })
}

/// The system register's system by id: the registry's system users name their systems.
async fn registered_system(
    State(registry): State<Arc<Registry>>,
    UrlPath(system_id): UrlPath<String>,
) -> Response {
    let found = registry
        .system_users()
        .iter()
        .find(|s| s.system_id.as_deref() == Some(system_id.as_str()));
    let Some(name) = found.and_then(|s| s.name.clone()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // The register's shape: the vendor is the organisation whose number opens the system id.
    let vendor = system_id.split('_').next().unwrap_or_default().to_owned();
    let system = RegisteredSystem {
        id: system_id,
        name: [("nb".to_owned(), name)].into_iter().collect(),
    };
    let mut body = serde_json::to_value(&system).unwrap_or_default();
    body["vendor"] = serde_json::json!({ "ID": format!("0192:{vendor}") });
    body["isVisible"] = true.into();
    json_response(StatusCode::OK, &body)
}

async fn authorized_parties(State(registry): State<Arc<Registry>>, body: Bytes) -> Response {
    let lookup: PartyLookup = match serde_json::from_slice(&body) {
        Ok(l) => l,
        Err(e) => return problem(format!("the body is not a party lookup: {e}")),
    };
    if lookup.kind != urn::PERSON {
        return problem(format!(
            "this registry looks up persons only: type must be {}",
            urn::PERSON
        ));
    }
    if Fodselsnummer::parse(&lookup.value).is_err() {
        return problem("value is not a fødselsnummer or d-nummer".to_owned());
    }
    json_response(StatusCode::OK, &registry.authorized_parties(&lookup.value))
}

async fn authorize(State(registry): State<Arc<Registry>>, body: Bytes) -> Response {
    let root: XacmlRequestRoot = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return problem(format!("the body is not a XACML JSON request: {e}")),
    };
    let (subject, action_id, resource, party) = match read_request(&root.request) {
        Ok(parts) => parts,
        Err(detail) => return problem(detail),
    };
    let decision = registry.decide(&subject, action_id, resource, &party);
    tracing::debug!(
        ?subject,
        action_id,
        resource,
        ?party,
        ?decision,
        "registry PDP"
    );
    let answer = XacmlResponse {
        response: vec![XacmlResult {
            decision,
            status: Some(XacmlStatus {
                status_code: XacmlStatusCode {
                    value: urn::STATUS_OK.to_owned(),
                },
            }),
            obligations: Vec::new(),
        }],
    };
    json_response(StatusCode::OK, &answer)
}

/// The subject, action, resource and party of a decision request, or what is missing.
fn read_request(r: &XacmlRequest) -> Result<(Subject, &str, &str, PartyId), String> {
    let subject = match (
        XacmlRequest::value(&r.access_subject, urn::PERSON),
        XacmlRequest::value(&r.access_subject, urn::SYSTEM_USER),
        XacmlRequest::value(&r.access_subject, urn::ORGANISATION),
    ) {
        (Some(pid), None, None) => Subject::Person(pid.to_owned()),
        (None, Some(id), None) => Subject::SystemUser(id.to_owned()),
        (None, None, Some(orgnr)) => Subject::Organisation(orgnr.to_owned()),
        _ => {
            return Err(format!(
                "AccessSubject needs exactly one of {}, {} and {}",
                urn::PERSON,
                urn::SYSTEM_USER,
                urn::ORGANISATION
            ));
        }
    };
    let action_id = XacmlRequest::value(&r.action, urn::ACTION)
        .ok_or_else(|| format!("Action needs {}", urn::ACTION))?;
    let resource = XacmlRequest::value(&r.resource, urn::RESOURCE)
        .ok_or_else(|| format!("Resource needs {}", urn::RESOURCE))?;
    let party = match (
        XacmlRequest::value(&r.resource, urn::ORGANISATION),
        XacmlRequest::value(&r.resource, urn::PERSON),
    ) {
        (Some(orgnr), None) => PartyId::Organisation(orgnr.to_owned()),
        (None, Some(pid)) => PartyId::Person(pid.to_owned()),
        _ => {
            return Err(format!(
                "Resource needs exactly one of {} and {}",
                urn::ORGANISATION,
                urn::PERSON
            ));
        }
    };
    Ok((subject, action_id, resource, party))
}

fn json_response<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// A 400 with an RFC 9457 problem body, as Altinn answers a request it cannot read.
fn problem(detail: String) -> Response {
    let body = serde_json::json!({
        "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        "title": "Bad Request",
        "status": 400,
        "detail": detail,
    });
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::altinn::resource;

    const DINA: &str = "12837810092";
    const RITA: &str = "23866410070";

    #[test]
    fn the_shipped_registry_loads_and_is_synthetic() {
        let r = Registry::load(None).unwrap();
        assert!(r.persons().len() >= 4);
        for p in r.persons() {
            assert!(Fodselsnummer::parse(&p.pid).unwrap().is_synthetic());
        }
        assert!(r.organisations().iter().any(|o| o.unit_type == "BEDR"));
        // The built-in registers can turn a party away and let one in, and every person has an
        // address to prefill.
        let live = || r.organisations().iter().filter(|o| !o.deleted);
        assert!(live().any(|o| !o.mva && o.parent.is_none()));
        assert!(live().any(|o| !o.foretaksregisteret && o.parent.is_none()));
        assert!(live().any(|o| o.mva && o.foretaksregisteret));
        assert!(live().all(|o| o.address.is_some()));
        assert!(r.persons().iter().all(|p| p.address.is_some()));
    }

    /// The shipped registry with the policies of the shipped forms, as the portal mounts it.
    fn shipped() -> Registry {
        let forms = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("forms");
        let catalog = crate::form::load::load_dir(&forms).catalog.unwrap();
        Registry::embedded().with_forms(&catalog)
    }

    #[test]
    fn roles_give_packages_and_packages_give_resources() {
        let r = shipped();
        let dina = r.direct_rights(DINA, "819897522");
        assert!(dina.packages.contains(package::SKATTEGRUNNLAG));
        assert!(dina.packages.contains(package::FORRETNINGSFORER_EIENDOM));
        assert!(dina.resources.contains(resource::BOLIGSAMEIE));
        assert!(dina.resources.contains(resource::SKRIV_TIL_OSS));
        let rita = r.direct_rights(RITA, "932061899");
        assert_eq!(
            rita.packages.iter().collect::<Vec<_>>(),
            [package::REGNSKAPSFORER_MED_SIGNERING]
        );
        assert!(rita.resources.contains(resource::BOLIGSELSKAP));
        // A board member's role carries no tax packages.
        assert!(
            r.direct_rights("05918510062", "819897522")
                .resources
                .is_empty()
        );
    }

    #[test]
    fn party_uuids_are_stable_and_distinct() {
        assert_eq!(party_uuid("person", DINA), party_uuid("person", DINA));
        assert_ne!(party_uuid("person", DINA), party_uuid("organisation", DINA));
    }

    #[test]
    fn bad_files_name_every_problem() {
        let err = Registry::from_toml(
            r#"
            resources = ["r"]
            person_resources = ["x"]
            [[person]]
            pid = "01017012345"
            name = "Real-looking"
            [[organisation]]
            orgnr = "311800010"
            name = "Bad checksum"
            unit_type = "AS"
            [[organisation]]
            orgnr = "311800027"
            name = "Orphan"
            unit_type = "BEDR"
            parent = "311800035"
            foretaksregisteret = true
            deleted_on = "2024-01-01"
            [[organisation]]
            orgnr = "311800043"
            name = "Nowhere"
            unit_type = "XYZ"
            address = { lines = [" "], postnummer = "0000", poststed = "", kommunenummer = "9999" }
            [[person]]
            pid = "12837810092"
            name = "Dina"
            address = { street = "", number = "1", postnummer = "0150", poststed = "OSLO", kommunenummer = "0302" }
            [[role]]
            pid = "30819210027"
            orgnr = "311800027"
            code = "DALG"
            [[grant]]
            pid = "30819210027"
            orgnr = "311800027"
            [[systemuser]]
            id = "not-a-uuid"
            orgnr = "311800027"
            resources = ["q"]
            "#,
        )
        .unwrap_err();
        let text = err.to_string();
        for needle in [
            "person_resources: resource \"x\"",
            "person 1 (Real-looking): pid",
            "orgnr 311800010",
            "parent 311800035 is not an organisation",
            "role 1: pid 30819210027 is not a person",
            "unknown ER role code \"DALG\"",
            "grant 1: grants no packages",
            "id \"not-a-uuid\" is not a uuid",
            "systemuser 1: resource \"q\"",
            "(Orphan): a sub-unit is not itself in Foretaksregisteret",
            "(Orphan): deleted_on is for a deleted organisation",
            "(Nowhere): unknown unit_type \"XYZ\"",
            "(Nowhere): address needs at least one line",
            "(Nowhere): postnummer \"0000\"",
            "(Nowhere): poststed is empty",
            "(Nowhere): kommunenummer \"9999\"",
            "(Dina): address needs a street and a number",
            "(Dina): kommunenummer \"0302\"",
        ] {
            assert!(text.contains(needle), "{needle:?} missing in:\n{text}");
        }
        assert!(Registry::from_toml("unknown_key = 1").is_err());
    }

    #[test]
    fn unknown_resources_and_actions_are_not_permitted() {
        let r = shipped();
        let dina = Subject::Person(DINA.into());
        let sameie = PartyId::Organisation("819897522".into());
        assert_eq!(
            r.decide(&dina, "write", resource::BOLIGSAMEIE, &sameie),
            Decision::Permit
        );
        assert_eq!(
            r.decide(&dina, "delete", resource::BOLIGSAMEIE, &sameie),
            Decision::Deny
        );
        assert_eq!(
            r.decide(&dina, "write", "ske-ukjent", &sameie),
            Decision::NotApplicable
        );
    }
}
