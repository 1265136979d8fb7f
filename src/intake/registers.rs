//! The public registers a draft is prefilled from: Enhetsregisteret (Brønnøysundregistrene's open
//! data API) for the party, Folkeregisteret (Skatteetaten's API for public bodies with legal
//! basis, reached with the portal's Maskinporten token) for the logged-in person.
//!
//! - `GET {enhetsregisteret}/enhetsregisteret/api/enheter/{orgnr}` and `…/underenheter/{orgnr}`:
//!   200 with the unit, 404 for a number the register does not know, 410 for a deleted unit;
//! - `GET {folkeregisteret}/folkeregisteret/offentlig-med-hjemmel/api/v1/personer/{fnr}?part=navn&part=bostedsadresse`
//!   with `Authorization: Bearer …`: 200 with the person (only the parts asked for), 404 for an
//!   unknown number.
//!
//! Only the fields the form language reads are kept ([`RegisterEntry`], [`PersonEntry`]). A
//! register never fails a page: no answer, a slow one or one that cannot be read is logged and
//! means "no prefill" ([`Answer::Unavailable`]). Answers are kept for a short while
//! ([`CACHE_TTL`]), so that the start page and the start of the draft ask once; a failure is never
//! kept, so a register that is back is asked again at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::dialogporten::TokenSource;
use crate::form::expr::{PersonEntry, RegisterEntry};

/// Where Enhetsregisteret keeps its main units, below its base URL.
pub const ENHETER_PATH: &str = "/enhetsregisteret/api/enheter";
/// Where Enhetsregisteret keeps its sub-units, below its base URL.
pub const UNDERENHETER_PATH: &str = "/enhetsregisteret/api/underenheter";
/// Folkeregisteret's person lookup for public bodies with legal basis, below its base URL.
pub const PERSONER_PATH: &str = "/folkeregisteret/offentlig-med-hjemmel/api/v1/personer";
/// The Maskinporten scope of that lookup.
pub const FOLKEREGISTER_SCOPE: &str = "folkeregister:deling/offentligmedhjemmel";
/// How long one lookup may take: a page waits for it.
const TIMEOUT: Duration = Duration::from_secs(5);
/// How long an answer is kept.
pub const CACHE_TTL: Duration = Duration::from_secs(10 * 60);
/// Past this many kept answers, the stale ones are dropped.
const CACHE_MAX: usize = 10_000;

/// What a register said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer<T> {
    /// Its entry.
    Found(T),
    /// It has none: an unknown number (404), or for Enhetsregisteret a deleted unit (410).
    Missing,
    /// It did not answer, or not in a way that can be read (logged): nothing is known.
    Unavailable,
}

impl<T> Answer<T> {
    /// The entry, when there is one.
    pub fn found(self) -> Option<T> {
        match self {
            Answer::Found(t) => Some(t),
            Answer::Missing | Answer::Unavailable => None,
        }
    }
}

/// An address in Enhetsregisteret (`forretningsadresse`, `beliggenhetsadresse`, `postadresse`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adresse {
    /// The address lines.
    #[serde(default)]
    pub adresse: Vec<String>,
    /// Postcode.
    pub postnummer: Option<String>,
    /// Postal town.
    pub poststed: Option<String>,
    /// Municipality number.
    pub kommunenummer: Option<String>,
    /// Municipality.
    pub kommune: Option<String>,
    /// Country.
    pub land: Option<String>,
    /// Country code.
    pub landkode: Option<String>,
}

/// A form of organisation: its code and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisasjonsform {
    /// E.g. `AS`.
    pub kode: String,
    /// E.g. `Aksjeselskap`.
    pub beskrivelse: Option<String>,
}

/// A main unit, as `GET …/enheter/{orgnr}` gives it (the fields read here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Enhet {
    /// Its number.
    pub organisasjonsnummer: String,
    /// Its registered name.
    pub navn: String,
    /// Its form of organisation.
    pub organisasjonsform: Option<Organisasjonsform>,
    /// Its business address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forretningsadresse: Option<Adresse>,
    /// Its postal address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postadresse: Option<Adresse>,
    /// In Merverdiavgiftsregisteret.
    #[serde(default)]
    pub registrert_i_mvaregisteret: bool,
    /// In Foretaksregisteret.
    #[serde(default)]
    pub registrert_i_foretaksregisteret: bool,
    /// When it was deleted, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slettedato: Option<String>,
}

