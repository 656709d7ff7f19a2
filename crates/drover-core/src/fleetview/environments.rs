//! `drover get environments`: each Environment's version, the version its clusters are moving
//! to, its promotion gate, its clusters and its maintenance window.
//!
//! The controller's `Environment.status` may be sparse (or absent before it has run): what it
//! does not say is shown as unknown, and the cluster counts come from the claims themselves.

use std::collections::BTreeMap;
use std::time::SystemTime;

use drover_api::environment::{MaintenanceWindow, Weekday};
use drover_api::{Environment, Phase, WorkloadCluster};
use serde::Serialize;

use super::age::{UNKNOWN, since};
use super::table::Table;

/// State of an environment's promotion gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Gate {
    /// The environment has no `promotion`: it moves as soon as its version changes.
    None,
    /// The controller reports what holds the environment back (`status.blockedBy`).
    Blocked,
    /// The environment's target is its `spec.kubernetesVersion`: the gate let it through.
    Passed,
    /// The controller has not reported on the gate (yet).
    Unknown,
}

impl Gate {
    /// The word shown in the GATE column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => UNKNOWN,
            Self::Blocked => "Blocked",
            Self::Passed => "Passed",
            Self::Unknown => "Unknown",
        }
    }
}

/// Clusters of one environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentClusters {
    /// Claims naming the environment.
    pub total: i32,
    /// Of those, the ones in phase Ready.
    pub ready: i32,
    /// Ready at the target version (`status.clustersAtTarget`, else counted from the claims
    /// when the target is known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_target: Option<i32>,
}

/// What `get environments` shows of one Environment. Serialized (camelCase) for `-o json|yaml`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentRow {
    /// Environment name.
    pub name: String,
    /// `spec.kubernetesVersion`.
    pub version: String,
    /// `status.targetVersion`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_version: Option<String>,
    /// `spec.promotion.from`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub promotion_from: Option<String>,
    /// `spec.promotion.soak`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub soak: Option<String>,
    /// The gate's state.
    pub gate: Gate,
    /// `status.blockedBy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_by: Option<String>,
    /// The environment's clusters.
    pub clusters: EnvironmentClusters,
    /// The maintenance window, as [`window_text`] writes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
    /// `metadata.creationTimestamp` (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
}

impl EnvironmentRow {
    /// The row of `environment`, counting its clusters among `claims`.
    pub fn of(environment: &Environment, claims: &[&WorkloadCluster]) -> Self {
        let name = environment.metadata.name.clone().unwrap_or_default();
        let status = environment.status.clone().unwrap_or_default();
        let promotion = environment.spec.promotion.as_ref();
        let target = status.target_version.clone();
        let gate = if promotion.is_none() {
            Gate::None
        } else if status.blocked_by.is_some() {
            Gate::Blocked
        } else if target.as_deref() == Some(environment.spec.kubernetes_version.as_str()) {
            Gate::Passed
        } else {
            Gate::Unknown
        };
        let members: Vec<&WorkloadCluster> = claims
            .iter()
            .copied()
            .filter(|c| c.spec.environment == name)
            .collect();
        let ready: Vec<&WorkloadCluster> = members
            .iter()
            .copied()
            .filter(|c| c.status.as_ref().and_then(|s| s.phase) == Some(Phase::Ready))
            .collect();
        let counted_at_target = target.as_ref().map(|target| {
            count(ready.iter().filter(|c| {
                c.status
                    .as_ref()
                    .and_then(|s| s.kubernetes_version.as_ref())
                    == Some(target)
            }))
        });
        Self {
            name,
            version: environment.spec.kubernetes_version.clone(),
            target_version: target,
            promotion_from: promotion.map(|p| p.from.clone()),
            soak: promotion.and_then(|p| p.soak.clone()),
            gate,
            blocked_by: status.blocked_by.clone(),
            clusters: EnvironmentClusters {
                total: count(members.iter()),
                ready: count(ready.iter()),
                at_target: status.clusters_at_target.or(counted_at_target),
            },
            window: environment
                .spec
                .maintenance_window
                .as_ref()
                .map(window_text),
            created: environment
                .metadata
                .creation_timestamp
                .as_ref()
                .map(|t| t.0.to_string()),
        }
    }

