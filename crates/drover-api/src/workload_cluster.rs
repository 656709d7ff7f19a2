//! `WorkloadCluster`: the claim a team writes for one Kubernetes cluster.

use std::collections::BTreeMap;

use kube::{CustomResource, KubeSchema};
use serde::{Deserialize, Serialize};

use crate::conditions::{Condition, Phase};
use crate::hibernation::{ClusterHibernation, HibernationStatus};

/// Longest claim name: derived object names (`<name>-md-<pool>-<hash>`, `<name>-control-plane-<hash>`,
/// the KCCM's `<name>-kccm`) must stay within the 63 characters of a DNS label.
pub const MAX_NAME_LEN: usize = 36;
/// Longest worker-pool name, for the same reason.
pub const MAX_POOL_NAME_LEN: usize = 12;

/// A team's request for one Kubernetes cluster: where it runs, how big it is, which version.
///
/// Everything not given here comes from the Environment's defaults; everything given is checked
/// against the Environment's policy and the Infrastructure's sizes and capacity.
#[derive(CustomResource, KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[kube(
    group = "drover.dev",
    version = "v1alpha1",
    kind = "WorkloadCluster",
    doc = "A team's claim for one Kubernetes cluster: the environment it belongs to, the infrastructure it is built on, its size and version. drover expands it into the cluster's Cluster API objects and reports progress in status.",
    namespaced,
    status = "WorkloadClusterStatus",
    shortname = "wc",
    category = "drover",
    printcolumn(name = "Environment", type_ = "string", json_path = ".spec.environment"),
    printcolumn(name = "Infrastructure", type_ = "string", json_path = ".spec.infrastructure"),
    printcolumn(name = "Version", type_ = "string", json_path = ".status.kubernetesVersion"),
    printcolumn(name = "Phase", type_ = "string", json_path = ".status.phase"),
    printcolumn(name = "Endpoint", type_ = "string", json_path = ".status.endpoint", priority = "1"),
    printcolumn(name = "Age", type_ = "date", json_path = ".metadata.creationTimestamp"),
    validation = Rule::new(format!("size(self.metadata.name) <= {MAX_NAME_LEN}")).message(Message::Message(format!("metadata.name: at most {MAX_NAME_LEN} characters, so that derived object names stay within 63")))
)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadClusterSpec {
    /// The Environment (cluster-scoped) this cluster belongs to. Immutable.
    #[x_kube(validation = Rule::new("self == oldSelf").message("environment is immutable"))]
    #[schemars(length(min = 1, max = 63))]
    pub environment: String,

    /// The Infrastructure (cluster-scoped) the cluster is built on. Immutable.
    #[x_kube(validation = Rule::new("self == oldSelf").message("infrastructure is immutable"))]
    #[schemars(length(min = 1, max = 63))]
    pub infrastructure: String,

    /// Kubernetes version `vMAJOR.MINOR.PATCH`; defaults to the Environment's version. A pinned
    /// version may be at most one minor version ahead of the Environment's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 32), regex(pattern = r"^v[0-9]+\.[0-9]+\.[0-9]+$"))]
    #[x_kube(validation = Rule::new("self.matches('^v[0-9]+\\\\.[0-9]+\\\\.[0-9]+$')").message("kubernetesVersion must look like v1.32.1"))]
    pub kubernetes_version: Option<String>,

    /// Control-plane settings; the Environment's defaults apply to what is omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_plane: Option<ControlPlaneSpec>,

    /// Worker pools. When omitted, one pool `md-0` with the Environment's default replicas and size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[x_kube(validation = Rule::new("self.all(p, self.exists_one(q, q.name == p.name))").message("worker pool names must be unique"))]
    #[schemars(length(max = 10))]
    pub workers: Option<Vec<WorkerPool>>,

    /// Pod and service networks and the CNI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<NetworkSpec>,

    /// How the cluster's API server is reached from outside the management cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_access: Option<ExternalAccess>,

    /// Add-ons drover installs into the cluster through the CAPI Helm add-on provider (CAAPH).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 8))]
    pub addons: Option<Vec<Addon>>,

    /// GitOps registration of the finished cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gitops: Option<GitOpsSpec>,

    /// When true, drover writes nothing for this cluster and pauses the CAPI Cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused: Option<bool>,

    /// Opt out of the Environment's hibernation schedules, or bring this cluster's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hibernation: Option<ClusterHibernation>,

    /// On-demand sleep (`true`) or wake (`false`): wins over the schedules until their next
    /// edge. Omit it to follow the schedules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hibernated: Option<bool>,

    /// Security settings stronger than the Environment's baseline (same shape as
    /// `Environment.spec.security`); a setting weaker than the environment's is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<crate::security::SecuritySpec>,
}

/// Control-plane settings of a claim.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ControlPlaneSpec {
    /// Number of control-plane machines: 1, 3, 5 or 7 (odd, for etcd quorum).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[x_kube(validation = Rule::new("self in [1, 3, 5, 7]").message("controlPlane.replicas must be 1, 3, 5 or 7"))]
    pub replicas: Option<i32>,
    /// Size name (from the Infrastructure's `sizes`) of control-plane machines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63))]
    pub size: Option<String>,
}

/// One pool of identical worker machines (a MachineDeployment or managed node pool).
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct WorkerPool {
    /// Pool name, unique in the claim; part of object names (lowercase DNS label, ≤ 12 characters).
    #[schemars(
        length(min = 1, max = MAX_POOL_NAME_LEN),
        regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    )]
    pub name: String,
    /// Number of machines; defaults to the Environment's `workerReplicas`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 1000))]
    pub replicas: Option<i32>,
    /// Size name from the Infrastructure's `sizes`; defaults to the Environment's `size`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63))]
    pub size: Option<String>,
    /// Kubernetes labels for this pool's nodes (set by kubelet at registration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_labels: Option<BTreeMap<String, String>>,
}

