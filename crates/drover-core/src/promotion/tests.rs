//! Environment evaluation (gate, wave, halt, window) and what it allows a claim.

use std::time::Duration;

use drover_api::environment::{MaintenanceWindow, Promotion, UpgradePolicy, Weekday};
use drover_api::{ConditionStatus, ConditionType, Environment, EnvironmentStatus};
use jiff::Timestamp;

use super::*;
use crate::fixtures;
use crate::upgrade::{ObservedVersion, Start};
use crate::version::KubeVersion;

fn at(text: &str) -> Timestamp {
    text.parse().expect("time")
}

fn v(text: &str) -> KubeVersion {
    text.parse().expect("version")
}

fn record(env: &str, name: &str, running: &str, ready_since: Option<&str>) -> ClusterRecord {
    ClusterRecord {
        key: format!("team-a/{name}"),
        environment: env.to_owned(),
        pinned: None,
        running: ObservedVersion::parse(running),
        ready: ready_since.is_some(),
        valid: true,
        ready_at: ready_since.map(|s| (ObservedVersion::parse(running).expect("v"), at(s))),
        upgrading: false,
        upgrade_to: None,
        failure: None,
        hibernated: false,
    }
}

fn promoted_from(name: &str, version: &str, from: &str, soak: &str) -> Environment {
    let mut env = fixtures::environment(name, version);
    env.spec.promotion = Some(Promotion {
        from: from.to_owned(),
        soak: Some(soak.to_owned()),
    });
    env
}

fn evaluate_at(
    env: &Environment,
    all: &[&Environment],
    clusters: &[ClusterRecord],
    now: &str,
) -> EnvironmentOutcome {
    evaluate(&EnvironmentInput {
        environment: env,
        environments: all,
        clusters,
        now: at(now),
    })
}

fn condition(
    status: &EnvironmentStatus,
    type_: ConditionType,
) -> (ConditionStatus, String, String) {
    let c = status
        .conditions
        .iter()
        .find(|c| c.type_ == type_)
        .unwrap_or_else(|| panic!("no {type_:?}"));
    (c.status, c.reason.clone(), c.message.clone())
}

const NOW: &str = "2026-01-10T12:00:00Z";

#[test]
fn an_environment_without_a_gate_targets_its_version_and_admits_one_cluster_at_a_time() {
    let dev = fixtures::environment("dev", "v1.33.1");
    let clusters = [
        record("dev", "b", "v1.32.4", Some("2026-01-01T00:00:00Z")),
        record("dev", "a", "v1.32.4", Some("2026-01-01T00:00:00Z")),
        record("dev", "0-down", "v1.32.4", None),
        record("dev", "c", "v1.33.1", Some("2026-01-01T00:00:00Z")),
        record("staging", "s", "v1.32.4", Some("2026-01-01T00:00:00Z")),
    ];
    let outcome = evaluate_at(&dev, &[&dev], &clusters, NOW);
    let status = &outcome.status;
    assert_eq!(status.target_version.as_deref(), Some("v1.33.1"));
    assert_eq!(
        (status.clusters_at_target, status.clusters_total),
        (Some(1), Some(4))
    );
    assert_eq!(
        status.upgrading,
        ["team-a/a"],
        "the first Ready one in order, one at a time"
    );
    assert_eq!(status.blocked_by, None);
    assert_eq!(
        condition(status, ConditionType::PromotionBlocked).0,
        ConditionStatus::False
    );

    // a is upgrading: it keeps its slot, b waits; with two slots b joins.
    let mut clusters = clusters.to_vec();
    clusters[1].upgrading = true;
    let outcome = evaluate_at(&dev, &[&dev], &clusters, NOW);
    assert_eq!(outcome.status.upgrading, ["team-a/a"]);
    let mut wide = dev.clone();
    wide.spec.upgrade = Some(UpgradePolicy {
        max_concurrent: Some(2),
        progress_deadline: None,
    });
    let outcome = evaluate_at(&wide, &[&wide], &clusters, NOW);
    assert_eq!(outcome.status.upgrading, ["team-a/a", "team-a/b"]);
}

