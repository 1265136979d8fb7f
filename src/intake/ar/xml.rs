//! The aksjonærregisteroppgave's two XML documents, the hovedskjema (RF-1086, skjemanummer 890)
//! and the underskjema (RF-1086-U, skjemanummer 923), read into the form's JSON document.
//!
//! A document is checked to be well-formed XML with the root `Skjema` and its form's
//! `skjemanummer`, read with quick-xml's serde deserializer into a tree of elements, and then
//! walked with a table that names, for each element the portal takes (the Altinn II
//! `…-grp-…`/`…-datadef-…` names of the official examples), the field of the form its text goes to.
//! So every field knows the element it came from: an error at a field is reported at its element
//! (`Skjema/GenerellInformasjon-grp-2587/Selskap-grp-2588/EnhetOrganisasjonsnummer-datadef-18`),
//! with `[n]` after an element that occurs more than once. An element with text that the table
//! does not name is refused rather than dropped (the official schema has more than the portal
//! takes yet); empty groups, which the examples are full of, are passed over.

use std::collections::HashMap;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

/// The root element of both documents.
const ROOT: &str = "Skjema";

/// Which of the two documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skjema {
    /// RF-1086, the company and its share class.
    Hoved,
    /// RF-1086-U, one shareholder.
    Under,
}

impl Skjema {
    /// Its `skjemanummer` attribute.
    fn skjemanummer(self) -> &'static str {
        match self {
            Skjema::Hoved => "890",
            Skjema::Under => "923",
        }
    }

    /// Its `blankettnummer` attribute.
    fn blankettnummer(self) -> &'static str {
        match self {
            Skjema::Hoved => "RF-1086",
            Skjema::Under => "RF-1086-U",
        }
    }

    /// What the API calls it (the step's path, and the type in the document list).
    pub fn api_type(self) -> &'static str {
        match self {
            Skjema::Hoved => "1086H",
            Skjema::Under => "1086U",
        }
    }

    fn layout(self) -> &'static Layout {
        match self {
            Skjema::Hoved => &HOVED,
            Skjema::Under => &UNDER,
        }
    }
}

/// How an element's text becomes a value of the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Text, trimmed.
    Text,
    /// A whole number (a count, a year).
    Whole,
    /// A number, possibly with decimals (kroner and øre).
    Number,
    /// `xs:date` or `xs:dateTime`: the date.
    Date,
    /// `0`/`1` or `false`/`true`.
    YesNo,
}

/// An element whose text is one field of the document.
#[derive(Debug)]
struct Leaf {
    /// Its path under `Skjema` (or under its rows' element), elements joined by `/`.
    at: &'static str,
    /// The field's path in the document (or in its row).
    to: &'static str,
    kind: Kind,
}

/// A repeating element: each occurrence with any text in it is a row of a group.
#[derive(Debug)]
struct Rows {
    /// Its path under `Skjema`.
    at: &'static str,
    /// The group's path in the document.
    to: &'static str,
    /// Its fields, relative to it.
    leaves: &'static [Leaf],
}

/// What the portal takes of one document.
#[derive(Debug)]
struct Layout {
    leaves: &'static [Leaf],
    rows: &'static [Rows],
    /// Elements that stand for a path of the document which is not a leaf (a row with an either
    /// field, a group checked as a whole), for reporting an error there.
    anchors: &'static [(&'static str, &'static str)],
}

const fn leaf(at: &'static str, to: &'static str, kind: Kind) -> Leaf {
    Leaf { at, to, kind }
}

