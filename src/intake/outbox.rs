//! The outbox workers: every app process runs some. A worker claims a due job (with a lease, so a
//! job whose worker died is taken again), delivers it, and marks it done together with the jobs
//! that follow from it; a failure is retried with exponential backoff, and a job that keeps failing
//! is parked, visible to operators. Nothing is delivered from memory only: a job exists in the
//! database from the transaction that stored its submission until it is done. Receivers
//! de-duplicate by the stable ids a job carries (submission, dialog and transmission ids), so a
//! delivery repeated after a crash has effect once.
//!
//! Between jobs the workers also delete the staged deliveries that expired unconfirmed (see
//! `sweep`).
//!
//! Jobs: `domain` (deliver to the area's domain system) → `feedback` (poll for its feedback; store
//! it) → `dialogporten.feedback` (tell the party); and `dialogporten` (the dialog and the
//! submission's transmission in the party's inbox).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use rand::Rng;
use tokio::sync::Notify;

use super::delivery::DeliveryError;
use super::domain::{DomainClient, Feedback, Poll};
use crate::clock::now_ms;
use crate::form::{Catalog, Form};
use crate::store::{Job, JobKind, JobState, Store, SubmissionRow};

/// Tries before a job is parked.
pub const MAX_ATTEMPTS: i64 = 12;
/// How long a claimed job is a worker's before another may take it: longer than a delivery can
/// take (two calls of at most 10 s), so a job is taken again only when its worker has died.
const LEASE_MS: i64 = 30_000;
/// How often an idle worker looks for due jobs (it is also woken when a submission arrives, on
/// PostgreSQL by any node).
const IDLE_POLL: Duration = Duration::from_millis(250);
/// How many due jobs a worker claims at once and delivers side by side: a node's deliveries under
/// way are at most workers × this.
pub const CLAIM_BATCH: usize = 16;
/// How soon feedback that is not ready is asked for again: at first each second, then a quarter of
/// the time already waited, up to [`FEEDBACK_POLL_MAX`]. Feedback that comes in seconds is still
/// seen within a second; feedback that takes a day is asked for every five minutes, not 86 400
/// times; and a backlog of submissions waiting for feedback costs the queue a few polls each.
const FEEDBACK_POLL: Duration = Duration::from_millis(1000);
/// The longest wait between two polls for the same feedback.
const FEEDBACK_POLL_MAX: Duration = Duration::from_secs(300);
/// How often a process's workers delete the staged deliveries that expired unconfirmed.
const SWEEP_EVERY_MS: i64 = 5_000;

/// Delivery to the party's inbox (Dialogporten).
#[async_trait]
pub trait Inbox: Send + Sync {
    /// The dialog for a submission and the submission's transmission.
    async fn submission(
        &self,
        s: &SubmissionRow,
        form: &Form,
        files: &[crate::store::AttachmentRow],
    ) -> Result<(), DeliveryError>;
    /// The feedback as a transmission related to the submission's, with the documents its
    /// decision issued.
    async fn feedback(
        &self,
        s: &SubmissionRow,
        form: &Form,
        f: &Feedback,
        documents: &[crate::store::DocumentRow],
    ) -> Result<(), DeliveryError>;
}

/// What a job's handler decided.
enum Step {
    /// Done; add these jobs.
    Done(&'static [JobKind]),
    /// Not ready: ask again after this long (not counted as a failure).
    Later(Duration),
}

/// The workers' shared parts.
pub struct Outbox {
    store: Store,
    catalog: Arc<Catalog>,
    domain: DomainClient,
    inbox: Option<Arc<dyn Inbox>>,
    wake: Notify,
    /// When this process's workers last swept (unix ms).
    swept: std::sync::atomic::AtomicI64,
}

impl Outbox {
    /// The outbox over `store`, delivering to `domain` and (when configured) `inbox`.
    pub fn new(
        store: Store,
        catalog: Arc<Catalog>,
        domain: DomainClient,
        inbox: Option<Arc<dyn Inbox>>,
    ) -> Arc<Outbox> {
        Arc::new(Outbox {
            store,
            catalog,
            domain,
            inbox,
            wake: Notify::new(),
            swept: std::sync::atomic::AtomicI64::new(0),
        })
    }

    /// Wakes an idle worker (a submission has just been stored).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Starts `n` workers on the current runtime; they run until the process ends. On PostgreSQL
    /// they are also woken when another node adds jobs (`Store::listen`, with [`Outbox::waker`]).
    pub fn spawn(self: &Arc<Self>, n: usize) {
        for _ in 0..n {
            let me = self.clone();
            tokio::spawn(async move { me.run().await });
        }
    }

    /// What wakes the workers when another node has added jobs; does nothing once the outbox
    /// is gone.
    pub fn waker(self: &Arc<Self>) -> impl Fn() + Send + Sync + 'static {
        let me = Arc::downgrade(self);
        move || {
            if let Some(o) = me.upgrade() {
                o.wake();
            }
        }
    }