/// The cluster's networks.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct NetworkSpec {
    /// Pod network (CIDR); defaults to `10.243.0.0/16`.
    #[serde(default, rename = "podCIDR", skip_serializing_if = "Option::is_none")]
    pub pod_cidr: Option<String>,
    /// Service network (CIDR); defaults to `10.95.0.0/16`. Must not overlap the pod network.
    #[serde(
        default,
        rename = "serviceCIDR",
        skip_serializing_if = "Option::is_none"
    )]
    pub service_cidr: Option<String>,
    /// The CNI the cluster runs (default `cilium`; `provider` on the managed clouds EKS, AKS and
    /// GKE, whose networking is the cloud's). It labels the CAPI Cluster
    /// (`drover.dev/cni`) so add-ons select on it; list it in `addons` to have drover install it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cni: Option<Cni>,
}

/// Container network interface of a cluster.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(transform = crate::schema::field_describes_enum)]
pub enum Cni {
    /// Cilium.
    Cilium,
    /// Calico.
    Calico,
    /// The provider's own network (managed clouds, vcluster); nothing is installed.
    Provider,
}

/// How the API server is exposed.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ExternalAccess {
    /// `LoadBalancer` (default on bare metal: MetalLB gives a VIP), `Ingress` (TLS passthrough by
    /// host name), or `NodePort`. Not every provider supports every type.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<ExternalAccessType>,
    /// Host name for `Ingress` access (defaults to `<cluster>.<infrastructure ingress domain>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

/// The kinds of external access.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, schemars::JsonSchema)]
#[schemars(transform = crate::schema::field_describes_enum)]
pub enum ExternalAccessType {
    /// A Service of type LoadBalancer.
    LoadBalancer,
    /// An Ingress with TLS passthrough.
    Ingress,
    /// A Service of type NodePort.
    NodePort,
}

/// Add-ons drover can install.
#[derive(
    Serialize,
    Deserialize,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[schemars(transform = crate::schema::field_describes_enum)]
pub enum Addon {
    /// Cilium CNI (Helm chart `cilium/cilium`), pointed at the cluster's API endpoint.
    Cilium,
    /// Calico CNI (Helm chart `projectcalico/tigera-operator`).
    Calico,
    /// metrics-server (Helm chart `metrics-server/metrics-server`).
    MetricsServer,
}

/// GitOps registration.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct GitOpsSpec {
    /// Argo CD registration as a declarative cluster Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub argocd: Option<ArgoCdSpec>,
}

/// Argo CD registration settings.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ArgoCdSpec {
    /// Namespace Argo CD runs in (default `argocd`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Extra labels on the cluster Secret, for ApplicationSet cluster generators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// Set false to skip registration (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// Observed state, written by the controller only.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadClusterStatus {
    /// One-word summary of the conditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
    /// The `metadata.generation` last reconciled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// Conditions, one per type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// The API server URL of the cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The Kubernetes version the control plane reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes_version: Option<String>,
    /// The version the claim asks for (pinned, or its environment's). The cluster moves to it
    /// as its environment's promotion gate, maintenance window and wave allow; condition
    /// `VersionUpToDate` says where it stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_version: Option<String>,
    /// Control-plane machines ready / desired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_plane: Option<ReplicaCounts>,
    /// Worker machines ready / desired, over all pools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers: Option<ReplicaCounts>,
    /// The upgrade in progress, while one runs: kept here so that a restarted controller
    /// continues it (and its progress deadline) where it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<UpgradeStatus>,
    /// Since when the cluster has been Ready at the version it runs, without interruption: the
    /// soak clock of environments that promote from this cluster's environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_at_version: Option<ReadyAtVersion>,
    /// Hibernation: whether the cluster sleeps, its last transitions and its next schedule edge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hibernation: Option<HibernationStatus>,
}

/// An upgrade of a cluster in progress: control plane first, then each worker pool, one minor
/// version per step.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeStatus {
    /// The version the control plane was at when the upgrade started.
    pub from: String,
    /// The version the upgrade ends at.
    pub to: String,
    /// The version of the current step (one minor version at a time; a patch change is one step).
    pub step: String,
    /// What is rolling now.
    pub part: UpgradePart,
    /// The worker pool rolling, when `part` is `WorkerPool`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<String>,
    /// Machines of the part at the step version.
    pub updated: i32,
    /// Machines of the part.
    pub total: i32,
    /// When the upgrade started (RFC 3339).
    pub started_at: String,
    /// When the upgrade last made progress (a part or step finished, a machine was updated):
    /// the progress deadline counts from here.
    pub last_progress_time: String,
    /// Why the upgrade counts as failed (no progress within the deadline, or machines
    /// remediated while it ran). A failed upgrade still runs to its end, but halts the wave: no
    /// further cluster of the environment starts and later environments do not promote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

/// The part of a cluster an upgrade is rolling.
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, Default, schemars::JsonSchema,
)]
#[schemars(transform = crate::schema::field_describes_enum)]
pub enum UpgradePart {
    /// The control plane (its machines, or the managed control plane).
    #[default]
    ControlPlane,
    /// One worker pool (named in `pool`).
    WorkerPool,
    /// Every part is at the target version; waiting for the cluster to become Ready.
    Ready,
}

/// A version and since when the cluster has been Ready at it.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ReadyAtVersion {
    /// The version every part of the cluster runs.
    pub version: String,
    /// When the cluster became Ready at it (RFC 3339).
    pub since: String,
}

/// Ready and desired machine counts.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ReplicaCounts {
    /// Machines that are ready.
    pub ready: i32,
    /// Machines wanted.
    pub desired: i32,
}
