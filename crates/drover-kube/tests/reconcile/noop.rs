//! A settled cluster: a reconcile reads and writes nothing.

use drover_api::Phase;
use drover_kube::Settings;
use kube::runtime::controller::Action;

use crate::fixtures::{World, claim, lines};

#[tokio::test]
async fn a_provisioning_cluster_is_reconciled_without_requests() {
    let world = World::new(claim());
    world.settle().await;
    world.capi_reports_ready();
    world.settle().await;

    let action = world.reconcile().await.expect("reconcile succeeds");
    let requests = world.fake.requests();
    assert!(
        requests.is_empty(),
        "everything comes from the caches (the missing kubeconfig was just read): {:#?}",
        lines(&requests)
    );
    // Ready except for the kubeconfig and registration, which CAPI has not written here.
    assert_eq!(
        world.claim().status.as_ref().and_then(|s| s.phase),
        Some(Phase::Provisioning)
    );
    assert_eq!(
        action,
        Action::requeue(Settings::default().provisioning_requeue),
        "a long safety requeue: the watches wake a provisioning claim"
    );
}

#[tokio::test]
async fn the_second_pass_after_create_only_updates_the_status() {
    let world = World::new(claim());
    world.reconcile().await.expect("create");
    world.reconcile().await.expect("second pass");
    let writes = world.fake.writes();
    // The CAPI Cluster now exists (not yet observed by the first pass): only the status moves.
    assert!(
        writes.iter().all(|w| w.path.ends_with("/status")),
        "{:#?}",
        lines(&writes)
    );
}
