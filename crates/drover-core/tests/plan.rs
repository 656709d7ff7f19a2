//! `plan`: pairs of renders compared — a size change rolls the workers, a version bump rolls the
//! control plane then the workers, a skipped minor version or a downgrade is refused — and a
//! render folder read back equals what was rendered.

use drover_api::WorkloadCluster;
use drover_core::fixtures;
use drover_core::output::TreeWriter;
use drover_core::plan::{
    self, Action, ClusterAction, ClusterPlan, RenderSet, StepKind, compare_cluster, read_render_dir,
};
use drover_core::render::render_cluster;
use serde_json::{Value, json};

fn claim() -> WorkloadCluster {
    fixtures::with_workers(
        fixtures::claim("team-a", "payments", "dev"),
        &[("md-0", 2, "small"), ("md-1", 3, "small")],
    )
}

fn objects(claim: &WorkloadCluster, version: &str) -> Vec<Value> {
    let cluster = fixtures::resolved(
        claim,
        &fixtures::environment("dev", version),
        &fixtures::kubevirt_infrastructure(),
    );
    render_cluster(&cluster)
        .unwrap_or_else(|e| panic!("{e}"))
        .objects
        .into_iter()
        .map(|m| m.0)
        .collect()
}

fn compare(before: &[Value], after: &[Value]) -> ClusterPlan {
    compare_cluster("payments", "dev", Some(before), Some(after))
}

#[test]
fn a_worker_size_change_rolls_that_pool_only() {
    let before = objects(&claim(), "v1.32.1");
    let bigger = fixtures::with_workers(
        fixtures::claim("team-a", "payments", "dev"),
        &[("md-0", 2, "medium"), ("md-1", 3, "small")],
    );
    let after = objects(&bigger, "v1.32.1");
    let plan = compare(&before, &after);
    assert_eq!(plan.action, ClusterAction::Change);
    assert!(plan.problems.is_empty());

    let replaced: Vec<_> = plan
        .objects
        .iter()
        .filter(|o| o.action == Action::Replace)
        .collect();
    assert_eq!(replaced.len(), 1, "{:#?}", plan.objects);
    let template = replaced[0];
    assert_eq!(template.kind, "KubevirtMachineTemplate");
    assert!(template.name.starts_with("payments-md-0-"));
    assert!(
        template
            .replaces
            .as_deref()
            .is_some_and(|old| old.starts_with("payments-md-0-") && old != template.name)
    );
    let cores = template
        .fields
        .iter()
        .find(|f| f.path.ends_with("domain.cpu.cores"))
        .unwrap_or_else(|| panic!("{:#?}", template.fields));
    assert_eq!(
        (cores.before.clone(), cores.after.clone()),
        (Some(json!(4)), Some(json!(8)))
    );

    let deployment = plan
        .objects
        .iter()
        .find(|o| o.kind == "MachineDeployment")
        .unwrap_or_else(|| panic!("no MachineDeployment change"));
    assert_eq!(deployment.action, Action::Change);
    assert_eq!(deployment.name, "payments-md-0");
    assert_eq!(
        deployment
            .fields
            .iter()
            .map(|f| f.path.as_str())
            .collect::<Vec<_>>(),
        vec!["spec.template.spec.infrastructureRef.name"]
    );

    let impact = &plan.impact;
    assert_eq!(impact.version, None);
    assert_eq!(impact.rollouts.len(), 1, "{impact:#?}");
    let rollout = &impact.rollouts[0];
    assert_eq!(rollout.group, "worker pool md-0");
    assert_eq!(rollout.machines, 2);
    assert_eq!(rollout.max_surge, Some(1));
    assert!(rollout.reasons[0].starts_with("machine template payments-md-0-"));
    assert_eq!((impact.surge_vms, impact.surge_vms_concurrent), (1, 1));
}