    /// `preprod +24h` (the environment it follows and the soak), or [`UNKNOWN`] without promotion.
    pub fn promotion_text(&self) -> String {
        match (&self.promotion_from, &self.soak) {
            (Some(from), Some(soak)) => format!("{from} +{soak}"),
            (Some(from), None) => from.clone(),
            _ => UNKNOWN.to_owned(),
        }
    }
}

fn count<T>(items: impl Iterator<Item = T>) -> i32 {
    i32::try_from(items.count()).unwrap_or(i32::MAX)
}

/// `Sat,Sun 02:00 +4h UTC`.
pub fn window_text(window: &MaintenanceWindow) -> String {
    let days: Vec<&str> = window.days.iter().map(|d| weekday_name(*d)).collect();
    format!(
        "{} {} +{} {}",
        days.join(","),
        window.start,
        window.duration,
        window.time_zone.as_deref().unwrap_or("UTC")
    )
}

fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Mon",
        Weekday::Tue => "Tue",
        Weekday::Wed => "Wed",
        Weekday::Thu => "Thu",
        Weekday::Fri => "Fri",
        Weekday::Sat => "Sat",
        Weekday::Sun => "Sun",
    }
}

/// The rows of `environments` in promotion order (an environment after the one it is promoted
/// from: `dev`, `staging`, `production`; by name among equals), with their clusters counted among
/// `claims`.
pub fn environment_rows(
    environments: &[Environment],
    claims: &[WorkloadCluster],
) -> Vec<EnvironmentRow> {
    let claims: Vec<&WorkloadCluster> = claims.iter().collect();
    let mut rows: Vec<EnvironmentRow> = environments
        .iter()
        .map(|e| EnvironmentRow::of(e, &claims))
        .collect();
    let from: BTreeMap<String, String> = rows
        .iter()
        .filter_map(|r| Some((r.name.clone(), r.promotion_from.clone()?)))
        .collect();
    rows.sort_by_cached_key(|r| (promotion_depth(&from, &r.name), r.name.clone()));
    rows
}

/// How many promotion steps lead to `name` (cycles and unknown sources end the walk).
fn promotion_depth(from: &BTreeMap<String, String>, name: &str) -> usize {
    let mut depth = 0;
    let mut current = name;
    while let Some(source) = from.get(current) {
        depth += 1;
        if depth > from.len() {
            break;
        }
        current = source;
    }
    depth
}

