//! ZIP archives in the upload checks: the structures that make another file readable as an
//! archive, and an archive inspected entry by entry, unpacked through a counter without trusting
//! the sizes it declares.

use std::io::{self, Read, Seek, SeekFrom};

use super::unreadable;
use crate::form::attachment::Refusal;

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

/// Whether `b`, starting with `PK\x03\x04`, goes on as a ZIP local file header.
pub(super) fn zip_local_header(b: &[u8]) -> bool {
    const METHODS: &[u16] = &[
        0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 14, 18, 19, 20, 93, 94, 95, 96, 97, 98, 99,
    ];
    if b.len() < 30 {
        return false;
    }
    let version = u16_at(b, 4);
    let flags = u16_at(b, 6);
    let name_len = u16_at(b, 26) as usize;
    (version & 0xFF) <= 63
        && (version >> 8) <= 19
        && flags & 0xD780 == 0
        && METHODS.contains(&u16_at(b, 8))
        && (1..=1024).contains(&name_len)
        && b[30..].len() >= name_len
        && b[30..30 + name_len].iter().all(|&c| c >= 0x20 && c != 0x7F)
}

/// Whether `b`, starting with `PK\x05\x06` at `at` in a file of `len` bytes, goes on as a ZIP
/// end-of-central-directory record.
pub(super) fn zip_end_record(b: &[u8], at: u64, len: u64) -> bool {
    if b.len() < 22 {
        return false;
    }
    let (disk, cd_disk) = (u16_at(b, 4), u16_at(b, 6));
    let (entries_here, entries) = (u16_at(b, 8), u16_at(b, 10));
    let (cd_size, cd_offset) = (u32_at(b, 12) as u64, u32_at(b, 16) as u64);
    let comment = u16_at(b, 20) as u64;
    let zip64 = entries == 0xFFFF || cd_size == 0xFFFF_FFFF || cd_offset == 0xFFFF_FFFF;
    disk == 0
        && cd_disk == 0
        && entries_here == entries
        && (zip64 || cd_offset + cd_size <= at)
        && at + 22 + comment <= len
}

/// The limits of an archive's inspection.
pub(super) struct ZipLimits {
    /// At most this many entries.
    entries: u64,
    /// At most this large a central directory (bytes), which is read into memory.
    directory: u64,
    /// At most this many bytes unpacked, all entries together.
    inflated: u64,
    /// At most this many times the archive's size unpacked...
    ratio: u64,
    /// ...once more than this has been unpacked (small, very repetitive files are fine).
    ratio_from: u64,
}

pub(super) const ZIP_LIMITS: ZipLimits = ZipLimits {
    entries: 1000,
    directory: 16 << 20,
    inflated: 200 << 20,
    ratio: 100,
    ratio_from: 1 << 20,
};

/// Extensions of archives, refused inside an archive.
const ARCHIVE_EXTENSIONS: &[&str] = &[
    ".zip", ".7z", ".rar", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".jar", ".cab",
];

/// Inspects a ZIP archive of `len` bytes: its directory, every entry's name, and every entry
/// unpacked through a counter (the sizes the archive declares are not trusted), without keeping
/// what is unpacked.
pub(super) fn inspect_zip<R: Read + Seek>(
    mut r: R,
    len: u64,
    limits: &ZipLimits,
) -> Result<(), Refusal> {
    let (entries, directory) = zip_directory(&mut r, len)?;
    if entries > limits.entries || directory > limits.directory {
        return Err(Refusal::BadArchive);
    }
    r.seek(SeekFrom::Start(0)).map_err(unreadable)?;
    let mut zip = zip::ZipArchive::new(r).map_err(|_| Refusal::BadArchive)?;
    if zip.len() as u64 > limits.entries {
        return Err(Refusal::BadArchive);
    }
    let mut inflated: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let (name, encrypted) = {
            let raw = zip.by_index_raw(i).map_err(|_| Refusal::BadArchive)?;
            (
                String::from_utf8_lossy(raw.name_raw()).into_owned(),
                raw.encrypted(),
            )
        };
        if encrypted || unsafe_entry_name(&name) {
            return Err(Refusal::BadArchive);
        }
        let last = name.rsplit(['/', '\\']).next().unwrap_or("");
        if last.eq_ignore_ascii_case("vbaProject.bin") {
            return Err(Refusal::MacroOffice);
        }
        let lower = name.to_ascii_lowercase();
        if ARCHIVE_EXTENSIONS.iter().any(|e| lower.ends_with(e)) {
            return Err(Refusal::BadArchive);
        }
        let content_types = name == "[Content_Types].xml";
        let mut types = Vec::new();
        let mut entry = zip.by_index(i).map_err(|_| Refusal::BadArchive)?;
        loop {
            let n = match entry.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return Err(Refusal::BadArchive),
            };
            inflated += n as u64;
            if inflated > limits.inflated
                || (inflated > limits.ratio_from && inflated > limits.ratio.saturating_mul(len))
            {
                return Err(Refusal::ZipBomb);
            }
            if content_types {
                if types.len() + n > 1 << 20 {
                    return Err(Refusal::BadArchive);
                }
                types.extend_from_slice(&buf[..n]);
            }
        }
        if content_types && contains_ignoring_case(&types, b"macroenabled") {
            return Err(Refusal::MacroOffice);
        }
    }
    Ok(())
}

