//! Admission stage: before anything is created for a new claim, or a cluster is grown, check
//! that it fits on its infrastructure together with every other cluster there.
//!
//! Runs only when it matters:
//!
//! - the infrastructure is KubeVirt with `spec.kubevirt.hosts` listed (otherwise
//!   [`Capacity::NotPlanned`]: the provider places machines itself, or nothing says where VMs go);
//! - the claim is new or grows: the vCPU or memory its rendered objects request
//!   ([`drover_core::capacity::footprint`]) exceeds what its live objects request (otherwise
//!   [`Capacity::NotGrowing`]; a cluster that does not grow is never held back, even on an
//!   infrastructure that is over capacity, so existing clusters are never evicted).
//!
//! Then every other claim and the Environments are read from the watch caches; the other
//! claims on the same infrastructure are resolved as the validate stage resolves them and judged
//! with [`drover_core::capacity::admit`]. Skipped: claims being deleted, claims that do not
//! resolve or fail their provider's checks, and claims refused admission that have nothing
//! created (phase `Pending` with `CapacityAvailable=False`) — they take no room. Hibernated
//! clusters count with their pools at their hibernated size. Other clusters
//! count at their claim's size, which for a cluster whose own growth was refused is more than
//! runs: admission errs on the side of refusing.
//!
//! A refused claim ([`Capacity::admitted`] false) gets nothing written but its status: the
//! reconcile skips the finalizer, apply and prune, so a new claim stays `Pending` with nothing
//! created and a grown claim's live objects stay as they are.

use drover_api::{
    ConditionStatus, ConditionType, Environment, Infrastructure, Phase, WorkloadCluster,
};
use drover_core::capacity::{self, Verdict, footprint};
use drover_core::fleet::Source;
use drover_core::providers::{check_cluster, hibernate};
use drover_core::render::Manifest;
use drover_core::resolve::{ClaimContext, ResolvedCluster, resolve_claim};
use drover_core::status::Capacity;
use std::sync::Arc;

use crate::cache::Caches;
use crate::dereference::Observed;

/// Whether `claim`, resolved as `cluster` and rendered as `desired`, may be created or grown
/// (see the module documentation). Reads only the caches.
pub fn admission(
    caches: &Caches,
    claim: &WorkloadCluster,
    observed: &Observed,
    cluster: &ResolvedCluster,
    desired: &[Manifest],
) -> Capacity {
    let Some(infrastructure) = observed.infrastructure.as_ref() else {
        return Capacity::NotGrowing;
    };
    if !has_hosts(infrastructure) {
        // Nothing else is read: `admit` answers `NotPlanned` from the infrastructure alone.
        return judge(capacity::admit(infrastructure, &[], cluster));
    }
    let live = footprint(observed.inventory.iter().map(|(_, live)| &live.object));
    let wanted = footprint(desired.iter().map(|manifest| &manifest.0));
    if wanted.within(live) {
        return Capacity::NotGrowing;
    }
    let claims = caches.claims().state();
    let environments = caches.environments().state();
    let others: Vec<ResolvedCluster> = claims
        .iter()
        .filter(|other| takes_room(other, claim))
        .filter_map(|other| resolve_other(other, &environments, infrastructure))
        .collect();
    let capacity = judge(capacity::admit(infrastructure, &others, cluster));
    tracing::info!(
        others = others.len(),
        growing_from = %capacity::describe(live),
        to = %capacity::describe(wanted),
        admitted = capacity.admitted(),
        "capacity admission"
    );
    capacity
}

fn has_hosts(infrastructure: &Infrastructure) -> bool {
    infrastructure
        .spec
        .kubevirt
        .as_ref()
        .and_then(|k| k.hosts.as_ref())
        .is_some_and(|hosts| !hosts.is_empty())
}

fn judge(admission: Result<capacity::Admission, capacity::CapacityError>) -> Capacity {
    match admission {
        Ok(admission) => match admission.verdict {
            Verdict::Fits => Capacity::Fits(admission.message),
            Verdict::DoesNotFit => Capacity::Insufficient(admission.message),
            Verdict::NotPlanned => Capacity::NotPlanned(admission.message),
        },
        Err(error) => Capacity::Unknown(error.to_string()),
    }
}

/// Whether `other` is a claim on the candidate's infrastructure that holds (or may hold) room.
fn takes_room(other: &WorkloadCluster, candidate: &WorkloadCluster) -> bool {
    let same_claim = other.metadata.namespace == candidate.metadata.namespace
        && other.metadata.name == candidate.metadata.name;
    let refused_and_absent = other.status.as_ref().is_some_and(|status| {
        status.phase == Some(Phase::Pending)
            && status.conditions.iter().any(|c| {
                c.type_ == ConditionType::CapacityAvailable && c.status != ConditionStatus::True
            })
    });
    !same_claim
        && other.metadata.deletion_timestamp.is_none()
        && other.spec.infrastructure == candidate.spec.infrastructure
        && !refused_and_absent
}

/// `other` resolved against its Environment and `infrastructure` and passing its provider's
/// checks, as the validate stage would accept it; `None` otherwise.
fn resolve_other(
    other: &WorkloadCluster,
    environments: &[Arc<Environment>],
    infrastructure: &Infrastructure,
) -> Option<ResolvedCluster> {
    let environment = environments
        .iter()
        .find(|e| e.metadata.name.as_deref() == Some(other.spec.environment.as_str()))?;
    let source = Source::default();
    let context = ClaimContext {
        environment: Some((environment.as_ref(), &source)),
        infrastructure: Some((infrastructure, &source)),
    };
    let mut cluster = resolve_claim(other, &source, &context).ok()?;
    if !check_cluster(&cluster).is_empty() {
        return None;
    }
    // A sleeping cluster holds only what its pools keep asleep: the rest is free until it
    // wakes, and its wake-up is admitted like any growth.
    let asleep = other
        .status
        .as_ref()
        .and_then(|s| s.hibernation.as_ref())
        .is_some_and(|h| h.hibernated);
    if asleep {
        hibernate(&mut cluster);
    }
    Some(cluster)
}
