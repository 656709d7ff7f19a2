//! KubeVirt on bare metal (CAPK, `infrastructure.cluster.x-k8s.io/v1alpha1`): VMs in the
//! management cluster, kubeadm inside them, and a per-cluster KubeVirt cloud controller.

mod kccm;
mod machine_template;

pub use kccm::{DEFAULT_KCCM_IMAGE, role_rules as kccm_role_rules};
pub use machine_template::LIVE_MIGRATION_ANNOTATION;

use drover_api::ProviderKind;
use drover_api::infrastructure::{KubevirtInfrastructure, ServiceType};
use drover_api::workload_cluster::{Cni, ExternalAccessType};
use ipnet::IpNet;
use serde_json::json;

use super::size::{SizeRules, check_sizes};
use super::{Issue, Provider};
use crate::objects::TypedRef;
use crate::objects::kubeadm::{self, KubeadmNodeSettings};
use crate::objects::meta::{MetaBuilder, object};
use crate::providers::{AddonSettings, ControlPlanePart, ProviderParts, parts::kubeadm_pools};
use crate::resolve::ResolvedCluster;
use drover_api::security::PodSecurityLevel;
use machine_template::{Role, machine_template};

/// apiVersion of CAPK's kinds.
pub const CAPK_V1ALPHA1: &str = "infrastructure.cluster.x-k8s.io/v1alpha1";
/// Label on each VM (and so its virt-launcher pod) naming its role in the cluster; the
/// anti-affinity rules select on it.
pub const ROLE_LABEL: &str = "drover.dev/role";
/// UDP port of the tenant Cilium's VXLAN tunnel. CAPK's FAQ: the tenant CNI must encapsulate
/// (VXLAN) on a port of its own, because the management cluster's CNI already uses the default
/// ones (Cilium and Flannel 8472, Calico 4789, Geneve 6081).
pub const TENANT_VXLAN_PORT: u16 = 8473;

/// The KubeVirt provider for one Infrastructure's settings.
pub struct Kubevirt<'a> {
    settings: &'a KubevirtInfrastructure,
}

impl<'a> Kubevirt<'a> {
    /// The provider with the Infrastructure's `kubevirt` block.
    pub fn new(settings: &'a KubevirtInfrastructure) -> Self {
        Self { settings }
    }

    fn service_type(&self, cluster: &ResolvedCluster) -> &'static str {
        match cluster.external_access {
            Some(ExternalAccessType::LoadBalancer) => "LoadBalancer",
            Some(ExternalAccessType::NodePort) => "NodePort",
            // Ingress is refused by `check`.
            Some(ExternalAccessType::Ingress) | None => match self.settings.control_plane_service {
                Some(ServiceType::NodePort) => "NodePort",
                Some(ServiceType::ClusterIP) => "ClusterIP",
                Some(ServiceType::LoadBalancer) | None => "LoadBalancer",
            },
        }
    }
}

/// KubeVirt VMs take any whole number of cores and any disk of at least 1 GiB.
fn size_rules() -> SizeRules {
    SizeRules::vm("kubevirt", 1, 1)
}

