//! The vSphere cloud provider (CPI) of each cluster, what CAPV's `cluster-template.yaml` installs
//! with a ClusterResourceSet: the CPI itself from the `vsphere-cpi` chart by CAAPH, and the
//! vCenter credentials it reads from `kube-system/cloud-provider-vsphere-credentials`, copied into
//! the workload cluster by a ClusterResourceSet from a Secret the platform team keeps in the
//! cluster's namespace. drover names that Secret and never reads or renders credentials.

use drover_api::infrastructure::VsphereInfrastructure;
use drover_api::labels;
use serde_json::{Value, json};

use crate::objects::helm::{self, HelmRelease};
use crate::objects::meta::{MetaBuilder, object};
use crate::resolve::ResolvedCluster;
use crate::version::KubeVersion;

/// apiVersion of CAPI's ClusterResourceSet (the storage version in CAPI v1.14).
pub const CRS_V1BETA2: &str = "addons.cluster.x-k8s.io/v1beta2";
/// The `vsphere-cpi` chart of kubernetes/cloud-provider-vsphere, pinned: its templates and
/// values layout. The CPI image follows the Kubernetes minor ([`cpi_image_tag`]).
pub const CPI_CHART_VERSION: &str = "1.36.0";
/// Helm repository of the chart.
pub const CPI_CHART_REPO: &str = "https://kubernetes.github.io/cloud-provider-vsphere";
/// The CPI image, without tag.
pub const CPI_IMAGE: &str = "registry.k8s.io/cloud-pv-vsphere/cloud-provider-vsphere";
/// The Secret in the workload cluster's `kube-system` the CPI reads the vCenter user from (the
/// name CAPV's template uses); the platform's resource-set Secret must create exactly this one.
pub const CPI_CREDENTIALS_SECRET: &str = "cloud-provider-vsphere-credentials";
/// Namespace of the CPI (the chart's release namespace, where it looks for the Secret).
pub const CPI_NAMESPACE: &str = "kube-system";

/// CPI releases by Kubernetes minor (CPI `v1.N` is built and tested against Kubernetes 1.N; the
/// newest patch of each). A minor that is not listed has no CPI drover knows of.
const CPI_RELEASES: &[(u32, &str)] = &[
    (31, "v1.31.1"),
    (32, "v1.32.2"),
    (33, "v1.33.0"),
    (34, "v1.34.0"),
    (35, "v1.35.1"),
    (36, "v1.36.0"),
];

/// The CPI image tag for a control plane running `version`, if there is a release for its minor.
pub fn cpi_image_tag(version: KubeVersion) -> Option<&'static str> {
    (version.major == 1)
        .then(|| {
            CPI_RELEASES
                .iter()
                .find(|(minor, _)| *minor == version.minor)
        })
        .flatten()
        .map(|(_, tag)| *tag)
}

/// The Kubernetes minors the CPI is available for, for messages (`1.31 to 1.36`).
pub fn supported_minors() -> String {
    let first = CPI_RELEASES.first().map_or(0, |(minor, _)| *minor);
    let last = CPI_RELEASES.last().map_or(0, |(minor, _)| *minor);
    format!("1.{first} to 1.{last}")
}

/// The HelmChartProxy installing the CPI into `cluster` (a DaemonSet on the control-plane nodes,
/// configured for the Infrastructure's vCenter and datacenter, reading the credentials Secret
/// the ClusterResourceSet provides instead of creating one).
pub fn helm_chart_proxy(
    cluster: &ResolvedCluster,
    settings: &VsphereInfrastructure,
    image_tag: &str,
) -> Value {
    let quoted = |text: &str| Value::String(text.to_owned()).to_string();
    let thumbprint = settings
        .thumbprint
        .as_deref()
        .map(|thumbprint| format!("  thumbprint: {}\n", quoted(thumbprint)))
        .unwrap_or_default();
    // region/zone empty: no zone tags are read (CAPV's cloud config has no labels either); the
    // chart's defaults name tag categories that would have to exist in vCenter.
    let values = format!(
        "config:\n  enabled: true\n  vcenter: {server}\n  datacenter: {datacenter}\n{thumbprint}  region: \"\"\n  zone: \"\"\n  secret:\n    create: false\n    name: {CPI_CREDENTIALS_SECRET}\ndaemonset:\n  image: {CPI_IMAGE}\n  tag: {image_tag}\n",
        server = quoted(&settings.server),
        datacenter = quoted(&settings.datacenter),
    );
    let name = format!("{}-vsphere-cpi", cluster.name);
    let release = HelmRelease {
        repo: CPI_CHART_REPO,
        chart: "vsphere-cpi",
        version: CPI_CHART_VERSION,
        release: "vsphere-cpi",
        namespace: CPI_NAMESPACE,
        values,
        create_namespace: false,
    };
    helm::helm_chart_proxy(cluster, &name, &release)
}

/// The ClusterResourceSet applying the platform's resource-set Secret `secret` (in the cluster's
/// namespace) to `cluster`, and again whenever its content changes (credential rotation).
pub fn credentials_resource_set(cluster: &ResolvedCluster, secret: &str) -> Value {
    let name = format!("{}-vsphere-cpi-credentials", cluster.name);
    object(
        CRS_V1BETA2,
        "ClusterResourceSet",
        MetaBuilder::namespaced(cluster, &name),
        json!({
            "spec": {
                "clusterSelector": { "matchLabels": { labels::CLUSTER: cluster.name } },
                "resources": [ { "kind": "Secret", "name": secret } ],
                "strategy": "Reconcile",
            }
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpi_follows_the_kubernetes_minor() {
        assert_eq!(cpi_image_tag(KubeVersion::new(1, 32, 1)), Some("v1.32.2"));
        assert_eq!(cpi_image_tag(KubeVersion::new(1, 36, 0)), Some("v1.36.0"));
        assert_eq!(cpi_image_tag(KubeVersion::new(1, 30, 4)), None);
        assert_eq!(cpi_image_tag(KubeVersion::new(2, 32, 0)), None);
        assert_eq!(supported_minors(), "1.31 to 1.36");
    }
}
