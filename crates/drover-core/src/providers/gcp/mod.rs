//! Google Cloud (CAPG v1.12): regional GKE clusters through `GCPManagedCluster`,
//! `GCPManagedControlPlane` and one `GCPManagedMachinePool` + CAPI `MachinePool` per worker pool
//! (`infrastructure.cluster.x-k8s.io/v1beta1`). Modelled on CAPG's `gke` flavor.
//!
//! Clusters are VPC-native (alias IPs) with the claim's pod and service networks. A regional
//! node pool runs in each of the region's three zones; CAPG divides the MachinePool's replicas by
//! three, so a pool's replicas must be a multiple of three.

use drover_api::ProviderKind;
use drover_api::infrastructure::GcpInfrastructure;
use drover_api::workload_cluster::Addon;
use serde_json::{Value, json};

use super::cloud::{Cloud, disk_gib, require_ipv4};
use super::size::{CheckedSizes, check_sizes};
use super::{Issue, Provider};
use crate::objects::capi::{self};
use crate::objects::meta::{MetaBuilder, object};
use crate::providers::{ControlPlanePart, ProviderParts, parts::managed_pools};
use crate::resolve::{ResolvedCluster, WorkerGroup, addon_name};

/// apiVersion of CAPG's GKE kinds.
pub const CAPG_V1BETA1: &str = "infrastructure.cluster.x-k8s.io/v1beta1";
/// Zones a regional GKE node pool spans when it names none (CAPG's default).
pub const GKE_ZONES_PER_REGION: i32 = 3;
/// Namespace of the credentials Secret when the Infrastructure names none.
pub const DEFAULT_CREDENTIALS_NAMESPACE: &str = "capg-system";
/// The network clusters join when the Infrastructure names none.
pub const DEFAULT_NETWORK: &str = "default";

fn cloud() -> Cloud {
    Cloud {
        provider: "gcp",
        service: "GKE",
        machine_type: "GCE machine type (e.g. e2-standard-4)",
        // GKE boot disks: 10 GB to 64 TB.
        disk_gib: 10..=65_536,
    }
}

/// The GCP provider for one Infrastructure's settings.
pub struct Gcp<'a> {
    settings: &'a GcpInfrastructure,
}

impl<'a> Gcp<'a> {
    /// The provider with the Infrastructure's `gcp` block.
    pub fn new(settings: &'a GcpInfrastructure) -> Self {
        Self { settings }
    }

    fn node_pool(&self, cluster: &ResolvedCluster, pool: &WorkerGroup) -> Value {
        let mut spec = json!({
            "nodePoolName": pool.name,
            "instanceType": pool.size.instance_type.as_deref().unwrap_or_default(),
        });
        if let Some(gib) = disk_gib(&pool.size) {
            spec["diskSizeGb"] = json!(gib);
        }
        if !pool.node_labels.is_empty() {
            spec["kubernetesLabels"] = json!(pool.node_labels);
        }
        // GKE repairs nodes itself; it upgrades them itself only on a release channel (which
        // requires it), otherwise the MachinePool's version is the node version.
        spec["management"] = json!({
            "autoRepair": true,
            "autoUpgrade": self.settings.release_channel.is_some(),
        });
        object(
            CAPG_V1BETA1,
            "GCPManagedMachinePool",
            MetaBuilder::namespaced(cluster, capi::machine_pool_name(cluster, pool)),
            json!({ "spec": spec }),
        )
    }
}

impl Provider for Gcp<'_> {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Gcp
    }

    fn check(&self, cluster: &ResolvedCluster) -> Vec<Issue> {
        let mut issues = Vec::new();
        let cloud = cloud();
        let label = cloud.label();
        super::security::check_security(
            &mut issues,
            cluster,
            super::security::ControlPlaneKind::Gke,
            &label,
        );
        cloud.check_managed_control_plane(&mut issues, cluster);
        cloud.check_external_access(&mut issues, cluster);
        cloud.check_managed_cni(&mut issues, cluster, "VPC-native GKE networking", &[]);
        for addon in &cluster.addons {
            if *addon == Addon::MetricsServer {
                issues.push(Issue::new(
                    "spec.addons",
                    format!(
                        "add-on `{}` is not supported by {label}: GKE runs metrics-server itself",
                        addon_name(*addon)
                    ),
                ));
            }
        }
        check_sizes(
            &mut issues,
            cluster,
            &cloud.size_rules(CheckedSizes::Workers),
        );
        for (index, pool) in cluster.workers.iter().enumerate() {
            if pool.replicas % GKE_ZONES_PER_REGION != 0 {
                issues.push(Issue::new(
                    format!("spec.workers[{index}].replicas"),
                    format!(
                        "{} replicas in worker pool `{}`: {label} runs regional node pools with the same number of nodes in each of the region's {GKE_ZONES_PER_REGION} zones, so replicas must be a multiple of {GKE_ZONES_PER_REGION}",
                        pool.replicas, pool.name
                    ),
                ));
            }
        }
        // Creating a GKE cluster needs a node; a hibernated one may scale every pool to zero.
        if !cluster.asleep && cluster.workers.iter().all(|pool| pool.replicas == 0) {
            issues.push(Issue::new(
                "spec.workers",
                format!("{label} needs at least one node to create a cluster"),
            ));
        }
        require_ipv4(
            &mut issues,
            &label,
            &[
                ("spec.network.podCIDR", cluster.network.pod_cidr),
                ("spec.network.serviceCIDR", cluster.network.service_cidr),
            ],
        );
        issues
    }

    fn build(&self, cluster: &ResolvedCluster) -> Result<ProviderParts, Issue> {
        let mut infra_spec = json!({
            "project": self.settings.project,
            "region": self.settings.region,
            "network": {
                "name": self.settings.network.as_deref().unwrap_or(DEFAULT_NETWORK),
            },
        });
        if let Some(secret) = &self.settings.credentials_secret {
            infra_spec["credentialsRef"] = json!({
                "name": secret,
                "namespace": self
                    .settings
                    .credentials_secret_namespace
                    .as_deref()
                    .unwrap_or(DEFAULT_CREDENTIALS_NAMESPACE),
            });
        }
        let infra_cluster = object(
            CAPG_V1BETA1,
            "GCPManagedCluster",
            MetaBuilder::namespaced(cluster, &cluster.name),
            json!({ "spec": infra_spec }),
        );

        let mut cp_spec = json!({
            "project": self.settings.project,
            "location": self.settings.region,
            "clusterName": cluster.name,
            "version": cluster.control_plane.version.to_string(),
            "clusterNetwork": {
                "useIPAliases": true,
                "pod": { "cidrBlock": cluster.network.pod_cidr.to_string() },
                "service": { "cidrBlock": cluster.network.service_cidr.to_string() },
            },
        });
        if let Some(channel) = self.settings.release_channel {
            cp_spec["releaseChannel"] = json!(channel.as_str());
        }
        let control_plane = object(
            CAPG_V1BETA1,
            "GCPManagedControlPlane",
            MetaBuilder::namespaced(cluster, format!("{}-control-plane", cluster.name)),
            json!({ "spec": cp_spec }),
        );

        // GKE node auto-repair replaces unhealthy nodes: managed pools, no CAPI health checks.
        Ok(ProviderParts {
            pools: managed_pools(cluster, |_, pool| self.node_pool(cluster, pool)),
            ..ProviderParts::new(infra_cluster, ControlPlanePart::Managed(control_plane))
        })
    }
}
