//! `drover get clusters`: one row per claim of the fleet, from the claims alone (their status is
//! the controller's summary of the CAPI objects, so no CAPI object is read).

use std::time::SystemTime;

use drover_api::WorkloadCluster;
use drover_api::hibernation::{HibernationAction, HibernationStatus};
use drover_api::workload_cluster::ReplicaCounts;
use jiff::Timestamp;
use serde::Serialize;

use super::age::{UNKNOWN, human_duration, since};
use super::table::Table;
use super::{phase_name, unready_summary};

/// What `get clusters` shows of one claim. Serialized (camelCase) for `-o json|yaml`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterRow {
    /// Claim name (unique in the fleet).
    pub name: String,
    /// Claim namespace.
    pub namespace: String,
    /// `spec.environment`.
    pub environment: String,
    /// `spec.infrastructure`.
    pub infrastructure: String,
    /// `status.kubernetesVersion`: what the control plane runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `status.targetVersion`, else the version the claim pins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_version: Option<String>,
    /// `status.phase`, absent until the controller has seen the claim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// `spec.paused`.
    pub paused: bool,
    /// Whether the status describes the current `metadata.generation`.
    pub synced: bool,
    /// Control-plane machines ready / desired.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control_plane: Option<ReplicaCounts>,
    /// Worker machines ready / desired, over all pools.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workers: Option<ReplicaCounts>,
    /// `status.endpoint`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// `Type: message` of the first condition that does not hold, in condition order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `metadata.creationTimestamp` (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// `status.hibernation`: whether it sleeps and its next schedule edge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hibernation: Option<HibernationStatus>,
}

impl ClusterRow {
    /// The row of `claim`.
    pub fn of(claim: &WorkloadCluster) -> Self {
        let status = claim.status.clone().unwrap_or_default();
        let synced = match (status.observed_generation, claim.metadata.generation) {
            (Some(observed), Some(generation)) => observed >= generation,
            (Some(_), None) => true,
            (None, _) => false,
        };
        Self {
            name: claim.metadata.name.clone().unwrap_or_default(),
            namespace: claim.metadata.namespace.clone().unwrap_or_default(),
            environment: claim.spec.environment.clone(),
            infrastructure: claim.spec.infrastructure.clone(),
            version: status.kubernetes_version.clone(),
            target_version: status
                .target_version
                .clone()
                .or_else(|| claim.spec.kubernetes_version.clone()),
            phase: status.phase.map(|p| phase_name(p).to_owned()),
            paused: claim.spec.paused == Some(true),
            synced,
            control_plane: status.control_plane,
            workers: status.workers,
            endpoint: status.endpoint.clone(),
            message: unready_summary(&status.conditions),
            created: claim
                .metadata
                .creation_timestamp
                .as_ref()
                .map(|t| t.0.to_string()),
            hibernation: status.hibernation.clone(),
        }
    }

    /// `asleep, wakes in 9h`, `sleeps in 3h`, `asleep` (no wake-up scheduled), or [`UNKNOWN`]
    /// for a cluster without hibernation.
    pub fn hibernation_text(&self, now: SystemTime) -> String {
        let Some(hibernation) = &self.hibernation else {
            return UNKNOWN.to_owned();
        };
        let now = Timestamp::try_from(now).unwrap_or(Timestamp::UNIX_EPOCH);
        let next = hibernation.next.as_ref().and_then(|edge| {
            let at = edge.at.parse::<Timestamp>().ok()?;
            Some((
                edge.action,
                human_duration((at.as_second() - now.as_second()).max(0)),
            ))
        });
        match (hibernation.hibernated, next) {
            (true, Some((HibernationAction::WakeUp, after))) => format!("asleep, wakes in {after}"),
            (true, _) => "asleep".to_owned(),
            (false, Some((HibernationAction::Hibernate, after))) => format!("sleeps in {after}"),
            (false, _) => "awake".to_owned(),
        }
    }

    /// `v1.32.1`, `v1.32.1 → v1.33.0` while moving, `- → v1.32.1` before the control plane
    /// reports a version.
    pub fn version_text(&self) -> String {
        version_text(self.version.as_deref(), self.target_version.as_deref())
    }

    /// The phase, `,Paused` appended when the claim is paused; [`UNKNOWN`] before the first
    /// status.
    pub fn phase_text(&self) -> String {
        let phase = self.phase.clone().unwrap_or_else(|| UNKNOWN.to_owned());
        if self.paused {
            format!("{phase},Paused")
        } else {
            phase
        }
    }
}

/// `current → target` (or just one of them when they agree or one is unknown).
pub fn version_text(current: Option<&str>, target: Option<&str>) -> String {
    match (current, target) {
        (Some(current), Some(target)) if current != target => format!("{current} → {target}"),
        (Some(current), _) => current.to_owned(),
        (None, Some(target)) => format!("{UNKNOWN} → {target}"),
        (None, None) => UNKNOWN.to_owned(),
    }
}

