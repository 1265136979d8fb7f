//! The entry points of the fuzz targets in `fuzz/`: each reads arbitrary bytes the way the portal
//! reads what arrives from outside, and must answer (accept or refuse) without panicking or
//! hanging, whatever the bytes are. The same functions replay the committed corpus
//! (`fuzz/corpus/<target>/`) in the ordinary tests, so a crash once found stays fixed.

use std::sync::{Arc, OnceLock};

use axum::body::Bytes;
use serde_json::json;

use crate::form::attachment::FileKind;
use crate::form::expr::{Context, Expr, Schema, Seg, Type};
use crate::form::{Catalog, FieldKind};

/// A fuzz target: reads arbitrary bytes.
pub type Target = fn(&[u8]);

/// Every fuzz target by name, for the corpus replay.
pub const TARGETS: &[(&str, Target)] = &[
    ("form_file", form_file),
    ("expression", expression),
    ("identifiers", identifiers),
    ("files", files),
    ("multipart", multipart),
    ("urlencoded", urlencoded),
    ("gld_body", gld_body),
    ("ar_xml", ar_xml),
];

/// A form file's text, loaded and checked as the catalogue loads one.
pub fn form_file(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    // The areas it may name: the catalogue's.
    let areas: Vec<&str> = catalog().areas.iter().map(|a| a.id.as_str()).collect();
    let mut problems = Vec::new();
    let form = crate::form::load::parse_form_text(src, &areas, &mut problems);
    // A form that loads is one the portal serves: its schema and its first document too.
    if let Some(form) = form {
        let _ = crate::form::schema::json_schema(&form);
        let _ = crate::form::document::start(&form, &Context::default());
    }
}

/// The paths the expression target's checker knows, with their types.
struct Fields;

impl Schema for Fields {
    fn type_of(&self, path: &[Seg]) -> Option<Type> {
        let list = |t: Type| Type::List(Box::new(t));
        Some(match crate::form::expr::format_path(path).as_str() {
            "a.n" => Type::Number,
            "a.t" => Type::Text,
            "a.d" => Type::Date,
            "a.dm" => Type::DayMonth,
            "a.b" => Type::Bool,
            "a.valg" => list(Type::Text),
            "a.rader" => Type::Rows,
            "a.rader[*].x" => Type::Number,
            "a.rader[*].t" => Type::Text,
            "party.name" => Type::Text,
            _ => return None,
        })
    }
}

/// An expression of the form language: parsed, type-checked against a few fields, put in words,
/// and evaluated on a document that has them (also in a row, as a row's rules are).
pub fn expression(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(mut e) = Expr::parse(src) else {
        return;
    };
    let _ = e.paths();
    if e.check(&Fields, None).is_err() {
        return;
    }
    let doc = json!({"a": {
        "n": 12.5, "t": "tekst", "d": "2025-02-28", "dm": "2902", "b": true,
        "valg": ["x", "y"],
        "rader": [{"x": 1, "t": "en"}, {"x": -2.25, "t": ""}, {}],
    }});
    let ctx = Context::default();
    let _ = e.eval(&doc, &ctx, None);
    let row = [
        Seg::Key("a".into()),
        Seg::Key("rader".into()),
        Seg::Index(1),
    ];
    let _ = e.eval(&doc, &ctx, Some(&row));
    let _ = e.eval(&json!({}), &ctx, None);
}

/// Norwegian identifiers and the other typed answers, as a field of each kind reads them.
pub fn identifiers(data: &[u8]) {
    use crate::form::no;
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let _ = no::Fodselsnummer::parse(s);
    let _ = no::Orgnr::parse(s);
    let _ = no::Kontonummer::parse(s);
    let _ = no::Kommunenummer::parse(s);
    let _ = no::Postnummer::parse(s);
    let _ = no::DayMonth::parse(s);
    let _ = no::iban_ok(s);
    let _ = no::bic_ok(s);
    let _ = no::masked(s);
    let _ = no::orgnr_spaced(s);
    for kind in [
        FieldKind::Text,
        FieldKind::Integer,
        FieldKind::Amount,
        FieldKind::Decimal,
        FieldKind::Percent,
        FieldKind::Date,
        FieldKind::DayMonth,
        FieldKind::Year,
        FieldKind::YesNo,
        FieldKind::Fnr,
        FieldKind::Orgnr,
        FieldKind::Kontonummer,
        FieldKind::Kommunenummer,
        FieldKind::Postnummer,
        FieldKind::Email,
        FieldKind::Phone,
    ] {
        let v = crate::form::input::parse(&kind, s);
        let _ = crate::form::input::to_input(&kind, Some(&v));
        let _ = crate::form::input::display(&kind, Some(&v), crate::form::Lang::Nb);
    }
}

