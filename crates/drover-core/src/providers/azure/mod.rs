//! Microsoft Azure (CAPZ v1.26): AKS through the ASO-based kinds CAPZ recommends,
//! `AzureASOManagedCluster`, `AzureASOManagedControlPlane` and `AzureASOManagedMachinePool`
//! (`infrastructure.cluster.x-k8s.io/v1beta1`), each embedding Azure Service Operator resources
//! (a `ResourceGroup`, the `ManagedCluster`, one `ManagedClustersAgentPool` per worker pool),
//! plus a CAPI `MachinePool` per worker pool. Modelled on CAPZ's `aks-aso` flavor.
//!
//! CAPZ copies what the CAPI objects say into the embedded resources (the ManagedCluster's
//! `kubernetesVersion`, `podCidr`, `serviceCidr`; each agent pool's `count` and
//! `orchestratorVersion`) and refuses embedded values that differ; drover renders both from the
//! same resolved values, so they always agree.

mod resources;

pub use resources::{
    ASO_CONTAINERSERVICE, ASO_RESOURCES, agent_pool_name, aks_version, dns_service_ip,
};

use drover_api::ProviderKind;
use drover_api::infrastructure::AzureInfrastructure;
use drover_api::workload_cluster::{Addon, Cni};
use ipnet::IpNet;
use serde_json::json;

use super::cloud::{Cloud, require_ipv4};
use super::size::{CheckedSizes, check_sizes};
use super::{Issue, Provider};
use crate::objects::capi::{self};
use crate::objects::meta::{MetaBuilder, object};
use crate::providers::{ControlPlanePart, ProviderParts, parts::managed_pools};
use crate::resolve::ResolvedCluster;

/// apiVersion of CAPZ's ASO-based kinds.
pub const CAPZ_V1BETA1: &str = "infrastructure.cluster.x-k8s.io/v1beta1";
/// The virtual network AKS creates for a cluster that brings none; pod and service networks must
/// stay clear of it.
const AKS_DEFAULT_VNET: &str = "10.224.0.0/12";

/// Ranges AKS refuses for the pod (overlay) and service networks: link-local, the ranges its own
/// components use (`172.30.0.0/16`, `172.31.0.0/16`) and TEST-NET-1.
const AKS_RESERVED: [&str; 4] = [
    "169.254.0.0/16",
    "172.30.0.0/16",
    "172.31.0.0/16",
    "192.0.2.0/24",
];

fn cloud() -> Cloud {
    Cloud {
        provider: "azure",
        service: "AKS",
        machine_type: "Azure VM size (e.g. Standard_D4s_v5)",
        // AKS OS disks: 30 GiB (the node image) to 2 TiB.
        disk_gib: 30..=2048,
    }
}

/// The Azure provider for one Infrastructure's settings.
pub struct Azure<'a> {
    settings: &'a AzureInfrastructure,
}

impl<'a> Azure<'a> {
    /// The provider with the Infrastructure's `azure` block.
    pub fn new(settings: &'a AzureInfrastructure) -> Self {
        Self { settings }
    }
}

fn check_networks(issues: &mut Vec<Issue>, cluster: &ResolvedCluster, label: &str) {
    let pods = cluster.network.pod_cidr;
    let services = cluster.network.service_cidr;
    require_ipv4(
        issues,
        label,
        &[
            ("spec.network.podCIDR", pods),
            ("spec.network.serviceCIDR", services),
        ],
    );
    if let Ok(vnet) = AKS_DEFAULT_VNET.parse::<IpNet>() {
        for (field, net) in [
            ("spec.network.podCIDR", pods),
            ("spec.network.serviceCIDR", services),
        ] {
            if net.contains(&vnet.network()) || vnet.contains(&net.network()) {
                issues.push(Issue::new(
                    field,
                    format!(
                        "{net} overlaps the virtual network {label} creates ({AKS_DEFAULT_VNET})"
                    ),
                ));
            }
        }
    }
    for (field, net) in [
        ("spec.network.podCIDR", pods),
        ("spec.network.serviceCIDR", services),
    ] {
        if let Some(reserved) = AKS_RESERVED
            .iter()
            .filter_map(|range| range.parse::<IpNet>().ok())
            .find(|range| net.contains(&range.network()) || range.contains(&net.network()))
        {
            issues.push(Issue::new(
                field,
                format!("{net} overlaps {reserved}, which {label} reserves (pod and service networks must stay clear of {})", AKS_RESERVED.join(", ")),
            ));
        }
    }
    if let IpNet::V4(services) = services
        && services.prefix_len() > 28
    {
        issues.push(Issue::new(
            "spec.network.serviceCIDR",
            format!(
                "{services} is too small for {label}: the cluster DNS service takes the range's 10th address"
            ),
        ));
    }
}

