//! A client of ClamAV's daemon, clamd, for scanning attachments: the file is streamed to clamd
//! with `INSTREAM` (never read whole into memory) and clamd's answer becomes a [`Verdict`].
//!
//! The protocol: `zINSTREAM\0`, then chunks each prefixed by its length as 4 bytes big-endian,
//! then a chunk of length 0; clamd answers `stream: OK` or `stream: NAME FOUND`, ended by a NUL.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The most bytes in one `INSTREAM` chunk.
const CHUNK: usize = 64 * 1024;
/// The longest answer read from clamd.
const MAX_REPLY: usize = 4096;
/// The time a whole scan or ping may take unless set otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Where clamd listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClamdAddr {
    /// A TCP address, `host:port`.
    Tcp(String),
    /// A Unix socket.
    Unix(PathBuf),
}

impl ClamdAddr {
    /// Reads `tcp://HOST:PORT` or `unix:/PATH` (also `unix:///PATH`).
    pub fn parse(s: &str) -> Result<ClamdAddr, ClamdError> {
        let bad = || ClamdError::BadAddress(s.to_owned());
        let s = s.trim();
        if let Some(rest) = s.strip_prefix("tcp://") {
            let rest = rest.trim_end_matches('/');
            let (host, port) = rest.rsplit_once(':').ok_or_else(bad)?;
            if host.is_empty() || port.parse::<u16>().map_or(true, |p| p == 0) {
                return Err(bad());
            }
            Ok(ClamdAddr::Tcp(rest.to_owned()))
        } else if let Some(rest) = s.strip_prefix("unix:") {
            let path = match rest.strip_prefix("//") {
                Some(p) if p.starts_with('/') => p,
                _ => rest,
            };
            if path.is_empty() {
                return Err(bad());
            }
            Ok(ClamdAddr::Unix(PathBuf::from(path)))
        } else {
            Err(bad())
        }
    }
}

impl std::str::FromStr for ClamdAddr {
    type Err = ClamdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ClamdAddr::parse(s)
    }
}

impl fmt::Display for ClamdAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClamdAddr::Tcp(a) => write!(f, "tcp://{a}"),
            ClamdAddr::Unix(p) => write!(f, "unix:{}", p.display()),
        }
    }
}

/// What clamd found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing.
    Clean,
    /// A signature matched; its name.
    Infected(String),
}

/// Why a scan or ping gave no verdict.
#[derive(Debug, thiserror::Error)]
pub enum ClamdError {
    /// The address is of no form we read.
    #[error("clamd address {0:?} is not tcp://HOST:PORT or unix:/PATH")]
    BadAddress(String),
    /// No connection could be made.
    #[error("cannot connect to clamd at {addr}: {source}")]
    Connect {
        /// Where.
        addr: String,
        /// Why.
        source: io::Error,
    },
    /// The file to scan could not be opened or read.
    #[error("cannot read the file to scan: {0}")]
    File(io::Error),
    /// The connection failed midway.
    #[error("connection to clamd failed: {0}")]
    Io(io::Error),
    /// The whole exchange took too long.
    #[error("clamd gave no answer within {0:?}")]
    Timeout(Duration),
    /// clamd answered with an error (e.g. `INSTREAM size limit exceeded. ERROR`).
    #[error("clamd refused the scan: {0}")]
    Refused(String),
    /// clamd answered something we do not understand, or nothing.
    #[error("unexpected answer from clamd: {0:?}")]
    Unexpected(String),
}

trait Conn: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Conn for T {}

/// A clamd to ask. Each call opens its own connection.
#[derive(Debug, Clone)]
pub struct Clamd {
    addr: ClamdAddr,
    timeout: Duration,
}

