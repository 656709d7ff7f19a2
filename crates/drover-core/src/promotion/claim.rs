//! What an Environment lets one of its claims do, read from the Environment's spec and the status
//! its controller wrote: how far the claim's cluster may move ([`allowed_version`]), whether its
//! upgrade may start now ([`start_permission`]), and the progress deadline.

use std::time::Duration;

use drover_api::{ConditionStatus, ConditionType, Environment};
use jiff::Timestamp;

use crate::duration::parse_duration;
use crate::upgrade::{Hold, Start};
use crate::version::KubeVersion;
use crate::window::Window;

use super::environment::DEFAULT_MAX_CONCURRENT;

/// Progress deadline when `spec.upgrade.progressDeadline` is not set.
pub const DEFAULT_PROGRESS_DEADLINE: Duration = Duration::from_secs(3600);

/// `VersionUpToDate=False`: the environment has not promoted the version yet.
pub const REASON_PROMOTION_PENDING: &str = "PromotionPending";
/// `VersionUpToDate=False`: the environment halted upgrades after a failure.
pub const REASON_UPGRADES_HALTED: &str = "UpgradesHalted";
/// `VersionUpToDate=False`: outside the maintenance window.
pub const REASON_WAITING_FOR_WINDOW: &str = "WaitingForMaintenanceWindow";
/// `VersionUpToDate=False`: the maintenance window does not parse.
pub const REASON_INVALID_WINDOW: &str = "InvalidMaintenanceWindow";
/// `VersionUpToDate=False`: other clusters of the environment upgrade first.
pub const REASON_WAITING_FOR_TURN: &str = "WaitingForTurn";

/// How far a claim asking for `desired` may move now, and why not to `desired` when it may not.
///
/// A pinned version (`pinned`) and an environment without a promotion gate allow `desired`.
/// Otherwise the environment's promoted version (`status.targetVersion`) caps it; before the
/// environment's controller promoted anything, existing clusters hold (`None`).
pub fn allowed_version(
    environment: &Environment,
    pinned: bool,
    desired: KubeVersion,
) -> (Option<KubeVersion>, Option<Hold>) {
    if pinned || environment.spec.promotion.is_none() {
        return (Some(desired), None);
    }
    let name = environment.metadata.name.as_deref().unwrap_or_default();
    let status = environment.status.as_ref();
    let why = status
        .and_then(|s| s.blocked_by.clone())
        .unwrap_or_else(|| "its controller has not evaluated the promotion gate yet".to_owned());
    match status
        .and_then(|s| s.target_version.as_deref())
        .and_then(|t| t.parse::<KubeVersion>().ok())
    {
        Some(target) if target >= desired => (Some(desired), None),
        Some(target) => (
            Some(target),
            Some(Hold::new(
                REASON_PROMOTION_PENDING,
                format!("Environment {name} has promoted {target}; {desired} waits: {why}"),
            )),
        ),
        None => (
            None,
            Some(Hold::new(
                REASON_PROMOTION_PENDING,
                format!("Environment {name} has promoted no version yet: {why}"),
            )),
        ),
    }
}

/// Whether the upgrade of claim `key` (`namespace/name`) may start at `now`: not while the
/// environment halted upgrades, only inside its maintenance window, and only once the
/// environment's wave admitted it (`status.upgrading`).
pub fn start_permission(environment: &Environment, key: &str, now: Timestamp) -> Start {
    let name = environment.metadata.name.as_deref().unwrap_or_default();
    let status = environment.status.as_ref();
    if let Some(halt) = status
        .into_iter()
        .flat_map(|s| &s.conditions)
        .find(|c| c.type_ == ConditionType::UpgradesHalted && c.status == ConditionStatus::True)
    {
        return Start::Held(Hold::new(
            REASON_UPGRADES_HALTED,
            format!("Environment {name} halted upgrades: {}", halt.message),
        ));
    }
    if let Some(spec) = &environment.spec.maintenance_window {
        match Window::parse(spec) {
            Err(error) => {
                return Start::Held(Hold::new(
                    REASON_INVALID_WINDOW,
                    format!("Environment {name}: {error}"),
                ));
            }
            Ok(window) => {
                if let crate::window::WindowState::Closed { opens } = window.state(now) {
                    return Start::Held(Hold::new(
                        REASON_WAITING_FOR_WINDOW,
                        format!(
                            "upgrades of Environment {name} start in its maintenance window, which opens {}",
                            window.local(opens)
                        ),
                    ));
                }
            }
        }
    }
    match status {
        Some(status) if status.upgrading.iter().any(|k| k == key) => Start::Allowed,
        Some(status) => {
            let max = environment
                .spec
                .upgrade
                .as_ref()
                .and_then(|u| u.max_concurrent)
                .unwrap_or(DEFAULT_MAX_CONCURRENT);
            let now_upgrading = if status.upgrading.is_empty() {
                "none".to_owned()
            } else {
                status.upgrading.join(", ")
            };
            Start::Held(Hold::new(
                REASON_WAITING_FOR_TURN,
                format!(
                    "Environment {name} upgrades {max} cluster(s) at a time and has not admitted this one (upgrading: {now_upgrading})"
                ),
            ))
        }
        None => Start::Held(Hold::new(
            REASON_WAITING_FOR_TURN,
            format!("Environment {name} has no status yet: its controller admits upgrades"),
        )),
    }
}

/// `spec.upgrade.progressDeadline`, or [`DEFAULT_PROGRESS_DEADLINE`].
pub fn progress_deadline(environment: &Environment) -> Duration {
    environment
        .spec
        .upgrade
        .as_ref()
        .and_then(|u| u.progress_deadline.as_deref())
        .and_then(|d| parse_duration(d).ok())
        .filter(|d| !d.is_zero())
        .unwrap_or(DEFAULT_PROGRESS_DEADLINE)
}
