//! The status of an Environment: the version its clusters may move to, the wave of upgrades, and
//! the summary (clusters at the target, what blocks it).
//!
//! - **Target version**: `spec.kubernetesVersion` once the promotion gate is open; while it is
//!   closed, the version promoted before (kept in `status.targetVersion`, so a restart does not
//!   lose it) or, the first time, the lowest version its clusters run.
//! - **Wave**: clusters whose upgrade runs, plus — inside the maintenance window and unless a
//!   cluster of the environment failed its upgrade (halt) — the next clusters that want to move
//!   (valid, Ready, behind the target), in `namespace/name` order, up to
//!   `spec.upgrade.maxConcurrent` (default 1). They are listed in `status.upgrading`; a claim
//!   starts its upgrade only when listed there. A cluster that is not Ready is not started (it
//!   would fail and halt the wave for a problem it had before).
//! - **Conditions**: `PromotionBlocked` (why the target lags the spec) and `UpgradesHalted`.
//!
//! Every message uses absolute times, so evaluating again without a change gives the same status
//! and the controller writes nothing; [`EnvironmentOutcome::recheck_after`] says when time alone
//! changes the answer (a soak ends, the window opens or closes).

use std::collections::BTreeSet;
use std::time::Duration;

use drover_api::{ConditionStatus, ConditionType, Environment, EnvironmentStatus};
use jiff::Timestamp;

use super::gate::{Gate, GateInput, gate};
use super::record::ClusterRecord;
use crate::duration::parse_duration;
use crate::status::conditions::{Draft, stamp_against};
use crate::upgrade::decide::format_time;
use crate::version::KubeVersion;
use crate::window::{Window, WindowState};

/// Clusters of an environment upgrading at once when `spec.upgrade.maxConcurrent` is not set.
pub const DEFAULT_MAX_CONCURRENT: i32 = 1;

/// Everything the evaluation needs.
#[derive(Clone, Debug)]
pub struct EnvironmentInput<'a> {
    /// The environment, with its current status.
    pub environment: &'a Environment,
    /// Every environment (for the promotion chain).
    pub environments: &'a [&'a Environment],
    /// Every claim of the fleet.
    pub clusters: &'a [ClusterRecord],
    /// Now.
    pub now: Timestamp,
}

/// The evaluation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvironmentOutcome {
    /// The complete status.
    pub status: EnvironmentStatus,
    /// When time alone may change the status (a soak completes, the window opens or closes).
    pub recheck_after: Option<Duration>,
}

/// The environments `name` promotes from, nearest first (stops at a missing one or a cycle).
pub fn promotion_chain(name: &str, environments: &[&Environment]) -> Vec<String> {
    let mut chain = Vec::new();
    let mut seen = BTreeSet::from([name.to_owned()]);
    let mut next = environments
        .iter()
        .find(|e| e.metadata.name.as_deref() == Some(name))
        .and_then(|e| e.spec.promotion.as_ref())
        .map(|p| p.from.clone());
    while let Some(current) = next {
        if !seen.insert(current.clone()) {
            break;
        }
        next = environments
            .iter()
            .find(|e| e.metadata.name.as_deref() == Some(current.as_str()))
            .and_then(|e| e.spec.promotion.as_ref())
            .map(|p| p.from.clone());
        chain.push(current);
    }
    chain
}

/// The environments whose status depends on clusters of `name`: itself and every environment
/// that promotes from it, directly or through others.
pub fn dependent_environments(name: &str, environments: &[&Environment]) -> Vec<String> {
    let mut out = vec![name.to_owned()];
    for environment in environments {
        let Some(other) = environment.metadata.name.as_deref() else {
            continue;
        };
        if other != name
            && promotion_chain(other, environments)
                .iter()
                .any(|e| e == name)
        {
            out.push(other.to_owned());
        }
    }
    out
}

