//! Hibernation: clusters whose worker machines stop outside working hours and start again on
//! time, or on demand. See `docs/hibernation.md`.

use kube::KubeSchema;
use serde::{Deserialize, Serialize};

/// One sleep/wake rhythm: the cluster hibernates at every `hibernate` time and wakes up at every
/// `wakeUp` time, both read in `timeZone`.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct HibernationSchedule {
    /// When to hibernate: a cron expression of 5 fields (minute hour day-of-month month
    /// day-of-week), e.g. `0 19 * * 1-5` for 19:00 on weekdays.
    #[schemars(length(min = 9, max = 128))]
    #[x_kube(validation = Rule::new("self.matches('^ *[^ ]+( +[^ ]+){4} *$')").message("hibernate must be a cron expression of 5 fields: minute hour day-of-month month day-of-week"))]
    pub hibernate: String,
    /// When to wake up: a cron expression of 5 fields, e.g. `0 7 * * 1-5`.
    #[schemars(length(min = 9, max = 128))]
    #[x_kube(validation = Rule::new("self.matches('^ *[^ ]+( +[^ ]+){4} *$')").message("wakeUp must be a cron expression of 5 fields: minute hour day-of-month month day-of-week"))]
    pub wake_up: String,
    /// IANA time zone both expressions are read in (default `UTC`), e.g. `Europe/Berlin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 64))]
    #[x_kube(validation = Rule::new("self.matches('^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$')").message("timeZone must be an IANA time zone name such as UTC or Europe/Berlin"))]
    pub time_zone: Option<String>,
}

/// `Environment.spec.hibernation`: the schedules every cluster of the environment follows,
/// unless its claim opts out or brings its own.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentHibernation {
    /// Sleep/wake rhythms; the most recent edge of any of them decides.
    #[schemars(length(min = 1, max = 8))]
    pub schedules: Vec<HibernationSchedule>,
}

/// `WorkloadCluster.spec.hibernation`: opt out of the environment's schedules, or replace them.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ClusterHibernation {
    /// `false`: this cluster never hibernates on a schedule (the environment's schedules do not
    /// apply; `spec.hibernated` still does). Default `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// This cluster's own schedules, in place of the environment's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 8))]
    pub schedules: Option<Vec<HibernationSchedule>>,
}

/// What happens at a schedule edge.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, schemars::JsonSchema)]
#[schemars(transform = crate::schema::field_describes_enum)]
pub enum HibernationAction {
    /// The cluster goes to sleep.
    Hibernate,
    /// The cluster wakes up.
    WakeUp,
}

/// A schedule edge to come.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct HibernationEdge {
    /// What happens.
    pub action: HibernationAction,
    /// When (RFC 3339, UTC).
    pub at: String,
}

/// An on-demand request (`spec.hibernated`) as the controller first saw it: it wins over the
/// schedules until the next schedule edge after `since`.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct HibernationRequest {
    /// The value of `spec.hibernated`.
    pub hibernated: bool,
    /// When the controller first saw it (or the `drover.dev/hibernation-requested-at`
    /// annotation's time, when later).
    pub since: String,
}

/// `WorkloadCluster.status.hibernation`, written by the controller.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct HibernationStatus {
    /// Whether the cluster is hibernated now (its worker pools at zero, or at the provider's
    /// minimum).
    pub hibernated: bool,
    /// When the cluster last went to sleep (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_hibernated: Option<String>,
    /// When the cluster last woke up (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_woke_up: Option<String>,
    /// The next schedule edge, if the cluster has schedules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<HibernationEdge>,
    /// The on-demand request in force or last seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<HibernationRequest>,
}
