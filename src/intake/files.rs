//! Checking an uploaded file before it is kept: its type decided by its first bytes (never by the
//! browser's Content-Type), agreeing with its name's extension and allowed by the field; empty
//! files, executables, encrypted PDFs and PDFs that run code refused; the name made safe to show.

/// The kinds of file a form may allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// PDF.
    Pdf,
    /// PNG image.
    Png,
    /// JPEG image.
    Jpeg,
    /// XML.
    Xml,
    /// Comma- or semicolon-separated text.
    Csv,
    /// ZIP archive.
    Zip,
}

impl FileKind {
    /// The kind a form file names (`pdf`, `png`, `jpeg`, `xml`, `csv`, `zip`).
    pub fn from_name(name: &str) -> Option<FileKind> {
        Some(match name {
            "pdf" => FileKind::Pdf,
            "png" => FileKind::Png,
            "jpeg" | "jpg" => FileKind::Jpeg,
            "xml" => FileKind::Xml,
            "csv" => FileKind::Csv,
            "zip" => FileKind::Zip,
            _ => return None,
        })
    }

    /// The media type it is served with.
    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Xml => "application/xml",
            FileKind::Csv => "text/csv",
            FileKind::Zip => "application/zip",
        }
    }

    /// Its name for people (`PDF`, `PNG`, …).
    pub fn label(self) -> &'static str {
        match self {
            FileKind::Pdf => "PDF",
            FileKind::Png => "PNG",
            FileKind::Jpeg => "JPEG",
            FileKind::Xml => "XML",
            FileKind::Csv => "CSV",
            FileKind::Zip => "ZIP",
        }
    }

    /// The extensions a file of this kind may have.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Pdf => &["pdf"],
            FileKind::Png => &["png"],
            FileKind::Jpeg => &["jpg", "jpeg"],
            FileKind::Xml => &["xml"],
            FileKind::Csv => &["csv", "txt"],
            FileKind::Zip => &["zip"],
        }
    }
}

/// Why a file is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No bytes.
    Empty,
    /// A program (Windows, Linux or macOS executable, or a script with a `#!` line).
    Executable,
    /// Its content is of no kind we know.
    UnknownType,
    /// Its kind is not one the field allows.
    NotAllowed(FileKind),
    /// Its name says one kind, its content another (e.g. a PNG named `.pdf`).
    ExtensionMismatch(FileKind),
    /// A password-protected PDF (it cannot be read or checked).
    EncryptedPdf,
    /// A PDF with JavaScript or actions that start programs.
    ActivePdf,
}

/// The kind of a file by its first bytes.
pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
    let text_start = |b: &[u8]| {
        let b = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b);
        let i = b
            .iter()
            .position(|c| !c.is_ascii_whitespace())
            .unwrap_or(b.len());
        b[i..].to_vec()
    };
    if bytes.starts_with(b"%PDF-") {
        Some(FileKind::Pdf)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(FileKind::Png)
    } else if bytes.starts_with(b"\xFF\xD8\xFF") {
        Some(FileKind::Jpeg)
    } else if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        Some(FileKind::Zip)
    } else if text_start(&bytes[..bytes.len().min(64)]).starts_with(b"<?xml") {
        Some(FileKind::Xml)
    } else if !bytes.is_empty()
        && !bytes.contains(&0)
        && std::str::from_utf8(bytes).is_ok()
        && bytes
            .split(|&b| b == b'\n')
            .next()
            .is_some_and(|line| line.contains(&b',') || line.contains(&b';'))
    {
        Some(FileKind::Csv)
    } else {
        None
    }
}

fn executable(bytes: &[u8]) -> bool {
    bytes.starts_with(b"MZ")
        || bytes.starts_with(b"\x7FELF")
        || bytes.starts_with(b"#!")
        || bytes.starts_with(&[0xCF, 0xFA, 0xED, 0xFE])
        || bytes.starts_with(&[0xCA, 0xFE, 0xBA, 0xBE])
}

/// Whether a PDF names a name object, tolerating the `#xx` escapes PDF allows inside names
/// (`/J#61vaScript` is `/JavaScript`).
fn pdf_has_name(bytes: &[u8], name: &str) -> bool {
    let mut i = 0;
    while let Some(at) = bytes[i..].iter().position(|&b| b == b'/') {
        let start = i + at + 1;
        let mut decoded = Vec::new();
        let mut j = start;
        while j < bytes.len() {
            let b = bytes[j];
            if b == b'#' && j + 2 < bytes.len() {
                let hex = std::str::from_utf8(&bytes[j + 1..j + 3]).ok();
                if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    decoded.push(v);
                    j += 3;
                    continue;
                }
            }
            if b.is_ascii_alphanumeric() {
                decoded.push(b);
                j += 1;
            } else {
                break;
            }
        }
        if decoded == name.as_bytes() {
            return true;
        }
        i = start;
    }
    false
}