    async fn run(&self) {
        loop {
            self.sweep().await;
            match self.run_one().await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "outbox worker: database"),
            }
            let _ = tokio::time::timeout(IDLE_POLL, self.wake.notified()).await;
        }
    }

    /// Deletes the staged deliveries (the aksjonærregisteroppgave's) that expired unconfirmed,
    /// with their documents: by one worker of the process at a time, every few seconds. One
    /// statement, so the workers of every process may run it whenever they like.
    async fn sweep(&self) {
        use std::sync::atomic::Ordering;
        let now = now_ms();
        let last = self.swept.load(Ordering::Relaxed);
        if now - last < SWEEP_EVERY_MS
            || self
                .swept
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        match self.store.delete_expired_staged(now).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deliveries = n, "expired staged deliveries deleted"),
            Err(e) => tracing::warn!(error = %e, "sweeping expired staged deliveries"),
        }
    }

    /// Claims up to [`CLAIM_BATCH`] due jobs and delivers them side by side (the jobs of one
    /// submission that must wait for another say so themselves: `Later`); false when there was
    /// none.
    pub async fn run_one(&self) -> Result<bool, sqlx::Error> {
        let jobs = self.store.claim_jobs(LEASE_MS, CLAIM_BATCH as i64).await?;
        if jobs.is_empty() {
            return Ok(false);
        }
        if jobs.len() == CLAIM_BATCH {
            // More may be waiting: another idle worker may take the next batch meanwhile.
            self.wake();
        }
        // Side by side in this task, each polled only when it can go on (join_all would poll all
        // sixteen at every wake-up of any one of them).
        use futures_util::StreamExt as _;
        let mut under_way: futures_util::stream::FuturesUnordered<_> =
            jobs.iter().map(|j| self.run_job(j)).collect();
        let mut failed = None;
        while let Some(done) = under_way.next().await {
            if let Err(e) = done {
                failed.get_or_insert(e);
            }
        }
        match failed {
            Some(e) => Err(e),
            None => Ok(true),
        }
    }

    /// Delivers one claimed job and records how it went.
    async fn run_job(&self, job: &Job) -> Result<(), sqlx::Error> {
        let start = std::time::Instant::now();
        let result = self.handle(job).await;
        let now = now_ms();
        let outcome = match &result {
            Ok(Step::Done(_)) => "done",
            Ok(Step::Later(_)) => "not_ready",
            Err(e) if e.is_retryable() && job.attempts < MAX_ATTEMPTS => "retry",
            Err(_) => "parked",
        };
        metrics::counter!("tasteskjema_outbox_attempts_total", "kind" => job.kind.as_str(), "outcome" => outcome)
            .increment(1);
        metrics::histogram!("tasteskjema_outbox_attempt_duration_seconds", "kind" => job.kind.as_str())
            .record(start.elapsed().as_secs_f64());
        match result {
            Ok(Step::Done(next)) => {
                self.store.finish_job(job, next).await?;
                if !next.is_empty() {
                    self.wake();
                }
                tracing::debug!(job = job.id, kind = %job.kind, "delivered");
            }
            Ok(Step::Later(after)) => {
                self.store
                    .postpone_job(job, now + after.as_millis() as i64)
                    .await?;
            }
            Err(e) if e.is_retryable() && job.attempts < MAX_ATTEMPTS => {
                let wait = backoff(job.attempts);
                tracing::info!(job = job.id, kind = %job.kind, attempts = job.attempts, error = %e, "delivery failed; retrying");
                self.store
                    .retry_job(job, now + wait.as_millis() as i64, &e.to_string())
                    .await?;
            }
            Err(e) => {
                tracing::error!(job = job.id, kind = %job.kind, attempts = job.attempts, error = %e, "delivery parked");
                self.store.park_job(job, &e.to_string()).await?;
            }
        }
        Ok(())
    }

    async fn files(
        &self,
        submission: &str,
    ) -> Result<Vec<crate::store::AttachmentRow>, DeliveryError> {
        self.store
            .attachments_of_submission(submission)
            .await
            .map_err(|e| DeliveryError::Retryable(format!("database: {e}")))
    }

    /// Fetches and keeps each document a decision issued that is not kept already.
    async fn keep_documents(
        &self,
        area: &str,
        submission: &str,
        f: &Feedback,
    ) -> Result<(), DeliveryError> {
        let Some(v) = &f.vedtak else {
            return Ok(());
        };
        let db = |e: sqlx::Error| DeliveryError::Retryable(format!("database: {e}"));
        let kept = self
            .store
            .feedback_documents(submission)
            .await
            .map_err(db)?;
        for d in &v.dokumenter {
            if kept.iter().any(|k| k.id == d.id) {
                continue;
            }
            let bytes = self.domain.document(area, submission, d).await?;
            let row = crate::store::DocumentRow {
                submission_id: submission.to_owned(),
                id: d.id.clone(),
                name: d.filnavn.trim().to_owned(),
                media_type: d.mediatype.clone(),
                size: d.storrelse,
                sha256: d.sha256.to_ascii_lowercase(),
            };
            self.store
                .put_feedback_document(&row, &bytes)
                .await
                .map_err(db)?;
        }
        Ok(())
    }

    async fn handle(&self, job: &Job) -> Result<Step, DeliveryError> {
        // Only the domain system is sent the document; the other jobs read the row without it.
        let s = self
            .store
            .submission_to_deliver(&job.submission_id, job.kind == JobKind::Domain)
            .await
            .map_err(|e| DeliveryError::Retryable(format!("database: {e}")))?
            .ok_or_else(|| DeliveryError::Unusable("no such submission".into()))?;
        let form = self
            .catalog
            .get(&s.form_id, &s.form_version)
            .ok_or_else(|| {
                DeliveryError::Unusable(format!("form {} {} is gone", s.form_id, s.form_version))
            })?
            .clone();
        match job.kind {
            JobKind::Domain => {
                // The files first: the domain system takes a submission only with all of them.
                for file in self.files(&s.id).await? {
                    let bytes = self.store.attachment_bytes(&file);
                    self.domain
                        .put_attachment(&form.area, &s.id, &file, bytes)
                        .await?;
                }
                self.domain.deliver(&form.area, &s, &self.store).await?;
                Ok(Step::Done(&[JobKind::Feedback]))
            }
            JobKind::Feedback => match self.domain.feedback(&form.area, &s.id).await? {
                Poll::Pending => Ok(Step::Later(poll_after(now_ms() - job.created_at))),
                Poll::Ready(mut f) => {
                    // The documents the decision issued first: the feedback is stored once
                    // they are all kept, so whoever sees the decision can open them.
                    self.keep_documents(&form.area, &s.id, &f).await?;
                    f.transmission_id = Some(uuid::Uuid::now_v7().to_string());
                    let text = serde_json::to_string(&f)
                        .map_err(|e| DeliveryError::Unusable(e.to_string()))?;
                    self.store
                        .set_feedback(&s.id, f.submission_status(), &text)
                        .await
                        .map_err(|e| DeliveryError::Retryable(format!("database: {e}")))?;
                    Ok(Step::Done(&[JobKind::DialogportenFeedback]))
                }
            },
            JobKind::Dialogporten => match &self.inbox {
                Some(inbox) => {
                    let files = self.files(&s.id).await?;
                    inbox.submission(&s, &form, &files).await?;
                    Ok(Step::Done(&[]))
                }
                None => Ok(Step::Done(&[])),
            },
            JobKind::DialogportenFeedback => {
                let Some(inbox) = &self.inbox else {
                    return Ok(Step::Done(&[]));
                };
                // The feedback is related to the submission's transmission: that goes first.
                let jobs = self
                    .store
                    .jobs_of(&s.id)
                    .await
                    .map_err(|e| DeliveryError::Retryable(format!("database: {e}")))?;
                if jobs
                    .iter()
                    .any(|j| j.kind == JobKind::Dialogporten && j.state != JobState::Done)
                {
                    return Ok(Step::Later(FEEDBACK_POLL));
                }
                let f: Feedback = s
                    .feedback
                    .as_deref()
                    .and_then(|t| serde_json::from_str(t).ok())
                    .ok_or_else(|| DeliveryError::Unusable("no feedback stored".into()))?;
                let documents = self
                    .store
                    .feedback_documents(&s.id)
                    .await
                    .map_err(|e| DeliveryError::Retryable(format!("database: {e}")))?;
                inbox.feedback(&s, &form, &f, &documents).await?;
                Ok(Step::Done(&[]))
            }
        }
    }
}

