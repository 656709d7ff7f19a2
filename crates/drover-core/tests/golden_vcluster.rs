//! Golden tests: the full rendered output of a dev and an HA production vcluster. Any change in
//! output shows as a snapshot diff (accept deliberate changes with
//! `INSTA_UPDATE=always cargo test -p drover-core --test golden_vcluster`).

#[path = "common/vcluster.rs"]
mod vcluster;

use drover_api::workload_cluster::{Addon, ControlPlaneSpec, ExternalAccess, ExternalAccessType};
use drover_core::output::cluster_stream;
use vcluster::{claim, infrastructure, render};

fn rendered_yaml(wc: &drover_api::WorkloadCluster, env: &str) -> String {
    let rendered = render(wc, env, &infrastructure());
    let mut text = String::new();
    cluster_stream(&rendered, &mut text);
    text
}

/// A dev preview cluster: one control-plane replica on SQLite, in-cluster access only,
/// ServiceMonitor on.
#[test]
fn dev_cluster() {
    insta::assert_snapshot!(rendered_yaml(&claim("web-preview", "dev"), "dev"));
}

/// An HA production cluster: three replicas on deployed etcd, quorum budgets, Ingress access with
/// TLS passthrough, metrics-server; the security baseline a virtual API server takes (the audit
/// log goes to the container log, and there is no Cilium to configure).
#[test]
fn ha_production_cluster() {
    let mut wc = claim("web-prod", "production");
    wc.spec.control_plane = Some(ControlPlaneSpec {
        replicas: Some(3),
        size: Some("medium".to_owned()),
    });
    wc.spec.external_access = Some(ExternalAccess {
        type_: Some(ExternalAccessType::Ingress),
        host: None,
    });
    wc.spec.addons = Some(vec![Addon::MetricsServer]);
    let mut security = drover_core::fixtures::full_security();
    security.network_policy = None;
    security.cni = None;
    if let Some(audit) = security.audit.as_mut() {
        audit.retention = None;
    }
    wc.spec.security = Some(security);
    insta::assert_snapshot!(rendered_yaml(&wc, "production"));
}
