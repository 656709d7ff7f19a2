//! Proxmox VE with Talos Linux: CAPMOX (`infrastructure.cluster.x-k8s.io/v1alpha2`) clones VMs
//! from a Talos template and gives them addresses from the cluster's node pool; the Talos
//! bootstrap and control-plane providers (`v1alpha3`) configure them. The API endpoint is a VIP
//! that Talos itself announces from the control-plane nodes.

mod machine_template;
mod network;
mod talos;

pub use machine_template::DEFAULT_BOOT_DISK;
pub use talos::{
    DEFAULT_CLOUD_CONTROLLER_MANIFEST, DEFAULT_INSTALL_DISK, KUBEPRISM_PORT,
    TALOS_BOOTSTRAP_V1ALPHA3, TALOS_CONTROLPLANE_V1ALPHA3, control_plane_patch, worker_patch,
};

use drover_api::ProviderKind;
use drover_api::infrastructure::ProxmoxInfrastructure;
use drover_api::workload_cluster::Cni;
use serde_json::{Value, json};

use super::size::{SizeRules, check_sizes};
use super::{Issue, Provider, access};
use crate::objects::meta::{MetaBuilder, object};
use crate::objects::{TypedRef, capi};
use crate::providers::{AddonSettings, ControlPlanePart, PoolPart, ProviderParts};
use crate::resolve::ResolvedCluster;
use crate::version::KubeVersion;
use drover_api::security::PodSecurityLevel;
use machine_template::machine_template;

/// apiVersion of CAPMOX's kinds.
pub const CAPMOX_V1ALPHA2: &str = "infrastructure.cluster.x-k8s.io/v1alpha2";
/// Port of the Kubernetes API behind the VIP.
pub const API_SERVER_PORT: i32 = 6443;
/// Oldest Talos minor drover renders for: device selectors by `physical` (v1.7).
const MIN_TALOS_MINOR: u32 = 7;

/// Proxmox VMs: at least 1 core; a boot volume of at least 5 GiB (CAPMOX's bootVolume.sizeGb
/// minimum).
fn size_rules() -> SizeRules {
    SizeRules::vm("proxmox", 1, 5)
}

/// The Proxmox + Talos provider for one Infrastructure's settings.
pub struct Proxmox<'a> {
    settings: &'a ProxmoxInfrastructure,
}

impl<'a> Proxmox<'a> {
    /// The provider with the Infrastructure's `proxmox` block.
    pub fn new(settings: &'a ProxmoxInfrastructure) -> Self {
        Self { settings }
    }

    /// The Infrastructure's Talos version as (major, minor), when it parses.
    fn talos_minor(&self) -> Option<(u32, u32)> {
        let mut parts = self
            .settings
            .talos_version
            .trim_start_matches('v')
            .split('.')
            .map(|part| part.parse::<u32>().ok());
        match (parts.next().flatten(), parts.next().flatten()) {
            (Some(major), Some(minor)) => Some((major, minor)),
            _ => None,
        }
    }

    fn talos_version_issue(&self) -> Option<Issue> {
        let supported = self
            .talos_minor()
            .is_some_and(|version| version >= (1, MIN_TALOS_MINOR));
        (!supported).then(|| {
            Issue::new(
                "spec.infrastructure",
                format!(
                    "Talos {} is older than v1.{MIN_TALOS_MINOR}, the oldest provider `proxmox` renders machine configuration for",
                    self.settings.talos_version
                ),
            )
        })
    }

    /// Kubernetes versions of `cluster` (the claim's, and the control plane's and pools' while
    /// an upgrade moves them step by step) that the Infrastructure's Talos release does not run:
    /// Talos validates the version against its support window when it loads the machine
    /// configuration, so such a machine would never join.
    fn kubernetes_version_issues(&self, cluster: &ResolvedCluster) -> Vec<Issue> {
        let Some((1, talos_minor)) = self.talos_minor() else {
            return Vec::new();
        };
        let Some((oldest, newest)) = talos::kubernetes_window(talos_minor) else {
            return Vec::new();
        };
        let mut versions: Vec<KubeVersion> = std::iter::once(cluster.version)
            .chain(std::iter::once(cluster.control_plane.version))
            .chain(cluster.workers.iter().map(|pool| pool.version))
            .collect();
        versions.sort();
        versions.dedup();
        versions
            .into_iter()
            .filter(|version| version.major != 1 || version.minor < oldest || version.minor > newest)
            .map(|version| {
                Issue::new(
                    "spec.kubernetesVersion",
                    format!(
                        "Kubernetes {version} is outside what Talos {} (Infrastructure `{}`, proxmox.talosVersion) runs: v1.{oldest} to v1.{newest}; Talos refuses the machine configuration, so no machine would join (provider `proxmox`: move the environment's version into the window or build a newer Talos template and raise talosVersion)",
                        self.settings.talos_version, cluster.infrastructure,
                    ),
                )
            })
            .collect()
    }

