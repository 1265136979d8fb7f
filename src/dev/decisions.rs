//! What the simulated domain systems decide on an accepted submission of a form that asks for a
//! decision, and the documents they issue with it:
//!
//! - RF-1114 (utsatt frist): the deadline asked for is granted;
//! - RF-1097 (forskuddsskatt): advance tax written out again, with a KID when it goes up;
//! - RF-1316 (attest): a certificate of tax and VAT and/or of a property's wealth-tax value, as
//!   tagged PDFs in the language ordered;
//! - RF-1347 (særavgiftsmeldingen): the duty assessed per line, the sum to pay with its KID and
//!   the deadline to pay by.
//!
//! A decision depends only on what was received (the document, the party, the time it arrived),
//! so asking twice gives the same decision and the same documents, byte for byte.

use serde_json::Value;

use super::registry::Registry;
use crate::form::{FieldKind, Lang};
use crate::intake::domain::{Dokument, Opplysning, Vedtak};
use crate::intake::pdf::{ReceiptPdf, Section, render};

/// A submission as the domain system received it.
pub struct Received<'a> {
    /// The submission's id.
    pub id: &'a str,
    /// The form's id (`skjema`).
    pub form: &'a str,
    /// The submitted document.
    pub document: &'a Value,
    /// The party: `org:<orgnr>` or `person:<pid>`.
    pub party: &'a str,
    /// The party's name, when the portal sent it.
    pub party_name: Option<&'a str>,
    /// When it arrived, Unix milliseconds.
    pub received_at: i64,
}

/// A decision and the bytes of each document it lists, in the same order.
pub struct Decision {
    /// The decision.
    pub vedtak: Vedtak,
    /// Each document's bytes, by the id in `vedtak.dokumenter`.
    pub documents: Vec<(String, Vec<u8>)>,
}

impl Decision {
    fn plain(vedtak: Vedtak) -> Decision {
        Decision {
            vedtak,
            documents: Vec::new(),
        }
    }
}

fn fact(navn: &str, verdi: String) -> Opplysning {
    Opplysning {
        navn: navn.to_owned(),
        verdi,
    }
}

/// `2026-06-30` as `30.06.2026`.
fn shown(d: &str) -> String {
    match d.split('-').collect::<Vec<_>>().as_slice() {
        [y, m, d] => format!("{d}.{m}.{y}"),
        _ => d.to_owned(),
    }
}

fn kroner(amount: i64, lang: Lang) -> String {
    crate::form::input::display(&FieldKind::Amount, Some(&Value::from(amount)), lang)
}

/// What the domain system decides on `r`, if its form asks for a decision.
pub fn decide(r: &Received, registry: Option<&Registry>) -> anyhow::Result<Option<Decision>> {
    let doc = r.document;
    let text = |p: &str| doc.pointer(p).and_then(Value::as_str);
    Ok(match r.form {
        "RF-1114" => {
            let Some(frist) = text("/soeknad/nyFrist") else {
                return Ok(None);
            };
            let year = doc.pointer("/soeknad/inntektsaar").map(ToString::to_string);
            Some(Decision::plain(Vedtak {
                tittel: "Søknaden om utsatt frist er innvilget".to_owned(),
                opplysninger: [fact("Ny frist", shown(frist))]
                    .into_iter()
                    .chain(year.map(|y| fact("Inntektsår", y)))
                    .collect(),
                kid: None,
                belop: None,
                frist: Some(frist.to_owned()),
                dokumenter: Vec::new(),
            }))
        }
        "RF-1097" => {
            let Some(amount) = doc.pointer("/endring/nyttBeloep").and_then(Value::as_i64) else {
                return Ok(None);
            };
            let increase = text("/endring/type") == Some("oekning");
            Some(Decision::plain(Vedtak {
                tittel: if increase {
                    "Ny forskuddsskatt er skrevet ut"
                } else {
                    "Forskuddsskatten er satt ned"
                }
                .to_owned(),
                opplysninger: vec![fact("Ny forskuddsskatt for året", kroner(amount, Lang::Nb))],
                kid: increase.then(|| kid(r.id)),
                belop: increase.then_some(amount),
                frist: None,
                dokumenter: Vec::new(),
            }))
        }
        "RF-1316" => Some(certificates(r, registry)?),
        "RF-1347" => assessment(r),
        _ => None,
    })
}

