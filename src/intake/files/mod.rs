//! Checking an uploaded file before it is kept: its type decided by its first bytes (never by the
//! browser's Content-Type), agreeing with its name's extension and allowed by the field; empty
//! files, executables, Office files that can carry macros, encrypted PDFs, PDFs that run code,
//! files that are also readable as another format, and unsafe or exploding archives refused; the
//! name made safe to show.
//!
//! [`check`] takes the bytes in memory, [`check_file`] reads a file without holding it whole; both
//! run the same rules: the kind from the first 8 KiB, then the whole content in windows of 1 MiB,
//! each seen with 4 KiB of what follows so that nothing looked for is missed at a window's edge.
//!
//! A PDF's names are looked for outside its streams' data (compressed data holds any short byte
//! sequence now and then) and in its object streams, inflated a piece at a time: see [`pdf_scan`].
//! A ZIP archive is unpacked through a counter, entry by entry: see [`archive`].

use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use crate::form::attachment::{FileKind, Refusal};

mod archive;
mod pdf_scan;

use archive::{ZIP_LIMITS, inspect_zip, zip_end_record, zip_local_header};
use pdf_scan::PdfScan;

/// How many first bytes decide the kind.
const HEAD: usize = 8 * 1024;
/// How many bytes the whole-content rules take at a time.
const WINDOW: usize = 1024 * 1024;
/// How many bytes past a window the rules may look at: more than anything they look for.
const LOOKAHEAD: usize = 4096;
/// An OLE2 compound file (old Word and Excel files, which can carry macros; also MSI installers).
const OLE2: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// The kind of a file by its first bytes (the whole file or its first few KiB: a prefix may end
/// inside a UTF-8 character).
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
        && utf8_but_the_end(bytes)
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

/// Whether `bytes` is valid UTF-8 but for a character cut off at its end.
fn utf8_but_the_end(bytes: &[u8]) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

/// Checks a file named `name` with content `bytes` against the kinds a field allows.
pub fn check(name: &str, bytes: &[u8], allowed: &[FileKind]) -> Result<FileKind, Refusal> {
    check_source(name, io::Cursor::new(bytes), allowed)
}

/// Checks the file at `path`, named `name` by its sender, against the kinds a field allows, as
/// [`check`] does but reading the file in windows instead of whole. Blocking: from async code,
/// call it in `spawn_blocking`.
pub fn check_file(name: &str, path: &Path, allowed: &[FileKind]) -> Result<FileKind, Refusal> {
    let file = std::fs::File::open(path).map_err(unreadable)?;
    check_source(name, io::BufReader::with_capacity(64 * 1024, file), allowed)
}

fn unreadable(e: io::Error) -> Refusal {
    tracing::warn!(error = %e, "an uploaded file could not be read");
    Refusal::Unreadable
}

/// The rules of [`check`] and [`check_file`].
fn check_source<R: Read + Seek>(
    name: &str,
    mut r: R,
    allowed: &[FileKind],
) -> Result<FileKind, Refusal> {
    let len = r.seek(SeekFrom::End(0)).map_err(unreadable)?;
    if len == 0 {
        return Err(Refusal::Empty);
    }
    r.seek(SeekFrom::Start(0)).map_err(unreadable)?;
    let mut head = Vec::with_capacity(HEAD);
    (&mut r)
        .take(HEAD as u64)
        .read_to_end(&mut head)
        .map_err(unreadable)?;
    if executable(&head) {
        return Err(Refusal::Executable);
    }
    if head.starts_with(OLE2) {
        return Err(Refusal::MacroOffice);
    }
    let kind = sniff(&head).ok_or(Refusal::UnknownType)?;
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
    r.seek(SeekFrom::Start(0)).map_err(unreadable)?;
    if kind == FileKind::Zip {
        inspect_zip(r, len, &ZIP_LIMITS)?;
    } else {
        scan_content(r, kind, len)?;
    }
    Ok(kind)
}

/// Runs the whole-content rules over `r` (of `len` bytes) window by window.
fn scan_content<R: Read + Seek>(mut r: R, kind: FileKind, len: u64) -> Result<(), Refusal> {
    let mut rules = ContentRules {
        kind,
        len,
        offset: 0,
        utf8_done: 0,
        pdf: PdfScan::default(),
    };
    // A small file gets a small buffer; one byte more than it has finds its end.
    let cap = (WINDOW + LOOKAHEAD).min(
        usize::try_from(len)
            .unwrap_or(usize::MAX)
            .saturating_add(LOOKAHEAD + 1),
    );
    let mut buf = vec![0u8; cap];
    let mut filled = 0;
    loop {
        let mut eof = false;
        while filled < buf.len() {
            match r.read(&mut buf[filled..]) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(unreadable(e)),
            }
        }
        let owned = if eof { filled } else { filled - LOOKAHEAD };
        rules.window(&buf[..filled], owned, &mut |at, out| {
            peek_at(&mut r, at, out)
        })?;
        if eof {
            return Ok(());
        }
        buf.copy_within(owned..filled, 0);
        filled -= owned;
        rules.offset += owned as u64;
    }
}

