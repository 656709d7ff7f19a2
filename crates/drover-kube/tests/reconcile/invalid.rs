//! Invalid claims and missing references: `Valid=False`, nothing created, no hot loop.

use std::time::Duration;

use drover_api::{ConditionStatus, ConditionType, Phase};
use drover_core::fixtures as core;
use drover_kube::Settings;
use drover_kube::cache::KindState;
use kube::runtime::controller::Action;

use crate::fixtures::{STATUS_PATH, World, claim, lines, to_value};

#[tokio::test]
async fn an_invalid_claim_gets_valid_false_and_nothing_is_created() {
    let invalid = core::with_workers(claim(), &[("md-0", 2, "huge")]);
    let world = World::new(invalid);
    let action = world
        .reconcile()
        .await
        .expect("an invalid claim is not a reconcile error");
    assert_eq!(
        action,
        Action::await_change(),
        "wait for the claim to change"
    );

    let writes = world.fake.writes();
    assert_eq!(
        lines(&writes),
        [format!("PATCH {STATUS_PATH}")],
        "only the status"
    );
    let status = world.claim().status.clone().expect("status");
    assert_eq!(status.phase, Some(Phase::Failed));
    let valid = status
        .conditions
        .iter()
        .find(|c| c.type_ == ConditionType::Valid)
        .expect("Valid");
    assert_eq!(
        (valid.status, valid.reason.as_str()),
        (ConditionStatus::False, "Invalid")
    );
    assert!(
        valid.message.starts_with("spec.workers[0].size: "),
        "{}",
        valid.message
    );
    assert!(valid.message.contains("huge"), "{}", valid.message);
    assert!(
        world.claim().metadata.finalizers.is_none(),
        "no finalizer: nothing to clean up"
    );
    assert!(world.fake.all("Namespace").is_empty() && world.fake.all("Cluster").is_empty());

    let events = world.fake.events();
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0]["type"].as_str(), events[0]["reason"].as_str()),
        (Some("Warning"), Some("ValidFalse"))
    );

    world.reconcile().await.expect("second pass");
    assert!(
        world.fake.writes().is_empty(),
        "no status churn: {:#?}",
        lines(&world.fake.writes())
    );
}

#[tokio::test]
async fn a_missing_environment_is_reported_and_retried_slowly() {
    let world = World::with(claim(), Settings::default(), false);
    let action = world.reconcile().await.expect("not a reconcile error");
    assert_eq!(action, Action::requeue(Duration::from_secs(300)));
    assert_eq!(
        lines(&world.fake.writes()),
        [format!("PATCH {STATUS_PATH}")]
    );
    let status = world.claim().status.clone().expect("status");
    let valid = status
        .conditions
        .iter()
        .find(|c| c.type_ == ConditionType::Valid)
        .expect("Valid");
    assert_eq!(valid.reason, "EnvironmentNotFound");
    assert_eq!(
        valid.message,
        "spec.environment: Environment `dev` does not exist"
    );

    // The Environment appears (the watch on Environments requeues the claim): creation proceeds.
    world
        .fake
        .insert(to_value(&core::environment("dev", "v1.32.1")));
    world.reconcile().await.expect("reconcile succeeds");
    let writes = world.fake.writes();
    assert!(
        writes.len() > 2,
        "finalizer, objects and status: {:#?}",
        lines(&writes)
    );
    assert!(
        world
            .fake
            .get("Cluster", "payments-cluster", "payments")
            .is_some()
    );
}

#[tokio::test]
async fn a_claim_whose_provider_crds_are_not_installed_names_them_and_creates_nothing() {
    let world = World::new(claim());
    let caches = world.ctx.caches();
    caches.set_kind_state("KubevirtCluster", KindState::NotServed);
    caches.set_kind_state("KubevirtMachineTemplate", KindState::NotServed);
    let action = world.reconcile().await.expect("not a reconcile error");
    assert_eq!(
        action,
        Action::requeue(Duration::from_secs(300)),
        "looked at again slowly (and at once when the kind becomes served)"
    );
    assert_eq!(
        lines(&world.fake.writes()),
        [format!("PATCH {STATUS_PATH}")],
        "only the status: no finalizer, no objects"
    );
    let status = world.claim().status.clone().expect("status");
    let valid = status
        .conditions
        .iter()
        .find(|c| c.type_ == ConditionType::Valid)
        .expect("Valid");
    assert_eq!(
        (valid.status, valid.reason.as_str()),
        (ConditionStatus::False, "CRDNotInstalled")
    );
    assert_eq!(
        valid.message,
        "the management cluster does not serve \
         kubevirtclusters.infrastructure.cluster.x-k8s.io (KubevirtCluster infrastructure.cluster.x-k8s.io/v1alpha1, from InfrastructureProvider/kubevirt v0.11.2), \
         kubevirtmachinetemplates.infrastructure.cluster.x-k8s.io (KubevirtMachineTemplate infrastructure.cluster.x-k8s.io/v1alpha1, from InfrastructureProvider/kubevirt v0.11.2): \
         install the provider that defines them"
    );

    // The provider is installed: the claim is created.
    caches.set_kind_state("KubevirtCluster", KindState::Synced);
    caches.set_kind_state("KubevirtMachineTemplate", KindState::Synced);
    world.reconcile().await.expect("create");
    assert!(
        world
            .fake
            .get("KubevirtCluster", "payments-cluster", "payments")
            .is_some()
    );
}