static HOVED: Layout = Layout {
    leaves: &[
        leaf(
            "GenerellInformasjon-grp-2587/Selskap-grp-2588/EnhetOrganisasjonsnummer-datadef-18",
            "selskap.organisasjonsnummer",
            Kind::Text,
        ),
        leaf(
            "GenerellInformasjon-grp-2587/Selskap-grp-2588/EnhetNavn-datadef-1",
            "selskap.navn",
            Kind::Text,
        ),
        leaf(
            "GenerellInformasjon-grp-2587/Selskap-grp-2588/EnhetAdresse-datadef-15",
            "selskap.adresse",
            Kind::Text,
        ),
        leaf(
            "GenerellInformasjon-grp-2587/Selskap-grp-2588/EnhetPostnummer-datadef-6673",
            "selskap.postnummer",
            Kind::Text,
        ),
        leaf(
            "GenerellInformasjon-grp-2587/Selskap-grp-2588/EnhetPoststed-datadef-6674",
            "selskap.poststed",
            Kind::Text,
        ),
        leaf(
            "GenerellInformasjon-grp-2587/Selskap-grp-2588/AksjeType-datadef-17659",
            "selskap.aksjeklasse",
            Kind::Text,
        ),
        leaf(
            "GenerellInformasjon-grp-2587/Selskap-grp-2588/EnhetISINNummer-datadef-17513",
            "selskap.isin",
            Kind::Text,
        ),
        leaf(
            "GenerellInformasjon-grp-2587/Selskap-grp-2588/Inntektsar-datadef-692",
            "selskap.inntektsaar",
            Kind::Whole,
        ),
        leaf(
            "GenerellInformasjon-grp-2587/Kontaktperson-grp-3442/KontaktpersonSkjemaNavn-datadef-33918",
            "kontaktperson.navn",
            Kind::Text,
        ),
        leaf(
            "GenerellInformasjon-grp-2587/Kontaktperson-grp-3442/KontaktpersonSkjemaEPost-datadef-30533",
            "kontaktperson.epost",
            Kind::Text,
        ),
        leaf(
            "Selskapsopplysninger-grp-2589/AksjekapitalForHeleSelskapet-grp-3443/AksjekapitalFjoraret-datadef-7129",
            "selskap.aksjekapitalFjoraaret",
            Kind::Number,
        ),
        leaf(
            "Selskapsopplysninger-grp-2589/AksjekapitalForHeleSelskapet-grp-3443/Aksjekapital-datadef-87",
            "selskap.aksjekapital",
            Kind::Number,
        ),
        leaf(
            "Selskapsopplysninger-grp-2589/AksjekapitalIDenneAksjeklassen-grp-3444/AksjekapitalISINAksjetypeFjoraret-datadef-17663",
            "aksjeklassen.aksjekapitalFjoraaret",
            Kind::Number,
        ),
        leaf(
            "Selskapsopplysninger-grp-2589/AksjekapitalIDenneAksjeklassen-grp-3444/AksjekapitalISINAksjetype-datadef-17664",
            "aksjeklassen.aksjekapital",
            Kind::Number,
        ),
        leaf(
            "Selskapsopplysninger-grp-2589/PalydendePerAksje-grp-3447/AksjeMvPalydendeFjoraret-datadef-23944",
            "aksjeklassen.paalydendeFjoraaret",
            Kind::Number,
        ),
        leaf(
            "Selskapsopplysninger-grp-2589/PalydendePerAksje-grp-3447/AksjeMvPalydende-datadef-23945",
            "aksjeklassen.paalydende",
            Kind::Number,
        ),
        leaf(
            "Selskapsopplysninger-grp-2589/AntallAksjerIDenneAksjeklassen-grp-3445/AksjerMvAntallFjoraret-datadef-29166",
            "aksjeklassen.antallAksjerFjoraaret",
            Kind::Whole,
        ),
        leaf(
            "Selskapsopplysninger-grp-2589/AntallAksjerIDenneAksjeklassen-grp-3445/AksjerMvAntall-datadef-29167",
            "aksjeklassen.antallAksjer",
            Kind::Whole,
        ),
        leaf(
            "Selskapsopplysninger-grp-2589/InnbetaltAksjekapitalIDenneAksjeklassen-grp-3446/AksjekapitalInnbetaltFjoraret-datadef-8020",
            "aksjeklassen.innbetaltFjoraaret",
            Kind::Number,
        ),
        leaf(
            "Selskapsopplysninger-grp-2589/InnbetaltAksjekapitalIDenneAksjeklassen-grp-3446/AksjekapitalInnbetalt-datadef-5867",
            "aksjeklassen.innbetalt",
            Kind::Number,
        ),
        leaf(
            "Selskapsopplysninger-grp-2589/InnbetaltOverkursIDenneAksjeklassen-grp-3448/AksjeOverkursISINAksjetypeFjoraret-datadef-17662",
            "aksjeklassen.overkursFjoraaret",
            Kind::Number,
        ),
        leaf(
            "Selskapsopplysninger-grp-2589/InnbetaltOverkursIDenneAksjeklassen-grp-3448/AksjeOverkursISINAksjetype-datadef-17661",
            "aksjeklassen.overkurs",
            Kind::Number,
        ),
    ],
    rows: &[
        Rows {
            at: "Utbytte-grp-3449/UtdeltSkatterettsligUtbytteILopetAvInntektsaret-grp-3451",
            to: "utbytte",
            leaves: &[
                leaf(
                    "AksjeUtbytteISINAksjetype-datadef-17665",
                    "beloep",
                    Kind::Number,
                ),
                leaf(
                    "AksjeUtbyttePerAksje-datadef-23946",
                    "perAksje",
                    Kind::Number,
                ),
                leaf(
                    "AksjeUtbytteTidspunkt-datadef-17667",
                    "tidspunkt",
                    Kind::Date,
                ),
            ],
        },
        Rows {
            at: "UtstedelseAvAksjerIfmStiftelseNyemisjonMv-grp-3452/AntallNyutstedteAksjer-grp-3453",
            to: "utstedelser",
            leaves: &[
                leaf(
                    "AksjerNyutstedteStiftelseMvAntall-datadef-17668",
                    "antallNye",
                    Kind::Whole,
                ),
                leaf(
                    "AksjerStiftelseMvAntall-datadef-17669",
                    "antallEtter",
                    Kind::Whole,
                ),
                leaf(
                    "AksjerNyutstedteStiftelseMvType-datadef-17670",
                    "type",
                    Kind::Text,
                ),
                leaf(
                    "AksjerNyutstedteStiftelseMvTidspunkt-datadef-17671",
                    "tidspunkt",
                    Kind::Date,
                ),
                leaf(
                    "AksjerNyutstedteStiftelseMvPalydende-datadef-23947",
                    "paalydende",
                    Kind::Number,
                ),
                leaf(
                    "AksjerNyutstedteStiftelseMvOverkurs-datadef-23948",
                    "overkurs",
                    Kind::Number,
                ),
            ],
        },
    ],
    anchors: &[
        // The shareholders' shares checked against the class's number of shares.
        (
            "aksjonaerer",
            "Selskapsopplysninger-grp-2589/AntallAksjerIDenneAksjeklassen-grp-3445/AksjerMvAntall-datadef-29167",
        ),
    ],
};

/// Where the underskjema identifies its company.
const IDENT: &str = "SelskapsOgAksjonaropplysninger-grp-3987/Selskapsidentifikasjon-grp-3986/";

