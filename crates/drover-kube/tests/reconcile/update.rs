//! Changes to a running cluster: new objects applied before old ones are pruned.

use drover_api::workload_cluster::WorkerPool;
use drover_core::fixtures as core;
use drover_core::render::Manifest;
use drover_kube::resources::apply_rank;

use crate::fixtures::{STATUS_PATH, World, claim, lines, path_of, rendered};

fn find<'a>(objects: &'a [Manifest], kind: &str, name_prefix: &str) -> &'a Manifest {
    objects
        .iter()
        .find(|o| o.kind() == kind && o.name().starts_with(name_prefix))
        .unwrap_or_else(|| panic!("no {kind} {name_prefix}*"))
}

#[tokio::test]
async fn a_size_change_applies_the_new_template_then_prunes_the_old_one() {
    let world = World::new(claim());
    world.settle().await;
    let before = rendered(&claim());

    let resized = core::with_workers(claim(), &[("md-0", 2, "medium")]);
    world.edit_claim(|c| c.spec.workers = resized.spec.workers.clone());
    world.reconcile().await.expect("reconcile succeeds");

    let after = rendered(&resized);
    let old_template = find(&before, "KubevirtMachineTemplate", "payments-md-0");
    let new_template = find(&after, "KubevirtMachineTemplate", "payments-md-0");
    assert_ne!(
        old_template.name(),
        new_template.name(),
        "templates are named by content"
    );
    let deployment = find(&after, "MachineDeployment", "payments-md-0");

    let writes = world.fake.writes();
    assert_eq!(
        lines(&writes),
        [
            format!("PATCH {}", path_of(new_template)),
            format!("PATCH {}", path_of(deployment)),
            format!("DELETE {}", path_of(old_template)),
            format!("PATCH {STATUS_PATH}"),
        ],
        "new template, its referrer, then the old template, then status"
    );
    let delete = &writes[2];
    let old_uid = delete.body["preconditions"]["uid"]
        .as_str()
        .expect("uid precondition");
    assert!(old_uid.starts_with("uid-"));
    assert_eq!(delete.body["propagationPolicy"], "Background");
    assert!(
        world
            .fake
            .get(
                "KubevirtMachineTemplate",
                "payments-cluster",
                old_template.name()
            )
            .is_none()
    );
    let live_md = world
        .fake
        .get("MachineDeployment", "payments-cluster", "payments-md-0")
        .expect("md");
    assert_eq!(
        live_md["spec"]["template"]["spec"]["infrastructureRef"]["name"],
        new_template.name()
    );
    assert_eq!(world.ctx.metrics().snapshot().objects_pruned, 1);

    world.settle().await;
}

#[tokio::test]
async fn a_removed_worker_pool_is_pruned_referrers_first() {
    let two_pools = core::with_workers(claim(), &[("md-0", 2, "small"), ("md-1", 1, "small")]);
    let world = World::new(two_pools.clone());
    world.settle().await;
    let before = rendered(&two_pools);

    world.edit_claim(|c| {
        c.spec.workers = Some(vec![WorkerPool {
            name: "md-0".into(),
            replicas: Some(2),
            size: Some("small".into()),
            node_labels: None,
        }]);
    });
    world.reconcile().await.expect("reconcile succeeds");

    let writes = world.fake.writes();
    let deletes: Vec<&str> = writes
        .iter()
        .filter(|w| w.method == "DELETE")
        .map(|w| w.path.as_str())
        .collect();
    let mut expected: Vec<&Manifest> = before
        .iter()
        .filter(|o| o.name().starts_with("payments-md-1"))
        .collect();
    assert_eq!(
        expected.len(),
        4,
        "md-1: template, bootstrap template, MachineDeployment, health check"
    );
    expected.sort_by_key(|o| std::cmp::Reverse(apply_rank(o.kind())));
    let expected_paths: Vec<String> = expected.iter().map(|o| path_of(o)).collect();
    assert_eq!(
        deletes, expected_paths,
        "reverse apply order: health check, deployment, templates"
    );
    assert!(
        writes
            .iter()
            .all(|w| w.method == "DELETE" || w.path.ends_with("/status")),
        "nothing else changes: {:#?}",
        lines(&writes)
    );
    assert!(
        writes.last().is_some_and(|w| w.path == STATUS_PATH),
        "status last"
    );
    world.settle().await;
}
