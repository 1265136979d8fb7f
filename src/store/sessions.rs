//! The two session stores (people's and employees'), with a cache of the records in front of each
//! that stays correct when several nodes share the database.
//!
//! A record is read far more often than it is written: every page reads the session, while it is
//! written at login, at a choice of party, at logout and about once a minute to push its idle
//! expiry on. So each node keeps the records it has read, and forgets one whenever it may have
//! changed:
//!
//! - a write or delete on this node forgets it once the database has it;
//! - on PostgreSQL a trigger on both tables sends `pg_notify('tasteskjema_sessions', 'table id')`
//!   for every row written or deleted, by whichever node; every node listens and forgets that id.
//!   While a node is not listening (at start, or after its listening connection was lost) it
//!   serves every read from the database and caches nothing; once it listens again it starts from
//!   an empty cache, so nothing missed in between can be served.
//! - a read that raced with any forgetting does not cache what it read (a generation counter):
//!   what it read may be the record from before the change.
//!
//! A record past its expiry is never served from the cache, as the database's own read would not.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use super::Db;

/// The channel the session tables' trigger notifies (migration `20261220000003_session_notify`).
pub(super) const CHANNEL: &str = "tasteskjema_sessions";
/// Records kept per store; past it, the cache starts again from empty (a few MB at most).
const CAPACITY: usize = 16_384;

/// The people's sessions' table.
pub(super) const PEOPLE: &str = "session";
/// The employees' sessions' table: a table of its own, so that a session id of one side is never
/// a session of the other.
pub(super) const EMPLOYEES: &str = "ansatt_sessions";

/// What a node keeps of one store's records.
#[derive(Debug)]
pub(super) struct Cache {
    records: Mutex<HashMap<Id, Record>>,
    /// Counts every forgetting: a read caches only when none happened while it read.
    generation: AtomicU64,
    /// Whether this node learns of every change made elsewhere (always on SQLite, which one node
    /// uses; on PostgreSQL while the listener listens).
    live: AtomicBool,
}

impl Cache {
    pub(super) fn new(live: bool) -> Arc<Cache> {
        Arc::new(Cache {
            records: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
            live: AtomicBool::new(live),
        })
    }

    fn records(&self) -> std::sync::MutexGuard<'_, HashMap<Id, Record>> {
        self.records.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self, id: &Id) -> Option<Record> {
        if !self.live.load(Ordering::Acquire) {
            return None;
        }
        let mut records = self.records();
        let r = records.get(id)?;
        if r.expiry_date <= time::OffsetDateTime::now_utc() {
            records.remove(id);
            return None;
        }
        Some(r.clone())
    }

    /// Keeps `record`, read when the generation was `seen`, unless something was forgotten since.
    fn keep(&self, seen: u64, record: &Record) {
        if !self.live.load(Ordering::Acquire) {
            return;
        }
        let mut records = self.records();
        // Checked under the lock that `forget` also takes: no forgetting can slip in between.
        if self.generation.load(Ordering::Acquire) != seen {
            return;
        }
        if records.len() >= CAPACITY {
            records.clear();
        }
        records.insert(record.id, record.clone());
    }

    pub(super) fn forget(&self, id: &Id) {
        let mut records = self.records();
        self.generation.fetch_add(1, Ordering::AcqRel);
        records.remove(id);
    }

    pub(super) fn forget_all(&self) {
        let mut records = self.records();
        self.generation.fetch_add(1, Ordering::AcqRel);
        records.clear();
    }

    /// The node listens now: it starts from empty, since what was sent before is lost.
    pub(super) fn listening(&self) {
        self.forget_all();
        self.live.store(true, Ordering::Release);
    }

    /// The node no longer listens: nothing is served or kept until it listens again.
    pub(super) fn not_listening(&self) {
        self.live.store(false, Ordering::Release);
        self.forget_all();
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }
}

/// A session store on whichever database is configured, with this node's cache of it.
#[derive(Debug, Clone)]
pub struct Sessions {
    db: SqlStore,
    cache: Arc<Cache>,
}

#[derive(Debug, Clone)]
enum SqlStore {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl Sessions {
    pub(super) fn new(db: &Db, table: &str, cache: Arc<Cache>) -> Sessions {
        let db = match db {
            Db::Sqlite(p) => SqlStore::Sqlite(
                SqliteStore::new(p.clone())
                    .with_table_name(if table == PEOPLE {
                        "tower_sessions"
                    } else {
                        table
                    })
                    .expect("a valid table name"),
            ),
            Db::Postgres(p) => SqlStore::Postgres(
                PostgresStore::new(p.clone())
                    .with_table_name(table)
                    .expect("a valid table name"),
            ),
        };
        Sessions { db, cache }
    }

    /// Creates the store's table if it is not there yet.
    pub(super) async fn migrate(&self) -> sqlx::Result<()> {
        match &self.db {
            SqlStore::Sqlite(s) => s.migrate().await,
            SqlStore::Postgres(s) => s.migrate().await,
        }
    }
}

#[async_trait::async_trait]
impl SessionStore for Sessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let done = match &self.db {
            SqlStore::Sqlite(s) => s.create(record).await,
            SqlStore::Postgres(s) => s.create(record).await,
        };
        self.cache.forget(&record.id);
        done
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let done = match &self.db {
            SqlStore::Sqlite(s) => s.save(record).await,
            SqlStore::Postgres(s) => s.save(record).await,
        };
        self.cache.forget(&record.id);
        done
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        if let Some(r) = self.cache.get(id) {
            return Ok(Some(r));
        }
        let seen = self.cache.generation();
        let record = match &self.db {
            SqlStore::Sqlite(s) => s.load(id).await?,
            SqlStore::Postgres(s) => s.load(id).await?,
        };
        if let Some(r) = &record {
            self.cache.keep(seen, r);
        }
        Ok(record)
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        let done = match &self.db {
            SqlStore::Sqlite(s) => s.delete(id).await,
            SqlStore::Postgres(s) => s.delete(id).await,
        };
        self.cache.forget(id);
        done
    }
}
