//! A delivery file kept on disk while the delivery is read, so that the memory a delivery takes
//! does not grow with its file.
//!
//! The file is mapped rather than read ([`Mapped`]): the reader sees it as one slice, and the
//! pages it has passed are let go behind it ([`Body::passed`]), so only the part being read is
//! in memory. The canonical text made of it goes to a spool file and is stored in pieces
//! ([`crate::store::spooled`]).

use std::cell::Cell;
use std::fs::File;
use std::io;

use axum::body::Bytes;
use sha2::{Digest, Sha256};

/// How far a reader goes past the pages it last let go before it lets go of more.
const RELEASE_EVERY: usize = 4 << 20;

/// A body a delivery is read from: in memory (the API's request body), or a file on disk.
pub trait Body: AsRef<[u8]> + Send + 'static {
    /// The reader will not come back before `upto` soon: what lies before may leave memory.
    fn passed(&self, _upto: usize) {}
}

impl Body for Bytes {}

/// A file mapped into memory, read-only. The kernel reads its pages in as they are touched, and
/// [`Body::passed`] gives them back, so the file is never held whole.
pub struct Mapped {
    map: Option<memmap2::Mmap>,
    /// Where the pages were last let go up to.
    released: Cell<usize>,
}

impl std::fmt::Debug for Mapped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mapped")
            .field("len", &self.as_ref().len())
            .finish()
    }
}

impl Mapped {
    /// Maps `file`, which this process wrote and nobody writes any longer (a spool file of an
    /// upload or of SFTP, taken after it was closed).
    pub fn of(file: &File) -> io::Result<Mapped> {
        let map = if file.metadata()?.len() == 0 {
            // An empty file cannot be mapped; it is an empty body.
            None
        } else {
            // SAFETY: the file is a spool file of this process, written before it is mapped and
            // not changed or truncated while the map lives (nothing else has it open for
            // writing), so the bytes seen through the map do not change under the reader.
            Some(unsafe { memmap2::Mmap::map(file)? })
        };
        Ok(Mapped {
            map,
            released: Cell::new(0),
        })
    }

    /// The SHA-256 of the file (hex), its pages let go as they are hashed.
    pub fn sha256_hex(&self) -> String {
        let mut hash = Sha256::new();
        let bytes = self.as_ref();
        for (i, piece) in bytes.chunks(RELEASE_EVERY).enumerate() {
            hash.update(piece);
            self.passed((i + 1) * RELEASE_EVERY);
        }
        hex::encode(hash.finalize())
    }
}

impl AsRef<[u8]> for Mapped {
    fn as_ref(&self) -> &[u8] {
        self.map.as_deref().unwrap_or_default()
    }
}

impl Body for Mapped {
    fn passed(&self, upto: usize) {
        let Some(map) = &self.map else { return };
        // Whole pages only: the mapping starts on a page.
        let upto = upto.min(map.len()) & !4095;
        // A reader behind the last mark reads again from further back (the rows after the
        // hash, a group read before one earlier in the file): count from the start again.
        let last = match self.released.get() {
            last if upto < last => 0,
            last => last,
        };
        self.released.set(last);
        if upto < last + RELEASE_EVERY {
            return;
        }
        // From the start, not from the last mark: pages a reader came back to are let go too.
        // SAFETY: the mapping is a shared, read-only map of a file nobody changes. Letting its
        // pages go changes no byte seen through it: a page touched again is read in again from
        // the same file, so the slices the reader holds stay valid and unchanged.
        let advised =
            unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, 0, upto) };
        if advised.is_ok() {
            self.released.set(upto);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    /// The pages of this one mapping the process holds, in KiB (its `Rss:` in
    /// `/proc/self/smaps`): other tests of the same process, mapping files of their own, do not
    /// count.
    fn resident_kib(mapped: &Mapped) -> u64 {
        let at = mapped.as_ref().as_ptr() as usize;
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let mut inside = false;
        for line in smaps.lines() {
            let range = line
                .split_whitespace()
                .next()
                .and_then(|r| r.split_once('-'));
            if let Some((from, to)) = range
                && let (Ok(from), Ok(to)) = (
                    usize::from_str_radix(from, 16),
                    usize::from_str_radix(to, 16),
                )
            {
                inside = (from..to).contains(&at);
            } else if inside && let Some(kib) = line.strip_prefix("Rss:") {
                return kib.split_whitespace().next().unwrap().parse().unwrap();
            }
        }
        panic!("the mapping is not in /proc/self/smaps");
    }

    #[test]
    fn a_mapped_file_reads_the_same_after_its_pages_are_let_go() {
        let mut file = tempfile::tempfile().unwrap();
        let bytes: Vec<u8> = (0..(8 * RELEASE_EVERY + 12_345))
            .map(|i| (i % 251) as u8)
            .collect();
        file.write_all(&bytes).unwrap();
        let mapped = Mapped::of(&file).unwrap();
        assert_eq!(
            mapped.sha256_hex(),
            crate::intake::canonical::sha256_hex(&bytes)
        );
        assert!(mapped.released.get() >= 7 * RELEASE_EVERY, "pages let go");
        // What stays in memory of the 32 MB read is at most the last pages not yet let go.
        let grown = resident_kib(&mapped);
        assert!(
            grown < 3 * RELEASE_EVERY as u64 / 1024,
            "{grown} KiB of the file stayed"
        );
        // Read again after letting go: the same bytes, and let go again as they are read.
        assert_eq!(mapped.as_ref(), &bytes[..]);
        mapped.passed(RELEASE_EVERY / 2);
        mapped.passed(RELEASE_EVERY + 4096);
        assert_eq!(mapped.released.get(), RELEASE_EVERY + 4096, "a second pass");
        assert_eq!(
            mapped.sha256_hex(),
            crate::intake::canonical::sha256_hex(&bytes)
        );
        assert!(mapped.released.get() >= 7 * RELEASE_EVERY, "and again");
        let empty = Mapped::of(&tempfile::tempfile().unwrap()).unwrap();
        assert!(empty.as_ref().is_empty());
        empty.passed(10 * RELEASE_EVERY);
    }
}
