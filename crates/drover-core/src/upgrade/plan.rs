//! The step planner: from the observed versions and a target, the version each part of the
//! cluster should be rendered at now.
//!
//! Rules, in order:
//!
//! 1. Nothing runs newer than the target: a target below what the control plane (or a pool)
//!    asks for or runs is a downgrade, refused ([`PlanError`]). A major version change too.
//! 2. The control plane moves first. While it rolls (not [`settled`](PartObservation::settled)),
//!    nothing else moves.
//! 3. Then the worker pools, one at a time, in claim order, each to the control plane's version;
//!    the next pool starts when the previous one settled. A MachineDeployment rolls its machines
//!    by its own strategy (drover renders `maxSurge: 1`, `maxUnavailable: 0`).
//! 4. When every part settled at the control plane's version and that is not the target, the
//!    control plane takes the next step: the next minor version (`v1.32.4` → `v1.33.0` on the way
//!    to `v1.34.2`), or the target itself when it is within one minor version (a patch change is
//!    one step). So a cluster two minors behind goes through the intermediate minor, control
//!    plane then workers, and each step shows in its status.
//!
//! New worker pools start at the version the control plane's machines run (never newer than the
//! API servers). A cluster whose control plane reports no version yet (being created, or a
//! provider that reports none) is rendered at the target directly.

use std::cmp::Ordering;

use super::observed::{ObservedParts, ObservedVersion, PartObservation};
use crate::version::KubeVersion;

/// The target cannot be reached from what runs.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The target is older than what a part asks for or runs.
    #[error(
        "{target} is older than the {running} the {part} is at: downgrades are refused (raise the version, or create a new cluster)"
    )]
    Downgrade {
        /// `control plane` or `worker pool md-0`.
        part: String,
        /// What it asks for or runs.
        running: ObservedVersion,
        /// The target.
        target: KubeVersion,
    },
    /// The target has another major version.
    #[error(
        "{target} changes the major version of the {part} ({running}), which drover does not do"
    )]
    MajorChange {
        /// `control plane` or `worker pool md-0`.
        part: String,
        /// What it asks for or runs.
        running: ObservedVersion,
        /// The target.
        target: KubeVersion,
    },
}

/// The part of a cluster that is rolling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RollingPart {
    /// The control plane.
    ControlPlane,
    /// A worker pool, by name.
    Pool(String),
}

/// Where the cluster stands relative to the target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanState {
    /// Every part asks for the target and has settled.
    Done,
    /// The control plane reports no version: every part is rendered at the target.
    Unobserved,
    /// A part is rolling towards `step`.
    Rolling {
        /// The version of the current step.
        step: KubeVersion,
        /// Which part.
        part: RollingPart,
        /// Its machines at `step`.
        updated: i32,
        /// Its machines.
        total: i32,
    },
}

/// The versions to render now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The control plane's version.
    pub control_plane: KubeVersion,
    /// Each worker pool's version, in the order the pools were given.
    pub pools: Vec<(String, KubeVersion)>,
    /// Progress.
    pub state: PlanState,
}

impl Plan {
    /// The version of pool `name`.
    pub fn pool_version(&self, name: &str) -> Option<KubeVersion> {
        self.pools.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }
}

/// The next version on the way from `from` to `to`: `to` when it is at most one minor version
/// ahead, else the next minor's `.0` release. `from` itself when it is not behind.
pub fn next_step(from: KubeVersion, to: KubeVersion) -> KubeVersion {
    if from >= to || from.major != to.major || to.minor <= from.minor + 1 {
        return to.max(from);
    }
    KubeVersion::new(from.major, from.minor + 1, 0)
}

/// Every step from `from` (excluded) to `to` (included): `v1.32.4` → `v1.34.2` is
/// `[v1.33.0, v1.34.2]`. Empty when `from` is not behind.
pub fn steps(from: KubeVersion, to: KubeVersion) -> Vec<KubeVersion> {
    let mut steps = Vec::new();
    let mut at = from;
    while at < to && at.major == to.major {
        at = next_step(at, to);
        steps.push(at);
    }
    steps
}

