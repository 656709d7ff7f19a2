//! Status computation for a `WorkloadCluster`: pure, no client, no clock.
//!
//! The controller observes the live CAPI objects (the `Cluster`, its control plane and
//! MachineDeployments, whether the kubeconfig Secret exists), validates the claim, applies, and
//! then hands everything to [`compute`], which returns the complete status: `phase`,
//! `observedGeneration`, the conditions (`Valid`, `CapacityAvailable`, `InfrastructureReady`,
//! `ControlPlaneReady`,
//! `WorkersReady`, `KubeconfigExported`, `Registered`, `Ready`), endpoint, versions and machine
//! counts. `now` is a parameter, and a condition keeps its `lastTransitionTime` unless its status
//! changed, so computing the status twice from the same observation gives the same result: the
//! controller writes only when it differs from the live status.
//!
//! With an [`UpgradeReport`] (from [`crate::upgrade::decide()`]) it also reports `VersionUpToDate`,
//! the upgrade record (removed once every part runs the new version and the cluster is Ready) and
//! `readyAtVersion`, the soak clock promotion reads: since when the cluster has been Ready,
//! without interruption, at the version it runs.
//!
//! [`transitions`] lists the condition changes between two statuses, for events.

pub(crate) mod conditions;
mod hibernation;

pub use hibernation::HibernationOutcome;

use drover_api::workload_cluster::ReplicaCounts;
use drover_api::{ConditionStatus, ConditionType, Phase, WorkloadClusterStatus};
use serde_json::Value;

use crate::contract::status::{ClusterView, ControlPlaneView, Replicas};
use crate::resolve::ResolvedCluster;
use crate::upgrade::{REASON_UP_TO_DATE, UpgradeReport};
use conditions::Draft;
use drover_api::workload_cluster::{ReadyAtVersion, UpgradePart};

/// Reason of `Valid=False` for a claim that failed validation.
pub const REASON_INVALID: &str = "Invalid";
/// Reason of `Valid=False` when the claim's Environment does not exist.
pub const REASON_ENVIRONMENT_NOT_FOUND: &str = "EnvironmentNotFound";
/// Reason of `Valid=False` when the claim's Infrastructure does not exist.
pub const REASON_INFRASTRUCTURE_NOT_FOUND: &str = "InfrastructureNotFound";

/// Whether the claim passed validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Validity {
    /// It did.
    Valid,
    /// It did not: `reason` is one of the `REASON_*` constants, `message` names the field(s).
    Invalid {
        /// CamelCase reason.
        reason: String,
        /// `spec.workers[0].size: ...`, one line per problem joined by `; `.
        message: String,
    },
}

/// What the claim asks for, from the resolved cluster (absent when the claim is invalid).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Desired {
    /// Kubernetes version drover moves the cluster to.
    pub version: String,
    /// Control-plane machines wanted.
    pub control_plane_replicas: i32,
    /// Worker machines wanted, over all pools.
    pub worker_replicas: i32,
    /// Number of worker pools.
    pub worker_pools: usize,
}

impl Desired {
    /// What `cluster` asks for.
    pub fn of(cluster: &ResolvedCluster) -> Self {
        Self {
            version: cluster.version.to_string(),
            control_plane_replicas: cluster.control_plane.replicas,
            worker_replicas: cluster.workers.iter().map(|w| w.replicas).sum(),
            worker_pools: cluster.workers.len(),
        }
    }
}

/// State of the Argo CD registration after this reconcile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Registration {
    /// Registration is disabled for the claim: no `Registered` condition.
    Disabled,
    /// The cluster Secret is in place and matches the current kubeconfig.
    Registered {
        /// Argo CD's namespace.
        namespace: String,
    },
    /// There is no kubeconfig to register yet.
    WaitingForKubeconfig,
    /// The kubeconfig could not be turned into a cluster Secret. The message never contains
    /// credentials.
    Failed {
        /// What is wrong.
        message: String,
    },
}

/// Reason of `CapacityAvailable=False`: the claim does not fit next to the other clusters.
pub const REASON_INSUFFICIENT_CAPACITY: &str = "InsufficientCapacity";