impl Clamd {
    /// A clamd at `addr`, with the default timeout of 60 s for a whole exchange.
    pub fn new(addr: ClamdAddr) -> Clamd {
        Clamd {
            addr,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The same with another timeout for a whole exchange.
    pub fn with_timeout(mut self, timeout: Duration) -> Clamd {
        self.timeout = timeout;
        self
    }

    /// Where it listens.
    pub fn addr(&self) -> &ClamdAddr {
        &self.addr
    }

    /// Whether clamd answers `PING` with `PONG`.
    pub async fn ping(&self) -> Result<(), ClamdError> {
        self.timed(async {
            let mut conn = self.connect().await?;
            conn.write_all(b"zPING\0").await.map_err(ClamdError::Io)?;
            let reply = read_reply(&mut conn).await?;
            if reply == "PONG" {
                Ok(())
            } else {
                Err(ClamdError::Unexpected(reply))
            }
        })
        .await
    }

    /// Scans the file at `path`, streamed in chunks.
    pub async fn scan_file(&self, path: &Path) -> Result<Verdict, ClamdError> {
        self.timed(async {
            let file = tokio::fs::File::open(path)
                .await
                .map_err(ClamdError::File)?;
            self.instream(file).await
        })
        .await
    }

    /// Scans what `r` gives until its end, streamed in chunks.
    pub async fn scan_reader<R: AsyncRead + Unpin>(&self, r: R) -> Result<Verdict, ClamdError> {
        self.timed(self.instream(r)).await
    }

    async fn timed<T>(
        &self,
        f: impl Future<Output = Result<T, ClamdError>>,
    ) -> Result<T, ClamdError> {
        tokio::time::timeout(self.timeout, f)
            .await
            .unwrap_or(Err(ClamdError::Timeout(self.timeout)))
    }

    async fn connect(&self) -> Result<Box<dyn Conn>, ClamdError> {
        let failed = |source| ClamdError::Connect {
            addr: self.addr.to_string(),
            source,
        };
        match &self.addr {
            ClamdAddr::Tcp(a) => Ok(Box::new(
                tokio::net::TcpStream::connect(a).await.map_err(failed)?,
            )),
            #[cfg(unix)]
            ClamdAddr::Unix(p) => Ok(Box::new(
                tokio::net::UnixStream::connect(p).await.map_err(failed)?,
            )),
            #[cfg(not(unix))]
            ClamdAddr::Unix(_) => Err(failed(io::Error::new(
                io::ErrorKind::Unsupported,
                "Unix sockets are not available here",
            ))),
        }
    }

    async fn instream<R: AsyncRead + Unpin>(&self, mut r: R) -> Result<Verdict, ClamdError> {
        let mut conn = self.connect().await?;
        // One buffer: the length prefix, then the chunk, sent in one write.
        let mut buf = vec![0u8; 4 + CHUNK];
        let sent = async {
            conn.write_all(b"zINSTREAM\0").await?;
            loop {
                let n = r.read(&mut buf[4..]).await.map_err(Sent::File)?;
                buf[..4].copy_from_slice(&(n as u32).to_be_bytes());
                conn.write_all(&buf[..4 + n]).await?;
                if n == 0 {
                    break;
                }
            }
            conn.flush().await?;
            Ok::<(), Sent>(())
        }
        .await;
        match sent {
            Ok(()) => verdict(read_reply(&mut conn).await?),
            Err(Sent::File(e)) => Err(ClamdError::File(e)),
            // clamd stops reading when the stream is over its limit and says why before closing.
            Err(Sent::Conn(e)) => match read_reply(&mut conn).await {
                Ok(reply) => verdict(reply),
                Err(_) => Err(ClamdError::Io(e)),
            },
        }
    }
}

/// A failure while sending: reading the source, or writing to clamd.
enum Sent {
    File(io::Error),
    Conn(io::Error),
}

impl From<io::Error> for Sent {
    fn from(e: io::Error) -> Self {
        Sent::Conn(e)
    }
}

/// clamd's answer up to its NUL (or the end of the connection), without the NUL.
async fn read_reply(conn: &mut Box<dyn Conn>) -> Result<String, ClamdError> {
    let mut reply = Vec::new();
    let mut buf = [0u8; 512];
    loop {
        let n = conn.read(&mut buf).await.map_err(ClamdError::Io)?;
        if n == 0 {
            break;
        }
        if let Some(end) = buf[..n].iter().position(|&b| b == 0) {
            reply.extend_from_slice(&buf[..end]);
            break;
        }
        reply.extend_from_slice(&buf[..n]);
        if reply.len() > MAX_REPLY {
            reply.truncate(MAX_REPLY);
            break;
        }
    }
    let reply = String::from_utf8_lossy(&reply).trim().to_owned();
    if reply.is_empty() {
        return Err(ClamdError::Unexpected(reply));
    }
    Ok(reply)
}

/// The verdict an `INSTREAM` answer gives.
fn verdict(reply: String) -> Result<Verdict, ClamdError> {
    let Some(rest) = reply.strip_prefix("stream:").map(str::trim) else {
        return if reply.ends_with("ERROR") {
            Err(ClamdError::Refused(reply))
        } else {
            Err(ClamdError::Unexpected(reply))
        };
    };
    if rest == "OK" {
        return Ok(Verdict::Clean);
    }
    if let Some(name) = rest.strip_suffix(" FOUND").map(str::trim)
        && !name.is_empty()
    {
        return Ok(Verdict::Infected(name.to_owned()));
    }
    if rest.ends_with("ERROR") {
        return Err(ClamdError::Refused(rest.to_owned()));
    }
    Err(ClamdError::Unexpected(reply))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// The EICAR test string, built from two pieces.
    const EICAR: &str = concat!(
        "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR",
        "-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    );

    /// The clamd named by `TASTESKJEMA_TEST_CLAMD`, or `None` (the test is skipped).
    fn test_clamd(test: &str) -> Option<Clamd> {
        match std::env::var("TASTESKJEMA_TEST_CLAMD") {
            Ok(a) if !a.trim().is_empty() => Some(Clamd::new(
                ClamdAddr::parse(&a).expect("TASTESKJEMA_TEST_CLAMD"),
            )),
            _ => {
                eprintln!("{test}: skipped, TASTESKJEMA_TEST_CLAMD is not set (.ci/clamd.sh)");
                None
            }
        }
    }

    fn temp_with(parts: &[&[u8]]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        for p in parts {
            f.write_all(p).unwrap();
        }
        f.flush().unwrap();
        f
    }

    /// `n` bytes of noise, the same every run.
    fn noise(n: usize) -> Vec<u8> {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect()
    }

    #[test]
    fn addresses() {
        assert_eq!(
            ClamdAddr::parse("tcp://127.0.0.1:3310").unwrap(),
            ClamdAddr::Tcp("127.0.0.1:3310".into())
        );
        assert_eq!(
            ClamdAddr::parse("tcp://[::1]:3310").unwrap(),
            ClamdAddr::Tcp("[::1]:3310".into())
        );
        assert_eq!(
            ClamdAddr::parse("unix:/run/clamav/clamd.ctl").unwrap(),
            ClamdAddr::Unix("/run/clamav/clamd.ctl".into())
        );
        assert_eq!(
            ClamdAddr::parse("unix:///run/clamd.sock").unwrap(),
            ClamdAddr::Unix("/run/clamd.sock".into())
        );
        for bad in [
            "127.0.0.1:3310",
            "tcp://127.0.0.1",
            "tcp://:3310",
            "tcp://h:99999",
            "unix:",
            "http://x:1",
        ] {
            let e = ClamdAddr::parse(bad).unwrap_err();
            assert!(matches!(e, ClamdError::BadAddress(_)), "{bad}");
            assert!(e.to_string().contains("tcp://HOST:PORT"), "{e}");
        }
        let a = ClamdAddr::parse("tcp://127.0.0.1:3310").unwrap();
        assert_eq!(a.to_string(), "tcp://127.0.0.1:3310");
    }

    #[test]
    fn answers() {
        assert_eq!(verdict("stream: OK".into()).unwrap(), Verdict::Clean);
        assert_eq!(
            verdict("stream: Eicar-Test-Signature FOUND".into()).unwrap(),
            Verdict::Infected("Eicar-Test-Signature".into())
        );
        assert!(matches!(
            verdict("INSTREAM size limit exceeded. ERROR".into()),
            Err(ClamdError::Refused(_))
        ));
        assert!(matches!(
            verdict("stream: Can't allocate memory ERROR".into()),
            Err(ClamdError::Refused(_))
        ));
        assert!(matches!(
            verdict("UNKNOWN COMMAND".into()),
            Err(ClamdError::Unexpected(_))
        ));
    }

    /// A stand-in clamd that checks the framing and answers `reply`: the chunks' sizes and the
    /// bytes received are sent back through the channel.
    async fn fake_clamd(
        reply: &'static str,
        stop_after: Option<usize>,
    ) -> (
        ClamdAddr,
        tokio::sync::oneshot::Receiver<(Vec<usize>, usize)>,
    ) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = ClamdAddr::Tcp(listener.local_addr().unwrap().to_string());
        let (tx, rx) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut cmd = [0u8; 10];
            s.read_exact(&mut cmd).await.unwrap();
            assert_eq!(&cmd, b"zINSTREAM\0");
            let (mut sizes, mut total) = (Vec::new(), 0);
            loop {
                let n = s.read_u32().await.unwrap() as usize;
                sizes.push(n);
                if n == 0 {
                    break;
                }
                let mut chunk = vec![0u8; n];
                s.read_exact(&mut chunk).await.unwrap();
                total += n;
                if stop_after.is_some_and(|m| total > m) {
                    break;
                }
            }
            s.write_all(reply.as_bytes()).await.unwrap();
            s.write_all(b"\0").await.unwrap();
            // Read the rest, so that closing sends no reset that could lose the answer.
            let _ = tokio::io::copy(&mut s, &mut tokio::io::sink()).await;
            let _ = tx.send((sizes, total));
        });
        (addr, rx)
    }

