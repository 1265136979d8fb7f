//! What a node hears of the other nodes' changes (PostgreSQL): one listening connection per node,
//! on two channels. `tasteskjema_outbox` (sent by the outbox table's trigger) wakes the node's
//! delivery workers; `tasteskjema_sessions` (sent by the session tables' trigger, see
//! `sessions`) makes it forget a session it has cached.

use std::sync::Arc;

use tower_sessions::session::Id;

use super::sessions::{self, Cache};
use super::{Db, Store};

/// The channel the outbox table's trigger notifies when jobs are added.
const JOBS: &str = "tasteskjema_outbox";

impl Store {
    /// Listens for the other nodes' changes, calling `jobs_added` when any node has added outbox
    /// jobs (and once each time it starts listening), and keeping this node's session caches
    /// correct: they are used only while it listens, and start again empty each time it does,
    /// since what was sent while it did not is lost. SQLite, used by one node, needs none.
    pub fn listen(&self, jobs_added: impl Fn() + Send + Sync + 'static) {
        let Db::Postgres(pool) = &self.db else {
            return;
        };
        let pool = pool.clone();
        let caches = [self.people_sessions.clone(), self.employee_sessions.clone()];
        tokio::spawn(async move {
            loop {
                match sqlx::postgres::PgListener::connect_with(&pool).await {
                    Ok(mut listener) => {
                        match listener.listen_all([JOBS, sessions::CHANNEL]).await {
                            Ok(()) => {
                                for cache in &caches {
                                    cache.listening();
                                }
                                jobs_added();
                                // `try_recv` answers `None` when the connection was lost: what was
                                // sent meanwhile is lost with it.
                                while let Ok(Some(n)) = listener.try_recv().await {
                                    if n.channel() == JOBS {
                                        jobs_added();
                                    } else {
                                        session_changed(&caches, n.payload());
                                    }
                                }
                                for cache in &caches {
                                    cache.not_listening();
                                }
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "listening for other nodes' changes")
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "listening for other nodes' changes"),
                }
                if pool.is_closed() {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        });
    }
}

/// Forgets the session named in a notification's payload (`table id`).
fn session_changed([people, employees]: &[Arc<Cache>; 2], payload: &str) {
    let (table, id) = payload.split_once(' ').unwrap_or(("", payload));
    let cache = if table == sessions::EMPLOYEES {
        employees
    } else {
        people
    };
    match id.parse::<Id>() {
        Ok(id) => cache.forget(&id),
        Err(_) => cache.forget_all(),
    }
}
