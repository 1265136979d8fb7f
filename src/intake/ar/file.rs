//! The aksjonærregisteroppgave as one delivery file (the browser's upload, SFTP): the documents
//! the API takes one call at a time, in one XML file, the hovedskjema first and then one
//! underskjema per shareholder, each as it would be sent to the API:
//!
//! ```xml
//! <Aksjonaerregisteroppgave>
//!   <Skjema skjemanummer="890" blankettnummer="RF-1086" …>…</Skjema>
//!   <Skjema skjemanummer="923" blankettnummer="RF-1086-U" …>…</Skjema>
//!   …
//! </Aksjonaerregisteroppgave>
//! ```
//!
//! Each document is read and checked as the API reads it (`xml`), each underskjema against the
//! hovedskjema, and the whole is assembled into the form's one document, as the API's
//! confirmation does. Every problem and every validation error is placed in the file: the
//! document (`Aksjonaerregisteroppgave/Skjema[3]/…`) and the line.

use axum::body::Bytes;
use serde_json::Value;

use super::xml::{self, Problem, Read, Skjema, line_at};
use super::{Origins, assemble_parts, locate, part_of, same_company, text_of};
use crate::form::expr::format_path;
use crate::form::validate::FieldError;
use crate::intake::feil::Feilspesifisering;

/// The root element of the file.
pub const ROOT: &str = "Aksjonaerregisteroppgave";

/// The code of a file without a hovedskjema and at least one underskjema.
pub const TOO_FEW: &str = "GLD_1026";

/// One document of the file.
#[derive(Debug)]
pub struct Part {
    /// What it is: the first is the hovedskjema, the rest underskjemaer.
    pub skjema: Skjema,
    /// Where it is in the file (bytes).
    range: std::ops::Range<usize>,
    /// The line it starts on (from 1).
    pub line: usize,
}

/// A problem placed in the file: its document (0 the hovedskjema, n the n-th underskjema;
/// `None` for the file as a whole), with `sti` and `line` the file's.
#[derive(Debug, Clone)]
pub struct Fault {
    /// Which document.
    pub document: Option<usize>,
    /// What is wrong, where.
    pub problem: Problem,
}

impl Fault {
    /// The fault as a detail of Skatteetaten's `Feil`.
    pub fn detail(&self) -> Feilspesifisering {
        let p = &self.problem;
        let mut melding = p.melding.clone();
        if let Some(line) = p.line {
            melding.push_str(&format!(" (linje {line})"));
        }
        Feilspesifisering {
            kode: p.kode.to_owned(),
            melding,
            sti: p.sti.clone(),
            angitt_verdi: p.angitt.clone(),
        }
    }
}

/// A file read: the assembled delivery, and where each document is.
#[derive(Debug)]
pub struct Delivery {
    /// The form's document: the hovedskjema with every shareholder.
    pub doc: Value,
    origins: Origins,
    parts: Vec<Part>,
    reads: Vec<Read>,
    text: Bytes,
}

/// Where a validation error is in the file.
#[derive(Debug, Clone)]
pub struct Located {
    /// Which document: 0 the hovedskjema, n the n-th underskjema.
    pub document: usize,
    /// The element (`Aksjonaerregisteroppgave/Skjema[2]/…`).
    pub sti: String,
    /// Its line in the file.
    pub line: usize,
    /// The value given, as text.
    pub given: Option<String>,
}

impl Delivery {
    /// How many underskjemaer (shareholders) it has.
    pub fn underskjemaer(&self) -> usize {
        self.parts.len().saturating_sub(1)
    }

    /// The text of one document (checked to be UTF-8 when the file was read).
    fn text_of(&self, part: &Part) -> &str {
        std::str::from_utf8(&self.text[part.range.clone()]).unwrap_or_default()
    }

