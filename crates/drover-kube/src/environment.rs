//! The Environment controller: promotion gate, wave of upgrades and summary, written to the
//! Environment's status.
//!
//! Why a controller of its own rather than a computation inside each claim's reconcile: the gate
//! and the wave need every claim of the environment and of the environments it promotes from.
//! Both come from the watch caches (no request); evaluating them once per Environment rather than
//! in every claim reconcile keeps the work linear in the fleet, and an Environment is reconciled
//! only when one of its own claims (or those of the environment it promotes from) changes. The decisions that must
//! survive a restart live in status: the promoted version (`status.targetVersion`), the clusters
//! admitted to upgrade (`status.upgrading`), and — in each claim's status — the soak clock
//! (`readyAtVersion`) and the upgrade record. Claims read their Environment (they already do) and
//! start an upgrade only when it lists them.
//!
//! Reconcile: the cached claims and Environments → [`drover_core::promotion::evaluate`] (pure) →
//! one server-side apply of the status subresource, only when it differs → requeue when time
//! alone changes the answer (a soak ends, the maintenance window opens or closes), at the latest
//! after the resync interval. The binary wires it with watches on Environments and on claims
//! ([`crate::environments_for_claim`] maps a claim to the Environments whose status depends on
//! it); a status change of an Environment requeues its claims through the claim controller's
//! Environment watch.

use std::sync::Arc;
use std::time::Duration;