    /// Cilium values Talos nodes need: the API through KubePrism, no SYS_MODULE (Talos loads no
    /// modules for workloads), and Talos' own cgroup v2 mount.
    fn addon_settings(&self, cluster: &ResolvedCluster) -> AddonSettings {
        let extra = json!({
            "securityContext": { "capabilities": {
                "ciliumAgent": ["CHOWN", "KILL", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "SYS_ADMIN", "SYS_RESOURCE", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"],
                "cleanCiliumState": ["NET_ADMIN", "SYS_ADMIN", "SYS_RESOURCE"],
            }},
            "cgroup": { "autoMount": { "enabled": false }, "hostRoot": "/sys/fs/cgroup" },
        });
        AddonSettings {
            kube_proxy_replacement: talos::kube_proxy_replaced(cluster, self.settings),
            cilium_api_server: Some(("localhost".to_owned(), KUBEPRISM_PORT)),
            extra_cilium_values: Some(drover_yaml::to_yaml(&extra)),
            // Proxmox VMs share the bridge's L2 segment: native routing works.
            cilium_tunnel: false,
        }
    }

    fn proxmox_cluster(&self, cluster: &ResolvedCluster, vip: std::net::Ipv4Addr) -> Value {
        let addresses = network::node_addresses(self.settings, cluster).unwrap_or_default();
        let mut spec = json!({
            "controlPlaneEndpoint": { "host": vip.to_string(), "port": API_SERVER_PORT },
            "ipv4Config": {
                "addresses": addresses,
                "prefix": self.settings.ip_pool.prefix,
                "gateway": self.settings.ip_pool.gateway,
            },
            "dnsServers": self.settings.dns_servers,
            "allowedNodes": self.settings.allowed_nodes,
        });
        // Always the cluster's own namespace: CAPMOX owns the referenced Secret (owner reference
        // and finalizer), and an owner in another namespace would get a shared Secret deleted.
        if let Some(secret) = &self.settings.credentials_secret {
            spec["credentialsRef"] = json!({ "name": secret, "namespace": cluster.namespace });
        }
        object(
            CAPMOX_V1ALPHA2,
            "ProxmoxCluster",
            MetaBuilder::namespaced(cluster, &cluster.name),
            json!({ "spec": spec }),
        )
    }
}

impl Provider for Proxmox<'_> {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Proxmox
    }

    fn check(&self, cluster: &ResolvedCluster) -> Vec<Issue> {
        let mut issues = access::vip_only(cluster, "proxmox", "the cluster's control-plane VIP");
        super::security::check_security(
            &mut issues,
            cluster,
            super::security::ControlPlaneKind::Talos,
            "provider `proxmox` (Talos)",
        );
        if cluster.network.cni == Cni::Calico {
            issues.push(Issue::new(
                "spec.network.cni",
                "CNI `calico` is not supported by provider `proxmox` (Talos nodes run Cilium, or Talos' own flannel with `provider`)",
            ));
        }
        issues.extend(self.talos_version_issue());
        issues.extend(self.kubernetes_version_issues(cluster));
        if self.settings.credentials_secret_namespace.is_some() {
            issues.push(Issue::new(
                "spec.infrastructure",
                format!(
                    "Infrastructure `{}`: spec.proxmox.credentialsSecretNamespace is not supported: CAPMOX puts an owner reference and a finalizer on the credentials Secret, and a Secret in another namespace than its cluster's would be deleted by the garbage collector; remove the field and provide `{}` in each cluster's namespace (`{}` for this cluster), or leave credentialsSecret unset to use CAPMOX's own credentials",
                    cluster.infrastructure,
                    self.settings.credentials_secret.as_deref().unwrap_or("the Secret"),
                    cluster.namespace,
                ),
            ));
        }
        if let Err(issue) = network::node_addresses(self.settings, cluster) {
            issues.push(issue);
        }
        if let Err(issue) = network::control_plane_vip(self.settings, cluster) {
            issues.push(issue);
        }
        check_sizes(&mut issues, cluster, &size_rules());
        issues
    }

    fn build(&self, cluster: &ResolvedCluster) -> Result<ProviderParts, Issue> {
        let vip = network::control_plane_vip(self.settings, cluster)?;
        let infra_cluster = self.proxmox_cluster(cluster, vip);
        let cp_template = machine_template(
            cluster,
            self.settings,
            &format!("{}-control-plane", cluster.name),
            &cluster.control_plane.size,
        );
        let cp_template_ref = TypedRef::of(&cp_template);
        let control_plane = talos::control_plane(
            cluster,
            self.settings,
            &cp_template_ref,
            CAPMOX_V1ALPHA2,
            vip,
        );

        let pools = cluster
            .workers
            .iter()
            .map(|pool| {
                let template = machine_template(
                    cluster,
                    self.settings,
                    &capi::machine_deployment_name(cluster, pool),
                    &pool.size,
                );
                let bootstrap = talos::worker_config_template(cluster, self.settings, pool);
                PoolPart::machines(cluster, pool, template, bootstrap)
            })
            .collect();

        Ok(ProviderParts {
            infrastructure_cluster: infra_cluster,
            control_plane: ControlPlanePart::Machines {
                control_plane,
                machine_template: cp_template,
            },
            pools,
            workloads: Vec::new(),
            // Only CAPI objects live in the cluster's namespace: CAPMOX and the Talos
            // providers run in their own namespaces.
            pod_security: PodSecurityLevel::Restricted,
            addons: self.addon_settings(cluster),
        })
    }
}
