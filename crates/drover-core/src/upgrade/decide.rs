//! The upgrade decision of one reconcile: whether an upgrade runs, starts or waits, the versions
//! to render, and the upgrade record and `VersionUpToDate` condition for the status.
//!
//! - An upgrade that runs (the claim's status holds its record) continues to its end whatever
//!   the window, the promotion gate or the wave say: a running upgrade is never interrupted.
//!   Its destination is the version it started for, or the claim's version if that is lower.
//! - Otherwise the cluster moves only when the environment allows a newer version
//!   ([`UpgradeInput::allowed`]) and the start is permitted ([`Start`]: maintenance window, the
//!   environment's wave); the record is written when it starts.
//! - While it runs, the record tracks the step and part rolling and when it last made progress.
//!   No progress for the progress deadline, or machines remediated by their health checks, mark
//!   it failed: it still runs to its end, but the environment's wave halts.
//! - When every part runs the destination, the record waits for the cluster to be Ready;
//!   [`crate::status::compute`] then removes it.

use std::time::Duration;

use drover_api::workload_cluster::{UpgradePart, UpgradeStatus};
use drover_api::{ConditionStatus, ConditionType};
use jiff::Timestamp;

use super::observed::ObservedParts;
use super::plan::{Plan, PlanError, PlanState, RollingPart, check_target, plan, steps};
use crate::duration::format_duration;
use crate::version::KubeVersion;

/// `VersionUpToDate=True`: every part runs the claim's version.
pub const REASON_UP_TO_DATE: &str = "UpToDate";
/// `VersionUpToDate=False`: an upgrade is rolling.
pub const REASON_UPGRADING: &str = "Upgrading";
/// `VersionUpToDate=False`: the running upgrade failed (and still runs).
pub const REASON_UPGRADE_FAILED: &str = "UpgradeFailed";
/// `VersionUpToDate=Unknown`: the control plane reports no version yet.
pub const REASON_VERSION_UNKNOWN: &str = "VersionUnknown";

/// Why an upgrade that could start does not, as the claim's condition shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hold {
    /// CamelCase reason (`WaitingForMaintenanceWindow`, `PromotionPending`, ...).
    pub reason: String,
    /// What the cluster waits for.
    pub message: String,
}

impl Hold {
    /// A hold with `reason` and `message`.
    pub fn new(reason: &str, message: impl Into<String>) -> Self {
        Self {
            reason: reason.to_owned(),
            message: message.into(),
        }
    }
}

/// Whether an upgrade may start now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Start {
    /// It may.
    Allowed,
    /// It may not.
    Held(Hold),
}

/// Everything the decision needs.
#[derive(Clone, Debug)]
pub struct UpgradeInput<'a> {
    /// The version the claim asks for (pinned, or its environment's).
    pub desired: KubeVersion,
    /// How far the environment lets the cluster go now: the promoted version (never above
    /// `desired`), or `None` while nothing is promoted (existing clusters hold; new ones are
    /// created at `desired`).
    pub allowed: Option<KubeVersion>,
    /// Why `allowed` is below `desired`, for the condition.
    pub promotion_hold: Option<Hold>,
    /// The live versions.
    pub observed: &'a ObservedParts,
    /// The claim's worker pools, in order.
    pub pools: &'a [&'a str],
    /// The record of the running upgrade, from the claim's status.
    pub previous: Option<&'a UpgradeStatus>,
    /// Whether an upgrade may start now.
    pub start: Start,
    /// Machines remediated during the running upgrade, described (see
    /// [`super::remediation`]).
    pub remediation: Option<String>,
    /// How long a part may go without progress.
    pub progress_deadline: Duration,
    /// Now.
    pub now: Timestamp,
}

/// The condition `VersionUpToDate` before timestamps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionCondition {
    /// Always [`ConditionType::VersionUpToDate`].
    pub type_: ConditionType,
    /// Its status.
    pub status: ConditionStatus,
    /// CamelCase reason.
    pub reason: String,
    /// What rolls, or what the cluster waits for.
    pub message: String,
}

