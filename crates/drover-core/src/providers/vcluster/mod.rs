//! vcluster (loft-sh cluster-api-provider-vcluster v0.2.x, `VCluster` at
//! `infrastructure.cluster.x-k8s.io/v1alpha1`): a virtual cluster whose control plane runs as pods
//! in the cluster's namespace on the management cluster, and whose workloads are synced into that
//! namespace as ordinary pods. There are no machines: the CAPI Cluster's `controlPlaneRef` and
//! `infrastructureRef` both point at the one `VCluster` (as the provider's v0.2.x templates do),
//! whose controller installs the vcluster Helm chart with the values drover writes.
//!
//! Next to the `VCluster` drover renders NetworkPolicies isolating the namespace, a
//! PodDisruptionBudget per quorum for HA control planes, and optionally a Prometheus
//! ServiceMonitor.

mod monitoring;
mod policy;
mod security;
mod values;

pub use values::VCLUSTER_SERVICE_LABEL;

use drover_api::ProviderKind;
use drover_api::infrastructure::VclusterInfrastructure;
use drover_api::workload_cluster::{Addon, Cni, ExternalAccessType};
use serde_json::{Value, json};

use super::size::{CheckedSizes, SizeField, SizeRules, check_sizes};
use super::{Issue, Provider};
use crate::objects::meta::{MetaBuilder, object};
use crate::providers::{AddonSettings, ControlPlanePart, ProviderParts};
use crate::resolve::{ResolvedCluster, addon_name};
use drover_api::security::PodSecurityLevel;

/// apiVersion of the provider's `VCluster` kind (v0.2.x).
pub const VCLUSTER_V1ALPHA1: &str = "infrastructure.cluster.x-k8s.io/v1alpha1";
/// Chart repository when the Infrastructure names none (the provider's default too).
pub const DEFAULT_CHART_REPO: &str = "https://charts.loft.sh";
/// Chart name when the Infrastructure names none: since vcluster 0.20 one chart serves every
/// distribution.
pub const DEFAULT_CHART_NAME: &str = "vcluster";
/// Oldest chart release whose values drover writes (`controlPlane.*`, the vcluster.yaml format
/// introduced in 0.20; older charts had a different values layout entirely).
pub const MIN_CHART_VERSION: (u32, u32) = (0, 20);
/// Port the vcluster control plane (its API proxy) listens on inside the pod.
pub const API_PORT: i32 = 8443;
/// Port of the chart's Service and Ingress in front of the control plane.
pub const SERVICE_PORT: i32 = 443;

/// The vcluster provider for one Infrastructure's settings.
pub struct Vcluster<'a> {
    settings: &'a VclusterInfrastructure,
}

/// How the virtual API server is reached from outside the namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// The chart's Service only (reachable inside the management cluster): no external access.
    ClusterIp,
    /// The chart's Service as a LoadBalancer.
    LoadBalancer,
    /// The chart's Service as a NodePort.
    NodePort,
    /// The chart's Ingress, TLS passed through to the control plane.
    Ingress {
        /// Host name of the API server.
        host: String,
        /// IngressClass.
        class_name: String,
    },
}

impl<'a> Vcluster<'a> {
    /// The provider with the Infrastructure's `vcluster` block.
    pub fn new(settings: &'a VclusterInfrastructure) -> Self {
        Self { settings }
    }

    /// The access path of `cluster`; `None` for Ingress access without the Infrastructure's
    /// ingress settings (refused by `check`).
    fn access(&self, cluster: &ResolvedCluster) -> Option<Access> {
        Some(match cluster.external_access {
            None => Access::ClusterIp,
            Some(ExternalAccessType::LoadBalancer) => Access::LoadBalancer,
            Some(ExternalAccessType::NodePort) => Access::NodePort,
            Some(ExternalAccessType::Ingress) => {
                let ingress = self.settings.ingress.as_ref()?;
                Access::Ingress {
                    host: cluster
                        .external_host
                        .clone()
                        .unwrap_or_else(|| format!("{}.{}", cluster.name, ingress.domain)),
                    class_name: ingress.class_name.clone(),
                }
            }
        })
    }
}

