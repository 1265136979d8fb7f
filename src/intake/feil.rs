//! Skatteetaten's error document, `Feil`, as every channel that answers a delivery with one
//! writes it: the API in its responses, SFTP in the `kvittering/` folder. Its details name each
//! error's path (`sti`) and the value given; the GLD checks of a delivery's income year are here
//! too, so that both channels refuse the same document in the same words.

use serde::Serialize;
use serde_json::Value;

use crate::form::Lang;
use crate::form::validate::FieldError;

/// Skatteetaten's error document.
#[derive(Debug, Clone, Serialize)]
pub struct Feil {
    /// The GLD code.
    pub kode: &'static str,
    /// What is wrong, in Norwegian.
    pub melding: String,
    /// The request's id, to find it in the logs.
    pub korrelasjonsid: String,
    /// The details, each at a path of the document.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub spesifisering: Vec<Feilspesifisering>,
}

/// One detail of a [`Feil`].
#[derive(Debug, Clone, Serialize)]
pub struct Feilspesifisering {
    /// A detail code.
    pub kode: String,
    /// What is wrong.
    pub melding: String,
    /// The path of the field (as the form language and the browser's error ids write it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sti: Option<String>,
    /// The value given, as text.
    #[serde(rename = "angittVerdi", skip_serializing_if = "Option::is_none")]
    pub angitt_verdi: Option<String>,
}

/// `GLD_010`: errors in the content.
pub const CONTENT: (&str, &str) = ("GLD_010", "Meldingen har feil i innholdet.");

/// A document's values, for the `angittVerdi` of its errors.
pub trait Given {
    /// The value given at a path.
    fn given(&self, path: &[crate::form::Seg]) -> Option<&Value>;
}

impl Given for Value {
    fn given(&self, path: &[crate::form::Seg]) -> Option<&Value> {
        crate::form::document::get(self, path)
    }
}

impl Given for super::rows::Read {
    fn given(&self, path: &[crate::form::Seg]) -> Option<&Value> {
        super::rows::Read::given(self, path)
    }
}

/// The validation errors as details: each at its `sti`, with the value given.
pub fn details(errors: &[FieldError], doc: &dyn Given) -> Vec<Feilspesifisering> {
    errors
        .iter()
        .map(|fe| Feilspesifisering {
            kode: fe.kind.code().to_owned(),
            melding: fe.message(Lang::Nb),
            sti: Some(fe.sti()),
            angitt_verdi: doc
                .given(&fe.path)
                .and_then(crate::form::document::given_text),
        })
        .collect()
}

/// A `leveranse`'s income year, as a number or as text (`"2025"`).
fn year_of(l: &Value) -> Option<i64> {
    l.get("inntektsaar")
        .and_then(crate::form::validate::as_number)
        .and_then(|n| n.as_i64())
}

/// The income years in a GLD document (one per `leveranse`), each with its path.
pub fn years_in(doc: &Value) -> Vec<(String, Option<i64>)> {
    match doc.get("leveranse") {
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .map(|(i, l)| (format!("leveranse[{i}].inntektsaar"), year_of(l)))
            .collect(),
        Some(l) => vec![("leveranse.inntektsaar".to_owned(), year_of(l))],
        None => Vec::new(),
    }
}

/// `GLD_1052` for each `leveranse` of a GLD document whose income year is not `year` (the year
/// the delivery was addressed to: the API's path, the SFTP folder).
pub fn wrong_years(doc: &Value, year: i32) -> Vec<Feilspesifisering> {
    years_in(doc)
        .into_iter()
        .filter(|(_, y)| y.is_some_and(|y| y != i64::from(year)))
        .map(|(sti, y)| Feilspesifisering {
            kode: "GLD_1052".into(),
            melding: format!("Inntektsåret i meldingen må være {year}, som i adressen."),
            sti: Some(sti),
            angitt_verdi: y.map(|y| y.to_string()),
        })
        .collect()
}