/// How long to wait before asking again for feedback that was not ready, when the feedback job was
/// added `waited_ms` ago.
fn poll_after(waited_ms: i64) -> Duration {
    Duration::from_millis((waited_ms.max(0) / 4) as u64).clamp(FEEDBACK_POLL, FEEDBACK_POLL_MAX)
}

/// How long to wait before try `attempts + 1`: 1 s doubling to at most 5 minutes, with ±20 %
/// jitter so that many jobs failing together do not retry together.
pub fn backoff(attempts: i64) -> Duration {
    let base = 1000u64
        .saturating_mul(1u64 << (attempts.clamp(1, 20) - 1))
        .min(300_000);
    let jitter = rand::rng().random_range(0.8..1.2);
    Duration::from_millis((base as f64 * jitter) as u64)
}

#[cfg(test)]
mod tests {
    use super::{backoff, poll_after};

    #[test]
    fn feedback_is_asked_for_less_often_the_longer_it_takes() {
        let s = |ms| poll_after(ms).as_millis();
        assert_eq!(s(0), 1000);
        assert_eq!(s(3_000), 1000);
        assert_eq!(s(60_000), 15_000);
        assert_eq!(s(3_600_000), 300_000);
        assert_eq!(s(-5), 1000, "a clock step back");
    }

    #[test]
    fn backoff_doubles_up_to_five_minutes() {
        let ms = |a| backoff(a).as_millis();
        assert!((800..=1200).contains(&ms(1)));
        assert!((1600..=2400).contains(&ms(2)));
        assert!((3200..=4800).contains(&ms(3)));
        assert!((240_000..=360_000).contains(&ms(15)));
        assert!((240_000..=360_000).contains(&ms(100)));
    }
}