/// Evaluates one environment.
pub fn evaluate(input: &EnvironmentInput<'_>) -> EnvironmentOutcome {
    let environment = input.environment;
    let name = environment.metadata.name.clone().unwrap_or_default();
    let spec = &environment.spec;
    let previous = environment.status.as_ref();
    let now = input.now;

    let mut own: Vec<&ClusterRecord> = input
        .clusters
        .iter()
        .filter(|c| c.environment == name)
        .collect();
    own.sort_by(|a, b| a.key.cmp(&b.key));
    let chain = promotion_chain(&name, input.environments);
    let failed_own: Vec<&ClusterRecord> = own
        .iter()
        .copied()
        .filter(|c| c.failure.is_some())
        .collect();
    let failed_upstream: Vec<&ClusterRecord> = input
        .clusters
        .iter()
        .filter(|c| c.failure.is_some() && chain.contains(&c.environment))
        .collect();

    let mut blocked_by = Vec::new();
    let mut recheck: Vec<Duration> = Vec::new();

    let version = match spec.kubernetes_version.parse::<KubeVersion>() {
        Ok(version) => Some(version),
        Err(message) => {
            blocked_by.push(format!("spec.kubernetesVersion: {message}"));
            None
        }
    };

    // The promotion gate.
    let (gate_state, promotion_draft) = match (&spec.promotion, version) {
        (_, None) => (
            None,
            Draft::new(
                ConditionType::PromotionBlocked,
                ConditionStatus::True,
                "InvalidVersion",
                format!(
                    "spec.kubernetesVersion `{}` is not a version",
                    spec.kubernetes_version
                ),
            ),
        ),
        (None, Some(_)) => (
            Some(Gate::Open),
            Draft::new(
                ConditionType::PromotionBlocked,
                ConditionStatus::False,
                "NoPromotionGate",
                "the environment follows spec.kubernetesVersion directly",
            ),
        ),
        (Some(promotion), Some(version)) => {
            let soak = promotion
                .soak
                .as_deref()
                .and_then(|s| parse_duration(s).ok())
                .unwrap_or_default();
            let from: Vec<&ClusterRecord> = input
                .clusters
                .iter()
                .filter(|c| c.environment == promotion.from && !c.hibernated)
                .collect();
            let answer = gate(&GateInput {
                version,
                from: &promotion.from,
                soak,
                clusters: &from,
                failures: &failed_upstream,
                now,
            });
            let draft = match &answer {
                Gate::Open => Draft::new(
                    ConditionType::PromotionBlocked,
                    ConditionStatus::False,
                    "Promoted",
                    format!(
                        "{version} passed the gate from Environment {}",
                        promotion.from
                    ),
                ),
                Gate::Blocked(blocked) => {
                    let message = blocked.message(version, &promotion.from);
                    blocked_by.push(message.clone());
                    recheck.extend(blocked.remaining);
                    Draft::new(
                        ConditionType::PromotionBlocked,
                        ConditionStatus::True,
                        blocked.reason.as_str(),
                        message,
                    )
                }
            };
            (Some(answer), draft)
        }
    };

    let target = match (&gate_state, version) {
        (Some(Gate::Open), Some(version)) => Some(version),
        _ => {
            let before = previous
                .and_then(|p| p.target_version.as_deref())
                .and_then(|t| t.parse::<KubeVersion>().ok());
            let lowest_running = own
                .iter()
                .filter_map(|c| c.running)
                .map(|r| version.map_or_else(|| r.full(), |v| r.resolve(v)))
                .min();
            let held = before.or(lowest_running);
            match (held, version) {
                (Some(held), Some(version)) => Some(held.min(version)),
                (held, _) => held,
            }
        }
    };

    // The wave.
    let halted = !failed_own.is_empty();
    let halted_draft = if halted {
        let list = failed_own
            .iter()
            .map(|c| {
                format!(
                    "{} failed its upgrade to {}: {}",
                    c.key,
                    c.upgrade_to.as_deref().unwrap_or("?"),
                    c.failure.as_deref().unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        blocked_by.push(format!("upgrades halted: {list}"));
        Draft::new(
            ConditionType::UpgradesHalted,
            ConditionStatus::True,
            "UpgradeFailed",
            format!("no further cluster starts an upgrade until these finish: {list}"),
        )
    } else {
        Draft::new(
            ConditionType::UpgradesHalted,
            ConditionStatus::False,
            "NoFailedUpgrades",
            "",
        )
    };
    let window = spec.maintenance_window.as_ref().map(Window::parse);
    let window_state = match &window {
        Some(Ok(window)) => {
            let state = window.state(now);
            recheck.push(until(now, state.changes_at()));
            Some((window, state))
        }
        Some(Err(error)) => {
            blocked_by.push(format!("no upgrade starts: {error}"));
            None
        }
        None => None,
    };
    let window_open = match (&window, &window_state) {
        (None, _) => true,
        (Some(_), Some((_, state))) => state.is_open(),
        (Some(_), None) => false,
    };
    let max = usize::try_from(
        spec.upgrade
            .as_ref()
            .and_then(|u| u.max_concurrent)
            .unwrap_or(DEFAULT_MAX_CONCURRENT)
            .max(1),
    )
    .unwrap_or(1);
    let running: Vec<&str> = own
        .iter()
        .filter(|c| c.upgrading)
        .map(|c| c.key.as_str())
        .collect();
    let candidates: Vec<&str> = own
        .iter()
        .filter(|c| !c.upgrading && c.valid && c.ready && !c.hibernated)
        .filter(|c| {
            let want = c.pinned.or(target);
            matches!((want, c.running), (Some(want), Some(running)) if running.cmp_to(want).is_lt())
        })
        .map(|c| c.key.as_str())
        .collect();
    let admitted: Vec<&str> = if !halted && window_open {
        candidates
            .iter()
            .copied()
            .take(max.saturating_sub(running.len()))
            .collect()
    } else {
        Vec::new()
    };
    if !candidates.is_empty()
        && !window_open
        && let Some((window, WindowState::Closed { opens })) = &window_state
    {
        blocked_by.push(format!(
            "{} cluster(s) wait for the maintenance window, which opens {}",
            candidates.len(),
            window.local(*opens)
        ));
    }
    let mut upgrading: Vec<String> = running
        .iter()
        .chain(&admitted)
        .map(|k| (*k).to_owned())
        .collect();
    upgrading.sort();

    let clusters_at_target = own
        .iter()
        .filter(|c| c.ready && matches!((c.running, target), (Some(r), Some(t)) if r.matches(t)))
        .count();
    let generation = environment.metadata.generation;
    let status = EnvironmentStatus {
        target_version: target.map(|t| t.to_string()),
        clusters_at_target: Some(i32::try_from(clusters_at_target).unwrap_or(i32::MAX)),
        clusters_total: Some(i32::try_from(own.len()).unwrap_or(i32::MAX)),
        blocked_by: (!blocked_by.is_empty()).then(|| blocked_by.join("; ")),
        observed_generation: generation,
        upgrading,
        conditions: stamp_against(
            vec![promotion_draft, halted_draft],
            previous.map_or(&[][..], |p| p.conditions.as_slice()),
            generation,
            &format_time(now),
        ),
    };
    EnvironmentOutcome {
        status,
        recheck_after: recheck.into_iter().filter(|d| !d.is_zero()).min(),
    }
}

fn until(now: Timestamp, then: Timestamp) -> Duration {
    let seconds = then.as_second().saturating_sub(now.as_second());
    Duration::from_secs(u64::try_from(seconds).unwrap_or(0))
}