    #[tokio::test]
    async fn the_stream_is_sent_in_chunks_of_at_most_64_kib() {
        let (addr, rx) = fake_clamd("stream: OK", None).await;
        let f = temp_with(&[&noise(300_000)]);
        let v = Clamd::new(addr).scan_file(f.path()).await.unwrap();
        assert_eq!(v, Verdict::Clean);
        let (sizes, total) = rx.await.unwrap();
        assert_eq!(total, 300_000);
        assert_eq!(sizes.last(), Some(&0));
        assert!(sizes.iter().all(|&n| n <= CHUNK), "{sizes:?}");
    }

    #[tokio::test]
    async fn a_stream_over_the_limit_is_an_error() {
        let (addr, _rx) = fake_clamd("INSTREAM size limit exceeded. ERROR", Some(100_000)).await;
        let data = noise(2_000_000);
        let e = Clamd::new(addr).scan_reader(&data[..]).await.unwrap_err();
        assert!(matches!(e, ClamdError::Refused(_)), "{e}");
        assert!(e.to_string().contains("size limit"), "{e}");
    }

    #[tokio::test]
    async fn nobody_listening_and_a_missing_file_are_errors() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = ClamdAddr::Tcp(listener.local_addr().unwrap().to_string());
        drop(listener);
        let e = Clamd::new(addr).ping().await.unwrap_err();
        assert!(matches!(e, ClamdError::Connect { .. }), "{e}");
        let (addr, _rx) = fake_clamd("stream: OK", None).await;
        let e = Clamd::new(addr)
            .scan_file(Path::new("/nonexistent/vedlegg.pdf"))
            .await
            .unwrap_err();
        assert!(matches!(e, ClamdError::File(_)), "{e}");
    }

    #[tokio::test]
    async fn a_silent_clamd_times_out() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = ClamdAddr::Tcp(listener.local_addr().unwrap().to_string());
        let _keep = tokio::spawn(async move {
            let (_s, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(30)).await;
        });
        let e = Clamd::new(addr)
            .with_timeout(Duration::from_millis(300))
            .ping()
            .await
            .unwrap_err();
        assert!(matches!(e, ClamdError::Timeout(_)), "{e}");
    }

    #[tokio::test]
    async fn clamd_answers_ping() {
        let Some(c) = test_clamd("clamd_answers_ping") else {
            return;
        };
        c.ping().await.unwrap();
    }

    #[tokio::test]
    async fn a_clean_pdf_is_clean() {
        let Some(c) = test_clamd("a_clean_pdf_is_clean") else {
            return;
        };
        let f = temp_with(&[
            b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n",
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n",
            b"trailer << /Root 1 0 R >>\n%%EOF\n",
        ]);
        assert_eq!(c.scan_file(f.path()).await.unwrap(), Verdict::Clean);
    }

    #[tokio::test]
    async fn the_eicar_test_string_is_found() {
        let Some(c) = test_clamd("the_eicar_test_string_is_found") else {
            return;
        };
        let bare = temp_with(&[EICAR.as_bytes()]);
        let in_pdf = temp_with(&[
            b"%PDF-1.4\n1 0 obj << /Length 68 >> stream\n",
            EICAR.as_bytes(),
            b"\nendstream endobj\n%%EOF\n",
        ]);
        for f in [bare, in_pdf] {
            match c.scan_file(f.path()).await.unwrap() {
                Verdict::Infected(name) => assert!(!name.is_empty()),
                Verdict::Clean => panic!("EICAR not found"),
            }
        }
    }

    #[tokio::test]
    async fn a_large_file_is_streamed() {
        let Some(c) = test_clamd("a_large_file_is_streamed") else {
            return;
        };
        let data = noise(5 * 1024 * 1024);
        let clean = temp_with(&[&data]);
        assert_eq!(c.scan_file(clean.path()).await.unwrap(), Verdict::Clean);
        // The signature in the last chunk: every chunk arrived.
        let infected = temp_with(&[&data, EICAR.as_bytes()]);
        assert!(matches!(
            c.scan_file(infected.path()).await.unwrap(),
            Verdict::Infected(_)
        ));
    }
}
