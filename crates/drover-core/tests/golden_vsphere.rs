//! Golden tests: the full rendered output of a dev and a production cluster on vSphere.
//! Any change in output shows as a snapshot diff (review with `cargo insta review`, or accept
//! deliberate changes with `INSTA_UPDATE=always cargo test -p drover-core --test golden_vsphere`).

#[path = "common/onprem.rs"]
mod onprem;

use drover_api::workload_cluster::Addon;
use drover_core::output::cluster_stream;
use onprem::{VSPHERE, dev_claim, prod_claim, render, vsphere_infrastructure};

fn rendered_yaml(wc: &drover_api::WorkloadCluster) -> String {
    let rendered = render(wc, &vsphere_infrastructure());
    let mut text = String::new();
    cluster_stream(&rendered, &mut text);
    text
}

/// A dev cluster: one control-plane VM, two workers, Cilium.
#[test]
fn dev_cluster() {
    let mut wc = dev_claim(VSPHERE, "erp-dev");
    wc.spec.addons = Some(vec![Addon::Cilium]);
    insta::assert_snapshot!(rendered_yaml(&wc));
}

/// A production cluster: three control-plane VMs behind kube-vip, two worker pools (one
/// labelled), Cilium and metrics-server.
#[test]
fn production_cluster() {
    let mut wc = prod_claim(VSPHERE, "erp-prod");
    wc.spec.addons = Some(vec![Addon::Cilium, Addon::MetricsServer]);
    wc.spec.security = Some(drover_core::fixtures::full_security());
    insta::assert_snapshot!(rendered_yaml(&wc));
}