/// A sub-unit, as `GET …/underenheter/{orgnr}` gives it (the fields read here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Underenhet {
    /// Its number.
    pub organisasjonsnummer: String,
    /// Its registered name.
    pub navn: String,
    /// Its form of organisation (`BEDR`, `AAFY`).
    pub organisasjonsform: Option<Organisasjonsform>,
    /// Where it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beliggenhetsadresse: Option<Adresse>,
    /// Its postal address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postadresse: Option<Adresse>,
    /// In Merverdiavgiftsregisteret.
    #[serde(default)]
    pub registrert_i_mvaregisteret: bool,
    /// Its main unit's number.
    pub overordnet_enhet: Option<String>,
    /// When it was deleted, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slettedato: Option<String>,
}

/// One name of a person in Folkeregisteret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Navn {
    /// Whether it is the name now.
    #[serde(default)]
    pub er_gjeldende: bool,
    /// First name(s).
    pub fornavn: Option<String>,
    /// Middle name(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mellomnavn: Option<String>,
    /// Last name.
    pub etternavn: Option<String>,
}

/// House number and letter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adressenummer {
    /// The number.
    pub husnummer: Option<String>,
    /// The letter, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub husbokstav: Option<String>,
}

/// Postcode and postal town.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Poststed {
    /// Postal town.
    pub poststedsnavn: Option<String>,
    /// Postcode.
    pub postnummer: Option<String>,
}

/// A street address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vegadresse {
    /// Municipality number.
    pub kommunenummer: Option<String>,
    /// Street name.
    pub adressenavn: Option<String>,
    /// House number and letter.
    pub adressenummer: Option<Adressenummer>,
    /// Postcode and town.
    pub poststed: Option<Poststed>,
}

/// One home address of a person (a person may have had several; one is current).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bostedsadresse {
    /// Whether it is the address now.
    #[serde(default)]
    pub er_gjeldende: bool,
    /// A street address (others, such as a cadastral address, are not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vegadresse: Option<Vegadresse>,
}

/// A person, as the lookup gives it with `part=navn&part=bostedsadresse` (the parts read here).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Folkeregisterperson {
    /// Names, the current one marked.
    #[serde(default)]
    pub navn: Vec<Navn>,
    /// Home addresses, the current one marked.
    #[serde(default)]
    pub bostedsadresse: Vec<Bostedsadresse>,
}

