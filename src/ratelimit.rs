//! A sliding-window rate limit per key (a client address), kept in memory: each process limits
//! what reaches it, which is what protects it.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most `max` events per key within any `window`.
#[derive(Debug)]
pub struct RateLimit {
    max: usize,
    window: Duration,
    hits: Mutex<HashMap<String, VecDeque<Instant>>>,
}

/// The key of a client address: an IPv4 address as it is, an IPv6 address by its /64 (one
/// subscriber's network, which hands out more addresses than any limit could count). `-` when
/// the address is not known.
pub fn client_key(ip: Option<std::net::IpAddr>) -> String {
    match ip {
        None => "-".to_owned(),
        Some(std::net::IpAddr::V4(v4)) => v4.to_string(),
        Some(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// Past this many keys, keys with no recent events are dropped, so memory stays bounded.
const PRUNE_AT: usize = 10_000;

impl RateLimit {
    /// A limit of `max` events per `window`.
    pub fn new(max: usize, window: Duration) -> RateLimit {
        RateLimit {
            max,
            window,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Records an event for `key` now; false when it is over the limit (and then not counted).
    pub fn allow(&self, key: &str) -> bool {
        self.allow_at(key, Instant::now())
    }

    /// As [`allow`](Self::allow), at a given instant.
    pub(crate) fn allow_at(&self, key: &str, now: Instant) -> bool {
        let mut hits = self.hits.lock().unwrap_or_else(|e| e.into_inner());
        if hits.len() >= PRUNE_AT && !hits.contains_key(key) {
            hits.retain(|_, q| {
                q.back()
                    .is_some_and(|t| now.duration_since(*t) < self.window)
            });
        }
        let q = hits.entry(key.to_owned()).or_default();
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            q.pop_front();
        }
        if q.len() >= self.max {
            return false;
        }
        q.push_back(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_network_counts_as_one_client() {
        let a = client_key(Some("2001:db8:1:2:aaaa::1".parse().unwrap()));
        let b = client_key(Some("2001:db8:1:2:ffff::9".parse().unwrap()));
        let c = client_key(Some("2001:db8:1:3::1".parse().unwrap()));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(
            client_key(Some("::ffff:192.0.2.1".parse().unwrap())),
            "192.0.2.1"
        );
        assert_eq!(client_key(Some("192.0.2.1".parse().unwrap())), "192.0.2.1");
        assert_eq!(client_key(None), "-");
    }

    #[test]
    fn counts_per_key_within_the_window() {
        let l = RateLimit::new(3, Duration::from_secs(60));
        let t = Instant::now();
        assert!((0..3).all(|_| l.allow_at("a", t)));
        assert!(!l.allow_at("a", t + Duration::from_secs(1)));
        assert!(
            l.allow_at("b", t + Duration::from_secs(1)),
            "another key has its own count"
        );
        assert!(
            l.allow_at("a", t + Duration::from_secs(60)),
            "the window has moved on"
        );
    }
}