/// Reads up to `out.len()` bytes at `at` in `r`, and goes back to where `r` was.
fn peek_at<R: Read + Seek>(r: &mut R, at: u64, out: &mut [u8]) -> Result<usize, Refusal> {
    let back = r.stream_position().map_err(unreadable)?;
    r.seek(SeekFrom::Start(at)).map_err(unreadable)?;
    let mut n = 0;
    while n < out.len() {
        match r.read(&mut out[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(unreadable(e)),
        }
    }
    r.seek(SeekFrom::Start(back)).map_err(unreadable)?;
    Ok(n)
}

/// Reads bytes further on in the file: up to `out.len()` bytes at an offset; how many there were.
type Peek<'a> = dyn FnMut(u64, &mut [u8]) -> Result<usize, Refusal> + 'a;

/// The rules over a file's whole content. Each window is `buf[..owned]`, followed in `buf` by up
/// to [`LOOKAHEAD`] bytes of the next one (none at the end of the file): a rule looks for what
/// starts in the window and may read on into what follows, so that what is split across two
/// windows is seen once and whole.
struct ContentRules {
    kind: FileKind,
    /// The file's length.
    len: u64,
    /// Where `buf` starts in the file.
    offset: u64,
    /// How many bytes at the window's start finish a character checked with the last window.
    utf8_done: usize,
    /// A PDF's streams and names so far.
    pdf: PdfScan,
}

impl ContentRules {
    fn window(&mut self, buf: &[u8], owned: usize, peek: &mut Peek) -> Result<(), Refusal> {
        match self.kind {
            FileKind::Pdf => {
                self.pdf.window(buf, owned, self.offset, self.len, peek)?;
                if self.pdf.seen.encrypted {
                    return Err(Refusal::EncryptedPdf);
                }
                if self.pdf.seen.active {
                    return Err(Refusal::ActivePdf);
                }
            }
            FileKind::Csv => {
                // Text: no NUL, UTF-8 throughout; a character across the window's end is checked
                // whole with this window.
                if buf[..owned].contains(&0) {
                    return Err(Refusal::UnknownType);
                }
                let mut end = owned;
                while end < buf.len() && end < owned + 3 && buf[end] & 0xC0 == 0x80 {
                    end += 1;
                }
                let start = self.utf8_done.min(end);
                if std::str::from_utf8(&buf[start..end]).is_err() {
                    return Err(Refusal::UnknownType);
                }
                self.utf8_done = end - owned;
            }
            _ => {}
        }
        if self.kind != FileKind::Zip && self.carries_another_format(buf, owned) {
            return Err(Refusal::Polyglot);
        }
        Ok(())
    }

    /// Whether the window holds the start of a structure that makes the file readable as another
    /// format. Only structures a reader acts on are looked for, each checked beyond its
    /// signature, because binary data (compressed PDF streams, image data) holds any short byte
    /// sequence now and then:
    /// - a ZIP local file header (`PK\x03\x04`) with a plausible version, flags, a known
    ///   compression method and a name of 1 to 1 024 characters without control characters (what
    ///   tools that read ZIP entries front to back, or look for archives inside files, act on);
    /// - a ZIP end-of-central-directory record (`PK\x05\x06`) of one disk whose central directory
    ///   lies before it and whose comment fits in the file (what ZIP readers look for from the end:
    ///   the usual PDF-or-image-plus-ZIP polyglot);
    /// - in a file that is not a PDF, a PDF header `%PDF-n.n` (PDF readers look for it some way
    ///   into a file).
    ///
    /// A ZIP signature alone, or image or JPEG markers inside a PDF (which embeds images), are not
    /// enough.
    fn carries_another_format(&self, buf: &[u8], owned: usize) -> bool {
        for at in memchr::memchr2_iter(b'P', b'%', &buf[..owned]) {
            let rest = &buf[at..];
            let here = self.offset + at as u64;
            if (rest.starts_with(b"PK\x03\x04") && zip_local_header(rest))
                || (rest.starts_with(b"PK\x05\x06") && zip_end_record(rest, here, self.len))
                || (self.kind != FileKind::Pdf && here > 0 && pdf_header(rest))
            {
                return true;
            }
        }
        false
    }
}

/// Whether `b` starts with a PDF header, `%PDF-` and a version.
fn pdf_header(b: &[u8]) -> bool {
    b.len() >= 8
        && b.starts_with(b"%PDF-")
        && b[5].is_ascii_digit()
        && b[6] == b'.'
        && b[7].is_ascii_digit()
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

    /// `n` bytes of noise without `/` (so no PDF names by chance), the same every run.
    pub(super) fn noise(n: usize) -> Vec<u8> {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                match (x >> 32) as u8 {
                    b'/' => b'.',
                    b => b,
                }
            })
            .collect()
    }

    pub(super) fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        use std::io::Write;
        let mut w = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            w.start_file(*name, options).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn temp_with(bytes: &[u8]) -> tempfile::NamedTempFile {
        use std::io::Write;
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(bytes).unwrap();
        f.flush().unwrap();
        f
    }

    /// `check` and `check_file` agree; their answer.
    pub(super) fn both(
        name: &str,
        bytes: &[u8],
        allowed: &[FileKind],
    ) -> Result<FileKind, Refusal> {
        let in_memory = check(name, bytes, allowed);
        let f = temp_with(bytes);
        assert_eq!(check_file(name, f.path(), allowed), in_memory, "{name}");
        in_memory
    }

    #[test]
    fn files_that_are_also_another_format_are_refused() {
        let all = [
            FileKind::Pdf,
            FileKind::Png,
            FileKind::Jpeg,
            FileKind::Csv,
            FileKind::Xml,
        ];
        let zip = zip_of(&[("payload.html", b"<script>alert(1)</script>")]);
        let mut pdf_zip = PDF.to_vec();
        pdf_zip.extend_from_slice(&zip);
        assert_eq!(both("a.pdf", &pdf_zip, &all), Err(Refusal::Polyglot));
        let mut png_zip = PNG.to_vec();
        png_zip.extend_from_slice(&noise(5000));
        png_zip.extend_from_slice(&zip);
        assert_eq!(both("a.png", &png_zip, &all), Err(Refusal::Polyglot));
        // Only the local header, without the archive's end: still readable front to back.
        let mut png_local = PNG.to_vec();
        png_local.extend_from_slice(&zip[..60]);
        assert_eq!(both("a.png", &png_local, &all), Err(Refusal::Polyglot));
        // The end record of an empty archive.
        let mut png_end = PNG.to_vec();
        png_end.extend_from_slice(b"PK\x05\x06");
        png_end.extend_from_slice(&[0; 18]);
        assert_eq!(both("a.png", &png_end, &all), Err(Refusal::Polyglot));
        let mut jpeg_pdf = b"\xFF\xD8\xFF\xE0\0\x10JFIF\0".to_vec();
        jpeg_pdf.extend_from_slice(&noise(3000));
        jpeg_pdf.extend_from_slice(PDF);
        assert_eq!(both("a.jpg", &jpeg_pdf, &all), Err(Refusal::Polyglot));
        let csv_pdf = b"a;b\n1;2\n%PDF-1.4\n1 0 obj << >> endobj\n";
        assert_eq!(both("a.csv", csv_pdf, &all), Err(Refusal::Polyglot));
        // A signature without the structure behind it is not another format.
        let mut png_noise = PNG.to_vec();
        png_noise.extend_from_slice(b"PK\x03\x04\xFF\xFF\xFF\xFF\xFF\xFF");
        png_noise.extend_from_slice(&noise(100));
        png_noise.extend_from_slice(b"PK\x05\x06\x01\0");
        png_noise.extend_from_slice(&noise(100));
        assert_eq!(both("a.png", &png_noise, &all), Ok(FileKind::Png));
        // A PDF holds images and other PDFs' headers by nature.
        let mut pdf_img = PDF.to_vec();
        pdf_img.extend_from_slice(PNG);
        pdf_img.extend_from_slice(b"%PDF-1.4");
        assert_eq!(both("a.pdf", &pdf_img, &all), Ok(FileKind::Pdf));
    }

    /// A PDF of `len` bytes, most of it binary data: in the body, or the data of one stream with
    /// `dict` (and its length).
    fn big_pdf(len: usize, dict: Option<&str>) -> Vec<u8> {
        let (head, tail) = match dict {
            None => ("%PDF-1.7\n1 0 obj\n".to_string(), "\nendobj\n%%EOF\n"),
            Some(d) => (
                format!("%PDF-1.7\n1 0 obj << {d} /Length 0000000000 >>\nstream\n"),
                "\nendstream\nendobj\n%%EOF\n",
            ),
        };
        let data = len - head.len() - tail.len();
        let head = head.replace("0000000000", &format!("{data:010}"));
        let mut pdf = head.into_bytes();
        pdf.extend_from_slice(&noise(data));
        pdf.extend_from_slice(tail.as_bytes());
        assert_eq!(pdf.len(), len);
        pdf
    }

    pub(super) fn with(base: &[u8], at: usize, insert: &[u8]) -> Vec<u8> {
        let mut v = base.to_vec();
        v[at..at + insert.len()].copy_from_slice(insert);
        v
    }

    #[test]
    fn large_files_are_checked_in_windows() {
        let pdf = [FileKind::Pdf];
        let len = 20 * 1024 * 1024;
        let body = big_pdf(len, None);
        let objstm = big_pdf(len, Some("/Type /ObjStm /N 1 /First 0"));
        let image = big_pdf(len, Some("/Type /XObject /Subtype /Image"));
        for clean in [&body, &objstm, &image] {
            let f = temp_with(clean);
            assert_eq!(check_file("stor.pdf", f.path(), &pdf), Ok(FileKind::Pdf));
        }
        // Across the edge of the first and of the fifth window: found in the body and in an
        // object stream, not in other streams' data.
        for edge in [WINDOW, 5 * WINDOW] {
            for cut in [1, 5, 10] {
                for (base, found) in [(&body, true), (&objstm, true), (&image, false)] {
                    let js = with(base, edge - cut, b" /JavaScript ");
                    let f = temp_with(&js);
                    let expected = if found {
                        Err(Refusal::ActivePdf)
                    } else {
                        Ok(FileKind::Pdf)
                    };
                    assert_eq!(
                        check_file("stor.pdf", f.path(), &pdf),
                        expected,
                        "at {edge} - {cut}"
                    );
                }
            }
        }
        let escaped = with(&body, WINDOW - 7, b" /J#61v#61Script ");
        assert_eq!(check("stor.pdf", &escaped, &pdf), Err(Refusal::ActivePdf));
        // `/JSON` cut after `/JS` by a window's end is no `/JS`.
        let json = with(&body, WINDOW - 3, b"/JSON ");
        assert_eq!(check("stor.pdf", &json, &pdf), Ok(FileKind::Pdf));
        // A ZIP end record across an edge.
        let zip = zip_of(&[("a.txt", b"x")]);
        let end = memchr::memmem::rfind(&zip, b"PK\x05\x06").unwrap();
        let mut png = PNG.to_vec();
        png.resize(2 * WINDOW - 10, 0);
        png.extend_from_slice(&zip[end..]);
        let f = temp_with(&png);
        assert_eq!(
            check_file("a.png", f.path(), &[FileKind::Png]),
            Err(Refusal::Polyglot)
        );
    }

    #[test]
    fn text_must_be_utf8_throughout() {
        let csv = [FileKind::Csv];
        let mut text = "navn;beløp\nÆrlig Åse;1\n".as_bytes().to_vec();
        while text.len() < 3 * WINDOW {
            text.extend_from_slice(b"Ola Nordmann;12345\n");
        }
        // A two-byte character across the first window's edge.
        let at = WINDOW - 1;
        text[at..at + 2].copy_from_slice("ø".as_bytes());
        assert_eq!(both("a.csv", &text, &csv), Ok(FileKind::Csv));
        let mut nul = text.clone();
        nul[2 * WINDOW + 5] = 0;
        assert_eq!(both("a.csv", &nul, &csv), Err(Refusal::UnknownType));
        let mut bad = text.clone();
        bad[WINDOW + 100] = 0xFF;
        assert_eq!(both("a.csv", &bad, &csv), Err(Refusal::UnknownType));
        let mut cut = text.clone();
        cut.extend_from_slice(&"ø".as_bytes()[..1]);
        assert_eq!(both("a.csv", &cut, &csv), Err(Refusal::UnknownType));
        // Continuation bytes alone at a window's start.
        let mut stray = text;
        stray[WINDOW..WINDOW + 2].copy_from_slice(&[0x80, 0x80]);
        assert_eq!(both("a.csv", &stray, &csv), Err(Refusal::UnknownType));
    }

    #[test]
    fn a_missing_file_is_unreadable() {
        assert_eq!(
            check_file("a.pdf", Path::new("/nonexistent/a.pdf"), &[FileKind::Pdf]),
            Err(Refusal::Unreadable)
        );
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
