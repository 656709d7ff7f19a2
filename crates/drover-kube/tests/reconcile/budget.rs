//! The request budget of a reconcile, counted by verb and kind as the API server would count it
//! (`apiserver_request_total`): these are the numbers a real management cluster sees.
//!
//! - a resync of a settled claim makes **no** request;
//! - a new claim makes one apply per rendered object plus a small constant (finalizer patch,
//!   status apply, one event), and the reconciles its own writes wake make no further write;
//! - a CAPI status change makes at most one status apply.

use std::collections::BTreeMap;

use drover_api::Phase;

use crate::fixtures::{CLUSTER_NAMESPACE, KEY_DATA, NAME, World, claim, lines, rendered};

/// Requests since the last reconcile, as `verb kind → count`.
fn counts(world: &World) -> BTreeMap<String, u64> {
    world
        .fake
        .counts()
        .into_iter()
        .map(|((verb, kind), n)| (format!("{verb} {kind}"), n))
        .collect()
}

async fn settled_ready_world() -> World {
    let world = World::new(claim());
    world.settle().await;
    world.capi_reports_ready();
    world.capi_writes_kubeconfig(KEY_DATA);
    world.settle().await;
    assert_eq!(
        world.claim().status.as_ref().and_then(|s| s.phase),
        Some(Phase::Ready)
    );
    world
}

#[tokio::test]
async fn a_resync_of_a_settled_claim_makes_no_request() {
    let world = settled_ready_world().await;
    for _ in 0..3 {
        world.reconcile().await.expect("resync");
        assert_eq!(counts(&world), BTreeMap::new(), "no request at all");
    }
    // Once the controller's memory of the two Secrets expires, a resync reads them by name —
    // two GETs, still no write.
    world.secret_refresh_passes();
    world.reconcile().await.expect("resync");
    assert_eq!(
        counts(&world),
        BTreeMap::from([("get Secret".to_owned(), 2)]),
        "{:#?}",
        lines(&world.fake.requests())
    );
}

#[tokio::test]
async fn a_new_claim_makes_one_apply_per_object_plus_a_constant() {
    let world = World::new(claim());
    world.reconcile().await.expect("create");
    let objects = rendered(&claim()).len() as u64;
    let counts = counts(&world);
    let applies: u64 = counts
        .iter()
        .filter(|(k, _)| k.starts_with("apply ") && !k.ends_with("/status"))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(applies, objects, "one apply per object: {counts:#?}");
    assert_eq!(counts.get("apply WorkloadCluster/status"), Some(&1));
    assert_eq!(
        counts.get("patch WorkloadCluster"),
        Some(&1),
        "the finalizer"
    );
    assert_eq!(
        counts.get("get Secret"),
        None,
        "nothing created yet: no kubeconfig or Argo CD Secret to read"
    );
    assert_eq!(counts.get("create Event"), Some(&1));
    let total: u64 = counts.values().sum();
    assert_eq!(total, objects + 3, "{counts:#?}");
    assert!(
        !counts.keys().any(|k| k.starts_with("list ")),
        "{counts:#?}"
    );

    // The watch events of those writes wake the claim again: the caches already hold what was
    // written, so nothing is written twice.
    world.reconcile().await.expect("woken by its own writes");
    let again = self::counts(&world);
    assert!(
        !again
            .keys()
            .any(|k| k.starts_with("apply ") && !k.ends_with("/status")),
        "no object applied twice: {again:#?}"
    );
    assert!(!again.contains_key("patch WorkloadCluster"), "{again:#?}");
}

#[tokio::test]
async fn a_capi_status_change_makes_at_most_one_status_apply() {
    let world = World::new(claim());
    world.settle().await;
    world
        .fake
        .update("Cluster", CLUSTER_NAMESPACE, NAME, |cluster| {
            cluster["status"] = serde_json::json!({ "conditions": [
                { "type": "InfrastructureReady", "status": "True", "reason": "Ready" } ] });
        });
    world.reconcile().await.expect("woken by the Cluster");
    let mut counts = counts(&world);
    // Each condition that changed is announced by an event (best effort, not a write of state).
    counts.remove("create Event");
    assert_eq!(
        counts,
        BTreeMap::from([("apply WorkloadCluster/status".to_owned(), 1)]),
        "{:#?}",
        lines(&world.fake.requests())
    );
    world.reconcile().await.expect("nothing changed");
    assert_eq!(self::counts(&world), BTreeMap::new());
}
