//! A text stored in pieces: a large document's canonical text is written to a spool file as it is
//! made, and stored from there in pieces of at most [`PIECE`] bytes, so that neither making nor
//! storing it holds it whole in memory. Reading a submission puts the pieces together again.

use std::fs::File;
use std::io::{self, Write as _};
use std::os::unix::fs::FileExt as _;
use std::path::Path;

use sha2::{Digest, Sha256};

/// The most bytes of a canonical text held in memory while it is made, and the largest piece it
/// is stored in.
pub const PIECE: usize = 1 << 20;

/// A text being written to a file without a name (gone when dropped).
pub struct TextSpool {
    file: File,
    len: u64,
    hash: Sha256,
}

impl TextSpool {
    /// A new spool file in `dir` (made if missing).
    pub fn new(dir: &Path) -> io::Result<TextSpool> {
        std::fs::create_dir_all(dir)?;
        Ok(TextSpool {
            file: tempfile::tempfile_in(dir)?,
            len: 0,
            hash: Sha256::new(),
        })
    }

    /// Writes `text` to the file and empties it.
    pub fn put(&mut self, text: &mut String) -> io::Result<()> {
        self.file.write_all(text.as_bytes())?;
        self.hash.update(text.as_bytes());
        self.len += text.len() as u64;
        text.clear();
        Ok(())
    }

    /// The text written.
    pub fn done(mut self) -> io::Result<SpooledText> {
        self.file.flush()?;
        Ok(SpooledText {
            file: self.file,
            len: self.len,
            sha256: hex::encode(self.hash.finalize()),
        })
    }
}

/// A text kept in a file while it is stored.
#[derive(Debug)]
pub struct SpooledText {
    file: File,
    len: u64,
    sha256: String,
}

impl SpooledText {
    /// Its SHA-256, hex.
    pub fn sha256_hex(&self) -> &str {
        &self.sha256
    }

    /// Its length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The text in pieces of at most [`PIECE`] bytes, each ending between two characters.
    pub fn pieces(&self) -> Pieces<'_> {
        self.pieces_of(PIECE)
    }

    fn pieces_of(&self, size: usize) -> Pieces<'_> {
        Pieces {
            text: self,
            at: 0,
            size,
        }
    }

    /// The whole text read back (for tests, and small texts).
    pub fn read_all(&self) -> io::Result<String> {
        let mut out = String::with_capacity(usize::try_from(self.len).unwrap_or(0));
        for piece in self.pieces() {
            out.push_str(&piece?);
        }
        Ok(out)
    }
}

/// The pieces of a [`SpooledText`], read from its file one at a time.
pub struct Pieces<'a> {
    text: &'a SpooledText,
    at: u64,
    size: usize,
}

impl Iterator for Pieces<'_> {
    type Item = io::Result<String>;

    fn next(&mut self) -> Option<io::Result<String>> {
        let left = self.text.len - self.at;
        if left == 0 {
            return None;
        }
        let n = usize::try_from(left).map_or(self.size, |l| l.min(self.size));
        let mut buf = vec![0; n];
        if let Err(e) = self.text.file.read_exact_at(&mut buf, self.at) {
            self.at = self.text.len;
            return Some(Err(e));
        }
        // A piece ends before a character the size would cut in two.
        let keep = match std::str::from_utf8(&buf) {
            Ok(_) => n,
            Err(e) if e.error_len().is_none() && e.valid_up_to() > 0 => e.valid_up_to(),
            Err(e) => {
                self.at = self.text.len;
                return Some(Err(io::Error::new(io::ErrorKind::InvalidData, e)));
            }
        };
        buf.truncate(keep);
        self.at += keep as u64;
        Some(String::from_utf8(buf).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e)))
    }
}

/// A text: in memory, or in a spool file.
#[derive(Debug)]
pub enum Text {
    /// In memory.
    Memory(String),
    /// In a spool file.
    Spooled(SpooledText),
}

impl Text {
    /// The whole text (read back from its file if spooled).
    pub fn read_all(&self) -> io::Result<String> {
        match self {
            Text::Memory(s) => Ok(s.clone()),
            Text::Spooled(s) => s.read_all(),
        }
    }

    /// The text as it is stored.
    pub fn as_document(&self) -> DocumentText<'_> {
        match self {
            Text::Memory(s) => DocumentText::Whole(s),
            Text::Spooled(s) => DocumentText::Spooled(s),
        }
    }
}

/// A submission's document as it is stored: one value, or pieces read from a spool file.
#[derive(Debug, Clone, Copy)]
pub enum DocumentText<'a> {
    /// One value.
    Whole(&'a str),
    /// In pieces.
    Spooled(&'a SpooledText),
}

impl DocumentText<'_> {
    /// Its SHA-256, hex.
    pub fn sha256_hex(&self) -> String {
        match self {
            DocumentText::Whole(s) => hex::encode(Sha256::digest(s.as_bytes())),
            DocumentText::Spooled(s) => s.sha256.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spooled(text: &str) -> SpooledText {
        let mut spool = TextSpool::new(&std::env::temp_dir()).unwrap();
        let mut first = text[..text.len() / 2].to_owned();
        spool.put(&mut first).unwrap();
        assert!(first.is_empty(), "put empties what it wrote");
        let mut rest = text[text.len() / 2..].to_owned();
        spool.put(&mut rest).unwrap();
        spool.done().unwrap()
    }

    #[test]
    fn pieces_end_between_characters_and_make_the_text_again() {
        // Two- and three-byte characters, so that most piece sizes would cut one in two.
        let text = "{\"navn\":\"Ærlig Øystein på Å\",\"merknad\":\"€ – ñ\"}".repeat(7);
        let s = spooled(&text);
        assert_eq!(s.len(), text.len() as u64);
        assert_eq!(s.sha256_hex(), hex::encode(Sha256::digest(text.as_bytes())));
        for size in [4, 5, 7, 64, 1000] {
            let pieces: Vec<String> = s.pieces_of(size).map(Result::unwrap).collect();
            assert!(pieces.iter().all(|p| p.len() <= size && !p.is_empty()));
            assert!(pieces.len() > 1 || size >= text.len());
            assert_eq!(pieces.concat(), text, "pieces of {size}");
        }
        assert_eq!(s.read_all().unwrap(), text);
    }

    #[test]
    fn an_empty_text_has_no_pieces() {
        let s = TextSpool::new(&std::env::temp_dir())
            .unwrap()
            .done()
            .unwrap();
        assert!(s.is_empty());
        assert_eq!(s.pieces().count(), 0);
    }
}
