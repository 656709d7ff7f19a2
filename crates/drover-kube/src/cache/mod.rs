//! The controller's view of the management cluster: watch-backed caches, so a reconcile reads
//! without a request.
//!
//! | cache | fed by | read by |
//! |---|---|---|
//! | claims, Environments, Infrastructures ([`Store`]s) | one watch each, all namespaces | dereference, admission, the Environment controller |
//! | [`InventoryIndex`] | one watch per kind of the table ([`crate::resources::KINDS`]), label `app.kubernetes.io/managed-by=drover`, all namespaces; drover's own apply responses | dereference, apply, prune, deletion, status |
//! | [`KindState`] per kind | the same watches (a 404 marks the kind not served), the CRD watch | reconcile (a claim needing a kind that is not served), `/readyz` |
//! | [`SecretCache`] | GETs by name, drover's own writes | dereference |
//! | [`Fresher`] copies | drover's own writes to claims and Environments | reconcile start |
//!
//! The caches are filled by [`crate::runtime::watch`] in the controller, and directly through a
//! [`Feeder`] in tests and benchmarks. [`Caches::is_synced`] — every watch finished its first
//! list, or found its kind not served — is what `/readyz` reports and what every reconcile waits
//! for: a reconcile before that would mistake "not listed yet" for "absent".

pub mod fresher;
pub mod index;
pub mod secrets;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, PoisonError, RwLock};

use drover_api::{Environment, Infrastructure, WorkloadCluster};
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::watcher;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::watch;

use crate::resources::{KINDS, KindInfo, kind_info};
pub use fresher::Fresher;
pub use index::InventoryIndex;
pub use secrets::SecretCache;

/// What the controller knows of a kind of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KindState {
    /// Its watch has not finished its first list yet.
    Syncing,
    /// Listed and watched.
    Synced,
    /// The API server does not serve it (its CRD, or this version of it, is not installed).
    NotServed,
}

/// The watches besides the table's kinds.
pub const CLAIMS: &str = "WorkloadCluster";
/// The Environment watch.
pub const ENVIRONMENTS: &str = "Environment";
/// The Infrastructure watch.
pub const INFRASTRUCTURES: &str = "Infrastructure";
/// The CRD watch (metadata only), which re-checks kinds not served when CRDs change.
pub const CRDS: &str = "CustomResourceDefinition";

/// The caches. Shared as `Arc<Caches>` by the controllers and the watches that feed them.
pub struct Caches {
    claims: Store<WorkloadCluster>,
    environments: Store<Environment>,
    infrastructures: Store<Infrastructure>,
    inventory: InventoryIndex,
    kinds: Mutex<BTreeMap<&'static str, KindState>>,
    /// Claim namespace by claim (cluster) name: maps an object's cluster label to its claim.
    claim_namespaces: RwLock<HashMap<String, String>>,
    synced: watch::Sender<bool>,
    secrets: SecretCache,
    claim_writes: Fresher<WorkloadCluster>,
    environment_writes: Fresher<Environment>,
}

/// The writers of the three typed stores, held by whoever feeds them.
pub struct Writers {
    /// Claims.
    pub claims: reflector::store::Writer<WorkloadCluster>,
    /// Environments.
    pub environments: reflector::store::Writer<Environment>,
    /// Infrastructures.
    pub infrastructures: reflector::store::Writer<Infrastructure>,
}

impl std::fmt::Debug for Caches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caches")
            .field("synced", &self.is_synced())
            .field("claims", &self.claims.len())
            .field("objects", &self.inventory.size().0)
            .finish_non_exhaustive()
    }
}

impl Caches {
    /// Empty caches, not synced, and the writers of their stores.
    pub fn new() -> (Self, Writers) {
        let (claims, claims_writer) = reflector::store();
        let (environments, environments_writer) = reflector::store();
        let (infrastructures, infrastructures_writer) = reflector::store();
        let mut kinds: BTreeMap<&'static str, KindState> = KINDS
            .iter()
            .map(|info| (info.kind, KindState::Syncing))
            .collect();
        for watch in [CLAIMS, ENVIRONMENTS, INFRASTRUCTURES, CRDS] {
            kinds.insert(watch, KindState::Syncing);
        }
        let caches = Self {
            claims,
            environments,
            infrastructures,
            inventory: InventoryIndex::default(),
            kinds: Mutex::new(kinds),
            claim_namespaces: RwLock::new(HashMap::new()),
            synced: watch::Sender::new(false),
            secrets: SecretCache::default(),
            claim_writes: Fresher::default(),
            environment_writes: Fresher::default(),
        };
        let writers = Writers {
            claims: claims_writer,
            environments: environments_writer,
            infrastructures: infrastructures_writer,
        };
        (caches, writers)
    }

