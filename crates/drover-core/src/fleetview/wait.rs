//! `drover wait cluster NAME --for ready|deleted`: given the claim as last seen (or its absence),
//! is the wait over, still on, or hopeless? Pure, so a sequence of claim states is a test.

use std::fmt;

use drover_api::workload_cluster::ReplicaCounts;
use drover_api::{ConditionStatus, ConditionType, Phase, WorkloadCluster};

use super::clusters::{ClusterRow, counts_text};
use super::phase_name;

/// What is waited for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Goal {
    /// The claim is Ready, as of its current generation.
    Ready,
    /// The claim is gone.
    Deleted,
}

/// What to do after seeing the claim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The goal is reached.
    Done,
    /// Not yet; keep watching.
    Waiting,
    /// The goal cannot be reached without someone changing the claim: stop with this reason.
    Hopeless(String),
}

/// Decides the wait for `goal` given the claim as last seen, `None` when it does not exist.
///
/// Ready means phase `Ready` (and the `Ready` condition not saying otherwise) in a status that
/// describes the claim's current `metadata.generation`: a Ready status written before the last
/// spec change does not count. A claim that is `Failed` for its current generation, being
/// deleted, or gone will not become Ready: that is [`Decision::Hopeless`].
pub fn decide(goal: Goal, claim: Option<&WorkloadCluster>) -> Decision {
    match (goal, claim) {
        (Goal::Deleted, None) => Decision::Done,
        (Goal::Deleted, Some(_)) => Decision::Waiting,
        (Goal::Ready, None) => Decision::Hopeless("the claim was deleted".to_owned()),
        (Goal::Ready, Some(claim)) => ready(claim),
    }
}

fn ready(claim: &WorkloadCluster) -> Decision {
    if claim.metadata.deletion_timestamp.is_some() {
        return Decision::Hopeless("the claim is being deleted".to_owned());
    }
    let row = ClusterRow::of(claim);
    let Some(status) = claim.status.as_ref().filter(|_| row.synced) else {
        return Decision::Waiting;
    };
    let ready_condition = status
        .conditions
        .iter()
        .find(|c| c.type_ == ConditionType::Ready)
        .map(|c| c.status);
    match status.phase {
        Some(Phase::Ready) if ready_condition.is_none_or(|s| s == ConditionStatus::True) => {
            Decision::Done
        }
        Some(Phase::Failed) => Decision::Hopeless(format!(
            "the claim is Failed: {}",
            row.message
                .unwrap_or_else(|| "no condition says why".to_owned())
        )),
        Some(Phase::Deleting) => Decision::Hopeless("the claim is being deleted".to_owned()),
        Some(Phase::Hibernated) => Decision::Hopeless(format!(
            "the cluster is hibernated ({}): wake it with `drover wake {}`, or wait for its schedule",
            row.hibernation_text(std::time::SystemTime::now()),
            row.name
        )),
        _ => Decision::Waiting,
    }
}

/// What the progress display shows of the claim being waited for.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Progress {
    /// Whether the claim exists.
    pub exists: bool,
    /// Phase, when reported.
    pub phase: Option<String>,
    /// Whether the status describes the current generation.
    pub synced: bool,
    /// Control-plane machines ready / desired.
    pub control_plane: Option<ReplicaCounts>,
    /// Worker machines ready / desired.
    pub workers: Option<ReplicaCounts>,
    /// `current → target` version.
    pub version: String,
    /// The first condition that does not hold.
    pub message: Option<String>,
}

impl Progress {
    /// The progress of `claim` (`None`: it does not exist).
    pub fn of(claim: Option<&WorkloadCluster>) -> Self {
        let Some(claim) = claim else {
            return Self::default();
        };
        let row = ClusterRow::of(claim);
        Self {
            exists: true,
            phase: claim
                .status
                .as_ref()
                .and_then(|s| s.phase)
                .map(|p| phase_name(p).to_owned()),
            synced: row.synced,
            control_plane: row.control_plane,
            workers: row.workers,
            version: row.version_text(),
            message: row.message,
        }
    }
}

