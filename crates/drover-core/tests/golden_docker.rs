//! Golden tests: the full rendered output of a dev and an HA production cluster on CAPI's
//! development provider with the docker backend, and of a cluster with the in-memory backend.
//! Any change in output shows as a snapshot diff (accept deliberate changes with
//! `INSTA_UPDATE=always cargo test -p drover-core --test golden_docker`).

#[path = "common/docker.rs"]
mod docker;

use docker::{claim, in_memory_claim, in_memory_infrastructure, infrastructure, render};
use drover_api::workload_cluster::Addon;
use drover_core::fixtures::{with_control_plane, with_workers};
use drover_core::output::cluster_stream;

fn rendered_yaml(wc: &drover_api::WorkloadCluster, env: &str) -> String {
    rendered_yaml_on(wc, env, &infrastructure())
}

fn rendered_yaml_on(
    wc: &drover_api::WorkloadCluster,
    env: &str,
    infra: &drover_api::Infrastructure,
) -> String {
    let rendered = render(wc, env, infra);
    let mut text = String::new();
    cluster_stream(&rendered, &mut text);
    text
}

/// A CI smoke-test cluster: one control-plane container, the default pool, Calico.
#[test]
fn dev_cluster() {
    let mut wc = claim("ci-smoke", "dev");
    wc.spec.network = Some(drover_api::workload_cluster::NetworkSpec {
        cni: Some(drover_api::workload_cluster::Cni::Calico),
        ..Default::default()
    });
    wc.spec.addons = Some(vec![Addon::Calico]);
    insta::assert_snapshot!(rendered_yaml(&wc, "dev"));
}

/// An HA cluster: three control-plane containers behind CAPD's load balancer, two pools (one
/// labelled), Cilium and metrics-server.
#[test]
fn ha_production_cluster() {
    let mut wc = with_workers(
        with_control_plane(claim("ci-ha", "production"), 3),
        &[("md-0", 3, "medium"), ("batch", 1, "xlarge")],
    );
    if let Some(pools) = wc.spec.workers.as_mut() {
        pools[1].node_labels = Some([("workload".to_owned(), "batch".to_owned())].into());
    }
    wc.spec.addons = Some(vec![Addon::Cilium, Addon::MetricsServer]);
    wc.spec.security = Some(drover_core::fixtures::full_security());
    insta::assert_snapshot!(rendered_yaml(&wc, "production"));
}

/// A scale-test cluster on the in-memory backend: three simulated control-plane machines, one
/// pool of five, no add-ons.
#[test]
fn in_memory_cluster() {
    let wc = with_workers(
        with_control_plane(in_memory_claim("scale-0001", "production"), 3),
        &[("md-0", 5, "small")],
    );
    insta::assert_snapshot!(rendered_yaml_on(
        &wc,
        "production",
        &in_memory_infrastructure()
    ));
}