#[test]
fn a_minor_version_bump_rolls_the_control_plane_then_each_pool() {
    let before = objects(&claim(), "v1.32.1");
    let after = objects(&claim(), "v1.33.0");
    let plan = compare(&before, &after);
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    let step = plan
        .impact
        .version
        .clone()
        .unwrap_or_else(|| panic!("no step"));
    assert_eq!(
        (
            step.from.as_str(),
            step.to.as_str(),
            step.kind,
            step.refused
        ),
        ("v1.32.1", "v1.33.0", StepKind::Minor, false)
    );
    let groups: Vec<(&str, i64)> = plan
        .impact
        .rollouts
        .iter()
        .map(|r| (r.group.as_str(), r.machines))
        .collect();
    assert_eq!(
        groups,
        vec![
            ("control plane", 1),
            ("worker pool md-0", 2),
            ("worker pool md-1", 3)
        ]
    );
    let control_plane = &plan.impact.rollouts[0];
    assert!(
        control_plane
            .reasons
            .contains(&"version v1.32.1 → v1.33.0".to_owned())
    );
    // The node image carries the version, so the machine template is new too.
    assert!(
        control_plane
            .reasons
            .iter()
            .any(|r| r.starts_with("machine template"))
    );
    // One group at a time: one surge VM; all at once it would be three.
    assert_eq!(plan.impact.surge_vms, 1);
    assert_eq!(plan.impact.surge_vms_concurrent, 3);
}

#[test]
fn skipping_a_minor_version_or_going_back_is_refused() {
    let before = objects(&claim(), "v1.32.1");
    let plan = compare(&before, &objects(&claim(), "v1.34.2"));
    let step = plan
        .impact
        .version
        .clone()
        .unwrap_or_else(|| panic!("no step"));
    assert_eq!((step.kind, step.refused), (StepKind::SkipsMinor, true));
    assert_eq!(plan.problems.len(), 1);
    assert_eq!(
        plan.problems[0].to_string(),
        "KubeadmControlPlane payments-cluster/payments-control-plane: spec.version: version v1.32.1 → v1.34.2 skips v1.33: refused, Kubernetes upgrades one minor version at a time (v1.33 first)"
    );

    let plan = compare(&before, &objects(&claim(), "v1.31.5"));
    assert_eq!(
        plan.impact.version.as_ref().map(|s| (s.kind, s.refused)),
        Some((StepKind::Downgrade, true))
    );
    assert!(plan.problems[0].message.contains("downgrade"));

    let patch = compare(&before, &objects(&claim(), "v1.32.4"));
    assert!(patch.problems.is_empty());
    assert_eq!(
        patch.impact.version.as_ref().map(|s| s.kind),
        Some(StepKind::Patch)
    );
}

#[test]
fn scaling_is_not_a_rollout() {
    let before = objects(&claim(), "v1.32.1");
    let more = fixtures::with_workers(
        fixtures::claim("team-a", "payments", "dev"),
        &[("md-0", 4, "small"), ("md-1", 3, "small")],
    );
    let plan = compare(&before, &objects(&more, "v1.32.1"));
    assert!(plan.impact.rollouts.is_empty(), "{:#?}", plan.impact);
    assert_eq!(plan.impact.scaling.len(), 1);
    assert_eq!(
        (
            plan.impact.scaling[0].group.as_str(),
            plan.impact.scaling[0].from,
            plan.impact.scaling[0].to
        ),
        ("worker pool md-0", 2, 4)
    );
    assert_eq!(plan.impact.surge_vms, 0);
}

