//! Capacity admission: a new or growing cluster must fit on its infrastructure's hosts next to
//! the other clusters there; a refused one gets `CapacityAvailable=False` and nothing else, and
//! existing clusters are never evicted.
//!
//! Every cluster here is the scenario's shape: one control-plane VM and two workers of `small`
//! (4 vCPU, 16Gi) plus room for one surge VM, 16 vCPU and 64Gi in all.

use std::time::Duration;

use drover_api::{Condition, ConditionStatus, ConditionType, Phase, WorkloadCluster};
use drover_core::fixtures as core;
use drover_kube::Settings;
use kube::runtime::controller::Action;
use serde_json::json;

use crate::fixtures::{
    CLUSTER_NAMESPACE, NAME, STATUS_PATH, World, claim, hosts, lines, md_replicas, to_value,
};
use crate::rbac::denied_by_install;

/// Another team's claim on the same infrastructure.
fn other(namespace: &str, name: &str, workers: i32) -> WorkloadCluster {
    core::with_workers(
        core::claim(namespace, name, "dev"),
        &[("md-0", workers, "small")],
    )
}

fn capacity(world: &World) -> Condition {
    let status = world.claim().status.clone().expect("status");
    status
        .conditions
        .into_iter()
        .find(|c| c.type_ == ConditionType::CapacityAvailable)
        .expect("CapacityAvailable")
}

#[tokio::test]
async fn a_new_claim_that_does_not_fit_gets_capacity_false_and_nothing_is_created() {
    let world = World::with(claim(), Settings::default(), true);
    hosts(&world, 1, 16, "64Gi");
    world.fake.insert(to_value(&other("team-b", "orders", 2)));

    let action = world.reconcile().await.expect("a refusal is not an error");
    assert_eq!(
        action,
        Action::requeue(Duration::from_secs(300)),
        "capacity may free up: look again slowly"
    );
    assert_eq!(
        lines(&world.fake.writes()),
        [format!("PATCH {STATUS_PATH}")],
        "only the status: no finalizer, no objects"
    );
    assert_eq!(
        world.fake.count("list"),
        0,
        "the other claims and the Environments come from the watch caches: {:#?}",
        lines(&world.fake.requests())
    );
    let denied = denied_by_install(&world.fake.requests());
    assert!(
        denied.is_empty(),
        "the installed RBAC allows the admission: {denied:#?}"
    );
    let status = world.claim().status.clone().expect("status");
    assert_eq!(status.phase, Some(Phase::Pending));
    let condition = capacity(&world);
    assert_eq!(
        (condition.status, condition.reason.as_str()),
        (ConditionStatus::False, "InsufficientCapacity")
    );
    assert!(
        condition
            .message
            .starts_with("does not fit on Infrastructure baremetal-kubevirt: "),
        "{}",
        condition.message
    );
    assert!(
        condition.message.contains("vCPU") && condition.message.contains("Gi"),
        "the numbers: {}",
        condition.message
    );
    assert!(world.claim().metadata.finalizers.is_none());
    assert!(world.fake.all("Namespace").is_empty() && world.fake.all("Cluster").is_empty());
    let events = world.fake.events();
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(
        (events[0]["type"].as_str(), events[0]["reason"].as_str()),
        (Some("Warning"), Some("CapacityAvailableFalse"))
    );

    // Still no room: no status churn.
    world.reconcile().await.expect("second pass");
    assert!(
        world.fake.writes().is_empty(),
        "{:#?}",
        lines(&world.fake.writes())
    );

    // A second host is added: the claim is admitted and created.
    hosts(&world, 2, 16, "64Gi");
    world.reconcile().await.expect("reconcile succeeds");
    assert!(world.fake.get("Cluster", CLUSTER_NAMESPACE, NAME).is_some());
    let condition = capacity(&world);
    assert_eq!(
        (condition.status, condition.reason.as_str()),
        (ConditionStatus::True, "Fits")
    );
}