/// The number of entries and the size of the central directory an archive of `len` bytes
/// declares in its end record (ZIP64's when there is one).
fn zip_directory<R: Read + Seek>(r: &mut R, len: u64) -> Result<(u64, u64), Refusal> {
    let tail_len = len.min(22 + 0xFFFF);
    r.seek(SeekFrom::Start(len - tail_len))
        .map_err(unreadable)?;
    let mut tail = vec![0u8; tail_len as usize];
    r.read_exact(&mut tail).map_err(unreadable)?;
    // The last record whose comment ends the file; else the last one.
    let fits = |i: usize| tail.len() - i >= 22;
    let at = memchr::memmem::rfind_iter(&tail, b"PK\x05\x06")
        .find(|&i| fits(i) && i + 22 + u16_at(&tail, i + 20) as usize == tail.len())
        .or_else(|| memchr::memmem::rfind_iter(&tail, b"PK\x05\x06").find(|&i| fits(i)))
        .ok_or(Refusal::BadArchive)?;
    let end = &tail[at..];
    let (entries, directory) = (u16_at(end, 10) as u64, u32_at(end, 12) as u64);
    if entries != 0xFFFF && directory != 0xFFFF_FFFF && u32_at(end, 16) != 0xFFFF_FFFF {
        return Ok((entries, directory));
    }
    // ZIP64: a locator just before the end record gives where its own end record is.
    let locator = at
        .checked_sub(20)
        .map(|i| &tail[i..at])
        .filter(|l| l.starts_with(b"PK\x06\x07"))
        .ok_or(Refusal::BadArchive)?;
    let at64 = u64::from_le_bytes(locator[8..16].try_into().unwrap_or_default());
    if at64 > len.saturating_sub(56) {
        return Err(Refusal::BadArchive);
    }
    r.seek(SeekFrom::Start(at64)).map_err(unreadable)?;
    let mut end64 = [0u8; 56];
    r.read_exact(&mut end64).map_err(unreadable)?;
    if !end64.starts_with(b"PK\x06\x06") {
        return Err(Refusal::BadArchive);
    }
    let u64_at = |i: usize| u64::from_le_bytes(end64[i..i + 8].try_into().unwrap_or_default());
    Ok((u64_at(32), u64_at(40)))
}

/// An entry name that unpacks outside the folder it is unpacked in (or names nothing).
fn unsafe_entry_name(name: &str) -> bool {
    let b = name.as_bytes();
    name.is_empty()
        || name.starts_with(['/', '\\'])
        || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
        || name.contains('\0')
        || name.split(['/', '\\']).any(|part| part == "..")
}

