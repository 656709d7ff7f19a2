//! The AWS cloud controller manager of a self-managed (kubeadm) cluster, installed into the
//! workload cluster by CAAPH. Nodes register with `cloud-provider: external` and keep the
//! `node.cloudprovider.kubernetes.io/uninitialized` taint until it runs, so without it no
//! workload (not even the CNI's operator) would schedule.
//!
//! CAPA's own templates ship it as a ClusterResourceSet with a `node-role.kubernetes.io/master`
//! node selector; here it is the upstream chart, pinned, with the image matching the cluster's
//! minor version and the `control-plane` role.

use serde_json::Value;

use crate::objects::helm::{self, HelmRelease};
use crate::resolve::ResolvedCluster;

/// Pinned chart version of `aws-cloud-controller-manager` (kubernetes/cloud-provider-aws).
pub const AWS_CCM_CHART_VERSION: &str = "0.0.8";
const AWS_CCM_IMAGE: &str = "registry.k8s.io/provider-aws/cloud-controller-manager";

/// The cloud controller release for a Kubernetes minor version (the CCM follows Kubernetes'
/// minor versions), or `None` for minors drover has not pinned.
pub fn ccm_image_tag(minor: u32) -> Option<&'static str> {
    match minor {
        30 => Some("v1.30.7"),
        31 => Some("v1.31.5"),
        32 => Some("v1.32.1"),
        33 => Some("v1.33.0"),
        _ => None,
    }
}

/// The HelmChartProxy installing the cloud controller, or `None` when its minor version is not
/// pinned (refused by the provider's check).
pub(super) fn helm_chart_proxy(cluster: &ResolvedCluster) -> Option<Value> {
    let tag = ccm_image_tag(cluster.control_plane.version.minor)?;
    // The chart's default node selector is the removed `master` role: drop it (null deletes a
    // key from the chart's defaults) and select control-plane nodes.
    let values = format!(
        "image:\n  repository: {AWS_CCM_IMAGE}\n  tag: {tag}\n\
         args:\n  - --v=2\n  - --cloud-provider=aws\n  - --use-service-account-credentials=true\n  - --configure-cloud-routes=false\n\
         hostNetworking: true\n\
         nodeSelector:\n  node-role.kubernetes.io/control-plane: \"\"\n  node-role.kubernetes.io/master: null\n\
         tolerations:\n  - key: node.cloudprovider.kubernetes.io/uninitialized\n    value: \"true\"\n    effect: NoSchedule\n  - key: node-role.kubernetes.io/control-plane\n    effect: NoSchedule\n"
    );
    let release = HelmRelease {
        repo: "https://kubernetes.github.io/cloud-provider-aws",
        chart: "aws-cloud-controller-manager",
        version: AWS_CCM_CHART_VERSION,
        release: "aws-cloud-controller-manager",
        namespace: "kube-system",
        values,
        create_namespace: true,
    };
    let name = format!("{}-aws-ccm", cluster.name);
    Some(helm::helm_chart_proxy(cluster, &name, &release))
}
