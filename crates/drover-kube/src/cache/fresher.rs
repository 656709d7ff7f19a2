//! The newest copy of objects drover itself wrote (a claim after its finalizer patch or status
//! apply, an Environment after its status apply), until the watch cache catches up.
//!
//! A write's response is the stored object; the watch reports the same change a moment later.
//! A reconcile that runs in between (triggered by the watch events of drover's own applies) would
//! otherwise see the claim without its new finalizer or status and write them again. Copies are
//! compared by `metadata.resourceVersion` (see [`super::index::resource_version`]); the cache's
//! copy wins as soon as it is as new, and any copy whose version is not a number is not kept.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use kube::Resource;

fn version<K: Resource>(object: &K) -> Option<u64> {
    object.meta().resource_version.as_deref()?.parse().ok()
}

fn key<K: Resource>(object: &K) -> String {
    let meta = object.meta();
    format!(
        "{}/{}",
        meta.namespace.as_deref().unwrap_or_default(),
        meta.name.as_deref().unwrap_or_default()
    )
}

/// Copies by namespace/name.
pub struct Fresher<K> {
    copies: Mutex<HashMap<String, Arc<K>>>,
}

impl<K> Default for Fresher<K> {
    fn default() -> Self {
        Self {
            copies: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Resource> Fresher<K> {
    /// Keeps `written`, the response of a write.
    pub fn remember(&self, mut written: K) {
        if version(&written).is_none() {
            return;
        }
        // As the watch caches hold it: without managed fields.
        written.meta_mut().managed_fields = None;
        self.copies
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key(&written), Arc::new(written));
    }

    /// The newer of `cached` and drover's own copy; forgets the copy once the cache caught up.
    pub fn freshest(&self, cached: Arc<K>) -> Arc<K> {
        let key = key(cached.as_ref());
        let mut copies = self.copies.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(copy) = copies.get(&key) else {
            return cached;
        };
        match (version(copy.as_ref()), version(cached.as_ref())) {
            (Some(mine), Some(theirs)) if mine > theirs => Arc::clone(copy),
            _ => {
                copies.remove(&key);
                cached
            }
        }
    }

    /// Number of copies kept.
    pub fn len(&self) -> usize {
        self.copies
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether no copy is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use drover_api::WorkloadCluster;
    use drover_core::fixtures;

    fn claim(version: &str, finalizer: bool) -> WorkloadCluster {
        let mut claim = fixtures::claim("team-a", "payments", "dev");
        claim.metadata.resource_version = Some(version.to_owned());
        if finalizer {
            claim.metadata.finalizers = Some(vec!["drover.dev/cleanup".to_owned()]);
        }
        claim
    }

    #[test]
    fn the_newer_copy_wins_until_the_cache_catches_up() {
        let fresher = Fresher::default();
        fresher.remember(claim("8", true));
        let stale = fresher.freshest(Arc::new(claim("7", false)));
        assert!(stale.metadata.finalizers.is_some(), "own write is newer");
        let caught_up = fresher.freshest(Arc::new(claim("8", true)));
        assert_eq!(caught_up.metadata.resource_version.as_deref(), Some("8"));
        assert!(fresher.is_empty(), "forgotten once the cache is as new");
        fresher.remember(claim("not-a-number", true));
        assert!(fresher.is_empty());
    }
}