impl VersionCondition {
    fn new(status: ConditionStatus, reason: &str, message: impl Into<String>) -> Self {
        Self {
            type_: ConditionType::VersionUpToDate,
            status,
            reason: reason.to_owned(),
            message: message.into(),
        }
    }
}

/// What the status computation needs to know about the upgrade.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpgradeReport {
    /// The record of the running upgrade after this reconcile (`part: Ready` once every part
    /// runs its destination).
    pub record: Option<UpgradeStatus>,
    /// `VersionUpToDate`.
    pub condition: VersionCondition,
}

/// The decision: versions to render and the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpgradeDecision {
    /// Versions to render.
    pub plan: Plan,
    /// For the status.
    pub report: UpgradeReport,
}

/// Decides the upgrade of one cluster. Fails only on a downgrade or major version change.
pub fn decide(input: &UpgradeInput<'_>) -> Result<UpgradeDecision, PlanError> {
    check_target(input.observed, input.desired)?;
    let cp_version = input
        .observed
        .control_plane
        .as_ref()
        .and_then(|cp| cp.version);
    let Some(cp_version) = cp_version else {
        // Being created (or the provider reports no version): rendered at what is allowed.
        let version = input.allowed.unwrap_or(input.desired);
        let plan = plan(input.observed, input.pools, version)?;
        let condition = VersionCondition::new(
            ConditionStatus::Unknown,
            REASON_VERSION_UNKNOWN,
            format!("the control plane reports no version yet (rendered at {version})"),
        );
        return Ok(UpgradeDecision {
            plan,
            report: UpgradeReport {
                record: None,
                condition,
            },
        });
    };
    let current = cp_version.resolve(input.desired);

    if let Some(previous) = input.previous {
        let to = previous
            .to
            .parse::<KubeVersion>()
            .map_or(input.desired, |to| to.min(input.desired))
            .max(current);
        let plan = plan(input.observed, input.pools, to)?;
        let record = advance(Some(previous), &previous.from, to, &plan, input);
        return Ok(running(plan, record));
    }

    let want = input
        .allowed
        .map_or(current, |allowed| allowed.max(current));
    if want > current {
        match &input.start {
            Start::Allowed => {
                let plan = plan(input.observed, input.pools, want)?;
                let record = advance(None, &current.to_string(), want, &plan, input);
                return Ok(running(plan, record));
            }
            Start::Held(hold) => {
                let plan = plan(input.observed, input.pools, current)?;
                let condition = VersionCondition::new(
                    ConditionStatus::False,
                    &hold.reason,
                    format!("{current} → {want} waits: {}", hold.message),
                );
                return Ok(idle(plan, condition));
            }
        }
    }

    let plan = plan(input.observed, input.pools, current)?;
    let at_desired = cp_version.matches(input.desired)
        && input.observed.pools.values().all(|pool| {
            pool.version
                .is_none_or(|version| version.matches(input.desired))
        });
    let condition = if at_desired {
        VersionCondition::new(
            ConditionStatus::True,
            REASON_UP_TO_DATE,
            format!("every part asks for {}", input.desired),
        )
    } else {
        match &input.promotion_hold {
            Some(hold) => VersionCondition::new(
                ConditionStatus::False,
                &hold.reason,
                format!("{current} → {} waits: {}", input.desired, hold.message),
            ),
            None => VersionCondition::new(
                ConditionStatus::False,
                REASON_UPGRADING,
                format!("parts of the cluster are not at {current} yet"),
            ),
        }
    };
    Ok(idle(plan, condition))
}

fn idle(plan: Plan, condition: VersionCondition) -> UpgradeDecision {
    UpgradeDecision {
        plan,
        report: UpgradeReport {
            record: None,
            condition,
        },
    }
}

