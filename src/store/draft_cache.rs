//! The drafts a node has just saved, so that the next save of the same draft (an autosave follows
//! another) need not read it first.
//!
//! Correct with several nodes without being told of changes: an entry is used only for a save
//! that names the same version (the page's `_version`), and the save's `UPDATE … WHERE version =`
//! is the check. Had another node saved the draft since, the database holds a newer version, the
//! `UPDATE` changes nothing and the save is refused as stale, exactly as when the draft is read
//! first. A page is always read from the database.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::Value;

use super::{Draft, Owner};

/// Bytes of documents kept at most, and the largest document kept.
const BUDGET: usize = 16 << 20;
const LARGEST: usize = 256 << 10;

#[derive(Debug, Default)]
pub(super) struct DraftCache {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// By draft id: the owner's key, the draft, the size of its document.
    drafts: HashMap<String, (String, Draft, usize)>,
    bytes: usize,
}

impl Inner {
    fn remove(&mut self, id: &str) {
        if let Some((_, _, size)) = self.drafts.remove(id) {
            self.bytes -= size;
        }
    }
}

impl DraftCache {
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The owner's draft at `version`, if kept.
    pub(super) fn at(&self, owner: &Owner, id: &str, version: i64) -> Option<Draft> {
        let inner = self.inner();
        let (key, draft, _) = inner.drafts.get(id)?;
        (draft.version == version && *key == owner.key()).then(|| draft.clone())
    }

    /// Keeps a draft read from the database.
    pub(super) fn keep(&self, owner: &Owner, draft: &Draft) {
        let size = serde_json::to_vec(&draft.document.0).map_or(usize::MAX, |v| v.len());
        let mut kept = draft.clone();
        kept.files = Vec::new();
        self.put(owner.key(), kept, size);
    }

    /// A save of `id` from `expected` to `expected + 1` succeeded with `document` (`size` bytes as
    /// stored): the kept draft, if it was the one saved from, becomes the saved one.
    pub(super) fn saved(
        &self,
        owner: &Owner,
        id: &str,
        expected: i64,
        (document, size): (&Value, usize),
        last_page: Option<&str>,
        at: i64,
    ) {
        let mut inner = self.inner();
        let Some((key, draft, _)) = inner.drafts.get(id) else {
            return;
        };
        if draft.version != expected || *key != owner.key() {
            inner.remove(id);
            return;
        }
        let mut next = draft.clone();
        let key = key.clone();
        next.version = expected + 1;
        next.document.0 = document.clone();
        if let Some(p) = last_page {
            next.last_page = Some(p.to_string());
        }
        next.updated_at = at;
        drop(inner);
        self.put(key, next, size);
    }

    /// Forgets a draft (deleted, sent, or a save of it refused).
    pub(super) fn forget(&self, id: &str) {
        self.inner().remove(id);
    }

    fn put(&self, key: String, draft: Draft, size: usize) {
        let mut inner = self.inner();
        inner.remove(&draft.id);
        if size > LARGEST {
            return;
        }
        while inner.bytes + size > BUDGET {
            let Some(some) = inner.drafts.keys().next().cloned() else {
                break;
            };
            inner.remove(&some);
        }
        inner.bytes += size;
        inner.drafts.insert(draft.id.clone(), (key, draft, size));
    }

    /// How many drafts are kept.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.inner().drafts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Json, PrefilledAnswers};

    fn draft(id: &str, version: i64, doc: Value) -> Draft {
        Draft {
            id: id.into(),
            form_id: "RF-1140".into(),
            form_version: "1".into(),
            version,
            document: Json(doc),
            last_page: None,
            prefilled: PrefilledAnswers::default(),
            created_at: 0,
            updated_at: 0,
            files: Vec::new(),
        }
    }

    #[test]
    fn a_kept_draft_serves_only_its_owner_at_its_version() {
        let cache = DraftCache::default();
        let dina = Owner::new("12837810092", "org:819897522");
        let other = Owner::new("12837810092", "org:311800019");
        cache.keep(&dina, &draft("d", 3, serde_json::json!({"a": 1})));
        assert!(cache.at(&dina, "d", 3).is_some());
        assert!(cache.at(&dina, "d", 2).is_none());
        assert!(cache.at(&dina, "d", 4).is_none());
        assert!(cache.at(&other, "d", 3).is_none());
        assert!(cache.at(&dina, "e", 3).is_none());
    }

    #[test]
    fn a_save_moves_the_kept_draft_on_and_a_refused_one_forgets_it() {
        let cache = DraftCache::default();
        let dina = Owner::new("12837810092", "org:819897522");
        cache.keep(&dina, &draft("d", 3, serde_json::json!({"a": 1})));
        let doc = serde_json::json!({"a": 2});
        cache.saved(&dina, "d", 3, (&doc, 7), Some("p2"), 99);
        let now = cache.at(&dina, "d", 4).expect("the saved version");
        assert_eq!(now.document.0, doc);
        assert_eq!(now.last_page.as_deref(), Some("p2"));
        assert!(cache.at(&dina, "d", 3).is_none());
        // A save from a version not kept (another node's) leaves nothing behind.
        cache.saved(&dina, "d", 7, (&doc, 7), None, 100);
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn the_cache_keeps_to_its_budget() {
        let cache = DraftCache::default();
        let dina = Owner::new("12837810092", "org:819897522");
        let big = serde_json::json!({"a": "x".repeat(200 << 10)});
        for i in 0..200 {
            cache.keep(&dina, &draft(&format!("d{i}"), 1, big.clone()));
        }
        assert!(cache.inner().bytes <= BUDGET);
        assert!(cache.len() < 200 && cache.len() > 0);
        let huge = serde_json::json!({"a": "x".repeat(300 << 10)});
        cache.keep(&dina, &draft("huge", 1, huge));
        assert!(cache.at(&dina, "huge", 1).is_none());
    }
}