#[test]
fn a_failed_upgrade_halts_the_environment_and_the_ones_after_it() {
    let dev = fixtures::environment("dev", "v1.33.1");
    let staging = promoted_from("staging", "v1.33.1", "dev", "24h");
    let production = promoted_from("production", "v1.33.1", "staging", "72h");
    let all = [&dev, &staging, &production];
    let mut failed = record("dev", "a", "v1.32.4", None);
    failed.upgrading = true;
    failed.upgrade_to = Some("v1.33.1".to_owned());
    failed.failure =
        Some("machine a-md-0-x failed its health check and is being remediated".to_owned());
    let clusters = [
        failed,
        record("dev", "b", "v1.32.4", Some("2026-01-01T00:00:00Z")),
        record("staging", "s", "v1.33.1", Some("2026-01-01T00:00:00Z")),
        record("production", "p", "v1.32.4", Some("2026-01-01T00:00:00Z")),
    ];
    let dev_status = evaluate_at(&dev, &all, &clusters, NOW).status;
    let halted = condition(&dev_status, ConditionType::UpgradesHalted);
    assert_eq!(
        (halted.0, halted.1.as_str()),
        (ConditionStatus::True, "UpgradeFailed")
    );
    assert_eq!(dev_status.upgrading, ["team-a/a"], "b does not start");
    assert!(
        dev_status.blocked_by.as_deref().is_some_and(
            |b| b.starts_with("upgrades halted: team-a/a failed its upgrade to v1.33.1")
        ),
        "{:?}",
        dev_status.blocked_by
    );

    // production promotes from staging, which is at v1.33.1 for long enough, but dev (before
    // staging in the chain) has a failed upgrade.
    let prod = evaluate_at(&production, &all, &clusters, NOW).status;
    let blocked = condition(&prod, ConditionType::PromotionBlocked);
    assert_eq!(
        (blocked.0, blocked.1.as_str()),
        (ConditionStatus::True, "UpgradeFailed")
    );
    assert_eq!(
        prod.target_version.as_deref(),
        Some("v1.32.4"),
        "holds what runs"
    );
    assert!(prod.upgrading.is_empty());
}

#[test]
fn a_closed_gate_keeps_the_promoted_version_and_says_when_it_opens() {
    let dev = fixtures::environment("dev", "v1.33.1");
    let mut staging = promoted_from("staging", "v1.33.1", "dev", "24h");
    staging.status = Some(EnvironmentStatus {
        target_version: Some("v1.32.4".to_owned()),
        ..EnvironmentStatus::default()
    });
    let all = [&dev, &staging];
    let clusters = [
        record("dev", "d", "v1.33.1", Some("2026-01-10T06:00:00Z")),
        record("staging", "s", "v1.32.4", Some("2026-01-01T00:00:00Z")),
    ];
    let outcome = evaluate_at(&staging, &all, &clusters, NOW);
    let status = &outcome.status;
    assert_eq!(status.target_version.as_deref(), Some("v1.32.4"));
    assert!(status.upgrading.is_empty(), "nothing to move to");
    let blocked = condition(status, ConditionType::PromotionBlocked);
    assert_eq!(
        (blocked.0, blocked.1.as_str()),
        (ConditionStatus::True, "Soaking")
    );
    assert_eq!(
        status.blocked_by.as_deref(),
        Some(
            "promotion of v1.33.1 from dev waits for: team-a/d Ready at v1.33.1 since 2026-01-10T06:00:00Z, soaked at 2026-01-11T06:00:00Z (24h soak)"
        )
    );
    assert_eq!(outcome.recheck_after, Some(Duration::from_secs(18 * 3600)));

    // The same evaluation later in the soak writes the same status (absolute times only).
    let mut again = staging.clone();
    again.status = Some(status.clone());
    let later = evaluate_at(&again, &all, &clusters, "2026-01-10T13:00:00Z");
    assert_eq!(&later.status, status);

    // Soaked: promoted, and the staging cluster is admitted.
    let open = evaluate_at(&again, &all, &clusters, "2026-01-11T06:00:00Z").status;
    assert_eq!(open.target_version.as_deref(), Some("v1.33.1"));
    assert_eq!(open.upgrading, ["team-a/s"]);
    let promoted = condition(&open, ConditionType::PromotionBlocked);
    assert_eq!(
        (promoted.0, promoted.1.as_str()),
        (ConditionStatus::False, "Promoted")
    );
}