fn running(plan: Plan, record: UpgradeStatus) -> UpgradeDecision {
    let condition = match &record.failure {
        Some(failure) => VersionCondition::new(
            ConditionStatus::False,
            REASON_UPGRADE_FAILED,
            format!(
                "upgrade to {} failed: {failure}; still running: {}",
                record.to,
                progress_message(&record)
            ),
        ),
        None => VersionCondition::new(
            ConditionStatus::False,
            REASON_UPGRADING,
            progress_message(&record),
        ),
    };
    UpgradeDecision {
        plan,
        report: UpgradeReport {
            record: Some(record),
            condition,
        },
    }
}

/// The record after this reconcile: the part rolling now, when it last progressed, and whether
/// it failed.
fn advance(
    previous: Option<&UpgradeStatus>,
    from: &str,
    to: KubeVersion,
    plan: &Plan,
    input: &UpgradeInput<'_>,
) -> UpgradeStatus {
    let (step, part, pool, updated, total) = match &plan.state {
        PlanState::Rolling {
            step,
            part,
            updated,
            total,
        } => match part {
            RollingPart::ControlPlane => (*step, UpgradePart::ControlPlane, None, *updated, *total),
            RollingPart::Pool(name) => (
                *step,
                UpgradePart::WorkerPool,
                Some(name.clone()),
                *updated,
                *total,
            ),
        },
        PlanState::Done | PlanState::Unobserved => (to, UpgradePart::Ready, None, 0, 0),
    };
    let now = format_time(input.now);
    let progressed = previous.is_none_or(|p| {
        (p.step.as_str(), p.part, p.pool.as_deref(), p.updated)
            != (step.to_string().as_str(), part, pool.as_deref(), updated)
    });
    let last_progress_time = match previous {
        Some(p) if !progressed => p.last_progress_time.clone(),
        _ => now.clone(),
    };
    let mut record = UpgradeStatus {
        from: from.to_owned(),
        to: to.to_string(),
        step: step.to_string(),
        part,
        pool,
        updated,
        total,
        started_at: previous.map_or(now, |p| p.started_at.clone()),
        last_progress_time,
        failure: previous.and_then(|p| p.failure.clone()),
    };
    if record.failure.is_none() {
        record.failure = input.remediation.clone().or_else(|| {
            let since = record.last_progress_time.parse::<Timestamp>().ok()?;
            let idle = input.now.duration_since(since);
            let deadline = jiff::SignedDuration::try_from(input.progress_deadline).ok()?;
            (idle >= deadline).then(|| {
                format!(
                    "no progress for {} (progress deadline)",
                    format_duration(input.progress_deadline)
                )
            })
        });
    }
    record
}

/// `v1.32.4 → v1.34.2, step 1 of 2 (v1.33.0): control plane 2/3 at v1.33.0`.
pub fn progress_message(record: &UpgradeStatus) -> String {
    let what = match record.part {
        UpgradePart::ControlPlane if record.total > 0 => format!(
            "control plane {}/{} at {}",
            record.updated, record.total, record.step
        ),
        UpgradePart::ControlPlane => format!("control plane upgrading to {}", record.step),
        UpgradePart::WorkerPool => format!(
            "worker pool {} rolling ({}/{} updated)",
            record.pool.as_deref().unwrap_or_default(),
            record.updated,
            record.total
        ),
        UpgradePart::Ready => format!(
            "every part runs {}; waiting for the cluster to become Ready",
            record.to
        ),
    };
    let path = match (
        record.from.parse::<KubeVersion>(),
        record.to.parse::<KubeVersion>(),
        record.step.parse::<KubeVersion>(),
    ) {
        (Ok(from), Ok(to), Ok(step)) => {
            let all = steps(from, to);
            match all.iter().position(|s| *s == step) {
                Some(index) if all.len() > 1 => format!(
                    "{from} → {to}, step {} of {} ({step})",
                    index + 1,
                    all.len()
                ),
                _ => format!("{from} → {to}"),
            }
        }
        _ => format!("{} → {}", record.from, record.to),
    };
    format!("{path}: {what}")
}

/// RFC 3339 with second precision, as `metav1.Time`.
pub fn format_time(time: Timestamp) -> String {
    time.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}
