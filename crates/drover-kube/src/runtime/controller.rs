//! The controllers of WorkloadClusters and Environments, the watches that feed their caches and
//! what wakes them:
//!
//! | watch | scope | cache | wakes |
//! |---|---|---|---|
//! | WorkloadCluster (the claims) | all namespaces | claims store | the claim; the Environments whose status depends on it |
//! | Environment | cluster | Environments store | the Environment; its claims |
//! | Infrastructure | cluster | Infrastructures store | its claims |
//! | every kind of the table, label `app.kubernetes.io/managed-by=drover` ([`super::watch`]) | all namespaces | inventory index | the claim of the object's cluster |
//! | CustomResourceDefinition, metadata only | cluster | — | the watch of a kind whose CRD changed |
//!
//! Every watch restarts with backoff on errors (a `410 Gone` relists). Reconciles read only the
//! caches (and Secrets by name) and wait until every watch has finished its first list;
//! `/readyz` reports exactly that ([`super::health`]). CAPI's kubeconfig Secrets are not watched:
//! that would need `list`/`watch` on Secrets in every namespace (see [`crate::cache::secrets`]).
//!
//! Claims are woken by changes, not by timers: a provisioning cluster by its CAPI objects'
//! status changes, a deletion by its objects going. The requeues after a reconcile
//! ([`crate::Settings`]) are only a long safety net.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use drover_api::{Environment, Infrastructure, WorkloadCluster};
use futures::StreamExt as _;
use futures::channel::mpsc::{UnboundedSender, unbounded};
use kube::api::Api;
use kube::runtime::WatchStreamExt as _;
use kube::runtime::controller::{self, Controller};
use kube::runtime::reflector::{Lookup, ObjectRef};
use kube::runtime::watcher::{self, Event};
use kube::{Client, ResourceExt as _};

use super::health::Health;
use super::watch::{Triggers, spawn_inventory_watches};
use crate::cache::{CLAIMS, Caches, ENVIRONMENTS, INFRASTRUCTURES, KindState, Writers};
use crate::context::Context;
use crate::environment::EnvironmentError;
use crate::error::ReconcileError;
use crate::watches::{
    claims_for_environment, claims_for_infrastructure, environment_fingerprint,
    environments_for_claim,
};
use crate::{environment_error_policy, error_policy, reconcile, reconcile_environment};

/// The watch config of drover's own kinds: the first list from the API server's watch cache.
fn config() -> watcher::Config {
    watcher::Config::default().any_semantic()
}

/// Drops what no reconcile reads before an object enters a store: its managed fields.
fn strip<K: kube::Resource>(object: &mut K) {
    object.meta_mut().managed_fields = None;
}

/// Marks `watch` synced on its first `InitDone`; counts errors.
fn note<K>(
    caches: &Caches,
    health: &Health,
    watch: &'static str,
    event: &watcher::Result<Event<K>>,
) {
    match event {
        Ok(Event::InitDone) => caches.set_kind_state(watch, KindState::Synced),
        Err(error) => {
            health.record_watch_error();
            tracing::warn!(watch, %error, "watch failed; retrying with backoff");
        }
        Ok(_) => {}
    }
}

fn send_all<K: Lookup>(to: &UnboundedSender<ObjectRef<K>>, refs: Vec<ObjectRef<K>>)
where
    K::DynamicType: Eq + std::hash::Hash + Clone,
{
    for r in refs {
        let _ = to.unbounded_send(r);
    }
}