/// Checks that nothing the cluster asks for or runs is newer than `target`, or of another major.
pub fn check_target(observed: &ObservedParts, target: KubeVersion) -> Result<(), PlanError> {
    for (part, running) in observed.versions() {
        if running.major != target.major {
            return Err(PlanError::MajorChange {
                part,
                running,
                target,
            });
        }
        if running.cmp_to(target) == Ordering::Greater {
            return Err(PlanError::Downgrade {
                part,
                running,
                target,
            });
        }
    }
    Ok(())
}

/// The versions to render for a cluster with worker pools `pools` (claim order) moving towards
/// `target`, given what is observed.
pub fn plan(
    observed: &ObservedParts,
    pools: &[&str],
    target: KubeVersion,
) -> Result<Plan, PlanError> {
    check_target(observed, target)?;
    let Some((cp, cp_version)) = observed
        .control_plane
        .as_ref()
        .and_then(|cp| Some((cp, cp.version?)))
    else {
        return Ok(Plan {
            control_plane: target,
            pools: pools.iter().map(|p| ((*p).to_owned(), target)).collect(),
            state: PlanState::Unobserved,
        });
    };
    let step = cp_version.resolve(target);
    // What existing pools ask for, resolved against the step (a pool at the step keeps it).
    let own = |name: &str| {
        observed
            .pools
            .get(name)
            .and_then(|p| p.version)
            .map(|v| v.resolve(step))
    };

    if !cp.settled() {
        // New pools join at what the control plane's machines run now.
        let floor = cp.running.map_or(step, |r| r.resolve(step));
        return Ok(Plan {
            control_plane: step,
            pools: pools
                .iter()
                .map(|p| ((*p).to_owned(), own(p).unwrap_or(floor)))
                .collect(),
            state: rolling_control_plane(cp, step),
        });
    }

    let mut versions: Vec<(String, KubeVersion)> = Vec::with_capacity(pools.len());
    let mut rolling = None;
    for name in pools {
        let part = observed.pools.get(*name);
        let version = match (own(name), &rolling) {
            // A pool behind the control plane moves to it when no earlier pool is rolling.
            (Some(v), None) if v < step => step,
            (Some(v), _) => v,
            (None, _) => step,
        };
        if rolling.is_none() {
            let asked_before = part.and_then(|p| p.version);
            let moved = asked_before.is_none_or(|v| !v.matches(version));
            if moved || !part.is_some_and(PartObservation::settled) {
                let (updated, total) = match part {
                    Some(p) if !moved => (p.updated(), p.replicas.desired),
                    Some(p) => (0, p.replicas.desired),
                    None => (0, 0),
                };
                rolling = Some(PlanState::Rolling {
                    step,
                    part: RollingPart::Pool((*name).to_owned()),
                    updated,
                    total,
                });
            }
        }
        versions.push(((*name).to_owned(), version));
    }
    if let Some(state) = rolling {
        return Ok(Plan {
            control_plane: step,
            pools: versions,
            state,
        });
    }
    if step >= target {
        return Ok(Plan {
            control_plane: step,
            pools: versions,
            state: PlanState::Done,
        });
    }
    let next = next_step(step, target);
    Ok(Plan {
        control_plane: next,
        pools: versions,
        state: PlanState::Rolling {
            step: next,
            part: RollingPart::ControlPlane,
            updated: 0,
            total: cp.replicas.desired,
        },
    })
}

