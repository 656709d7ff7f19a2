//! The watches that feed [`Caches`], one task per kind of the table plus the CRD watch, and the
//! triggers they send to the claim controller.
//!
//! Each inventory watch is label-selected (`app.kubernetes.io/managed-by=drover`), spans all
//! namespaces, starts with a list served from the API server's watch cache
//! (`resourceVersion=0`, as client-go's informers do) and is metadata-only where the table says
//! drover reads nothing else ([`Cached::Metadata`]). Its events go into the
//! [`crate::cache::InventoryIndex`] and wake the claim of the object's cluster. A restarted watch
//! (e.g. after `410 Gone`) relists and the relist replaces the kind's cached objects at once,
//! waking the claims whose objects changed meanwhile.
//!
//! A kind the API server does not serve (404: its CRD, or the version drover writes, is not
//! installed) is marked [`KindState::NotServed`] — claims that need it report the missing CRD —
//! and its watch is retried when any CRD of the kind's name changes (the metadata-only CRD
//! watch) and every [`crate::Settings::unserved_kind_ttl`]. A kind that becomes served wakes
//! every claim.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use drover_api::WorkloadCluster;
use futures::channel::mpsc::UnboundedSender;
use futures::{Stream, StreamExt as _, TryStreamExt as _};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, DynamicObject};
use kube::core::PartialObjectMeta;
use kube::runtime::reflector::ObjectRef;
use kube::runtime::watcher::Event;
use kube::runtime::{WatchStreamExt as _, watcher};
use kube::{Client, ResourceExt as _};
use serde_json::Value;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::health::Health;
use crate::cache::{CRDS, Caches, KindState};
use crate::resources::{Cached, KINDS, KindInfo, KindResource as _};
use crate::watches::watched_labels;

/// Where the watches send what they wake.
#[derive(Clone)]
pub struct Triggers {
    /// Claims to reconcile.
    pub claims: UnboundedSender<ObjectRef<WorkloadCluster>>,
    /// Reconcile every claim (a kind became served).
    pub all_claims: UnboundedSender<()>,
}

impl Triggers {
    fn cluster(&self, caches: &Caches, cluster: &str) {
        if let Some(claim) = caches.claim_of_cluster(cluster) {
            let _ = self.claims.unbounded_send(claim);
        }
    }
}

/// Whether a watch error says the resource is not served.
fn not_served(error: &watcher::Error) -> bool {
    match error {
        watcher::Error::InitialListFailed(kube::Error::Api(status))
        | watcher::Error::WatchStartFailed(kube::Error::Api(status))
        | watcher::Error::WatchFailed(kube::Error::Api(status)) => status.code == 404,
        watcher::Error::WatchError(status) => status.code == 404,
        _ => false,
    }
}

/// The watch config of an inventory kind.
fn config() -> watcher::Config {
    watcher::Config::default()
        .labels(&watched_labels())
        .any_semantic()
}

/// Events of one kind as JSON.
fn events(
    client: &Client,
    info: &'static KindInfo,
) -> std::pin::Pin<Box<dyn Stream<Item = watcher::Result<Event<Value>>> + Send>> {
    let resource = info.api_resource();
    if info.cached == Cached::Metadata {
        let api = Api::<PartialObjectMeta<DynamicObject>>::all_with(client.clone(), &resource);
        watcher(api, config()).map_ok(MapValue::map_value).boxed()
    } else {
        let api = Api::<DynamicObject>::all_with(client.clone(), &resource);
        watcher(api, config()).map_ok(MapValue::map_value).boxed()
    }
}

/// `Event<K>` → `Event<Value>`.
trait MapValue {
    fn map_value(self) -> Event<Value>;
}

impl<K: serde::Serialize> MapValue for Event<K> {
    fn map_value(self) -> Event<Value> {
        let json = |k: K| serde_json::to_value(&k).unwrap_or(Value::Null);
        match self {
            Event::Apply(k) => Event::Apply(json(k)),
            Event::Delete(k) => Event::Delete(json(k)),
            Event::Init => Event::Init,
            Event::InitApply(k) => Event::InitApply(json(k)),
            Event::InitDone => Event::InitDone,
        }
    }
}

