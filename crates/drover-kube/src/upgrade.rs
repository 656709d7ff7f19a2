//! Versions stage (pure, part of build): the version each part of a valid claim's cluster is
//! rendered at.
//!
//! It gathers what [`drover_core::upgrade::decide()`] needs from the observation — the live
//! control plane and worker pools, the claim's running upgrade record, remediated Machines —
//! and from the claim's Environment: how far its promotion gate lets the cluster go
//! ([`promotion::allowed_version`]), whether an upgrade may start now (maintenance window, the
//! environment's wave: [`promotion::start_permission`]) and the progress deadline. The decision's
//! per-part versions are set on the resolved cluster before rendering; its report goes to the
//! status. A target below what the cluster runs is a downgrade: the claim is invalid.

use drover_api::WorkloadCluster;
use drover_core::promotion;
use drover_core::resolve::ResolvedCluster;
use drover_core::upgrade::{self, UpgradeInput, UpgradeReport};
use k8s_openapi::jiff::Timestamp;

use crate::dereference::Observed;
use crate::validate::Invalid;

/// Reason of `VersionUpToDate=False` while a hibernated cluster waits to wake before upgrading.
pub const REASON_HIBERNATED: &str = "Hibernated";

/// Decides the upgrade of `cluster` (resolved from `claim`), sets the version of each of its
/// parts, and returns the report for the status. A downgrade (or major version change) makes
/// the claim invalid. A hibernated cluster starts no upgrade: it upgrades after it wakes.
pub fn decide_versions(
    claim: &WorkloadCluster,
    cluster: &mut ResolvedCluster,
    observed: &Observed,
    now: Timestamp,
    hibernated: bool,
) -> Result<UpgradeReport, Invalid> {
    let key = format!(
        "{}/{}",
        claim.metadata.namespace.as_deref().unwrap_or_default(),
        claim.metadata.name.as_deref().unwrap_or_default()
    );
    let pinned = claim.spec.kubernetes_version.is_some();
    let (allowed, promotion_hold, start, deadline) = match &observed.environment {
        Some(environment) => {
            let (allowed, hold) = promotion::allowed_version(environment, pinned, cluster.version);
            (
                allowed,
                hold,
                promotion::start_permission(environment, &key, now),
                promotion::progress_deadline(environment),
            )
        }
        // validate refuses a claim without its Environment; keep what runs if it gets here.
        None => (
            None,
            None,
            upgrade::Start::Held(upgrade::Hold::new(
                promotion::REASON_PROMOTION_PENDING,
                "the Environment does not exist",
            )),
            promotion::DEFAULT_PROGRESS_DEADLINE,
        ),
    };
    let start = if hibernated {
        upgrade::Start::Held(upgrade::Hold::new(
            REASON_HIBERNATED,
            "the cluster is hibernated: it upgrades after it wakes up",
        ))
    } else {
        start
    };
    let previous = claim.status.as_ref().and_then(|s| s.upgrade.as_ref());
    let remediation = previous
        .and_then(|p| p.started_at.parse::<Timestamp>().ok())
        .and_then(|started| {
            let machines: Vec<&serde_json::Value> = observed.machines.iter().collect();
            upgrade::remediation_since(
                started,
                observed.control_plane(),
                &machines,
                &observed.machine_health_checks(),
            )
        });
    let parts = observed.parts();
    let pools: Vec<&str> = cluster.workers.iter().map(|w| w.name.as_str()).collect();
    let decision = upgrade::decide(&UpgradeInput {
        desired: cluster.version,
        allowed,
        promotion_hold,
        observed: &parts,
        pools: &pools,
        previous,
        start,
        remediation,
        progress_deadline: deadline,
        now,
    })
    .map_err(|error| {
        let origin = if pinned {
            String::new()
        } else {
            format!(" (the version of Environment `{}`)", claim.spec.environment)
        };
        Invalid::Claim(vec![(
            "spec.kubernetesVersion".to_owned(),
            format!("{error}{origin}"),
        )])
    })?;
    let plan = &decision.plan;
    cluster.set_part_versions(plan.control_plane, |pool| plan.pool_version(pool));
    Ok(decision.report)
}