/// A KID for a submission: 14 digits from its id and a mod-10 (Luhn) check digit.
pub fn kid(id: &str) -> String {
    let mut digits: String = id
        .bytes()
        .filter(u8::is_ascii_hexdigit)
        .map(|b| char::from(b'0' + (b % 10)))
        .take(14)
        .collect();
    while digits.len() < 14 {
        digits.push('0');
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    digits.push(char::from(b'0' + ((10 - sum % 10) % 10) as u8));
    digits
}

// ─── RF-1316: the certificates ──────────────────────────────────────────────────────────────────

/// A certificate's words in one language.
struct Words {
    lang: Lang,
    tax_title: &'static str,
    value_title: &'static str,
    number: &'static str,
    issued: &'static str,
    concerns: &'static str,
    purpose: &'static str,
    owed_heading: &'static str,
    owed: [&'static str; 6],
    vat_heading: &'static str,
    vat_registered: &'static str,
    yes: &'static str,
    no: &'static str,
    property_heading: &'static str,
    property: &'static str,
    income_year: &'static str,
    value: &'static str,
    also_to: &'static str,
    footer: &'static str,
}

const NB: Words = Words {
    lang: Lang::Nb,
    tax_title: "Attest for skatt og merverdiavgift",
    value_title: "Attest for formuesverdi for eiendom",
    number: "Attestnummer",
    issued: "Utstedt",
    concerns: "Gjelder",
    purpose: "Formål",
    owed_heading: "Forfalt og ikke betalt per utstedelsesdagen",
    owed: [
        "Skatt (forskuddsskatt og restskatt)",
        "Arbeidsgiveravgift",
        "Forskuddstrekk",
        "Utleggstrekk",
        "Merverdiavgift",
        "Renter",
    ],
    vat_heading: "Merverdiavgiftsregisteret",
    vat_registered: "Registrert i Merverdiavgiftsregisteret",
    yes: "Ja",
    no: "Nei",
    property_heading: "Eiendommen",
    property: "Eiendom (kommunenummer-gårdsnummer/bruksnummer/festenummer/seksjonsnummer)",
    income_year: "Inntektsår",
    value: "Formuesverdi",
    also_to: "Sendt også til",
    footer: "Simulert attest fra testmiljøet til Tasteskjema. Ikke gyldig som dokumentasjon.",
};

const NN: Words = Words {
    lang: Lang::Nn,
    tax_title: "Attest for skatt og meirverdiavgift",
    value_title: "Attest for formuesverdi for eigedom",
    number: "Attestnummer",
    issued: "Utferda",
    concerns: "Gjeld",
    purpose: "Føremål",
    owed_heading: "Forfalle og ikkje betalt per utferdingsdagen",
    owed: [
        "Skatt (forskotsskatt og restskatt)",
        "Arbeidsgivaravgift",
        "Forskotstrekk",
        "Utleggstrekk",
        "Meirverdiavgift",
        "Renter",
    ],
    vat_heading: "Meirverdiavgiftsregisteret",
    vat_registered: "Registrert i Meirverdiavgiftsregisteret",
    yes: "Ja",
    no: "Nei",
    property_heading: "Eigedomen",
    property: "Eigedom (kommunenummer-gardsnummer/bruksnummer/festenummer/seksjonsnummer)",
    income_year: "Inntektsår",
    value: "Formuesverdi",
    also_to: "Sendt også til",
    footer: "Simulert attest frå testmiljøet til Tasteskjema. Ikkje gyldig som dokumentasjon.",
};

const EN: Words = Words {
    lang: Lang::En,
    tax_title: "Certificate of tax and VAT",
    value_title: "Certificate of the wealth-tax value of a property",
    number: "Certificate number",
    issued: "Issued",
    concerns: "Concerning",
    purpose: "Purpose",
    owed_heading: "Due and unpaid on the day of issue",
    owed: [
        "Tax (advance tax and residual tax)",
        "Employer's national insurance contributions",
        "Tax deductions (forskuddstrekk)",
        "Attachment-of-earnings deductions",
        "Value added tax",
        "Interest",
    ],
    vat_heading: "The VAT Register",
    vat_registered: "Registered in the VAT Register",
    yes: "Yes",
    no: "No",
    property_heading: "The property",
    property: "Property (municipality-farm/title/leasehold/section number)",
    income_year: "Income year",
    value: "Wealth-tax value",
    also_to: "Also sent to",
    footer: "Simulated certificate from the Tasteskjema test environment. Not valid as documentation.",
};

/// The day a time falls on in Norway, as `YYYY-MM-DD`.
fn oslo_day(ms: i64) -> String {
    let t = crate::i18n::oslo(
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
    );
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}

/// The certificates RF-1316 orders, as PDFs in the language ordered.
fn certificates(r: &Received, registry: Option<&Registry>) -> anyhow::Result<Decision> {
    let doc = r.document;
    let text = |p: &str| {
        doc.pointer(p)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let w = match text("/bestilling/spraak") {
        Some("nynorsk") => &NN,
        Some("engelsk") => &EN,
        _ => &NB,
    };
    let ordered: Vec<&str> = doc
        .pointer("/bestilling/attester")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let orgnr = r.party.strip_prefix("org:");
    let entry = orgnr.and_then(|o| registry.and_then(|reg| reg.organisation(o)));
    let name = r
        .party_name
        .map(str::to_owned)
        .or_else(|| entry.map(|e| e.name.clone()));
    let concerns = match (orgnr, name) {
        (Some(o), Some(n)) => format!("{n} ({})", crate::form::no::orgnr_spaced(o)),
        (Some(o), None) => crate::form::no::orgnr_spaced(o),
        (None, Some(n)) => n,
        (None, None) => crate::form::no::masked(r.party.trim_start_matches("person:")),
    };
    let issued_day = oslo_day(r.received_at);
    let number = format!("A{}", &kid(r.id)[..10]);
    let mut top: Vec<(&str, String)> = vec![
        (w.number, number.clone()),
        (w.issued, shown(&issued_day)),
        (w.concerns, concerns),
    ];
    if let Some(p) = text("/bestilling/formaal") {
        top.push((w.purpose, p.to_owned()));
    }
    let mut documents = Vec::new();
    let mut dokumenter = Vec::new();
    let mut issue = |id: &str, filnavn: String, pdf: Vec<u8>| {
        use sha2::{Digest, Sha256};
        dokumenter.push(Dokument {
            id: id.to_owned(),
            filnavn,
            mediatype: "application/pdf".to_owned(),
            storrelse: pdf.len() as i64,
            sha256: hex::encode(Sha256::digest(&pdf)),
        });
        documents.push((id.to_owned(), pdf));
    };
    if ordered.contains(&"skattOgMerverdiavgift") {
        let zero = kroner(0, w.lang);
        let registered = match (orgnr, entry) {
            (Some(_), Some(e)) => e.mva,
            _ => false,
        };
        let pdf = render(&ReceiptPdf {
            lang: w.lang.code(),
            title: w.tax_title,
            facts: top.clone(),
            sections: vec![
                Section {
                    heading: w.owed_heading.to_owned(),
                    rows: w
                        .owed
                        .iter()
                        .map(|l| ((*l).to_owned(), zero.clone()))
                        .collect(),
                    groups: Vec::new(),
                },
                Section {
                    heading: w.vat_heading.to_owned(),
                    rows: vec![(
                        w.vat_registered.to_owned(),
                        if registered { w.yes } else { w.no }.to_owned(),
                    )],
                    groups: Vec::new(),
                },
            ],
            footer: w.footer,
        })?;
        let name = match w.lang {
            Lang::En => "certificate-tax-and-vat",
            _ => "attest-skatt-og-merverdiavgift",
        };
        issue("attest-skatt-mva", format!("{name}-{number}.pdf"), pdf);
    }
    let mut also = None;
    if ordered.contains(&"formuesverdiEiendom") {
        let part = |p: &str| {
            doc.pointer(p)
                .map(|v| v.to_string().trim_matches('"').to_owned())
        };
        let property = [
            part("/eiendom/kommunenummer"),
            part("/eiendom/gaardsnummer"),
            part("/eiendom/bruksnummer"),
            part("/eiendom/festenummer"),
            part("/eiendom/seksjonsnummer"),
        ];
        let [k, g, b, f, s] = property.map(|p| p.filter(|p| p != "null").unwrap_or_default());
        let mut id = format!("{k}-{g}/{b}");
        if !f.is_empty() || !s.is_empty() {
            id.push_str(&format!("/{}/{}", if f.is_empty() { "0" } else { &f }, s));
        }
        let year: i32 = issued_day[..4].parse().unwrap_or(2026) - 1;
        if doc.pointer("/eiendom/annenMottaker") == Some(&Value::Bool(true)) {
            let to = text("/mottaker/navn").unwrap_or_default();
            let how = text("/mottaker/organisasjonsnummer")
                .map(crate::form::no::orgnr_spaced)
                .or_else(|| text("/mottaker/epost").map(str::to_owned))
                .unwrap_or_default();
            also = Some(format!("{to} ({how})"));
        }
        let mut facts = top.clone();
        if let Some(a) = &also {
            facts.push((w.also_to, a.clone()));
        }
        let pdf = render(&ReceiptPdf {
            lang: w.lang.code(),
            title: w.value_title,
            facts,
            sections: vec![Section {
                heading: w.property_heading.to_owned(),
                rows: vec![
                    (w.property.to_owned(), id.clone()),
                    (w.income_year.to_owned(), year.to_string()),
                    (w.value.to_owned(), kroner(wealth_value(&id), w.lang)),
                ],
                groups: Vec::new(),
            }],
            footer: w.footer,
        })?;
        let name = match w.lang {
            Lang::En => "certificate-property-value",
            _ => "attest-formuesverdi-eiendom",
        };
        issue("formuesverdi-eiendom", format!("{name}-{number}.pdf"), pdf);
    }
    let mut opplysninger = vec![
        fact("Attestnummer", number),
        fact(
            "Språk",
            match w.lang {
                Lang::Nb => "bokmål",
                Lang::Nn => "nynorsk",
                Lang::En => "engelsk",
            }
            .to_owned(),
        ),
    ];
    if let Some(a) = also {
        opplysninger.push(fact("Formuesverdien er sendt også til", a));
    }
    Ok(Decision {
        vedtak: Vedtak {
            tittel: if dokumenter.len() > 1 {
                "Attestene er utstedt"
            } else {
                "Attesten er utstedt"
            }
            .to_owned(),
            opplysninger,
            kid: None,
            belop: None,
            frist: None,
            dokumenter,
        },
        documents,
    })
}

/// A property's simulated wealth-tax value: the same property always has the same value, a
/// round figure between 1 and 9 million kroner.
fn wealth_value(property: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(property.as_bytes());
    let n = u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as i64;
    1_000_000 + (n % 8_000) * 1_000
}

// ─── RF-1347: the assessment ────────────────────────────────────────────────────────────────────

/// The stand-in's rates per duty type (the code's two letters), in kroner per unit of «Antall»,
/// multiplied by «Antall 2» where the code has a second measure (alcohol by volume, engine power).
/// Round figures for trying the portal, not Stortinget's rates: the real domain system has those.
const SIMULATED_RATES: &[(&str, f64)] = &[
    ("BV", 5.0),
    ("OL", 4.0),
    ("BM", 200.0),
    ("EL", 0.1),
    ("NO", 25.0),
    ("TF", 8.0),
    ("MR", 0.002),
];

/// The duty assessed on each line of a særavgiftsmelding, the sum to pay, its KID and the day
/// to pay by (the return's own deadline).
fn assessment(r: &Received) -> Option<Decision> {
    let doc = r.document;
    let lines = doc.get("linjer").and_then(Value::as_array)?;
    let number = |v: Option<&Value>| v.and_then(Value::as_f64).unwrap_or(0.0);
    let mut opplysninger = Vec::new();
    let mut total = 0i64;
    for line in lines {
        let code = line
            .get("avgiftskode")
            .and_then(Value::as_str)
            .unwrap_or("");
        let rate = SIMULATED_RATES
            .iter()
            .find(|(t, _)| code.starts_with(t))
            .map_or(0.0, |(_, r)| *r);
        let antall = number(line.get("antall"));
        let second = line.get("antall2").filter(|v| !v.is_null());
        let duty = match second {
            Some(a2) => antall * number(Some(a2)) * rate,
            None => antall * rate,
        };
        // Whole kroner, rounded down, as duty is assessed.
        let duty = duty.floor() as i64;
        total += duty;
        opplysninger.push(fact(code, kroner(duty, Lang::Nb)));
    }
    let frist = doc
        .pointer("/periode/fristMaaned")
        .or_else(|| doc.pointer("/periode/fristKvartal"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some(f) = &frist {
        opplysninger.push(fact("Betalingsfrist", shown(f)));
    }
    opplysninger.push(fact("Kontonummer", "7694 05 17504".to_owned()));
    opplysninger.push(fact(
        "Satser",
        "testmiljøets egne satser, ikke de vedtatte".to_owned(),
    ));
    Some(Decision::plain(Vedtak {
        tittel: "Særavgiftene er fastsatt".to_owned(),
        opplysninger,
        kid: (total > 0).then(|| kid(r.id)),
        belop: Some(total),
        frist,
        dokumenter: Vec::new(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn received<'a>(form: &'a str, document: &'a Value, party: &'a str) -> Received<'a> {
        Received {
            id: "5a1f0c3e-8d2b-4e6a-9f10-000000000001",
            form,
            document,
            party,
            party_name: Some("Testbedrift AS"),
            received_at: 1_780_000_000_000,
        }
    }

    fn luhn_ok(k: &str) -> bool {
        let sum: u32 = k
            .bytes()
            .rev()
            .enumerate()
            .map(|(i, b)| {
                let d = u32::from(b - b'0');
                if i % 2 == 1 {
                    if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
                } else {
                    d
                }
            })
            .sum();
        sum.is_multiple_of(10)
    }

    #[test]
    fn a_deadline_is_granted_and_advance_tax_written_out() {
        let doc = json!({ "soeknad": { "nyFrist": "2026-06-30", "inntektsaar": 2025 } });
        let v = decide(&received("RF-1114", &doc, "org:311800108"), None)
            .unwrap()
            .unwrap()
            .vedtak;
        assert_eq!(v.frist.as_deref(), Some("2026-06-30"));
        assert_eq!(v.opplysninger[0].verdi, "30.06.2026");
        let doc = json!({ "endring": { "type": "oekning", "nyttBeloep": 125000 } });
        let up = decide(&received("RF-1097", &doc, "org:311800108"), None)
            .unwrap()
            .unwrap()
            .vedtak;
        assert_eq!(up.belop, Some(125_000));
        let k = up.kid.unwrap();
        assert_eq!(k.len(), 15);
        assert!(luhn_ok(&k), "{k}");
        let doc = json!({ "endring": { "type": "reduksjon", "nyttBeloep": 1000 } });
        let down = decide(&received("RF-1097", &doc, "org:311800108"), None)
            .unwrap()
            .unwrap()
            .vedtak;
        assert!(down.kid.is_none() && down.belop.is_none());
        let doc = json!({});
        assert!(
            decide(&received("RF-1140", &doc, "org:311800108"), None)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn certificates_are_pdfs_in_the_language_ordered_and_the_same_when_asked_again() {
        let doc = json!({
            "bestilling": { "attester": ["skattOgMerverdiavgift", "formuesverdiEiendom"],
                            "spraak": "engelsk", "formaal": "Tender" },
            "eiendom": { "kommunenummer": "0301", "gaardsnummer": 12, "bruksnummer": 34,
                         "annenMottaker": true },
            "mottaker": { "navn": "Megler AS", "epost": "post@megler.example" }
        });
        let r = received("RF-1316", &doc, "org:311800108");
        let d = decide(&r, None).unwrap().unwrap();
        assert_eq!(d.vedtak.tittel, "Attestene er utstedt");
        assert_eq!(d.vedtak.dokumenter.len(), 2);
        assert_eq!(d.documents.len(), 2);
        for (meta, (id, bytes)) in d.vedtak.dokumenter.iter().zip(&d.documents) {
            assert_eq!(&meta.id, id);
            assert!(meta.well_formed(), "{meta:?}");
            assert!(bytes.starts_with(b"%PDF-"));
            assert_eq!(meta.storrelse as usize, bytes.len());
        }
        assert!(
            d.vedtak.dokumenter[0]
                .filnavn
                .starts_with("certificate-tax-and-vat-A")
        );
        assert!(
            d.vedtak
                .opplysninger
                .iter()
                .any(|o| o.verdi == "Megler AS (post@megler.example)")
        );
        // Asked again, the same bytes: a second poll may not issue another certificate.
        let again = decide(&r, None).unwrap().unwrap();
        assert_eq!(again.vedtak, d.vedtak);
        // Only what was ordered.
        let doc =
            json!({ "bestilling": { "attester": ["skattOgMerverdiavgift"], "spraak": "nynorsk" } });
        let one = decide(&received("RF-1316", &doc, "person:12886599971"), None)
            .unwrap()
            .unwrap();
        assert_eq!(one.vedtak.tittel, "Attesten er utstedt");
        assert_eq!(one.vedtak.dokumenter.len(), 1);
        assert!(
            one.vedtak.dokumenter[0]
                .filnavn
                .starts_with("attest-skatt-og-merverdiavgift-")
        );
    }

    #[test]
    fn an_excise_return_is_assessed_line_by_line_with_a_kid() {
        let doc = json!({
            "periode": { "type": "maaned", "aar": 2026, "maaned": 10, "fristMaaned": "2026-11-18" },
            "linjer": [
                { "avgiftskode": "BV515", "antall": 1000, "antall2": 8.5 },
                { "avgiftskode": "NO100", "antall": 10.5 },
                { "avgiftskode": "OL720", "antall": 0, "antall2": 0 }
            ]
        });
        let v = decide(&received("RF-1347", &doc, "org:311800108"), None)
            .unwrap()
            .unwrap()
            .vedtak;
        // 1 000 l × 8.5 % × 5 kr + 10.5 kg × 25 kr (262.5, rounded down).
        assert_eq!(v.belop, Some(42_500 + 262));
        assert_eq!(v.frist.as_deref(), Some("2026-11-18"));
        assert!(luhn_ok(v.kid.as_deref().unwrap()));
        assert_eq!(v.opplysninger[0].navn, "BV515");
        assert!(v.opplysninger.iter().any(|o| o.verdi == "18.11.2026"));
        // Nothing to pay: no KID.
        let doc = json!({ "periode": {}, "linjer": [{ "avgiftskode": "BV515", "antall": 0, "antall2": 0 }] });
        let none = decide(&received("RF-1347", &doc, "org:311800108"), None)
            .unwrap()
            .unwrap()
            .vedtak;
        assert_eq!(none.belop, Some(0));
        assert!(none.kid.is_none());
    }
}