fn contains_ignoring_case(haystack: &[u8], lower_needle: &[u8]) -> bool {
    haystack
        .windows(lower_needle.len())
        .any(|w| w.eq_ignore_ascii_case(lower_needle))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::attachment::FileKind;
    use crate::intake::files::tests::{both, noise, zip_of};
    use crate::intake::files::{OLE2, check_file};

    #[test]
    fn office_files_that_can_carry_macros_are_refused() {
        let all = [FileKind::Pdf, FileKind::Zip, FileKind::Xml];
        let mut doc = OLE2.to_vec();
        doc.extend_from_slice(&[0; 504]);
        assert_eq!(both("brev.doc", &doc, &all), Err(Refusal::MacroOffice));
        assert_eq!(both("brev.pdf", &doc, &all), Err(Refusal::MacroOffice));
        let docm = zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("word/document.xml", b"<w:document/>"),
            ("word/vbaProject.bin", b"\xD0\xCF\x11\xE0"),
        ]);
        assert_eq!(both("brev.zip", &docm, &all), Err(Refusal::MacroOffice));
        let types = b"<Types><Default ContentType=\"application/vnd.ms-word.document.macroEnabled.main+xml\"/></Types>";
        let docm = zip_of(&[
            ("[Content_Types].xml", types),
            ("word/document.xml", b"<x/>"),
        ]);
        assert_eq!(both("brev.zip", &docm, &all), Err(Refusal::MacroOffice));
        let docx = zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("word/document.xml", b"<w:document/>"),
        ]);
        assert_eq!(both("brev.zip", &docx, &all), Ok(FileKind::Zip));
    }

    #[test]
    fn small_archives_pass_and_unsafe_ones_are_refused() {
        let zip = [FileKind::Zip];
        let ok = zip_of(&[
            ("bilag/a.txt", b"hei"),
            ("bilag/b.csv", b"a;b\n1;2\n"),
            ("tom/", b""),
        ]);
        assert_eq!(both("bilag.zip", &ok, &zip), Ok(FileKind::Zip));
        for name in [
            "../ut.txt",
            "a/../../ut.txt",
            "/etc/passwd",
            "C:/x.txt",
            "a\\..\\b",
        ] {
            let bad = zip_of(&[(name, b"x")]);
            assert_eq!(
                both("a.zip", &bad, &zip),
                Err(Refusal::BadArchive),
                "{name}"
            );
        }
        for name in ["indre.zip", "a/b.JAR", "c.tar.gz", "d.7z", "e.rar"] {
            let nested = zip_of(&[(name, b"x")]);
            assert_eq!(
                both("a.zip", &nested, &zip),
                Err(Refusal::BadArchive),
                "{name}"
            );
        }
        // An entry marked encrypted, in its local and central headers.
        let mut enc = zip_of(&[("a.txt", b"hemmelig")]);
        enc[6] |= 1;
        let central = memchr::memmem::find(&enc, b"PK\x01\x02").unwrap();
        enc[central + 8] |= 1;
        assert_eq!(both("a.zip", &enc, &zip), Err(Refusal::BadArchive));
        // Damaged: cut short, and a byte of the data changed (the CRC no longer matches).
        assert_eq!(
            both("a.zip", &ok[..ok.len() - 30], &zip),
            Err(Refusal::BadArchive)
        );
        let mut flipped = zip_of(&[("a.txt", &[b'x'; 200])]);
        let data = 30 + u16_at(&flipped, 26) as usize + u16_at(&flipped, 28) as usize;
        flipped[data + 1] ^= 0x55;
        assert_eq!(both("a.zip", &flipped, &zip), Err(Refusal::BadArchive));
        let many: Vec<(String, Vec<u8>)> = (0..1001)
            .map(|i| (format!("f{i}.txt"), vec![b'x']))
            .collect();
        let many: Vec<(&str, &[u8])> = many
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect();
        assert_eq!(
            both("a.zip", &zip_of(&many), &zip),
            Err(Refusal::BadArchive)
        );
        assert_eq!(
            both("a.zip", &zip_of(&many[..1000]), &zip),
            Ok(FileKind::Zip)
        );
    }

    #[test]
    fn a_zip_bomb_is_refused_without_unpacking_it() {
        use std::io::Write;
        // 64 MiB of zeros packs into some 64 KiB: far over 100 times.
        let mut f = tempfile::NamedTempFile::new().unwrap();
        {
            let mut w = zip::ZipWriter::new(f.as_file_mut());
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            w.start_file("nuller.txt", options).unwrap();
            let zeros = vec![0u8; 1 << 20];
            for _ in 0..64 {
                w.write_all(&zeros).unwrap();
            }
            w.finish().unwrap();
        }
        let started = std::time::Instant::now();
        assert_eq!(
            check_file("bombe.zip", f.path(), &[FileKind::Zip]),
            Err(Refusal::ZipBomb)
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        // The total: noise does not pack, but 3 MiB is over a 2 MiB limit.
        let big = zip_of(&[("a.bin", &noise(3 << 20))]);
        let limits = ZipLimits {
            inflated: 2 << 20,
            ..ZIP_LIMITS
        };
        let len = big.len() as u64;
        assert_eq!(
            inspect_zip(io::Cursor::new(&big), len, &limits),
            Err(Refusal::ZipBomb)
        );
        assert_eq!(inspect_zip(io::Cursor::new(&big), len, &ZIP_LIMITS), Ok(()));
    }
}
