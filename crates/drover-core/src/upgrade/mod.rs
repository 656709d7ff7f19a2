//! In-cluster upgrades: which version each part of a cluster runs while it moves to a new one.
//!
//! Pure, like the rest of the core. The controller reads the live control plane, worker pools,
//! Machines and health checks; this module decides:
//!
//! - [`observed`]: the live versions, and whether each part has settled;
//! - [`mod@plan`]: the step planner, control plane first, then each worker pool in turn, one minor
//!   version at a time, never downgrading;
//! - [`decide()`]: whether an upgrade runs, starts or waits (maintenance window, promotion, the
//!   environment's wave), and the upgrade record and `VersionUpToDate` condition of the status;
//! - [`remediation`]: machines remediated while the upgrade ran, which fail it.
//!
//! The renderer gets the outcome as per-part versions on the resolved cluster
//! ([`crate::resolve::ResolvedCluster::set_part_versions`]).

pub mod decide;
pub mod observed;
pub mod plan;
pub mod remediation;

pub use decide::{
    Hold, REASON_UP_TO_DATE, REASON_UPGRADE_FAILED, REASON_UPGRADING, REASON_VERSION_UNKNOWN,
    Start, UpgradeDecision, UpgradeInput, UpgradeReport, VersionCondition, decide,
    progress_message,
};
pub use observed::{ObservedParts, ObservedVersion, PartObservation};
pub use plan::{Plan, PlanError, PlanState, RollingPart, next_step, plan, steps};
pub use remediation::remediation_since;

#[cfg(test)]
mod tests;