static UNDER: Layout = Layout {
    leaves: &[
        // The company, as in the hovedskjema: checked against it, not stored twice.
        leaf(
            "SelskapsOgAksjonaropplysninger-grp-3987/Selskapsidentifikasjon-grp-3986/EnhetOrganisasjonsnummer-datadef-18",
            "selskap.organisasjonsnummer",
            Kind::Text,
        ),
        leaf(
            "SelskapsOgAksjonaropplysninger-grp-3987/Selskapsidentifikasjon-grp-3986/AksjeType-datadef-17659",
            "selskap.aksjeklasse",
            Kind::Text,
        ),
        leaf(
            "SelskapsOgAksjonaropplysninger-grp-3987/Selskapsidentifikasjon-grp-3986/EnhetISINNummer-datadef-17513",
            "selskap.isin",
            Kind::Text,
        ),
        leaf(
            "SelskapsOgAksjonaropplysninger-grp-3987/Selskapsidentifikasjon-grp-3986/Inntektsar-datadef-692",
            "selskap.inntektsaar",
            Kind::Whole,
        ),
        // The shareholder.
        leaf(
            "SelskapsOgAksjonaropplysninger-grp-3987/NorskUtenlandskAksjonar-grp-3988/AksjonarFodselsnummer-datadef-1156",
            "aksjonaerer[0].foedselsnummer",
            Kind::Text,
        ),
        leaf(
            "SelskapsOgAksjonaropplysninger-grp-3987/NorskUtenlandskAksjonar-grp-3988/AksjonarOrganisasjonsnummer-datadef-7597",
            "aksjonaerer[0].organisasjonsnummer",
            Kind::Text,
        ),
        leaf(
            "SelskapsOgAksjonaropplysninger-grp-3987/NorskUtenlandskAksjonar-grp-3988/AksjonarUtenlandskIdenifikasjonsnummer-datadef-26626",
            "aksjonaerer[0].utenlandskId",
            Kind::Text,
        ),
        leaf(
            "SelskapsOgAksjonaropplysninger-grp-3987/NorskUtenlandskAksjonar-grp-3988/AksjonarNavn-datadef-1153",
            "aksjonaerer[0].navn",
            Kind::Text,
        ),
        leaf(
            "SelskapsOgAksjonaropplysninger-grp-3987/NorskUtenlandskAksjonar-grp-3988/Adresse-grp-7722/AksjonarAdresse-datadef-1154",
            "aksjonaerer[0].adresse",
            Kind::Text,
        ),
        leaf(
            "SelskapsOgAksjonaropplysninger-grp-3987/NorskUtenlandskAksjonar-grp-3988/AksjonarPostnummer-datadef-7598",
            "aksjonaerer[0].postnummer",
            Kind::Text,
        ),
        leaf(
            "SelskapsOgAksjonaropplysninger-grp-3987/NorskUtenlandskAksjonar-grp-3988/AksjonarPoststed-datadef-7599",
            "aksjonaerer[0].poststed",
            Kind::Text,
        ),
        leaf(
            "SelskapsOgAksjonaropplysninger-grp-3987/NorskUtenlandskAksjonar-grp-3988/AksjonarLandkode-datadef-17740",
            "aksjonaerer[0].landkode",
            Kind::Text,
        ),
        leaf(
            "AntallAksjerUtbytteOgTilbakebetalingAvTidligereInnbetaltKapit-grp-3990/AntallAksjerPerAksjonar-grp-3989/AksjerAntallFjoraret-datadef-29168",
            "aksjonaerer[0].antallAksjerFjoraaret",
            Kind::Whole,
        ),
        leaf(
            "AntallAksjerUtbytteOgTilbakebetalingAvTidligereInnbetaltKapit-grp-3990/AntallAksjerPerAksjonar-grp-3989/AksjonarAksjerAntall-datadef-17741",
            "aksjonaerer[0].antallAksjer",
            Kind::Whole,
        ),
        // In the dividend group, but about the shareholder (the example sends it alone there).
        leaf(
            "AntallAksjerUtbytteOgTilbakebetalingAvTidligereInnbetaltKapit-grp-3990/UtdeltUtbyttePerAksjonar-grp-3991/AutomatiskMotregningOnskerIkke-datadef-37159",
            "aksjonaerer[0].motregningOnskerIkke",
            Kind::YesNo,
        ),
    ],
    rows: &[
        Rows {
            at: "AntallAksjerUtbytteOgTilbakebetalingAvTidligereInnbetaltKapit-grp-3990/UtdeltUtbyttePerAksjonar-grp-3991",
            to: "aksjonaerutbytte",
            leaves: &[
                leaf("Aksjeutbytte-datadef-29169", "beloep", Kind::Number),
                leaf(
                    "AksjerUtbytteAntall-datadef-17742",
                    "antallAksjer",
                    Kind::Whole,
                ),
                leaf(
                    "AksjerUtbytteTidspunkt-datadef-17769",
                    "tidspunkt",
                    Kind::Date,
                ),
            ],
        },
        Rows {
            at: "Transaksjoner-grp-3992/KjopArvGaveStiftelseNyemisjonMv-grp-3993/AntallAksjerITilgang-grp-3998",
            to: "tilganger",
            leaves: &[
                leaf("AksjerKjopAntall-datadef-12153", "antall", Kind::Whole),
                leaf("AksjeErvervType-datadef-17745", "type", Kind::Text),
                leaf("AksjerErvervsdato-datadef-17746", "tidspunkt", Kind::Date),
                leaf(
                    "AksjeAnskaffelsesverdi-datadef-17636",
                    "anskaffelsesverdi",
                    Kind::Number,
                ),
                leaf(
                    "AksjonarTidligereFodselsnummer-datadef-26530",
                    "avgiverFoedselsnummer",
                    Kind::Text,
                ),
                leaf(
                    "AksjonarTidligereOrganisasjonsnummer-datadef-26531",
                    "avgiverOrganisasjonsnummer",
                    Kind::Text,
                ),
            ],
        },
        Rows {
            at: "SalgArvGaveLikvidasjonPartiellLikvidasjonMv-grp-3995/AksjerIAvgang-grp-4002",
            to: "avganger",
            leaves: &[
                leaf(
                    "AksjerArvMvOmsattAntall-datadef-17752",
                    "antall",
                    Kind::Whole,
                ),
                leaf("AksjerArvMvOmsattType-datadef-17753", "type", Kind::Text),
                leaf(
                    "AksjerArvMvOmsattTidspunkt-datadef-17754",
                    "tidspunkt",
                    Kind::Date,
                ),
                leaf("AksjerArvMvOmsatt-datadef-17755", "vederlag", Kind::Number),
                leaf(
                    "AksjonarOvertakendeFodselsnummer-datadef-26532",
                    "mottakerFoedselsnummer",
                    Kind::Text,
                ),
                leaf(
                    "AksjonarOvertakendeOrganisasjonsnummer-datadef-26533",
                    "mottakerOrganisasjonsnummer",
                    Kind::Text,
                ),
            ],
        },
    ],
    anchors: &[(
        "aksjonaerer[0]",
        "SelskapsOgAksjonaropplysninger-grp-3987/NorskUtenlandskAksjonar-grp-3988",
    )],
};

/// The groups of the document that the underskjemaer fill (one shareholder each, with what
/// happened to their shares); the rest is the hovedskjema's.
pub const SUB_GROUPS: &[&str] = &["aksjonaerer", "tilganger", "avganger", "aksjonaerutbytte"];

/// A problem with a document: a detail of the API's `Feil`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// A detail code.
    pub kode: &'static str,
    /// What is wrong, in bokmål.
    pub melding: String,
    /// The element (or attribute) it is at.
    pub sti: Option<String>,
    /// The value given.
    pub angitt: Option<String>,
    /// The line of the document it is at (from 1), when the XML could not be read there.
    pub line: Option<usize>,
    /// What the value must be, when that is one value.
    pub expected: Option<String>,
}

/// A document read: its part of the form's JSON document, and where each of its fields came from.
#[derive(Debug, Clone)]
pub struct Read {
    /// The fields it gave, at their paths in the form's document.
    pub doc: Value,
    /// For each field or row given (its path in `doc`), the element it came from (`Skjema/…`).
    origins: HashMap<String, String>,
    layout: &'static Layout,
}

impl Read {
    /// The element a path of the document is at, as the API's `sti`: the element the value came
    /// from, or where it belongs when it was not given (a required field left out), or else the
    /// path itself.
    pub fn sti(&self, path: &str) -> String {
        if let Some(s) = self.origins.get(path) {
            return s.clone();
        }
        if let Some(l) = self.layout.leaves.iter().find(|l| l.to == path) {
            return format!("{ROOT}/{}", l.at);
        }
        for r in self.layout.rows {
            let Some(rest) = path.strip_prefix(r.to) else {
                continue;
            };
            // `tilganger[2].antall`: the row's element, then the field's.
            if let Some((row, field)) = rest.split_once("].")
                && let Some(l) = r.leaves.iter().find(|l| l.to == field)
                && let Some(at) = self.origins.get(&format!("{}{row}]", r.to))
            {
                return format!("{at}/{}", l.at);
            }
        }
        if let Some((_, at)) = self.layout.anchors.iter().find(|(p, _)| *p == path) {
            return format!("{ROOT}/{at}");
        }
        path.to_owned()
    }
}

