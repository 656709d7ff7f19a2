//! The `kube::runtime::Controller` of WorkloadClusters and what triggers it:
//!
//! | watch | scope | triggers |
//! |---|---|---|
//! | WorkloadCluster (the claims) | all namespaces | the claim |
//! | Environment, Infrastructure | cluster | the claims that reference it |
//! | CAPI `Cluster`, `KubeadmControlPlane`, `MachineDeployment` — metadata only, labelled `app.kubernetes.io/managed-by=drover` | all namespaces | the claim named by its `drover.dev/cluster` label |
//!
//! Next to it runs the Environment controller (see [`crate::environment`]): Environments, and the
//! claims mapped by `environments_for_claim`, trigger a re-evaluation of the promotion gate.
//!
//! Every watch restarts with backoff on errors (a `410 Gone` relists), and claims,
//! Environments and Infrastructures are cached in reflector stores; readiness waits for those
//! three to finish their first list. CAPI's kubeconfig Secrets are not watched: that would need
//! `list`/`watch` on Secrets in every namespace. A rotated kubeconfig is picked up by the next
//! resync of the claim (`--resync-period`), since the reconcile reads the Secret by name.

use std::future::Future;
use std::sync::Arc;

use drover_api::{Environment, Infrastructure, WorkloadCluster};
use futures::StreamExt as _;
use kube::api::{Api, DynamicObject};
use kube::core::PartialObjectMeta;
use kube::runtime::controller::{self, Controller};
use kube::runtime::reflector::{self, Lookup, ObjectRef};
use kube::runtime::{WatchStreamExt as _, watcher};
use kube::{Client, ResourceExt as _};

use super::health::Health;
use crate::context::Context;
use crate::environment::EnvironmentError;
use crate::error::ReconcileError;
use crate::resources::kind_info;
use crate::watches::{
    claims_for_environment, claims_for_infrastructure, claims_for_object, environments_for_claim,
    watched_labels,
};
use crate::{environment_error_policy, error_policy, reconcile, reconcile_environment};

/// The CAPI kinds whose changes trigger a reconcile of their claim (watched metadata-only).
pub const WATCHED_KINDS: [&str; 3] = ["Cluster", "KubeadmControlPlane", "MachineDeployment"];

/// Runs the controller until `shutdown` resolves, then lets running reconciles finish.
///
/// `concurrency` caps reconciles running at once (different claims; one claim is never
/// reconciled twice at once).
pub async fn run(
    client: Client,
    context: Arc<Context>,
    concurrency: u16,
    health: Arc<Health>,
    shutdown: impl Future<Output = ()> + Send + Sync + 'static,
) {
    // One shutdown signal stops both controllers.
    let shutdown = futures::FutureExt::shared(Box::pin(shutdown));
    futures::future::join(
        run_claims(
            client.clone(),
            Arc::clone(&context),
            concurrency,
            health,
            shutdown.clone(),
        ),
        run_environments(client, context, concurrency, shutdown),
    )
    .await;
}

/// The Environment controller: evaluates each Environment's promotion gate and upgrade wave from
/// its claims and writes its status. Triggered by the Environment and by every claim whose state
/// it depends on (its own claims, and those of the environment it promotes from).
async fn run_environments(
    client: Client,
    context: Arc<Context>,
    concurrency: u16,
    shutdown: impl Future<Output = ()> + Send + Sync + 'static,
) {
    let (environments, writer) = reflector::store::<Environment>();
    let environment_events = watcher(
        Api::<Environment>::all(client.clone()),
        watcher::Config::default(),
    )
    .default_backoff()
    .reflect(writer)
    .applied_objects();
    let claim_events = watcher(
        Api::<WorkloadCluster>::all(client),
        watcher::Config::default(),
    )
    .default_backoff()
    .touched_objects();
    Controller::for_stream(environment_events, environments.clone())
        .with_config(controller::Config::default().concurrency(concurrency))
        .watches_stream(claim_events, move |claim: WorkloadCluster| {
            environments_for_claim(&claim, &environments.state())
        })
        .graceful_shutdown_on(shutdown)
        .run(reconcile_environment, environment_error_policy, context)
        .for_each(|result| {
            if let Err(error) = result {
                log_environment_error(&error);
            }
            std::future::ready(())
        })
        .await;
    tracing::info!("environment controller stopped");
}

