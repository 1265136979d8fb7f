//! Deliveries an API takes in steps (the aksjonærregisteroppgave): a main form opens one, each
//! sub-form is added to it, and the confirmation turns it into one submission in the transaction
//! that stores the submission (`NewSubmission::staged`). An open delivery not confirmed in time is
//! deleted by [`Store::delete_expired_staged`], which the outbox workers call.
//!
//! Every step is idempotent by its key: the same key with the same body gives the first answer,
//! the same key with anything else is [`Step::KeyTaken`].

use super::{Actor, Db, Error, Store, audit_in, submissions::unique_violation_on};

/// An open delivery to store, with its main form.
#[derive(Debug, Clone)]
pub struct NewStaged<'a> {
    /// UUID: the delivery's and its main form's id.
    pub id: &'a str,
    /// Form id.
    pub form_id: &'a str,
    /// Form version.
    pub form_version: &'a str,
    /// `org:<orgnr>`.
    pub party: &'a str,
    /// `systemuser:<uuid>`.
    pub submitter: &'a str,
    /// The income year in its address.
    pub year: i64,
    /// The main form as the form's JSON document.
    pub document: &'a str,
    /// The step's key, `api:<party>:<form>:<key>`.
    pub key: &'a str,
    /// SHA-256 of the body as given.
    pub sha256: &'a str,
    /// The main form as given.
    pub body: &'a str,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Gone after this, unless confirmed (unix milliseconds).
    pub expires_at: i64,
}

/// A sub-form to add to an open delivery.
#[derive(Debug, Clone)]
pub struct NewPart<'a> {
    /// UUID: the sub-form's id.
    pub id: &'a str,
    /// The delivery's id.
    pub delivery: &'a str,
    /// The party asking: another party's delivery is not found.
    pub party: &'a str,
    /// The step's key, `api:<party>:<form>:<key>`.
    pub key: &'a str,
    /// SHA-256 of the body as given.
    pub sha256: &'a str,
    /// The sub-form as given.
    pub body: &'a str,
    /// The sub-form as its part of the form's JSON document.
    pub document: &'a str,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// A staged delivery as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StagedRow {
    /// UUID.
    pub id: String,
    /// Form id.
    pub form_id: String,
    /// Form version.
    pub form_version: String,
    /// `org:<orgnr>`.
    pub party: String,
    /// Who opened it.
    pub submitter: String,
    /// The income year in its address.
    pub year: i64,
    /// The main form as the form's JSON document.
    pub document: String,
    /// Sub-forms received so far.
    pub parts: i64,
    /// `open` or `confirmed`.
    pub state: String,
    /// The submission it became, once confirmed.
    pub submission_id: Option<String>,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Unix milliseconds.
    pub expires_at: i64,
}

impl StagedRow {
    /// Confirmed into a submission.
    pub fn is_confirmed(&self) -> bool {
        self.state == CONFIRMED
    }

    /// Open, but past its time: it answers as gone until the sweep deletes it.
    pub fn is_expired(&self, now_ms: i64) -> bool {
        !self.is_confirmed() && self.expires_at <= now_ms
    }
}

/// One document of a staged delivery, as given.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PartRow {
    /// UUID.
    pub id: String,
    /// 0 for the main form, then 1, 2, … in the order received.
    pub seq: i64,
    /// SHA-256 of the body.
    pub sha256: String,
    /// As given.
    pub body: String,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// What came of a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Stored now, with this id.
    New(String),
    /// Stored before under the same key with the same body: its id.
    Repeat(String),
    /// The key was used for another body or another step.
    KeyTaken,
    /// The delivery is not open (confirmed, expired or not this party's): nothing was stored.
    NotOpen,
}

const OPEN: &str = "open";
const CONFIRMED: &str = "confirmed";
const DELIVERY_COLUMNS: &str = "id, form_id, form_version, party, submitter, year, document, parts, state, \
                                submission_id, created_at, expires_at";

impl Store {
    /// The part stored under `key`: (its id, its delivery, its seq, its body's SHA-256).
    async fn part_by_key(&self, key: &str) -> Result<Option<(String, String, i64, String)>, Error> {
        let sql =
            "SELECT id, delivery_id, seq, sha256 FROM staged_parts WHERE idempotency_key = $1";
        on_pool!(&self.db, |p| sqlx::query_as(sql)
            .bind(key)
            .fetch_optional(p)
            .await)
    }

