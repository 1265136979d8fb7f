//! Submissions, their receipts and their outbox jobs.

use super::spooled::DocumentText;
use super::{Actor, Db, Error, JobKind, Owner, Store, SubmissionStatus, audit_in};

/// A submission to store, with everything its receipt says.
#[derive(Debug, Clone)]
pub struct NewSubmission<'a> {
    /// UUID.
    pub id: &'a str,
    /// The receipt's reference.
    pub reference: &'a str,
    /// Per channel: `draft:<id>` or `api:<party>:<key>`.
    pub idempotency_key: &'a str,
    /// Form id.
    pub form_id: &'a str,
    /// Form version.
    pub form_version: &'a str,
    /// `org:<orgnr>` or `person:<pid>`.
    pub party: &'a str,
    /// `person:<pid>` or `systemuser:<uuid>`.
    pub submitter: &'a str,
    /// The party's name then, if known (an organisation's or a person's).
    pub party_name: Option<&'a str>,
    /// The submitter's name then, if known: the person's (browser), the end-user system's (API).
    pub submitter_name: Option<&'a str>,
    /// `browser` or `api`.
    pub channel: &'a str,
    /// `nb`, `nn` or `en`.
    pub lang: &'a str,
    /// Canonical JSON: one value, or (a large delivery's) pieces from a spool file.
    pub document: DocumentText<'a>,
    /// SHA-256 of the document.
    pub sha256: &'a str,
    /// Dialogporten dialog id.
    pub dialog_id: &'a str,
    /// Dialogporten transmission id.
    pub transmission_id: &'a str,
    /// The answer to give (again) for this submission, as JSON.
    pub response: &'a str,
    /// Outbox jobs to create, by kind.
    pub jobs: &'a [JobKind],
    /// When it was received (unix milliseconds).
    pub created_at: i64,
    /// A draft that becomes this submission: deleted in the same transaction, if it is still the
    /// owner's at this version.
    pub draft: Option<(&'a Owner, &'a str, i64)>,
    /// The draft or API call whose checked files become the submission's.
    pub attachments_from: Option<&'a str>,
    /// A staged delivery (id, number of sub-forms) that becomes this submission: confirmed in the
    /// same transaction, if it is still open, unexpired and has that many sub-forms.
    pub staged: Option<(&'a str, i64)>,
}

/// What happened to an insert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    /// Stored, with its jobs.
    New,
    /// A submission with the same idempotency key exists; nothing was written.
    KeyTaken,
    /// The reference was taken (very rare): try again with another.
    ReferenceTaken,
    /// The draft was changed or removed since it was read; nothing was written.
    DraftChanged,
    /// The staged delivery was confirmed, expired or got another sub-form since it was read;
    /// nothing was written.
    StagedChanged,
}

/// A stored submission.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SubmissionRow {
    /// UUID.
    pub id: String,
    /// The receipt's reference.
    pub reference: String,
    /// Its idempotency key.
    pub idempotency_key: String,
    /// Form id.
    pub form_id: String,
    /// Form version.
    pub form_version: String,
    /// The party.
    pub party: String,
    /// The submitter.
    pub submitter: String,
    /// The party's name when it was received, if known.
    pub party_name: Option<String>,
    /// The submitter's name when it was received, if known: the person's or the end-user
    /// system's.
    pub submitter_name: Option<String>,
    /// `browser` or `api`.
    pub channel: String,
    /// The language it was given in: `nb`, `nn` or `en`.
    pub lang: String,
    /// Canonical JSON.
    pub document: String,
    /// SHA-256 of the document.
    pub sha256: String,
    /// Dialogporten dialog id.
    pub dialog_id: String,
    /// Dialogporten transmission id.
    pub transmission_id: String,
    /// The first answer given, as JSON.
    pub response: String,
    /// Where it stands with the domain system.
    #[sqlx(try_from = "String")]
    pub status: SubmissionStatus,
    /// The domain system's feedback, as JSON.
    pub feedback: Option<String>,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Unix milliseconds.
    pub updated_at: i64,
}

const COLUMNS: &str = "id, reference, idempotency_key, form_id, form_version, party, submitter, channel, \
                       lang, document, sha256, dialog_id, transmission_id, response, status, feedback, created_at, updated_at, \
                       party_name, submitter_name";

/// The columns as read: a document stored in pieces is put together again (in the order of its
/// pieces; `string_agg` with `ORDER BY` is the same on SQLite 3.44+ and PostgreSQL).
fn read_columns() -> &'static str {
    static COLUMNS_READ: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        COLUMNS.replacen(
            "document,",
            "COALESCE((SELECT string_agg(p.text, '' ORDER BY p.seq) FROM submission_pieces p \
             WHERE p.submission_id = submissions.id), submissions.document) AS document,",
            1,
        )
    });
    &COLUMNS_READ
}