/// An element as read: its attributes, its text, and its child elements in order.
#[derive(Debug, Default)]
struct Element {
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<(String, Element)>,
}

impl Element {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether it or anything in it has text.
    fn has_text(&self) -> bool {
        !self.text.trim().is_empty() || self.children.iter().any(|(_, c)| c.has_text())
    }
}

/// quick-xml gives an element as a map: `@name` for each attribute, `$text` for its text, and
/// each child element under its name (in document order, a name again for each occurrence).
impl<'de> Deserialize<'de> for Element {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Of;
        impl<'de> Visitor<'de> for Of {
            type Value = Element;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an XML element")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Element, E> {
                Ok(Element {
                    text: v.to_owned(),
                    ..Element::default()
                })
            }

            fn visit_unit<E: serde::de::Error>(self) -> Result<Element, E> {
                Ok(Element::default())
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Element, A::Error> {
                let mut e = Element::default();
                while let Some(key) = map.next_key::<String>()? {
                    if let Some(name) = key.strip_prefix('@') {
                        let v: String = map.next_value()?;
                        e.attrs.push((name.to_owned(), v));
                    } else if key == "$text" {
                        let v: String = map.next_value()?;
                        e.text.push_str(&v);
                    } else {
                        let child: Element = map.next_value()?;
                        e.children.push((key, child));
                    }
                }
                Ok(e)
            }
        }
        d.deserialize_map(Of)
    }
}

/// Reads `body` as the document `skjema`; every problem found, or what it says.
pub fn read(skjema: Skjema, body: &[u8]) -> Result<Read, Vec<Problem>> {
    let text = std::str::from_utf8(body).map_err(|e| {
        vec![problem(
            "xml",
            format!(
                "Dokumentet må være XML i UTF-8; byte {} er ikke UTF-8.",
                e.valid_up_to() + 1
            ),
            None,
            None,
        )]
    })?;
    let root = well_formed(text)?;
    if root != ROOT {
        return Err(vec![problem(
            "xml",
            format!("Rotelementet må være «{ROOT}», ikke «{root}»."),
            Some(&root),
            None,
        )]);
    }
    let tree: Element = quick_xml::de::from_str(text).map_err(|e| {
        vec![problem(
            "xml",
            format!("XML-en kan ikke leses: {e}."),
            None,
            None,
        )]
    })?;
    let mut problems = identity(skjema, &tree);
    if !problems.is_empty() {
        return Err(problems);
    }
    let layout = skjema.layout();
    let mut out = Read {
        doc: Value::Object(Map::new()),
        origins: HashMap::new(),
        layout,
    };
    walk(layout, &tree, "", ROOT, None, &mut out, &mut problems);
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

fn problem(
    kode: &'static str,
    melding: String,
    sti: Option<&str>,
    angitt: Option<&str>,
) -> Problem {
    Problem {
        kode,
        melding,
        sti: sti.map(str::to_owned),
        angitt: angitt.map(str::to_owned),
        line: None,
        expected: None,
    }
}

/// Checks that `text` is well-formed XML with one root element; its name. A problem names the
/// line and column.
fn well_formed(text: &str) -> Result<String, Vec<Problem>> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut root: Option<String> = None;
    let mut depth = 0usize;
    let at = |pos: u64| {
        let upto = &text[..(pos as usize).min(text.len())];
        let line = upto.matches('\n').count() + 1;
        let col = upto.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        format!("linje {line}, kolonne {col}")
    };
    let not_xml_at = |why: String, pos: Option<u64>| {
        let mut p = problem("xml", why, None, None);
        p.line = pos.map(|pos| line_at(text, pos as usize));
        vec![p]
    };
    let not_xml = |why: String| not_xml_at(why, None);
    loop {
        let pos = reader.buffer_position();
        match reader.read_event() {
            Ok(event @ (Event::Start(_) | Event::Empty(_))) => {
                let (Event::Start(e) | Event::Empty(e)) = &event else {
                    continue;
                };
                if depth == 0 && root.is_some() {
                    return Err(not_xml_at(
                        format!("Dokumentet har mer enn ett rotelement ({}).", at(pos)),
                        Some(pos),
                    ));
                }
                if depth == 0 {
                    root = Some(e.name().into_inner().to_owned());
                }
                if matches!(event, Event::Start(_)) {
                    depth += 1;
                }
            }
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Text(t)) if depth == 0 && !t.as_ref().trim().is_empty() => {
                return Err(not_xml_at(
                    format!(
                        "Dokumentet er ikke XML: tekst utenfor rotelementet ({}).",
                        at(pos)
                    ),
                    Some(pos),
                ));
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                let pos = reader.error_position();
                return Err(not_xml_at(
                    format!("XML-en er ikke velformet ({}): {e}.", at(pos)),
                    Some(pos),
                ));
            }
        }
    }
    if depth != 0 {
        return Err(not_xml(
            "XML-en er ikke velformet: dokumentet slutter før rotelementet er lukket.".into(),
        ));
    }
    root.ok_or_else(|| not_xml("Dokumentet er tomt: det har ikke noe XML-element.".into()))
}

/// The line (from 1) of byte `pos` of `text` (a position the XML reader gives may fall inside a
/// character: the bytes before it are counted, not a slice of the text).
pub fn line_at(text: &str, pos: usize) -> usize {
    let before = &text.as_bytes()[..pos.min(text.len())];
    before.iter().filter(|&&b| b == b'\n').count() + 1
}

