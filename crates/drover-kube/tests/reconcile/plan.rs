//! `drover plan --kubeconfig` against the fake: server-side dry-run applies (never persisted),
//! compared with the live inventory, plus what the prune stage would delete.

use drover_core::fixtures as core;
use drover_core::plan::{Action, ClusterAction};
use drover_core::render::{RenderedCluster, render_cluster};
use drover_kube::plan::{LivePlan, live_plan};
use serde_json::json;

use crate::fixtures::{CLUSTER_NAMESPACE, World, claim};

fn render(claim: &drover_api::WorkloadCluster) -> RenderedCluster {
    let cluster = core::resolved(
        claim,
        &core::environment("dev", "v1.32.1"),
        &core::kubevirt_infrastructure(),
    );
    render_cluster(&cluster).expect("renders")
}

async fn plan(world: &World, rendered: RenderedCluster) -> LivePlan {
    world.fake.clear_requests();
    let client = world.ctx.client().clone();
    let plan = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        live_plan(&client, &[rendered], 250),
    )
    .await
    .expect("plan finished in time")
    .expect("plan succeeds");
    world.fake.assert_clean();
    plan
}

/// Every PATCH was a dry run, and nothing else was written.
fn only_dry_runs(world: &World) {
    let writes = world.fake.writes();
    assert!(!writes.is_empty(), "the plan made no dry-run request");
    for write in writes {
        assert_eq!(write.method, "PATCH", "{}", write.line());
        assert!(write.is_apply(), "{}", write.line());
        assert_eq!(
            write.query.get("dryRun").map(String::as_str),
            Some("All"),
            "{}",
            write.line()
        );
        assert_eq!(
            write.query.get("fieldManager").map(String::as_str),
            Some("drover")
        );
    }
}

#[tokio::test]
async fn an_unchanged_cluster_has_no_changes_despite_server_defaults() {
    let world = World::new(claim());
    world.settle().await;
    let live = plan(&world, render(&claim())).await;
    assert!(live.problems.is_empty(), "{:?}", live.problems);
    let cluster = &live.plan.clusters[0];
    assert_eq!(
        cluster.action,
        ClusterAction::NoChange,
        "{:#?}",
        cluster.objects
    );
    assert!(!live.plan.has_changes());
    only_dry_runs(&world);
}

#[tokio::test]
async fn a_resize_replaces_the_template_rolls_the_pool_and_writes_nothing() {
    let world = World::new(claim());
    world.settle().await;
    let templates_before = world.fake.all("KubevirtMachineTemplate");

    let resized = core::with_workers(claim(), &[("md-0", 2, "medium")]);
    let live = plan(&world, render(&resized)).await;
    only_dry_runs(&world);
    assert_eq!(
        world.fake.all("KubevirtMachineTemplate"),
        templates_before,
        "a dry run stores nothing"
    );

    let cluster = &live.plan.clusters[0];
    assert_eq!(cluster.action, ClusterAction::Change);
    let actions: Vec<(Action, &str)> = cluster
        .objects
        .iter()
        .map(|o| (o.action, o.kind.as_str()))
        .collect();
    assert_eq!(
        actions,
        vec![
            (Action::Replace, "KubevirtMachineTemplate"),
            (Action::Change, "MachineDeployment")
        ],
        "{:#?}",
        cluster.objects
    );
    let deployment = &cluster.objects[1];
    assert_eq!(
        deployment
            .fields
            .iter()
            .map(|f| f.path.as_str())
            .collect::<Vec<_>>(),
        vec!["spec.template.spec.infrastructureRef.name"]
    );
    let rollout = &cluster.impact.rollouts;
    assert_eq!(rollout.len(), 1);
    assert_eq!(
        (rollout[0].group.as_str(), rollout[0].machines),
        ("worker pool md-0", 2)
    );
}

#[tokio::test]
async fn inventory_objects_no_longer_rendered_would_be_pruned() {
    let world = World::new(claim());
    world.settle().await;
    // A pool removed from the claim leaves its objects in the inventory.
    let two_pools = core::with_workers(claim(), &[("md-0", 2, "small"), ("md-1", 1, "small")]);
    for object in render(&two_pools).objects {
        if object.name().starts_with("payments-md-1") {
            let mut value = object.0.clone();
            value["metadata"]["namespace"] = json!(CLUSTER_NAMESPACE);
            world.fake.insert(value);
        }
    }
    let live = plan(&world, render(&claim())).await;
    let deleted: Vec<String> = live.plan.clusters[0]
        .objects
        .iter()
        .filter(|o| o.action == Action::Delete)
        .map(|o| format!("{} {}", o.kind, o.name))
        .collect();
    assert!(
        deleted.contains(&"MachineDeployment payments-md-1".to_owned()),
        "{deleted:?}"
    );
    assert!(
        deleted
            .iter()
            .any(|d| d.starts_with("KubevirtMachineTemplate payments-md-1-"))
    );
    assert!(
        world
            .fake
            .get("MachineDeployment", CLUSTER_NAMESPACE, "payments-md-1")
            .is_some()
    );
}

#[tokio::test]
async fn a_new_cluster_is_created_without_dry_runs_into_a_missing_namespace() {
    let world = World::new(claim());
    // Nothing reconciled: the cluster's namespace does not exist yet.
    let rendered = render(&claim());
    let count = rendered.objects.len();
    let live = plan(&world, rendered).await;
    let cluster = &live.plan.clusters[0];
    assert_eq!(cluster.action, ClusterAction::Create);
    assert_eq!(cluster.objects.len(), count);
    let paths: Vec<String> = world.fake.writes().iter().map(|w| w.path.clone()).collect();
    assert_eq!(
        paths,
        vec!["/api/v1/namespaces/payments-cluster".to_owned()]
    );
    only_dry_runs(&world);
    assert!(world.fake.all("Namespace").is_empty(), "nothing stored");
}

#[tokio::test]
async fn a_refused_dry_run_is_a_problem_of_the_plan() {
    let world = World::new(claim());
    world.settle().await;
    world.fake.fail(
        "PATCH",
        "/machinedeployments/payments-md-0",
        422,
        json!({ "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": "admission webhook denied the request: replicas too high",
                "reason": "Invalid", "code": 422 }),
        1,
    );
    let live = plan(&world, render(&claim())).await;
    assert_eq!(live.problems.len(), 1, "{:?}", live.problems);
    assert_eq!(
        live.problems[0].to_string(),
        "MachineDeployment payments-cluster/payments-md-0: the API server refuses it: admission webhook denied the request: replicas too high"
    );
}