/// Text that holds something.
fn some(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl Adresse {
    /// The address lines, joined.
    fn lines(&self) -> Option<String> {
        let lines: Vec<&str> = self
            .adresse
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .collect();
        (!lines.is_empty()).then(|| lines.join(", "))
    }
}

/// The entry of a unit with this name, form, address and registrations.
fn entry(
    navn: &str,
    form: Option<&Organisasjonsform>,
    address: Option<&Adresse>,
    mva: bool,
    foretaksregisteret: bool,
) -> RegisterEntry {
    RegisterEntry {
        navn: some(Some(navn)),
        organisasjonsform: form.and_then(|f| some(Some(&f.kode))),
        adresse: address.and_then(Adresse::lines),
        postnummer: address.and_then(|a| some(a.postnummer.as_deref())),
        poststed: address.and_then(|a| some(a.poststed.as_deref())),
        kommunenummer: address.and_then(|a| some(a.kommunenummer.as_deref())),
        mva,
        foretaksregisteret,
    }
}

impl Enhet {
    /// As the form language reads it: the business address, else the postal one.
    pub fn entry(&self) -> RegisterEntry {
        let address = self
            .forretningsadresse
            .as_ref()
            .or(self.postadresse.as_ref());
        entry(
            &self.navn,
            self.organisasjonsform.as_ref(),
            address,
            self.registrert_i_mvaregisteret,
            self.registrert_i_foretaksregisteret,
        )
    }
}

impl Underenhet {
    /// As the form language reads it, with its main unit's registration in Foretaksregisteret
    /// (where the enterprise the sub-unit belongs to is registered).
    pub fn entry(&self, main: &Enhet) -> RegisterEntry {
        let address = self
            .beliggenhetsadresse
            .as_ref()
            .or(self.postadresse.as_ref());
        entry(
            &self.navn,
            self.organisasjonsform.as_ref(),
            address,
            self.registrert_i_mvaregisteret,
            main.registrert_i_foretaksregisteret,
        )
    }
}

impl Folkeregisterperson {
    /// As the form language reads it: the current name and home address (the first, when none
    /// is marked current).
    pub fn entry(&self) -> PersonEntry {
        let navn = self
            .navn
            .iter()
            .find(|n| n.er_gjeldende)
            .or(self.navn.first());
        let full = navn.and_then(|n| {
            let parts: Vec<String> = [&n.fornavn, &n.mellomnavn, &n.etternavn]
                .into_iter()
                .filter_map(|p| some(p.as_deref()))
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        });
        let address = self
            .bostedsadresse
            .iter()
            .find(|a| a.er_gjeldende)
            .or(self.bostedsadresse.first())
            .and_then(|a| a.vegadresse.as_ref());
        let street = address.and_then(|v| {
            let name = some(v.adressenavn.as_deref())?;
            let number = v.adressenummer.as_ref().map(|n| {
                format!(
                    "{}{}",
                    n.husnummer.as_deref().unwrap_or("").trim(),
                    n.husbokstav.as_deref().unwrap_or("").trim()
                )
            });
            Some(match number.filter(|n| !n.is_empty()) {
                Some(n) => format!("{name} {n}"),
                None => name,
            })
        });
        let poststed = address.and_then(|v| v.poststed.as_ref());
        PersonEntry {
            navn: full,
            adresse: street,
            postnummer: poststed.and_then(|p| some(p.postnummer.as_deref())),
            poststed: poststed.and_then(|p| some(p.poststedsnavn.as_deref())),
        }
    }
}

/// An answer kept in the cache: a failure never is.
#[derive(Debug, Clone)]
enum Kept {
    Unit(RegisterEntry),
    Person(PersonEntry),
    Missing,
}

/// The portal's client of both registers.
pub struct Registers {
    enhetsregisteret: String,
    folkeregisteret: String,
    http: reqwest::Client,
    tokens: Arc<dyn TokenSource>,
    cache: Mutex<HashMap<String, (Instant, Kept)>>,
}

impl std::fmt::Debug for Registers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registers")
            .field("enhetsregisteret", &self.enhetsregisteret)
            .field("folkeregisteret", &self.folkeregisteret)
            .finish_non_exhaustive()
    }
}

/// How one GET went.
enum Got<T> {
    Ok(T),
    /// 404 or 410.
    Missing,
    /// Anything else; the reason, for the log.
    Failed(String),
}

