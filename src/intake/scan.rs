//! The virus scanner as the intake uses it: a verdict per file, and a sweep that looks again at
//! files left `pending` (clamd was down, or the process stopped between keeping and scanning).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::clamd::{Clamd, ClamdAddr, Verdict};
use crate::store::{AttachmentStatus, Store};

/// What the scanner said about one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scanned {
    /// Nothing found.
    Clean,
    /// Something found (the signature's name); the file is removed.
    Infected(String),
    /// No answer (clamd down or too slow): the file stays pending and is tried again.
    NoAnswer,
}

impl Scanned {
    /// The status stored for it.
    pub fn status(&self) -> AttachmentStatus {
        match self {
            Scanned::Clean => AttachmentStatus::Clean,
            Scanned::Infected(_) => AttachmentStatus::Infected,
            Scanned::NoAnswer => AttachmentStatus::Pending,
        }
    }
}

/// clamd, reached over TCP or a Unix socket.
#[derive(Debug)]
pub struct Scanner {
    clamd: Clamd,
}

impl Scanner {
    /// From the `clamd` setting (`tcp://host:port` or `unix:/path`).
    pub fn from_setting(s: &str) -> anyhow::Result<Scanner> {
        let addr = ClamdAddr::parse(s).map_err(|e| anyhow::anyhow!("clamd = {s:?}: {e}"))?;
        Ok(Scanner {
            clamd: Clamd::new(addr),
        })
    }

    /// Whether clamd answers its `PING` now.
    pub async fn answers(&self) -> bool {
        self.clamd.ping().await.is_ok()
    }

    /// The verdict of a scan that began at `start`, counted and timed for the metrics.
    fn verdict(r: Result<Verdict, super::clamd::ClamdError>, start: std::time::Instant) -> Scanned {
        let result = match &r {
            Ok(Verdict::Clean) => "clean",
            Ok(Verdict::Infected(_)) => "infected",
            Err(_) => "no_answer",
        };
        metrics::counter!("tasteskjema_clamd_scans_total", "result" => result).increment(1);
        metrics::histogram!("tasteskjema_clamd_scan_duration_seconds", "result" => result)
            .record(start.elapsed().as_secs_f64());
        match r {
            Ok(Verdict::Clean) => Scanned::Clean,
            Ok(Verdict::Infected(name)) => {
                tracing::warn!(signature = %name, "the virus scanner found something in an upload");
                Scanned::Infected(name)
            }
            Err(e) => {
                tracing::warn!(error = %e, "the virus scanner did not answer; the file stays pending");
                Scanned::NoAnswer
            }
        }
    }

    /// Scans a file on disk.
    pub async fn scan_path(&self, path: &Path) -> Scanned {
        let start = std::time::Instant::now();
        Self::verdict(self.clamd.scan_file(path).await, start)
    }

    /// Scans a stored attachment, streamed from the store.
    pub async fn scan_stored(&self, store: &Store, row: &crate::store::AttachmentRow) -> Scanned {
        let bytes = store.attachment_bytes(row);
        let reader = tokio_util::io::StreamReader::new(Box::pin(bytes));
        let start = std::time::Instant::now();
        Self::verdict(self.clamd.scan_reader(reader).await, start)
    }

    /// Looks again at pending files every `period`, forever.
    pub async fn sweep_every(self: Arc<Self>, store: Store, period: Duration) {
        loop {
            if let Err(e) = self.sweep(&store).await {
                tracing::warn!(error = %e, "attachment scan sweep failed");
            }
            tokio::time::sleep(period).await;
        }
    }

    /// Scans every pending file once; returns how many got a verdict.
    pub async fn sweep(&self, store: &Store) -> Result<usize, sqlx::Error> {
        let mut n = 0;
        for row in store.pending_attachments().await? {
            // A file younger than a minute is most likely being scanned by its upload right now.
            let age = crate::clock::now_ms() - row.created_at;
            if age < 60_000 {
                continue;
            }
            let s = self.scan_stored(store, &row).await;
            if s != Scanned::NoAnswer {
                store
                    .set_attachment_status(&row.id, s.status(), "sweep")
                    .await?;
                n += 1;
            }
        }
        Ok(n)
    }
}