/// The `get environments` table. `wide` adds the clusters at the target version.
pub fn environments_table(rows: &[EnvironmentRow], wide: bool, now: SystemTime) -> String {
    let mut headers = vec![
        "NAME",
        "VERSION",
        "TARGET",
        "PROMOTION",
        "GATE",
        "CLUSTERS",
        "WINDOW",
        "AGE",
    ];
    if wide {
        headers.push("AT TARGET");
    }
    headers.push("MESSAGE");
    let mut table = Table::new(headers);
    for row in rows {
        let mut cells = vec![
            row.name.clone(),
            row.version.clone(),
            row.target_version
                .clone()
                .unwrap_or_else(|| UNKNOWN.to_owned()),
            row.promotion_text(),
            row.gate.as_str().to_owned(),
            format!("{}/{} ready", row.clusters.ready, row.clusters.total),
            row.window.clone().unwrap_or_else(|| "any time".to_owned()),
            since(row.created.as_deref(), now),
        ];
        if wide {
            cells.push(
                row.clusters
                    .at_target
                    .map_or_else(|| UNKNOWN.to_owned(), |n| n.to_string()),
            );
        }
        cells.push(row.blocked_by.clone().unwrap_or_default());
        table.row(cells);
    }
    table.render()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use drover_api::EnvironmentStatus;
    use drover_api::environment::Promotion;

    fn gated(name: &str, version: &str, status: Option<EnvironmentStatus>) -> Environment {
        let mut environment = fixtures::environment(name, version);
        environment.spec.promotion = Some(Promotion {
            from: "staging".to_owned(),
            soak: Some("24h".to_owned()),
        });
        environment.status = status;
        environment
    }

    #[test]
    fn rows_follow_the_promotion_chain_and_survive_cycles() {
        let mut a = gated("a-prod", "v1.33.0", None);
        a.spec.promotion = Some(Promotion {
            from: "m-staging".to_owned(),
            soak: None,
        });
        let mut m = gated("m-staging", "v1.33.0", None);
        m.spec.promotion = Some(Promotion {
            from: "z-dev".to_owned(),
            soak: None,
        });
        let z = fixtures::environment("z-dev", "v1.33.0");
        let mut loop_a = gated("loop-a", "v1.33.0", None);
        loop_a.spec.promotion = Some(Promotion {
            from: "loop-b".to_owned(),
            soak: None,
        });
        let mut loop_b = gated("loop-b", "v1.33.0", None);
        loop_b.spec.promotion = Some(Promotion {
            from: "loop-a".to_owned(),
            soak: None,
        });
        let rows = environment_rows(&[a, m, z, loop_a, loop_b], &[]);
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["z-dev", "m-staging", "a-prod", "loop-a", "loop-b"]);
    }

    #[test]
    fn gate_state_follows_status() {
        let none = EnvironmentRow::of(&fixtures::environment("dev", "v1.32.1"), &[]);
        assert_eq!(none.gate, Gate::None);
        let unknown = EnvironmentRow::of(&gated("prod", "v1.33.0", None), &[]);
        assert_eq!(unknown.gate, Gate::Unknown);
        let blocked = EnvironmentRow::of(
            &gated(
                "prod",
                "v1.33.0",
                Some(EnvironmentStatus {
                    target_version: Some("v1.32.1".to_owned()),
                    blocked_by: Some("staging/web not Ready at v1.33.0".to_owned()),
                    ..EnvironmentStatus::default()
                }),
            ),
            &[],
        );
        assert_eq!(blocked.gate, Gate::Blocked);
        let passed = EnvironmentRow::of(
            &gated(
                "prod",
                "v1.33.0",
                Some(EnvironmentStatus {
                    target_version: Some("v1.33.0".to_owned()),
                    ..EnvironmentStatus::default()
                }),
            ),
            &[],
        );
        assert_eq!(passed.gate, Gate::Passed);
        assert_eq!(passed.promotion_text(), "staging +24h");
    }

    #[test]
    fn clusters_are_counted_from_the_claims_when_status_does_not_say() {
        use drover_api::WorkloadClusterStatus;
        let at = |name: &str, phase: Phase, version: &str| {
            let mut claim = fixtures::claim("team-a", name, "prod");
            claim.status = Some(WorkloadClusterStatus {
                phase: Some(phase),
                kubernetes_version: Some(version.to_owned()),
                ..WorkloadClusterStatus::default()
            });
            claim
        };
        let claims = [
            at("a", Phase::Ready, "v1.33.0"),
            at("b", Phase::Ready, "v1.32.1"),
            at("c", Phase::Upgrading, "v1.33.0"),
            fixtures::claim("team-a", "d", "dev"),
        ];
        let refs: Vec<&WorkloadCluster> = claims.iter().collect();
        let environment = gated(
            "prod",
            "v1.33.0",
            Some(EnvironmentStatus {
                target_version: Some("v1.33.0".to_owned()),
                ..EnvironmentStatus::default()
            }),
        );
        let row = EnvironmentRow::of(&environment, &refs);
        assert_eq!(
            row.clusters,
            EnvironmentClusters {
                total: 3,
                ready: 2,
                at_target: Some(1)
            }
        );
    }
}