fn rolling_control_plane(cp: &PartObservation, step: KubeVersion) -> PlanState {
    PlanState::Rolling {
        step,
        part: RollingPart::ControlPlane,
        updated: cp.updated(),
        total: cp.replicas.desired,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::status::Replicas;
    use std::collections::BTreeMap;

    fn v(text: &str) -> KubeVersion {
        text.parse().expect("version")
    }

    /// A part asking for `version`, settled or with `updated` of `total` machines up to date.
    fn part(version: &str, total: i32, updated: i32) -> PartObservation {
        let running = if updated >= total {
            ObservedVersion::parse(version)
        } else {
            None
        };
        PartObservation {
            version: ObservedVersion::parse(version),
            running,
            at_version: None,
            replicas: Replicas {
                desired: total,
                current: total,
                ready: total,
                available: total,
                up_to_date: updated,
            },
            current: true,
            ready: None,
        }
    }

    fn cluster(cp: PartObservation, pools: &[(&str, PartObservation)]) -> ObservedParts {
        ObservedParts {
            control_plane: Some(cp),
            pools: pools
                .iter()
                .map(|(n, p)| ((*n).to_owned(), p.clone()))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    const POOLS: &[&str] = &["md-0", "md-1"];

    #[test]
    fn steps_go_one_minor_at_a_time_and_patches_in_one() {
        assert_eq!(next_step(v("v1.32.4"), v("v1.32.9")), v("v1.32.9"));
        assert_eq!(next_step(v("v1.32.4"), v("v1.33.2")), v("v1.33.2"));
        assert_eq!(next_step(v("v1.32.4"), v("v1.34.2")), v("v1.33.0"));
        assert_eq!(next_step(v("v1.33.0"), v("v1.34.2")), v("v1.34.2"));
        assert_eq!(next_step(v("v1.34.2"), v("v1.34.2")), v("v1.34.2"));
        assert_eq!(
            steps(v("v1.31.1"), v("v1.34.2")),
            [v("v1.32.0"), v("v1.33.0"), v("v1.34.2")]
        );
        assert!(steps(v("v1.34.2"), v("v1.34.2")).is_empty());
    }

    #[test]
    fn the_control_plane_moves_first_and_alone() {
        let observed = cluster(
            part("v1.32.4", 3, 3),
            &[
                ("md-0", part("v1.32.4", 5, 5)),
                ("md-1", part("v1.32.4", 2, 2)),
            ],
        );
        let plan = plan(&observed, POOLS, v("v1.33.1")).expect("plan");
        assert_eq!(plan.control_plane, v("v1.33.1"));
        assert_eq!(
            plan.pools,
            [
                ("md-0".to_owned(), v("v1.32.4")),
                ("md-1".to_owned(), v("v1.32.4"))
            ]
        );
        assert_eq!(
            plan.state,
            PlanState::Rolling {
                step: v("v1.33.1"),
                part: RollingPart::ControlPlane,
                updated: 0,
                total: 3
            }
        );
        // While it rolls, the workers wait.
        let rolling = cluster(
            part("v1.33.1", 3, 2),
            &[
                ("md-0", part("v1.32.4", 5, 5)),
                ("md-1", part("v1.32.4", 2, 2)),
            ],
        );
        let plan = super::plan(&rolling, POOLS, v("v1.33.1")).expect("plan");
        assert_eq!(plan.pool_version("md-0"), Some(v("v1.32.4")));
        assert_eq!(
            plan.state,
            PlanState::Rolling {
                step: v("v1.33.1"),
                part: RollingPart::ControlPlane,
                updated: 2,
                total: 3
            }
        );
    }

    #[test]
    fn worker_pools_follow_one_at_a_time_in_claim_order() {
        let observed = cluster(
            part("v1.33.1", 3, 3),
            &[
                ("md-0", part("v1.32.4", 5, 5)),
                ("md-1", part("v1.32.4", 2, 2)),
            ],
        );
        let plan = plan(&observed, POOLS, v("v1.33.1")).expect("plan");
        assert_eq!(plan.pool_version("md-0"), Some(v("v1.33.1")));
        assert_eq!(plan.pool_version("md-1"), Some(v("v1.32.4")), "waits");
        assert!(matches!(
            plan.state,
            PlanState::Rolling { part: RollingPart::Pool(ref p), updated: 0, total: 5, .. } if p == "md-0"
        ));
        // md-0 rolling (3/5): md-1 still waits.
        let rolling = cluster(
            part("v1.33.1", 3, 3),
            &[
                ("md-0", part("v1.33.1", 5, 3)),
                ("md-1", part("v1.32.4", 2, 2)),
            ],
        );
        let plan = super::plan(&rolling, POOLS, v("v1.33.1")).expect("plan");
        assert_eq!(plan.pool_version("md-1"), Some(v("v1.32.4")));
        assert!(matches!(
            plan.state,
            PlanState::Rolling { part: RollingPart::Pool(ref p), updated: 3, total: 5, .. } if p == "md-0"
        ));
        // md-0 done: md-1 moves.
        let next = cluster(
            part("v1.33.1", 3, 3),
            &[
                ("md-0", part("v1.33.1", 5, 5)),
                ("md-1", part("v1.32.4", 2, 2)),
            ],
        );
        let plan = super::plan(&next, POOLS, v("v1.33.1")).expect("plan");
        assert_eq!(plan.pool_version("md-1"), Some(v("v1.33.1")));
        // Everything at the target and settled.
        let done = cluster(
            part("v1.33.1", 3, 3),
            &[
                ("md-0", part("v1.33.1", 5, 5)),
                ("md-1", part("v1.33.1", 2, 2)),
            ],
        );
        assert_eq!(
            super::plan(&done, POOLS, v("v1.33.1")).expect("plan").state,
            PlanState::Done
        );
    }

    #[test]
    fn two_minors_go_through_the_intermediate_minor() {
        let at = |cp: &str, md0: &str, md1: &str| {
            cluster(
                part(cp, 3, 3),
                &[("md-0", part(md0, 5, 5)), ("md-1", part(md1, 2, 2))],
            )
        };
        let target = v("v1.34.2");
        let first = plan(&at("v1.32.4", "v1.32.4", "v1.32.4"), POOLS, target).expect("plan");
        assert_eq!(first.control_plane, v("v1.33.0"), "the intermediate minor");
        // Control plane at v1.33.0: the workers follow to v1.33.0, not to the target.
        let workers = plan(&at("v1.33.0", "v1.32.4", "v1.32.4"), POOLS, target).expect("plan");
        assert_eq!(workers.control_plane, v("v1.33.0"));
        assert_eq!(workers.pool_version("md-0"), Some(v("v1.33.0")));
        // The whole cluster at v1.33.0: the next step starts with the control plane.
        let second = plan(&at("v1.33.0", "v1.33.0", "v1.33.0"), POOLS, target).expect("plan");
        assert_eq!(second.control_plane, target);
        assert_eq!(second.pool_version("md-0"), Some(v("v1.33.0")));
    }

    #[test]
    fn downgrades_and_major_changes_are_refused() {
        let observed = cluster(part("v1.33.1", 3, 3), &[("md-0", part("v1.33.1", 5, 5))]);
        let error = plan(&observed, &["md-0"], v("v1.32.9")).expect_err("downgrade");
        assert!(matches!(error, PlanError::Downgrade { ref part, .. } if part == "control plane"));
        assert_eq!(
            error.to_string(),
            "v1.32.9 is older than the v1.33.1 the control plane is at: downgrades are refused (raise the version, or create a new cluster)"
        );
        assert!(matches!(
            plan(&observed, &["md-0"], v("v1.33.0")),
            Err(PlanError::Downgrade { .. })
        ));
        assert!(matches!(
            plan(&observed, &["md-0"], v("v2.0.0")),
            Err(PlanError::MajorChange { .. })
        ));
        // A pool ahead of the target is a downgrade too.
        let pool_ahead = cluster(part("v1.32.1", 1, 1), &[("md-0", part("v1.33.0", 1, 1))]);
        assert!(matches!(
            plan(&pool_ahead, &["md-0"], v("v1.32.5")),
            Err(PlanError::Downgrade { ref part, .. }) if part == "worker pool md-0"
        ));
    }

    #[test]
    fn new_pools_join_at_what_the_control_plane_runs() {
        let mut cp = part("v1.33.1", 3, 1);
        cp.running = ObservedVersion::parse("v1.32.4");
        let observed = cluster(cp, &[("md-0", part("v1.32.4", 5, 5))]);
        let plan = plan(&observed, &["md-0", "gpu"], v("v1.33.1")).expect("plan");
        assert_eq!(plan.pool_version("gpu"), Some(v("v1.32.4")));
    }

    #[test]
    fn a_cluster_without_a_control_plane_version_is_rendered_at_the_target() {
        let plan = plan(&ObservedParts::default(), POOLS, v("v1.33.1")).expect("plan");
        assert_eq!(plan.state, PlanState::Unobserved);
        assert_eq!(plan.control_plane, v("v1.33.1"));
        assert_eq!(plan.pool_version("md-1"), Some(v("v1.33.1")));
    }

    #[test]
    fn minor_only_versions_keep_the_exact_patch_rendered() {
        // EKS: the control plane asks for `v1.33`; at target v1.33.2 it is done.
        let observed = cluster(part("v1.33", 0, 0), &[("ng", part("v1.33.2", 2, 2))]);
        let plan = plan(&observed, &["ng"], v("v1.33.2")).expect("plan");
        assert_eq!(plan.state, PlanState::Done);
        assert_eq!(plan.control_plane, v("v1.33.2"));
    }
}
