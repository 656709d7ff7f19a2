//! The one table of kinds drover renders: where each lives in the API, its apply phase and what
//! the controller keeps of its live objects. Every other list derives from it — the apply order
//! here, the controller's watches, inventory, prune and deletion, the CRD check and the RBAC of
//! `drover install` — so a new provider kind is one line in [`KINDS`].
//!
//! A kind without an entry is a render error (tested), so a new kind cannot be skipped or
//! misplaced silently.

/// Apply phases, earliest first. Objects that others reference come before their referrers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// The cluster's namespace.
    Namespace,
    /// RBAC, config, network policy: prerequisites of workloads.
    Prerequisites,
    /// Immutable machine and bootstrap templates.
    Templates,
    /// The provider's cluster-level infrastructure object.
    InfrastructureCluster,
    /// The control-plane object.
    ControlPlane,
    /// The CAPI Cluster that ties them together.
    Cluster,
    /// Worker machine sets (MachineDeployments, MachinePools and their provider pools).
    Workers,
    /// Health checks of machines.
    HealthChecks,
    /// Workloads drover runs next to the cluster (KCCM, access services).
    Workloads,
    /// Add-ons installed into the cluster by CAAPH.
    Addons,
}

/// What the controller keeps of the live objects of a kind in its watch cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cached {
    /// Metadata only (a metadata-only watch): everything drover renders of the kind is metadata.
    Metadata,
    /// Metadata and spec, without `status`: drover compares what it renders, reads no status.
    Spec,
    /// The whole object: the status is read (conditions, replicas, versions).
    Full,
}

/// What a kind is in CAPI's machine graph: the objects whose `replicas` are machines or nodes
/// and whose version is the cluster's ([`crate::contract::machines`] reads them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MachineGroupKind {
    /// A control plane of machines drover rolls (`KubeadmControlPlane`, `TalosControlPlane`).
    MachineControlPlane,
    /// A control plane the cloud runs and upgrades: it has a version, no machines.
    ManagedControlPlane,
    /// Worker machines CAPI rolls (`MachineDeployment`).
    MachineDeployment,
    /// Worker nodes the provider replaces itself (`MachinePool`).
    MachinePool,
}

/// One kind drover renders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KindInfo {
    /// `Kind`.
    pub kind: &'static str,
    /// `group/version` (`v1` for the core group): the version drover writes, lists and watches
    /// (the storage version of the upstream CRDs).
    pub api_version: &'static str,
    /// Resource name in URLs.
    pub plural: &'static str,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
    /// Apply phase.
    pub phase: Phase,
    /// What the controller caches of live objects.
    pub cached: Cached,
    /// Its place in the machine graph, for control planes and worker pools.
    pub machines: Option<MachineGroupKind>,
}

/// API groups of Kubernetes itself: served by every API server, no CRD behind them.
const BUILT_IN_GROUPS: &[&str] = &[
    "",
    "apps",
    "rbac.authorization.k8s.io",
    "networking.k8s.io",
    "policy",
];

impl KindInfo {
    const fn new(
        kind: &'static str,
        api_version: &'static str,
        plural: &'static str,
        phase: Phase,
    ) -> Self {
        Self {
            kind,
            api_version,
            plural,
            namespaced: true,
            phase,
            cached: Cached::Spec,
            machines: None,
        }
    }

    const fn cached(mut self, cached: Cached) -> Self {
        self.cached = cached;
        self
    }

    const fn machines(mut self, group: MachineGroupKind) -> Self {
        self.machines = Some(group);
        self
    }

    const fn cluster_scoped(mut self) -> Self {
        self.namespaced = false;
        self
    }

    /// The API group (empty for the core group).
    pub fn group(&self) -> &'static str {
        self.api_version
            .rsplit_once('/')
            .map_or("", |(group, _)| group)
    }

    /// The version.
    pub fn version(&self) -> &'static str {
        self.api_version
            .rsplit_once('/')
            .map_or(self.api_version, |(_, version)| version)
    }

    /// The name of the CustomResourceDefinition serving this kind (`plural.group`), `None` for
    /// Kubernetes' own kinds.
    pub fn crd_name(&self) -> Option<String> {
        let group = self.group();
        (!BUILT_IN_GROUPS.contains(&group)).then(|| format!("{}.{group}", self.plural))
    }
}

use Phase::*;

const CAPI: &str = "cluster.x-k8s.io/v1beta2";
const KUBEADM_BOOTSTRAP: &str = "bootstrap.cluster.x-k8s.io/v1beta2";
const TALOS_BOOTSTRAP: &str = "bootstrap.cluster.x-k8s.io/v1alpha3";
const CONTROL_PLANE: &str = "controlplane.cluster.x-k8s.io/v1beta2";
const TALOS_CONTROL_PLANE: &str = "controlplane.cluster.x-k8s.io/v1alpha3";
const INFRA_V1ALPHA1: &str = "infrastructure.cluster.x-k8s.io/v1alpha1";
const INFRA_V1ALPHA2: &str = "infrastructure.cluster.x-k8s.io/v1alpha2";
const INFRA_V1BETA1: &str = "infrastructure.cluster.x-k8s.io/v1beta1";
const INFRA_V1BETA2: &str = "infrastructure.cluster.x-k8s.io/v1beta2";

