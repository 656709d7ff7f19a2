//! Upstream conformance: every object drover renders, for the example fleet and the test
//! fixtures, is valid against the upstream CRD schema of its kind (or k8s-openapi for built-in
//! kinds), with fields the schema does not declare treated as errors: a real API server would
//! prune them silently. Skips, saying so, when `../shared/crds` is absent.

use std::path::Path;

use drover_conformance::{catalog_or_skip, format_violations};
use drover_core::fixtures::{
    self, claim, environment, kubevirt_infrastructure, with_control_plane, with_workers,
};
use drover_core::fleet::load_dir;
use drover_core::pipeline;
use drover_core::render::{RenderedCluster, render_cluster};

fn check_all(rendered: &[RenderedCluster]) {
    let Some(catalog) = catalog_or_skip() else {
        return;
    };
    let mut failures = Vec::new();
    let mut checked = 0;
    for cluster in rendered {
        for object in &cluster.objects {
            checked += 1;
            if let Err(violations) = catalog.check(&object.0) {
                failures.push(format!(
                    "{}/{}: {}:\n{}",
                    cluster.environment,
                    cluster.name,
                    object.describe(),
                    format_violations(&violations)
                ));
            }
        }
    }
    assert!(checked > 0, "nothing was checked");
    assert!(
        failures.is_empty(),
        "{} of {checked} objects do not conform:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_example_fleet_renders_schema_valid_objects() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/fleet");
    let fleet = load_dir(&dir).expect("example fleet loads");
    let validation = pipeline::validate(&fleet);
    assert!(validation.is_valid(), "{:?}", validation.diagnostics);
    let rendered: Vec<RenderedCluster> = validation
        .clusters
        .iter()
        .map(|c| render_cluster(c).expect("renders"))
        .collect();
    assert_eq!(rendered.len(), fleet.clusters.len());
    check_all(&rendered);
}

#[test]
fn fixture_variants_render_schema_valid_objects() {
    let infra = kubevirt_infrastructure();
    let mut no_migration = kubevirt_infrastructure();
    if let Some(kubevirt) = no_migration.spec.kubevirt.as_mut() {
        kubevirt.live_migration = Some(false);
        kubevirt.hosts = None;
        kubevirt.bootstrap_check = Some(drover_api::infrastructure::BootstrapCheck::None);
        kubevirt.control_plane_service = Some(drover_api::infrastructure::ServiceType::NodePort);
    }
    let env = environment("dev", "v1.32.1");
    let mut labelled = with_workers(
        claim("team-a", "labelled", "dev"),
        &[("md-0", 0, "small"), ("big", 2, "xlarge")],
    );
    if let Some(pools) = labelled.spec.workers.as_mut() {
        pools[1].node_labels = Some([("workload".to_owned(), "batch".to_owned())].into());
    }
    labelled.spec.addons = Some(vec![
        drover_api::workload_cluster::Addon::Cilium,
        drover_api::workload_cluster::Addon::MetricsServer,
    ]);
    let cases = [
        (claim("team-a", "minimal", "dev"), &infra),
        (with_control_plane(claim("team-a", "ha", "dev"), 3), &infra),
        (
            with_control_plane(claim("team-a", "plain", "dev"), 5),
            &no_migration,
        ),
        (labelled, &infra),
    ];
    let rendered: Vec<RenderedCluster> = cases
        .iter()
        .map(|(wc, infra)| render_cluster(&fixtures::resolved(wc, &env, infra)).expect("renders"))
        .collect();
    check_all(&rendered);
}
