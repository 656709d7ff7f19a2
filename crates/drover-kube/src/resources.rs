//! Where each kind drover renders lives in the API: group, version, plural and scope.
//!
//! A small static table instead of discovery: drover only ever touches the kinds its renderer
//! emits ([`drover_core::render::order::known_kinds`]), so no discovery round-trip is needed,
//! per reconcile or at start. The version given here is the one drover lists and deletes with
//! (the storage version of the upstream CRDs); applies use the apiVersion of the rendered object.
//! A test checks the table covers every kind the renderer knows.

use kube::core::{ApiResource, GroupVersionKind};

/// One kind drover renders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KindInfo {
    /// `Kind`.
    pub kind: &'static str,
    /// `group/version` (`v1` for the core group).
    pub api_version: &'static str,
    /// Resource name in URLs.
    pub plural: &'static str,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
}

impl KindInfo {
    const fn namespaced(
        kind: &'static str,
        api_version: &'static str,
        plural: &'static str,
    ) -> Self {
        Self {
            kind,
            api_version,
            plural,
            namespaced: true,
        }
    }

    /// The [`ApiResource`] at this entry's version.
    pub fn api_resource(&self) -> ApiResource {
        resource(self.api_version, self.kind, self.plural)
    }
}

const CAPI: &str = "cluster.x-k8s.io/v1beta2";
const INFRA_V1ALPHA1: &str = "infrastructure.cluster.x-k8s.io/v1alpha1";
const INFRA_V1BETA1: &str = "infrastructure.cluster.x-k8s.io/v1beta1";
const INFRA_V1BETA2: &str = "infrastructure.cluster.x-k8s.io/v1beta2";

/// Every kind the renderer may emit, in apply order (as `render::order`).
const KINDS: &[KindInfo] = &[
    KindInfo {
        kind: "Namespace",
        api_version: "v1",
        plural: "namespaces",
        namespaced: false,
    },
    KindInfo::namespaced("ServiceAccount", "v1", "serviceaccounts"),
    KindInfo::namespaced("Role", "rbac.authorization.k8s.io/v1", "roles"),
    KindInfo::namespaced(
        "RoleBinding",
        "rbac.authorization.k8s.io/v1",
        "rolebindings",
    ),
    KindInfo::namespaced("ConfigMap", "v1", "configmaps"),
    KindInfo::namespaced("NetworkPolicy", "networking.k8s.io/v1", "networkpolicies"),
    KindInfo::namespaced(
        "KubeadmConfigTemplate",
        "bootstrap.cluster.x-k8s.io/v1beta2",
        "kubeadmconfigtemplates",
    ),
    KindInfo::namespaced(
        "TalosConfigTemplate",
        "bootstrap.cluster.x-k8s.io/v1alpha3",
        "talosconfigtemplates",
    ),
    KindInfo::namespaced(
        "EKSConfigTemplate",
        "bootstrap.cluster.x-k8s.io/v1beta2",
        "eksconfigtemplates",
    ),
    KindInfo::namespaced(
        "KubevirtMachineTemplate",
        INFRA_V1ALPHA1,
        "kubevirtmachinetemplates",
    ),
    KindInfo::namespaced(
        "DockerMachineTemplate",
        INFRA_V1BETA2,
        "dockermachinetemplates",
    ),
    KindInfo::namespaced(
        "ProxmoxMachineTemplate",
        "infrastructure.cluster.x-k8s.io/v1alpha2",
        "proxmoxmachinetemplates",
    ),
    KindInfo::namespaced(
        "VSphereMachineTemplate",
        INFRA_V1BETA2,
        "vspheremachinetemplates",
    ),
    KindInfo::namespaced("AWSMachineTemplate", INFRA_V1BETA2, "awsmachinetemplates"),
    KindInfo::namespaced("KubevirtCluster", INFRA_V1ALPHA1, "kubevirtclusters"),
    KindInfo::namespaced("DockerCluster", INFRA_V1BETA2, "dockerclusters"),
    KindInfo::namespaced(
        "ProxmoxCluster",
        "infrastructure.cluster.x-k8s.io/v1alpha2",
        "proxmoxclusters",
    ),
    KindInfo::namespaced("VSphereCluster", INFRA_V1BETA2, "vsphereclusters"),
    KindInfo::namespaced("AWSCluster", INFRA_V1BETA2, "awsclusters"),
    KindInfo::namespaced("AWSManagedCluster", INFRA_V1BETA2, "awsmanagedclusters"),
    KindInfo::namespaced(
        "AzureASOManagedCluster",
        INFRA_V1BETA1,
        "azureasomanagedclusters",
    ),
    KindInfo::namespaced("GCPManagedCluster", INFRA_V1BETA1, "gcpmanagedclusters"),
    KindInfo::namespaced("VCluster", INFRA_V1ALPHA1, "vclusters"),
    KindInfo::namespaced(
        "KubeadmControlPlane",
        "controlplane.cluster.x-k8s.io/v1beta2",
        "kubeadmcontrolplanes",
    ),
    KindInfo::namespaced(
        "TalosControlPlane",
        "controlplane.cluster.x-k8s.io/v1alpha3",
        "taloscontrolplanes",
    ),
    KindInfo::namespaced(
        "AWSManagedControlPlane",
        "controlplane.cluster.x-k8s.io/v1beta2",
        "awsmanagedcontrolplanes",
    ),
    KindInfo::namespaced(
        "AzureASOManagedControlPlane",
        INFRA_V1BETA1,
        "azureasomanagedcontrolplanes",
    ),
    KindInfo::namespaced(
        "GCPManagedControlPlane",
        INFRA_V1BETA1,
        "gcpmanagedcontrolplanes",
    ),
    KindInfo::namespaced("Cluster", CAPI, "clusters"),
    KindInfo::namespaced("MachineDeployment", CAPI, "machinedeployments"),
    KindInfo::namespaced("MachinePool", CAPI, "machinepools"),
    KindInfo::namespaced(
        "AWSManagedMachinePool",
        INFRA_V1BETA2,
        "awsmanagedmachinepools",
    ),
    KindInfo::namespaced(
        "AzureASOManagedMachinePool",
        INFRA_V1BETA1,
        "azureasomanagedmachinepools",
    ),
    KindInfo::namespaced(
        "GCPManagedMachinePool",
        INFRA_V1BETA1,
        "gcpmanagedmachinepools",
    ),
    KindInfo::namespaced("MachineHealthCheck", CAPI, "machinehealthchecks"),
    KindInfo::namespaced("Deployment", "apps/v1", "deployments"),
    KindInfo::namespaced("Service", "v1", "services"),
    KindInfo::namespaced("Ingress", "networking.k8s.io/v1", "ingresses"),
    KindInfo::namespaced("PodDisruptionBudget", "policy/v1", "poddisruptionbudgets"),
    KindInfo::namespaced(
        "ServiceMonitor",
        "monitoring.coreos.com/v1",
        "servicemonitors",
    ),
    KindInfo::namespaced(
        "HelmChartProxy",
        "addons.cluster.x-k8s.io/v1alpha1",
        "helmchartproxies",
    ),
];

