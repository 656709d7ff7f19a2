//! `HelmChartProxy` objects of the CAPI Helm add-on provider (CAAPH): a chart installed into
//! one workload cluster, selected by drover's cluster label. Add-ons, cloud controllers and CPIs
//! are all installed this way.

use drover_api::labels;
use serde_json::{Value, json};

use super::meta::{MetaBuilder, object};
use crate::resolve::ResolvedCluster;

/// apiVersion of CAAPH's kinds.
pub const CAAPH_V1ALPHA1: &str = "addons.cluster.x-k8s.io/v1alpha1";

/// A chart release in a workload cluster.
#[derive(Clone, Debug)]
pub struct HelmRelease<'a> {
    /// Chart repository URL.
    pub repo: &'a str,
    /// Chart name in the repository.
    pub chart: &'a str,
    /// Pinned chart version.
    pub version: &'a str,
    /// Helm release name.
    pub release: &'a str,
    /// Namespace of the release in the workload cluster.
    pub namespace: &'a str,
    /// Values (YAML; CAAPH renders Go templates over the Cluster object in it).
    pub values: String,
    /// Whether Helm creates the namespace (not needed for `kube-system`).
    pub create_namespace: bool,
}

/// The HelmChartProxy `name` installing `release` into `cluster` only. CAAPH waits up to ten
/// minutes for the release's resources to become ready.
pub fn helm_chart_proxy(cluster: &ResolvedCluster, name: &str, release: &HelmRelease) -> Value {
    let mut options = json!({ "wait": true, "timeout": "10m" });
    if release.create_namespace {
        options["install"] = json!({ "createNamespace": true });
    }
    object(
        CAAPH_V1ALPHA1,
        "HelmChartProxy",
        MetaBuilder::namespaced(cluster, name),
        json!({
            "spec": {
                "clusterSelector": { "matchLabels": { labels::CLUSTER: cluster.name } },
                "repoURL": release.repo,
                "chartName": release.chart,
                "version": release.version,
                "releaseName": release.release,
                "namespace": release.namespace,
                "valuesTemplate": release.values,
                "options": options,
            }
        }),
    )
}
