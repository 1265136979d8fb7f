//! All SQL, in one place, for SQLite and PostgreSQL. Queries are written once with `$N`
//! placeholders, which both backends understand, and run on whichever pool is configured.

use std::str::FromStr;
use std::time::Duration;

use serde_json::Value;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::clock::now_ms;
use crate::config::Secret;
use crate::form::document::Prefilled;

mod owner;
pub use owner::Owner;

/// The database behind the portal.
#[derive(Clone, Debug)]
pub enum Db {
    /// Embedded default.
    Sqlite(SqlitePool),
    /// Production.
    Postgres(PgPool),
}

/// Runs the same code on whichever pool is configured.
/// The advisory lock the nodes take in turn while they migrate a PostgreSQL database.
const MIGRATION_LOCK: i64 = 0x7461_7374_6573_6b6a; // "tasteskj"

macro_rules! on_pool {
    ($db:expr, |$p:ident| $body:expr) => {
        match $db {
            Db::Sqlite($p) => $body,
            Db::Postgres($p) => $body,
        }
    };
}

mod attachments;
mod documents;
mod draft_cache;
mod draft_saves;
mod listen;
mod outbox;
mod reports;
mod retention;
mod sessions;
mod sftp;
pub mod spooled;
mod staged;
mod stats;
mod status;
mod submissions;
pub use attachments::{AttachmentRow, Kept, NewAttachment};
pub use documents::DocumentRow;
pub use outbox::{Job, JobRow};
pub use retention::Forms;
pub use sessions::Sessions;
pub use sftp::{SftpFile, SftpKey};
pub use staged::{NewPart, NewStaged, PartRow, StagedRow, Step};
pub use stats::{JobCount, PoolFigures};
pub use status::{AttachmentStatus, JobKind, JobState, SubmissionStatus, UnknownValue};
pub use submissions::{Inserted, NewSubmission, SubmissionQuery, SubmissionRow};

/// A saved draft.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Draft {
    /// Draft id (a UUID).
    pub id: String,
    /// Form id.
    pub form_id: String,
    /// The form version it is pinned to.
    pub form_version: String,
    /// Optimistic-lock counter: every save adds one.
    pub version: i64,
    /// The answers, as the form's JSON document.
    #[sqlx(try_from = "String")]
    pub document: Json,
    /// The page last saved, to resume at.
    pub last_page: Option<String>,
    /// The answers it took from a public register when it started.
    #[sqlx(try_from = "Option<String>")]
    pub prefilled: PrefilledAnswers,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Unix milliseconds.
    pub updated_at: i64,
    /// Its attachments, when the caller loaded them.
    #[sqlx(skip)]
    pub files: Vec<AttachmentRow>,
}

/// A JSON document read from a text column.
#[derive(Debug, Clone, PartialEq)]
pub struct Json(pub Value);

impl TryFrom<String> for Json {
    type Error = serde_json::Error;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&s).map(Json)
    }
}

/// The answers a draft took from a public register when it started, read from a nullable text
/// column (none when it is NULL).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PrefilledAnswers(pub Vec<Prefilled>);

impl TryFrom<Option<String>> for PrefilledAnswers {
    type Error = serde_json::Error;
    fn try_from(s: Option<String>) -> Result<Self, Self::Error> {
        match s {
            None => Ok(PrefilledAnswers::default()),
            Some(s) => serde_json::from_str(&s).map(PrefilledAnswers),
        }
    }
}

/// What happened to a save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// Saved; the new version.
    Ok(i64),
    /// Someone saved a newer version first; nothing was written.
    Stale {
        /// The version now stored.
        current: i64,
    },
    /// No such draft for this owner.
    NotFound,
}

/// Storage errors; their text is logged, never shown.
pub type Error = sqlx::Error;

