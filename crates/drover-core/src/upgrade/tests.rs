//! The upgrade decision: start, hold, continue, fail, finish.

use std::collections::BTreeMap;
use std::time::Duration;

use drover_api::ConditionStatus;
use drover_api::workload_cluster::{UpgradePart, UpgradeStatus};
use jiff::Timestamp;

use super::*;
use crate::contract::status::Replicas;
use crate::version::KubeVersion;

fn v(text: &str) -> KubeVersion {
    text.parse().expect("version")
}

fn at(text: &str) -> Timestamp {
    text.parse().expect("time")
}

const NOW: &str = "2026-01-10T12:00:00Z";

fn part(version: &str, total: i32, updated: i32) -> PartObservation {
    PartObservation {
        version: ObservedVersion::parse(version),
        running: (updated >= total)
            .then(|| ObservedVersion::parse(version))
            .flatten(),
        at_version: Some(updated),
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

fn cluster(cp: PartObservation, md0: PartObservation) -> ObservedParts {
    ObservedParts {
        control_plane: Some(cp),
        pools: BTreeMap::from([("md-0".to_owned(), md0)]),
    }
}

fn input<'a>(observed: &'a ObservedParts, desired: &str) -> UpgradeInput<'a> {
    UpgradeInput {
        desired: v(desired),
        allowed: Some(v(desired)),
        promotion_hold: None,
        observed,
        pools: &["md-0"],
        previous: None,
        start: Start::Allowed,
        remediation: None,
        progress_deadline: Duration::from_secs(3600),
        now: at(NOW),
    }
}

fn upgrade_record(
    step: &str,
    part: UpgradePart,
    updated: i32,
    last_progress: &str,
) -> UpgradeStatus {
    UpgradeStatus {
        from: "v1.32.4".to_owned(),
        to: "v1.33.1".to_owned(),
        step: step.to_owned(),
        part,
        pool: (part == UpgradePart::WorkerPool).then(|| "md-0".to_owned()),
        updated,
        total: if part == UpgradePart::WorkerPool {
            5
        } else {
            3
        },
        started_at: "2026-01-10T08:00:00Z".to_owned(),
        last_progress_time: last_progress.to_owned(),
        failure: None,
    }
}

#[test]
fn a_cluster_at_its_version_is_up_to_date() {
    let observed = cluster(part("v1.32.4", 3, 3), part("v1.32.4", 5, 5));
    let decision = decide(&input(&observed, "v1.32.4")).expect("decides");
    assert_eq!(decision.report.record, None);
    assert_eq!(decision.report.condition.status, ConditionStatus::True);
    assert_eq!(decision.plan.control_plane, v("v1.32.4"));
}

#[test]
fn an_allowed_upgrade_starts_with_the_control_plane_and_records_itself() {
    let observed = cluster(part("v1.32.4", 3, 3), part("v1.32.4", 5, 5));
    let decision = decide(&input(&observed, "v1.33.1")).expect("decides");
    assert_eq!(decision.plan.control_plane, v("v1.33.1"));
    assert_eq!(decision.plan.pool_version("md-0"), Some(v("v1.32.4")));
    let record = decision.report.record.expect("running");
    assert_eq!(
        (
            record.from.as_str(),
            record.to.as_str(),
            record.step.as_str()
        ),
        ("v1.32.4", "v1.33.1", "v1.33.1")
    );
    assert_eq!(record.part, UpgradePart::ControlPlane);
    assert_eq!(record.started_at, NOW);
    assert_eq!(record.last_progress_time, NOW);
    assert_eq!(decision.report.condition.reason, REASON_UPGRADING);
    assert_eq!(
        decision.report.condition.message,
        "v1.32.4 → v1.33.1: control plane 0/3 at v1.33.1"
    );
}

#[test]
fn a_held_upgrade_renders_what_runs_and_says_why() {
    let observed = cluster(part("v1.32.4", 3, 3), part("v1.32.4", 5, 5));
    let mut held = input(&observed, "v1.33.1");
    held.start = Start::Held(Hold::new(
        "WaitingForMaintenanceWindow",
        "next window opens Sat 2026-01-17 02:00 UTC",
    ));
    let decision = decide(&held).expect("decides");
    assert_eq!(decision.plan.control_plane, v("v1.32.4"));
    assert_eq!(decision.report.record, None);
    assert_eq!(
        decision.report.condition.reason,
        "WaitingForMaintenanceWindow"
    );
    assert_eq!(
        decision.report.condition.message,
        "v1.32.4 → v1.33.1 waits: next window opens Sat 2026-01-17 02:00 UTC"
    );
}

#[test]
fn nothing_promoted_holds_an_existing_cluster_but_creates_a_new_one_at_its_version() {
    let observed = cluster(part("v1.32.4", 3, 3), part("v1.32.4", 5, 5));
    let mut gated = input(&observed, "v1.33.1");
    gated.allowed = None;
    gated.promotion_hold = Some(Hold::new("PromotionPending", "dev has not soaked it"));
    let decision = decide(&gated).expect("decides");
    assert_eq!(decision.plan.control_plane, v("v1.32.4"));
    assert_eq!(decision.report.condition.reason, "PromotionPending");

    let nothing = ObservedParts::default();
    let mut new = input(&nothing, "v1.33.1");
    new.allowed = None;
    let decision = decide(&new).expect("decides");
    assert_eq!(decision.plan.control_plane, v("v1.33.1"));
    assert_eq!(
        decision.report.condition.status,
        ConditionStatus::Unknown,
        "no version reported yet"
    );
}

