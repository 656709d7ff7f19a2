//! The reconcile of one `WorkloadCluster`, stage by stage, and the error policy.
//!
//! ```text
//! deleting? ── yes ─► deletion steps ─► finalizer removed
//!    │ no
//! paused? ── yes ─► pause the CAPI Cluster once, then write nothing
//!    │ no
//! dereference ─► validate ─(invalid)─► status Valid=False, nothing else written
//!    │ valid
//! hibernation (asleep? the pools keep their provider minimum)
//!    │
//! versions ─(downgrade)─► status Valid=False   (no upgrade starts while asleep)
//!    │
//! build ─► admission ─(new or growing, does not fit)─► status CapacityAvailable=False, nothing
//!    │ fits, not planned or not growing                 else written
//!    │
//! finalizer ─► apply ─► prune ─► status
//! ```
//!
//! `versions` ([`crate::upgrade`]) decides which version each part of the cluster is rendered at:
//! what runs, or the next step of an upgrade the environment allows. `admission`
//! ([`crate::admission`]) checks a new or growing cluster fits on its infrastructure; a
//! hibernated cluster's wake-up is growth, and one that does not fit stays asleep.
//! `hibernation` ([`crate::hibernation`]) decides whether the worker pools sleep; the requeue
//! is set to the next schedule edge when that comes before the usual one.
//!
//! Every read comes from the watch caches ([`crate::cache`]; Secrets by name, remembered), and
//! each write is made only when needed, so a reconcile that finds everything in place makes no
//! request at all. A reconcile waits until the caches have synced: before that, "not listed yet"
//! would look like "absent".

use std::sync::Arc;
use std::time::{Duration, Instant};

use drover_api::{Phase, WorkloadCluster};
use drover_core::naming;
use drover_core::status::{self as core_status, Capacity, Registration, StatusInput, Validity};
use drover_core::upgrade::UpgradeReport;
use kube::api::Api;
use kube::runtime::controller::Action;
use tracing::Instrument;

use crate::admission::admission;
use crate::apply;
use crate::build::{RegistrationPlan, build};
use crate::context::{Context, Settings};
use crate::deletion::{self, Progress};
use crate::dereference::{Observed, dereference};
use crate::error::ReconcileError;
use crate::finalizer;
use crate::hibernation::{HibernationStage, decide_hibernation};
use crate::inventory::ObjectKey;
use crate::pause;
use crate::prune;
use crate::resources::kind_info;
use crate::status;
use crate::upgrade::decide_versions;
use crate::validate::{Invalid, validate};

/// Reconciles one claim. For [`kube::runtime::Controller::run`].
///
/// Returns when to look again: soon while the cluster is provisioning or being deleted, at the
/// resync interval (with its jitter, [`Context::resync_requeue`]) once it is Ready (or paused),
/// only on change for an invalid claim.
pub async fn reconcile(
    claim: Arc<WorkloadCluster>,
    ctx: Arc<Context>,
) -> Result<Action, ReconcileError> {
    ctx.caches().wait_synced().await;
    // drover's own last write of the claim, if the watch has not reported it yet.
    let claim = ctx.caches().claim_writes().freshest(claim);
    let started = Instant::now();
    let metrics = ctx.metrics();
    let _running = metrics.reconcile_started();
    let key = claim_key(&claim);
    let span = tracing::info_span!("reconcile", claim = %key);
    let result = run(&claim, &ctx).instrument(span).await;
    metrics.record_reconcile(
        started.elapsed(),
        result.as_ref().err().map(ReconcileError::stage),
    );
    if result.is_ok() {
        ctx.record_success(&key);
    }
    result
}

/// What to do after a failed reconcile. For [`kube::runtime::Controller::run`].
///
/// Retries after the API server's `retryAfterSeconds` when it gave one (429, 503), otherwise
/// with exponential backoff per claim: [`Settings::error_backoff_base`] doubled with every
/// consecutive failure, at most [`Settings::error_backoff_max`]. Never panics.
pub fn error_policy(
    claim: Arc<WorkloadCluster>,
    error: &ReconcileError,
    ctx: Arc<Context>,
) -> Action {
    let key = claim_key(&claim);
    let failures = ctx.record_failure(&key);
    let delay = error
        .retry_after()
        .unwrap_or_else(|| backoff(ctx.settings(), failures));
    tracing::warn!(claim = %key, stage = %error.stage(), %error, failures, retry_in = ?delay, "reconcile failed");
    Action::requeue(delay)
}

