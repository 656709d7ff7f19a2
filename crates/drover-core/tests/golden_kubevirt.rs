//! Golden tests: the full rendered output of three reference KubeVirt clusters. Any change in
//! output shows as a snapshot diff (review with `cargo insta review`, or accept deliberate
//! changes with `INSTA_UPDATE=always cargo test -p drover-core --test golden_kubevirt`).

use drover_api::workload_cluster::Addon;
use drover_core::fixtures::{
    self, claim, environment, kubevirt_infrastructure, with_control_plane, with_workers,
};
use drover_core::output::cluster_stream;
use drover_core::render::render_cluster;

fn rendered_yaml(
    wc: &drover_api::WorkloadCluster,
    env: &drover_api::Environment,
    infra: &drover_api::Infrastructure,
) -> String {
    let rendered = render_cluster(&fixtures::resolved(wc, env, infra)).expect("renders");
    let mut text = String::new();
    cluster_stream(&rendered, &mut text);
    text
}

/// A dev cluster: one control-plane VM, two workers, Cilium.
#[test]
fn dev_cluster() {
    let mut wc = with_workers(
        claim("team-payments", "payments-dev", "dev"),
        &[("md-0", 2, "medium")],
    );
    wc.spec.addons = Some(vec![Addon::Cilium]);
    insta::assert_snapshot!(rendered_yaml(
        &wc,
        &environment("dev", "v1.32.1"),
        &kubevirt_infrastructure()
    ));
}

/// An HA production cluster: three control-plane VMs on distinct hosts, live migration, two
/// worker pools, Cilium and metrics-server; the full security baseline from its environment.
#[test]
fn ha_production_cluster() {
    let mut wc = with_workers(
        with_control_plane(claim("team-payments", "payments-prod", "production"), 3),
        &[("md-0", 5, "xlarge"), ("batch", 2, "medium")],
    );
    wc.spec.addons = Some(vec![Addon::Cilium, Addon::MetricsServer]);
    let mut production = environment("production", "v1.32.1");
    production.spec.security = Some(fixtures::full_security());
    insta::assert_snapshot!(rendered_yaml(&wc, &production, &kubevirt_infrastructure()));
}

/// The least a claim can say: everything from the environment's defaults, no add-ons, on an
/// infrastructure without live migration or host inventory.
#[test]
fn minimal_cluster() {
    let mut infra = kubevirt_infrastructure();
    if let Some(kubevirt) = infra.spec.kubevirt.as_mut() {
        kubevirt.live_migration = None;
        kubevirt.hosts = None;
    }
    insta::assert_snapshot!(rendered_yaml(
        &claim("team-a", "tiny", "dev"),
        &environment("dev", "v1.32.1"),
        &infra
    ));
}
