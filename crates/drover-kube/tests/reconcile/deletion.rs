//! Deletion order: unregister → CAPI Cluster gone → remaining inventory, Namespace last →
//! finalizer removed; each step only after the previous one's objects are gone.

use drover_api::Phase;
use drover_kube::Settings;
use drover_kube::resources::apply_rank;
use kube::runtime::controller::Action;
use serde_json::json;

use crate::fixtures::{
    CLAIM_PATH, CLUSTER_NAMESPACE, KEY_DATA, NAME, NAMESPACE, STATUS_PATH, World, claim, lines,
    path_of, rendered,
};

const SECRET_PATH: &str = "/api/v1/namespaces/argocd/secrets/drover-payments";
const CLUSTER_PATH: &str =
    "/apis/cluster.x-k8s.io/v1beta2/namespaces/payments-cluster/clusters/payments";

fn mark_deleted(world: &World) {
    world
        .fake
        .update("WorkloadCluster", NAMESPACE, NAME, |claim| {
            claim["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
        });
}

#[tokio::test]
async fn a_claim_whose_objects_were_never_created_loses_its_finalizer_at_once() {
    let mut never_applied = claim();
    never_applied.metadata.finalizers = Some(vec!["drover.dev/cleanup".to_owned()]);
    let world = World::new(never_applied);
    mark_deleted(&world);
    let action = world.reconcile().await.expect("reconcile succeeds");
    assert_eq!(action, Action::await_change());
    let writes = world.fake.writes();
    assert_eq!(lines(&writes), [format!("PATCH {CLAIM_PATH}")]);
    assert_eq!(
        writes[0].body,
        json!([
            { "op": "test", "path": "/metadata/finalizers/0", "value": "drover.dev/cleanup" },
            { "op": "remove", "path": "/metadata/finalizers/0" },
        ])
    );
    assert!(
        world.fake.get("WorkloadCluster", NAMESPACE, NAME).is_none(),
        "the claim is gone"
    );
}

#[tokio::test]
async fn deletion_unregisters_then_waits_for_capi_then_deletes_the_rest_then_the_finalizer() {
    let world = World::new(claim());
    world.settle().await;
    world.capi_writes_kubeconfig(KEY_DATA);
    world.settle().await;
    // CAPI's finalizer keeps the Cluster until the machines are gone.
    world
        .fake
        .update("Cluster", CLUSTER_NAMESPACE, NAME, |cluster| {
            cluster["metadata"]["finalizers"] = json!(["cluster.cluster.x-k8s.io"]);
        });
    mark_deleted(&world);

    // 1 + 2: the Argo CD Secret goes (at once), the Cluster is asked to go.
    let action = world.reconcile().await.expect("pass 1");
    assert_eq!(action, Action::requeue(Settings::default().deletion_poll));
    assert_eq!(
        lines(&world.fake.writes()),
        [
            format!("DELETE {SECRET_PATH}"),
            format!("DELETE {CLUSTER_PATH}"),
            format!("PATCH {STATUS_PATH}")
        ]
    );
    let status = world.claim().status.clone().expect("status");
    assert_eq!(status.phase, Some(Phase::Deleting));

    // CAPI is still tearing down: nothing else is touched, nothing is written again.
    world.reconcile().await.expect("pass 2");
    assert!(
        world.fake.writes().is_empty(),
        "{:#?}",
        lines(&world.fake.writes())
    );
    assert!(
        world
            .fake
            .get("KubevirtCluster", CLUSTER_NAMESPACE, NAME)
            .is_some()
    );

    // CAPI done: the rest goes, in reverse apply order, the Namespace last.
    world.fake.remove("Cluster", CLUSTER_NAMESPACE, NAME);
    world.reconcile().await.expect("pass 3");
    let writes = world.fake.writes();
    let deletes: Vec<String> = writes
        .iter()
        .filter(|w| w.method == "DELETE")
        .map(|w| w.path.clone())
        .collect();
    let mut expected: Vec<_> = rendered(&claim())
        .into_iter()
        .filter(|o| o.kind() != "Cluster")
        .collect();
    expected.sort_by_key(|o| std::cmp::Reverse(apply_rank(o.kind())));
    let expected: Vec<String> = expected.iter().map(path_of).collect();
    let (mut got_sorted, mut want_sorted) = (deletes.clone(), expected.clone());
    got_sorted.sort();
    want_sorted.sort();
    assert_eq!(got_sorted, want_sorted, "every remaining object is deleted");
    let objects = rendered(&claim());
    let kind_of = |path: &str| {
        objects
            .iter()
            .find(|o| path_of(o) == path)
            .map_or("", |o| o.kind())
    };
    let kinds: Vec<usize> = deletes
        .iter()
        .map(|path| apply_rank(kind_of(path)))
        .collect();
    assert!(
        kinds.windows(2).all(|w| w[0] >= w[1]),
        "reverse apply order: {deletes:#?}"
    );
    assert!(
        deletes
            .last()
            .is_some_and(|p| p.ends_with("/api/v1/namespaces/payments-cluster")),
        "Namespace last"
    );
    assert_eq!(writes.last().map(|w| w.path.as_str()), Some(STATUS_PATH));

    // The Namespace terminates: wait.
    world.reconcile().await.expect("pass 4");
    assert!(
        world.fake.writes().is_empty(),
        "{:#?}",
        lines(&world.fake.writes())
    );

    // Gone: the finalizer is removed, and with it the claim.
    world.fake.remove("Namespace", "", CLUSTER_NAMESPACE);
    let action = world.reconcile().await.expect("pass 5");
    assert_eq!(action, Action::await_change());
    assert_eq!(lines(&world.fake.writes()), [format!("PATCH {CLAIM_PATH}")]);
    assert!(world.fake.get("WorkloadCluster", NAMESPACE, NAME).is_none());
}

#[tokio::test]
async fn a_paused_claim_is_not_torn_down() {
    let world = World::new(claim());
    world.settle().await;
    world.edit_claim(|c| c.spec.paused = Some(true));
    world.reconcile().await.expect("pause");
    mark_deleted(&world);
    world.reconcile().await.expect("deleting while paused");
    assert!(world.fake.requests().is_empty(), "paused: not even a read");
    assert!(world.fake.get("Cluster", CLUSTER_NAMESPACE, NAME).is_some());
}