/// The delay after `failures` consecutive failures.
pub fn backoff(settings: &Settings, failures: u32) -> Duration {
    let exponent = failures.saturating_sub(1).min(16);
    settings
        .error_backoff_base
        .saturating_mul(1 << exponent)
        .min(settings.error_backoff_max)
}

fn claim_key(claim: &WorkloadCluster) -> String {
    format!(
        "{}/{}",
        claim.metadata.namespace.as_deref().unwrap_or_default(),
        claim.metadata.name.as_deref().unwrap_or_default()
    )
}

async fn run(claim: &WorkloadCluster, ctx: &Context) -> Result<Action, ReconcileError> {
    let name = claim
        .metadata
        .name
        .as_deref()
        .ok_or(ReconcileError::MissingMetadata("name"))?;
    let namespace = claim
        .metadata
        .namespace
        .as_deref()
        .ok_or(ReconcileError::MissingMetadata("namespace"))?;
    let claims: Api<WorkloadCluster> = Api::namespaced(ctx.client().clone(), namespace);
    let paused = claim.spec.paused == Some(true);

    if claim.metadata.deletion_timestamp.is_some() {
        return delete(ctx, claim, name, &claims, paused).await;
    }
    if paused {
        return hold(ctx, claim, name).await;
    }

    let observed = dereference(ctx, claim, name).await?;
    if let Some(cluster) = observed.capi_cluster().filter(|c| pause::is_paused(c)) {
        if !pause::paused_by_drover(cluster) {
            tracing::info!("the CAPI Cluster was paused by someone else; writing nothing");
            return Ok(Action::requeue(ctx.resync_requeue()));
        }
        pause::release(ctx.client(), cluster).await?;
        let note = format!(
            "unpaused CAPI Cluster {}/{name}",
            naming::cluster_namespace(name)
        );
        status::publish(ctx, claim, &status::normal("Resumed", note)).await;
    }

    let mut cluster = match validate(claim, &observed) {
        Ok(cluster) => cluster,
        Err(invalid) => return report_invalid(ctx, claim, &observed, &invalid).await,
    };
    let now = ctx.now_timestamp();
    let mut sleep = decide_hibernation(claim, &cluster, now);
    let asleep = sleep.as_ref().is_some_and(HibernationStage::asleep);
    let upgrade = match decide_versions(claim, &mut cluster, &observed, now, asleep) {
        Ok(report) => report,
        Err(invalid) => return report_invalid(ctx, claim, &observed, &invalid).await,
    };
    if let Some(stage) = sleep.as_ref().filter(|s| s.asleep()) {
        cluster.hibernate(&stage.floors);
    }
    let desired = build(&cluster, observed.kubeconfig.as_ref())?;
    if let Some(missing) = not_served(ctx, &desired.objects) {
        return report_invalid(ctx, claim, &observed, &missing).await;
    }
    let caches = ctx.caches();
    let capacity = admission(caches, claim, &observed, &cluster, &desired.objects);
    if !capacity.admitted() {
        let why = match &capacity {
            Capacity::Insufficient(why) | Capacity::Unknown(why) => why.as_str(),
            _ => "",
        };
        if let Some(stage) = sleep.as_mut()
            && stage.hold_asleep(why)
        {
            cluster.hibernate(&stage.floors);
        }
        let wanted = core_status::Desired::of(&cluster);
        let refused = Refused {
            wanted: &wanted,
            upgrade: &upgrade,
            capacity: &capacity,
            hibernation: sleep.as_ref(),
        };
        return report_refused(ctx, claim, &observed, &refused).await;
    }
    if let Some(patched) = finalizer::ensure(&claims, claim).await? {
        caches.claim_writes().remember(patched);
    }

    let index = caches.inventory();
    let mut applied =
        apply::apply_objects(ctx.client(), &desired.objects, &observed.inventory, index).await?;
    let live_secret = observed.argocd_secret.as_ref();
    let mut pruned = Vec::new();
    match &desired.registration {
        RegistrationPlan::Apply { secret, .. } => {
            let live = live_secret.map(|s| &s.0);
            if let Some(stored) = apply::apply_secret(ctx.client(), secret, live).await? {
                let key = ObjectKey::of(secret);
                let now = std::time::Instant::now();
                caches
                    .secrets()
                    .remember(&key.namespace, &key.name, "", Some(stored), now);
                applied.push(key);
            }
        }
        RegistrationPlan::Disabled => {
            let secrets = caches.secrets();
            pruned.extend(prune::prune_registration(ctx.client(), live_secret, secrets).await?);
        }
        RegistrationPlan::WaitingForKubeconfig | RegistrationPlan::Invalid(_) => {}
    }
    let stale = prune::prune(
        ctx.client(),
        name,
        &observed.inventory,
        &desired.objects,
        index,
    );
    pruned.extend(stale.await?);
    ctx.metrics().record_writes(applied.len(), pruned.len());
    announce(ctx, claim, "Applied", &applied).await;
    announce(ctx, claim, "Pruned", &pruned).await;

    let wanted = core_status::Desired::of(&cluster);
    let new_status = core_status::compute(&StatusInput {
        generation: claim.metadata.generation,
        previous: claim.status.as_ref(),
        validity: &Validity::Valid,
        desired: Some(&wanted),
        observed: &observed.for_status(),
        registration: desired.registration.outcome(),
        created: observed.capi_cluster().is_some() || !applied.is_empty(),
        now: &ctx.now(),
        upgrade: Some(&upgrade),
        capacity: Some(&capacity),
        hibernation: sleep.as_ref().map(|s| &s.outcome),
    });
    status::write(ctx, claim, &new_status).await?;
    let settled = matches!(new_status.phase, Some(Phase::Ready | Phase::Hibernated));
    let requeue = if settled {
        ctx.resync_requeue()
    } else {
        ctx.settings().provisioning_requeue
    };
    Ok(Action::requeue(until_edge(ctx, sleep.as_ref(), requeue)))
}

