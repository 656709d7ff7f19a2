//! The optional Prometheus `ServiceMonitor` (`monitoring.coreos.com/v1`) of a virtual control
//! plane, as the vcluster chart's own (`controlPlane.serviceMonitor`) builds it, but rendered by
//! drover so it carries the inventory labels and is pruned with the cluster.
//!
//! Prometheus scrapes the control plane through the chart's Service (port `https`), which proxies
//! `/metrics` to the virtual API server and `/metrics/controller-manager` to its controller
//! manager. It authenticates with the client certificate of the kubeconfig Secret vcluster writes
//! (`vc-<cluster>`), the same Secret the chart's ServiceMonitor uses.

use serde_json::{Value, json};

use super::VCLUSTER_SERVICE_LABEL;
use crate::objects::meta::{MetaBuilder, object};
use crate::resolve::ResolvedCluster;

/// apiVersion of the Prometheus operator's kinds.
pub const MONITORING_V1: &str = "monitoring.coreos.com/v1";

fn endpoint(cluster: &ResolvedCluster, path: &str, name: &str) -> Value {
    let secret = format!("vc-{}", cluster.name);
    json!({
        "port": "https",
        "scheme": "https",
        "path": path,
        "interval": "30s",
        "relabelings": [ { "targetLabel": "endpoint", "replacement": name } ],
        "tlsConfig": {
            "ca": { "secret": { "name": secret, "key": "certificate-authority" } },
            "cert": { "secret": { "name": secret, "key": "client-certificate" } },
            "keySecret": { "name": secret, "key": "client-key" },
        },
    })
}

/// The ServiceMonitor selecting the control plane's Service (not its headless twin, which lacks
/// the `vcluster.loft.sh/service` label, so no target is scraped twice).
pub(crate) fn service_monitor(cluster: &ResolvedCluster) -> Value {
    object(
        MONITORING_V1,
        "ServiceMonitor",
        MetaBuilder::namespaced(cluster, format!("{}-vcluster", cluster.name)),
        json!({ "spec": {
            "selector": { "matchLabels": {
                "app": "vcluster",
                "release": cluster.name,
                VCLUSTER_SERVICE_LABEL: "true",
            }},
            "endpoints": [
                endpoint(cluster, "/metrics", "apiserver"),
                endpoint(cluster, "/metrics/controller-manager", "controller-manager"),
            ],
        }}),
    )
}
