//! Pausing: no writes at all, except pausing the CAPI Cluster once; unpausing removes the pause.

use std::time::Duration;

use kube::runtime::controller::Action;
use serde_json::json;

use crate::fixtures::{CLUSTER_NAMESPACE, NAME, STATUS_PATH, World, claim, lines};

const CLUSTER_PATH: &str =
    "/apis/cluster.x-k8s.io/v1beta2/namespaces/payments-cluster/clusters/payments";

#[tokio::test]
async fn a_claim_paused_from_the_start_writes_nothing() {
    let mut paused = claim();
    paused.spec.paused = Some(true);
    let world = World::new(paused);
    let action = world.reconcile().await.expect("reconcile succeeds");
    assert_eq!(action, Action::requeue(Duration::from_secs(600)));
    assert_eq!(
        lines(&world.fake.requests()),
        Vec::<String>::new(),
        "no request: the CAPI Cluster (absent) comes from the cache"
    );
    assert!(world.claim().metadata.finalizers.is_none());
}

#[tokio::test]
async fn pausing_pauses_the_capi_cluster_once_and_unpausing_removes_the_field() {
    let world = World::new(claim());
    world.settle().await;

    world.edit_claim(|c| c.spec.paused = Some(true));
    world.reconcile().await.expect("pause");
    let writes = world.fake.writes();
    assert_eq!(
        lines(&writes),
        [format!("PATCH {CLUSTER_PATH}")],
        "only the Cluster's pause"
    );
    let pause = &writes[0];
    assert!(pause.is_apply());
    assert_eq!(
        pause.query.get("fieldManager").map(String::as_str),
        Some("drover-pause")
    );
    assert_eq!(pause.body["spec"], json!({ "paused": true }));
    let events = world.fake.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["reason"], "Paused");
    let cluster = world
        .fake
        .get("Cluster", CLUSTER_NAMESPACE, NAME)
        .expect("cluster");
    assert_eq!(cluster["spec"]["paused"], true);
    assert_eq!(
        cluster["spec"]["controlPlaneRef"]["kind"], "KubeadmControlPlane",
        "drover's fields are untouched"
    );

    world.reconcile().await.expect("still paused");
    assert!(world.fake.writes().is_empty(), "paused: zero writes");
    assert!(world.fake.events().is_empty());

    world.edit_claim(|c| c.spec.paused = None);
    world.reconcile().await.expect("unpause");
    let writes = world.fake.writes();
    assert_eq!(
        lines(&writes),
        [
            format!("PATCH {CLUSTER_PATH}"),
            format!("PATCH {STATUS_PATH}")
        ]
    );
    assert_eq!(
        writes[0].query.get("fieldManager").map(String::as_str),
        Some("drover-pause")
    );
    assert!(
        writes[0].body.get("spec").is_none(),
        "drover-pause gives the field up"
    );
    let cluster = world
        .fake
        .get("Cluster", CLUSTER_NAMESPACE, NAME)
        .expect("cluster");
    assert!(
        cluster["spec"].get("paused").is_none(),
        "unpaused: {}",
        cluster["spec"]
    );
    assert_eq!(
        cluster["spec"]["infrastructureRef"]["kind"],
        "KubevirtCluster"
    );
    assert!(cluster["spec"]["clusterNetwork"]["pods"]["cidrBlocks"].is_array());

    world.reconcile().await.expect("settled");
    assert!(
        world.fake.writes().is_empty(),
        "{:#?}",
        lines(&world.fake.writes())
    );
}

#[tokio::test]
async fn a_capi_cluster_paused_by_someone_else_is_left_alone() {
    let world = World::new(claim());
    world.settle().await;
    world
        .fake
        .update("Cluster", CLUSTER_NAMESPACE, NAME, |cluster| {
            cluster["spec"]["paused"] = json!(true);
            if let Some(entries) = cluster["metadata"]["managedFields"].as_array_mut() {
                entries.push(json!({ "manager": "clusterctl", "operation": "Update",
                                 "fieldsV1": { "f:spec": { "f:paused": {} } } }));
            }
        });
    world.edit_claim(|c| {
        c.spec
            .workers
            .as_mut()
            .into_iter()
            .flatten()
            .for_each(|w| w.replicas = Some(5))
    });
    let action = world.reconcile().await.expect("reconcile succeeds");
    assert_eq!(action, Action::requeue(Duration::from_secs(600)));
    assert!(
        world.fake.writes().is_empty(),
        "{:#?}",
        lines(&world.fake.writes())
    );
}
