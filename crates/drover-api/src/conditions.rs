//! Status conditions and phases shared by the drover kinds.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Lifecycle phase of a WorkloadCluster, a one-word summary of its conditions.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema, Default)]
#[schemars(transform = crate::schema::field_describes_enum)]
pub enum Phase {
    /// Accepted but nothing created yet (e.g. waiting for capacity or validation).
    #[default]
    Pending,
    /// CAPI objects exist and the cluster is being built.
    Provisioning,
    /// Every condition is true: the cluster is usable and registered.
    Ready,
    /// A version change is rolling through the control plane or workers.
    Upgrading,
    /// The cluster sleeps: its worker pools are at zero (or the provider's minimum) until its
    /// schedule or `spec.hibernated` wakes it.
    Hibernated,
    /// The claim is being deleted and drover is tearing the cluster down.
    Deleting,
    /// The claim cannot be reconciled until it changes (invalid, does not fit).
    Failed,
}

/// The condition types drover reports: on a WorkloadCluster (`Valid` to `Ready`,
/// `VersionUpToDate`) and on an Environment (`PromotionBlocked`, `UpgradesHalted`).
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, JsonSchema,
)]
#[schemars(transform = crate::schema::field_describes_enum)]
pub enum ConditionType {
    /// The claim passed validation against its environment's policy.
    Valid,
    /// The claim fits on its infrastructure together with the existing clusters.
    CapacityAvailable,
    /// CAPI reports the infrastructure (network, load balancer) provisioned.
    InfrastructureReady,
    /// All control-plane replicas are up to date and available.
    ControlPlaneReady,
    /// All worker pools have their desired replicas ready.
    WorkersReady,
    /// CAPI wrote the cluster's kubeconfig Secret.
    KubeconfigExported,
    /// The cluster is registered in Argo CD.
    Registered,
    /// Summary: everything above is true.
    Ready,
    /// The cluster runs the version its claim asks for. False while an upgrade rolls, waits for
    /// its environment's promotion, maintenance window or turn, or after it failed; the message
    /// says which.
    VersionUpToDate,
    /// The cluster is hibernated (reason `Scheduled` or `Requested`); the message says when it
    /// wakes up.
    Hibernated,
    /// Environment: its `spec.kubernetesVersion` is held back by the promotion gate (the
    /// `promotion.from` environment has not soaked it, or an upgrade upstream failed).
    PromotionBlocked,
    /// Environment: a cluster of it failed its upgrade, so no further cluster starts one.
    UpgradesHalted,
}

impl ConditionType {
    /// The wire name (same as the variant name).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "Valid",
            Self::CapacityAvailable => "CapacityAvailable",
            Self::InfrastructureReady => "InfrastructureReady",
            Self::ControlPlaneReady => "ControlPlaneReady",
            Self::WorkersReady => "WorkersReady",
            Self::KubeconfigExported => "KubeconfigExported",
            Self::Registered => "Registered",
            Self::Ready => "Ready",
            Self::VersionUpToDate => "VersionUpToDate",
            Self::Hibernated => "Hibernated",
            Self::PromotionBlocked => "PromotionBlocked",
            Self::UpgradesHalted => "UpgradesHalted",
        }
    }
}

/// Status of a condition, as in Kubernetes.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
#[schemars(transform = crate::schema::field_describes_enum)]
pub enum ConditionStatus {
    /// The condition holds.
    True,
    /// The condition does not hold.
    False,
    /// Not known yet.
    Unknown,
}

/// One observation about an object, in the shape of Kubernetes' `metav1.Condition`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// Which aspect this condition describes.
    #[serde(rename = "type")]
    pub type_: ConditionType,
    /// Whether it holds.
    pub status: ConditionStatus,
    /// A CamelCase machine-readable reason for the status.
    pub reason: String,
    /// A human-readable message; names the field or object at fault.
    #[serde(default)]
    pub message: String,
    /// When `status` last changed (RFC 3339); unchanged when only the message changes.
    pub last_transition_time: String,
    /// The `metadata.generation` this condition was computed from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
}