    /// Where an error of the assembled document is in the file.
    pub fn locate(&self, e: &FieldError) -> Located {
        let given = text_of(&self.doc, &e.path);
        let (document, local) = locate(&e.path, &self.origins);
        let document = document
            .unwrap_or(0)
            .min(self.parts.len().saturating_sub(1));
        let inner = self.reads[document].sti(&format_path(&local));
        let part = &self.parts[document];
        let line =
            xml::line_of(self.text_of(part), &inner).map_or(part.line, |l| part.line + l - 1);
        Located {
            document,
            sti: file_sti(document, &inner),
            line,
            given,
        }
    }

    /// The validation errors as details of Skatteetaten's `Feil`, each at its element in the file.
    pub fn details(&self, errors: &[FieldError]) -> Vec<Feilspesifisering> {
        errors
            .iter()
            .map(|e| {
                let at = self.locate(e);
                Feilspesifisering {
                    kode: e.kind.code().to_owned(),
                    melding: format!("{} (linje {})", e.message(crate::form::Lang::Nb), at.line),
                    sti: Some(at.sti),
                    angitt_verdi: at.given,
                }
            })
            .collect()
    }
}

/// A document's `sti` (`Skjema/…`) as the file's.
fn file_sti(document: usize, inner: &str) -> String {
    let rest = inner.strip_prefix("Skjema").unwrap_or(inner);
    format!("{ROOT}/Skjema[{}]{rest}", document + 1)
}

fn fault(document: Option<usize>, kode: &'static str, melding: String) -> Fault {
    Fault {
        document,
        problem: Problem {
            kode,
            melding,
            sti: None,
            angitt: None,
            line: None,
            expected: None,
        },
    }
}

/// Finds the documents of the file: the root must be [`ROOT`], with only `Skjema` elements in it.
fn split(text: &str) -> Result<Vec<Part>, Vec<Fault>> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut root = false;
    // The document being read: where it started.
    let mut open: Option<usize> = None;
    let at = |p: usize, why: &str| {
        let mut f = fault(None, "xml", why.to_owned());
        f.problem.line = Some(line_at(text, p));
        f
    };
    loop {
        let pos = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                let p = reader.error_position() as usize;
                return Err(vec![at(p, &format!("XML-en er ikke velformet: {e}."))]);
            }
        };
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                let name = e.name();
                match depth {
                    0 if root => return Err(vec![at(pos, "Filen har mer enn ett rotelement.")]),
                    0 if name.as_ref() != ROOT => {
                        let given = name.as_ref().to_owned();
                        let mut f = at(
                            pos,
                            &format!(
                                "Rotelementet må være «{ROOT}», med hovedskjemaet og så hvert underskjema i seg, ikke «{given}»."
                            ),
                        );
                        f.problem.kode = "root";
                        f.problem.sti = Some(given.clone());
                        f.problem.angitt = Some(given);
                        return Err(vec![f]);
                    }
                    0 => root = true,
                    1 if name.as_ref() != "Skjema" => {
                        let given = name.as_ref().to_owned();
                        let mut f = at(
                            pos,
                            &format!("I «{ROOT}» kan det bare stå «Skjema», ikke «{given}»."),
                        );
                        f.problem.kode = "root";
                        f.problem.sti = Some(format!("{ROOT}/{given}"));
                        return Err(vec![f]);
                    }
                    1 if empty => parts.push((pos, reader.buffer_position() as usize)),
                    1 => open = Some(pos),
                    _ => {}
                }
                if !empty {
                    depth += 1;
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 1
                    && let Some(start) = open.take()
                {
                    parts.push((start, reader.buffer_position() as usize));
                }
            }
            Event::Text(t) if depth <= 1 && !t.as_ref().trim_ascii().is_empty() => {
                return Err(vec![at(pos, "Filen har tekst utenfor skjemaene.")]);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if depth != 0 {
        return Err(vec![at(
            text.len(),
            "XML-en er ikke velformet: filen slutter før rotelementet er lukket.",
        )]);
    }
    if !root {
        return Err(vec![fault(
            None,
            "xml",
            "Filen er tom: den har ikke noe XML-element.".into(),
        )]);
    }
    Ok(parts
        .into_iter()
        .enumerate()
        .map(|(i, (start, end))| Part {
            skjema: if i == 0 { Skjema::Hoved } else { Skjema::Under },
            range: start..end,
            line: line_at(text, start),
        })
        .collect())
}