/// Whether an error means the database cannot be reached now (no connection within the pool's
/// wait, a connection lost or refused, the server shutting down or not yet accepting, a statement
/// cut off by its time limit), as opposed to a fault in what was asked. Callers answer the first
/// with 503 and `Retry-After`: trying again later is the right thing to do.
pub fn unavailable(e: &Error) -> bool {
    match e {
        Error::PoolTimedOut | Error::PoolClosed | Error::Io(_) | Error::WorkerCrashed => true,
        Error::Tls(_) => true,
        Error::Database(d) => d.code().is_some_and(|c| match c.parse::<u32>() {
            // SQLite's (extended) result codes: busy or locked past the busy timeout.
            Ok(n) if c.len() < 5 => matches!(n & 0xff, 5 | 6),
            // PostgreSQL's SQLSTATE. 08: connection exception; 57P01-57P03: shutting down,
            // crash, cannot connect now; 57014: query cancelled (statement_timeout); 53300: too
            // many connections.
            _ => c.starts_with("08") || c.starts_with("57P") || c == "57014" || c == "53300",
        }),
        _ => false,
    }
}

/// How long a client should wait before trying again after [`unavailable`], in seconds.
pub const RETRY_AFTER_S: u32 = 5;

/// The portal's storage.
#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
    /// SQLite has one writer at a time; writers that find it busy sleep and poll, which makes a
    /// long tail under load. Our own writers queue here instead, in order (PostgreSQL: unused).
    writes: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// How many of our writers wait in `writes` now (for the metrics).
    waiting: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    /// Attachment bytes go here when set, else into the database.
    attachment_dir: Option<std::path::PathBuf>,
    /// This node's cache of the people's sessions…
    people_sessions: std::sync::Arc<sessions::Cache>,
    /// …and of the employees'.
    employee_sessions: std::sync::Arc<sessions::Cache>,
    /// The drafts this node read or saved for a save, for the next save of each.
    drafts: std::sync::Arc<draft_cache::DraftCache>,
    /// The saves of drafts waiting to be written together.
    saves: std::sync::Arc<draft_saves::Queue>,
}

impl Store {
    /// Connects to the URL (`sqlite://…` or `postgres://…`) and runs the migrations, with no
    /// limit on a statement's time (the command-line tools: an audit export reads for as long
    /// as it takes).
    pub async fn connect(url: &Secret, max_connections: u32) -> Result<Store, Error> {
        Store::connect_with(url, max_connections, Duration::ZERO).await
    }

