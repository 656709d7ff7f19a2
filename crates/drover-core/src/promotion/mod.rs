//! Promotion across environments and the wave of upgrades inside one.
//!
//! ```text
//!   dev ──(soak 24h)──► staging ──(soak 72h)──► production
//! ```
//!
//! An Environment with `promotion: { from: X, soak: D }` moves its clusters to its
//! `spec.kubernetesVersion` V only once every cluster of X has been Ready at V (or later) for at
//! least D ([`gate()`]), counted from each claim's `status.readyAtVersion` so a controller restart
//! does not reset the clock. Until then the Environment's status shows `PromotionBlocked` with the
//! clusters in the way and when each will have soaked, and its `status.targetVersion` stays at
//! the version promoted before.
//!
//! Inside an environment upgrades run as a wave: at most `spec.upgrade.maxConcurrent` clusters at
//! a time, started only inside the maintenance window, admitted through the Environment's
//! `status.upgrading` ([`evaluate`]). A cluster whose upgrade fails (no progress within
//! `spec.upgrade.progressDeadline`, or machines remediated during the upgrade) halts the wave:
//! no further cluster of its environment starts (`UpgradesHalted`), and the environments after
//! it do not promote, until that cluster's upgrade finishes.
//!
//! [`claim`] answers, for one claim, what its environment allows; [`record`] reads a claim the
//! way the gate and the wave see it.

pub mod claim;
pub mod environment;
pub mod gate;
pub mod record;

pub use claim::{
    DEFAULT_PROGRESS_DEADLINE, REASON_INVALID_WINDOW, REASON_PROMOTION_PENDING,
    REASON_UPGRADES_HALTED, REASON_WAITING_FOR_TURN, REASON_WAITING_FOR_WINDOW, allowed_version,
    progress_deadline, start_permission,
};
pub use environment::{
    DEFAULT_MAX_CONCURRENT, EnvironmentInput, EnvironmentOutcome, dependent_environments, evaluate,
    promotion_chain,
};
pub use gate::{BlockReason, Blocked, Gate, GateInput, Waiting, gate};
pub use record::ClusterRecord;

#[cfg(test)]
mod tests;
