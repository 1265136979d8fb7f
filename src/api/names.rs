//! The names an API submission's receipt shows: the organisation's, from Altinn Register, and the
//! end-user system's, from Altinn's system register. A system delivers in bursts, so a name found
//! is kept for a while; a name that cannot be had leaves the receipt with the number instead,
//! and never stops a submission.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::auth::altinn::{Authorization, AuthzError, PartyId};

/// How long a name found is reused.
const TTL: Duration = Duration::from_secs(600);
/// Names kept at most; past that the cache starts over.
const MAX: usize = 10_000;

/// Names found recently, by `party:<key>` or `system:<id>`.
#[derive(Debug, Default)]
pub struct NameCache(Mutex<HashMap<String, (Instant, Option<String>)>>);

impl NameCache {
    fn get(&self, key: &str) -> Option<Option<String>> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key)
            .filter(|(t, _)| t.elapsed() < TTL)
            .map(|(_, name)| name.clone())
    }

    fn put(&self, key: String, name: Option<String>) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX {
            map.clear();
        }
        map.insert(key, (Instant::now(), name));
    }

    /// The name under `key`: kept, or asked for with `lookup` (and kept when it answered).
    async fn name<F>(&self, key: String, lookup: F) -> Option<String>
    where
        F: Future<Output = Result<Option<String>, AuthzError>>,
    {
        if let Some(name) = self.get(&key) {
            return name;
        }
        match lookup.await {
            Ok(name) => {
                self.put(key, name.clone());
                name
            }
            Err(e) => {
                tracing::warn!(error = %e, %key, "no name for the receipt");
                None
            }
        }
    }
}

/// The names of a submission's party and end-user system, asked for together.
pub(super) async fn names(
    cache: &NameCache,
    altinn: &dyn Authorization,
    party: &PartyId,
    system_id: &str,
) -> (Option<String>, Option<String>) {
    tokio::join!(
        cache.name(format!("party:{}", party.key()), altinn.party_name(party)),
        cache.name(format!("system:{system_id}"), altinn.system_name(system_id)),
    )
}