/// Checks a file named `name` with content `bytes` against the kinds a field allows.
pub fn check(name: &str, bytes: &[u8], allowed: &[FileKind]) -> Result<FileKind, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::Empty);
    }
    if executable(bytes) {
        return Err(Refusal::Executable);
    }
    let kind = sniff(bytes).ok_or(Refusal::UnknownType)?;
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if !kind.extensions().contains(&ext.as_str()) {
        return Err(Refusal::ExtensionMismatch(kind));
    }
    if !allowed.contains(&kind) {
        return Err(Refusal::NotAllowed(kind));
    }
    if kind == FileKind::Pdf {
        if pdf_has_name(bytes, "Encrypt") {
            return Err(Refusal::EncryptedPdf);
        }
        if ["JavaScript", "JS", "Launch", "EmbeddedFile"]
            .iter()
            .any(|n| pdf_has_name(bytes, n))
        {
            return Err(Refusal::ActivePdf);
        }
    }
    Ok(kind)
}

/// Checks a file on disk (temporary: reads it whole).
pub fn check_file(
    name: &str,
    path: &std::path::Path,
    allowed: &[FileKind],
) -> Result<FileKind, Refusal> {
    let bytes = std::fs::read(path).map_err(|_| Refusal::UnknownType)?;
    check(name, &bytes, allowed)
}

/// A file name safe to show and to offer for download: no folders, no control characters, no
/// characters that turn text direction around (which can disguise `fdp.exe` as `exe.pdf`), at most
/// 120 characters with the extension kept; `vedlegg` when nothing is left.
pub fn safe_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| {
            !c.is_control()
                && !matches!(*c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_string();
    if cleaned.is_empty() {
        return "vedlegg".to_owned();
    }
    if cleaned.chars().count() <= 120 {
        return cleaned;
    }
    let (stem, ext) = match cleaned.rsplit_once('.') {
        Some((s, e)) if e.chars().count() <= 10 => (s.to_string(), format!(".{e}")),
        _ => (cleaned.clone(), String::new()),
    };
    let keep = 120 - ext.chars().count();
    format!("{}{ext}", stem.chars().take(keep).collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF";
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn the_content_decides_and_must_agree_with_the_name() {
        let all = [FileKind::Pdf, FileKind::Png, FileKind::Csv];
        assert_eq!(check("a.pdf", PDF, &all), Ok(FileKind::Pdf));
        assert_eq!(check("bilde.PNG", PNG, &all), Ok(FileKind::Png));
        assert_eq!(
            check("kontrakt.pdf", PNG, &all),
            Err(Refusal::ExtensionMismatch(FileKind::Png)),
            "a PNG named .pdf"
        );
        assert_eq!(check("tom.pdf", b"", &all), Err(Refusal::Empty));
        assert_eq!(
            check("program.pdf", b"MZ\x90\0\x03", &all),
            Err(Refusal::Executable)
        );
        assert_eq!(
            check("skript.pdf", b"#!/bin/sh\n", &all),
            Err(Refusal::Executable)
        );
        assert_eq!(
            check("a.zip", b"PK\x03\x04rest", &all),
            Err(Refusal::NotAllowed(FileKind::Zip))
        );
        assert_eq!(check("tall.csv", b"a;b\n1;2\n", &all), Ok(FileKind::Csv));
        assert_eq!(
            check("x.bin", b"\0\x01\x02", &all),
            Err(Refusal::UnknownType)
        );
    }

    #[test]
    fn pdfs_that_hide_or_run_things_are_refused() {
        let all = [FileKind::Pdf];
        let encrypted = b"%PDF-1.7\ntrailer << /Encrypt 5 0 R >>";
        assert_eq!(check("a.pdf", encrypted, &all), Err(Refusal::EncryptedPdf));
        let js = b"%PDF-1.7\n<< /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>";
        assert_eq!(check("a.pdf", js, &all), Err(Refusal::ActivePdf));
        let escaped = b"%PDF-1.7\n<< /S /J#61vaScript >>";
        assert_eq!(check("a.pdf", escaped, &all), Err(Refusal::ActivePdf));
        let launch = b"%PDF-1.7\n<< /S /Launch /F (cmd.exe) >>";
        assert_eq!(check("a.pdf", launch, &all), Err(Refusal::ActivePdf));
    }

    #[test]
    fn names_are_made_safe() {
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("C:\\Users\\x\\kontrakt.pdf"), "kontrakt.pdf");
        assert_eq!(safe_name("faktura\u{202E}fdp.exe"), "fakturafdp.exe");
        assert_eq!(safe_name("a\u{0007}b.pdf"), "ab.pdf");
        assert_eq!(safe_name("..."), "vedlegg");
        assert_eq!(safe_name(""), "vedlegg");
        let long = format!("{}.pdf", "æ".repeat(1000));
        let s = safe_name(&long);
        assert_eq!(s.chars().count(), 120);
        assert!(s.ends_with(".pdf"));
    }
}