fn check_pools(issues: &mut Vec<Issue>, cluster: &ResolvedCluster, label: &str) {
    match cluster.workers.first() {
        None => issues.push(Issue::new(
            "spec.workers",
            format!("{label} needs at least one worker pool (the first is AKS's system pool)"),
        )),
        Some(system) if system.replicas < 1 => issues.push(Issue::new(
            "spec.workers[0].replicas",
            format!(
                "worker pool `{}` is the system pool on {label} (it runs CoreDNS and the other system pods): it needs at least 1 node",
                system.name
            ),
        )),
        Some(_) => {}
    }
    let mut seen = std::collections::BTreeMap::new();
    for (index, pool) in cluster.workers.iter().enumerate() {
        let field = format!("spec.workers[{index}].name");
        match agent_pool_name(&pool.name) {
            None => issues.push(Issue::new(
                &field,
                format!(
                    "worker pool `{}` cannot name an AKS agent pool on {label}: without hyphens it must start with a letter and have at most 12 lowercase letters and digits",
                    pool.name
                ),
            )),
            Some(name) => {
                if let Some(other) = seen.insert(name.clone(), pool.name.clone()) {
                    issues.push(Issue::new(
                        &field,
                        format!(
                            "worker pools `{other}` and `{}` both become AKS agent pool `{name}` on {label} (hyphens are dropped)",
                            pool.name
                        ),
                    ));
                }
            }
        }
    }
}

impl Provider for Azure<'_> {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Azure
    }

    fn check(&self, cluster: &ResolvedCluster) -> Vec<Issue> {
        let mut issues = Vec::new();
        let cloud = cloud();
        let label = cloud.label();
        super::security::check_security(
            &mut issues,
            cluster,
            super::security::ControlPlaneKind::Aks,
            &label,
        );
        cloud.check_managed_control_plane(&mut issues, cluster);
        cloud.check_external_access(&mut issues, cluster);
        cloud.check_managed_cni(
            &mut issues,
            cluster,
            "Azure CNI overlay; `cilium` selects Azure CNI powered by Cilium",
            &[Cni::Cilium],
        );
        for addon in &cluster.addons {
            let reason = match addon {
                Addon::Cilium => {
                    "AKS runs Cilium itself (Azure CNI powered by Cilium, from `network.cni: cilium`)"
                }
                Addon::Calico => "AKS ships its own network",
                Addon::MetricsServer => "AKS runs metrics-server itself",
            };
            issues.push(Issue::new(
                "spec.addons",
                format!(
                    "add-on `{}` is not supported by {label}: {reason}",
                    crate::resolve::addon_name(*addon)
                ),
            ));
        }
        check_sizes(
            &mut issues,
            cluster,
            &cloud.size_rules(CheckedSizes::Workers),
        );
        check_pools(&mut issues, cluster, &label);
        check_networks(&mut issues, cluster, &label);
        issues
    }

    /// AKS keeps its system pool (the first) at one node: it runs CoreDNS and the other system
    /// pods, and AKS refuses a system pool of zero. User pools go to zero.
    fn hibernation(&self, cluster: &ResolvedCluster) -> Result<Vec<i32>, String> {
        Ok((0..cluster.workers.len())
            .map(|index| i32::from(index == 0))
            .collect())
    }

    fn build(&self, cluster: &ResolvedCluster) -> Result<ProviderParts, Issue> {
        let infra_cluster = object(
            CAPZ_V1BETA1,
            "AzureASOManagedCluster",
            MetaBuilder::namespaced(cluster, &cluster.name),
            json!({ "spec": { "resources": [resources::resource_group(cluster, self.settings)] } }),
        );
        let control_plane = object(
            CAPZ_V1BETA1,
            "AzureASOManagedControlPlane",
            MetaBuilder::namespaced(cluster, &cluster.name),
            json!({ "spec": {
                "version": cluster.control_plane.version.to_string(),
                "resources": [resources::managed_cluster(cluster, self.settings)],
            }}),
        );
        // AKS repairs its nodes itself: managed pools, no CAPI health checks.
        let pools = managed_pools(cluster, |index, pool| {
            object(
                CAPZ_V1BETA1,
                "AzureASOManagedMachinePool",
                MetaBuilder::namespaced(cluster, capi::machine_pool_name(cluster, pool)),
                json!({ "spec": { "resources": [
                    resources::agent_pool(cluster, self.settings, pool, index == 0)
                ]}}),
            )
        });
        Ok(ProviderParts {
            pools,
            ..ProviderParts::new(infra_cluster, ControlPlanePart::Managed(control_plane))
        })
    }
}