#[tokio::test]
async fn a_new_claim_that_fits_is_created_with_capacity_true() {
    let world = World::new(claim());
    world.fake.insert(to_value(&other("team-b", "orders", 2)));
    // Claims that take no room: one being deleted, one refused before (nothing created), one on
    // another infrastructure. Each alone would not fit next to payments and orders.
    let mut leaving = to_value(&other("team-c", "leaving", 40));
    leaving["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
    leaving["metadata"]["finalizers"] = json!(["drover.dev/cleanup"]);
    world.fake.insert(leaving);
    let mut refused = to_value(&other("team-c", "refused", 40));
    refused["status"] = json!({ "phase": "Pending", "conditions": [ {
        "type": "CapacityAvailable", "status": "False", "reason": "InsufficientCapacity",
        "message": "does not fit", "lastTransitionTime": "2026-01-01T00:00:00Z" } ] });
    world.fake.insert(refused);
    let mut elsewhere = other("team-c", "elsewhere", 40);
    elsewhere.spec.infrastructure = "other-kubevirt".to_owned();
    world.fake.insert(to_value(&elsewhere));

    world.reconcile().await.expect("reconcile succeeds");
    assert!(world.fake.get("Cluster", CLUSTER_NAMESPACE, NAME).is_some());
    let condition = capacity(&world);
    assert_eq!(
        (
            condition.status,
            condition.reason.as_str(),
            condition.message.as_str()
        ),
        (
            ConditionStatus::True,
            "Fits",
            "fits on Infrastructure baremetal-kubevirt with the other 1 cluster(s)"
        )
    );
}

#[tokio::test]
async fn a_growing_cluster_that_does_not_fit_is_left_as_it_runs() {
    let world = World::new(claim());
    hosts(&world, 1, 32, "128Gi");
    world.settle().await;
    world.capi_reports_ready();
    world.settle().await;
    // Another team takes the rest of the host.
    world.fake.insert(to_value(&other("team-b", "orders", 2)));

    let grown = core::with_workers(claim(), &[("md-0", 3, "small")]);
    world.edit_claim(|c| c.spec.workers = grown.spec.workers.clone());
    let objects_before: Vec<_> = world.fake.all("KubevirtMachineTemplate");
    let action = world.reconcile().await.expect("a refusal is not an error");
    assert_eq!(action, Action::requeue(Duration::from_secs(300)));
    assert_eq!(
        lines(&world.fake.writes()),
        [format!("PATCH {STATUS_PATH}")],
        "the growth is not applied"
    );
    assert_eq!(md_replicas(&world), 2, "the pool keeps its size");
    assert_eq!(world.fake.all("KubevirtMachineTemplate"), objects_before);
    let condition = capacity(&world);
    assert_eq!(
        (condition.status, condition.reason.as_str()),
        (ConditionStatus::False, "InsufficientCapacity")
    );
    assert!(
        condition.message.contains("1 VM(s) find no host"),
        "{}",
        condition.message
    );
    let status = world.claim().status.clone().expect("status");
    assert_ne!(status.phase, Some(Phase::Pending), "the cluster runs");

    // The claim is shrunk back: nothing to admit, the condition clears, nothing else written.
    world.edit_claim(|c| c.spec.workers = claim().spec.workers.clone());
    world.reconcile().await.expect("reconcile succeeds");
    assert_eq!(
        lines(&world.fake.writes()),
        [format!("PATCH {STATUS_PATH}")]
    );
    let condition = capacity(&world);
    assert_eq!(
        (condition.status, condition.reason.as_str()),
        (ConditionStatus::True, "NotGrowing")
    );
}

#[tokio::test]
async fn an_existing_cluster_on_an_over_full_infrastructure_is_not_evicted() {
    let world = World::new(claim());
    world.fake.insert(to_value(&other("team-b", "orders", 2)));
    world.settle().await;
    world.capi_reports_ready();
    world.settle().await;
    let admitted = capacity(&world);
    assert_eq!(admitted.status, ConditionStatus::True);

    // Hosts are taken away: payments and orders no longer fit together.
    hosts(&world, 1, 16, "64Gi");
    world.reconcile().await.expect("reconcile succeeds");
    assert!(
        world.fake.writes().is_empty(),
        "not growing: nothing written, nothing removed: {:#?}",
        lines(&world.fake.writes())
    );
    assert_eq!(capacity(&world), admitted);
    assert!(world.fake.get("Cluster", CLUSTER_NAMESPACE, NAME).is_some());

    // It keeps reconciling: shrinking is applied even though the infrastructure is over full.
    let shrunk = core::with_workers(claim(), &[("md-0", 1, "small")]);
    world.edit_claim(|c| c.spec.workers = shrunk.spec.workers.clone());
    world.reconcile().await.expect("reconcile succeeds");
    assert_eq!(md_replicas(&world), 1);
    let kept = capacity(&world);
    assert_eq!(
        (kept.status, kept.reason, kept.message),
        (admitted.status, admitted.reason, admitted.message)
    );
}
