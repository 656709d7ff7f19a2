//! The promotion gate: may an environment move to version V?
//!
//! Only when every cluster of its `promotion.from` environment has been Ready at V (or a later
//! version) for at least `soak`, counted from `status.readyAtVersion.since` of each claim (so a
//! restarted controller does not reset the clock), and no cluster of this environment's
//! promotion chain (itself and the environments before it) has a failed upgrade. An empty `from`
//! environment proves nothing: the gate stays closed.

use std::time::Duration;

use jiff::Timestamp;

use super::record::ClusterRecord;
use crate::duration::format_duration;
use crate::upgrade::decide::format_time;
use crate::version::KubeVersion;

/// What the gate looks at.
#[derive(Clone, Debug)]
pub struct GateInput<'a> {
    /// The version the environment wants (`spec.kubernetesVersion`).
    pub version: KubeVersion,
    /// The environment it promotes from.
    pub from: &'a str,
    /// How long every cluster of `from` must have been Ready at the version.
    pub soak: Duration,
    /// The clusters of `from`.
    pub clusters: &'a [&'a ClusterRecord],
    /// Clusters with a failed upgrade in the environment's promotion chain.
    pub failures: &'a [&'a ClusterRecord],
    /// Now.
    pub now: Timestamp,
}

/// Why the gate is closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockReason {
    /// A cluster of the chain failed its upgrade: the wave halted.
    UpgradeFailed,
    /// `from` has no clusters.
    NoSourceClusters,
    /// A cluster of `from` is not Ready at the version.
    SourceNotReady,
    /// Every cluster of `from` is Ready at the version, not all for `soak` yet.
    Soaking,
}

impl BlockReason {
    /// CamelCase, for the `PromotionBlocked` condition.
    pub fn as_str(self) -> &'static str {
        match self {
            BlockReason::UpgradeFailed => "UpgradeFailed",
            BlockReason::NoSourceClusters => "NoSourceClusters",
            BlockReason::SourceNotReady => "SourceNotReady",
            BlockReason::Soaking => "Soaking",
        }
    }
}

/// One cluster the gate waits for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiting {
    /// `namespace/name`.
    pub cluster: String,
    /// What about it (absolute times only, so the message is stable between reconciles).
    pub why: String,
    /// How much soak is left, for soaking clusters.
    pub remaining: Option<Duration>,
}

/// A closed gate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blocked {
    /// The main reason.
    pub reason: BlockReason,
    /// The clusters in the way (failed, not ready, or still soaking).
    pub clusters: Vec<Waiting>,
    /// When every cluster of `from` will have soaked, if they all are Ready at the version now.
    pub remaining: Option<Duration>,
}

impl Blocked {
    /// One line: what the promotion of `version` from `from` waits for.
    pub fn message(&self, version: KubeVersion, from: &str) -> String {
        let list = self
            .clusters
            .iter()
            .map(|w| format!("{} {}", w.cluster, w.why))
            .collect::<Vec<_>>()
            .join("; ");
        match self.reason {
            BlockReason::UpgradeFailed => {
                format!("promotion of {version} halted: an upgrade failed: {list}")
            }
            BlockReason::NoSourceClusters => format!(
                "promotion of {version} waits: Environment {from} has no awake clusters to prove it (hibernated clusters do not count)"
            ),
            BlockReason::SourceNotReady | BlockReason::Soaking => {
                format!("promotion of {version} from {from} waits for: {list}")
            }
        }
    }
}

/// The gate's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Gate {
    /// The environment may move to the version.
    Open,
    /// It may not yet.
    Blocked(Blocked),
}