/// An uploaded file, checked by its content for every kind a field may allow (the PDF scan, the
/// ZIP archive's entries, images, XML, CSV).
pub fn files(data: &[u8]) {
    let all = [
        FileKind::Pdf,
        FileKind::Png,
        FileKind::Jpeg,
        FileKind::Xml,
        FileKind::Csv,
        FileKind::Zip,
    ];
    let _ = crate::intake::files::sniff(data);
    let _ = crate::intake::files::check("vedlegg", data, &all);
    let _ = crate::intake::files::check("vedlegg.pdf", data, &[FileKind::Pdf]);
}

/// A multipart body, read part by part as the portal's upload loop reads it (the first bytes
/// choose how: whole parts, text parts or chunks).
pub fn multipart(data: &[u8]) {
    use axum::extract::{FromRequest, Multipart};
    let Some((&how, body)) = data.split_first() else {
        return;
    };
    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/")
        .header(
            "content-type",
            "multipart/form-data; boundary=----tasteskjemagrense",
        )
        .body(axum::body::Body::from(body.to_vec()))
        .expect("a request");
    runtime().block_on(async move {
        let Ok(mut m) = Multipart::from_request(request, &()).await else {
            return;
        };
        while let Ok(Some(mut field)) = m.next_field().await {
            let _ = (field.name(), field.file_name(), field.content_type());
            let ended = match how % 3 {
                0 => field.bytes().await.is_err(),
                1 => field.text().await.is_err(),
                _ => loop {
                    match field.chunk().await {
                        Ok(Some(_)) => {}
                        Ok(None) => break false,
                        Err(_) => break true,
                    }
                },
            };
            if ended {
                break;
            }
        }
    });
}

/// A form page's post (`application/x-www-form-urlencoded`), read as a page save reads it.
pub fn urlencoded(data: &[u8]) {
    let _ = crate::web::forms::parse_post(&Bytes::copy_from_slice(data));
}

/// A GLD API body (RF-1140), read one row at a time as the API and the delivery files read it.
pub fn gld_body(data: &[u8]) {
    let Some(form) = catalog().latest("RF-1140") else {
        return;
    };
    let _ = crate::intake::rows::read(
        form,
        Bytes::copy_from_slice(data),
        &Context::default(),
        None,
    );
}

/// An aksjonærregisteroppgave as one XML file, split and read as the upload and SFTP read it.
pub fn ar_xml(data: &[u8]) {
    let _ = crate::intake::ar::file::read(Bytes::copy_from_slice(data), Some(2025));
    let _ = crate::intake::ar::file::read(Bytes::copy_from_slice(data), None);
}

/// The forms beside the source, loaded once.
fn catalog() -> &'static Arc<Catalog> {
    static CATALOG: OnceLock<Arc<Catalog>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("forms");
        Arc::new(crate::load_catalog(&dir).expect("the forms load"))
    })
}

/// One current-thread runtime for the async readers.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
    })
}

#[cfg(test)]
mod tests {
    use super::TARGETS;

    /// Every input of every target's committed corpus (the seeds, and what the runs found) once
    /// more, and every form file of the catalogue as a `form_file` input (`fuzz/run` seeds it
    /// with them too): none may panic.
    #[test]
    fn the_committed_fuzz_corpus_reads_without_a_panic() {
        let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for area in std::fs::read_dir(here.join("forms")).unwrap() {
            let Ok(files) = std::fs::read_dir(area.unwrap().path()) else {
                continue;
            };
            for file in files {
                super::form_file(&std::fs::read(file.unwrap().path()).unwrap());
            }
        }
        let root = here.join("fuzz/corpus");
        for (name, target) in TARGETS {
            let dir = root.join(name);
            let mut n = 0;
            for entry in
                std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            {
                let path = entry.unwrap().path();
                let data = std::fs::read(&path).unwrap();
                target(&data);
                n += 1;
            }
            assert!(n > 0, "{name} has seeds in {}", dir.display());
        }
    }
}