/// The table entry of `kind`.
pub fn kind_info(kind: &str) -> Option<&'static KindInfo> {
    KINDS.iter().find(|info| info.kind == kind)
}

/// Every kind drover renders, in apply order: what pruning and deletion list.
pub fn inventory_kinds() -> impl DoubleEndedIterator<Item = &'static KindInfo> {
    KINDS.iter()
}

/// Position of `kind` in apply order (unknown kinds last).
pub fn apply_rank(kind: &str) -> usize {
    KINDS
        .iter()
        .position(|info| info.kind == kind)
        .unwrap_or(KINDS.len())
}

/// The [`ApiResource`] for an object of `kind` written at `api_version` (`group/version`).
pub fn resource(api_version: &str, kind: &str, plural: &str) -> ApiResource {
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural)
}

#[cfg(test)]
mod tests {
    use super::*;
    use drover_core::render::order::known_kinds;

    #[test]
    fn every_rendered_kind_has_an_entry_in_apply_order() {
        let rendered: Vec<&str> = known_kinds().collect();
        let table: Vec<&str> = KINDS.iter().map(|k| k.kind).collect();
        assert_eq!(rendered, table, "keep KINDS in step with render::order");
    }

    #[test]
    fn table_versions_match_what_the_renderer_writes() {
        use drover_core::fixtures;
        let claim = fixtures::claim("team-a", "payments", "dev");
        let cluster = fixtures::resolved(
            &fixtures::with_workers(claim, &[("md-0", 2, "small")]),
            &fixtures::environment("dev", "v1.32.1"),
            &fixtures::kubevirt_infrastructure(),
        );
        let rendered = drover_core::render::render_cluster(&cluster);
        let rendered = rendered.unwrap_or_else(|e| panic!("render: {e}"));
        for object in &rendered.objects {
            let info = kind_info(object.kind());
            assert_eq!(
                info.map(|i| i.api_version),
                Some(object.api_version()),
                "{}",
                object.kind()
            );
        }
    }

    #[test]
    fn core_group_resources_have_an_empty_group() {
        let namespace = kind_info("Namespace").map(KindInfo::api_resource);
        let namespace = namespace.unwrap_or_else(|| panic!("Namespace missing"));
        assert_eq!(
            (namespace.group.as_str(), namespace.api_version.as_str()),
            ("", "v1")
        );
        let kcp = resource(
            "controlplane.cluster.x-k8s.io/v1beta2",
            "KubeadmControlPlane",
            "x",
        );
        assert_eq!(kcp.group, "controlplane.cluster.x-k8s.io");
        assert_eq!(kcp.version, "v1beta2");
    }
}
