//! The order objects are applied in. Every kind a provider may emit has a phase here; a kind
//! without one is a render error (tested), so a new kind cannot be skipped or misplaced silently.

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

const PHASES: &[(&str, Phase)] = &[
    ("Namespace", Phase::Namespace),
    ("ServiceAccount", Phase::Prerequisites),
    ("Role", Phase::Prerequisites),
    ("RoleBinding", Phase::Prerequisites),
    ("ConfigMap", Phase::Prerequisites),
    ("NetworkPolicy", Phase::Prerequisites),
    ("KubeadmConfigTemplate", Phase::Templates),
    ("TalosConfigTemplate", Phase::Templates),
    ("EKSConfigTemplate", Phase::Templates),
    ("KubevirtMachineTemplate", Phase::Templates),
    ("DockerMachineTemplate", Phase::Templates),
    ("ProxmoxMachineTemplate", Phase::Templates),
    ("VSphereMachineTemplate", Phase::Templates),
    ("AWSMachineTemplate", Phase::Templates),
    ("KubevirtCluster", Phase::InfrastructureCluster),
    ("DockerCluster", Phase::InfrastructureCluster),
    ("ProxmoxCluster", Phase::InfrastructureCluster),
    ("VSphereCluster", Phase::InfrastructureCluster),
    ("AWSCluster", Phase::InfrastructureCluster),
    ("AWSManagedCluster", Phase::InfrastructureCluster),
    ("AzureASOManagedCluster", Phase::InfrastructureCluster),
    ("GCPManagedCluster", Phase::InfrastructureCluster),
    ("VCluster", Phase::InfrastructureCluster),
    ("KubeadmControlPlane", Phase::ControlPlane),
    ("TalosControlPlane", Phase::ControlPlane),
    ("AWSManagedControlPlane", Phase::ControlPlane),
    ("AzureASOManagedControlPlane", Phase::ControlPlane),
    ("GCPManagedControlPlane", Phase::ControlPlane),
    ("Cluster", Phase::Cluster),
    ("MachineDeployment", Phase::Workers),
    ("MachinePool", Phase::Workers),
    ("AWSManagedMachinePool", Phase::Workers),
    ("AzureASOManagedMachinePool", Phase::Workers),
    ("GCPManagedMachinePool", Phase::Workers),
    ("MachineHealthCheck", Phase::HealthChecks),
    ("Deployment", Phase::Workloads),
    ("Service", Phase::Workloads),
    ("Ingress", Phase::Workloads),
    ("PodDisruptionBudget", Phase::Workloads),
    ("ServiceMonitor", Phase::Workloads),
    ("HelmChartProxy", Phase::Addons),
];

/// The phase of `kind`, or `None` for a kind the renderer does not know how to order.
pub fn phase_of(kind: &str) -> Option<Phase> {
    PHASES
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, phase)| *phase)
}

/// Every kind drover may render, in apply order.
pub fn known_kinds() -> impl Iterator<Item = &'static str> {
    PHASES.iter().map(|(kind, _)| *kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_are_listed_in_apply_order() {
        let phases: Vec<Phase> = PHASES.iter().map(|(_, p)| *p).collect();
        let mut sorted = phases.clone();
        sorted.sort();
        assert_eq!(
            phases, sorted,
            "keep PHASES sorted by phase so the table reads as the apply order"
        );
    }

    #[test]
    fn unknown_kinds_have_no_phase() {
        assert_eq!(phase_of("Secret"), None, "credentials are never rendered");
        assert_eq!(phase_of("Cluster"), Some(Phase::Cluster));
    }
}
