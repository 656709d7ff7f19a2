//! vSphere with kubeadm: CAPV (`infrastructure.cluster.x-k8s.io/v1beta2`) clones VMs from a
//! template with DHCP addresses; kubeadm (`v1beta2`) bootstraps them with what CAPV's own
//! templates set: an external cloud provider, CAPV's hostname commands, the `capv` user, and
//! kube-vip holding the cluster's VIP on the control-plane nodes.
//!
//! The vSphere cloud provider (CPI), which initialises the Nodes and sets their `providerID`, is
//! installed by CAAPH, its vCenter credentials copied in by a ClusterResourceSet from a Secret the
//! platform team keeps in the cluster's namespace ([`cpi`]). The CSI driver is not rendered (see
//! `docs/providers/vsphere.md`).

pub mod cpi;
mod kube_vip;
mod machine_template;

pub use kube_vip::DEFAULT_KUBE_VIP_IMAGE;

use std::net::IpAddr;

use drover_api::ProviderKind;
use drover_api::infrastructure::VsphereInfrastructure;
use drover_api::workload_cluster::Cni;
use serde_json::{Value, json};

use super::size::{SizeRules, check_sizes};
use super::{Issue, Provider, access};
use crate::objects::kubeadm::{self, KubeadmNodeSettings};
use crate::objects::meta::{MetaBuilder, object};
use crate::objects::{TypedRef, capi};
use crate::providers::{AddonSettings, ControlPlanePart, ProviderParts, parts::kubeadm_pools};
use crate::resolve::ResolvedCluster;
use drover_api::security::PodSecurityLevel;
use machine_template::machine_template;

/// apiVersion of CAPV's kinds.
pub const CAPV_V1BETA2: &str = "infrastructure.cluster.x-k8s.io/v1beta2";
/// Port of the Kubernetes API behind the VIP.
pub const API_SERVER_PORT: i32 = 6443;
/// The node user CAPV's templates create for SSH access.
pub const NODE_USER: &str = "capv";

/// vSphere VMs: at least 2 vCPUs (CAPV's numCPUs minimum), a disk of at least 1 GiB.
fn size_rules() -> SizeRules {
    SizeRules::vm("vsphere", 2, 1)
}

/// The vSphere provider for one Infrastructure's settings.
pub struct Vsphere<'a> {
    settings: &'a VsphereInfrastructure,
}

impl<'a> Vsphere<'a> {
    /// The provider with the Infrastructure's `vsphere` block.
    pub fn new(settings: &'a VsphereInfrastructure) -> Self {
        Self { settings }
    }

    fn vip(&self, cluster: &ResolvedCluster) -> Result<IpAddr, Issue> {
        let text = self
            .settings
            .control_plane_endpoints
            .get(&cluster.name)
            .ok_or_else(|| {
                Issue::new(
                    "spec.infrastructure",
                    format!(
                        "Infrastructure `{}` has no control-plane VIP for cluster `{}` (add it to vsphere.controlPlaneEndpoints; provider `vsphere` needs one per cluster for kube-vip)",
                        cluster.infrastructure, cluster.name
                    ),
                )
            })?;
        let vip: IpAddr = text.parse().map_err(|_| {
            Issue::new(
                "spec.infrastructure",
                format!(
                    "control-plane VIP `{text}` of cluster `{}` is not an IP address (provider `vsphere`: kube-vip announces it by ARP)",
                    cluster.name
                ),
            )
        })?;
        if let Some(other) = self
            .settings
            .control_plane_endpoints
            .iter()
            .find(|(name, address)| **name != cluster.name && address.parse() == Ok(vip))
            .map(|(name, _)| name)
        {
            return Err(Issue::new(
                "spec.infrastructure",
                format!(
                    "control-plane VIP {vip} of cluster `{}` is also cluster `{other}`'s (provider `vsphere`)",
                    cluster.name
                ),
            ));
        }
        Ok(vip)
    }

    /// The resource-set Secret with the CPI's credentials, and the CPI image tag for the control
    /// plane's Kubernetes minor.
    fn cloud_provider(&self, cluster: &ResolvedCluster) -> Result<(&str, &'static str), Issue> {
        let secret = self
            .settings
            .cloud_provider
            .as_ref()
            .map(|cpi| cpi.credentials_secret.as_str())
            .ok_or_else(|| {
                Issue::new(
                    "spec.infrastructure",
                    format!(
                        "Infrastructure `{}` does not set vsphere.cloudProvider.credentialsSecret (provider `vsphere`): without the vSphere cloud provider and its vCenter credentials no Node gets a providerID and no Machine of cluster `{}` ever becomes Running; name the resource-set Secret that holds them in each cluster namespace",
                        cluster.infrastructure, cluster.name
                    ),
                )
            })?;
        let version = cluster.control_plane.version;
        let tag = cpi::cpi_image_tag(version).ok_or_else(|| {
            Issue::new(
                "spec.kubernetesVersion",
                format!(
                    "the vSphere cloud provider has no release for Kubernetes {version} (provider `vsphere` installs it for Kubernetes {})",
                    cpi::supported_minors()
                ),
            )
        })?;
        Ok((secret, tag))
    }

