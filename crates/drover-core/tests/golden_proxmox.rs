//! Golden tests: the full rendered output of a dev and a production cluster on Proxmox + Talos.
//! Any change in output shows as a snapshot diff (review with `cargo insta review`, or accept
//! deliberate changes with `INSTA_UPDATE=always cargo test -p drover-core --test golden_proxmox`).

#[path = "common/onprem.rs"]
mod onprem;

use drover_api::workload_cluster::Addon;
use drover_core::output::cluster_stream;
use onprem::{PROXMOX, dev_claim, prod_claim, proxmox_infrastructure, render};

fn rendered_yaml(wc: &drover_api::WorkloadCluster) -> String {
    let rendered = render(wc, &proxmox_infrastructure());
    let mut text = String::new();
    cluster_stream(&rendered, &mut text);
    text
}

/// A dev cluster: one control-plane VM, two workers, Cilium without kube-proxy.
#[test]
fn dev_cluster() {
    let mut wc = dev_claim(PROXMOX, "edge-dev");
    wc.spec.addons = Some(vec![Addon::Cilium]);
    insta::assert_snapshot!(rendered_yaml(&wc));
}

/// A production cluster: three control-plane VMs behind the VIP, two worker pools (one
/// labelled), Cilium and metrics-server.
#[test]
fn production_cluster() {
    let mut wc = prod_claim(PROXMOX, "edge-prod");
    wc.spec.addons = Some(vec![Addon::Cilium, Addon::MetricsServer]);
    let mut security = drover_core::fixtures::full_security();
    // Talos encrypts Secrets only.
    if let Some(encryption) = security.encryption_at_rest.as_mut() {
        encryption.resources = None;
    }
    wc.spec.security = Some(security);
    insta::assert_snapshot!(rendered_yaml(&wc));
}
