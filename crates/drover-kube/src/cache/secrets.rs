//! Secrets read by name, remembered for a while.
//!
//! The controller may not list or watch Secrets (its RBAC grants `get` only, so it cannot
//! enumerate the management cluster's credentials), so the two Secrets a reconcile needs — CAPI's
//! `<cluster>-kubeconfig` and the Argo CD cluster Secret — cannot come from a watch cache. Reading
//! them on every reconcile would cost two GETs per claim per resync; instead a read is kept:
//!
//! - while its *fingerprint* is unchanged — for the kubeconfig, the CAPI Cluster's uid,
//!   control-plane endpoint and whether its control plane is initialized, from the watch cache:
//!   what changes when a kubeconfig is first written or the cluster is replaced;
//! - and for at most [`crate::Settings::secret_refresh`] when the Secret exists (a certificate
//!   rotation by CAPI, or a hand edit of the Argo CD Secret, is picked up within it); a missing
//!   kubeconfig for [`crate::Settings::missing_secret_refresh`] (CAPI writes it on its own), a
//!   missing Argo CD Secret as long as an existing one (only drover writes it).
//!
//! A kubeconfig is not asked for at all before the CAPI Cluster has its control-plane endpoint,
//! and neither Secret for a claim that has created nothing yet.
//!
//! drover's own writes update the entry (the apply response is the stored Secret) and its
//! deletes remove it. Values are held in memory only and never logged (`Debug` is redacted).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::Value;

/// One remembered read.
#[derive(Clone)]
struct Remembered {
    secret: Option<Value>,
    fingerprint: String,
    read_at: Instant,
}

/// Reads of Secrets by (namespace, name).
#[derive(Default)]
pub struct SecretCache {
    entries: Mutex<HashMap<(String, String), Remembered>>,
}

impl fmt::Debug for SecretCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretCache(<redacted>)")
    }
}

/// How long reads stay valid.
#[derive(Clone, Copy, Debug)]
pub struct Freshness {
    /// A Secret that exists.
    pub present: Duration,
    /// A Secret that did not exist.
    pub absent: Duration,
}

impl SecretCache {
    /// The remembered read of `namespace/name` (`Some(None)`: it did not exist), if still valid
    /// for `fingerprint` at `now`.
    pub fn lookup(
        &self,
        namespace: &str,
        name: &str,
        fingerprint: &str,
        freshness: Freshness,
        now: Instant,
    ) -> Option<Option<Value>> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = entries.get(&(namespace.to_owned(), name.to_owned()))?;
        let ttl = if entry.secret.is_some() {
            freshness.present
        } else {
            freshness.absent
        };
        let fresh =
            entry.fingerprint == fingerprint && now.saturating_duration_since(entry.read_at) < ttl;
        fresh.then(|| entry.secret.clone())
    }

    /// Remembers what a read (or drover's own write) of `namespace/name` found.
    pub fn remember(
        &self,
        namespace: &str,
        name: &str,
        fingerprint: &str,
        secret: Option<Value>,
        now: Instant,
    ) {
        let secret = secret.map(|mut s| {
            if let Some(meta) = s["metadata"].as_object_mut() {
                meta.remove("managedFields");
            }
            s
        });
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                (namespace.to_owned(), name.to_owned()),
                Remembered {
                    secret,
                    fingerprint: fingerprint.to_owned(),
                    read_at: now,
                },
            );
    }

    /// Forgets `namespace/name` (deleted, or about to be re-read).
    pub fn forget(&self, namespace: &str, name: &str) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&(namespace.to_owned(), name.to_owned()));
    }

    /// Forgets every Secret of a namespace (its cluster is gone).
    pub fn forget_namespace(&self, namespace: &str) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|(ns, _), _| ns != namespace);
    }

    /// Number of remembered reads.
    pub fn len(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const FRESHNESS: Freshness = Freshness {
        present: Duration::from_secs(3600),
        absent: Duration::from_secs(30),
    };

    #[test]
    fn reads_stay_valid_for_their_fingerprint_and_age() {
        let cache = SecretCache::default();
        let start = Instant::now();
        assert_eq!(cache.lookup("ns", "s", "fp", FRESHNESS, start), None);
        cache.remember("ns", "s", "fp", Some(json!({ "data": {} })), start);
        let later = start + Duration::from_secs(60);
        assert!(matches!(
            cache.lookup("ns", "s", "fp", FRESHNESS, later),
            Some(Some(_))
        ));
        assert_eq!(cache.lookup("ns", "s", "other", FRESHNESS, later), None);
        let expired = start + Duration::from_secs(3600);
        assert_eq!(cache.lookup("ns", "s", "fp", FRESHNESS, expired), None);
    }

    #[test]
    fn absence_is_remembered_briefly_and_forgetting_works() {
        let cache = SecretCache::default();
        let start = Instant::now();
        cache.remember("ns", "s", "", None, start);
        assert_eq!(
            cache.lookup("ns", "s", "", FRESHNESS, start + Duration::from_secs(10)),
            Some(None)
        );
        assert_eq!(
            cache.lookup("ns", "s", "", FRESHNESS, start + Duration::from_secs(30)),
            None
        );
        cache.remember("ns", "s", "", None, start);
        cache.forget_namespace("ns");
        assert!(cache.is_empty());
        assert!(format!("{cache:?}").contains("redacted"));
    }
}