/// Every kind the renderer may emit, in apply order (sorted by phase; tested).
pub const KINDS: &[KindInfo] = &[
    KindInfo::new("Namespace", "v1", "namespaces", Namespace)
        .cluster_scoped()
        .cached(Cached::Metadata),
    KindInfo::new("ServiceAccount", "v1", "serviceaccounts", Prerequisites),
    KindInfo::new(
        "Role",
        "rbac.authorization.k8s.io/v1",
        "roles",
        Prerequisites,
    ),
    KindInfo::new(
        "RoleBinding",
        "rbac.authorization.k8s.io/v1",
        "rolebindings",
        Prerequisites,
    ),
    KindInfo::new("ConfigMap", "v1", "configmaps", Prerequisites),
    KindInfo::new(
        "NetworkPolicy",
        "networking.k8s.io/v1",
        "networkpolicies",
        Prerequisites,
    ),
    KindInfo::new(
        "KubeadmConfigTemplate",
        KUBEADM_BOOTSTRAP,
        "kubeadmconfigtemplates",
        Templates,
    ),
    KindInfo::new(
        "TalosConfigTemplate",
        TALOS_BOOTSTRAP,
        "talosconfigtemplates",
        Templates,
    ),
    KindInfo::new(
        "EKSConfigTemplate",
        KUBEADM_BOOTSTRAP,
        "eksconfigtemplates",
        Templates,
    ),
    KindInfo::new(
        "KubevirtMachineTemplate",
        INFRA_V1ALPHA1,
        "kubevirtmachinetemplates",
        Templates,
    ),
    KindInfo::new(
        "DevMachineTemplate",
        INFRA_V1BETA2,
        "devmachinetemplates",
        Templates,
    ),
    KindInfo::new(
        "ProxmoxMachineTemplate",
        INFRA_V1ALPHA2,
        "proxmoxmachinetemplates",
        Templates,
    ),
    KindInfo::new(
        "VSphereMachineTemplate",
        INFRA_V1BETA2,
        "vspheremachinetemplates",
        Templates,
    ),
    KindInfo::new(
        "AWSMachineTemplate",
        INFRA_V1BETA2,
        "awsmachinetemplates",
        Templates,
    ),
    KindInfo::new(
        "KubevirtCluster",
        INFRA_V1ALPHA1,
        "kubevirtclusters",
        InfrastructureCluster,
    ),
    KindInfo::new(
        "DevCluster",
        INFRA_V1BETA2,
        "devclusters",
        InfrastructureCluster,
    ),
    KindInfo::new(
        "ProxmoxCluster",
        INFRA_V1ALPHA2,
        "proxmoxclusters",
        InfrastructureCluster,
    ),
    KindInfo::new(
        "VSphereCluster",
        INFRA_V1BETA2,
        "vsphereclusters",
        InfrastructureCluster,
    ),
    KindInfo::new(
        "AWSCluster",
        INFRA_V1BETA2,
        "awsclusters",
        InfrastructureCluster,
    ),
    KindInfo::new(
        "AWSManagedCluster",
        INFRA_V1BETA2,
        "awsmanagedclusters",
        InfrastructureCluster,
    ),
    KindInfo::new(
        "AzureASOManagedCluster",
        INFRA_V1BETA1,
        "azureasomanagedclusters",
        InfrastructureCluster,
    ),
    KindInfo::new(
        "GCPManagedCluster",
        INFRA_V1BETA1,
        "gcpmanagedclusters",
        InfrastructureCluster,
    ),
    // The vcluster provider's control plane too: its status is read.
    KindInfo::new(
        "VCluster",
        INFRA_V1ALPHA1,
        "vclusters",
        InfrastructureCluster,
    )
    .cached(Cached::Full),
    KindInfo::new(
        "KubeadmControlPlane",
        CONTROL_PLANE,
        "kubeadmcontrolplanes",
        ControlPlane,
    )
    .cached(Cached::Full)
    .machines(MachineGroupKind::MachineControlPlane),
    KindInfo::new(
        "TalosControlPlane",
        TALOS_CONTROL_PLANE,
        "taloscontrolplanes",
        ControlPlane,
    )
    .cached(Cached::Full)
    .machines(MachineGroupKind::MachineControlPlane),
    KindInfo::new(
        "AWSManagedControlPlane",
        CONTROL_PLANE,
        "awsmanagedcontrolplanes",
        ControlPlane,
    )
    .cached(Cached::Full)
    .machines(MachineGroupKind::ManagedControlPlane),
    KindInfo::new(
        "AzureASOManagedControlPlane",
        INFRA_V1BETA1,
        "azureasomanagedcontrolplanes",
        ControlPlane,
    )
    .cached(Cached::Full)
    .machines(MachineGroupKind::ManagedControlPlane),
    KindInfo::new(
        "GCPManagedControlPlane",
        INFRA_V1BETA1,
        "gcpmanagedcontrolplanes",
        ControlPlane,
    )
    .cached(Cached::Full)
    .machines(MachineGroupKind::ManagedControlPlane),
    KindInfo::new("Cluster", CAPI, "clusters", Cluster).cached(Cached::Full),
    KindInfo::new("MachineDeployment", CAPI, "machinedeployments", Workers)
        .cached(Cached::Full)
        .machines(MachineGroupKind::MachineDeployment),
    KindInfo::new("MachinePool", CAPI, "machinepools", Workers)
        .cached(Cached::Full)
        .machines(MachineGroupKind::MachinePool),
    KindInfo::new(
        "AWSManagedMachinePool",
        INFRA_V1BETA2,
        "awsmanagedmachinepools",
        Workers,
    ),
    KindInfo::new(
        "AzureASOManagedMachinePool",
        INFRA_V1BETA1,
        "azureasomanagedmachinepools",
        Workers,
    ),
    KindInfo::new(
        "GCPManagedMachinePool",
        INFRA_V1BETA1,
        "gcpmanagedmachinepools",
        Workers,
    ),
    KindInfo::new(
        "MachineHealthCheck",
        CAPI,
        "machinehealthchecks",
        HealthChecks,
    ),
    KindInfo::new("Deployment", "apps/v1", "deployments", Workloads),
    KindInfo::new("Service", "v1", "services", Workloads),
    KindInfo::new("Ingress", "networking.k8s.io/v1", "ingresses", Workloads),
    KindInfo::new(
        "PodDisruptionBudget",
        "policy/v1",
        "poddisruptionbudgets",
        Workloads,
    ),
    KindInfo::new(
        "ServiceMonitor",
        "monitoring.coreos.com/v1",
        "servicemonitors",
        Workloads,
    ),
    KindInfo::new(
        "HelmChartProxy",
        "addons.cluster.x-k8s.io/v1alpha1",
        "helmchartproxies",
        Addons,
    ),
    // Copies a platform-provided resource-set Secret into the cluster (vSphere CPI credentials).
    KindInfo::new(
        "ClusterResourceSet",
        "addons.cluster.x-k8s.io/v1beta2",
        "clusterresourcesets",
        Addons,
    ),
];