/// `0.24.1`, `v0.20.0-beta.1` → (major, minor, patch); `None` when not a version.
pub(crate) fn parse_chart_version(text: &str) -> Option<(u32, u32, u32)> {
    let text = text.strip_prefix('v').unwrap_or(text);
    let core = text.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|part| part.parse::<u32>().ok());
    let version = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(version)
}

/// The control plane is pods sized by cpu and memory with a data volume sized by disk; there
/// are no worker machines.
fn size_rules() -> SizeRules {
    SizeRules {
        label: "provider `vcluster`".to_owned(),
        required: &[SizeField::Cpu, SizeField::Memory, SizeField::Disk],
        required_because:
            "sizes the virtual control plane's pods by cpu and memory and its data volume by disk"
                .to_owned(),
        refused: &[SizeField::InstanceType],
        refused_because: "its control plane is pods, not machines".to_owned(),
        min_cpu: 0,
        disk_gib: 0..=u64::MAX,
        fits_int32: false,
        sizes: CheckedSizes::ControlPlane,
    }
}

impl Provider for Vcluster<'_> {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Vcluster
    }

    fn check(&self, cluster: &ResolvedCluster) -> Vec<Issue> {
        let mut issues = Vec::new();
        super::security::check_security(
            &mut issues,
            cluster,
            super::security::ControlPlaneKind::Vcluster,
            "provider `vcluster`",
        );
        match parse_chart_version(&self.settings.chart_version) {
            Some((major, minor, _)) if (major, minor) >= MIN_CHART_VERSION => {}
            _ => issues.push(Issue::new(
                "spec.infrastructure",
                format!(
                    "Infrastructure `{}` pins vcluster chart `{}`; provider `vcluster` renders values for chart 0.20 or later",
                    cluster.infrastructure, self.settings.chart_version
                ),
            )),
        }
        if !cluster.workers_defaulted {
            issues.push(Issue::new(
                "spec.workers",
                "provider `vcluster` has no worker machines (workloads run as pods on the management cluster's nodes): remove spec.workers",
            ));
        }
        check_sizes(&mut issues, cluster, &size_rules());

        if cluster.network.cni != Cni::Provider {
            issues.push(Issue::new(
                "spec.network.cni",
                "provider `vcluster` uses the management cluster's pod network: set spec.network.cni to `provider`",
            ));
        }
        // Synced pods get the host's pod IPs and synced Services the host's cluster IPs, so the
        // virtual cluster's networks are the host's: vcluster detects them, nothing can choose them.
        if !cluster.network.pod_cidr_defaulted {
            issues.push(Issue::new(
                "spec.network.podCIDR",
                "provider `vcluster` runs pods in the management cluster's pod network, which a claim cannot choose: remove spec.network.podCIDR",
            ));
        }
        if !cluster.network.service_cidr_defaulted {
            issues.push(Issue::new(
                "spec.network.serviceCIDR",
                "provider `vcluster` uses the management cluster's service network (vcluster detects it), which a claim cannot choose: remove spec.network.serviceCIDR",
            ));
        }
        for addon in &cluster.addons {
            if matches!(addon, Addon::Cilium | Addon::Calico) {
                issues.push(Issue::new(
                    "spec.addons",
                    format!(
                        "add-on `{}` is a CNI, and provider `vcluster` uses the management cluster's network (no CNI runs inside a virtual cluster)",
                        addon_name(*addon)
                    ),
                ));
            }
        }

        match cluster.external_access {
            Some(ExternalAccessType::Ingress) if self.settings.ingress.is_none() => {
                issues.push(Issue::new(
                    "spec.externalAccess.type",
                    format!(
                        "`Ingress` access needs spec.vcluster.ingress (class and domain) in Infrastructure `{}`, which provider `vcluster` does not have there",
                        cluster.infrastructure
                    ),
                ));
            }
            Some(ExternalAccessType::Ingress) => {}
            _ if cluster.external_host.is_some() => issues.push(Issue::new(
                "spec.externalAccess.host",
                "a host name is only used with `Ingress` access on provider `vcluster`",
            )),
            _ => {}
        }
        issues
    }

    fn hibernation(&self, _cluster: &ResolvedCluster) -> Result<Vec<i32>, String> {
        Err("a vcluster has no worker machines to stop (its pods run on the host cluster's nodes), and its control plane cannot go to zero".to_owned())
    }

    fn build(&self, cluster: &ResolvedCluster) -> Result<ProviderParts, Issue> {
        let access = self.access(cluster).ok_or_else(|| {
            Issue::new(
                "spec.externalAccess.type",
                "`Ingress` access needs the Infrastructure's vcluster ingress settings",
            )
        })?;
        let mut workloads = policy::network_policies(cluster);
        workloads.extend(policy::disruption_budgets(cluster));
        workloads.extend(security::config_map(cluster));
        if self.settings.service_monitor.unwrap_or(false) {
            workloads.push(monitoring::service_monitor(cluster));
        }

        Ok(ProviderParts {
            infrastructure_cluster: self.vcluster(cluster, &access),
            // No machines: the control plane is a StatefulSet the chart manages.
            control_plane: ControlPlanePart::InfrastructureCluster,
            pools: Vec::new(),
            workloads,
            // The namespace holds the virtual cluster's synced workload pods. `baseline` admits
            // what typical workloads and vcluster's own pods (control plane as root without
            // privilege escalation, CoreDNS, the rewrite-hosts init container) need, and refuses
            // privileged, host-namespace and hostPath pods: on a shared management cluster those
            // would let a tenant of the virtual cluster take over a node that runs CAPI.
            // `restricted` would refuse most off-the-shelf images (root users, no seccomp
            // profile) a tenant deploys.
            pod_security: PodSecurityLevel::Baseline,
            addons: AddonSettings::default(),
        })
    }
}