    /// The claims.
    pub fn claims(&self) -> &Store<WorkloadCluster> {
        &self.claims
    }

    /// The Environments.
    pub fn environments(&self) -> &Store<Environment> {
        &self.environments
    }

    /// The Infrastructures.
    pub fn infrastructures(&self) -> &Store<Infrastructure> {
        &self.infrastructures
    }

    /// The Environment `name`.
    pub fn environment(&self, name: &str) -> Option<Environment> {
        let cached = self.environments.get(&ObjectRef::new(name))?;
        Some(self.environment_writes.freshest(cached).as_ref().clone())
    }

    /// The Infrastructure `name`.
    pub fn infrastructure(&self, name: &str) -> Option<Infrastructure> {
        self.infrastructures
            .get(&ObjectRef::new(name))
            .map(|i| i.as_ref().clone())
    }

    /// The inventory index.
    pub fn inventory(&self) -> &InventoryIndex {
        &self.inventory
    }

    /// Secrets read by name.
    pub fn secrets(&self) -> &SecretCache {
        &self.secrets
    }

    /// drover's own newest copies of claims.
    pub fn claim_writes(&self) -> &Fresher<WorkloadCluster> {
        &self.claim_writes
    }

    /// drover's own newest copies of Environments.
    pub fn environment_writes(&self) -> &Fresher<Environment> {
        &self.environment_writes
    }

    /// The state of a watch (a kind of the table, or one of [`CLAIMS`], [`ENVIRONMENTS`],
    /// [`INFRASTRUCTURES`], [`CRDS`]).
    pub fn kind_state(&self, kind: &str) -> Option<KindState> {
        self.lock_kinds().get(kind).copied()
    }

    fn lock_kinds(&self) -> std::sync::MutexGuard<'_, BTreeMap<&'static str, KindState>> {
        self.kinds.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records the state of a watch, and whether all caches are now synced.
    pub fn set_kind_state(&self, kind: &'static str, state: KindState) {
        let all_synced = {
            let mut kinds = self.lock_kinds();
            kinds.insert(kind, state);
            kinds.values().all(|s| *s != KindState::Syncing)
        };
        // Once synced, caches stay usable through watch restarts (a relist replaces their
        // content atomically), so readiness never flips back.
        if all_synced {
            self.synced
                .send_if_modified(|synced| !std::mem::replace(synced, true));
        }
    }

    /// Whether every watch has finished its first list (or found its kind not served).
    pub fn is_synced(&self) -> bool {
        *self.synced.borrow()
    }

    /// Waits until [`Caches::is_synced`].
    pub async fn wait_synced(&self) {
        let mut receiver = self.synced.subscribe();
        // The sender lives in `self`, so this cannot fail while we wait.
        let _ = receiver.wait_for(|synced| *synced).await;
    }

    /// The watches still syncing, for `/readyz`'s message.
    pub fn syncing(&self) -> Vec<&'static str> {
        self.lock_kinds()
            .iter()
            .filter(|(_, s)| **s == KindState::Syncing)
            .map(|(kind, _)| *kind)
            .collect()
    }

    /// The kinds of the table the API server does not serve.
    pub fn not_served(&self) -> BTreeSet<&'static str> {
        self.lock_kinds()
            .iter()
            .filter(|(_, s)| **s == KindState::NotServed)
            .map(|(kind, _)| *kind)
            .collect()
    }

    /// Records a claim event for the cluster-name → claim mapping.
    pub fn note_claim(&self, claim: &WorkloadCluster, deleted: bool) {
        let (Some(name), Some(namespace)) = (
            claim.metadata.name.as_ref(),
            claim.metadata.namespace.as_ref(),
        ) else {
            return;
        };
        let mut map = self
            .claim_namespaces
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if deleted {
            if map.get(name) == Some(namespace) {
                map.remove(name);
            }
        } else {
            map.insert(name.clone(), namespace.clone());
        }
    }

    /// The claim of cluster `cluster` (the claim's name), if cached.
    pub fn claim_of_cluster(&self, cluster: &str) -> Option<ObjectRef<WorkloadCluster>> {
        let map = self
            .claim_namespaces
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        map.get(cluster)
            .map(|namespace| ObjectRef::new(cluster).within(namespace))
    }
}

/// Feeds [`Caches`] from JSON objects: what a watch delivers, played by tests and benchmarks (and
/// the fake API server's change hook). Objects are routed by kind: claims, Environments and
/// Infrastructures to their stores, the table's kinds to the inventory index, anything else is
/// ignored.
pub struct Feeder {
    writers: Mutex<Writers>,
}