/// Places a problem of document `i` (its `sti` and `line` its own) in the file.
fn placed(text: &str, parts: &[Part], i: usize, mut p: Problem) -> Fault {
    let part = &parts[i];
    let line = p
        .line
        .or_else(|| {
            p.sti
                .as_deref()
                .and_then(|s| xml::line_of(&text[part.range.clone()], s))
        })
        .unwrap_or(1);
    p.line = Some(part.line + line - 1);
    p.sti = Some(match p.sti.take() {
        Some(s) => file_sti(i, &s),
        None => file_sti(i, "Skjema"),
    });
    Fault {
        document: Some(i),
        problem: p,
    }
}

/// Reads a delivery file. With `year` (the SFTP folder's), the hovedskjema's income year must be
/// it. Every problem found, placed in the file, when it is not a delivery.
pub fn read(body: Bytes, year: Option<i32>) -> Result<Delivery, Vec<Fault>> {
    let text = std::str::from_utf8(&body).map_err(|e| {
        vec![fault(
            None,
            "xml",
            format!(
                "Filen må være XML i UTF-8; byte {} er ikke UTF-8.",
                e.valid_up_to() + 1
            ),
        )]
    })?;
    let parts = split(text)?;
    if parts.len() < 2 {
        return Err(vec![fault(
            None,
            TOO_FEW,
            "Filen må ha hovedskjemaet og minst ett underskjema.".into(),
        )]);
    }
    let mut faults = Vec::new();
    let mut reads = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        match xml::read(part.skjema, &body[part.range.clone()]) {
            Ok(r) => reads.push(r),
            Err(problems) => {
                faults.extend(problems.into_iter().map(|p| placed(text, &parts, i, p)));
            }
        }
    }
    if !faults.is_empty() {
        return Err(faults);
    }
    let main = &reads[0];
    if let Some(year) = year
        && let Some(given) = main.doc["selskap"]["inntektsaar"].as_i64()
        && given != i64::from(year)
    {
        let p = Problem {
            kode: "GLD_1052",
            melding: format!("Inntektsåret i skjemaet må være {year}, som i mappen."),
            sti: Some(main.sti("selskap.inntektsaar")),
            angitt: Some(given.to_string()),
            line: None,
            expected: Some(year.to_string()),
        };
        faults.push(placed(text, &parts, 0, p));
    }
    for (i, r) in reads.iter().enumerate().skip(1) {
        for p in same_company(r, &main.doc) {
            faults.push(placed(text, &parts, i, p));
        }
    }
    if !faults.is_empty() {
        return Err(faults);
    }
    let (doc, origins) = assemble_parts(main.doc.clone(), reads[1..].iter().map(part_of));
    Ok(Delivery {
        doc,
        origins,
        parts,
        reads,
        text: body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::ar::xml::tests::{HOVED_XML, UNDER_XML};

    fn file_of(docs: &[&str]) -> String {
        let mut f = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- a return -->\n<Aksjonaerregisteroppgave>\n",
        );
        for d in docs {
            f.push_str(d);
            f.push('\n');
        }
        f.push_str("</Aksjonaerregisteroppgave>\n");
        f
    }

    fn faults(text: &str) -> Vec<Fault> {
        read(Bytes::from(text.to_owned()), None).expect_err("refused")
    }

    #[test]
    fn a_file_assembles_as_the_apis_steps_do() {
        let file = file_of(&[HOVED_XML, UNDER_XML, UNDER_XML]);
        let d = read(Bytes::from(file), Some(2025)).unwrap();
        assert_eq!(d.underskjemaer(), 2);
        // The API's way: each document read, stored, and assembled at the confirmation.
        let main = xml::read(Skjema::Hoved, HOVED_XML.as_bytes()).unwrap();
        let sub = xml::read(Skjema::Under, UNDER_XML.as_bytes()).unwrap();
        let part = Value::Object(part_of(&sub)).to_string();
        let (api, _) =
            crate::intake::ar::assemble(&main.doc.to_string(), &[part.clone(), part]).unwrap();
        assert_eq!(d.doc, api);
        assert_eq!(d.doc["aksjonaerer"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn what_is_not_a_return_is_refused_at_its_line() {
        let f = faults("<Skjema skjemanummer=\"890\"></Skjema>");
        assert_eq!(f[0].problem.kode, "root");
        let f = faults("<Aksjonaerregisteroppgave>\n<Other/>\n</Aksjonaerregisteroppgave>");
        assert_eq!((f[0].problem.kode, f[0].problem.line), ("root", Some(2)));
        let f = faults("<Aksjonaerregisteroppgave>\ntext\n</Aksjonaerregisteroppgave>");
        assert_eq!((f[0].problem.kode, f[0].problem.line), ("xml", Some(1)));
        let f = faults("<Aksjonaerregisteroppgave>\n<Skjema>\n");
        assert_eq!(f[0].problem.kode, "xml");
        let f = faults("<Aksjonaerregisteroppgave></Aksjonaerregisteroppgave><X/>");
        assert_eq!(f[0].problem.kode, "xml");
        let f = faults("");
        assert_eq!(f[0].problem.kode, "xml");
        let f = faults(&file_of(&[HOVED_XML]));
        assert_eq!((f[0].problem.kode, f[0].document), (TOO_FEW, None));
        let f = read(Bytes::from_static(b"<A>\xff</A>"), None).unwrap_err();
        assert!(f[0].problem.melding.contains("UTF-8"), "{f:?}");
    }

    #[test]
    fn a_documents_problems_are_placed_in_the_file() {
        // The second underskjema has an element the portal does not take, and the order is wrong
        // in another file: each problem names its document, its element in the file and its line.
        let odd = UNDER_XML.replace(
            "<AksjerAntallFjoraret-datadef-29168 orid=\"29168\">0</AksjerAntallFjoraret-datadef-29168>",
            "<Ukjent-datadef-1>1</Ukjent-datadef-1>",
        );
        assert_ne!(odd, UNDER_XML);
        let file = file_of(&[HOVED_XML, UNDER_XML, &odd]);
        let f = faults(&file);
        assert_eq!(f.len(), 1, "{f:?}");
        let p = &f[0].problem;
        assert_eq!((f[0].document, p.kode), (Some(2), "unknown_element"));
        let sti = p.sti.as_deref().unwrap();
        assert!(
            sti.starts_with("Aksjonaerregisteroppgave/Skjema[3]/"),
            "{sti}"
        );
        assert!(sti.ends_with("/Ukjent-datadef-1"), "{sti}");
        let line = file
            .lines()
            .position(|l| l.contains("Ukjent-datadef-1"))
            .unwrap()
            + 1;
        assert_eq!(p.line, Some(line));
        assert_eq!(f[0].detail().sti.as_deref(), Some(sti));

        let f = faults(&file_of(&[UNDER_XML, HOVED_XML]));
        assert!(f.iter().all(|f| f.problem.kode == "skjemanummer"), "{f:?}");
        assert_eq!(f[0].document, Some(0));
        assert_eq!(f[1].document, Some(1));

        // An underskjema of another year than its hovedskjema, and a folder of another year.
        let other_year = UNDER_XML.replace(">2025</Inntektsar", ">2024</Inntektsar");
        assert_ne!(other_year, UNDER_XML);
        let f = faults(&file_of(&[HOVED_XML, &other_year]));
        assert_eq!(f[0].problem.kode, crate::intake::ar::NOT_AS_HOVEDSKJEMA);
        assert_eq!(f[0].problem.expected.as_deref(), Some("2025"));
        let f = read(Bytes::from(file_of(&[HOVED_XML, UNDER_XML])), Some(2024)).unwrap_err();
        assert_eq!((f[0].problem.kode, f[0].document), ("GLD_1052", Some(0)));
    }
}
