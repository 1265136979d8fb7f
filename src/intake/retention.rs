//! Personal data kept only as long as needed: one retention job, run by whichever node takes its
//! lease when it is due (every node tries; one runs), deleting
//!
//! - drafts not saved for `draft_days` (their area's, else the portal's), with their files;
//! - submissions received `submission_years` ago (their area's, else the portal's), with their
//!   files, once every delivery of theirs is done;
//! - audit rows older than `audit_years` (the database keeps any younger than a year);
//! - expired sessions.
//!
//! Each run is counted in the metrics and leaves an audit row with what it deleted.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::form::Catalog;
use crate::store::{Forms, Store};

/// How often a node looks whether the job is due.
const LOOK_EVERY: Duration = Duration::from_secs(60);
/// How long after a run the next is due.
pub const RUN_EVERY_MS: i64 = 60 * 60 * 1000;
/// How long a node holds the job while it runs (another takes it after that if this one died).
const LEASE_MS: i64 = 30 * 60 * 1000;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// A year, with its leap day on average.
const YEAR_MS: i64 = 365 * DAY_MS + DAY_MS / 4;

/// The portal's periods, where an area sets none.
#[derive(Debug, Clone, Copy)]
pub struct Periods {
    /// Drafts, in days since their last save.
    pub draft_days: u32,
    /// Submissions, in years since they were received.
    pub submission_years: u32,
    /// Audit rows, in years since they were written.
    pub audit_years: u32,
}

/// What one run deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    /// Drafts (with their files).
    pub drafts: u64,
    /// Submissions (with their files).
    pub submissions: u64,
    /// Audit rows.
    pub audit: u64,
    /// Expired sessions.
    pub sessions: u64,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "drafts={} submissions={} audit={} sessions={}",
            self.drafts, self.submissions, self.audit, self.sessions
        )
    }
}

/// The retention job.
pub struct Retention {
    store: Store,
    catalog: Arc<Catalog>,
    periods: Periods,
}

impl Retention {
    /// The job over `store`, with the areas' periods from `catalog`.
    pub fn new(store: Store, catalog: Arc<Catalog>, periods: Periods) -> Retention {
        Retention {
            store,
            catalog,
            periods,
        }
    }

    /// The portal's periods (where an area sets none).
    pub fn periods(&self) -> Periods {
        self.periods
    }

    /// The days a draft of `form_id` is kept after its last save.
    pub fn draft_days(&self, form_id: &str) -> u32 {
        self.area_of(form_id)
            .and_then(|a| a.retention.draft_days)
            .unwrap_or(self.periods.draft_days)
    }

    /// When a draft of `form_id` last saved at `updated_at` (unix ms) will be deleted.
    pub fn draft_deleted_at(&self, form_id: &str, updated_at: i64) -> i64 {
        updated_at + i64::from(self.draft_days(form_id)) * DAY_MS
    }

    fn area_of(&self, form_id: &str) -> Option<&crate::form::definition::Area> {
        let form = self.catalog.latest(form_id)?;
        self.catalog.areas.iter().find(|a| a.id == form.area)
    }

    /// The forms grouped by their own period (`None`: the portal's), for one kind of record.
    fn groups(
        &self,
        own: impl Fn(&crate::form::definition::Area) -> Option<u32>,
    ) -> BTreeMap<Option<u32>, Vec<&str>> {
        let mut groups: BTreeMap<Option<u32>, Vec<&str>> = BTreeMap::new();
        for id in self.catalog.forms.keys() {
            let period = self.area_of(id).and_then(&own);
            groups.entry(period).or_default().push(id.as_str());
        }
        groups
    }

    /// Deletes everything whose time has come, now; in batches until nothing is left.
    pub async fn run(&self, now: i64) -> Result<Report, sqlx::Error> {
        let mut report = Report::default();
        let drafts = self.groups(|a| a.retention.draft_days);
        for (days, forms) in periods(&drafts, self.periods.draft_days, &mut Vec::new()) {
            let before = now - i64::from(days) * DAY_MS;
            while let n @ 1.. = self.store.delete_drafts_before(forms, before).await? {
                report.drafts += n;
            }
        }
        let submissions = self.groups(|a| a.retention.submission_years);
        let p = self.periods.submission_years;
        for (years, forms) in periods(&submissions, p, &mut Vec::new()) {
            let before = now - i64::from(years) * YEAR_MS;
            while let n @ 1.. = self.store.delete_submissions_before(forms, before).await? {
                report.submissions += n;
            }
        }
        report.audit = self
            .store
            .delete_audit_before(now - i64::from(self.periods.audit_years.max(1)) * YEAR_MS)
            .await?;
        report.sessions = self.store.delete_expired_sessions().await?;
        Ok(report)
    }

    /// Runs the job if it is due and this node gets its lease; the report when it ran.
    pub async fn run_if_due(&self) -> Result<Option<Report>, sqlx::Error> {
        if !self.store.claim_periodic("retention", LEASE_MS).await? {
            return Ok(None);
        }
        let started = std::time::Instant::now();
        let now = crate::clock::now_ms();
        let result = self.run(now).await;
        let summary = match &result {
            Ok(r) => r.to_string(),
            Err(e) => format!("failed: {e}"),
        };
        // Failed or not, due again after the usual wait: a failing run is seen in the logs,
        // the metrics and the audit row, and not retried in a tight loop.
        self.store
            .finish_periodic("retention", now + RUN_EVERY_MS, &summary)
            .await?;
        self.store.audit_retention(&summary).await?;
        metrics::histogram!("tasteskjema_retention_run_duration_seconds")
            .record(started.elapsed().as_secs_f64());
        metrics::gauge!("tasteskjema_retention_last_run_timestamp_seconds")
            .set(now as f64 / 1000.0);
        let report = result?;
        for (what, n) in [
            ("drafts", report.drafts),
            ("submissions", report.submissions),
            ("audit", report.audit),
            ("sessions", report.sessions),
        ] {
            metrics::counter!("tasteskjema_retention_deleted_total", "what" => what).increment(n);
        }
        tracing::info!(%report, "retention run");
        Ok(Some(report))
    }

    /// Looks every minute whether the job is due, forever.
    pub fn spawn(self: Arc<Self>) {
        tokio::spawn(async move {
            loop {
                if let Err(e) = self.run_if_due().await {
                    tracing::warn!(error = %e, "retention run failed");
                    metrics::counter!("tasteskjema_retention_failures_total").increment(1);
                }
                tokio::time::sleep(LOOK_EVERY).await;
            }
        });
    }
}

/// Each period with its forms: the forms with a period of their own, then every other form (those
/// no longer in the catalogue included) with the portal's `default`. `overridden` holds the
/// forms the last group leaves out.
fn periods<'a>(
    groups: &'a BTreeMap<Option<u32>, Vec<&'a str>>,
    default: u32,
    overridden: &'a mut Vec<&'a str>,
) -> Vec<(u32, Forms<'a>)> {
    let own: Vec<(u32, &'a Vec<&'a str>)> = groups
        .iter()
        .filter_map(|(p, ids)| p.map(|p| (p, ids)))
        .collect();
    overridden.extend(own.iter().flat_map(|(_, ids)| ids.iter().copied()));
    let mut out: Vec<(u32, Forms<'a>)> = own
        .into_iter()
        .map(|(p, ids)| (p, Forms::Only(ids)))
        .collect();
    out.push((default, Forms::AllBut(overridden)));
    out
}