/// The table entry of `kind`.
pub fn kind_info(kind: &str) -> Option<&'static KindInfo> {
    KINDS.iter().find(|info| info.kind == kind)
}

/// The phase of `kind`, or `None` for a kind the renderer does not know how to order.
pub fn phase_of(kind: &str) -> Option<Phase> {
    kind_info(kind).map(|info| info.phase)
}

/// Every kind drover may render, in apply order.
pub fn known_kinds() -> impl Iterator<Item = &'static str> {
    KINDS.iter().map(|info| info.kind)
}

/// Position of `kind` in apply order (unknown kinds last).
pub fn apply_rank(kind: &str) -> usize {
    KINDS
        .iter()
        .position(|info| info.kind == kind)
        .unwrap_or(KINDS.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_listed_in_apply_order() {
        let phases: Vec<Phase> = KINDS.iter().map(|info| info.phase).collect();
        let mut sorted = phases.clone();
        sorted.sort();
        assert_eq!(
            phases, sorted,
            "keep KINDS sorted by phase so the table reads as the apply order"
        );
    }

    #[test]
    fn unknown_kinds_have_no_phase() {
        assert_eq!(phase_of("Secret"), None, "credentials are never rendered");
        assert_eq!(phase_of("Cluster"), Some(Phase::Cluster));
    }

    #[test]
    fn kinds_are_unique() {
        let mut kinds: Vec<&str> = known_kinds().collect();
        kinds.sort_unstable();
        let before = kinds.len();
        kinds.dedup();
        assert_eq!(before, kinds.len());
    }

    #[test]
    fn crd_names_for_custom_kinds_only() {
        let crd = |kind| kind_info(kind).and_then(KindInfo::crd_name);
        assert_eq!(crd("Deployment"), None);
        assert_eq!(crd("Namespace"), None);
        assert_eq!(
            crd("KubevirtCluster").as_deref(),
            Some("kubevirtclusters.infrastructure.cluster.x-k8s.io")
        );
        assert_eq!(
            crd("ServiceMonitor").as_deref(),
            Some("servicemonitors.monitoring.coreos.com")
        );
    }

    #[test]
    fn the_status_is_cached_where_it_is_read() {
        for info in KINDS {
            let reads_status = matches!(info.phase, Phase::ControlPlane | Phase::Cluster)
                || ["MachineDeployment", "MachinePool", "VCluster"].contains(&info.kind);
            assert_eq!(
                info.cached == Cached::Full,
                reads_status,
                "{}: status cached iff read",
                info.kind
            );
        }
    }
}