#[test]
fn created_unchanged_and_deleted_clusters() {
    let objects = objects(&claim(), "v1.32.1");
    let created = compare_cluster("payments", "dev", None, Some(&objects));
    assert_eq!(created.action, ClusterAction::Create);
    assert_eq!(created.objects.len(), objects.len());
    assert!(created.objects.iter().all(|o| o.action == Action::Create));
    let machines: Vec<(&str, i64)> = created
        .impact
        .machines
        .iter()
        .map(|g| (g.group.as_str(), g.machines))
        .collect();
    assert_eq!(
        machines,
        vec![
            ("control plane", 1),
            ("worker pool md-0", 2),
            ("worker pool md-1", 3)
        ]
    );

    let same = compare(&objects, &objects);
    assert_eq!(same.action, ClusterAction::NoChange);
    assert_eq!(same.unchanged_objects, objects.len());

    let deleted = compare_cluster("payments", "dev", Some(&objects), None);
    assert_eq!(deleted.action, ClusterAction::Delete);
    assert!(deleted.objects.iter().all(|o| o.action == Action::Delete));

    // A removed pool's objects are deleted, not paired with anything.
    let fewer = fixtures::with_workers(
        fixtures::claim("team-a", "payments", "dev"),
        &[("md-0", 2, "small")],
    );
    let plan = compare(&objects, &self::objects(&fewer, "v1.32.1"));
    let deleted: Vec<String> = plan
        .objects
        .iter()
        .filter(|o| o.action == Action::Delete)
        .map(|o| o.kind.clone())
        .collect();
    assert!(
        deleted.contains(&"MachineDeployment".to_owned()),
        "{deleted:?}"
    );
    assert!(deleted.contains(&"KubevirtMachineTemplate".to_owned()));
}

#[test]
fn a_render_folder_reads_back_as_rendered() {
    let scratch = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = scratch.path().join("rendered");
    let cluster = fixtures::resolved(
        &claim(),
        &fixtures::environment("dev", "v1.32.1"),
        &fixtures::kubevirt_infrastructure(),
    );
    let rendered = render_cluster(&cluster).unwrap_or_else(|e| panic!("{e}"));
    let mut writer = TreeWriter::create(&out).unwrap_or_else(|e| panic!("{e}"));
    writer
        .write_cluster(&rendered)
        .unwrap_or_else(|e| panic!("{e}"));
    writer.finish().unwrap_or_else(|e| panic!("{e}"));

    let read = read_render_dir(&out).unwrap_or_else(|e| panic!("{e}"));
    let expected: RenderSet = plan::from_rendered([&rendered]);
    assert_eq!(read, expected);
    let plan = plan::compare(&read, &expected);
    assert!(!plan.has_changes());

    let error = read_render_dir(scratch.path()).err().map(|e| e.to_string());
    assert!(
        error
            .as_deref()
            .is_some_and(|e| e.contains("not a drover render")),
        "{error:?}"
    );
    std::fs::write(out.join("dev/payments/99-broken.yaml"), "a: [")
        .unwrap_or_else(|e| panic!("{e}"));
    let error = read_render_dir(&out).err().map(|e| e.to_string());
    assert!(
        error
            .as_deref()
            .is_some_and(|e| e.contains("99-broken.yaml:")),
        "{error:?}"
    );
}

#[test]
fn a_security_baseline_rolls_the_control_plane_only() {
    let mut with_cilium = claim();
    with_cilium.spec.addons = Some(vec![drover_api::workload_cluster::Addon::Cilium]);
    let render = |security: Option<drover_api::SecuritySpec>| -> Vec<Value> {
        let mut env = fixtures::environment("dev", "v1.32.1");
        env.spec.security = security;
        let cluster = fixtures::resolved(&with_cilium, &env, &fixtures::kubevirt_infrastructure());
        render_cluster(&cluster)
            .unwrap_or_else(|e| panic!("{e}"))
            .objects
            .into_iter()
            .map(|m| m.0)
            .collect()
    };
    let before = render(None);
    let after = render(Some(fixtures::full_security()));
    let plan = compare(&before, &after);
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    let rollouts: Vec<(&str, &[String])> = plan
        .impact
        .rollouts
        .iter()
        .map(|r| (r.group.as_str(), r.reasons.as_slice()))
        .collect();
    assert_eq!(
        rollouts,
        [(
            "control plane",
            &["API server configuration changed".to_owned()][..]
        )]
    );
    let changed: Vec<(&str, Action)> = plan
        .objects
        .iter()
        .map(|o| (o.kind.as_str(), o.action))
        .collect();
    for expected in [
        ("KubeadmControlPlane", Action::Change),
        ("HelmChartProxy", Action::Change),
        ("ConfigMap", Action::Create),
        ("ClusterResourceSet", Action::Create),
    ] {
        assert!(changed.contains(&expected), "{expected:?} in {changed:?}");
    }
}