/// The columns as stored: `document` is empty where the document is stored in pieces, which
/// [`Store::write_pieces`] then reads one at a time (a receipt shows a large document without
/// holding its text).
const STORED: &str = COLUMNS;

/// One piece of a document stored in pieces.
const PIECE_SQL: &str = "SELECT text FROM submission_pieces WHERE submission_id = $1 AND seq = $2";

/// The columns as read, but for the document (empty): where only the receipt is wanted.
fn without_document() -> &'static str {
    static COLUMNS_SHORT: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| COLUMNS.replacen("document,", "'' AS document,", 1));
    &COLUMNS_SHORT
}

/// What the caseworkers' search asks for.
#[derive(Debug, Clone, Default)]
pub struct SubmissionQuery<'a> {
    /// Only submissions of these forms (an employee's areas); none gives nothing.
    pub forms: &'a [String],
    /// The receipt's reference.
    pub reference: Option<&'a str>,
    /// The Dialogporten transmission id (the API's `forsendelseId`).
    pub transmission_id: Option<&'a str>,
    /// The party key, e.g. `org:819897522`.
    pub party: Option<&'a str>,
    /// One form.
    pub form_id: Option<&'a str>,
    /// `browser` or `api`.
    pub channel: Option<&'a str>,
    /// Received at or after (unix milliseconds).
    pub from_ms: Option<i64>,
    /// Received before (unix milliseconds).
    pub to_ms: Option<i64>,
    /// At most this many, newest first.
    pub limit: i64,
}

pub(super) fn unique_violation_on(e: &Error, column: &str) -> bool {
    match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            d.message().contains(column) || d.constraint().is_some_and(|c| c.contains(column))
        }
        _ => false,
    }
}