/// The line (from 1) in `text` of the element at `sti` (`Skjema/A/B[2]/C`, as [`Read::sti`]
/// writes it; an attribute's `/@x` gives its element's line), if it is there.
pub fn line_of(text: &str, sti: &str) -> Option<usize> {
    use quick_xml::events::Event;
    let want: Vec<(&str, usize)> = sti
        .split('/')
        .filter(|seg| !seg.starts_with('@'))
        .map(|seg| match seg.split_once('[') {
            Some((name, n)) => (name, n.trim_end_matches(']').parse().unwrap_or(1)),
            None => (seg, 1),
        })
        .collect();
    if want.is_empty() {
        return None;
    }
    let mut reader = quick_xml::Reader::from_str(text);
    // How many of `want` are found, how deep the reader is, and how often each name has
    // occurred among the children of the last element found.
    let (mut found, mut depth) = (0usize, 0usize);
    let mut seen: HashMap<String, usize> = HashMap::new();
    loop {
        let pos = reader.buffer_position() as usize;
        let (e, empty) = match reader.read_event().ok()? {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(_) => {
                depth = depth.checked_sub(1)?;
                if depth < found {
                    // Out of the last element found without finding the next.
                    return None;
                }
                continue;
            }
            Event::Eof => return None,
            _ => continue,
        };
        if depth == found {
            let name = e.name().into_inner().to_owned();
            let n = seen.entry(name.clone()).or_default();
            *n += 1;
            if name == want[found].0 && *n == want[found].1 {
                found += 1;
                if found == want.len() {
                    let upto = &text[..pos.min(text.len())];
                    return Some(upto.matches('\n').count() + 1);
                }
                seen.clear();
            }
        }
        if !empty {
            depth += 1;
        }
    }
}

/// The root's `skjemanummer` (and `blankettnummer`, if given) must be the document's.
fn identity(skjema: Skjema, root: &Element) -> Vec<Problem> {
    let mut out = Vec::new();
    let other = match skjema {
        Skjema::Hoved => Skjema::Under,
        Skjema::Under => Skjema::Hoved,
    };
    let hint = |given: Option<&str>| {
        if given == Some(other.skjemanummer()) || given == Some(other.blankettnummer()) {
            format!(
                " Dette er et {} ({}), som sendes til {}.",
                match other {
                    Skjema::Hoved => "hovedskjema",
                    Skjema::Under => "underskjema",
                },
                other.blankettnummer(),
                other.api_type()
            )
        } else {
            String::new()
        }
    };
    let nummer = root.attr("skjemanummer").map(str::trim);
    if nummer != Some(skjema.skjemanummer()) {
        out.push(problem(
            "skjemanummer",
            format!(
                "Skjemanummeret må være {} ({}).{}",
                skjema.skjemanummer(),
                skjema.blankettnummer(),
                hint(nummer)
            ),
            Some(&format!("{ROOT}/@skjemanummer")),
            nummer,
        ));
    }
    if let Some(b) = root.attr("blankettnummer").map(str::trim)
        && b != skjema.blankettnummer()
        && out.is_empty()
    {
        out.push(problem(
            "skjemanummer",
            format!(
                "Blankettnummeret må være {}.{}",
                skjema.blankettnummer(),
                hint(Some(b))
            ),
            Some(&format!("{ROOT}/@blankettnummer")),
            Some(b),
        ));
    }
    out
}

/// The sti of each child: its name, with `[n]` when its name occurs more than once among its
/// siblings.
fn child_stis(parent: &Element, sti: &str) -> Vec<String> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    parent
        .children
        .iter()
        .map(|(name, _)| {
            let total = parent.children.iter().filter(|(n, _)| n == name).count();
            let n = seen.entry(name).or_default();
            *n += 1;
            if total > 1 {
                format!("{sti}/{name}[{n}]")
            } else {
                format!("{sti}/{name}")
            }
        })
        .collect()
}

/// A row being filled: its group, its path in the document, and its fields so far.
struct Row<'a> {
    rows: &'static Rows,
    path: String,
    fields: &'a mut Map<String, Value>,
}

/// Reads the children of `e` (at `at` under `Skjema`, reported as `sti`) into `out`.
fn walk(
    layout: &'static Layout,
    e: &Element,
    at: &str,
    sti: &str,
    mut row: Option<&mut Row<'_>>,
    out: &mut Read,
    problems: &mut Vec<Problem>,
) {
    for ((name, child), sti) in e.children.iter().zip(child_stis(e, sti)) {
        let path = if at.is_empty() {
            name.clone()
        } else {
            format!("{at}/{name}")
        };
        // A field of the row being read.
        if let Some(r) = row.as_deref_mut()
            && let Some(rel) = path
                .strip_prefix(r.rows.at)
                .and_then(|p| p.strip_prefix('/'))
            && let Some(l) = r.rows.leaves.iter().find(|l| l.at == rel)
        {
            let to = format!("{}.{}", r.path, l.to);
            if let Some(v) = value(l.kind, child, &sti, problems) {
                if r.fields.contains_key(l.to) {
                    problems.push(repeated(&sti, child));
                } else {
                    r.fields.insert(l.to.to_owned(), v);
                    out.origins.insert(to, sti.clone());
                }
            }
            continue;
        }
        // A field of the document.
        if let Some(l) = layout.leaves.iter().find(|l| l.at == path) {
            if let Some(v) = value(l.kind, child, &sti, problems) {
                let segs = crate::form::expr::parse_path(l.to).unwrap_or_default();
                if crate::form::document::get(&out.doc, &segs).is_some() {
                    problems.push(repeated(&sti, child));
                } else {
                    crate::form::document::set(&mut out.doc, &segs, v);
                    out.origins.insert(l.to.to_owned(), sti.clone());
                }
            }
            continue;
        }
        // A row of a group: kept if anything in it was given.
        if let Some(rows) = layout.rows.iter().find(|r| r.at == path) {
            let index = out
                .doc
                .get(rows.to)
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            let row_path = format!("{}[{index}]", rows.to);
            let mut fields = Map::new();
            let mut r = Row {
                rows,
                path: row_path.clone(),
                fields: &mut fields,
            };
            walk(layout, child, &path, &sti, Some(&mut r), out, problems);
            if !fields.is_empty() {
                let list = out
                    .doc
                    .as_object_mut()
                    .expect("the document is an object")
                    .entry(rows.to)
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(list) = list {
                    list.push(Value::Object(fields));
                }
                out.origins.insert(row_path, sti);
            }
            continue;
        }
        // A group on the way to fields the portal takes.
        let prefix = format!("{path}/");
        let leads_on = layout.leaves.iter().any(|l| l.at.starts_with(&prefix))
            || layout.rows.iter().any(|r| r.at.starts_with(&prefix))
            || row.as_deref().is_some_and(|r| {
                r.rows
                    .leaves
                    .iter()
                    .any(|l| format!("{}/{}", r.rows.at, l.at).starts_with(&prefix))
            });
        if leads_on {
            walk(
                layout,
                child,
                &path,
                &sti,
                row.as_deref_mut(),
                out,
                problems,
            );
            continue;
        }
        // Anything else: passed over when empty, refused when it says something.
        if child.has_text() {
            problems.push(problem(
                "unknown_element",
                format!(
                    "Elementet «{name}» tas ikke imot her. Portalen tar imot elementene i Skatteetatens eksempler på aksjonærregisteroppgaven."
                ),
                Some(&sti),
                None,
            ));
        }
    }
}