impl Registers {
    /// The client of Enhetsregisteret at `enhetsregisteret` and Folkeregisteret at
    /// `folkeregisteret` (base URLs), calling Folkeregisteret with tokens from `tokens` (the
    /// portal's Maskinporten client, asking for [`FOLKEREGISTER_SCOPE`]). `http` should follow no
    /// redirects.
    pub fn new(
        enhetsregisteret: impl Into<String>,
        folkeregisteret: impl Into<String>,
        http: reqwest::Client,
        tokens: Arc<dyn TokenSource>,
    ) -> Registers {
        Registers {
            enhetsregisteret: enhetsregisteret.into().trim_end_matches('/').to_owned(),
            folkeregisteret: folkeregisteret.into().trim_end_matches('/').to_owned(),
            http,
            tokens,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn kept(&self, key: &str) -> Option<Kept> {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .get(key)
            .filter(|(at, _)| at.elapsed() < CACHE_TTL)
            .map(|(_, k)| k.clone())
    }

    fn keep(&self, key: String, kept: Kept) {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= CACHE_MAX {
            cache.retain(|_, (at, _)| at.elapsed() < CACHE_TTL);
        }
        cache.insert(key, (Instant::now(), kept));
    }

    /// GET `url` (with a bearer token when given) and read the JSON answer.
    async fn get<T: serde::de::DeserializeOwned>(&self, url: &str, bearer: Option<&str>) -> Got<T> {
        let mut request = self
            .http
            .get(url)
            .timeout(TIMEOUT)
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        // The URL may hold a person number: it is left out of what is logged.
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return Got::Failed(format!("no answer: {}", e.without_url())),
        };
        match response.status().as_u16() {
            200 => match response.json::<T>().await {
                Ok(t) => Got::Ok(t),
                Err(e) => Got::Failed(format!(
                    "an answer that cannot be read: {}",
                    e.without_url()
                )),
            },
            404 | 410 => Got::Missing,
            status => Got::Failed(format!("status {status}")),
        }
    }

    /// The organisation's entry in Enhetsregisteret: as a sub-unit first when `sub_unit` says it
    /// is one, else as a main unit first, then the other way (a number is one or the other). A
    /// sub-unit's registration in Foretaksregisteret is its main unit's.
    pub async fn unit(&self, orgnr: &str, sub_unit: bool) -> Answer<RegisterEntry> {
        let key = format!("enhet:{orgnr}");
        match self.kept(&key) {
            Some(Kept::Unit(e)) => return Answer::Found(e),
            Some(Kept::Missing) => return Answer::Missing,
            Some(Kept::Person(_)) | None => {}
        }
        let answer = if sub_unit {
            match self.sub_unit(orgnr).await {
                Answer::Missing => self.main_unit(orgnr).await,
                other => other,
            }
        } else {
            match self.main_unit(orgnr).await {
                Answer::Missing => self.sub_unit(orgnr).await,
                other => other,
            }
        };
        match &answer {
            Answer::Found(e) => self.keep(key, Kept::Unit(e.clone())),
            Answer::Missing => {
                tracing::info!(orgnr, "Enhetsregisteret has no such unit, or it is deleted");
                self.keep(key, Kept::Missing);
            }
            Answer::Unavailable => {}
        }
        answer
    }

    async fn main_unit(&self, orgnr: &str) -> Answer<RegisterEntry> {
        match self.enhet(orgnr).await {
            Got::Ok(e) => Answer::Found(e.entry()),
            Got::Missing => Answer::Missing,
            Got::Failed(why) => {
                tracing::warn!(orgnr, why = %why, "Enhetsregisteret (enheter): no prefill");
                Answer::Unavailable
            }
        }
    }

    async fn enhet(&self, orgnr: &str) -> Got<Enhet> {
        let url = format!("{}{ENHETER_PATH}/{orgnr}", self.enhetsregisteret);
        self.get(&url, None).await
    }

    async fn sub_unit(&self, orgnr: &str) -> Answer<RegisterEntry> {
        let url = format!("{}{UNDERENHETER_PATH}/{orgnr}", self.enhetsregisteret);
        let sub: Underenhet = match self.get(&url, None).await {
            Got::Ok(u) => u,
            Got::Missing => return Answer::Missing,
            Got::Failed(why) => {
                tracing::warn!(orgnr, why = %why, "Enhetsregisteret (underenheter): no prefill");
                return Answer::Unavailable;
            }
        };
        let Some(main) = sub.overordnet_enhet.as_deref() else {
            tracing::warn!(orgnr, "Enhetsregisteret: a sub-unit without a main unit");
            return Answer::Unavailable;
        };
        match self.enhet(main).await {
            Got::Ok(m) => Answer::Found(sub.entry(&m)),
            // Half an answer would read as "not registered": none is better.
            Got::Missing | Got::Failed(_) => {
                tracing::warn!(
                    orgnr,
                    main,
                    "Enhetsregisteret: the main unit did not answer"
                );
                Answer::Unavailable
            }
        }
    }

    /// The person's entry in Folkeregisteret: the name and home address.
    pub async fn person(&self, pid: &str) -> Answer<PersonEntry> {
        let key = format!("person:{pid}");
        match self.kept(&key) {
            Some(Kept::Person(p)) => return Answer::Found(p),
            Some(Kept::Missing) => return Answer::Missing,
            Some(Kept::Unit(_)) | None => {}
        }
        let who = crate::form::no::masked(pid);
        let token = match self.tokens.token().await {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(person = %who, error = %e, "no Maskinporten token for Folkeregisteret: no prefill");
                return Answer::Unavailable;
            }
        };
        let url = format!(
            "{}{PERSONER_PATH}/{pid}?part=navn&part=bostedsadresse",
            self.folkeregisteret
        );
        match self.get::<Folkeregisterperson>(&url, Some(&token)).await {
            Got::Ok(p) => {
                let entry = p.entry();
                self.keep(key, Kept::Person(entry.clone()));
                Answer::Found(entry)
            }
            Got::Missing => {
                tracing::info!(person = %who, "Folkeregisteret has no such person");
                self.keep(key, Kept::Missing);
                Answer::Missing
            }
            Got::Failed(why) => {
                tracing::warn!(person = %who, why = %why, "Folkeregisteret: no prefill");
                Answer::Unavailable
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A main unit as the open data API writes it (made-up unit, real shape), with fields this
    /// client does not read.
    const ENHET: &str = r#"{
      "organisasjonsnummer": "311800019",
      "navn": "FIKTIV BAKERI OG KAFÉ AS",
      "organisasjonsform": {
        "kode": "AS",
        "beskrivelse": "Aksjeselskap",
        "_links": { "self": { "href": "https://data.brreg.no/enhetsregisteret/api/organisasjonsformer/AS" } }
      },
      "registreringsdatoEnhetsregisteret": "2019-03-01",
      "registrertIMvaregisteret": true,
      "naeringskode1": { "kode": "56.101", "beskrivelse": "Drift av restauranter og kafeer" },
      "antallAnsatte": 12,
      "forretningsadresse": {
        "land": "Norge",
        "landkode": "NO",
        "postnummer": "0150",
        "poststed": "OSLO",
        "adresse": ["Fiktivgata 12", ""],
        "kommune": "OSLO",
        "kommunenummer": "0301"
      },
      "institusjonellSektorkode": { "kode": "2100", "beskrivelse": "Private aksjeselskaper mv." },
      "registrertIForetaksregisteret": true,
      "registrertIStiftelsesregisteret": false,
      "registrertIFrivillighetsregisteret": false,
      "konkurs": false,
      "underAvvikling": false,
      "underTvangsavviklingEllerTvangsopplosning": false,
      "maalform": "Bokmål",
      "_links": { "self": { "href": "https://data.brreg.no/enhetsregisteret/api/enheter/311800019" } }
    }"#;

    const UNDERENHET: &str = r#"{
      "organisasjonsnummer": "311800027",
      "navn": "FIKTIV BAKERI OG KAFÉ AS AVD TORGET",
      "organisasjonsform": { "kode": "BEDR", "beskrivelse": "Underenhet til næringsdrivende og offentlig forvaltning" },
      "registreringsdatoEnhetsregisteret": "2019-03-01",
      "registrertIMvaregisteret": true,
      "antallAnsatte": 5,
      "overordnetEnhet": "311800019",
      "oppstartsdato": "2019-03-01",
      "beliggenhetsadresse": {
        "land": "Norge", "landkode": "NO", "postnummer": "5003", "poststed": "BERGEN",
        "adresse": ["Oppdiktet torg 3"], "kommune": "BERGEN", "kommunenummer": "4601"
      },
      "_links": { "self": { "href": "https://data.brreg.no/enhetsregisteret/api/underenheter/311800027" } }
    }"#;

    const PERSON: &str = r#"{
      "identifikasjonsnummer": [
        { "erGjeldende": true, "kilde": "Synutopia", "status": "iBruk",
          "foedselsEllerDNummer": "12837810092", "identifikatortype": "foedselsnummer" }
      ],
      "navn": [
        { "ajourholdstidspunkt": "2020-01-01T00:00:00+01:00", "erGjeldende": false,
          "kilde": "Synutopia", "fornavn": "DINA", "etternavn": "GAMMELNAVN" },
        { "ajourholdstidspunkt": "2022-01-01T00:00:00+01:00", "erGjeldende": true,
          "kilde": "Synutopia", "fornavn": "DINA", "mellomnavn": "DAGLIG", "etternavn": "TESTESEN" }
      ],
      "bostedsadresse": [
        { "erGjeldende": true, "kilde": "Synutopia", "gyldighetstidspunkt": "2022-03-29T00:00:00+02:00",
          "vegadresse": {
            "kommunenummer": "0301", "bruksenhetsnummer": "H0101", "bruksenhetstype": "bolig",
            "adressenavn": "Testveien", "adressenummer": { "husnummer": "12", "husbokstav": "B" },
            "adressekode": "12345",
            "poststed": { "poststedsnavn": "OSLO", "postnummer": "0150" }
          },
          "adressegradering": "ugradert", "flyttedato": "2022-03-29" }
      ]
    }"#;