/// The controller's admission of the claim on its infrastructure, for `CapacityAvailable`.
///
/// Admission runs only when it matters: a new claim or a cluster that grows (its rendered
/// objects request more vCPU or memory than its live ones) on a KubeVirt infrastructure with
/// hosts. Everything else is [`Capacity::NotGrowing`] or [`Capacity::NotPlanned`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Capacity {
    /// Checked: the claim fits with the other clusters (`True`, reason `Fits`).
    Fits(String),
    /// Checked: it does not; nothing new was created or grown (`False`,
    /// [`REASON_INSUFFICIENT_CAPACITY`]). The message has the numbers.
    Insufficient(String),
    /// Could not be checked (an unusable host quantity or overcommit ratio); nothing new was
    /// created or grown (`Unknown`, reason `CapacityUnknown`).
    Unknown(String),
    /// The infrastructure is not planned (no hosts, or a provider that places machines itself):
    /// `True`, reason `NotPlanned`.
    NotPlanned(String),
    /// Not checked: the cluster does not grow, and existing clusters are never evicted. Keeps a
    /// previous `True` condition as it was; otherwise `True`, reason `NotGrowing`.
    NotGrowing,
}

impl Capacity {
    /// Whether the claim may be created or grown: not when it does not fit or could not be
    /// checked.
    pub fn admitted(&self) -> bool {
        !matches!(self, Capacity::Insufficient(_) | Capacity::Unknown(_))
    }
}

/// The live CAPI objects of the cluster, as JSON.
#[derive(Clone, Debug, Default)]
pub struct Observed<'a> {
    /// The CAPI `Cluster`.
    pub cluster: Option<&'a Value>,
    /// The control-plane object the Cluster references.
    pub control_plane: Option<&'a Value>,
    /// The cluster's MachineDeployments.
    pub machine_deployments: Vec<&'a Value>,
    /// Whether CAPI's `<cluster>-kubeconfig` Secret exists.
    pub kubeconfig_exported: bool,
}

/// Everything [`compute`] needs.
#[derive(Clone, Debug)]
pub struct StatusInput<'a> {
    /// The claim's `metadata.generation`.
    pub generation: Option<i64>,
    /// The live status, for `lastTransitionTime` and fields that cannot be recomputed.
    pub previous: Option<&'a WorkloadClusterStatus>,
    /// The validation outcome.
    pub validity: &'a Validity,
    /// What the claim asks for, when valid.
    pub desired: Option<&'a Desired>,
    /// The live CAPI objects.
    pub observed: &'a Observed<'a>,
    /// The Argo CD registration.
    pub registration: Registration,
    /// Whether the cluster's objects exist or were created in this reconcile (moves the phase
    /// from `Pending` to `Provisioning` before the first observation of the Cluster).
    pub created: bool,
    /// The current time, RFC 3339.
    pub now: &'a str,
    /// The upgrade decision, when the claim is valid. Without it the previous upgrade record is
    /// kept and the phase compares the desired version with the control plane's.
    pub upgrade: Option<&'a UpgradeReport>,
    /// The admission outcome, when the claim is valid. Without it the previous
    /// `CapacityAvailable` condition is kept (none if there was none).
    pub capacity: Option<&'a Capacity>,
    /// The hibernation outcome, when the cluster has schedules or a request (or had). Without
    /// it no `Hibernated` condition is reported and the previous `status.hibernation` is kept.
    pub hibernation: Option<&'a HibernationOutcome>,
}