    /// What CAPV's templates set on every kubeadm node, plus kube-vip on the control plane.
    fn node_settings(&self, vip: IpAddr) -> KubeadmNodeSettings {
        let external = || vec![("cloud-provider".to_owned(), "external".to_owned())];
        let users = match &self.settings.ssh_authorized_keys {
            Some(keys) if !keys.is_empty() => vec![json!({
                "name": NODE_USER,
                "sshAuthorizedKeys": keys,
                "sudo": "ALL=(ALL) NOPASSWD:ALL",
            })],
            _ => Vec::new(),
        };
        let image = self
            .settings
            .kube_vip_image
            .as_deref()
            .unwrap_or(DEFAULT_KUBE_VIP_IMAGE);
        KubeadmNodeSettings {
            kubelet_extra_args: external(),
            controller_manager_extra_args: external(),
            control_plane_files: kube_vip::files(image, vip, API_SERVER_PORT),
            pre_commands: vec![
                r#"hostnamectl set-hostname "{{ ds.meta_data.hostname }}""#.to_owned(),
                r#"echo "::1         ipv6-localhost ipv6-loopback localhost6 localhost6.localdomain6" >/etc/hosts"#.to_owned(),
                r#"echo "127.0.0.1   {{ ds.meta_data.hostname }} {{ local_hostname }} localhost localhost.localdomain localhost4 localhost4.localdomain4" >>/etc/hosts"#.to_owned(),
                format!("mkdir -p {}", kube_vip::PRE_KUBEADM_DIR),
                format!(
                    r#"for script in $(find {}/ -name '*.sh' -type f | sort); do echo "Running script $script"; "$script"; done"#,
                    kube_vip::PRE_KUBEADM_DIR
                ),
            ],
            users,
            ..KubeadmNodeSettings::default()
        }
    }

    fn vsphere_cluster(&self, cluster: &ResolvedCluster, vip: IpAddr) -> Value {
        let mut spec = serde_json::Map::new();
        spec.insert("server".to_owned(), json!(self.settings.server));
        if let Some(thumbprint) = &self.settings.thumbprint {
            spec.insert("thumbprint".to_owned(), json!(thumbprint));
        }
        spec.insert(
            "controlPlaneEndpoint".to_owned(),
            json!({ "host": vip.to_string(), "port": API_SERVER_PORT }),
        );
        if let Some(identity) = &self.settings.identity {
            spec.insert(
                "identityRef".to_owned(),
                json!({ "kind": "VSphereClusterIdentity", "name": identity }),
            );
        }
        object(
            CAPV_V1BETA2,
            "VSphereCluster",
            MetaBuilder::namespaced(cluster, &cluster.name),
            json!({ "spec": spec }),
        )
    }
}

/// The VIP must lie on the VMs' network, never inside the cluster's own pod or service network:
/// the CNI routes the pod network into its overlay and kube-proxy owns the service network, so
/// nodes and pods could no longer reach the API server on it (kubeadm, kubelets, the CNI itself).
fn vip_in_cluster_networks(cluster: &ResolvedCluster, vip: IpAddr) -> Vec<Issue> {
    [
        ("pod", "spec.network.podCIDR", cluster.network.pod_cidr),
        (
            "service",
            "spec.network.serviceCIDR",
            cluster.network.service_cidr,
        ),
    ]
    .into_iter()
    .filter(|(_, _, net)| net.contains(&vip))
    .map(|(which, field, net)| {
        Issue::new(
            field,
            format!(
                "the {which} network {net} contains cluster `{}`'s control-plane VIP {vip} (provider `vsphere`): inside the cluster the VIP would be routed to the CNI or kube-proxy instead of the API servers; choose a {which} network that does not contain the VMs' network",
                cluster.name
            ),
        )
    })
    .collect()
}

impl Provider for Vsphere<'_> {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Vsphere
    }

    fn check(&self, cluster: &ResolvedCluster) -> Vec<Issue> {
        let mut issues = access::vip_only(cluster, "vsphere", "the cluster's kube-vip VIP");
        super::security::check_security(
            &mut issues,
            cluster,
            super::security::ControlPlaneKind::Kubeadm,
            "provider `vsphere`",
        );
        if cluster.network.cni == Cni::Provider {
            issues.push(Issue::new(
                "spec.network.cni",
                "CNI `provider` is not available on provider `vsphere`, which has no network of its own for pods (use cilium or calico)",
            ));
        }
        match self.vip(cluster) {
            Ok(vip) => issues.extend(vip_in_cluster_networks(cluster, vip)),
            Err(issue) => issues.push(issue),
        }
        if let Err(issue) = self.cloud_provider(cluster) {
            issues.push(issue);
        }
        check_sizes(&mut issues, cluster, &size_rules());
        issues
    }

    fn build(&self, cluster: &ResolvedCluster) -> Result<ProviderParts, Issue> {
        let vip = self.vip(cluster)?;
        let (credentials_secret, cpi_tag) = self.cloud_provider(cluster)?;
        let infra_cluster = self.vsphere_cluster(cluster, vip);
        let node_settings = self.node_settings(vip);

        let cp_template = machine_template(
            cluster,
            self.settings,
            &format!("{}-control-plane", cluster.name),
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
                    &capi::machine_deployment_name(cluster, pool),
                    &pool.size,
                    pool.version,
                )
            }),
            workloads: vec![
                cpi::helm_chart_proxy(cluster, self.settings, cpi_tag),
                cpi::credentials_resource_set(cluster, credentials_secret),
            ],
            // Only CAPI objects live in the cluster's namespace: CAPV runs in its own.
            pod_security: PodSecurityLevel::Restricted,
            addons: AddonSettings::default(),
        })
    }
}