/// Evaluates the gate.
pub fn gate(input: &GateInput<'_>) -> Gate {
    if !input.failures.is_empty() {
        return Gate::Blocked(Blocked {
            reason: BlockReason::UpgradeFailed,
            clusters: input
                .failures
                .iter()
                .map(|c| Waiting {
                    cluster: c.key.clone(),
                    why: format!(
                        "(Environment {}) failed its upgrade to {}: {}",
                        c.environment,
                        c.upgrade_to.as_deref().unwrap_or("?"),
                        c.failure.as_deref().unwrap_or_default()
                    ),
                    remaining: None,
                })
                .collect(),
            remaining: None,
        });
    }
    if input.clusters.is_empty() {
        return Gate::Blocked(Blocked {
            reason: BlockReason::NoSourceClusters,
            clusters: Vec::new(),
            remaining: None,
        });
    }
    let version = input.version;
    let mut not_ready = Vec::new();
    let mut soaking = Vec::new();
    for cluster in input.clusters {
        match cluster.ready_at {
            Some((at, since)) if at.cmp_to(version).is_ge() => {
                let elapsed = elapsed(since, input.now);
                if elapsed < input.soak {
                    let remaining = input.soak - elapsed;
                    let until = since
                        .checked_add(signed(input.soak))
                        .map_or_else(|_| "?".to_owned(), format_time);
                    soaking.push(Waiting {
                        cluster: cluster.key.clone(),
                        why: format!(
                            "Ready at {at} since {}, soaked at {until} ({} soak)",
                            format_time(since),
                            format_duration(input.soak)
                        ),
                        remaining: Some(remaining),
                    });
                }
            }
            _ => not_ready.push(Waiting {
                cluster: cluster.key.clone(),
                why: match (cluster.running, cluster.ready) {
                    (Some(running), true) if running.cmp_to(version).is_lt() => {
                        format!("runs {running}")
                    }
                    (Some(running), _) if running.cmp_to(version).is_lt() => {
                        format!("runs {running}, not Ready")
                    }
                    (None, _) => "reports no version".to_owned(),
                    _ => format!("not Ready at {version}"),
                },
                remaining: None,
            }),
        }
    }
    if !not_ready.is_empty() {
        not_ready.extend(soaking);
        return Gate::Blocked(Blocked {
            reason: BlockReason::SourceNotReady,
            clusters: not_ready,
            remaining: None,
        });
    }
    if soaking.is_empty() {
        return Gate::Open;
    }
    let remaining = soaking.iter().filter_map(|w| w.remaining).max();
    Gate::Blocked(Blocked {
        reason: BlockReason::Soaking,
        clusters: soaking,
        remaining,
    })
}

/// Time from `since` to `now`, zero when `since` is in the future (clock skew).
fn elapsed(since: Timestamp, now: Timestamp) -> Duration {
    let seconds = now.as_second().saturating_sub(since.as_second());
    Duration::from_secs(u64::try_from(seconds).unwrap_or(0))
}