#[test]
fn the_first_evaluation_of_a_gated_environment_holds_what_runs() {
    let dev = fixtures::environment("dev", "v1.33.1");
    let staging = promoted_from("staging", "v1.33.1", "dev", "24h");
    let clusters = [
        record("dev", "d", "v1.32.4", Some("2026-01-01T00:00:00Z")),
        record("staging", "s2", "v1.32.9", Some("2026-01-01T00:00:00Z")),
        record("staging", "s1", "v1.32.4", Some("2026-01-01T00:00:00Z")),
    ];
    let status = evaluate_at(&staging, &[&dev, &staging], &clusters, NOW).status;
    assert_eq!(status.target_version.as_deref(), Some("v1.32.4"));
    assert_eq!(
        condition(&status, ConditionType::PromotionBlocked).1,
        "SourceNotReady"
    );
}

#[test]
fn outside_the_window_nothing_is_admitted_until_it_opens() {
    let mut dev = fixtures::environment("dev", "v1.33.1");
    dev.spec.maintenance_window = Some(MaintenanceWindow {
        days: vec![Weekday::Sat],
        start: "22:00".to_owned(),
        duration: "4h".to_owned(),
        time_zone: Some("Europe/Berlin".to_owned()),
    });
    let clusters = [record("dev", "a", "v1.32.4", Some("2026-01-01T00:00:00Z"))];
    // Saturday 2026-01-10 12:00 UTC is 13:00 in Berlin: closed until 22:00 local (21:00 UTC).
    let outcome = evaluate_at(&dev, &[&dev], &clusters, NOW);
    assert!(outcome.status.upgrading.is_empty());
    assert_eq!(
        outcome.status.blocked_by.as_deref(),
        Some(
            "1 cluster(s) wait for the maintenance window, which opens Sat 2026-01-10 22:00 Europe/Berlin"
        )
    );
    assert_eq!(outcome.recheck_after, Some(Duration::from_secs(9 * 3600)));
    // Sunday 01:30 Berlin: still inside Saturday's window (it crosses midnight).
    let inside = evaluate_at(&dev, &[&dev], &clusters, "2026-01-11T00:30:00Z");
    assert_eq!(inside.status.upgrading, ["team-a/a"]);
}

#[test]
fn chains_and_dependents_follow_promotion() {
    let dev = fixtures::environment("dev", "v1.33.1");
    let staging = promoted_from("staging", "v1.33.1", "dev", "24h");
    let production = promoted_from("production", "v1.33.1", "staging", "72h");
    let sandbox = fixtures::environment("sandbox", "v1.34.0");
    let all = [&dev, &staging, &production, &sandbox];
    assert_eq!(promotion_chain("production", &all), ["staging", "dev"]);
    assert!(promotion_chain("dev", &all).is_empty());
    assert_eq!(
        dependent_environments("dev", &all),
        ["dev", "staging", "production"]
    );
}