impl Store {
    /// Stores a submission, its receipt and its outbox jobs in one transaction (and removes the
    /// draft it came from, if any), with an audit row.
    pub async fn insert_submission(
        &self,
        s: &NewSubmission<'_>,
        actor: &Actor<'_>,
        request_id: &str,
    ) -> Result<Inserted, Error> {
        let _turn = self.write_turn().await;
        let now = s.created_at;
        let insert = format!(
            "INSERT INTO submissions ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, '{}', NULL, $15, $15, $16, $17)",
            SubmissionStatus::Received
        );
        let job = "INSERT INTO outbox (submission_id, kind, state, attempts, next_at, created_at) \
                   VALUES ($1, $2, 'pending', 0, $3, $3)";
        let consume =
            "DELETE FROM drafts WHERE id = $1 AND person = $2 AND party = $3 AND version = $4";
        if let Some((_, draft, _)) = s.draft {
            self.drafts.forget(draft);
        }
        let result: Result<Inserted, Error> = on_pool!(&self.db, |p| {
            let mut tx = p.begin().await?;
            if let Some((owner, draft, version)) = s.draft {
                let n = sqlx::query(consume)
                    .bind(draft)
                    .bind(owner.person())
                    .bind(owner.party())
                    .bind(version)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n != 1 {
                    return Ok(Inserted::DraftChanged);
                }
            }
            let r = sqlx::query(&insert)
                .bind(s.id)
                .bind(s.reference)
                .bind(s.idempotency_key)
                .bind(s.form_id)
                .bind(s.form_version)
                .bind(s.party)
                .bind(s.submitter)
                .bind(s.channel)
                .bind(s.lang)
                .bind(match s.document {
                    DocumentText::Whole(t) => t,
                    DocumentText::Spooled(_) => "",
                })
                .bind(s.sha256)
                .bind(s.dialog_id)
                .bind(s.transmission_id)
                .bind(s.response)
                .bind(now)
                .bind(s.party_name)
                .bind(s.submitter_name)
                .execute(&mut *tx)
                .await;
            match r {
                Err(e) if unique_violation_on(&e, "idempotency_key") => {
                    return Ok(Inserted::KeyTaken);
                }
                Err(e) if unique_violation_on(&e, "reference") => {
                    return Ok(Inserted::ReferenceTaken);
                }
                r => r?,
            };
            if let DocumentText::Spooled(text) = s.document {
                for (seq, piece) in text.pieces().enumerate() {
                    sqlx::query(
                        "INSERT INTO submission_pieces (submission_id, seq, text) VALUES ($1, $2, $3)",
                    )
                    .bind(s.id)
                    .bind(seq as i64)
                    .bind(piece?)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            if let Some((delivery, parts)) = s.staged {
                let n = sqlx::query(&super::staged::confirm_sql())
                    .bind(s.id)
                    .bind(delivery)
                    .bind(parts)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n != 1 {
                    return Ok(Inserted::StagedChanged);
                }
            }
            if let Some(holder) = s.attachments_from {
                sqlx::query(
                    "UPDATE attachments SET submission_id = $1, draft_id = NULL \
                     WHERE draft_id = $2 AND status = 'clean'",
                )
                .bind(s.id)
                .bind(holder)
                .execute(&mut *tx)
                .await?;
                // What is left was refused by the scanner: it goes with the draft.
                sqlx::query("DELETE FROM attachments WHERE draft_id = $1")
                    .bind(holder)
                    .execute(&mut *tx)
                    .await?;
            }
            for kind in s.jobs {
                sqlx::query(job)
                    .bind(s.id)
                    .bind(kind.as_str())
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            audit_in(&mut *tx, "submission.received", actor, s.id, request_id).await?;
            tx.commit().await.map(|_| Inserted::New)
        });
        result
    }

    /// The submission with this idempotency key.
    pub async fn submission_by_key(&self, key: &str) -> Result<Option<SubmissionRow>, Error> {
        self.by_key(key, read_columns()).await
    }

    /// The submission with this idempotency key, without its document (`document` is empty):
    /// what a repeat is answered with, however large the document.
    pub async fn receipt_by_key(&self, key: &str) -> Result<Option<SubmissionRow>, Error> {
        self.by_key(key, without_document()).await
    }

    async fn by_key(&self, key: &str, columns: &str) -> Result<Option<SubmissionRow>, Error> {
        let sql = format!("SELECT {columns} FROM submissions WHERE idempotency_key = $1");
        on_pool!(&self.db, |p| sqlx::query_as::<_, SubmissionRow>(&sql)
            .bind(key)
            .fetch_optional(p)
            .await)
    }

    /// A submission by id, for a party (the API: whoever may act for the party may read it).
    /// As stored (see [`STORED`]).
    pub async fn submission_of_party(
        &self,
        id: &str,
        party: &str,
    ) -> Result<Option<SubmissionRow>, Error> {
        let sql = format!(
            "SELECT {} FROM submissions WHERE id = $1 AND party = $2",
            STORED
        );
        on_pool!(&self.db, |p| sqlx::query_as::<_, SubmissionRow>(&sql)
            .bind(id)
            .bind(party)
            .fetch_optional(p)
            .await)
    }

    /// A submission by its Dialogporten transmission id (the API's `forsendelseId`), for a party.
    pub async fn submission_by_transmission(
        &self,
        transmission_id: &str,
        party: &str,
    ) -> Result<Option<SubmissionRow>, Error> {
        self.by_transmission(transmission_id, party, read_columns())
            .await
    }

    async fn by_transmission(
        &self,
        transmission_id: &str,
        party: &str,
        columns: &str,
    ) -> Result<Option<SubmissionRow>, Error> {
        let sql =
            format!("SELECT {columns} FROM submissions WHERE transmission_id = $1 AND party = $2");
        on_pool!(&self.db, |p| sqlx::query_as::<_, SubmissionRow>(&sql)
            .bind(transmission_id)
            .bind(party)
            .fetch_optional(p)
            .await)
    }

    /// A submission by id, for the person who sent it and the party it was for (the browser).
    /// As stored (see [`STORED`]).
    pub async fn submission_of(
        &self,
        owner: &Owner,
        id: &str,
    ) -> Result<Option<SubmissionRow>, Error> {
        let sql = format!(
            "SELECT {} FROM submissions WHERE id = $1 AND submitter = $2 AND party = $3",
            STORED
        );
        on_pool!(&self.db, |p| sqlx::query_as::<_, SubmissionRow>(&sql)
            .bind(id)
            .bind(format!("person:{}", owner.person()))
            .bind(owner.party())
            .fetch_optional(p)
            .await)
    }

    /// The person's submissions for the party, newest first, without their documents (a list
    /// shows none, and one may be large).
    pub async fn submissions_of(&self, owner: &Owner) -> Result<Vec<SubmissionRow>, Error> {
        let sql = format!(
            "SELECT {} FROM submissions WHERE submitter = $1 AND party = $2 ORDER BY created_at DESC, id",
            without_document()
        );
        on_pool!(&self.db, |p| sqlx::query_as::<_, SubmissionRow>(&sql)
            .bind(format!("person:{}", owner.person()))
            .bind(owner.party())
            .fetch_all(p)
            .await)
    }

    /// The caseworkers' search: submissions of the given forms only (the employee's areas), newest
    /// first, narrowed by whatever else the query names; without their documents.
    pub async fn search_submissions(
        &self,
        q: &SubmissionQuery<'_>,
    ) -> Result<Vec<SubmissionRow>, Error> {
        if q.forms.is_empty() {
            return Ok(Vec::new());
        }
        enum Arg<'a> {
            Text(&'a str),
            Number(i64),
        }
        let mut args: Vec<Arg> = q.forms.iter().map(|f| Arg::Text(f)).collect();
        let list: Vec<String> = (1..=args.len()).map(|i| format!("${i}")).collect();
        let mut conditions = vec![format!("form_id IN ({})", list.join(", "))];
        let mut narrowing: Vec<(&str, &str, Arg)> = [
            ("reference", q.reference),
            ("transmission_id", q.transmission_id),
            ("party", q.party),
            ("form_id", q.form_id),
            ("channel", q.channel),
        ]
        .into_iter()
        .filter_map(|(column, value)| value.map(|v| (column, "=", Arg::Text(v))))
        .collect();
        if let Some(from) = q.from_ms {
            narrowing.push(("created_at", ">=", Arg::Number(from)));
        }
        if let Some(to) = q.to_ms {
            narrowing.push(("created_at", "<", Arg::Number(to)));
        }
        for (column, op, arg) in narrowing {
            conditions.push(format!("{column} {op} ${}", args.len() + 1));
            args.push(arg);
        }
        let sql = format!(
            "SELECT {} FROM submissions WHERE {} ORDER BY created_at DESC, id LIMIT {}",
            without_document(),
            conditions.join(" AND "),
            q.limit.max(1)
        );
        on_pool!(&self.db, |p| {
            let mut query = sqlx::query_as::<_, SubmissionRow>(&sql);
            for a in &args {
                query = match a {
                    Arg::Text(t) => query.bind(*t),
                    Arg::Number(n) => query.bind(*n),
                };
            }
            query.fetch_all(p).await
        })
    }

    /// A submission as the outbox delivers it: with its document as stored (see [`STORED`])
    /// only when `with_document` (the other deliveries do not send it, and it may be large);
    /// else `document` is empty.
    pub async fn submission_to_deliver(
        &self,
        id: &str,
        with_document: bool,
    ) -> Result<Option<SubmissionRow>, Error> {
        let columns = if with_document {
            STORED
        } else {
            without_document()
        };
        self.by_id(id, columns).await
    }

    /// A submission by id alone, as stored (a document stored in pieces left out: see
    /// [`STORED`]): what a caseworker reads through the areas they may read.
    pub async fn submission_stored(&self, id: &str) -> Result<Option<SubmissionRow>, Error> {
        self.by_id(id, STORED).await
    }

    /// As [`Store::submission_by_transmission`], as stored (see [`STORED`]).
    pub async fn receipt_by_transmission(
        &self,
        transmission_id: &str,
        party: &str,
    ) -> Result<Option<SubmissionRow>, Error> {
        self.by_transmission(transmission_id, party, STORED).await
    }

    /// Writes the pieces of a submission's document to `out` in order, one read at a time, and
    /// says how many there were (none: the document is in its row).
    pub async fn write_pieces(
        &self,
        id: &str,
        out: &mut (dyn std::io::Write + Send),
    ) -> Result<usize, Error> {
        // On one connection: each keeps a buffer as large as the largest answer it read.
        on_pool!(&self.db, |p| {
            let mut c = p.acquire().await?;
            let mut seq = 0;
            loop {
                let piece: Option<(String,)> = sqlx::query_as(PIECE_SQL)
                    .bind(id)
                    .bind(seq as i64)
                    .fetch_optional(&mut *c)
                    .await?;
                let Some((text,)) = piece else {
                    break Ok(seq);
                };
                out.write_all(text.as_bytes()).map_err(Error::Io)?;
                seq += 1;
            }
        })
    }

    /// Piece `seq` (from 0) of a submission's document stored in pieces.
    pub async fn piece(&self, id: &str, seq: usize) -> Result<Option<String>, Error> {
        let piece: Option<(String,)> = on_pool!(&self.db, |p| sqlx::query_as(PIECE_SQL)
            .bind(id)
            .bind(seq as i64)
            .fetch_optional(p)
            .await)?;
        Ok(piece.map(|(t,)| t))
    }

    /// A submission by id alone: for support tooling, workers and tests, never for a request made
    /// on a user's behalf.
    pub async fn submission_without_owner_check(
        &self,
        id: &str,
    ) -> Result<Option<SubmissionRow>, Error> {
        self.by_id(id, read_columns()).await
    }

    async fn by_id(&self, id: &str, columns: &str) -> Result<Option<SubmissionRow>, Error> {
        let sql = format!("SELECT {columns} FROM submissions WHERE id = $1");
        on_pool!(&self.db, |p| sqlx::query_as::<_, SubmissionRow>(&sql)
            .bind(id)
            .fetch_optional(p)
            .await)
    }
}