    /// As [`Store::connect`], with PostgreSQL's statements limited to `statement_timeout`
    /// (zero: no limit).
    /// PostgreSQL is also told to look for a peer that has gone (TCP keepalives from its side)
    /// and to end a session left inside a transaction for a minute (a node killed half way
    /// releases its locks).
    pub async fn connect_with(
        url: &Secret,
        max_connections: u32,
        statement_timeout: Duration,
    ) -> Result<Store, Error> {
        let url = url.expose();
        let db = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let opts = sqlx::postgres::PgConnectOptions::from_str(url)?.options([
                (
                    "statement_timeout",
                    format!("{}ms", statement_timeout.as_millis()),
                ),
                ("idle_in_transaction_session_timeout", "60s".to_owned()),
                ("tcp_keepalives_idle", "30".to_owned()),
                ("tcp_keepalives_interval", "10".to_owned()),
                ("tcp_keepalives_count", "3".to_owned()),
            ]);
            Db::Postgres(
                PgPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(opts)
                    .await?,
            )
        } else {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                // Under constant load readers keep the WAL from resetting; cap what it keeps.
                .pragma("journal_size_limit", "67108864")
                // Each write by one connection empties the page cache of every other; reading
                // the file through a mapping then costs no system call and no copy per page.
                .pragma("mmap_size", "268435456");
            Db::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(max_connections)
                    // A local file does not drop connections: skip the ping before each query.
                    .test_before_acquire(false)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(opts)
                    .await?,
            )
        };
        // One node uses an SQLite file: it makes every change itself, so its caches are live
        // from the start; on PostgreSQL only once `Store::listen` listens.
        let live = matches!(db, Db::Sqlite(_));
        let store = Store {
            db,
            writes: Default::default(),
            waiting: Default::default(),
            attachment_dir: None,
            people_sessions: sessions::Cache::new(live),
            employee_sessions: sessions::Cache::new(live),
            drafts: Default::default(),
            saves: Default::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Waits for the turn to write (SQLite only).
    async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        use std::sync::atomic::Ordering;
        /// Counts a waiting writer until its turn comes or it gives up (a cancelled request).
        struct Waiting<'a>(&'a std::sync::atomic::AtomicUsize);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::Relaxed);
            }
        }
        match self.db {
            Db::Sqlite(_) => {
                self.waiting.fetch_add(1, Ordering::Relaxed);
                let _waiting = Waiting(&self.waiting);
                Some(self.writes.lock().await)
            }
            Db::Postgres(_) => None,
        }
    }

    /// Our writers waiting for their turn now.
    fn writers_waiting(&self) -> usize {
        self.waiting.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Which backend is in use, for logs and health.
    pub fn backend(&self) -> &'static str {
        match self.db {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// This build's migrations for the backend in use.
    fn migrator(&self) -> sqlx::migrate::Migrator {
        match &self.db {
            Db::Sqlite(_) => sqlx::migrate!("migrations/sqlite"),
            Db::Postgres(_) => sqlx::migrate!("migrations/postgres"),
        }
    }

    async fn migrate(&self) -> Result<(), Error> {
        let migrator = self.migrator();
        match &self.db {
            Db::Sqlite(p) => {
                migrator.run(p).await?;
                self.migrate_sessions().await?;
            }
            Db::Postgres(p) => {
                // Nodes started at once take turns: the session stores' `CREATE … IF NOT
                // EXISTS` is not safe against itself run concurrently (PostgreSQL answers a
                // duplicate key in its catalogue), and sqlx's own lock covers its migrations only.
                // The session stores' tables come first: a migration puts a trigger on them.
                let mut c = p.acquire().await?;
                sqlx::query("SELECT pg_advisory_lock($1)")
                    .bind(MIGRATION_LOCK)
                    .execute(&mut *c)
                    .await?;
                // A migration (an index on a large table) may take longer than a request's
                // statement limit: none for it, then the connection's own again.
                let done = async {
                    self.migrate_sessions().await?;
                    sqlx::query("SET statement_timeout = 0")
                        .execute(&mut *c)
                        .await?;
                    migrator.run(&mut *c).await?;
                    sqlx::query("RESET statement_timeout")
                        .execute(&mut *c)
                        .await
                        .map(|_| ())
                }
                .await;
                let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
                    .bind(MIGRATION_LOCK)
                    .execute(&mut *c)
                    .await;
                done?;
                unlocked?;
            }
        }
        Ok(())
    }

    /// The two session stores' tables.
    async fn migrate_sessions(&self) -> Result<(), Error> {
        self.session_store().migrate().await?;
        self.employee_session_store().migrate().await?;
        Ok(())
    }

    /// How many of this build's migrations the database has not applied (0: current).
    pub async fn migrations_missing(&self) -> Result<usize, Error> {
        let sql = "SELECT version FROM _sqlx_migrations WHERE success";
        let applied: Vec<(i64,)> = on_pool!(&self.db, |p| sqlx::query_as(sql).fetch_all(p).await)?;
        Ok(self
            .migrator()
            .iter()
            .filter(|m| !m.migration_type.is_down_migration())
            .filter(|m| !applied.iter().any(|(v,)| *v == m.version))
            .count())
    }

    /// Answers when the database does.
    pub async fn health(&self) -> Result<(), Error> {
        on_pool!(&self.db, |p| sqlx::query("SELECT 1")
            .execute(p)
            .await
            .map(|_| ()))
    }

    /// The people's session store on the same database, with this node's cache of it.
    pub fn session_store(&self) -> Sessions {
        Sessions::new(&self.db, sessions::PEOPLE, self.people_sessions.clone())
    }

    /// The employees' session store: a table of its own, so that a session id of one side is
    /// never a session of the other.
    pub fn employee_session_store(&self) -> Sessions {
        Sessions::new(
            &self.db,
            sessions::EMPLOYEES,
            self.employee_sessions.clone(),
        )
    }

    /// Starts a draft for `owner`, with the answers in `document` that came from a register.
    pub async fn create_draft(
        &self,
        owner: &Owner,
        form_id: &str,
        form_version: &str,
        document: &Value,
        prefilled: &[Prefilled],
        request_id: &str,
    ) -> Result<Draft, Error> {
        let _turn = self.write_turn().await;
        let id = uuid::Uuid::new_v4().to_string();
        let now = now_ms();
        let doc = document.to_string();
        let from_registers = if prefilled.is_empty() {
            None
        } else {
            Some(serde_json::to_string(prefilled).map_err(|e| Error::Encode(Box::new(e)))?)
        };
        let sql = "INSERT INTO drafts (id, owner, person, party, form_id, form_version, version, document, last_page, prefilled, created_at, updated_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, 1, $7, NULL, $9, $8, $8)";
        on_pool!(&self.db, |p| {
            let mut tx = p.begin().await?;
            sqlx::query(sql)
                .bind(&id)
                .bind(owner.key())
                .bind(owner.person())
                .bind(owner.party())
                .bind(form_id)
                .bind(form_version)
                .bind(&doc)
                .bind(now)
                .bind(&from_registers)
                .execute(&mut *tx)
                .await?;
            audit_in(
                &mut *tx,
                "draft.started",
                &Actor::from(owner),
                &id,
                request_id,
            )
            .await?;
            tx.commit().await
        })?;
        Ok(Draft {
            id,
            form_id: form_id.into(),
            form_version: form_version.into(),
            version: 1,
            document: Json(document.clone()),
            last_page: None,
            prefilled: PrefilledAnswers(prefilled.to_vec()),
            created_at: now,
            updated_at: now,
            files: Vec::new(),
        })
    }

    /// One of the owner's drafts; another owner's draft is `None`, like a missing one.
    pub async fn draft(&self, owner: &Owner, id: &str) -> Result<Option<Draft>, Error> {
        let sql = "SELECT id, form_id, form_version, version, document, last_page, prefilled, created_at, updated_at \
                   FROM drafts WHERE id = $1 AND person = $2 AND party = $3";
        on_pool!(&self.db, |p| sqlx::query_as::<_, Draft>(sql)
            .bind(id)
            .bind(owner.person())
            .bind(owner.party())
            .fetch_optional(p)
            .await)
    }

    /// The owner's draft for a save posted from the page at `version`: the one this node kept
    /// from its last save or read of it when that is the same version, else read (and kept). A
    /// version kept here that another node has saved over since is refused by the save itself
    /// (see `draft_cache`).
    pub async fn draft_to_save(
        &self,
        owner: &Owner,
        id: &str,
        version: i64,
    ) -> Result<Option<Draft>, Error> {
        if let Some(d) = self.drafts.at(owner, id, version) {
            return Ok(Some(d));
        }
        let draft = self.draft(owner, id).await?;
        if let Some(d) = &draft {
            self.drafts.keep(owner, d);
        }
        Ok(draft)
    }

    /// A draft by id alone, without the owner check: for support tooling and tests, never for a
    /// request made on a user's behalf.
    pub async fn draft_without_owner_check(&self, id: &str) -> Result<Option<Draft>, Error> {
        let sql = "SELECT id, form_id, form_version, version, document, last_page, prefilled, created_at, updated_at \
                   FROM drafts WHERE id = $1";
        on_pool!(&self.db, |p| sqlx::query_as::<_, Draft>(sql)
            .bind(id)
            .fetch_optional(p)
            .await)
    }

    /// The owner's most recently saved draft of a form.
    pub async fn latest_draft(&self, owner: &Owner, form_id: &str) -> Result<Option<Draft>, Error> {
        let sql = "SELECT id, form_id, form_version, version, document, last_page, prefilled, created_at, updated_at \
                   FROM drafts WHERE person = $1 AND party = $2 AND form_id = $3 ORDER BY updated_at DESC, id LIMIT 1";
        on_pool!(&self.db, |p| sqlx::query_as::<_, Draft>(sql)
            .bind(owner.person())
            .bind(owner.party())
            .bind(form_id)
            .fetch_optional(p)
            .await)
    }

    /// All of the owner's drafts, newest first.
    pub async fn drafts(&self, owner: &Owner) -> Result<Vec<Draft>, Error> {
        let sql = "SELECT id, form_id, form_version, version, document, last_page, prefilled, created_at, updated_at \
                   FROM drafts WHERE person = $1 AND party = $2 ORDER BY updated_at DESC, id";
        on_pool!(&self.db, |p| sqlx::query_as::<_, Draft>(sql)
            .bind(owner.person())
            .bind(owner.party())
            .fetch_all(p)
            .await)
    }

    /// Saves answers if the draft is still at `expected` (so a stale tab cannot overwrite newer work).
    pub async fn save_draft(
        &self,
        owner: &Owner,
        id: &str,
        expected: i64,
        document: &Value,
        last_page: Option<&str>,
        request_id: &str,
    ) -> Result<Saved, Error> {
        let save = |document: String| draft_saves::Save {
            id: id.to_owned(),
            person: owner.person().to_owned(),
            party: owner.party().to_owned(),
            expected,
            document,
            last_page: last_page.map(str::to_owned),
            request_id: request_id.to_owned(),
        };
        let doc = document.to_string();
        let size = doc.len();
        // Written together with the saves queued beside it (`draft_saves`); alone if that fails,
        // so that the error is this request's own.
        let saved_at = match self.save_together(save(doc)).await {
            Ok(at) => at,
            Err(()) => self.save_alone(&save(document.to_string())).await?,
        };
        if let Some(at) = saved_at {
            self.drafts
                .saved(owner, id, expected, (document, size), last_page, at);
            return Ok(Saved::Ok(expected + 1));
        }
        self.drafts.forget(id);
        let sql = "SELECT version FROM drafts WHERE id = $1 AND person = $2 AND party = $3";
        let current: Option<(i64,)> = on_pool!(&self.db, |p| sqlx::query_as(sql)
            .bind(id)
            .bind(owner.person())
            .bind(owner.party())
            .fetch_optional(p)
            .await)?;
        Ok(match current {
            Some((v,)) => Saved::Stale { current: v },
            None => Saved::NotFound,
        })
    }

    /// Deletes one of the owner's drafts; false when there was none.
    pub async fn delete_draft(
        &self,
        owner: &Owner,
        id: &str,
        request_id: &str,
    ) -> Result<bool, Error> {
        let files = self.attachments_of_holder(id).await?;
        self.drafts.forget(id);
        let _turn = self.write_turn().await;
        let sql = "DELETE FROM drafts WHERE id = $1 AND person = $2 AND party = $3";
        let deleted = on_pool!(&self.db, |p| {
            let mut tx = p.begin().await?;
            let n = sqlx::query(sql)
                .bind(id)
                .bind(owner.person())
                .bind(owner.party())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 1 {
                sqlx::query(
                    "DELETE FROM attachments WHERE draft_id = $1 AND submission_id IS NULL",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
                audit_in(
                    &mut *tx,
                    "draft.deleted",
                    &Actor::from(owner),
                    id,
                    request_id,
                )
                .await?;
            }
            tx.commit().await.map(|_| n == 1)
        })?;
        if deleted {
            self.remove_files(&files).await;
        }
        Ok(deleted)
    }

    /// Appends an event to the audit log: a draft opened, a login, a party chosen, a logout.
    pub async fn audit(
        &self,
        event: &str,
        actor: &Actor<'_>,
        subject: &str,
        request_id: &str,
    ) -> Result<(), Error> {
        let _turn = self.write_turn().await;
        on_pool!(&self.db, |p| audit_in(p, event, actor, subject, request_id)
            .await)
    }

    /// The full audit rows of one subject, oldest first.
    pub async fn audit_rows(&self, subject: &str) -> Result<Vec<AuditRow>, Error> {
        let sql = "SELECT at, event, owner, person, party, employee, subject, request_id \
                   FROM audit_log WHERE subject = $1 ORDER BY id";
        on_pool!(&self.db, |p| sqlx::query_as::<_, AuditRow>(sql)
            .bind(subject)
            .fetch_all(p)
            .await)
    }

    /// The audit rows written in `[from, to)` (unix ms), oldest first, those of `party` (a party
    /// key) and of `person` (a pid) only when given; each handed to `each` as it is read, so an
    /// export of years holds one row at a time. Stops at the first error `each` returns.
    pub async fn export_audit<E>(
        &self,
        from: i64,
        to: i64,
        party: Option<&str>,
        person: Option<&str>,
        mut each: impl FnMut(AuditRow) -> Result<(), E>,
    ) -> Result<Result<u64, E>, Error> {
        use futures_util::TryStreamExt as _;
        let sql = "SELECT at, event, owner, person, party, employee, subject, request_id \
                   FROM audit_log WHERE at >= $1 AND at < $2 \
                   AND ($3 IS NULL OR party = $3) AND ($4 IS NULL OR person = $4) ORDER BY at, id";
        let mut n = 0;
        on_pool!(&self.db, |p| {
            let mut rows = sqlx::query_as::<_, AuditRow>(sql)
                .bind(from)
                .bind(to)
                .bind(party)
                .bind(person)
                .fetch(p);
            while let Some(row) = rows.try_next().await? {
                if let Err(e) = each(row) {
                    return Ok(Err(e));
                }
                n += 1;
            }
            Ok(Ok(n))
        })
    }

    /// Remembers an employee's name at login, for showing the audit log's keys.
    pub async fn remember_employee(&self, key: &str, name: &str) -> Result<(), Error> {
        let _turn = self.write_turn().await;
        let sql = "INSERT INTO employees (key, name, last_login) VALUES ($1, $2, $3) \
                   ON CONFLICT (key) DO UPDATE SET name = excluded.name, last_login = excluded.last_login";
        on_pool!(&self.db, |p| sqlx::query(sql)
            .bind(key)
            .bind(name)
            .bind(now_ms())
            .execute(p)
            .await
            .map(|_| ()))
    }

    /// Every employee's name by key, as last seen at login.
    pub async fn employee_names(&self) -> Result<std::collections::HashMap<String, String>, Error> {
        let sql = "SELECT key, name FROM employees";
        let rows: Vec<(String, String)> =
            on_pool!(&self.db, |p| sqlx::query_as(sql).fetch_all(p).await)?;
        Ok(rows.into_iter().collect())
    }

    /// Remembers which portal session an ID-porten session is logged in to.
    pub async fn remember_login(
        &self,
        session_id: &str,
        sid: &str,
        person: &str,
    ) -> Result<(), Error> {
        let _turn = self.write_turn().await;
        let sql = "INSERT INTO login_sessions (session_id, sid, person, created_at) VALUES ($1, $2, $3, $4)";
        on_pool!(&self.db, |p| sqlx::query(sql)
            .bind(session_id)
            .bind(sid)
            .bind(person)
            .bind(now_ms())
            .execute(p)
            .await
            .map(|_| ()))
    }

    /// The portal sessions (id, ID-porten sid) a person is logged in to: for support tooling and
    /// tests.
    pub async fn logins_of(&self, person: &str) -> Result<Vec<(String, String)>, Error> {
        let sql =
            "SELECT session_id, sid FROM login_sessions WHERE person = $1 ORDER BY created_at";
        on_pool!(&self.db, |p| sqlx::query_as(sql)
            .bind(person)
            .fetch_all(p)
            .await)
    }

    /// Forgets the logins of an ID-porten session and returns the portal sessions (id, person)
    /// they were in, for the caller to end.
    pub async fn forget_logins(&self, sid: &str) -> Result<Vec<(String, String)>, Error> {
        let _turn = self.write_turn().await;
        let select = "SELECT session_id, person FROM login_sessions WHERE sid = $1";
        let delete = "DELETE FROM login_sessions WHERE sid = $1";
        on_pool!(&self.db, |p| {
            let mut tx = p.begin().await?;
            let rows: Vec<(String, String)> =
                sqlx::query_as(select).bind(sid).fetch_all(&mut *tx).await?;
            sqlx::query(delete).bind(sid).execute(&mut *tx).await?;
            tx.commit().await.map(|_| rows)
        })
    }

    /// The audit log of one subject, oldest first: (event, owner, request id).
    pub async fn audit_trail(&self, subject: &str) -> Result<Vec<(String, String, String)>, Error> {
        let sql = "SELECT event, owner, request_id FROM audit_log WHERE subject = $1 ORDER BY id";
        on_pool!(&self.db, |p| sqlx::query_as(sql)
            .bind(subject)
            .fetch_all(p)
            .await)
    }
}

/// Who did something the audit log records: a person (once logged in) acting for a party (once
/// chosen), or one of Skatteetaten's employees.
#[derive(Debug, Clone, Copy, Default)]
pub struct Actor<'a> {
    /// The person's pid.
    pub person: Option<&'a str>,
    /// The party acted for.
    pub party: Option<&'a str>,
    /// The employee's directory key.
    pub employee: Option<&'a str>,
}

impl<'a> Actor<'a> {
    /// A person not (yet) acting for anyone.
    pub fn person(pid: &'a str) -> Actor<'a> {
        Actor {
            person: Some(pid),
            ..Actor::default()
        }
    }

    /// An employee on the caseworker side.
    pub fn employee(key: &'a str) -> Actor<'a> {
        Actor {
            employee: Some(key),
            ..Actor::default()
        }
    }

    fn key(&self) -> String {
        match self.employee {
            Some(e) => format!("ansatt:{e}"),
            None => format!("{}|{}", self.person.unwrap_or(""), self.party.unwrap_or("")),
        }
    }
}

impl<'a> From<&'a Owner> for Actor<'a> {
    fn from(o: &'a Owner) -> Actor<'a> {
        Actor {
            person: Some(o.person()),
            party: Some(o.party()),
            employee: None,
        }
    }
}

/// One row of the audit log.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    /// Unix milliseconds.
    pub at: i64,
    /// What happened.
    pub event: String,
    /// `person|party`.
    pub owner: String,
    /// The person's pid.
    pub person: Option<String>,
    /// The party acted for.
    pub party: Option<String>,
    /// The employee's directory key.
    pub employee: Option<String>,
    /// What it concerns.
    pub subject: String,
    /// The request's id.
    pub request_id: String,
}

/// Appends one audit row, inside the caller's transaction when given one.
async fn audit_in<'e, E, DB>(
    exec: E,
    event: &str,
    actor: &Actor<'_>,
    subject: &str,
    request_id: &str,
) -> Result<(), Error>
where
    E: sqlx::Executor<'e, Database = DB>,
    DB: sqlx::Database,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let sql = "INSERT INTO audit_log (at, event, owner, person, party, subject, request_id, employee) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    sqlx::query(sql)
        .bind(now_ms())
        .bind(event)
        .bind(actor.key())
        .bind(actor.person)
        .bind(actor.party)
        .bind(subject)
        .bind(request_id)
        .bind(actor.employee)
        .execute(exec)
        .await
        .map(|_| ())
}