/// `ready/desired`, or [`UNKNOWN`].
pub fn counts_text(counts: Option<ReplicaCounts>) -> String {
    counts.map_or_else(
        || UNKNOWN.to_owned(),
        |c| format!("{}/{}", c.ready, c.desired),
    )
}

/// The rows of `claims` whose environment is one of `environments` (all when empty), sorted by
/// namespace and name.
pub fn cluster_rows<'a>(
    claims: impl IntoIterator<Item = &'a WorkloadCluster>,
    environments: &[String],
) -> Vec<ClusterRow> {
    let mut rows: Vec<ClusterRow> = claims
        .into_iter()
        .filter(|c| environments.is_empty() || environments.contains(&c.spec.environment))
        .map(ClusterRow::of)
        .collect();
    rows.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    rows
}

/// The `get clusters` table. `wide` adds the endpoint and the message of the first condition
/// that does not hold.
pub fn clusters_table(rows: &[ClusterRow], wide: bool, now: SystemTime) -> String {
    let mut headers = vec![
        "NAME",
        "NAMESPACE",
        "ENVIRONMENT",
        "INFRASTRUCTURE",
        "VERSION",
        "PHASE",
        "CONTROL PLANE",
        "WORKERS",
        "HIBERNATION",
        "AGE",
    ];
    if wide {
        headers.extend(["ENDPOINT", "MESSAGE"]);
    }
    let mut table = Table::new(headers);
    for row in rows {
        let mut cells = vec![
            row.name.clone(),
            row.namespace.clone(),
            row.environment.clone(),
            row.infrastructure.clone(),
            row.version_text(),
            row.phase_text(),
            counts_text(row.control_plane),
            counts_text(row.workers),
            row.hibernation_text(now),
            since(row.created.as_deref(), now),
        ];
        if wide {
            cells.push(row.endpoint.clone().unwrap_or_else(|| UNKNOWN.to_owned()));
            cells.push(row.message.clone().unwrap_or_default());
        }
        table.row(cells);
    }
    table.render()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use drover_api::{Phase, WorkloadClusterStatus};

    #[test]
    fn version_shows_the_move() {
        assert_eq!(version_text(Some("v1.32.1"), Some("v1.32.1")), "v1.32.1");
        assert_eq!(
            version_text(Some("v1.32.1"), Some("v1.33.0")),
            "v1.32.1 → v1.33.0"
        );
        assert_eq!(version_text(None, Some("v1.33.0")), "- → v1.33.0");
        assert_eq!(version_text(Some("v1.32.1"), None), "v1.32.1");
        assert_eq!(version_text(None, None), "-");
    }

    #[test]
    fn rows_filter_by_environment_and_sort_by_namespace_then_name() {
        let claims = [
            fixtures::claim("team-b", "a", "dev"),
            fixtures::claim("team-a", "z", "dev"),
            fixtures::claim("team-a", "b", "production"),
        ];
        let rows = cluster_rows(&claims, &[]);
        let names: Vec<_> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["b", "z", "a"]);
        let rows = cluster_rows(&claims, &["dev".to_owned()]);
        let names: Vec<_> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["z", "a"]);
    }

    #[test]
    fn a_status_of_an_older_generation_is_not_synced_and_paused_shows() {
        let mut claim = fixtures::claim("team-a", "web", "dev");
        claim.metadata.generation = Some(3);
        claim.spec.paused = Some(true);
        claim.status = Some(WorkloadClusterStatus {
            phase: Some(Phase::Ready),
            observed_generation: Some(2),
            ..WorkloadClusterStatus::default()
        });
        let row = ClusterRow::of(&claim);
        assert!(!row.synced);
        assert_eq!(row.phase_text(), "Ready,Paused");
    }

    #[test]
    fn hibernation_shows_the_state_and_the_next_edge() {
        use drover_api::hibernation::HibernationEdge;
        let now = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_767_225_600);
        let mut claim = fixtures::claim("team-a", "web", "dev");
        assert_eq!(ClusterRow::of(&claim).hibernation_text(now), "-");
        let edge = |action, at: &str| {
            Some(HibernationEdge {
                action,
                at: at.to_owned(),
            })
        };
        let mut status = WorkloadClusterStatus {
            hibernation: Some(HibernationStatus {
                hibernated: true,
                next: edge(HibernationAction::WakeUp, "2026-01-01T07:00:00Z"),
                ..HibernationStatus::default()
            }),
            ..WorkloadClusterStatus::default()
        };
        claim.status = Some(status.clone());
        assert_eq!(
            ClusterRow::of(&claim).hibernation_text(now),
            "asleep, wakes in 7h"
        );
        status.hibernation = Some(HibernationStatus {
            hibernated: false,
            next: edge(HibernationAction::Hibernate, "2026-01-01T00:30:00Z"),
            ..HibernationStatus::default()
        });
        claim.status = Some(status);
        assert_eq!(
            ClusterRow::of(&claim).hibernation_text(now),
            "sleeps in 30m"
        );
    }
}