impl Provider for Kubevirt<'_> {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Kubevirt
    }

    fn check(&self, cluster: &ResolvedCluster) -> Vec<Issue> {
        let mut issues = Vec::new();
        super::security::check_security(
            &mut issues,
            cluster,
            super::security::ControlPlaneKind::Kubeadm,
            "provider `kubevirt`",
        );
        if cluster.network.cni == Cni::Provider {
            issues.push(Issue::new(
                "spec.network.cni",
                "`provider` networking is not available on provider `kubevirt`: the VMs have no provider network (use cilium or calico)",
            ));
        }
        if cluster.external_access == Some(ExternalAccessType::Ingress) {
            issues.push(Issue::new(
                "spec.externalAccess.type",
                "`Ingress` access is not supported by provider `kubevirt` (use LoadBalancer or NodePort)",
            ));
        }
        if cluster.external_host.is_some() {
            issues.push(Issue::new(
                "spec.externalAccess.host",
                "a host name is only used with Ingress access, which provider `kubevirt` does not support",
            ));
        }
        check_management_overlap(&mut issues, self.settings, cluster);
        check_sizes(&mut issues, cluster, &size_rules());
        issues
    }

    fn build(&self, cluster: &ResolvedCluster) -> Result<ProviderParts, Issue> {
        let infra_cluster = object(
            CAPK_V1ALPHA1,
            "KubevirtCluster",
            MetaBuilder::namespaced(cluster, &cluster.name),
            json!({ "spec": { "controlPlaneServiceTemplate": { "spec": { "type": self.service_type(cluster) } } } }),
        );
        // HA control-plane VMs must sit on distinct hosts; with no spare host a surge VM could
        // never schedule, so such control planes roll by scaling in first.
        let hosts = self.settings.hosts.as_ref().map_or(usize::MAX, Vec::len);
        let node_settings = KubeadmNodeSettings {
            control_plane_scale_in_first: hosts
                <= usize::try_from(cluster.control_plane.replicas).unwrap_or(0),
            ..KubeadmNodeSettings::default()
        };

        let cp_template = machine_template(
            cluster,
            self.settings,
            Role::ControlPlane {
                replicas: cluster.control_plane.replicas,
            },
            &cluster.control_plane.size,
            cluster.control_plane.version,
        );
        let cp_template_ref = TypedRef::of(&cp_template);
        let control_plane = kubeadm::control_plane(cluster, &cp_template_ref, &node_settings);

        Ok(ProviderParts {
            infrastructure_cluster: infra_cluster,
            control_plane: ControlPlanePart::Machines {
                control_plane,
                machine_template: cp_template,
            },
            pools: kubeadm_pools(cluster, &node_settings, |pool| {
                machine_template(
                    cluster,
                    self.settings,
                    Role::Worker(&pool.name),
                    &pool.size,
                    pool.version,
                )
            }),
            workloads: kccm::objects(cluster, self.settings.cloud_controller_image.as_deref()),
            // virt-launcher pods of default (non-root) KubeVirt VMs, CDI importer pods and the
            // corrected KCCM all run under `baseline`; `restricted` would need a seccomp profile
            // configured in KubeVirt itself, `privileged` is not needed.
            pod_security: PodSecurityLevel::Baseline,
            // The VMs sit on the management cluster's pod network: no shared L2 between VMs on
            // different hosts, and the management CNI drops packets whose source is a tenant pod
            // address. Tenant pod traffic is therefore encapsulated (CAPK FAQ), on a VXLAN port
            // the management CNI does not use; Cilium derives the MTU from the VM's NIC, which
            // KubeVirt sets from the virt-launcher pod's interface.
            addons: AddonSettings {
                cilium_tunnel: true,
                extra_cilium_values: Some(format!("tunnelPort: {TENANT_VXLAN_PORT}\n")),
                ..AddonSettings::default()
            },
        })
    }
}

/// The claim's pod and service networks against the management cluster's, where the VMs and a
/// `ClusterIP` endpoint take their addresses: an overlap makes those addresses unreachable from
/// inside the workload cluster (its routes send them to its own pods or services).
fn check_management_overlap(
    issues: &mut Vec<Issue>,
    settings: &KubevirtInfrastructure,
    cluster: &ResolvedCluster,
) {
    let Some(network) = &settings.management_network else {
        return;
    };
    let management = [
        ("pod network", &network.pod_cidr),
        ("service network", &network.service_cidr),
    ];
    let claimed = [
        ("spec.network.podCIDR", cluster.network.pod_cidr),
        ("spec.network.serviceCIDR", cluster.network.service_cidr),
    ];
    for (field, cidr) in claimed {
        for (what, theirs) in management {
            let Some(theirs) = theirs.as_deref().and_then(|t| t.parse::<IpNet>().ok()) else {
                continue;
            };
            if cidr.contains(&theirs.network()) || theirs.contains(&cidr.network()) {
                issues.push(Issue::new(
                    field,
                    format!(
                        "{cidr} overlaps the management cluster's {what} {theirs} (spec.kubevirt.managementNetwork), where the VMs live: choose another range"
                    ),
                ));
            }
        }
    }
}
