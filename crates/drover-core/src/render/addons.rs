//! Add-ons installed into a workload cluster by the CAPI Helm add-on provider (CAAPH): one
//! `HelmChartProxy` per add-on in the cluster's namespace, selecting only this cluster by label.
//! Values use CAAPH's Go templating over the Cluster object, so they follow the live endpoint.

use drover_api::workload_cluster::Addon;
use serde_json::Value;

use crate::objects::helm::{self, HelmRelease};
use crate::providers::AddonSettings;
use crate::resolve::{ResolvedCluster, addon_name};

/// Pinned chart versions. Bumping one changes every cluster's add-on on its next reconcile.
pub const CILIUM_CHART_VERSION: &str = "1.17.4";
/// Calico's tigera-operator chart.
pub const CALICO_CHART_VERSION: &str = "v3.29.3";
/// metrics-server chart.
pub const METRICS_SERVER_CHART_VERSION: &str = "3.12.2";

/// The HelmChartProxies of `cluster`'s add-ons.
pub fn helm_chart_proxies(cluster: &ResolvedCluster, settings: &AddonSettings) -> Vec<Value> {
    cluster
        .addons
        .iter()
        .map(|addon| helm_chart_proxy(cluster, *addon, settings))
        .collect()
}

fn helm_chart_proxy(cluster: &ResolvedCluster, addon: Addon, settings: &AddonSettings) -> Value {
    let (repo, chart, version, namespace, values) = match addon {
        Addon::Cilium => (
            "https://helm.cilium.io",
            "cilium",
            CILIUM_CHART_VERSION,
            "kube-system",
            cilium_values(cluster, settings),
        ),
        Addon::Calico => (
            "https://docs.tigera.io/calico/charts",
            "tigera-operator",
            CALICO_CHART_VERSION,
            "tigera-operator",
            calico_values(cluster),
        ),
        Addon::MetricsServer => (
            "https://kubernetes-sigs.github.io/metrics-server/",
            "metrics-server",
            METRICS_SERVER_CHART_VERSION,
            "kube-system",
            "args:\n  - --kubelet-insecure-tls\n".to_owned(),
        ),
    };
    let release = HelmRelease {
        repo,
        chart,
        version,
        release: addon_name(addon),
        namespace,
        values,
        create_namespace: true,
    };
    helm::helm_chart_proxy(
        cluster,
        &format!("{}-{}", cluster.name, addon_name(addon)),
        &release,
    )
}

/// Cilium values: native routing on the pod CIDR, pointed at the cluster's API endpoint (from the
/// Cluster object, so it follows whatever VIP MetalLB or the provider assigned) unless the
/// provider names a node-local one, plus whatever the provider's node OS needs.
fn cilium_values(cluster: &ResolvedCluster, settings: &AddonSettings) -> String {
    let (host, port) = match &settings.cilium_api_server {
        Some((host, port)) => (host.clone(), port.to_string()),
        None => (
            "{{ .Cluster.spec.controlPlaneEndpoint.host }}".to_owned(),
            "{{ .Cluster.spec.controlPlaneEndpoint.port }}".to_owned(),
        ),
    };
    let routing = if settings.cilium_tunnel {
        "routingMode: tunnel\ntunnelProtocol: vxlan\n".to_owned()
    } else {
        format!(
            "routingMode: native\nipv4NativeRoutingCIDR: {}\nautoDirectNodeRoutes: true\n",
            cluster.network.pod_cidr
        )
    };
    let mut values = format!(
        "k8sServiceHost: {host}\n\
         k8sServicePort: {port}\n\
         kubeProxyReplacement: {kpr}\n\
         ipam:\n  mode: kubernetes\n\
         {routing}\
         enableIPv4Masquerade: true\n",
        kpr = settings.kube_proxy_replacement,
    );
    values.push_str(&crate::providers::security::cilium_values(cluster));
    if let Some(extra) = &settings.extra_cilium_values {
        values.push_str(extra);
        if !values.ends_with('\n') {
            values.push('\n');
        }
    }
    values
}

fn calico_values(cluster: &ResolvedCluster) -> String {
    format!(
        "installation:\n  cni:\n    type: Calico\n  calicoNetwork:\n    bgp: Disabled\n    ipPools:\n      - cidr: {pods}\n        encapsulation: VXLAN\n",
        pods = cluster.network.pod_cidr,
    )
}