    #[test]
    fn a_main_unit_reads_as_the_register_writes_it() {
        let e: Enhet = serde_json::from_str(ENHET).unwrap();
        assert_eq!(
            e.entry(),
            RegisterEntry {
                navn: Some("FIKTIV BAKERI OG KAFÉ AS".into()),
                organisasjonsform: Some("AS".into()),
                adresse: Some("Fiktivgata 12".into()),
                postnummer: Some("0150".into()),
                poststed: Some("OSLO".into()),
                kommunenummer: Some("0301".into()),
                mva: true,
                foretaksregisteret: true,
            }
        );
    }

    #[test]
    fn a_sub_unit_takes_its_main_units_foretaksregisteret() {
        let sub: Underenhet = serde_json::from_str(UNDERENHET).unwrap();
        assert_eq!(sub.overordnet_enhet.as_deref(), Some("311800019"));
        let mut main: Enhet = serde_json::from_str(ENHET).unwrap();
        let e = sub.entry(&main);
        assert_eq!(e.organisasjonsform.as_deref(), Some("BEDR"));
        assert_eq!(e.adresse.as_deref(), Some("Oppdiktet torg 3"));
        assert_eq!(e.kommunenummer.as_deref(), Some("4601"));
        assert!(e.mva && e.foretaksregisteret);
        main.registrert_i_foretaksregisteret = false;
        assert!(!sub.entry(&main).foretaksregisteret);
    }