    /// The earlier answer to the step under `key`, if there was one: `seq_zero` for opening a
    /// delivery, else adding to `delivery`.
    async fn repeated_step(
        &self,
        key: &str,
        sha256: &str,
        delivery: Option<&str>,
    ) -> Result<Option<Step>, Error> {
        let Some((id, of, seq, sha)) = self.part_by_key(key).await? else {
            return Ok(None);
        };
        let same_step = match delivery {
            None => seq == 0,
            Some(d) => seq > 0 && of == d,
        };
        Ok(Some(if same_step && sha == sha256 {
            Step::Repeat(id)
        } else {
            Step::KeyTaken
        }))
    }

    /// Opens a delivery with its main form, with an audit row; a repeat of the same step gives
    /// the delivery opened then.
    pub async fn open_staged(
        &self,
        s: &NewStaged<'_>,
        actor: &Actor<'_>,
        request_id: &str,
    ) -> Result<Step, Error> {
        if let Some(done) = self.repeated_step(s.key, s.sha256, None).await? {
            return Ok(done);
        }
        let inserted = {
            let _turn = self.write_turn().await;
            let delivery = format!(
                "INSERT INTO staged_deliveries ({DELIVERY_COLUMNS}) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 0, '{OPEN}', NULL, $8, $9)"
            );
            let part = "INSERT INTO staged_parts (id, delivery_id, seq, idempotency_key, sha256, body, document, created_at) \
                        VALUES ($1, $1, 0, $2, $3, $4, NULL, $5)";
            // In a block of its own, so that a failure (a key taken meanwhile) is looked at here.
            let r: Result<(), Error> = on_pool!(&self.db, |p| async {
                let mut tx = p.begin().await?;
                sqlx::query(&delivery)
                    .bind(s.id)
                    .bind(s.form_id)
                    .bind(s.form_version)
                    .bind(s.party)
                    .bind(s.submitter)
                    .bind(s.year)
                    .bind(s.document)
                    .bind(s.created_at)
                    .bind(s.expires_at)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(part)
                    .bind(s.id)
                    .bind(s.key)
                    .bind(s.sha256)
                    .bind(s.body)
                    .bind(s.created_at)
                    .execute(&mut *tx)
                    .await?;
                audit_in(&mut *tx, "staged.opened", actor, s.id, request_id).await?;
                tx.commit().await
            }
            .await);
            r
        };
        match inserted {
            Ok(()) => Ok(Step::New(s.id.to_owned())),
            // Another request with the same key won the race.
            Err(e) if unique_violation_on(&e, "idempotency_key") => Ok(self
                .repeated_step(s.key, s.sha256, None)
                .await?
                .unwrap_or(Step::KeyTaken)),
            Err(e) => Err(e),
        }
    }

    /// Adds a sub-form to an open delivery of `party` that has not expired, with an audit row; a
    /// repeat of the same step gives the sub-form added then. The delivery's count of sub-forms
    /// goes up in the same transaction, so a confirmation made meanwhile for the old count fails.
    pub async fn add_staged_part(
        &self,
        s: &NewPart<'_>,
        actor: &Actor<'_>,
        request_id: &str,
    ) -> Result<Step, Error> {
        if let Some(done) = self
            .repeated_step(s.key, s.sha256, Some(s.delivery))
            .await?
        {
            return Ok(done);
        }
        let added = {
            let _turn = self.write_turn().await;
            let count = format!(
                "UPDATE staged_deliveries SET parts = parts + 1 \
                 WHERE id = $1 AND party = $2 AND state = '{OPEN}' AND expires_at > $3 RETURNING parts"
            );
            let part = "INSERT INTO staged_parts (id, delivery_id, seq, idempotency_key, sha256, body, document, created_at) \
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
            let r: Result<bool, Error> = on_pool!(&self.db, |p| async {
                let mut tx = p.begin().await?;
                let seq: Option<(i64,)> = sqlx::query_as(&count)
                    .bind(s.delivery)
                    .bind(s.party)
                    .bind(s.created_at)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some((seq,)) = seq else {
                    return Ok(false);
                };
                sqlx::query(part)
                    .bind(s.id)
                    .bind(s.delivery)
                    .bind(seq)
                    .bind(s.key)
                    .bind(s.sha256)
                    .bind(s.body)
                    .bind(s.document)
                    .bind(s.created_at)
                    .execute(&mut *tx)
                    .await?;
                audit_in(&mut *tx, "staged.part", actor, s.delivery, request_id).await?;
                tx.commit().await.map(|_| true)
            }
            .await);
            r
        };
        match added {
            Ok(true) => Ok(Step::New(s.id.to_owned())),
            Ok(false) => Ok(Step::NotOpen),
            Err(e) if unique_violation_on(&e, "idempotency_key") => Ok(self
                .repeated_step(s.key, s.sha256, Some(s.delivery))
                .await?
                .unwrap_or(Step::KeyTaken)),
            Err(e) => Err(e),
        }
    }