/// `Provisioning · control plane 1/3 · workers 0/4 · v1.32.1 · ControlPlaneReady: …`; the
/// phase is marked `(stale)` while the controller has not caught up with the claim's spec.
impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.exists {
            return f.write_str("not found");
        }
        let phase = self.phase.as_deref().unwrap_or("no status yet");
        write!(f, "{phase}")?;
        if !self.synced && self.phase.is_some() {
            f.write_str(" (stale)")?;
        }
        write!(
            f,
            " · control plane {} · workers {} · {}",
            counts_text(self.control_plane),
            counts_text(self.workers),
            self.version
        )?;
        if let Some(message) = &self.message {
            write!(f, " · {message}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use drover_api::{Condition, WorkloadClusterStatus};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

    fn claim(generation: i64, status: Option<(i64, Phase, ConditionStatus)>) -> WorkloadCluster {
        let mut claim = fixtures::claim("team-a", "web", "dev");
        claim.metadata.generation = Some(generation);
        claim.status = status.map(|(observed, phase, ready)| WorkloadClusterStatus {
            phase: Some(phase),
            observed_generation: Some(observed),
            conditions: vec![
                Condition {
                    type_: ConditionType::Valid,
                    status: if phase == Phase::Failed {
                        ConditionStatus::False
                    } else {
                        ConditionStatus::True
                    },
                    reason: "Invalid".to_owned(),
                    message: "spec.workers[0].size: no size `huge`".to_owned(),
                    last_transition_time: "2026-01-01T00:00:00Z".to_owned(),
                    observed_generation: None,
                },
                Condition {
                    type_: ConditionType::Ready,
                    status: ready,
                    reason: "Ready".to_owned(),
                    message: String::new(),
                    last_transition_time: "2026-01-01T00:00:00Z".to_owned(),
                    observed_generation: None,
                },
            ],
            control_plane: Some(ReplicaCounts {
                ready: 1,
                desired: 3,
            }),
            ..WorkloadClusterStatus::default()
        });
        claim
    }

    #[test]
    fn a_claim_becoming_ready_ends_the_wait_only_at_its_current_generation() {
        use ConditionStatus::{False, True};
        let sequence = [
            (claim(2, None), Decision::Waiting),
            // Ready, but for the generation before the user's change.
            (claim(2, Some((1, Phase::Ready, True))), Decision::Waiting),
            (
                claim(2, Some((2, Phase::Provisioning, False))),
                Decision::Waiting,
            ),
            // Phase Ready but the Ready condition disagrees: not yet.
            (claim(2, Some((2, Phase::Ready, False))), Decision::Waiting),
            (claim(2, Some((2, Phase::Ready, True))), Decision::Done),
        ];
        for (index, (claim, expected)) in sequence.iter().enumerate() {
            assert_eq!(&decide(Goal::Ready, Some(claim)), expected, "step {index}");
        }
    }

    #[test]
    fn failed_deleted_or_deleting_claims_are_hopeless() {
        let failed = claim(2, Some((2, Phase::Failed, ConditionStatus::False)));
        assert_eq!(
            decide(Goal::Ready, Some(&failed)),
            Decision::Hopeless(
                "the claim is Failed: Valid: spec.workers[0].size: no size `huge`".to_owned()
            )
        );
        // Failed for an older generation: the controller has not looked at the fix yet.
        let stale = claim(3, Some((2, Phase::Failed, ConditionStatus::False)));
        assert_eq!(decide(Goal::Ready, Some(&stale)), Decision::Waiting);
        let asleep = claim(2, Some((2, Phase::Hibernated, ConditionStatus::True)));
        let Decision::Hopeless(why) = decide(Goal::Ready, Some(&asleep)) else {
            panic!("a hibernated cluster does not become Ready by waiting");
        };
        assert!(why.contains("drover wake"), "{why}");
        assert!(matches!(decide(Goal::Ready, None), Decision::Hopeless(_)));
        let mut deleting = claim(2, Some((2, Phase::Ready, ConditionStatus::True)));
        deleting.metadata.deletion_timestamp =
            Some(Time("2026-01-01T00:00:00Z".parse().unwrap_or_default()));
        assert!(matches!(
            decide(Goal::Ready, Some(&deleting)),
            Decision::Hopeless(_)
        ));
    }

    #[test]
    fn waiting_for_deletion_ends_when_the_claim_is_gone() {
        let ready = claim(1, Some((1, Phase::Deleting, ConditionStatus::False)));
        assert_eq!(decide(Goal::Deleted, Some(&ready)), Decision::Waiting);
        assert_eq!(decide(Goal::Deleted, None), Decision::Done);
    }

    #[test]
    fn progress_line_shows_phase_counts_and_staleness() {
        let stale = claim(3, Some((2, Phase::Provisioning, ConditionStatus::False)));
        assert_eq!(
            Progress::of(Some(&stale)).to_string(),
            "Provisioning (stale) · control plane 1/3 · workers - · -"
        );
        assert_eq!(Progress::of(None).to_string(), "not found");
        assert_eq!(
            Progress::of(Some(&claim(1, None))).to_string(),
            "no status yet · control plane - · workers - · -"
        );
    }
}
