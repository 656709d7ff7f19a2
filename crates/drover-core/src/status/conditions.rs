//! One function per condition type: what the observation says about it, before timestamps.
//! [`stamp`] then turns the drafts into [`Condition`]s, keeping `lastTransitionTime` when a
//! condition's status did not change.

use drover_api::{Condition, ConditionStatus, ConditionType, WorkloadClusterStatus};

use super::{Capacity, Desired, REASON_INSUFFICIENT_CAPACITY, Registration, Validity};
use crate::contract::status::{CapiCondition, ClusterView, ControlPlaneView, Replicas};

/// A condition without its timestamps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Draft {
    pub(crate) type_: ConditionType,
    pub(crate) status: ConditionStatus,
    pub(crate) reason: String,
    pub(crate) message: String,
}

impl Draft {
    pub(crate) fn new(
        type_: ConditionType,
        status: ConditionStatus,
        reason: &str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            type_,
            status,
            reason: reason.to_owned(),
            message: message.into(),
        }
    }

    fn is_true(&self) -> bool {
        self.status == ConditionStatus::True
    }
}

const NO_CLUSTER: &str = "the CAPI Cluster does not exist yet";

pub(crate) fn valid(validity: &Validity) -> Draft {
    match validity {
        Validity::Valid => Draft::new(ConditionType::Valid, ConditionStatus::True, "Valid", ""),
        Validity::Invalid { reason, message } => Draft::new(
            ConditionType::Valid,
            ConditionStatus::False,
            reason,
            message.clone(),
        ),
    }
}

/// `CapacityAvailable` from the admission outcome; `None` (not decided, invalid claim) keeps
/// the previous condition, if any.
pub(crate) fn capacity_available(
    capacity: Option<&Capacity>,
    previous: Option<&WorkloadClusterStatus>,
) -> Option<Draft> {
    let type_ = ConditionType::CapacityAvailable;
    let before = previous
        .and_then(|p| p.conditions.iter().find(|c| c.type_ == type_))
        .map(|c| Draft::new(c.type_, c.status, &c.reason, c.message.clone()));
    let Some(capacity) = capacity else {
        return before;
    };
    Some(match capacity {
        Capacity::Fits(message) => Draft::new(type_, ConditionStatus::True, "Fits", message),
        Capacity::Insufficient(message) => Draft::new(
            type_,
            ConditionStatus::False,
            REASON_INSUFFICIENT_CAPACITY,
            message,
        ),
        Capacity::Unknown(message) => {
            Draft::new(type_, ConditionStatus::Unknown, "CapacityUnknown", message)
        }
        Capacity::NotPlanned(message) => {
            Draft::new(type_, ConditionStatus::True, "NotPlanned", message)
        }
        Capacity::NotGrowing => match before {
            Some(draft) if draft.is_true() => draft,
            _ => Draft::new(
                type_,
                ConditionStatus::True,
                "NotGrowing",
                "the cluster does not grow beyond what runs; existing clusters are never evicted",
            ),
        },
    })
}

/// Status of a CAPI condition as ours (`Unknown` for anything unexpected).
fn status_of(condition: &CapiCondition) -> ConditionStatus {
    match condition.status.as_str() {
        "True" => ConditionStatus::True,
        "False" => ConditionStatus::False,
        _ => ConditionStatus::Unknown,
    }
}

/// `CAPI <type>: <reason>: <message>` for a condition passed through from CAPI.
fn from_capi(type_: ConditionType, capi_type: &str, condition: &CapiCondition) -> Draft {
    let reason = if condition.reason.is_empty() {
        capi_type
    } else {
        &condition.reason
    };
    let message = match condition.message.as_str() {
        "" => format!("CAPI {capi_type}: {reason}"),
        text => format!("CAPI {capi_type}: {text}"),
    };
    Draft::new(type_, status_of(condition), reason, message)
}

pub(crate) fn infrastructure_ready(cluster: Option<&ClusterView>) -> Draft {
    let type_ = ConditionType::InfrastructureReady;
    let Some(cluster) = cluster else {
        return Draft::new(
            type_,
            ConditionStatus::False,
            "ClusterNotCreated",
            NO_CLUSTER,
        );
    };
    if cluster.infrastructure_provisioned {
        return Draft::new(type_, ConditionStatus::True, "Provisioned", "");
    }
    match &cluster.infrastructure_ready {
        Some(condition) if condition.is_true() => {
            Draft::new(type_, ConditionStatus::True, "Provisioned", "")
        }
        Some(condition) => from_capi(type_, "InfrastructureReady", condition),
        None => Draft::new(
            type_,
            ConditionStatus::False,
            "Provisioning",
            "waiting for the infrastructure provider",
        ),
    }
}

/// Whether `replicas` has `desired` machines available and up to date.
fn settled(replicas: &Replicas, desired: i32) -> bool {
    replicas.available >= desired && replicas.up_to_date >= desired && replicas.ready >= desired
}

fn counts_message(what: &str, replicas: &Replicas, desired: i32) -> String {
    format!(
        "{} of {desired} {what} ready, {} available, {} up to date",
        replicas.ready, replicas.available, replicas.up_to_date
    )
}