impl Vcluster<'_> {
    /// The `VCluster`: chart, values and, for Ingress access, the endpoint CAPVC writes into the
    /// kubeconfig (otherwise CAPVC discovers it from the chart's Service).
    fn vcluster(&self, cluster: &ResolvedCluster, access: &Access) -> Value {
        let mut spec = serde_json::Map::new();
        if let Access::Ingress { host, .. } = access {
            spec.insert(
                "controlPlaneEndpoint".to_owned(),
                json!({ "host": host, "port": SERVICE_PORT }),
            );
        }
        spec.insert(
            "helmRelease".to_owned(),
            json!({
                "chart": {
                    "name": self.settings.chart_name.as_deref().unwrap_or(DEFAULT_CHART_NAME),
                    "repo": self.settings.chart_repo.as_deref().unwrap_or(DEFAULT_CHART_REPO),
                    "version": self.settings.chart_version,
                },
                "values": drover_yaml::to_yaml(&values::values(cluster, self.settings, access)),
            }),
        );
        object(
            VCLUSTER_V1ALPHA1,
            "VCluster",
            MetaBuilder::namespaced(cluster, &cluster.name),
            json!({ "spec": spec }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::parse_chart_version;

    #[test]
    fn chart_versions_parse_with_and_without_v_and_prerelease() {
        assert_eq!(parse_chart_version("0.24.1"), Some((0, 24, 1)));
        assert_eq!(parse_chart_version("v0.20.0-beta.1"), Some((0, 20, 0)));
        assert_eq!(parse_chart_version("0.19"), None);
        assert_eq!(parse_chart_version("0.19.5.1"), None);
        assert_eq!(parse_chart_version("latest"), None);
    }
}
