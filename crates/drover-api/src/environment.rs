//! `Environment`: policy, defaults and promotion for one stage (dev, staging, production, ...).

use kube::{CustomResource, KubeSchema};
use serde::{Deserialize, Serialize};

use crate::conditions::Condition;
use crate::hibernation::EnvironmentHibernation;

/// One stage of the fleet. Every WorkloadCluster names one; its version, defaults and policy apply.
// clippy takes the repeated `type_ = "string"` of the printer columns for duplicated attributes.
#[allow(clippy::duplicated_attributes)]
#[derive(CustomResource, KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[kube(
    group = "drover.dev",
    version = "v1alpha1",
    kind = "Environment",
    doc = "One stage of the fleet (dev, staging, production, ...): the Kubernetes version its clusters follow, the defaults and policy every WorkloadCluster of the stage gets, and the promotion gate and maintenance window of its upgrades.",
    status = "EnvironmentStatus",
    shortname = "denv",
    category = "drover",
    printcolumn(
        name = "Version",
        type_ = "string",
        json_path = ".spec.kubernetesVersion"
    ),
    printcolumn(name = "From", type_ = "string", json_path = ".spec.promotion.from"),
    printcolumn(name = "Target", type_ = "string", json_path = ".status.targetVersion"),
    printcolumn(
        name = "At Target",
        type_ = "integer",
        json_path = ".status.clustersAtTarget"
    ),
    printcolumn(
        name = "Clusters",
        type_ = "integer",
        json_path = ".status.clustersTotal"
    ),
    printcolumn(
        name = "Blocked By",
        type_ = "string",
        json_path = ".status.blockedBy",
        priority = "1"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentSpec {
    /// The Kubernetes version (`vMAJOR.MINOR.PATCH`) clusters of this environment follow.
    #[schemars(length(max = 32), regex(pattern = r"^v[0-9]+\.[0-9]+\.[0-9]+$"))]
    #[x_kube(validation = Rule::new("self.matches('^v[0-9]+\\\\.[0-9]+\\\\.[0-9]+$')").message("kubernetesVersion must look like v1.32.1"))]
    pub kubernetes_version: String,

    /// Promotion gate: move to a version only after another environment has soaked at it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion: Option<Promotion>,

    /// When upgrades of this environment's clusters may start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintenance_window: Option<MaintenanceWindow>,

    /// Values for what a claim leaves out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defaults: Option<ClusterDefaults>,

    /// Rules every claim of this environment must satisfy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<Policy>,

    /// How the environment's clusters are upgraded: how many at a time, and when an upgrade
    /// counts as failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<UpgradePolicy>,

    /// When the environment's clusters sleep (worker pools to zero) and wake up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hibernation: Option<EnvironmentHibernation>,

    /// The security baseline of every cluster of the environment (single sign-on, audit log,
    /// encryption at rest, Pod Security, network policy). Claims may strengthen it, never weaken it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<crate::security::SecuritySpec>,
}

/// How an environment's clusters are upgraded.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct UpgradePolicy {
    /// Clusters of the environment that may upgrade at the same time (default 1): the wave
    /// moves this many clusters at once, and a failed upgrade stops it before the next start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 1000))]
    pub max_concurrent: Option<i32>,
    /// How long an upgrading part (the control plane, a worker pool, the final wait for Ready)
    /// may go without progress before the upgrade counts as failed (default `1h`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^([0-9]+(d|h|m|s))+$"))]
    pub progress_deadline: Option<String>,
}

/// Promotion gate of an environment.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct Promotion {
    /// The environment whose clusters must be Ready at a version before this one moves to it.
    pub from: String,
    /// How long every cluster of `from` must have been Ready at the version (e.g. `24h`, `30m`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^([0-9]+(d|h|m|s))+$"))]
    pub soak: Option<String>,
}

/// A recurring window in which upgrades may start.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct MaintenanceWindow {
    /// Days the window opens on.
    #[schemars(length(min = 1, max = 7))]
    pub days: Vec<Weekday>,
    /// Local start time, `HH:MM` (24 h).
    #[schemars(regex(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"))]
    pub start: String,
    /// How long the window stays open (e.g. `4h`); may run past midnight.
    #[schemars(regex(pattern = r"^([0-9]+(d|h|m|s))+$"))]
    pub duration: String,
    /// IANA time zone of `start` (default `UTC`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

/// Day of the week.
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
#[schemars(transform = crate::schema::field_describes_enum)]
pub enum Weekday {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

/// Defaults applied to claims of the environment.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ClusterDefaults {
    /// Control-plane replicas when the claim gives none (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[x_kube(validation = Rule::new("self in [1, 3, 5, 7]").message("controlPlaneReplicas must be 1, 3, 5 or 7"))]
    pub control_plane_replicas: Option<i32>,
    /// Replicas of a worker pool that gives none (default 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 1000))]
    pub worker_replicas: Option<i32>,
    /// Size of worker machines when the claim gives none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    /// Size of control-plane machines when the claim gives none (default: `size`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_plane_size: Option<String>,
}

/// Policy checked against every claim of the environment.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    /// Infrastructures claims may use (exact names); empty or omitted allows all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_infrastructures: Option<Vec<String>>,
    /// Namespaces claims may live in, as globs (`team-*`); empty or omitted allows all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_namespaces: Option<Vec<String>>,
    /// Smallest control plane allowed (e.g. 3 for HA in production).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 7))]
    pub min_control_plane_replicas: Option<i32>,
    /// Largest worker pool allowed, per pool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub max_worker_replicas: Option<i32>,
}

/// Observed state of an environment, written by the controller.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentStatus {
    /// The version the environment's clusters are being moved to: `spec.kubernetesVersion` once
    /// the promotion gate let it through, the last promoted version while it is held back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_version: Option<String>,
    /// Clusters of this environment Ready at the target version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clusters_at_target: Option<i32>,
    /// Clusters of this environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clusters_total: Option<i32>,
    /// Why the environment is not moving to `spec.kubernetesVersion`, when it is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_by: Option<String>,
    /// The `metadata.generation` last reconciled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// Clusters (`namespace/name`) allowed to upgrade now: those upgrading and those admitted
    /// to start, at most `spec.upgrade.maxConcurrent`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upgrading: Vec<String>,
    /// `PromotionBlocked` and `UpgradesHalted`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
}