/// `requeue`, or less when the next hibernation edge comes sooner: the cluster is looked at
/// again right after the edge, not polled.
fn until_edge(ctx: &Context, sleep: Option<&HibernationStage>, requeue: Duration) -> Duration {
    let Some(edge) = sleep.and_then(HibernationStage::next_edge) else {
        return requeue;
    };
    let wait = edge.duration_since(ctx.now_timestamp());
    let wait = Duration::try_from(wait).unwrap_or_default() + Duration::from_secs(1);
    wait.min(requeue)
}

/// The CRDs a claim's objects need that the management cluster does not serve, as an invalid
/// claim (`Valid=False`, reason `CRDNotInstalled`, naming each CRD): nothing is written until
/// they are installed (the CRD watch then reconciles every claim). Described as `drover preflight`
/// describes a missing CRD: by the one table of kinds and of the providers that install them.
fn not_served(ctx: &Context, objects: &[drover_core::render::Manifest]) -> Option<Invalid> {
    let not_served = ctx.caches().not_served();
    let mut missing: Vec<String> = objects
        .iter()
        .filter(|m| not_served.contains(m.kind()))
        .filter_map(|m| kind_info(m.kind()))
        .map(drover_core::management::describe_crd)
        .collect();
    missing.sort();
    missing.dedup();
    (!missing.is_empty()).then_some(Invalid::CrdsNotInstalled(missing))
}

/// An event listing the objects written, if any.
async fn announce(ctx: &Context, claim: &WorkloadCluster, reason: &str, objects: &[ObjectKey]) {
    if objects.is_empty() {
        return;
    }
    let list: Vec<String> = objects.iter().map(ToString::to_string).collect();
    let note = format!(
        "{} {} object(s): {}",
        reason.to_lowercase(),
        objects.len(),
        list.join(", ")
    );
    status::publish(ctx, claim, &status::normal(reason, note)).await;
}

/// Invalid claim: `Valid=False` in the status and nothing else.
async fn report_invalid(
    ctx: &Context,
    claim: &WorkloadCluster,
    observed: &Observed,
    invalid: &Invalid,
) -> Result<Action, ReconcileError> {
    tracing::info!(
        reason = invalid.reason(),
        "claim is not valid; writing nothing but its status"
    );
    let new_status = core_status::compute(&StatusInput {
        generation: claim.metadata.generation,
        previous: claim.status.as_ref(),
        validity: &invalid.validity(),
        desired: None,
        observed: &observed.for_status(),
        registration: live_registration(observed),
        created: observed.capi_cluster().is_some(),
        now: &ctx.now(),
        upgrade: None,
        capacity: None,
        hibernation: None,
    });
    status::write(ctx, claim, &new_status).await?;
    Ok(if invalid.is_missing_reference() {
        Action::requeue(ctx.settings().missing_reference_requeue)
    } else {
        Action::await_change()
    })
}