/// Computes the full status of a claim that is not being deleted.
pub fn compute(input: &StatusInput<'_>) -> WorkloadClusterStatus {
    let cluster = input.observed.cluster.map(ClusterView::from_object);
    let control_plane = input
        .observed
        .control_plane
        .map(ControlPlaneView::from_object);
    let pools: Vec<Replicas> = input
        .observed
        .machine_deployments
        .iter()
        .map(|md| Replicas::from_object(md))
        .collect();

    let mut drafts = vec![conditions::valid(input.validity)];
    drafts.extend(conditions::capacity_available(
        input.capacity,
        input.previous,
    ));
    drafts.extend([
        conditions::infrastructure_ready(cluster.as_ref()),
        conditions::control_plane_ready(cluster.as_ref(), control_plane.as_ref(), input.desired),
        conditions::workers_ready(cluster.as_ref(), &pools, input.desired),
        conditions::kubeconfig_exported(input.observed.kubeconfig_exported),
    ]);
    drafts.extend(conditions::registered(&input.registration));
    let ready = conditions::ready(&drafts);
    let is_ready = ready.status == ConditionStatus::True;
    drafts.push(ready);
    drafts.extend(input.hibernation.map(hibernation::condition));
    let asleep = input.hibernation.is_some_and(|h| h.asleep);

    let upgrade = match input.upgrade {
        Some(report) => {
            let (record, condition) = finish_upgrade(report, is_ready);
            drafts.push(Draft::new(
                condition.type_,
                condition.status,
                &condition.reason,
                condition.message,
            ));
            Some(record)
        }
        None => None,
    };
    let observed_version = control_plane.as_ref().and_then(|cp| cp.version.clone());
    let phase = match &upgrade {
        Some(_) if matches!(input.validity, Validity::Invalid { .. }) => Phase::Failed,
        Some(Some(_)) => Phase::Upgrading,
        _ if asleep && input.validity == &Validity::Valid => Phase::Hibernated,
        _ => phase(
            input,
            cluster.is_some(),
            observed_version.as_deref(),
            is_ready,
            upgrade.is_some(),
        ),
    };
    let upgrade = upgrade.unwrap_or_else(|| input.previous.and_then(|p| p.upgrade.clone()));
    let conditions = conditions::stamp(drafts, input.previous, input.generation, input.now);
    let ready_at_version = ready_at_version(
        input.previous,
        &conditions,
        observed_version.as_deref(),
        upgrade.is_none(),
        input.now,
    );
    let workers_total = pools
        .iter()
        .fold(Replicas::default(), |sum, pool| sum + *pool);

    WorkloadClusterStatus {
        phase: Some(phase),
        observed_generation: input.generation,
        conditions,
        endpoint: cluster.as_ref().and_then(|c| c.endpoint.clone()),
        kubernetes_version: observed_version,
        target_version: match input.desired {
            Some(desired) => Some(desired.version.clone()),
            None => input.previous.and_then(|p| p.target_version.clone()),
        },
        control_plane: match (input.desired, &control_plane) {
            (Some(d), cp) => Some(ReplicaCounts {
                ready: cp.as_ref().map_or(0, |cp| cp.replicas.ready),
                desired: d.control_plane_replicas,
            }),
            (None, Some(cp)) => Some(ReplicaCounts {
                ready: cp.replicas.ready,
                desired: cp.replicas.desired,
            }),
            (None, None) => None,
        },
        workers: match input.desired {
            Some(d) => Some(ReplicaCounts {
                ready: workers_total.ready,
                desired: d.worker_replicas,
            }),
            None if !pools.is_empty() => Some(ReplicaCounts {
                ready: workers_total.ready,
                desired: workers_total.desired,
            }),
            None => None,
        },
        upgrade,
        ready_at_version,
        hibernation: match input.hibernation {
            Some(outcome) => Some(hibernation::record(
                outcome,
                input.previous.and_then(|p| p.hibernation.as_ref()),
                input.now,
            )),
            None => input.previous.and_then(|p| p.hibernation.clone()),
        },
    }
}

/// The record and condition after the Ready check: an upgrade whose parts all run its
/// destination is finished once the cluster is Ready.
fn finish_upgrade(
    report: &UpgradeReport,
    ready: bool,
) -> (
    Option<drover_api::workload_cluster::UpgradeStatus>,
    crate::upgrade::VersionCondition,
) {
    match &report.record {
        Some(record) if record.part == UpgradePart::Ready && ready => {
            let mut condition = report.condition.clone();
            condition.status = ConditionStatus::True;
            condition.reason = REASON_UP_TO_DATE.to_owned();
            condition.message = format!("upgraded from {} to {}", record.from, record.to);
            (None, condition)
        }
        record => (record.clone(), report.condition.clone()),
    }
}