fn event<K>(deleted: bool, object: K) -> watcher::Event<K> {
    if deleted {
        watcher::Event::Delete(object)
    } else {
        watcher::Event::Apply(object)
    }
}

fn parse<K: DeserializeOwned>(object: &Value) -> Option<K> {
    serde_json::from_value(object.clone()).ok()
}

impl Feeder {
    /// A feeder of the stores behind `writers`.
    pub fn new(writers: Writers) -> Self {
        Self {
            writers: Mutex::new(writers),
        }
    }

    /// Applies an added or changed (`deleted` false) or deleted object. Returns the claim to
    /// reconcile for an inventory object, as the controller's watch would trigger it.
    pub fn feed(
        &self,
        caches: &Caches,
        object: &Value,
        deleted: bool,
    ) -> Option<ObjectRef<WorkloadCluster>> {
        let mut writers = self.writers.lock().unwrap_or_else(PoisonError::into_inner);
        match object["kind"].as_str().unwrap_or_default() {
            CLAIMS => {
                let claim: WorkloadCluster = parse(object)?;
                caches.note_claim(&claim, deleted);
                writers.claims.apply_watcher_event(&event(deleted, claim));
                None
            }
            ENVIRONMENTS => {
                let environment = parse(object)?;
                writers
                    .environments
                    .apply_watcher_event(&event(deleted, environment));
                None
            }
            INFRASTRUCTURES => {
                let infrastructure = parse(object)?;
                writers
                    .infrastructures
                    .apply_watcher_event(&event(deleted, infrastructure));
                None
            }
            kind => {
                let info: &'static KindInfo = kind_info(kind)?;
                let cluster = if deleted {
                    caches.inventory.delete(info, object)
                } else {
                    caches.inventory.apply(info, object)
                }?;
                caches.claim_of_cluster(&cluster)
            }
        }
    }

    /// Marks every watch as having finished its first list, with the kinds in `not_served` not
    /// served. (The stores hold what was fed so far: a watcher's `InitDone` would replace them
    /// with its relist buffer, so none is sent.)
    pub fn mark_synced(&self, caches: &Caches, not_served: &[&str]) {
        for kind in [CLAIMS, ENVIRONMENTS, INFRASTRUCTURES, CRDS] {
            caches.set_kind_state(kind, KindState::Synced);
        }
        for info in KINDS {
            let state = if not_served.contains(&info.kind) {
                KindState::NotServed
            } else {
                KindState::Synced
            };
            caches.set_kind_state(info.kind, state);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use drover_api::labels;
    use drover_core::fixtures;
    use serde_json::json;

    #[test]
    fn synced_once_every_watch_listed_or_found_its_kind_not_served() {
        let (caches, writers) = Caches::new();
        let feeder = Feeder::new(writers);
        assert!(!caches.is_synced());
        assert!(caches.syncing().contains(&"Cluster"));
        feeder.mark_synced(&caches, &["ServiceMonitor"]);
        assert!(caches.is_synced());
        assert_eq!(
            caches.not_served().into_iter().collect::<Vec<_>>(),
            ["ServiceMonitor"]
        );
        caches.set_kind_state("ServiceMonitor", KindState::Syncing);
        assert!(caches.is_synced(), "readiness does not flip back");
    }

    #[test]
    fn fed_objects_reach_their_cache_and_map_to_their_claim() {
        let (caches, writers) = Caches::new();
        let feeder = Feeder::new(writers);
        let claim =
            serde_json::to_value(fixtures::claim("team-a", "payments", "dev")).unwrap_or_default();
        assert_eq!(feeder.feed(&caches, &claim, false), None);
        let environment =
            serde_json::to_value(fixtures::environment("dev", "v1.32.1")).unwrap_or_default();
        feeder.feed(&caches, &environment, false);
        feeder.mark_synced(&caches, &[]);
        assert_eq!(caches.claims().len(), 1);
        assert!(caches.environment("dev").is_some());
        let cluster = json!({
            "apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "Cluster",
            "metadata": { "name": "payments", "namespace": "payments-cluster",
                          "labels": { labels::CLUSTER: "payments" } },
        });
        let triggered = feeder.feed(&caches, &cluster, false);
        assert_eq!(
            triggered.map(|r| (r.namespace, r.name)),
            Some((Some("team-a".to_owned()), "payments".to_owned()))
        );
        assert_eq!(caches.inventory().inventory("payments").len(), 1);
        feeder.feed(&caches, &claim, true);
        assert_eq!(caches.claim_of_cluster("payments"), None);
    }
}