fn log_environment_error(error: &controller::Error<EnvironmentError, watcher::Error>) {
    match error {
        controller::Error::ReconcilerFailed(error, environment) => {
            tracing::debug!(environment = %environment.name, %error, "environment reconcile failed");
        }
        controller::Error::QueueError(error) => {
            tracing::warn!(%error, "environment watch failed; retrying with backoff");
        }
        controller::Error::ObjectNotFound(_) | controller::Error::RunnerError(_) => {
            tracing::debug!(%error, "environment controller");
        }
    }
}

/// The WorkloadCluster controller.
async fn run_claims(
    client: Client,
    context: Arc<Context>,
    concurrency: u16,
    health: Arc<Health>,
    shutdown: impl Future<Output = ()> + Send + Sync + 'static,
) {
    let (claims, claims_writer) = reflector::store::<WorkloadCluster>();
    let (environments, environments_writer) = reflector::store::<Environment>();
    let (infrastructures, infrastructures_writer) = reflector::store::<Infrastructure>();
    health.set_claim_store(claims.clone());

    let claim_events = watcher(
        Api::<WorkloadCluster>::all(client.clone()),
        watcher::Config::default(),
    )
    .default_backoff()
    .reflect(claims_writer)
    .applied_objects();
    let environment_events = watcher(
        Api::<Environment>::all(client.clone()),
        watcher::Config::default(),
    )
    .default_backoff()
    .reflect(environments_writer)
    .touched_objects();
    let infrastructure_events = watcher(
        Api::<Infrastructure>::all(client.clone()),
        watcher::Config::default(),
    )
    .default_backoff()
    .reflect(infrastructures_writer)
    .touched_objects();

    let mut controller = Controller::for_stream(claim_events, claims.clone())
        .with_config(controller::Config::default().concurrency(concurrency))
        .watches_stream(environment_events, {
            let claims = claims.clone();
            move |environment: Environment| {
                claims_for_environment(&environment.name_any(), &claims.state())
            }
        })
        .watches_stream(infrastructure_events, {
            let claims = claims.clone();
            move |infrastructure: Infrastructure| {
                claims_for_infrastructure(&infrastructure.name_any(), &claims.state())
            }
        });
    let selector = watched_labels();
    for kind in WATCHED_KINDS {
        let Some(info) = kind_info(kind) else {
            continue;
        };
        let resource = info.api_resource();
        // Metadata-only: the mapper needs labels, and the cache holds no specs.
        let events = watcher(
            Api::<PartialObjectMeta<DynamicObject>>::all_with(client.clone(), &resource),
            watcher::Config::default().labels(&selector),
        )
        .default_backoff()
        .touched_objects();
        let claims = claims.clone();
        controller = controller.watches_stream_with(
            events,
            move |object| -> Vec<ObjectRef<WorkloadCluster>> {
                claims_for_object(&object.metadata, &claims.state())
            },
            resource,
        );
    }

    let synced = {
        let health = Arc::clone(&health);
        async move {
            let waits = futures::future::join3(
                claims.wait_until_ready(),
                environments.wait_until_ready(),
                infrastructures.wait_until_ready(),
            )
            .await;
            if let (Ok(()), Ok(()), Ok(())) = waits {
                tracing::info!(claims = claims.len(), "watch caches synced");
                health.set_synced(true);
            }
        }
    };
    let synced = tokio::spawn(synced);

    controller
        .graceful_shutdown_on(shutdown)
        .run(reconcile, error_policy, context)
        .for_each(|result| {
            match result {
                Ok((claim, _action)) => tracing::debug!(claim = %key(&claim), "reconciled"),
                Err(error) => log_error(&health, &error),
            }
            std::future::ready(())
        })
        .await;
    synced.abort();
    health.set_synced(false);
    tracing::info!("controller stopped");
}

fn key<K: Lookup + ?Sized>(claim: &ObjectRef<K>) -> String {
    format!(
        "{}/{}",
        claim.namespace.as_deref().unwrap_or_default(),
        claim.name
    )
}

/// Logs what the controller's stream reports. Reconcile failures were already logged by
/// [`error_policy`] with their claim and stage.
fn log_error(health: &Health, error: &controller::Error<ReconcileError, watcher::Error>) {
    match error {
        controller::Error::ReconcilerFailed(error, claim) => {
            tracing::debug!(claim = %key(claim), stage = %error.stage(), "reconcile failed");
        }
        controller::Error::QueueError(error) => {
            health.record_watch_error();
            tracing::warn!(%error, "watch failed; retrying with backoff");
        }
        controller::Error::ObjectNotFound(claim) => {
            tracing::debug!(claim = %key(claim), "claim gone before its reconcile");
        }
        controller::Error::RunnerError(error) => {
            tracing::error!(%error, "controller runner failed");
        }
    }
}