/// Since when the cluster has been Ready at `version` with no upgrade running: kept from the
/// previous status while the version is the same, else `now` (a cluster that stayed Ready
/// through an upgrade has been Ready at the new version only since now).
fn ready_at_version(
    previous: Option<&WorkloadClusterStatus>,
    conditions: &[drover_api::Condition],
    version: Option<&str>,
    settled: bool,
    now: &str,
) -> Option<ReadyAtVersion> {
    let version = version?;
    conditions
        .iter()
        .find(|c| c.type_ == ConditionType::Ready && c.status == ConditionStatus::True)?;
    if !settled {
        return None;
    }
    let since = previous
        .and_then(|p| p.ready_at_version.as_ref())
        .filter(|r| r.version == version)
        .map_or_else(|| now.to_owned(), |r| r.since.clone());
    Some(ReadyAtVersion {
        version: version.to_owned(),
        since,
    })
}

/// `decided`: the upgrade decision says no upgrade runs, so a version difference is a wait,
/// not an upgrade.
fn phase(
    input: &StatusInput<'_>,
    cluster_exists: bool,
    observed_version: Option<&str>,
    ready: bool,
    decided: bool,
) -> Phase {
    if matches!(input.validity, Validity::Invalid { .. }) {
        return Phase::Failed;
    }
    let upgrading = match (input.desired, observed_version) {
        (Some(desired), Some(observed)) => {
            !decided && cluster_exists && desired.version != observed
        }
        _ => false,
    };
    if upgrading {
        Phase::Upgrading
    } else if ready {
        Phase::Ready
    } else if !cluster_exists && !input.created {
        Phase::Pending
    } else {
        Phase::Provisioning
    }
}

/// The status of a claim being deleted: the previous status with phase `Deleting`, and `Ready`
/// false with `step` (what the deletion waits for) as message.
pub fn deleting(
    previous: Option<&WorkloadClusterStatus>,
    generation: Option<i64>,
    step: &str,
    now: &str,
) -> WorkloadClusterStatus {
    let mut status = previous.cloned().unwrap_or_default();
    let mut drafts: Vec<Draft> = status
        .conditions
        .iter()
        .filter(|c| c.type_ != ConditionType::Ready)
        .map(|c| Draft::new(c.type_, c.status, &c.reason, c.message.clone()))
        .collect();
    drafts.push(Draft::new(
        ConditionType::Ready,
        ConditionStatus::False,
        "Deleting",
        step,
    ));
    status.conditions = conditions::stamp(drafts, previous, generation, now);
    status.phase = Some(Phase::Deleting);
    status.observed_generation = generation;
    status
}

/// A condition whose status changed between two statuses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    /// The condition.
    pub type_: ConditionType,
    /// Its previous status (`None`: newly reported).
    pub from: Option<ConditionStatus>,
    /// Its new status.
    pub to: ConditionStatus,
    /// The new reason.
    pub reason: String,
    /// The new message.
    pub message: String,
}

/// Condition changes worth an event: a reported condition whose status changed, and a newly
/// reported `Valid=False` or `CapacityAvailable=False` (the claim was invalid, or refused, from
/// the start). Newly reported conditions are
/// otherwise not events: a new claim would get one per condition.
pub fn transitions(
    previous: Option<&WorkloadClusterStatus>,
    next: &WorkloadClusterStatus,
) -> Vec<Transition> {
    next.conditions
        .iter()
        .filter_map(|condition| {
            let before = previous
                .and_then(|p| p.conditions.iter().find(|c| c.type_ == condition.type_))
                .map(|c| c.status);
            let changed = match before {
                Some(status) => status != condition.status,
                None => {
                    matches!(
                        condition.type_,
                        ConditionType::Valid | ConditionType::CapacityAvailable
                    ) && condition.status == ConditionStatus::False
                }
            };
            changed.then(|| Transition {
                type_: condition.type_,
                from: before,
                to: condition.status,
                reason: condition.reason.clone(),
                message: condition.message.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
