//! A settled cluster: a reconcile reads and writes nothing.

use std::time::Duration;

use drover_api::Phase;
use drover_kube::Settings;
use kube::runtime::controller::Action;

use crate::fixtures::{World, claim, lines};

#[tokio::test]
async fn a_settled_cluster_is_reconciled_with_zero_writes() {
    // Pages of one object, so every multi-object kind is listed in several pages.
    let settings = Settings {
        list_page_size: 1,
        ..Settings::default()
    };
    let world = World::with(claim(), settings, true);
    world.settle().await;
    world.capi_reports_ready();
    world.settle().await;

    let action = world.reconcile().await.expect("reconcile succeeds");
    let requests = world.fake.requests();
    assert!(
        world.fake.writes().is_empty(),
        "no-op reconcile wrote: {:#?}",
        lines(&world.fake.writes())
    );
    assert!(
        requests.iter().all(|r| r.method == "GET"),
        "only reads: {:#?}",
        lines(&requests)
    );
    assert!(
        world.fake.events().is_empty(),
        "no events without transitions"
    );
    assert!(
        requests.iter().any(|r| r.query.contains_key("continue")),
        "lists are paginated with limit and continue"
    );
    assert!(
        requests
            .iter()
            .all(|r| r.query.get("limit").is_none_or(|l| l == "1")),
        "every list carries the page size"
    );
    assert!(
        !requests.iter().any(|r| r.path.contains("servicemonitors")),
        "kinds the server does not serve are not listed again"
    );
    // Ready except for the kubeconfig and registration, which CAPI has not written here.
    assert_eq!(
        world.claim().status.as_ref().and_then(|s| s.phase),
        Some(Phase::Provisioning)
    );
    assert_eq!(action, Action::requeue(Duration::from_secs(30)));
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