/// Claim refused by the capacity admission: `CapacityAvailable` not true in the status and
/// nothing else written (no finalizer, apply or prune), so a new claim stays `Pending` and a
/// grown cluster keeps running as it is. Capacity may free up when other claims shrink or go
/// (and a changed Infrastructure requeues the claim at once): look again slowly.
async fn report_refused(
    ctx: &Context,
    claim: &WorkloadCluster,
    observed: &Observed,
    refused: &Refused<'_>,
) -> Result<Action, ReconcileError> {
    tracing::info!(
        capacity = ?refused.capacity,
        "claim is not admitted on its infrastructure; writing nothing but its status"
    );
    let new_status = core_status::compute(&StatusInput {
        generation: claim.metadata.generation,
        previous: claim.status.as_ref(),
        validity: &Validity::Valid,
        desired: Some(refused.wanted),
        observed: &observed.for_status(),
        registration: live_registration(observed),
        created: observed.capi_cluster().is_some(),
        now: &ctx.now(),
        upgrade: Some(refused.upgrade),
        capacity: Some(refused.capacity),
        hibernation: refused.hibernation.map(|s| &s.outcome),
    });
    status::write(ctx, claim, &new_status).await?;
    let requeue = ctx.settings().missing_reference_requeue;
    Ok(Action::requeue(until_edge(
        ctx,
        refused.hibernation,
        requeue,
    )))
}

/// What a reconcile refused by the capacity admission reports.
struct Refused<'a> {
    wanted: &'a core_status::Desired,
    upgrade: &'a UpgradeReport,
    capacity: &'a Capacity,
    hibernation: Option<&'a HibernationStage>,
}

/// The registration as it stands, for a reconcile that writes nothing but the status.
fn live_registration(observed: &Observed) -> Registration {
    match &observed.argocd_secret {
        Some(secret) => Registration::Registered {
            namespace: secret.0["metadata"]["namespace"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        },
        None => Registration::Disabled,
    }
}

/// Paused claim: pause the CAPI Cluster if it is not, write nothing else.
async fn hold(
    ctx: &Context,
    claim: &WorkloadCluster,
    name: &str,
) -> Result<Action, ReconcileError> {
    let namespace = naming::cluster_namespace(name);
    let key = ObjectKey {
        kind: "Cluster".to_owned(),
        namespace: namespace.clone(),
        name: name.to_owned(),
    };
    let cluster = ctx.caches().inventory().get(name, &key).map(|l| l.object);
    if let Some(cluster) = cluster.filter(|c| !pause::is_paused(c)) {
        pause::pause(ctx.client(), &cluster).await?;
        let note = format!(
            "paused CAPI Cluster {namespace}/{name}; drover writes nothing for this cluster until spec.paused is false"
        );
        status::publish(ctx, claim, &status::normal("Paused", note)).await;
    }
    Ok(Action::requeue(ctx.resync_requeue()))
}

/// Deleted claim: the deletion steps, then the finalizer.
async fn delete(
    ctx: &Context,
    claim: &WorkloadCluster,
    name: &str,
    claims: &Api<WorkloadCluster>,
    paused: bool,
) -> Result<Action, ReconcileError> {
    if !finalizer::has_finalizer(claim) {
        return Ok(Action::await_change());
    }
    if paused {
        tracing::info!("claim is paused: deletion waits until spec.paused is false");
        return Ok(Action::requeue(ctx.resync_requeue()));
    }
    match deletion::run(ctx, claim, name).await? {
        Progress::Done => {
            finalizer::remove(claims, claim).await?;
            Ok(Action::await_change())
        }
        Progress::Waiting(step) => {
            let new_status = core_status::deleting(
                claim.status.as_ref(),
                claim.metadata.generation,
                &step,
                &ctx.now(),
            );
            status::write(ctx, claim, &new_status).await?;
            Ok(Action::requeue(ctx.settings().deletion_poll))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        let settings = Settings::default();
        assert_eq!(backoff(&settings, 1), Duration::from_secs(5));
        assert_eq!(backoff(&settings, 2), Duration::from_secs(10));
        assert_eq!(backoff(&settings, 4), Duration::from_secs(40));
        assert_eq!(backoff(&settings, 100), Duration::from_secs(300));
        assert_eq!(backoff(&settings, 0), Duration::from_secs(5));
    }
}
