//! Hibernation stage (pure, part of build): whether the cluster's worker pools sleep in this
//! reconcile, and what each pool keeps while they do.
//!
//! [`drover_core::hibernation::decide`] says what the schedules and `spec.hibernated` want at
//! `now`; this stage carries it out unless it may not yet:
//!
//! - a cluster goes to sleep only once it has been Ready (a cluster being built is built
//!   awake), and not while an upgrade runs (it sleeps when the upgrade is done): reason
//!   `Deferred`;
//! - waking is growth, so it passes capacity admission like any growth: the reconcile keeps a
//!   cluster that does not fit asleep (reason `WaitingForCapacity`, see
//!   [`HibernationStage::hold_asleep`]).
//!
//! A provider that cannot hibernate (vcluster) ignores its environment's schedules; a claim
//! asking for hibernation there is refused by the validate stage.

use drover_api::{ConditionStatus, ConditionType, WorkloadCluster, labels};
use drover_core::hibernation::{REASON_DEFERRED, REASON_WAITING_FOR_CAPACITY, Request, decide};
use drover_core::providers::provider_for;
use drover_core::resolve::ResolvedCluster;
use drover_core::status::HibernationOutcome;
use k8s_openapi::jiff::Timestamp;

/// The stage's answer for one reconcile.
#[derive(Clone, Debug, PartialEq)]
pub struct HibernationStage {
    /// For the status.
    pub outcome: HibernationOutcome,
    /// Replicas each worker pool keeps while asleep (the provider's minimum).
    pub floors: Vec<i32>,
    was_asleep: bool,
}

impl HibernationStage {
    /// Whether the cluster is rendered asleep.
    pub fn asleep(&self) -> bool {
        self.outcome.asleep
    }

    /// A wake-up the capacity admission refused: the cluster stays asleep, saying why. `false`
    /// when the refusal was not about waking (the cluster was awake, or stays asleep anyway).
    pub fn hold_asleep(&mut self, why: &str) -> bool {
        if !self.was_asleep || self.outcome.asleep {
            return false;
        }
        self.outcome.asleep = true;
        self.outcome.held = Some((
            REASON_WAITING_FOR_CAPACITY,
            format!("its workers do not fit on the infrastructure ({why})"),
        ));
        true
    }

    /// When the next schedule edge is, for the requeue.
    pub fn next_edge(&self) -> Option<Timestamp> {
        self.outcome.decision.next.map(|(at, _)| at)
    }
}

/// The hibernation of `cluster` (resolved from `claim`) at `now`; `None` when it has no
/// schedule or request and is awake (nothing to report).
pub fn decide_hibernation(
    claim: &WorkloadCluster,
    cluster: &ResolvedCluster,
    now: Timestamp,
) -> Option<HibernationStage> {
    let status = claim.status.as_ref();
    let previous = status.and_then(|s| s.hibernation.as_ref());
    let was_asleep = previous.is_some_and(|p| p.hibernated);
    let (policy, floors) = match provider_for(&cluster.provider).hibernation(cluster) {
        Ok(floors) => (cluster.hibernation.clone(), floors),
        Err(_) => (
            cluster.hibernation.clone().without_environment_schedules(),
            Vec::new(),
        ),
    };
    if !policy.is_active() && !was_asleep && previous.is_none() {
        return None;
    }
    let requested_at = claim
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(labels::HIBERNATION_REQUESTED_AT))
        .and_then(|at| at.parse::<Timestamp>().ok());
    let recorded = previous
        .and_then(|p| p.request.as_ref())
        .and_then(Request::from_status);
    let decision = decide(&policy, recorded, requested_at, now);
    let mut outcome = HibernationOutcome::carried_out(decision);
    if outcome.asleep && !was_asleep {
        if let Some(upgrade) = status.and_then(|s| s.upgrade.as_ref()) {
            outcome.held = Some((
                REASON_DEFERRED,
                format!(
                    "its upgrade to {} runs: it hibernates when the upgrade is done",
                    upgrade.to
                ),
            ));
        } else if !has_been_ready(claim) {
            outcome.held = Some((
                REASON_DEFERRED,
                "it has not been Ready yet: a cluster is built awake".to_owned(),
            ));
        }
        outcome.asleep = outcome.held.is_none();
    }
    Some(HibernationStage {
        outcome,
        floors,
        was_asleep,
    })
}

/// Whether the cluster has been Ready: `Ready=True` now, or a soak clock running.
fn has_been_ready(claim: &WorkloadCluster) -> bool {
    claim.status.as_ref().is_some_and(|status| {
        status.ready_at_version.is_some()
            || status
                .conditions
                .iter()
                .any(|c| c.type_ == ConditionType::Ready && c.status == ConditionStatus::True)
    })
}
