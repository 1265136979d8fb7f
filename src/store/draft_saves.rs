//! Saves of drafts gathered into one statement. Every autosave is a write, and on SQLite the
//! writes take turns: each one its own statement and its own commit meant each wrote the same
//! pages of the table, its indexes and the audit log again, and waited for the one before. A save
//! now joins a queue, and one writer task writes all that are queued, in one `UPDATE … FROM` (its
//! trigger writes each audit row) that returns the drafts it changed; those queued meanwhile go
//! together in the next one, until the queue is empty and the writer ends. One draft is in a
//! statement at most once, so each save is checked against the version before it as when it was
//! written alone.
//!
//! The writer is a task of its own: a request that gives up (its time limit, its client gone)
//! leaves the others their answers, and its own save is left out, even when it gives up while the
//! statement runs (the transaction is rolled back and written again without it). A save whose
//! statement failed is written alone by its own request, in the same statement with itself only
//! (`Store::save_alone`), and then sees the error itself.

use std::collections::HashSet;
use std::sync::Mutex;

use tokio::sync::oneshot;

use super::{Db, Error, Store};
use crate::clock::now_ms;

/// Saves written in one statement at most, and the bytes of documents.
const MOST: usize = 64;
const MOST_BYTES: usize = 8 << 20;

/// One save of a draft.
#[derive(Debug)]
pub(super) struct Save {
    pub(super) id: String,
    pub(super) person: String,
    pub(super) party: String,
    pub(super) expected: i64,
    pub(super) document: String,
    pub(super) last_page: Option<String>,
    pub(super) request_id: String,
}

/// A save waiting for its statement, and where its answer goes: `Ok(Some(at))`, saved at `at`
/// (unix ms); `Ok(None)`, the draft was not at `expected` (or not the owner's); `Err`, the
/// statement failed.
#[derive(Debug)]
struct Pending {
    save: Save,
    answer: oneshot::Sender<Result<Option<i64>, ()>>,
}

/// The saves waiting, and whether a writer is at work on them.
#[derive(Debug, Default)]
pub(super) struct Queue {
    inner: Mutex<Waiting>,
}

#[derive(Debug, Default)]
struct Waiting {
    saves: Vec<Pending>,
    writing: bool,
}

impl Queue {
    fn inner(&self) -> std::sync::MutexGuard<'_, Waiting> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a save: true when no writer is at work, and the caller must start one.
    fn push(&self, p: Pending) -> bool {
        let mut w = self.inner();
        w.saves.push(p);
        !std::mem::replace(&mut w.writing, true)
    }

    /// The saves for the next statement, oldest first: each draft once, up to the limits. The
    /// rest stay queued in their order. None when nothing waits: the writer then ends.
    fn take(&self) -> Option<Vec<Pending>> {
        let mut w = self.inner();
        if w.saves.is_empty() {
            w.writing = false;
            return None;
        }
        let mut ids = HashSet::new();
        let (mut batch, mut rest, mut bytes) = (Vec::new(), Vec::new(), 0);
        for p in w.saves.drain(..) {
            let fits = batch.len() < MOST
                && (batch.is_empty() || bytes + p.save.document.len() <= MOST_BYTES);
            if fits && ids.insert(p.save.id.clone()) {
                bytes += p.save.document.len();
                batch.push(p);
            } else {
                rest.push(p);
            }
        }
        w.saves = rest;
        Some(batch)
    }
}

/// Lets the next save start a writer should this one end by a panic.
struct Writing<'a>(&'a Queue);

impl Drop for Writing<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.inner().writing = false;
        }
    }
}

impl Store {
    /// Queues a save and waits for the statement that writes it: `Ok(Some(at))` when it was
    /// written, `Ok(None)` when the draft was not at `expected`, `Err` when the statement failed
    /// (the caller then writes it alone).
    pub(super) async fn save_together(&self, save: Save) -> Result<Option<i64>, ()> {
        let (answer, answered) = oneshot::channel();
        if self.saves.push(Pending { save, answer }) {
            let store = self.clone();
            tokio::spawn(async move { store.write_queued().await });
        }
        answered.await.unwrap_or(Err(()))
    }

    /// The writer: statements until the queue is empty.
    async fn write_queued(&self) {
        let _writing = Writing(&self.saves);
        while let Some(batch) = self.saves.take() {
            self.write_saves(batch).await;
        }
    }

