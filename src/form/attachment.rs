//! What the form language knows of attached files: the kinds a field may allow, why a file is
//! refused (the messages are the form's), and how the document describes a kept file. The checks
//! themselves are `intake::files`; these types live here so that `form` depends on nothing above it.

use serde_json::{Value, json};

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
    /// An Office document that can carry macros: an OLE2 compound file (old `.doc`, `.xls`) or a
    /// ZIP package with a VBA project (`vbaProject.bin`) or a macro-enabled content type.
    MacroOffice,
    /// A file of one kind that is also readable as another: a ZIP archive inside a PDF, an image,
    /// CSV or XML, or a PDF header inside a file that is not a PDF.
    Polyglot,
    /// An archive that expands too much (more than 200 MiB, or more than 100 times its size).
    ZipBomb,
    /// An archive that cannot be read or checked, or is unsafe to unpack: damaged, unknown
    /// compression, encrypted entries, names with `..` or absolute paths, archives inside it, more
    /// than 1 000 entries.
    BadArchive,
    /// The file could not be read (an I/O error; logged), or a PDF could not be checked: a stream
    /// without `endstream`, an object stream that does not inflate or has a filter other than
    /// FlateDecode (logged).
    Unreadable,
}

/// A file as the submitted document describes it (and the receipt and the domain system see it).
#[derive(Debug, Clone, PartialEq)]
pub struct Described {
    /// The name shown.
    pub name: String,
    /// Decided from the content.
    pub media_type: String,
    /// Bytes.
    pub size: u64,
    /// SHA-256, hex.
    pub sha256: String,
}

impl Described {
    /// Reads a description the portal wrote; `None` for anything else.
    pub fn of(v: &Value) -> Option<Described> {
        let o = v.as_object()?;
        if o.len() != 4 {
            return None;
        }
        let sha256 = o.get("sha256")?.as_str()?;
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some(Described {
            name: o.get("filnavn")?.as_str()?.to_string(),
            media_type: o.get("mediatype")?.as_str()?.to_string(),
            size: o.get("storrelse")?.as_u64()?,
            sha256: sha256.to_string(),
        })
    }

    /// As written into the document.
    pub fn to_value(&self) -> Value {
        json!({
            "filnavn": self.name,
            "mediatype": self.media_type,
            "storrelse": self.size,
            "sha256": self.sha256,
        })
    }
}