#[test]
fn what_an_environment_lets_a_claim_do() {
    let mut staging = promoted_from("staging", "v1.33.1", "dev", "24h");
    // Nothing promoted yet.
    let (allowed, hold) = allowed_version(&staging, false, v("v1.33.1"));
    assert_eq!(allowed, None);
    assert_eq!(
        hold.map(|h| h.reason),
        Some(REASON_PROMOTION_PENDING.to_owned())
    );
    // A pinned version is the team's choice.
    assert_eq!(
        allowed_version(&staging, true, v("v1.33.1")).0,
        Some(v("v1.33.1"))
    );
    staging.status = Some(EnvironmentStatus {
        target_version: Some("v1.32.4".to_owned()),
        blocked_by: Some("promotion of v1.33.1 from dev waits for: …".to_owned()),
        upgrading: vec!["team-a/s".to_owned()],
        ..EnvironmentStatus::default()
    });
    let (allowed, hold) = allowed_version(&staging, false, v("v1.33.1"));
    assert_eq!(allowed, Some(v("v1.32.4")));
    assert_eq!(
        hold.map(|h| h.message).as_deref(),
        Some(
            "Environment staging has promoted v1.32.4; v1.33.1 waits: promotion of v1.33.1 from dev waits for: …"
        )
    );

    assert_eq!(
        start_permission(&staging, "team-a/s", at(NOW)),
        Start::Allowed
    );
    let Start::Held(turn) = start_permission(&staging, "team-a/t", at(NOW)) else {
        panic!("not admitted")
    };
    assert_eq!(turn.reason, REASON_WAITING_FOR_TURN);
    staging.spec.maintenance_window = Some(MaintenanceWindow {
        days: vec![Weekday::Sun],
        start: "02:00".to_owned(),
        duration: "2h".to_owned(),
        time_zone: None,
    });
    let Start::Held(window) = start_permission(&staging, "team-a/s", at(NOW)) else {
        panic!("outside the window")
    };
    assert_eq!(window.reason, REASON_WAITING_FOR_WINDOW);
    assert_eq!(
        window.message,
        "upgrades of Environment staging start in its maintenance window, which opens Sun 2026-01-11 02:00 UTC"
    );
    assert_eq!(progress_deadline(&staging), DEFAULT_PROGRESS_DEADLINE);
    staging.spec.upgrade = Some(UpgradePolicy {
        max_concurrent: None,
        progress_deadline: Some("45m".to_owned()),
    });
    assert_eq!(progress_deadline(&staging), Duration::from_secs(45 * 60));
}

#[test]
fn hibernated_clusters_neither_block_nor_prove_a_promotion_and_do_not_join_the_wave() {
    let dev = fixtures::environment("dev", "v1.33.1");
    let staging = promoted_from("staging", "v1.33.1", "dev", "24h");
    let all = [&dev, &staging];
    let mut asleep = record("dev", "sleeper", "v1.32.4", Some("2026-01-01T00:00:00Z"));
    asleep.hibernated = true;
    let soaked = record("dev", "awake", "v1.33.1", Some("2026-01-05T00:00:00Z"));
    // The sleeping dev cluster still runs v1.32.4: it does not hold staging back.
    let clusters = [asleep.clone(), soaked.clone()];
    let outcome = evaluate_at(&staging, &all, &clusters, NOW);
    assert_eq!(outcome.status.target_version.as_deref(), Some("v1.33.1"));
    assert_eq!(
        condition(&outcome.status, ConditionType::PromotionBlocked).0,
        ConditionStatus::False
    );
    // Every dev cluster asleep: nothing proves the version.
    let mut both_asleep = soaked;
    both_asleep.hibernated = true;
    let clusters = [asleep.clone(), both_asleep];
    let outcome = evaluate_at(&staging, &all, &clusters, NOW);
    let (status, reason, message) = condition(&outcome.status, ConditionType::PromotionBlocked);
    assert_eq!(
        (status, reason.as_str()),
        (ConditionStatus::True, "NoSourceClusters")
    );
    assert!(message.contains("no awake clusters"), "{message}");
    // The wave of dev itself skips the sleeping cluster that wants v1.33.1.
    let outcome = evaluate_at(&dev, &[&dev], &[asleep], NOW);
    assert!(outcome.status.upgrading.is_empty());
}