fn repeated(sti: &str, e: &Element) -> Problem {
    problem(
        "repeated_element",
        "Elementet kan bare forekomme én gang her.".into(),
        Some(sti),
        Some(e.text.trim()),
    )
}

/// The value of a leaf element, `None` when it is empty. An element with elements inside is a
/// problem; a value that is not what the field takes is kept as text, for the validation to name.
fn value(kind: Kind, e: &Element, sti: &str, problems: &mut Vec<Problem>) -> Option<Value> {
    if let Some((name, _)) = e.children.iter().find(|(_, c)| c.has_text()) {
        problems.push(problem(
            "unknown_element",
            format!("Elementet «{name}» tas ikke imot her: feltet skal bare ha tekst."),
            Some(&format!("{sti}/{name}")),
            None,
        ));
        return None;
    }
    let t = e.text.trim();
    if t.is_empty() {
        return None;
    }
    let text = || Value::String(t.to_owned());
    Some(match kind {
        Kind::Text => text(),
        Kind::Whole => {
            let digits = t.strip_prefix('-').unwrap_or(t);
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                t.parse::<i64>().map(Value::from).unwrap_or_else(|_| text())
            } else {
                text()
            }
        }
        Kind::Number => crate::form::validate::as_number(&text())
            .map(|n| Value::Number(n.into_owned()))
            .unwrap_or_else(text),
        Kind::Date => {
            // `2022-01-01T00:00:00`: the day is what the form takes.
            match t.split_once('T') {
                Some((day, time))
                    if day.len() == 10
                        && !time.is_empty()
                        && time
                            .bytes()
                            .all(|b| b.is_ascii_digit() || b":.+-Z".contains(&b)) =>
                {
                    Value::String(day.to_owned())
                }
                _ => text(),
            }
        }
        Kind::YesNo => match t {
            "1" | "true" => Value::Bool(true),
            "0" | "false" => Value::Bool(false),
            _ => text(),
        },
    })
}

/// Every path of the document the two documents fill, for checking the form against them.
#[cfg(test)]
fn paths() -> Vec<String> {
    let mut out = Vec::new();
    for layout in [&HOVED, &UNDER] {
        for l in layout.leaves {
            out.push(l.to.replace("[0]", "[*]"));
        }
        for r in layout.rows {
            for l in r.leaves {
                out.push(format!("{}[*].{}", r.to, l.to));
            }
        }
    }
    out
}

/// The paths under `Skjema` of the underskjema's company identification, by the field of the
/// hovedskjema each must equal.
pub fn identification() -> impl Iterator<Item = &'static str> {
    UNDER
        .leaves
        .iter()
        .filter(|l| l.at.starts_with(IDENT))
        .map(|l| l.to)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn a_line_is_found_for_a_position_inside_a_character() {
        let text = "<a>\nAksjonær\n</a>";
        let inside = text.find('æ').unwrap() + 1;
        assert!(!text.is_char_boundary(inside));
        assert_eq!(line_at(text, inside), 2);
        assert_eq!(line_at(text, text.len() + 10), 3);
        assert_eq!(line_at(text, 0), 1);
    }

    /// A hovedskjema laid out as Skatteetaten's example is (empty groups, text with line breaks).
    pub(crate) const HOVED_XML: &str = r#"<Skjema skjemanummer="890" spesifikasjonsnummer="12144" blankettnummer="RF-1086" gruppeid="2586" etatid="974761076">
    <GenerellInformasjon-grp-2587 gruppeid="2587">
        <Selskap-grp-2588 gruppeid="2588">
            <EnhetOrganisasjonsnummer-datadef-18 orid="18">314259521</EnhetOrganisasjonsnummer-datadef-18>
            <EnhetNavn-datadef-1 orid="1">FIKTIV TIGER AS</EnhetNavn-datadef-1>
            <EnhetPostnummer-datadef-6673 orid="6673">0150</EnhetPostnummer-datadef-6673>
            <AksjeType-datadef-17659 orid="17659">01</AksjeType-datadef-17659>
            <Inntektsar-datadef-692 orid="692">2025</Inntektsar-datadef-692>
        </Selskap-grp-2588>
        <Kontaktperson-grp-3442 gruppeid="3442">
            <KontaktpersonSkjemaEPost-datadef-30533 orid="30533">post@tiger.example
            </KontaktpersonSkjemaEPost-datadef-30533>
        </Kontaktperson-grp-3442>
        <AnnenKontaktperson-grp-5384 gruppeid="5384"></AnnenKontaktperson-grp-5384>
    </GenerellInformasjon-grp-2587>
    <Selskapsopplysninger-grp-2589 gruppeid="2589">
        <AksjekapitalForHeleSelskapet-grp-3443 gruppeid="3443">
            <Aksjekapital-datadef-87 orid="87">30000</Aksjekapital-datadef-87>
        </AksjekapitalForHeleSelskapet-grp-3443>
        <PalydendePerAksje-grp-3447 gruppeid="3447">
            <AksjeMvPalydende-datadef-23945 orid="23945">100.00</AksjeMvPalydende-datadef-23945>
        </PalydendePerAksje-grp-3447>
        <AntallAksjerIDenneAksjeklassen-grp-3445 gruppeid="3445">
            <AksjerMvAntall-datadef-29167 orid="29167">300</AksjerMvAntall-datadef-29167>
        </AntallAksjerIDenneAksjeklassen-grp-3445>
    </Selskapsopplysninger-grp-2589>
    <Utbytte-grp-3449 gruppeid="3449">
        <UtdeltSkatterettsligUtbytteILopetAvInntektsaret-grp-3451 gruppeid="3451"></UtdeltSkatterettsligUtbytteILopetAvInntektsaret-grp-3451>
    </Utbytte-grp-3449>
    <UtstedelseAvAksjerIfmStiftelseNyemisjonMv-grp-3452 gruppeid="3452">
        <AntallNyutstedteAksjer-grp-3453 gruppeid="3453">
            <AksjerNyutstedteStiftelseMvAntall-datadef-17668 orid="17668">300
            </AksjerNyutstedteStiftelseMvAntall-datadef-17668>
            <AksjerNyutstedteStiftelseMvType-datadef-17670 orid="17670">N</AksjerNyutstedteStiftelseMvType-datadef-17670>
            <AksjerNyutstedteStiftelseMvTidspunkt-datadef-17671 orid="17671">2025-03-01T00:00:00
            </AksjerNyutstedteStiftelseMvTidspunkt-datadef-17671>
        </AntallNyutstedteAksjer-grp-3453>
    </UtstedelseAvAksjerIfmStiftelseNyemisjonMv-grp-3452>
    <SlettingAvAksjerIfmLikvidasjonPartiellLikvidasjonMv-grp-3456 gruppeid="3456">
        <SlettedeAksjerAvgang-grp-3457 gruppeid="3457"></SlettedeAksjerAvgang-grp-3457>
    </SlettingAvAksjerIfmLikvidasjonPartiellLikvidasjonMv-grp-3456>