fn signed(duration: Duration) -> jiff::SignedDuration {
    jiff::SignedDuration::from_secs(i64::try_from(duration.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::upgrade::ObservedVersion;

    fn v(text: &str) -> KubeVersion {
        text.parse().expect("version")
    }

    fn at(text: &str) -> Timestamp {
        text.parse().expect("time")
    }

    fn dev(name: &str, version: &str, ready_since: Option<&str>) -> ClusterRecord {
        ClusterRecord {
            key: format!("team-a/{name}"),
            environment: "dev".to_owned(),
            pinned: None,
            running: ObservedVersion::parse(version),
            ready: ready_since.is_some(),
            valid: true,
            ready_at: ready_since.map(|s| (ObservedVersion::parse(version).expect("v"), at(s))),
            upgrading: false,
            upgrade_to: None,
            failure: None,
            hibernated: false,
        }
    }

    fn check(clusters: &[&ClusterRecord], failures: &[&ClusterRecord], now: &str) -> Gate {
        gate(&GateInput {
            version: v("v1.33.1"),
            from: "dev",
            soak: Duration::from_secs(24 * 3600),
            clusters,
            failures,
            now: at(now),
        })
    }

    #[test]
    fn the_gate_opens_once_every_cluster_soaked() {
        let a = dev("a", "v1.33.1", Some("2026-01-10T12:00:00Z"));
        let b = dev("b", "v1.33.1", Some("2026-01-10T18:00:00Z"));
        // 20h after a, 14h after b: 10h left for b.
        let Gate::Blocked(blocked) = check(&[&a, &b], &[], "2026-01-11T08:00:00Z") else {
            panic!("still soaking")
        };
        assert_eq!(blocked.reason, BlockReason::Soaking);
        assert_eq!(blocked.remaining, Some(Duration::from_secs(10 * 3600)));
        assert_eq!(
            blocked.message(v("v1.33.1"), "dev"),
            "promotion of v1.33.1 from dev waits for: team-a/a Ready at v1.33.1 since 2026-01-10T12:00:00Z, soaked at 2026-01-11T12:00:00Z (24h soak); team-a/b Ready at v1.33.1 since 2026-01-10T18:00:00Z, soaked at 2026-01-11T18:00:00Z (24h soak)"
        );
        // Exactly 24h after b: open.
        assert_eq!(check(&[&a, &b], &[], "2026-01-11T18:00:00Z"), Gate::Open);
    }

    #[test]
    fn clusters_not_ready_at_the_version_block_and_are_named() {
        let a = dev("a", "v1.33.1", Some("2026-01-10T12:00:00Z"));
        let old = dev("old", "v1.32.4", Some("2026-01-01T00:00:00Z"));
        let down = dev("down", "v1.33.1", None);
        let Gate::Blocked(blocked) = check(&[&a, &old, &down], &[], "2026-01-20T00:00:00Z") else {
            panic!("blocked")
        };
        assert_eq!(blocked.reason, BlockReason::SourceNotReady);
        let named: Vec<(&str, &str)> = blocked
            .clusters
            .iter()
            .map(|w| (w.cluster.as_str(), w.why.as_str()))
            .collect();
        assert_eq!(
            named,
            [
                ("team-a/old", "runs v1.32.4"),
                ("team-a/down", "not Ready at v1.33.1")
            ]
        );
    }

    #[test]
    fn a_later_version_counts_and_the_clock_never_runs_backwards() {
        let ahead = dev("ahead", "v1.34.0", Some("2026-01-01T00:00:00Z"));
        assert_eq!(check(&[&ahead], &[], "2026-01-02T00:00:00Z"), Gate::Open);
        let future = dev("skewed", "v1.33.1", Some("2026-01-05T00:00:00Z"));
        let Gate::Blocked(blocked) = check(&[&future], &[], "2026-01-04T00:00:00Z") else {
            panic!("blocked")
        };
        assert_eq!(blocked.remaining, Some(Duration::from_secs(24 * 3600)));
    }

    #[test]
    fn an_empty_source_and_a_failure_upstream_block() {
        let Gate::Blocked(empty) = check(&[], &[], "2026-01-02T00:00:00Z") else {
            panic!("blocked")
        };
        assert_eq!(empty.reason, BlockReason::NoSourceClusters);
        let a = dev("a", "v1.33.1", Some("2026-01-01T00:00:00Z"));
        let mut failed = dev("f", "v1.32.4", None);
        failed.upgrading = true;
        failed.upgrade_to = Some("v1.33.1".to_owned());
        failed.failure = Some("no progress for 1h (progress deadline)".to_owned());
        let Gate::Blocked(halted) = check(&[&a], &[&failed], "2026-01-09T00:00:00Z") else {
            panic!("halted")
        };
        assert_eq!(halted.reason, BlockReason::UpgradeFailed);
        assert_eq!(
            halted.message(v("v1.33.1"), "dev"),
            "promotion of v1.33.1 halted: an upgrade failed: team-a/f (Environment dev) failed its upgrade to v1.33.1: no progress for 1h (progress deadline)"
        );
    }
}