pub(crate) fn control_plane_ready(
    cluster: Option<&ClusterView>,
    control_plane: Option<&ControlPlaneView>,
    desired: Option<&Desired>,
) -> Draft {
    let type_ = ConditionType::ControlPlaneReady;
    let Some(cluster) = cluster else {
        return Draft::new(
            type_,
            ConditionStatus::False,
            "ClusterNotCreated",
            NO_CLUSTER,
        );
    };
    let Some(control_plane) = control_plane else {
        return Draft::new(
            type_,
            ConditionStatus::False,
            "ControlPlaneNotFound",
            "the control-plane object does not exist yet",
        );
    };
    let want = desired.map_or(control_plane.replicas.desired, |d| d.control_plane_replicas);
    let message = counts_message("control-plane machines", &control_plane.replicas, want);
    match &cluster.control_plane_available {
        Some(condition) if !condition.is_true() => {
            from_capi(type_, "ControlPlaneAvailable", condition)
        }
        _ if settled(&control_plane.replicas, want) => {
            Draft::new(type_, ConditionStatus::True, "Available", message)
        }
        _ => Draft::new(type_, ConditionStatus::False, "WaitingForMachines", message),
    }
}

pub(crate) fn workers_ready(
    cluster: Option<&ClusterView>,
    pools: &[Replicas],
    desired: Option<&Desired>,
) -> Draft {
    let type_ = ConditionType::WorkersReady;
    let Some(cluster) = cluster else {
        return Draft::new(
            type_,
            ConditionStatus::False,
            "ClusterNotCreated",
            NO_CLUSTER,
        );
    };
    let total = pools
        .iter()
        .fold(Replicas::default(), |sum, pool| sum + *pool);
    let want = desired.map_or(total.desired, |d| d.worker_replicas);
    if want == 0 {
        return Draft::new(
            type_,
            ConditionStatus::True,
            "NoWorkers",
            "no worker machines wanted",
        );
    }
    if let Some(d) = desired
        && pools.len() < d.worker_pools
    {
        return Draft::new(
            type_,
            ConditionStatus::False,
            "WaitingForMachineDeployments",
            format!("{} of {} worker pools exist", pools.len(), d.worker_pools),
        );
    }
    let message = counts_message("worker machines", &total, want);
    match &cluster.workers_available {
        Some(condition) if !condition.is_true() => from_capi(type_, "WorkersAvailable", condition),
        _ if settled(&total, want) => {
            Draft::new(type_, ConditionStatus::True, "Available", message)
        }
        _ => Draft::new(type_, ConditionStatus::False, "WaitingForMachines", message),
    }
}

pub(crate) fn kubeconfig_exported(exported: bool) -> Draft {
    let type_ = ConditionType::KubeconfigExported;
    if exported {
        Draft::new(type_, ConditionStatus::True, "Exported", "")
    } else {
        Draft::new(
            type_,
            ConditionStatus::False,
            "WaitingForKubeconfig",
            "CAPI has not written the cluster's kubeconfig Secret yet",
        )
    }
}

/// `None` when registration is disabled: the condition is then not reported at all.
pub(crate) fn registered(registration: &Registration) -> Option<Draft> {
    let type_ = ConditionType::Registered;
    match registration {
        Registration::Disabled => None,
        Registration::Registered { namespace } => Some(Draft::new(
            type_,
            ConditionStatus::True,
            "Registered",
            format!("registered in Argo CD (namespace {namespace})"),
        )),
        Registration::WaitingForKubeconfig => Some(Draft::new(
            type_,
            ConditionStatus::False,
            "WaitingForKubeconfig",
            "registration waits for the cluster's kubeconfig",
        )),
        Registration::Failed { message } => Some(Draft::new(
            type_,
            ConditionStatus::False,
            "RegistrationFailed",
            message.clone(),
        )),
    }
}

/// Summary: true when every other condition is.
pub(crate) fn ready(others: &[Draft]) -> Draft {
    let waiting: Vec<&str> = others
        .iter()
        .filter(|d| !d.is_true())
        .map(|d| d.type_.as_str())
        .collect();
    if waiting.is_empty() {
        Draft::new(ConditionType::Ready, ConditionStatus::True, "Ready", "")
    } else {
        Draft::new(
            ConditionType::Ready,
            ConditionStatus::False,
            "NotReady",
            format!("waiting for: {}", waiting.join(", ")),
        )
    }
}

/// Turns drafts into conditions: `lastTransitionTime` is taken from the previous condition of the
/// same type when its status is unchanged, and is `now` otherwise.
pub(crate) fn stamp(
    drafts: Vec<Draft>,
    previous: Option<&WorkloadClusterStatus>,
    generation: Option<i64>,
    now: &str,
) -> Vec<Condition> {
    stamp_against(
        drafts,
        previous.map_or(&[][..], |p| p.conditions.as_slice()),
        generation,
        now,
    )
}

/// [`stamp`] against a list of previous conditions (of any kind's status).
pub(crate) fn stamp_against(
    drafts: Vec<Draft>,
    previous: &[Condition],
    generation: Option<i64>,
    now: &str,
) -> Vec<Condition> {
    drafts
        .into_iter()
        .map(|draft| {
            let before = previous
                .iter()
                .find(|c| c.type_ == draft.type_)
                .filter(|c| c.status == draft.status);
            Condition {
                type_: draft.type_,
                status: draft.status,
                reason: draft.reason,
                message: draft.message,
                last_transition_time: before
                    .map_or_else(|| now.to_owned(), |c| c.last_transition_time.clone()),
                observed_generation: generation,
            }
        })
        .collect()
}
