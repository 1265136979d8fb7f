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
//! sequence now and then) and in its object streams, inflated a piece at a time: see [`PdfScan`].

use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use crate::form::attachment::{FileKind, Refusal};

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

/// The PDF names of actions that run code or start programs, or that carry files.
const ACTIVE_PDF_NAMES: &[&[u8]] = &[b"JavaScript", b"JS", b"Launch", b"EmbeddedFile"];

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

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

/// Whether `b`, starting with `PK\x03\x04`, goes on as a ZIP local file header.
fn zip_local_header(b: &[u8]) -> bool {
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
fn zip_end_record(b: &[u8], at: u64, len: u64) -> bool {
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

/// Whether `b` starts with a PDF header, `%PDF-` and a version.
fn pdf_header(b: &[u8]) -> bool {
    b.len() >= 8
        && b.starts_with(b"%PDF-")
        && b[5].is_ascii_digit()
        && b[6] == b'.'
        && b[7].is_ascii_digit()
}

/// The longest decoded PDF name looked at; longer ones are none that matter.
const PDF_NAME_MAX: usize = 16;
/// The longest PDF token (name or keyword) whose value the lexer keeps.
const PDF_TOKEN_MAX: usize = 48;
/// At most this many bytes are inflated from one object stream...
const OBJSTM_INFLATED: u64 = 64 << 20;
/// ...and from all of a PDF's object streams together.
const PDF_INFLATED: u64 = 256 << 20;
/// How many inflated bytes are looked at a time.
const INFLATE_CHUNK: usize = 64 * 1024;

/// A PDF refused as [`Refusal::Unreadable`] because it cannot be checked.
fn unchecked_pdf(why: &'static str) -> Refusal {
    tracing::info!(why, "an uploaded PDF could not be checked");
    Refusal::Unreadable
}

fn pdf_whitespace(c: u8) -> bool {
    matches!(c, 0 | b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
}

fn pdf_delimiter(c: u8) -> bool {
    matches!(
        c,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn hex(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c - b'A' + 10,
    }
}

/// The PDF names found so far that refuse a file.
#[derive(Default)]
struct Seen {
    encrypted: bool,
    active: bool,
}

impl Seen {
    fn name(&mut self, n: &[u8]) {
        self.encrypted |= n == b"Encrypt";
        self.active |= ACTIVE_PDF_NAMES.contains(&n);
    }
}

/// Finds PDF name objects in bytes given a piece at a time, so that a name split between two
/// pieces is found whole. A name is the alphanumeric characters after a `/`, decoded from the
/// `#xx` escapes PDF allows (`/J#61vaScript` is `/JavaScript`); one longer than
/// [`PDF_NAME_MAX`] bytes is not reported. Strings and comments are not told apart: a name in
/// them counts too.
#[derive(Default)]
struct Names {
    /// Whether in a name.
    open: bool,
    name: [u8; PDF_NAME_MAX],
    len: usize,
    /// In an escape: how many hex digits have followed its `#`, and their value.
    escape: Option<(u8, u8)>,
}

impl Names {
    fn feed(&mut self, mut bytes: &[u8], seen: &mut Seen) {
        while !bytes.is_empty() {
            if !self.open {
                let Some(slash) = memchr::memchr(b'/', bytes) else {
                    return;
                };
                self.start();
                bytes = &bytes[slash + 1..];
                continue;
            }
            self.byte(bytes[0], seen);
            bytes = &bytes[1..];
        }
    }

    fn start(&mut self) {
        self.open = true;
        self.len = 0;
        self.escape = None;
    }

    fn byte(&mut self, c: u8, seen: &mut Seen) {
        let decoded = match self.escape {
            None if c == b'#' => {
                self.escape = Some((0, 0));
                return;
            }
            None if c.is_ascii_alphanumeric() => Some(c),
            Some((0, _)) if c.is_ascii_hexdigit() => {
                self.escape = Some((1, hex(c)));
                return;
            }
            Some((_, high)) if c.is_ascii_hexdigit() => {
                self.escape = None;
                Some((high << 4) | hex(c))
            }
            _ => None,
        };
        match decoded {
            Some(d) if self.len < PDF_NAME_MAX => {
                self.name[self.len] = d;
                self.len += 1;
            }
            // Too long: not reported.
            Some(_) => self.open = false,
            None => {
                self.finish(seen);
                if c == b'/' {
                    self.start();
                }
            }
        }
    }

    /// Ends the name being read, if any (at the end of the bytes it is in).
    fn finish(&mut self, seen: &mut Seen) {
        if self.open {
            seen.name(&self.name[..self.len]);
        }
        self.open = false;
    }
}

/// Where the lexer is in a PDF's body.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lex {
    Normal,
    Comment,
    /// A literal string, `(` nested `depth` times; after a backslash.
    Str {
        depth: u32,
        escaped: bool,
    },
    /// A hexadecimal string.
    Hex,
    /// After a `<`.
    Lt,
    /// After a `>`.
    Gt,
    /// A name (starting with `/`), a number or a keyword.
    Token,
}

#[derive(Clone, Copy, Default, PartialEq, Eq)]
enum Filter {
    #[default]
    None,
    Flate,
    Other,
}

/// What matters of a stream's dictionary.
#[derive(Clone, Copy, Default)]
struct StreamDict {
    /// `/Length`, when a direct integer.
    length: Option<u64>,
    /// `/Type /ObjStm`, or `/ObjStm` or `/First` anywhere in it (some readers take a stream
    /// with `/First` and `/N` as an object stream whatever its type).
    objstm: bool,
    /// `/Filter` as parsed.
    filter: Filter,
    /// Whether a `/Filter` key is anywhere in it.
    filter_key: bool,
    /// A `/Predictor` greater than 1 anywhere in it.
    predictor: bool,
}

/// What the last token at the outermost dictionary's level leaves open.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pending {
    Nothing,
    /// A key, its value to come.
    Key(Key),
    /// `/Length n`: a second number makes it a reference.
    LengthNumber,
    /// `/Filter [`: how many names are in the array, whether all of them are FlateDecode.
    FilterArray {
        names: u32,
        flate: bool,
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Length,
    Filter,
    Other,
}

/// A PDF's body (what is outside streams' data) read a byte at a time, just far enough to find
/// where streams start and what their dictionaries say. Names are found by [`Names`] separately.
struct Lexer {
    state: Lex,
    token: [u8; PDF_TOKEN_MAX],
    /// The token's length so far (more than `PDF_TOKEN_MAX`: too long to keep).
    token_len: usize,
    /// How deep in `<<` dictionaries, and in `[` arrays within them.
    depth: u32,
    arrays: u32,
    /// The outermost dictionary being read.
    dict: StreamDict,
    pending: Pending,
    /// After a `/Predictor` key.
    predictor_key: bool,
    /// The outermost dictionary just closed, while only whitespace and comments follow it.
    closed: Option<StreamDict>,
}

impl Default for Lexer {
    fn default() -> Self {
        Lexer {
            state: Lex::Normal,
            token: [0; PDF_TOKEN_MAX],
            token_len: 0,
            depth: 0,
            arrays: 0,
            dict: StreamDict::default(),
            pending: Pending::Nothing,
            predictor_key: false,
            closed: None,
        }
    }
}

impl Lexer {
    /// Reads `buf[from..owned]` until a stream's data starts: where it starts (after `stream`
    /// and CRLF or LF, possibly past `owned`) and its dictionary.
    fn read(&mut self, buf: &[u8], from: usize, owned: usize) -> Option<(usize, StreamDict)> {
        let mut i = from;
        while i < owned {
            let c = buf[i];
            match self.state {
                Lex::Comment => {
                    if c == b'\r' || c == b'\n' {
                        self.state = Lex::Normal;
                    }
                }
                Lex::Str { depth, escaped } => {
                    self.state = match c {
                        _ if escaped => Lex::Str {
                            depth,
                            escaped: false,
                        },
                        b'\\' => Lex::Str {
                            depth,
                            escaped: true,
                        },
                        b'(' => Lex::Str {
                            depth: depth + 1,
                            escaped,
                        },
                        b')' if depth == 1 => Lex::Normal,
                        b')' => Lex::Str {
                            depth: depth - 1,
                            escaped,
                        },
                        _ => self.state,
                    }
                }
                Lex::Hex => {
                    if c == b'>' {
                        self.state = Lex::Normal;
                    }
                }
                Lex::Lt => {
                    if c == b'<' {
                        self.state = Lex::Normal;
                        self.open_dict();
                    } else {
                        self.other();
                        self.state = Lex::Hex;
                        continue;
                    }
                }
                Lex::Gt => {
                    self.state = Lex::Normal;
                    if c == b'>' {
                        self.close_dict();
                    } else {
                        self.other();
                        continue;
                    }
                }
                Lex::Token => {
                    if !pdf_whitespace(c) && !pdf_delimiter(c) {
                        if self.token_len < PDF_TOKEN_MAX {
                            self.token[self.token_len] = c;
                        }
                        self.token_len = self.token_len.saturating_add(1);
                    } else {
                        self.state = Lex::Normal;
                        if let Some(dict) = self.end_token() {
                            match c {
                                b'\n' => return Some((i + 1, dict)),
                                b'\r' if buf.get(i + 1) == Some(&b'\n') => {
                                    return Some((i + 2, dict));
                                }
                                _ => {}
                            }
                        }
                        continue;
                    }
                }
                Lex::Normal => match c {
                    _ if pdf_whitespace(c) => {}
                    b'%' => self.state = Lex::Comment,
                    b'(' => {
                        self.other();
                        self.state = Lex::Str {
                            depth: 1,
                            escaped: false,
                        };
                    }
                    b'<' => self.state = Lex::Lt,
                    b'>' => self.state = Lex::Gt,
                    b'[' => self.open_array(),
                    b']' => self.close_array(),
                    b'{' | b'}' | b')' => self.other(),
                    _ => {
                        self.state = Lex::Token;
                        self.token[0] = c;
                        self.token_len = 1;
                    }
                },
            }
            i += 1;
        }
        None
    }

    /// Back to the body after a stream's data.
    fn resume(&mut self) {
        *self = Lexer::default();
    }

    /// Ends a token: the dictionary before it when it is `stream` after a dictionary.
    fn end_token(&mut self) -> Option<StreamDict> {
        let n = self.token_len;
        if n > PDF_TOKEN_MAX {
            self.other();
            return None;
        }
        let token = self.token;
        let token = &token[..n];
        if let Some(raw) = token.strip_prefix(b"/") {
            let mut name = [0u8; PDF_TOKEN_MAX];
            let (mut m, mut j) = (0, 0);
            while j < raw.len() {
                if raw[j] == b'#'
                    && j + 2 < raw.len()
                    && raw[j + 1].is_ascii_hexdigit()
                    && raw[j + 2].is_ascii_hexdigit()
                {
                    name[m] = (hex(raw[j + 1]) << 4) | hex(raw[j + 2]);
                    j += 3;
                } else {
                    name[m] = raw[j];
                    j += 1;
                }
                m += 1;
            }
            self.name(&name[..m]);
            None
        } else if token == b"stream" {
            let closed = self.closed.take();
            self.other();
            closed.filter(|_| self.depth == 0)
        } else if !token.is_empty() && token.iter().all(u8::is_ascii_digit) {
            match std::str::from_utf8(token).ok().and_then(|t| t.parse().ok()) {
                Some(v) => self.number(v),
                None => self.other(),
            }
            None
        } else {
            self.other();
            None
        }
    }

    fn name(&mut self, n: &[u8]) {
        self.closed = None;
        self.predictor_key = n == b"Predictor";
        if self.depth == 0 {
            return;
        }
        self.dict.objstm |= n == b"ObjStm" || n == b"First";
        self.dict.filter_key |= n == b"Filter";
        if self.depth > 1 {
            return;
        }
        match (self.pending, self.arrays) {
            (Pending::Key(k), 0) => {
                match k {
                    Key::Filter => {
                        self.dict.filter = if n == b"FlateDecode" || n == b"Fl" {
                            Filter::Flate
                        } else {
                            Filter::Other
                        }
                    }
                    Key::Length => self.dict.length = None,
                    Key::Other => {}
                }
                self.pending = Pending::Nothing;
            }
            (_, 0) => {
                self.pending = Pending::Key(match n {
                    b"Length" => Key::Length,
                    b"Filter" => Key::Filter,
                    _ => Key::Other,
                });
            }
            (Pending::FilterArray { names, flate }, 1) => {
                self.pending = Pending::FilterArray {
                    names: names + 1,
                    flate: flate && (n == b"FlateDecode" || n == b"Fl"),
                };
            }
            _ => {}
        }
    }

    fn number(&mut self, v: u64) {
        self.closed = None;
        self.dict.predictor |= self.predictor_key && self.depth > 0 && v > 1;
        self.predictor_key = false;
        if self.depth == 1 && self.arrays == 0 {
            self.pending = match self.pending {
                Pending::Key(Key::Length) => {
                    self.dict.length = Some(v);
                    Pending::LengthNumber
                }
                Pending::LengthNumber => {
                    self.dict.length = None;
                    Pending::Nothing
                }
                _ => Pending::Nothing,
            };
        }
    }

    /// Any other token or value.
    fn other(&mut self) {
        self.closed = None;
        self.predictor_key = false;
        if self.depth == 1 && self.arrays == 0 {
            self.pending = Pending::Nothing;
        }
    }

    fn open_dict(&mut self) {
        if self.depth == 0 {
            self.dict = StreamDict::default();
            self.pending = Pending::Nothing;
            self.arrays = 0;
        }
        self.other();
        self.depth = self.depth.saturating_add(1);
    }

    fn close_dict(&mut self) {
        self.other();
        match self.depth {
            0 => {}
            1 => {
                self.depth = 0;
                self.closed = Some(self.dict);
            }
            _ => {
                self.depth -= 1;
                self.other();
            }
        }
    }

    fn open_array(&mut self) {
        let filter = self.pending == Pending::Key(Key::Filter);
        self.other();
        if self.depth == 1 && self.arrays == 0 && filter {
            self.pending = Pending::FilterArray {
                names: 0,
                flate: true,
            };
        }
        self.arrays = self.arrays.saturating_add(1);
    }

    fn close_array(&mut self) {
        self.arrays = self.arrays.saturating_sub(1);
        if let (Pending::FilterArray { names, flate }, 1, 0) =
            (self.pending, self.depth, self.arrays)
        {
            self.dict.filter = match (names, flate) {
                (0, _) => Filter::None,
                (1, true) => Filter::Flate,
                _ => Filter::Other,
            };
        }
        self.other();
    }
}

/// An object stream being inflated, its content searched for names.
struct Inflate {
    z: flate2::Decompress,
    names: Names,
    done: bool,
}

impl Inflate {
    /// Inflates `input`, the stream's data next, a piece at a time into `out`.
    fn feed(
        &mut self,
        mut input: &[u8],
        out: &mut [u8],
        total: &mut u64,
        seen: &mut Seen,
    ) -> Result<(), Refusal> {
        while !self.done {
            let (had_in, had_out) = (self.z.total_in(), self.z.total_out());
            let status = self
                .z
                .decompress(input, out, flate2::FlushDecompress::None)
                .map_err(|_| unchecked_pdf("an object stream does not inflate"))?;
            let used = (self.z.total_in() - had_in) as usize;
            let made = (self.z.total_out() - had_out) as usize;
            input = &input[used..];
            *total += made as u64;
            if self.z.total_out() > OBJSTM_INFLATED || *total > PDF_INFLATED {
                return Err(Refusal::ZipBomb);
            }
            self.names.feed(&out[..made], seen);
            if status == flate2::Status::StreamEnd {
                self.done = true;
            } else if (used == 0 && made == 0) || (input.is_empty() && made < out.len()) {
                break;
            }
        }
        Ok(())
    }
}

/// What is done with a stream's data.
enum Content {
    /// Skipped.
    Skip,
    /// An object stream without a filter: searched for names.
    Plain(Names),
    /// An object stream with FlateDecode: inflated and searched for names.
    Inflate(Box<Inflate>),
}

/// A stream whose data is being read.
struct Stream {
    /// Where its data ends, by its `/Length` (followed by `endstream`); else at the next
    /// `endstream`.
    end: Option<u64>,
    content: Content,
}

/// Where a PDF is being read.
enum Part {
    Body,
    Data(Stream),
}

/// The PDF rules, window by window: names that refuse a file are looked for in the body (all that
/// is outside streams' data: dictionaries, the trailer) and in object streams, but not in other
/// streams' data, which is mostly compressed and holds `/JS` and the like by chance.
///
/// A stream's data starts after `stream` and CRLF or LF following a dictionary, and ends at its
/// `/Length` when that is a direct integer with `endstream` there (after an optional EOL), else at
/// the next `endstream`; a stream without one is refused as [`Refusal::Unreadable`]. An object
/// stream (`/Type /ObjStm`) is inflated, at most [`OBJSTM_INFLATED`] bytes of it and
/// [`PDF_INFLATED`] bytes of all of them (else [`Refusal::ZipBomb`]), and its content searched; one
/// with another filter or a predictor is refused as [`Refusal::Unreadable`], since its content
/// cannot be checked.
///
/// Readers that rebuild a damaged cross-reference table look for `obj` and `trailer` anywhere, in
/// streams' data too: a stream is taken to end at such a keyword (with whitespace before and
/// whitespace or a delimiter after), and what follows is read as body.
struct PdfScan {
    part: Part,
    lexer: Lexer,
    names: Names,
    seen: Seen,
    /// Where the next byte to read is in the file.
    at: u64,
    /// The last byte of the last window.
    last: u8,
    /// How many bytes have been inflated from object streams.
    inflated: u64,
    out: Vec<u8>,
}

impl Default for PdfScan {
    fn default() -> Self {
        PdfScan {
            part: Part::Body,
            lexer: Lexer::default(),
            names: Names::default(),
            seen: Seen::default(),
            at: 0,
            last: b'\n',
            inflated: 0,
            out: Vec::new(),
        }
    }
}

impl PdfScan {
    /// Reads the window `buf[..owned]`, which starts at `offset` in a file of `len` bytes.
    fn window(
        &mut self,
        buf: &[u8],
        owned: usize,
        offset: u64,
        len: u64,
        peek: &mut Peek,
    ) -> Result<(), Refusal> {
        let mut i = usize::try_from(self.at - offset).unwrap_or(usize::MAX);
        while i < owned {
            i = match self.part {
                Part::Body => match self.lexer.read(buf, i, owned) {
                    Some((start, dict)) => {
                        self.names.feed(&buf[i..start], &mut self.seen);
                        self.names.finish(&mut self.seen);
                        self.part = Part::Data(self.stream(
                            buf,
                            offset + start as u64,
                            offset,
                            len,
                            dict,
                            peek,
                        )?);
                        start
                    }
                    None => {
                        self.names.feed(&buf[i..owned], &mut self.seen);
                        owned
                    }
                },
                Part::Data(_) => self.data(buf, i, owned, offset)?,
            };
        }
        self.at = offset + i as u64;
        if owned > 0 {
            self.last = buf[owned - 1];
        }
        if owned == buf.len() {
            // The end of the file.
            self.names.finish(&mut self.seen);
            if matches!(self.part, Part::Data(_)) {
                return Err(unchecked_pdf("a stream without endstream"));
            }
        }
        Ok(())
    }

    /// A stream whose data starts at `start` in the file.
    fn stream(
        &mut self,
        buf: &[u8],
        start: u64,
        offset: u64,
        len: u64,
        dict: StreamDict,
        peek: &mut Peek,
    ) -> Result<Stream, Refusal> {
        let mut end = None;
        if let Some(e) = dict
            .length
            .and_then(|l| start.checked_add(l))
            .filter(|&e| e < len)
        {
            // An EOL and `endstream`.
            const TAIL: usize = 11;
            let mut tail = [0u8; TAIL];
            let k = usize::try_from(e - offset).unwrap_or(usize::MAX);
            let n = if k.saturating_add(TAIL) <= buf.len() {
                tail.copy_from_slice(&buf[k..k + TAIL]);
                TAIL
            } else {
                peek(e, &mut tail)?
            };
            let t = &tail[..n];
            let t = (t.strip_prefix(b"\r\n"))
                .or_else(|| t.strip_prefix(b"\n"))
                .or_else(|| t.strip_prefix(b"\r"))
                .unwrap_or(t);
            if t.starts_with(b"endstream") {
                end = Some(e);
            }
        }
        let content = if !dict.objstm {
            Content::Skip
        } else if dict.predictor {
            return Err(unchecked_pdf("an object stream with a predictor"));
        } else {
            match (dict.filter, dict.filter_key) {
                (Filter::None, false) => Content::Plain(Names::default()),
                (Filter::Flate, _) => {
                    if self.out.is_empty() {
                        self.out = vec![0; INFLATE_CHUNK];
                    }
                    Content::Inflate(Box::new(Inflate {
                        z: flate2::Decompress::new(true),
                        names: Names::default(),
                        done: false,
                    }))
                }
                _ => {
                    return Err(unchecked_pdf(
                        "an object stream with a filter other than FlateDecode",
                    ));
                }
            }
        };
        Ok(Stream { end, content })
    }

    /// Reads a stream's data from `buf[i..]`, up to its end or `owned`: where it stopped.
    fn data(&mut self, buf: &[u8], i: usize, owned: usize, offset: u64) -> Result<usize, Refusal> {
        let Part::Data(stream) = &mut self.part else {
            return Ok(i);
        };
        let (mut stop, mut ended) = match stream.end {
            Some(e) => match usize::try_from(e - offset) {
                Ok(e) if e <= owned => (e, true),
                _ => (owned, false),
            },
            None => match memchr::memmem::find(&buf[i..], b"endstream") {
                Some(j) if i + j < owned => (i + j, true),
                _ => (owned, false),
            },
        };
        let keyword = |at: usize, word: &[u8]| {
            let before = if at == 0 { self.last } else { buf[at - 1] };
            let after = buf.get(at + word.len()).copied().unwrap_or(b' ');
            (pdf_whitespace(before) || pdf_delimiter(before))
                && (pdf_whitespace(after) || pdf_delimiter(after))
        };
        let reach = (stop + b"trailer".len() - 1).min(buf.len());
        let hidden = [&b"obj"[..], b"trailer"]
            .into_iter()
            .filter_map(|word| {
                memchr::memmem::find_iter(&buf[i..reach], word)
                    .map(|j| i + j)
                    .find(|&at| at < stop && keyword(at, word))
            })
            .min();
        if let Some(at) = hidden {
            (stop, ended) = (at, true);
        }
        let data = &buf[i..stop];
        match &mut stream.content {
            Content::Skip => {}
            Content::Plain(names) => names.feed(data, &mut self.seen),
            Content::Inflate(z) => {
                z.feed(data, &mut self.out, &mut self.inflated, &mut self.seen)?
            }
        }
        if ended {
            match &mut stream.content {
                Content::Skip => {}
                Content::Plain(names) => names.finish(&mut self.seen),
                Content::Inflate(z) => z.names.finish(&mut self.seen),
            }
            self.part = Part::Body;
            self.lexer.resume();
        }
        Ok(stop)
    }
}

/// The limits of an archive's inspection.
struct ZipLimits {
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

const ZIP_LIMITS: ZipLimits = ZipLimits {
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
fn inspect_zip<R: Read + Seek>(mut r: R, len: u64, limits: &ZipLimits) -> Result<(), Refusal> {
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

    /// `n` bytes of noise without `/` (so no PDF names by chance), the same every run.
    fn noise(n: usize) -> Vec<u8> {
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

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
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
    fn both(name: &str, bytes: &[u8], allowed: &[FileKind]) -> Result<FileKind, Refusal> {
        let in_memory = check(name, bytes, allowed);
        let f = temp_with(bytes);
        assert_eq!(check_file(name, f.path(), allowed), in_memory, "{name}");
        in_memory
    }

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

    fn with(base: &[u8], at: usize, insert: &[u8]) -> Vec<u8> {
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

    fn deflated(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(bytes).unwrap();
        z.finish().unwrap()
    }

    /// An object's stream: `dict`, then `data`.
    fn stream_of(dict: &str, data: &[u8]) -> Vec<u8> {
        let mut s = format!("<< {dict} >>\nstream\n").into_bytes();
        s.extend_from_slice(data);
        s.extend_from_slice(b"\nendstream\nendobj\n");
        s
    }

    /// An object stream of `content`, deflated, with `dict` added to its dictionary.
    fn objstm_of(dict: &str, content: &[u8]) -> Vec<u8> {
        let z = deflated(content);
        let dict = format!(
            "/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length {}{dict}",
            z.len()
        );
        stream_of(&dict, &z)
    }

    /// A PDF of a catalog, the objects `objects` and a trailer.
    fn pdf_of(objects: &[&[u8]]) -> Vec<u8> {
        let mut pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n".to_vec();
        for (n, o) in objects.iter().enumerate() {
            pdf.extend_from_slice(format!("{} 0 obj ", n + 2).as_bytes());
            pdf.extend_from_slice(o);
        }
        pdf.extend_from_slice(b"trailer << /Root 1 0 R >>\n%%EOF\n");
        pdf
    }

    /// Where the pieces of `z` inflated a piece at a time end, as the scan inflates them.
    fn inflated_pieces(z: &[u8]) -> Vec<usize> {
        let mut d = flate2::Decompress::new(true);
        let mut out = vec![0; INFLATE_CHUNK];
        let (mut input, mut ends) = (z, Vec::new());
        loop {
            let (had_in, had_out) = (d.total_in(), d.total_out());
            let status = d
                .decompress(input, &mut out, flate2::FlushDecompress::None)
                .unwrap();
            input = &input[(d.total_in() - had_in) as usize..];
            if d.total_out() > had_out {
                ends.push(d.total_out() as usize);
            } else if d.total_in() == had_in || status == flate2::Status::StreamEnd {
                return ends;
            }
        }
    }

    const SCRIPT: &[u8] = b"5 0 << /S /JavaScript /JS (app.alert(1)) >>";

    #[test]
    fn names_in_stream_data_do_not_count() {
        let pdf = [FileKind::Pdf];
        let data = b"x\x9c\x01/JS \x02\xFF/JavaScript\x00/Launch (/Encrypt";
        let length = format!("/Length {} /Filter /FlateDecode", data.len());
        let ok = pdf_of(&[&stream_of(&length, data)]);
        assert_eq!(both("a.pdf", &ok, &pdf), Ok(FileKind::Pdf));
        // CRLF after `stream`; the length counts from after it.
        let crlf = String::from_utf8_lossy(&ok).replace("stream\n", "stream\r\n");
        assert_eq!(both("a.pdf", crlf.as_bytes(), &pdf), Ok(FileKind::Pdf));
        // No length, an indirect one, a wrong one: up to the next `endstream`.
        for dict in [
            "",
            "/Length 9 0 R",
            "/Length 3",
            "/Length 99999",
            "/Length /X",
        ] {
            let ok = pdf_of(&[&stream_of(dict, data), &stream_of(dict, data)]);
            assert_eq!(both("a.pdf", &ok, &pdf), Ok(FileKind::Pdf), "{dict}");
        }
        // What follows a stream is read again.
        let mut after = ok.clone();
        after.extend_from_slice(b"9 0 obj << /OpenAction << /S /JavaScript >> >> endobj\n");
        assert_eq!(both("a.pdf", &after, &pdf), Err(Refusal::ActivePdf));
        // The dictionary before the data is read: an embedded file is found.
        let file = pdf_of(&[&stream_of("/Type /EmbeddedFile /Length 3", b"abc")]);
        assert_eq!(both("a.pdf", &file, &pdf), Err(Refusal::ActivePdf));
        // `stream` in a string or a comment starts no stream.
        for fake in [&b"(>> stream\n)"[..], b"<< >> % stream\n"] {
            let mut hidden = b"%PDF-1.7\n".to_vec();
            hidden.extend_from_slice(fake);
            hidden.extend_from_slice(b"1 0 obj << /S /JavaScript >> endobj\nendstream\n");
            assert_eq!(both("a.pdf", &hidden, &pdf), Err(Refusal::ActivePdf));
        }
    }

    #[test]
    fn objects_hidden_in_stream_data_are_found() {
        let pdf = [FileKind::Pdf];
        for hidden in [
            &b"\n7 0 obj << /OpenAction << /S /JavaScript >> >> endobj\n"[..],
            b" trailer << /Root << /OpenAction << /S /Launch >> >> >>",
            b"\n7 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode >> stream\n",
        ] {
            let mut data = noise(3000);
            data.extend_from_slice(hidden);
            if hidden.ends_with(b"stream\n") {
                data.extend_from_slice(&deflated(SCRIPT));
                data.extend_from_slice(b"\nendstream\n");
            }
            data.extend_from_slice(&noise(100));
            let dict = format!("/Length {}", data.len());
            let bad = pdf_of(&[&stream_of(&dict, &data)]);
            assert_eq!(both("a.pdf", &bad, &pdf), Err(Refusal::ActivePdf));
        }
        // `endobj` is no `obj`.
        let mut data = noise(100);
        data.extend_from_slice(b" endobj /JS ");
        let ok = pdf_of(&[&stream_of(&format!("/Length {}", data.len()), &data)]);
        assert_eq!(both("a.pdf", &ok, &pdf), Ok(FileKind::Pdf));
    }

    #[test]
    fn names_in_object_streams_are_found() {
        let pdf = [FileKind::Pdf];
        let clean = pdf_of(&[&objstm_of("", b"5 0 << /Type /Page >>")]);
        assert_eq!(both("a.pdf", &clean, &pdf), Ok(FileKind::Pdf));
        let bad = pdf_of(&[&objstm_of("", SCRIPT)]);
        assert_eq!(both("a.pdf", &bad, &pdf), Err(Refusal::ActivePdf));
        // Other ways to say the same.
        let z = deflated(SCRIPT);
        let n = z.len();
        for dict in [
            format!("/Type /Obj#53tm /N 1 /Filter /FlateDecode /Length {n}"),
            format!("/Type/ObjStm/N 1/First 4/Filter[/FlateDecode]/Length {n}"),
            format!("/N 1 /First 4 /Filter /Fl /Length {n}"),
            "/Type /ObjStm /Filter /FlateDecode /DecodeParms << /Predictor 1 >>".to_string(),
        ] {
            let bad = pdf_of(&[&stream_of(&dict, &z)]);
            assert_eq!(both("a.pdf", &bad, &pdf), Err(Refusal::ActivePdf), "{dict}");
        }
        let plain = pdf_of(&[&stream_of("/Type /ObjStm /N 1 /First 4", SCRIPT)]);
        assert_eq!(both("a.pdf", &plain, &pdf), Err(Refusal::ActivePdf));
        // A name across the edge of a piece of inflated content.
        let base = noise(3 * INFLATE_CHUNK);
        let edge = inflated_pieces(&deflated(&base))[0];
        let mut across = 0;
        for cut in 1..=11 {
            let content = with(&base, edge - cut, b"/JavaScript ");
            let ends = inflated_pieces(&deflated(&content));
            across += ends
                .iter()
                .filter(|&&e| e > edge - cut && e < edge - cut + 11)
                .count();
            let bad = pdf_of(&[&objstm_of("", &content)]);
            assert_eq!(check("a.pdf", &bad, &pdf), Err(Refusal::ActivePdf), "{cut}");
        }
        assert!(across >= 10, "{across}");
        // An object stream whose data spans a window's edge.
        let mut content = noise(300 * 1024);
        content.extend_from_slice(SCRIPT);
        let skipped = noise(WINDOW - 100 * 1024);
        let skipped = stream_of(&format!("/Length {}", skipped.len()), &skipped);
        let bad = pdf_of(&[&skipped, &objstm_of("", &content)]);
        assert_eq!(both("a.pdf", &bad, &pdf), Err(Refusal::ActivePdf));
        content.truncate(300 * 1024);
        let ok = pdf_of(&[&skipped, &objstm_of("", &content)]);
        assert_eq!(both("a.pdf", &ok, &pdf), Ok(FileKind::Pdf));
    }

    #[test]
    fn object_streams_that_cannot_be_checked_are_refused() {
        let pdf = [FileKind::Pdf];
        let head = "/Type /ObjStm /N 1 /First 4";
        for dict in [
            format!("{head} /Filter /ASCIIHexDecode /Length 4"),
            format!("{head} /Filter [/ASCII85Decode /FlateDecode] /Length 4"),
            format!("{head} /Filter /FlateDecode /DecodeParms << /Predictor 12 >> /Length 4"),
            format!("{head} /Filter /FlateDecode /Length 4"),
        ] {
            let bad = pdf_of(&[&stream_of(&dict, b"3C3E")]);
            assert_eq!(
                both("a.pdf", &bad, &pdf),
                Err(Refusal::Unreadable),
                "{dict}"
            );
        }
        // Other streams may have any filter.
        let image = pdf_of(&[&stream_of("/Filter /DCTDecode /Length 4", b"3C3E")]);
        assert_eq!(both("a.pdf", &image, &pdf), Ok(FileKind::Pdf));
        // Too much inflated.
        let zeros = vec![0u8; (OBJSTM_INFLATED + 1) as usize];
        let bomb = pdf_of(&[&objstm_of("", &zeros)]);
        assert_eq!(check("a.pdf", &bomb, &pdf), Err(Refusal::ZipBomb));
    }

    #[test]
    fn a_stream_without_endstream_is_unreadable() {
        let pdf = [FileKind::Pdf];
        let open = b"%PDF-1.7\n1 0 obj << /Length 5 >>\nstream\nabcdefgh\nendobj\n%%EOF\n";
        assert_eq!(both("a.pdf", open, &pdf), Err(Refusal::Unreadable));
        let at_end = b"%PDF-1.7\n1 0 obj << /Length 5 >>\nstream\n";
        assert_eq!(both("a.pdf", at_end, &pdf), Err(Refusal::Unreadable));
    }

    #[test]
    fn a_large_pdf_of_random_streams_is_accepted() {
        use std::io::Write;
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut f = tempfile::NamedTempFile::new().unwrap();
        let mut w = io::BufWriter::new(f.as_file_mut());
        w.write_all(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj << /Type /Catalog >> endobj\n")
            .unwrap();
        let (mut written, mut n, mut names) = (0usize, 2, 0);
        while written < 20 << 20 {
            let len = 1000 + (next() % (2 << 20)) as usize;
            let mut data: Vec<u8> = (0..len).map(|_| (next() >> 32) as u8).collect();
            for _ in 0..4 {
                let at = (next() % (len as u64 - 12)) as usize;
                let name: &[u8] = if next() % 2 == 0 {
                    b"/JS "
                } else {
                    b"/JavaScript\n"
                };
                data[at..at + name.len()].copy_from_slice(name);
                names += 1;
            }
            let dict = match n % 4 {
                0 => format!("/Length {len} /Filter /FlateDecode"),
                1 => "/Length 12 0 R /Filter /FlateDecode".to_string(),
                2 => format!("/Length {} /Subtype /Image", len / 2),
                _ => "/Filter /DCTDecode".to_string(),
            };
            w.write_all(format!("{n} 0 obj ").as_bytes()).unwrap();
            w.write_all(&stream_of(&dict, &data)).unwrap();
            written += len;
            n += 1;
        }
        w.write_all(b"trailer << /Root 1 0 R /Size 2 >>\n%%EOF\n")
            .unwrap();
        w.flush().unwrap();
        drop(w);
        assert!(names > 40);
        let started = std::time::Instant::now();
        assert_eq!(
            check_file("stor.pdf", f.path(), &[FileKind::Pdf]),
            Ok(FileKind::Pdf)
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        // The trailer is read too.
        let mut encrypted = f.reopen().unwrap();
        encrypted.seek(SeekFrom::End(0)).unwrap();
        encrypted
            .write_all(b"trailer << /Root 1 0 R /Encrypt 9 0 R >>\n")
            .unwrap();
        assert_eq!(
            check_file("stor.pdf", f.path(), &[FileKind::Pdf]),
            Err(Refusal::EncryptedPdf)
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