#[test]
fn a_running_upgrade_continues_outside_the_window() {
    let observed = cluster(part("v1.33.1", 3, 3), part("v1.32.4", 5, 5));
    let previous = upgrade_record(
        "v1.33.1",
        UpgradePart::ControlPlane,
        2,
        "2026-01-10T11:50:00Z",
    );
    let mut running = input(&observed, "v1.33.1");
    running.previous = Some(&previous);
    running.start = Start::Held(Hold::new("WaitingForMaintenanceWindow", "closed"));
    let decision = decide(&running).expect("decides");
    assert_eq!(
        decision.plan.pool_version("md-0"),
        Some(v("v1.33.1")),
        "workers follow"
    );
    let record = decision.report.record.expect("still running");
    assert_eq!(record.part, UpgradePart::WorkerPool);
    assert_eq!(record.started_at, "2026-01-10T08:00:00Z", "kept");
    assert_eq!(record.last_progress_time, NOW, "a new part is progress");
    assert_eq!(
        decision.report.condition.message,
        "v1.32.4 → v1.33.1: worker pool md-0 rolling (0/5 updated)"
    );
}

#[test]
fn no_progress_within_the_deadline_fails_the_upgrade_but_it_keeps_running() {
    let observed = cluster(part("v1.33.1", 3, 3), part("v1.33.1", 5, 3));
    let stuck = upgrade_record(
        "v1.33.1",
        UpgradePart::WorkerPool,
        3,
        "2026-01-10T10:30:00Z",
    );
    let mut running = input(&observed, "v1.33.1");
    running.previous = Some(&stuck);
    let decision = decide(&running).expect("decides");
    let record = decision.report.record.expect("running");
    assert_eq!(
        record.failure.as_deref(),
        Some("no progress for 1h (progress deadline)")
    );
    assert_eq!(record.last_progress_time, "2026-01-10T10:30:00Z");
    assert_eq!(decision.report.condition.reason, REASON_UPGRADE_FAILED);
    assert_eq!(
        decision.report.condition.message,
        "upgrade to v1.33.1 failed: no progress for 1h (progress deadline); still running: v1.32.4 → v1.33.1: worker pool md-0 rolling (3/5 updated)"
    );
    // One more machine updated within the deadline: progress, no failure.
    let moving = upgrade_record(
        "v1.33.1",
        UpgradePart::WorkerPool,
        2,
        "2026-01-10T10:30:00Z",
    );
    running.previous = Some(&moving);
    let record = decide(&running)
        .expect("decides")
        .report
        .record
        .expect("running");
    assert_eq!(record.failure, None);
    assert_eq!(record.last_progress_time, NOW);
}

#[test]
fn remediation_fails_the_upgrade_and_the_failure_sticks() {
    let observed = cluster(part("v1.33.1", 3, 2), part("v1.32.4", 5, 5));
    let previous = upgrade_record(
        "v1.33.1",
        UpgradePart::ControlPlane,
        1,
        "2026-01-10T11:59:00Z",
    );
    let mut running = input(&observed, "v1.33.1");
    running.previous = Some(&previous);
    running.remediation = Some("machine p-cp-1 failed its health check".to_owned());
    let record = decide(&running)
        .expect("decides")
        .report
        .record
        .expect("running");
    assert_eq!(
        record.failure.as_deref(),
        Some("machine p-cp-1 failed its health check")
    );
    running.remediation = None;
    let again = decide(&UpgradeInput {
        previous: Some(&record),
        ..running.clone()
    })
    .expect("decides");
    assert!(
        again.report.record.is_some_and(|r| r.failure.is_some()),
        "sticks"
    );
}

#[test]
fn every_part_at_the_target_waits_for_ready() {
    let observed = cluster(part("v1.33.1", 3, 3), part("v1.33.1", 5, 5));
    let previous = upgrade_record(
        "v1.33.1",
        UpgradePart::WorkerPool,
        4,
        "2026-01-10T11:59:00Z",
    );
    let mut running = input(&observed, "v1.33.1");
    running.previous = Some(&previous);
    let decision = decide(&running).expect("decides");
    let record = decision.report.record.expect("waits for Ready");
    assert_eq!(record.part, UpgradePart::Ready);
    assert_eq!(
        progress_message(&record),
        "v1.32.4 → v1.33.1: every part runs v1.33.1; waiting for the cluster to become Ready"
    );
}

#[test]
fn two_minor_steps_are_numbered() {
    let observed = cluster(part("v1.33.0", 3, 1), part("v1.32.4", 5, 5));
    let mut previous = upgrade_record("v1.33.0", UpgradePart::ControlPlane, 1, NOW);
    previous.to = "v1.34.2".to_owned();
    let mut running = input(&observed, "v1.34.2");
    running.previous = Some(&previous);
    let decision = decide(&running).expect("decides");
    assert_eq!(decision.plan.control_plane, v("v1.33.0"));
    assert_eq!(
        decision.report.condition.message,
        "v1.32.4 → v1.34.2, step 1 of 2 (v1.33.0): control plane 1/3 at v1.33.0"
    );
}

#[test]
fn a_downgrade_is_an_error() {
    let observed = cluster(part("v1.33.1", 3, 3), part("v1.33.1", 5, 5));
    assert!(matches!(
        decide(&input(&observed, "v1.32.4")),
        Err(PlanError::Downgrade { .. })
    ));
}