    #[test]
    fn missing_registrations_and_addresses_read_as_none() {
        let e: Enhet = serde_json::from_str(
            r#"{"organisasjonsnummer": "819897522", "navn": "TESTSAMEIET SKOGLY",
                "organisasjonsform": {"kode": "ESEK", "beskrivelse": "Eierseksjonssameie"},
                "postadresse": {"adresse": ["Postboks 12"], "postnummer": "0101", "poststed": "OSLO"}}"#,
        )
        .unwrap();
        let entry = e.entry();
        assert!(!entry.mva && !entry.foretaksregisteret);
        // No business address: the postal one is the address there is.
        assert_eq!(entry.adresse.as_deref(), Some("Postboks 12"));
        assert_eq!(entry.kommunenummer, None);
    }

    #[test]
    fn a_person_reads_as_folkeregisteret_writes_it() {
        let p: Folkeregisterperson = serde_json::from_str(PERSON).unwrap();
        assert_eq!(
            p.entry(),
            PersonEntry {
                navn: Some("DINA DAGLIG TESTESEN".into()),
                adresse: Some("Testveien 12B".into()),
                postnummer: Some("0150".into()),
                poststed: Some("OSLO".into()),
            }
        );
        // Only the parts asked for come back; none is no entry, not an error.
        let bare: Folkeregisterperson =
            serde_json::from_str(r#"{"identifikasjonsnummer": []}"#).unwrap();
        assert_eq!(bare.entry(), PersonEntry::default());
    }

    #[tokio::test]
    async fn a_closed_port_is_unavailable_and_not_kept() {
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let base = format!("http://{closed}");
        let r = Registers::new(
            &base,
            &base,
            crate::auth::idporten::http_client().unwrap(),
            Arc::new(super::super::dialogporten::StaticToken("t".into())),
        );
        assert_eq!(r.unit("311800019", false).await, Answer::Unavailable);
        assert_eq!(r.person("12837810092").await, Answer::Unavailable);
        assert!(r.cache.lock().unwrap().is_empty());
    }
}