</Skjema>"#;

    /// An underskjema laid out as Skatteetaten's example is.
    pub(crate) const UNDER_XML: &str = r#"<Skjema skjemanummer="923" spesifikasjonsnummer="12146" blankettnummer="RF-1086-U" gruppeid="3983">
    <SelskapsOgAksjonaropplysninger-grp-3987 gruppeid="3987">
        <Selskapsidentifikasjon-grp-3986 gruppeid="3986">
            <EnhetOrganisasjonsnummer-datadef-18 orid="18">314259521</EnhetOrganisasjonsnummer-datadef-18>
            <AksjeType-datadef-17659 orid="17659">01</AksjeType-datadef-17659>
            <Inntektsar-datadef-692 orid="692">2025</Inntektsar-datadef-692>
        </Selskapsidentifikasjon-grp-3986>
        <NorskUtenlandskAksjonar-grp-3988 gruppeid="3988">
            <AksjonarFodselsnummer-datadef-1156 orid="1156">01818010083</AksjonarFodselsnummer-datadef-1156>
            <Adresse-grp-7722 gruppeid="7722"></Adresse-grp-7722>
        </NorskUtenlandskAksjonar-grp-3988>
    </SelskapsOgAksjonaropplysninger-grp-3987>
    <AntallAksjerUtbytteOgTilbakebetalingAvTidligereInnbetaltKapit-grp-3990 gruppeid="3990">
        <AntallAksjerPerAksjonar-grp-3989 gruppeid="3989">
            <AksjerAntallFjoraret-datadef-29168 orid="29168">0</AksjerAntallFjoraret-datadef-29168>
            <AksjonarAksjerAntall-datadef-17741 orid="17741">100</AksjonarAksjerAntall-datadef-17741>
        </AntallAksjerPerAksjonar-grp-3989>
        <UtdeltUtbyttePerAksjonar-grp-3991 gruppeid="3991">
            <AutomatiskMotregningOnskerIkke-datadef-37159 orid="37159">0</AutomatiskMotregningOnskerIkke-datadef-37159>
        </UtdeltUtbyttePerAksjonar-grp-3991>
    </AntallAksjerUtbytteOgTilbakebetalingAvTidligereInnbetaltKapit-grp-3990>
    <Transaksjoner-grp-3992 gruppeid="3992">
        <KjopArvGaveStiftelseNyemisjonMv-grp-3993 gruppeid="3993">
            <AntallAksjerITilgang-grp-3998 gruppeid="3998">
                <AksjerKjopAntall-datadef-12153 orid="12153">100</AksjerKjopAntall-datadef-12153>
                <AksjeErvervType-datadef-17745 orid="17745">N</AksjeErvervType-datadef-17745>
                <AksjerErvervsdato-datadef-17746 orid="17746">2025-03-01T00:00:00</AksjerErvervsdato-datadef-17746>
                <AksjeAnskaffelsesverdi-datadef-17636 orid="17636">10000</AksjeAnskaffelsesverdi-datadef-17636>
            </AntallAksjerITilgang-grp-3998>
        </KjopArvGaveStiftelseNyemisjonMv-grp-3993>
    </Transaksjoner-grp-3992>