    /// A staged delivery of `party` (another party's is `None`, like a missing one).
    pub async fn staged(&self, id: &str, party: &str) -> Result<Option<StagedRow>, Error> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM staged_deliveries WHERE id = $1 AND party = $2"
        );
        on_pool!(&self.db, |p| sqlx::query_as::<_, StagedRow>(&sql)
            .bind(id)
            .bind(party)
            .fetch_optional(p)
            .await)
    }

    /// The documents of a delivery in order (main form first), `limit` from `offset`. The caller
    /// has checked that the delivery is the asker's.
    pub async fn staged_parts(
        &self,
        delivery: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<PartRow>, Error> {
        let sql = "SELECT id, seq, sha256, body, created_at FROM staged_parts \
                   WHERE delivery_id = $1 ORDER BY seq LIMIT $2 OFFSET $3";
        on_pool!(&self.db, |p| sqlx::query_as::<_, PartRow>(sql)
            .bind(delivery)
            .bind(limit)
            .bind(offset)
            .fetch_all(p)
            .await)
    }

    /// One document of a delivery. The caller has checked that the delivery is the asker's.
    pub async fn staged_part(&self, delivery: &str, id: &str) -> Result<Option<PartRow>, Error> {
        let sql = "SELECT id, seq, sha256, body, created_at FROM staged_parts \
                   WHERE delivery_id = $1 AND id = $2";
        on_pool!(&self.db, |p| sqlx::query_as::<_, PartRow>(sql)
            .bind(delivery)
            .bind(id)
            .fetch_optional(p)
            .await)
    }

    /// The sub-forms of a delivery as their parts of the form's JSON document, in the order
    /// received. The caller has checked that the delivery is the asker's.
    pub async fn staged_documents(&self, delivery: &str) -> Result<Vec<String>, Error> {
        let sql =
            "SELECT document FROM staged_parts WHERE delivery_id = $1 AND seq > 0 ORDER BY seq";
        let rows: Vec<(Option<String>,)> = on_pool!(&self.db, |p| sqlx::query_as(sql)
            .bind(delivery)
            .fetch_all(p)
            .await)?;
        Ok(rows.into_iter().filter_map(|(d,)| d).collect())
    }

    /// Deletes the open deliveries that expired before `now_ms`, with their documents; how many.
    /// One statement, so any number of processes may run it at once.
    pub async fn delete_expired_staged(&self, now_ms: i64) -> Result<u64, Error> {
        let _turn = self.write_turn().await;
        let sql =
            format!("DELETE FROM staged_deliveries WHERE state = '{OPEN}' AND expires_at <= $1");
        on_pool!(&self.db, |p| sqlx::query(&sql)
            .bind(now_ms)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
    }
}

/// The statement that closes a staged delivery in the transaction that stores its submission:
/// only if it is still open with the number of sub-forms confirmed, and not expired.
pub(super) fn confirm_sql() -> String {
    format!(
        "UPDATE staged_deliveries SET state = '{CONFIRMED}', submission_id = $1 \
         WHERE id = $2 AND state = '{OPEN}' AND parts = $3 AND expires_at > $4"
    )
}