/// Watches one inventory kind for as long as the controller runs.
async fn watch_kind(
    client: Client,
    info: &'static KindInfo,
    caches: Arc<Caches>,
    triggers: Triggers,
    health: Arc<Health>,
    crd_changed: Arc<Notify>,
    retry: Duration,
) {
    let index = caches.inventory();
    loop {
        let mut stream = std::pin::pin!(events(&client, info).default_backoff());
        while let Some(event) = stream.next().await {
            match event {
                Ok(Event::Init) => index.begin_relist(info),
                Ok(Event::InitApply(object)) => index.relist_object(info, &object),
                Ok(Event::InitDone) => {
                    let changed = index.finish_relist(info);
                    let was = caches.kind_state(info.kind);
                    caches.set_kind_state(info.kind, KindState::Synced);
                    if was == Some(KindState::NotServed) {
                        tracing::info!(kind = info.kind, "kind is served now");
                        let _ = triggers.all_claims.unbounded_send(());
                    }
                    for cluster in changed {
                        triggers.cluster(&caches, &cluster);
                    }
                }
                Ok(Event::Apply(object)) => {
                    if let Some(cluster) = index.apply(info, &object) {
                        triggers.cluster(&caches, &cluster);
                    }
                }
                Ok(Event::Delete(object)) => {
                    if let Some(cluster) = index.delete(info, &object) {
                        triggers.cluster(&caches, &cluster);
                    }
                }
                Err(error) if not_served(&error) => {
                    let was = caches.kind_state(info.kind);
                    caches.set_kind_state(info.kind, KindState::NotServed);
                    if was != Some(KindState::NotServed) {
                        tracing::info!(
                            kind = info.kind,
                            api_version = info.api_version,
                            "kind not served by the API server; claims that need it report the missing CRD"
                        );
                        for cluster in index.forget_kind(info) {
                            triggers.cluster(&caches, &cluster);
                        }
                        if was == Some(KindState::Synced) {
                            let _ = triggers.all_claims.unbounded_send(());
                        }
                    }
                    break;
                }
                Err(error) => {
                    health.record_watch_error();
                    tracing::warn!(kind = info.kind, %error, "watch failed; retrying with backoff");
                }
            }
        }
        // Not served (or the stream ended): look again when a CRD changes, or after a while.
        tokio::select! {
            () = crd_changed.notified() => {}
            () = tokio::time::sleep(retry) => {}
        }
    }
}

/// Watches CRDs (metadata only): wakes the watch of a kind whose CRD was created, changed or
/// deleted.
async fn watch_crds(
    client: Client,
    caches: Arc<Caches>,
    health: Arc<Health>,
    notifies: HashMap<String, Arc<Notify>>,
) {
    let api = Api::<PartialObjectMeta<CustomResourceDefinition>>::all(client);
    let mut stream = watcher(api, watcher::Config::default().any_semantic())
        .default_backoff()
        .boxed();
    let mut synced = false;
    while let Some(event) = stream.next().await {
        let changed = match event {
            Ok(Event::InitDone) => {
                synced = true;
                caches.set_kind_state(CRDS, KindState::Synced);
                None
            }
            Ok(Event::Apply(crd) | Event::Delete(crd)) => Some(crd.name_any()),
            Ok(Event::InitApply(crd)) if synced => Some(crd.name_any()),
            Ok(_) => None,
            Err(error) if not_served(&error) => {
                // No CRD API (never on a real server): nothing to re-check on.
                caches.set_kind_state(CRDS, KindState::NotServed);
                return;
            }
            Err(error) => {
                health.record_watch_error();
                tracing::warn!(%error, "CRD watch failed; retrying with backoff");
                None
            }
        };
        if let Some(notify) = changed.and_then(|name| notifies.get(&name)) {
            notify.notify_one();
        }
    }
}

/// Starts the CRD watch and one watch per kind of the table. The tasks run until aborted.
pub fn spawn_inventory_watches(
    client: &Client,
    caches: &Arc<Caches>,
    triggers: &Triggers,
    health: &Arc<Health>,
    retry: Duration,
) -> Vec<JoinHandle<()>> {
    let mut notifies = HashMap::new();
    let mut tasks = Vec::new();
    for info in KINDS {
        let notify = Arc::new(Notify::new());
        if let Some(crd) = info.crd_name() {
            notifies.insert(crd, Arc::clone(&notify));
        }
        tasks.push(tokio::spawn(watch_kind(
            client.clone(),
            info,
            Arc::clone(caches),
            triggers.clone(),
            Arc::clone(health),
            notify,
            retry,
        )));
    }
    tasks.push(tokio::spawn(watch_crds(
        client.clone(),
        Arc::clone(caches),
        Arc::clone(health),
        notifies,
    )));
    tasks
}