</Skjema>"#;

    #[test]
    fn the_hovedskjema_reads_into_the_company_and_its_share_class() {
        let r = read(Skjema::Hoved, HOVED_XML.as_bytes()).unwrap();
        let d = &r.doc;
        assert_eq!(d["selskap"]["organisasjonsnummer"], "314259521");
        assert_eq!(d["selskap"]["navn"], "FIKTIV TIGER AS");
        assert_eq!(d["selskap"]["postnummer"], "0150");
        assert_eq!(d["selskap"]["aksjeklasse"], "01");
        assert_eq!(d["selskap"]["inntektsaar"], 2025);
        assert_eq!(d["selskap"]["aksjekapital"], 30000);
        // Text that ends with a line break is read without it.
        assert_eq!(d["kontaktperson"]["epost"], "post@tiger.example");
        assert_eq!(d["aksjeklassen"]["antallAksjer"], 300);
        assert_eq!(d["aksjeklassen"]["paalydende"], 100.0);
        assert_eq!(d["utstedelser"][0]["antallNye"], 300);
        // An empty group is no row; a dateTime is its day.
        assert!(d.get("utbytte").is_none());
        assert_eq!(d["utstedelser"][0]["tidspunkt"], "2025-03-01");
        assert_eq!(d["utstedelser"][0]["type"], "N");
        assert_eq!(
            r.sti("selskap.organisasjonsnummer"),
            "Skjema/GenerellInformasjon-grp-2587/Selskap-grp-2588/EnhetOrganisasjonsnummer-datadef-18"
        );
        assert_eq!(
            r.sti("utstedelser[0].antallNye"),
            "Skjema/UtstedelseAvAksjerIfmStiftelseNyemisjonMv-grp-3452/AntallNyutstedteAksjer-grp-3453/AksjerNyutstedteStiftelseMvAntall-datadef-17668"
        );
        // Not given, but its place is known.
        assert_eq!(
            r.sti("selskap.isin"),
            "Skjema/GenerellInformasjon-grp-2587/Selskap-grp-2588/EnhetISINNummer-datadef-17513"
        );
    }

    #[test]
    fn the_underskjema_reads_into_one_shareholder_and_their_acquisitions() {
        let r = read(Skjema::Under, UNDER_XML.as_bytes()).unwrap();
        let d = &r.doc;
        assert_eq!(d["aksjonaerer"][0]["foedselsnummer"], "01818010083");
        assert_eq!(d["aksjonaerer"][0]["antallAksjer"], 100);
        assert_eq!(d["aksjonaerer"][0]["motregningOnskerIkke"], false);
        assert_eq!(d["tilganger"][0]["antall"], 100);
        assert_eq!(d["tilganger"][0]["tidspunkt"], "2025-03-01");
        assert_eq!(d["tilganger"][0]["anskaffelsesverdi"], 10000);
        assert!(d.get("aksjonaerutbytte").is_none());
        assert_eq!(d["selskap"]["inntektsaar"], 2025);
        assert_eq!(
            r.sti("aksjonaerer[0].foedselsnummer"),
            "Skjema/SelskapsOgAksjonaropplysninger-grp-3987/NorskUtenlandskAksjonar-grp-3988/AksjonarFodselsnummer-datadef-1156"
        );
        assert_eq!(
            r.sti("aksjonaerer[0]"),
            "Skjema/SelskapsOgAksjonaropplysninger-grp-3987/NorskUtenlandskAksjonar-grp-3988"
        );
    }

    #[test]
    fn repeated_groups_are_rows_and_their_elements_are_numbered() {
        let xml = r#"<Skjema skjemanummer="923">
          <SalgArvGaveLikvidasjonPartiellLikvidasjonMv-grp-3995 gruppeid="3995">
            <AksjerIAvgang-grp-4002><AksjerArvMvOmsattAntall-datadef-17752>5</AksjerArvMvOmsattAntall-datadef-17752></AksjerIAvgang-grp-4002>
            <AksjerIAvgang-grp-4002></AksjerIAvgang-grp-4002>
            <AksjerIAvgang-grp-4002><AksjerArvMvOmsattAntall-datadef-17752>fem</AksjerArvMvOmsattAntall-datadef-17752><AksjerArvMvOmsatt-datadef-17755>12.50</AksjerArvMvOmsatt-datadef-17755></AksjerIAvgang-grp-4002>
          </SalgArvGaveLikvidasjonPartiellLikvidasjonMv-grp-3995>
        </Skjema>"#;
        let r = read(Skjema::Under, xml.as_bytes()).unwrap();
        let rows = r.doc["avganger"].as_array().unwrap();
        assert_eq!(rows.len(), 2);
        // Not a number: kept as given, for the validation to say so at its element.
        assert_eq!(rows[1]["antall"], "fem");
        assert_eq!(rows[1]["vederlag"], 12.5);
        assert_eq!(
            r.sti("avganger[1].antall"),
            "Skjema/SalgArvGaveLikvidasjonPartiellLikvidasjonMv-grp-3995/AksjerIAvgang-grp-4002[3]/AksjerArvMvOmsattAntall-datadef-17752"
        );
        // A field left out of a row is where the row's element would have it.
        assert_eq!(
            r.sti("avganger[0].type"),
            "Skjema/SalgArvGaveLikvidasjonPartiellLikvidasjonMv-grp-3995/AksjerIAvgang-grp-4002[1]/AksjerArvMvOmsattType-datadef-17753"
        );
        // Each element's line, found by its sti; one that is not there has none.
        assert_eq!(line_of(xml, &r.sti("avganger[1].antall")), Some(5));
        assert_eq!(
            line_of(
                xml,
                "Skjema/SalgArvGaveLikvidasjonPartiellLikvidasjonMv-grp-3995/AksjerIAvgang-grp-4002[1]"
            ),
            Some(3)
        );
        assert_eq!(line_of(xml, "Skjema/@skjemanummer"), Some(1));
        assert_eq!(line_of(xml, &r.sti("avganger[0].type")), None);
        assert_eq!(
            line_of(
                xml,
                "Skjema/SalgArvGaveLikvidasjonPartiellLikvidasjonMv-grp-3995/AksjerIAvgang-grp-4002[4]"
            ),
            None
        );
    }

    #[test]
    fn what_is_not_xml_or_not_this_document_is_refused_saying_why() {
        let one = |body: &str, skjema| read(skjema, body.as_bytes()).unwrap_err();
        let p = one(
            "<Skjema skjemanummer=\"890\"><A>1</B></Skjema>",
            Skjema::Hoved,
        );
        assert!(p[0].melding.contains("ikke velformet"), "{p:?}");
        assert!(p[0].melding.contains("linje 1"), "{p:?}");
        let p = one("ikke xml", Skjema::Hoved);
        assert!(p[0].melding.contains("tekst utenfor"), "{p:?}");
        let p = one("", Skjema::Hoved);
        assert!(p[0].melding.contains("tomt"), "{p:?}");
        let p = one("<Melding/>", Skjema::Hoved);
        assert_eq!(p[0].sti.as_deref(), Some("Melding"));
        let p = one("<Skjema skjemanummer=\"923\"/>", Skjema::Hoved);
        assert_eq!(p[0].sti.as_deref(), Some("Skjema/@skjemanummer"));
        assert_eq!(p[0].angitt.as_deref(), Some("923"));
        assert!(p[0].melding.contains("1086U"), "{p:?}");
        let p = read(Skjema::Under, &[0x3c, 0xff, 0x3e]).unwrap_err();
        assert!(p[0].melding.contains("UTF-8"), "{p:?}");
    }

    #[test]
    fn an_element_the_portal_does_not_take_is_refused_at_its_place_unless_it_is_empty() {
        let xml = r#"<Skjema skjemanummer="923">
          <FondsemisjonSplittSkattefriFusjonFisjonSammenslaingDelingAv-grp-3994 gruppeid="3994">
            <AntallAksjerITilgangIfmOmfordeling-grp-3999 gruppeid="3999"></AntallAksjerITilgangIfmOmfordeling-grp-3999>
          </FondsemisjonSplittSkattefriFusjonFisjonSammenslaingDelingAv-grp-3994>
          <SelskapsOgAksjonaropplysninger-grp-3987>
            <NorskUtenlandskAksjonar-grp-3988><AksjonarSkonummer>42</AksjonarSkonummer></NorskUtenlandskAksjonar-grp-3988>
          </SelskapsOgAksjonaropplysninger-grp-3987>
        </Skjema>"#;
        let p = read(Skjema::Under, xml.as_bytes()).unwrap_err();
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].kode, "unknown_element");
        assert_eq!(
            p[0].sti.as_deref(),
            Some(
                "Skjema/SelskapsOgAksjonaropplysninger-grp-3987/NorskUtenlandskAksjonar-grp-3988/AksjonarSkonummer"
            )
        );
    }

    #[test]
    fn every_field_the_documents_fill_is_a_field_of_the_form() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("forms");
        let loaded = crate::form::load::load_dir(&dir);
        let catalog = loaded.catalog.expect("the forms load");
        let form = catalog.latest("RF-1086").unwrap();
        let binds: Vec<String> = form
            .pages
            .iter()
            .flat_map(|p| p.all_fields())
            .map(|f| crate::form::expr::format_path(&f.bind))
            .collect();
        for p in paths() {
            let known = binds.contains(&p)
                // An either field's alternatives stand on the row itself.
                || ["foedselsnummer", "organisasjonsnummer", "utenlandskId"]
                    .iter()
                    .any(|k| p == format!("aksjonaerer[*].{k}"));
            assert!(known, "{p} is not a field of RF-1086");
        }
        for g in SUB_GROUPS {
            assert!(binds.iter().any(|b| b == g), "{g}");
        }
    }
}
