//! The PDF scanner of the upload checks (the receipt's PDF writer is `intake::pdf`): a PDF's body
//! read just far enough to find where its streams are and what their dictionaries say, the names
//! in it that refuse a file, and its object streams inflated a piece at a time.

use super::Peek;
use crate::form::attachment::Refusal;

/// The PDF names of actions that run code or start programs, or that carry files.
const ACTIVE_PDF_NAMES: &[&[u8]] = &[b"JavaScript", b"JS", b"Launch", b"EmbeddedFile"];

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
pub(super) struct Seen {
    pub(super) encrypted: bool,
    pub(super) active: bool,
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
pub(super) struct PdfScan {
    part: Part,
    lexer: Lexer,
    names: Names,
    pub(super) seen: Seen,
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
    pub(super) fn window(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::attachment::FileKind;
    use crate::intake::files::tests::{both, noise, with};
    use crate::intake::files::{WINDOW, check, check_file};
    use std::io::{self, Seek, SeekFrom};

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
}