use drover_api::labels::MANAGER;
use drover_api::{
    API_VERSION, ConditionStatus, ConditionType, Environment, EnvironmentStatus, WorkloadCluster,
};
use drover_core::promotion::{ClusterRecord, EnvironmentInput, evaluate};
use kube::Resource;
use kube::api::{Api, Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::runtime::events::{Event, EventType};
use serde_json::json;
use tracing::Instrument;

use crate::context::Context;
use crate::error::retry_after;
use crate::reconcile::backoff;

/// Why an Environment reconcile failed.
#[derive(Debug, thiserror::Error)]
pub enum EnvironmentError {
    /// The object has no name (never true for objects from the API server).
    #[error("the Environment has no name")]
    MissingName,
    /// Writing the status failed.
    #[error("writing the status of Environment {name}: {source}")]
    Status {
        /// The Environment.
        name: String,
        /// The API error.
        #[source]
        source: kube::Error,
    },
}

impl EnvironmentError {
    /// The API error behind this one.
    pub fn kube_error(&self) -> Option<&kube::Error> {
        match self {
            EnvironmentError::MissingName => None,
            EnvironmentError::Status { source, .. } => Some(source),
        }
    }
}

/// Reconciles one Environment. For [`kube::runtime::Controller::run`].
pub async fn reconcile_environment(
    environment: Arc<Environment>,
    ctx: Arc<Context>,
) -> Result<Action, EnvironmentError> {
    ctx.caches().wait_synced().await;
    let environment = ctx.caches().environment_writes().freshest(environment);
    let name = environment
        .metadata
        .name
        .clone()
        .ok_or(EnvironmentError::MissingName)?;
    let span = tracing::info_span!("reconcile_environment", environment = %name);
    let result = run(environment.as_ref(), &name, &ctx)
        .instrument(span)
        .await;
    if result.is_ok() {
        ctx.record_success(&failure_key(&name));
    }
    result
}

/// What to do after a failed Environment reconcile: as [`crate::error_policy`] for claims.
pub fn environment_error_policy(
    environment: Arc<Environment>,
    error: &EnvironmentError,
    ctx: Arc<Context>,
) -> Action {
    let name = environment.metadata.name.clone().unwrap_or_default();
    let failures = ctx.record_failure(&failure_key(&name));
    let delay = error
        .kube_error()
        .and_then(retry_after)
        .unwrap_or_else(|| backoff(ctx.settings(), failures));
    tracing::warn!(environment = %name, %error, failures, retry_in = ?delay, "environment reconcile failed");
    Action::requeue(delay)
}

fn failure_key(name: &str) -> String {
    format!("Environment/{name}")
}

async fn run(
    environment: &Environment,
    name: &str,
    ctx: &Context,
) -> Result<Action, EnvironmentError> {
    let caches = ctx.caches();
    let claims: Vec<Arc<WorkloadCluster>> = caches
        .claims()
        .state()
        .into_iter()
        .map(|claim| caches.claim_writes().freshest(claim))
        .collect();
    let environments: Vec<Arc<Environment>> = caches
        .environments()
        .state()
        .into_iter()
        .map(|e| caches.environment_writes().freshest(e))
        .collect();
    let records: Vec<ClusterRecord> = claims
        .iter()
        .filter(|c| c.metadata.deletion_timestamp.is_none())
        .map(|c| ClusterRecord::from_claim(c))
        .collect();
    let others: Vec<&Environment> = environments.iter().map(AsRef::as_ref).collect();
    let outcome = evaluate(&EnvironmentInput {
        environment,
        environments: &others,
        clusters: &records,
        now: ctx.now_timestamp(),
    });
    write_status(ctx, environment, name, &outcome.status).await?;
    let resync = ctx.settings().resync_interval;
    // One second past the change: times are kept to the second.
    let next = outcome
        .recheck_after
        .map_or(resync, |d| (d + Duration::from_secs(1)).min(resync));
    Ok(Action::requeue(next))
}

/// Writes `status` if it differs from the live one, then publishes what changed as events.
async fn write_status(
    ctx: &Context,
    environment: &Environment,
    name: &str,
    status: &EnvironmentStatus,
) -> Result<(), EnvironmentError> {
    let previous = environment.status.as_ref();
    if previous == Some(status) {
        return Ok(());
    }
    let body = json!({
        "apiVersion": API_VERSION,
        "kind": "Environment",
        "metadata": { "name": name },
        "status": status,
    });
    // drover is the only writer of the status: force, as for claims.
    let params = PatchParams::apply(MANAGER).force();
    let written = Api::<Environment>::all(ctx.client().clone())
        .patch_status(name, &params, &Patch::Apply(&body))
        .await
        .map_err(|source| EnvironmentError::Status {
            name: name.to_owned(),
            source,
        })?;
    ctx.caches().environment_writes().remember(written);
    for event in events(previous, status) {
        if let Err(error) = ctx
            .recorder()
            .publish(&event, &environment.object_ref(&()))
            .await
        {
            tracing::warn!(%error, reason = %event.reason, "could not publish event");
        }
    }
    Ok(())
}

/// Events for a new target version and for changes of the two conditions.
fn events(previous: Option<&EnvironmentStatus>, next: &EnvironmentStatus) -> Vec<Event> {
    let mut events = Vec::new();
    let before = previous.and_then(|p| p.target_version.as_deref());
    if let Some(target) = next.target_version.as_deref()
        && before != Some(target)
    {
        events.push(event(
            EventType::Normal,
            "TargetVersion",
            format!(
                "clusters of the environment move to {target} (was {})",
                before.unwrap_or("none")
            ),
        ));
    }
    for condition in &next.conditions {
        let was = previous
            .and_then(|p| p.conditions.iter().find(|c| c.type_ == condition.type_))
            .map(|c| c.status);
        if condition.status == ConditionStatus::True && was != Some(ConditionStatus::True) {
            let type_ = condition.type_.as_str();
            events.push(event(
                EventType::Warning,
                type_,
                format!("{type_} ({}): {}", condition.reason, condition.message),
            ));
        } else if condition.type_ == ConditionType::UpgradesHalted
            && condition.status == ConditionStatus::False
            && was == Some(ConditionStatus::True)
        {
            events.push(event(
                EventType::Normal,
                "UpgradesResumed",
                "the failed upgrades finished; upgrades start again".to_owned(),
            ));
        }
    }
    events
}

fn event(type_: EventType, reason: &str, mut note: String) -> Event {
    if note.len() > 1024 {
        let mut cut = 1021;
        while !note.is_char_boundary(cut) {
            cut -= 1;
        }
        note.truncate(cut);
        note.push_str("...");
    }
    Event {
        type_,
        reason: reason.to_owned(),
        note: Some(note),
        action: "Reconcile".to_owned(),
        secondary: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use drover_api::Condition;

    fn condition(type_: ConditionType, status: ConditionStatus) -> Condition {
        Condition {
            type_,
            status,
            reason: "R".to_owned(),
            message: "m".to_owned(),
            last_transition_time: "2026-01-01T00:00:00Z".to_owned(),
            observed_generation: None,
        }
    }

    #[test]
    fn events_name_new_targets_and_blocks() {
        let before = EnvironmentStatus {
            target_version: Some("v1.32.4".to_owned()),
            conditions: vec![condition(
                ConditionType::PromotionBlocked,
                ConditionStatus::False,
            )],
            ..EnvironmentStatus::default()
        };
        let blocked = EnvironmentStatus {
            conditions: vec![condition(
                ConditionType::PromotionBlocked,
                ConditionStatus::True,
            )],
            ..before.clone()
        };
        let reasons: Vec<String> = events(Some(&before), &blocked)
            .into_iter()
            .map(|e| e.reason)
            .collect();
        assert_eq!(reasons, ["PromotionBlocked"]);
        let promoted = EnvironmentStatus {
            target_version: Some("v1.33.1".to_owned()),
            ..before.clone()
        };
        let promoted_events = events(Some(&blocked), &promoted);
        assert_eq!(promoted_events.len(), 1);
        assert_eq!(
            promoted_events[0].note.as_deref(),
            Some("clusters of the environment move to v1.33.1 (was v1.32.4)")
        );
        assert!(events(Some(&before), &before).is_empty());
    }
}