/// Runs both controllers and their watches until `shutdown` resolves, then lets running
/// reconciles finish.
///
/// `concurrency` caps reconciles running at once per controller (different objects; one object
/// is never reconciled twice at once). `writers` feed the stores of `context`'s caches.
pub async fn run(
    client: Client,
    context: Arc<Context>,
    writers: Writers,
    concurrency: u16,
    health: Arc<Health>,
    shutdown: impl Future<Output = ()> + Send + Sync + 'static,
) {
    let caches = context.caches_arc();
    health.set_caches(Some(Arc::clone(&caches)));
    let Writers {
        claims: claims_writer,
        environments: environments_writer,
        infrastructures: infrastructures_writer,
    } = writers;
    let (claim_tx, claim_rx) = unbounded::<ObjectRef<WorkloadCluster>>();
    let (all_tx, all_rx) = unbounded::<()>();
    let (environment_tx, environment_rx) = unbounded::<ObjectRef<Environment>>();
    let triggers = Triggers {
        claims: claim_tx.clone(),
        all_claims: all_tx,
    };
    let retry = context.settings().unserved_kind_ttl;
    // Aborted however this function ends, also when its future is dropped (leadership lost).
    let mut tasks = AbortOnDrop(spawn_inventory_watches(
        &client, &caches, &triggers, &health, retry,
    ));

    // Infrastructures: cached, and wake their claims.
    tasks.0.push(tokio::spawn({
        let (caches, health, claim_tx) =
            (Arc::clone(&caches), Arc::clone(&health), claim_tx.clone());
        let events = watcher::watcher(Api::<Infrastructure>::all(client.clone()), config())
            .default_backoff()
            .modify(strip)
            .reflect(infrastructures_writer);
        async move {
            let mut events = std::pin::pin!(events);
            while let Some(event) = events.next().await {
                note(&caches, &health, INFRASTRUCTURES, &event);
                if let Ok(Event::Apply(i) | Event::Delete(i)) = &event {
                    let claims = caches.claims().state();
                    send_all(&claim_tx, claims_for_infrastructure(&i.name_any(), &claims));
                }
            }
        }
    }));

    // Claims: the claim controller's own stream; each change also wakes its Environments.
    let claim_events = {
        let (caches, health) = (Arc::clone(&caches), Arc::clone(&health));
        watcher::watcher(Api::<WorkloadCluster>::all(client.clone()), config())
            .default_backoff()
            .modify(strip)
            .reflect(claims_writer)
            .inspect(move |event| {
                note(&caches, &health, CLAIMS, event);
                let (claim, deleted) = match event {
                    Ok(Event::Apply(c) | Event::InitApply(c)) => (c, false),
                    Ok(Event::Delete(c)) => (c, true),
                    _ => return,
                };
                caches.note_claim(claim, deleted);
                let environments = caches.environments().state();
                send_all(
                    &environment_tx,
                    environments_for_claim(claim, &environments),
                );
            })
            .touched_objects()
    };

    // Environments: the Environment controller's own stream; a change of what claims read of it
    // (not of its summary counts) wakes its claims.
    let environment_events = {
        let (caches, health) = (Arc::clone(&caches), Arc::clone(&health));
        let mut seen: HashMap<String, String> = HashMap::new();
        watcher::watcher(Api::<Environment>::all(client.clone()), config())
            .default_backoff()
            .modify(strip)
            .reflect(environments_writer)
            .inspect(move |event| {
                note(&caches, &health, ENVIRONMENTS, event);
                let name = match event {
                    Ok(Event::Apply(e) | Event::InitApply(e)) => {
                        let fingerprint = environment_fingerprint(e);
                        let name = e.name_any();
                        if seen.get(&name) == Some(&fingerprint) {
                            return;
                        }
                        seen.insert(name.clone(), fingerprint);
                        name
                    }
                    Ok(Event::Delete(e)) => {
                        seen.remove(&e.name_any());
                        e.name_any()
                    }
                    _ => return,
                };
                let claims = caches.claims().state();
                send_all(&claim_tx, claims_for_environment(&name, &claims));
            })
            .touched_objects()
    };

    // One shutdown signal stops both controllers.
    let shutdown = futures::FutureExt::shared(Box::pin(shutdown));
    let claims = Controller::for_stream(claim_events, caches.claims().clone())
        .with_config(controller::Config::default().concurrency(concurrency))
        .reconcile_on(claim_rx)
        .reconcile_all_on(all_rx)
        .graceful_shutdown_on(shutdown.clone())
        .run(reconcile, error_policy, Arc::clone(&context))
        .for_each(|result| {
            match result {
                Ok((claim, _action)) => tracing::debug!(claim = %key(&claim), "reconciled"),
                Err(error) => log_error(&error),
            }
            std::future::ready(())
        });
    let environments = Controller::for_stream(environment_events, caches.environments().clone())
        .with_config(controller::Config::default().concurrency(concurrency))
        .reconcile_on(environment_rx)
        .graceful_shutdown_on(shutdown)
        .run(reconcile_environment, environment_error_policy, context)
        .for_each(|result| {
            if let Err(error) = result {
                log_environment_error(&error);
            }
            std::future::ready(())
        });
    futures::future::join(claims, environments).await;
    drop(tasks);
    health.set_caches(None);
    tracing::info!("controllers stopped");
}

/// Watch tasks, aborted when dropped.
struct AbortOnDrop(Vec<tokio::task::JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

fn log_environment_error(error: &controller::Error<EnvironmentError, watcher::Error>) {
    match error {
        controller::Error::ReconcilerFailed(error, environment) => {
            tracing::debug!(environment = %environment.name, %error, "environment reconcile failed");
        }
        controller::Error::QueueError(error) => {
            tracing::debug!(%error, "environment watch failed");
        }
        controller::Error::ObjectNotFound(_) | controller::Error::RunnerError(_) => {
            tracing::debug!(%error, "environment controller");
        }
    }
}

fn key<K: Lookup + ?Sized>(claim: &ObjectRef<K>) -> String {
    format!(
        "{}/{}",
        claim.namespace.as_deref().unwrap_or_default(),
        claim.name
    )
}

/// Logs what the controller's stream reports. Reconcile failures were already logged by
/// [`error_policy`] with their claim and stage; watch errors by the watch.
fn log_error(error: &controller::Error<ReconcileError, watcher::Error>) {
    match error {
        controller::Error::ReconcilerFailed(error, claim) => {
            tracing::debug!(claim = %key(claim), stage = %error.stage(), "reconcile failed");
        }
        controller::Error::QueueError(error) => {
            tracing::debug!(%error, "claim watch failed");
        }
        controller::Error::ObjectNotFound(claim) => {
            tracing::debug!(claim = %key(claim), "claim gone before its reconcile");
        }
        controller::Error::RunnerError(error) => {
            tracing::error!(%error, "controller runner failed");
        }
    }
}