    /// Writes `batch` in one statement and answers each save. A save whose request has given
    /// up (its time limit, its client gone) is left out, also when it gives up while the
    /// statement runs: the transaction is then rolled back and written again without it, so
    /// that a save answered with an error is never kept.
    async fn write_saves(&self, mut batch: Vec<Pending>) {
        let now = now_ms();
        let result = loop {
            batch.retain(|p| !p.answer.is_closed());
            if batch.is_empty() {
                return;
            }
            metrics::counter!("tasteskjema_draft_save_statements_total").increment(1);
            let saves: Vec<&Save> = batch.iter().map(|p| &p.save).collect();
            let gone = || batch.iter().any(|p| p.answer.is_closed());
            match self.update_drafts(&saves, now, gone).await {
                Ok(None) => continue,
                Ok(Some(ids)) => break Ok(ids.into_iter().collect::<HashSet<_>>()),
                Err(e) => {
                    tracing::warn!(error = %e, saves = batch.len(), "saving drafts together failed; each is saved alone");
                    break Err(());
                }
            }
        };
        metrics::counter!("tasteskjema_draft_saves_queued_total").increment(batch.len() as u64);
        for p in batch {
            let a = match &result {
                Ok(ids) => Ok(ids.contains(&p.save.id).then_some(now)),
                Err(()) => Err(()),
            };
            let _ = p.answer.send(a);
        }
    }

    /// A save in a statement of its own, by its own request (which then sees the statement's
    /// error): when it was written, if it was.
    pub(super) async fn save_alone(&self, save: &Save) -> Result<Option<i64>, Error> {
        let now = now_ms();
        // Its request gave up if this is dropped: so is the transaction, which rolls back.
        let saved = self.update_drafts(&[save], now, || false).await?;
        Ok(saved.and_then(|ids| (!ids.is_empty()).then_some(now)))
    }

    /// The one `UPDATE` of every draft in `batch` that is still at its expected version, in a
    /// transaction: the ids it changed, or `None` when `gone` says a save's request gave up
    /// meanwhile (rolled back).
    async fn update_drafts(
        &self,
        batch: &[&Save],
        now: i64,
        gone: impl Fn() -> bool,
    ) -> Result<Option<Vec<String>>, Error> {
        let _turn = self.write_turn().await;
        match &self.db {
            Db::Sqlite(p) => {
                // The saves as one JSON array, read row by row by `json_each`.
                let rows: Vec<_> = batch
                    .iter()
                    .map(|s| {
                        (
                            &s.id,
                            &s.person,
                            &s.party,
                            s.expected,
                            &s.document,
                            &s.last_page,
                            &s.request_id,
                        )
                    })
                    .collect();
                let rows = serde_json::to_string(&rows).map_err(|e| Error::Encode(Box::new(e)))?;
                let sql = update_from(
                    "(SELECT value ->> 0 AS id, value ->> 1 AS person, value ->> 2 AS party, \
                             value ->> 3 AS expected, value ->> 4 AS document, value ->> 5 AS last_page, \
                             value ->> 6 AS request_id FROM json_each($2)) AS b",
                );
                let mut tx = p.begin().await?;
                let ids: Vec<(String,)> = sqlx::query_as(&sql)
                    .bind(now)
                    .bind(rows)
                    .fetch_all(&mut *tx)
                    .await?;
                settle(tx, ids, gone()).await
            }
            Db::Postgres(p) => {
                let column = |f: fn(&Save) -> &str| batch.iter().map(|s| f(s)).collect::<Vec<_>>();
                let sql = update_from(
                    "UNNEST($2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[]) \
                     AS b (id, person, party, expected, document, last_page, request_id)",
                );
                let mut tx = p.begin().await?;
                let ids: Vec<(String,)> = sqlx::query_as(&sql)
                    .bind(now)
                    .bind(column(|s| &s.id))
                    .bind(column(|s| &s.person))
                    .bind(column(|s| &s.party))
                    .bind(batch.iter().map(|s| s.expected).collect::<Vec<_>>())
                    .bind(column(|s| &s.document))
                    .bind(
                        batch
                            .iter()
                            .map(|s| s.last_page.as_deref())
                            .collect::<Vec<_>>(),
                    )
                    .bind(column(|s| &s.request_id))
                    .fetch_all(&mut *tx)
                    .await?;
                settle(tx, ids, gone()).await
            }
        }
    }
}

/// Ends the transaction of a statement: rolled back when a save's request gave up meanwhile
/// (`None`), else committed, with the ids of the drafts it changed.
async fn settle<D: sqlx::Database>(
    tx: sqlx::Transaction<'_, D>,
    ids: Vec<(String,)>,
    gone: bool,
) -> Result<Option<Vec<String>>, Error> {
    if gone {
        tx.rollback().await?;
        return Ok(None);
    }
    tx.commit().await?;
    Ok(Some(ids.into_iter().map(|(id,)| id).collect()))
}

/// The statement of a batch, its saves read from `saves` (a table `b` of id, person, party,
/// expected, document, last_page, request_id; the time is `$1`). The table's trigger writes each
/// audit row (`draft.saved`, the save's request).
fn update_from(saves: &str) -> String {
    format!(
        "UPDATE drafts SET version = drafts.version + 1, document = b.document, \
         last_page = COALESCE(b.last_page, drafts.last_page), updated_at = $1, saved_by = b.request_id \
         FROM {saves} \
         WHERE drafts.id = b.id AND drafts.person = b.person AND drafts.party = b.party \
           AND drafts.version = b.expected \
         RETURNING drafts.id"
    )
}
