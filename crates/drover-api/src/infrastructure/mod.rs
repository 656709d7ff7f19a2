//! `Infrastructure`: where and how clusters are built: one provider block plus named sizes.

mod clouds;
mod onprem;

use std::collections::BTreeMap;

use kube::{CustomResource, KubeSchema};
use serde::{Deserialize, Serialize};

pub use clouds::{
    AwsImageLookup, AwsInfrastructure, AwsMode, AzureInfrastructure, GcpInfrastructure,
    GkeReleaseChannel, IdentityRef,
};
pub use onprem::{
    BootstrapCheck, ControlPlaneEndpoint, DevBackend, DockerInfrastructure, Host, IngressSettings,
    IpPool, KubevirtInfrastructure, ManagementNetwork, ProxmoxInfrastructure, ServiceType,
    VclusterInfrastructure, VsphereCloudProvider, VsphereInfrastructure,
};

/// A place clusters are built: exactly one provider block, plus the sizes claims may ask for.
#[derive(CustomResource, KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[kube(
    group = "drover.dev",
    version = "v1alpha1",
    kind = "Infrastructure",
    doc = "A place clusters are built: exactly one provider block (kubevirt, vcluster, docker, proxmox, vsphere, aws, azure or gcp) saying how, plus the named machine sizes WorkloadClusters may ask for.",
    status = "InfrastructureStatus",
    shortname = "dinfra",
    category = "drover",
    printcolumn(name = "Sizes", type_ = "string", json_path = ".status.sizes"),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[x_kube(validation = exactly_one_provider_rule())]
#[serde(rename_all = "camelCase")]
pub struct InfrastructureSpec {
    /// KubeVirt VMs on a bare-metal management cluster (CAPK).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubevirt: Option<KubevirtInfrastructure>,
    /// Virtual clusters inside the management cluster (cluster-api-provider-vcluster).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vcluster: Option<VclusterInfrastructure>,
    /// CAPI's development provider (CAPD `Dev*` kinds): Docker containers as nodes, or machines
    /// simulated in memory, for tests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker: Option<DockerInfrastructure>,
    /// Proxmox VE VMs running Talos Linux (CAPMOX + Talos providers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxmox: Option<ProxmoxInfrastructure>,
    /// vSphere VMs with kubeadm and kube-vip (CAPV).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vsphere: Option<VsphereInfrastructure>,
    /// Amazon Web Services: EKS (default) or self-managed kubeadm (CAPA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws: Option<AwsInfrastructure>,
    /// Microsoft Azure: AKS through the ASO-based managed kinds (CAPZ).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azure: Option<AzureInfrastructure>,
    /// Google Cloud: GKE (CAPG).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gcp: Option<GcpInfrastructure>,

    /// Named machine sizes claims may ask for. What a size means depends on the provider: CPU,
    /// memory and disk for VMs (KubeVirt, Proxmox, vSphere); an instance or machine type on clouds.
    #[serde(default)]
    pub sizes: BTreeMap<String, Size>,

    /// Overcommit ratios used by capacity planning when hosts are listed (default 1.0: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overcommit: Option<Overcommit>,
}

/// One machine size.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct Size {
    /// Virtual CPU cores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 1024), extend("format" = "int32"))]
    pub cpu: Option<u32>,
    /// Memory, as a Kubernetes quantity (`32Gi`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$"))]
    pub memory: Option<String>,
    /// Root disk, as a Kubernetes quantity (`100Gi`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$"))]
    pub disk: Option<String>,
    /// Cloud machine type: AWS instance type (`m6i.xlarge`), Azure VM size (`Standard_D4s_v5`),
    /// GCP machine type (`e2-standard-4`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_type: Option<String>,
}

/// Overcommit ratios (virtual / physical) for capacity planning.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct Overcommit {
    /// vCPU per physical core (e.g. 2.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<f64>,
    /// Guest memory per physical memory (e.g. 1.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<f64>,
}

/// The provider an Infrastructure uses.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum ProviderKind {
    Kubevirt,
    Vcluster,
    Docker,
    Proxmox,
    Vsphere,
    Aws,
    Azure,
    Gcp,
}

impl ProviderKind {
    /// All providers, in documentation order.
    pub const ALL: [ProviderKind; 8] = [
        Self::Kubevirt,
        Self::Vcluster,
        Self::Docker,
        Self::Proxmox,
        Self::Vsphere,
        Self::Aws,
        Self::Azure,
        Self::Gcp,
    ];

    /// The block's field name in `Infrastructure.spec`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kubevirt => "kubevirt",
            Self::Vcluster => "vcluster",
            Self::Docker => "docker",
            Self::Proxmox => "proxmox",
            Self::Vsphere => "vsphere",
            Self::Aws => "aws",
            Self::Azure => "azure",
            Self::Gcp => "gcp",
        }
    }
}

impl std::fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl InfrastructureSpec {
    /// The provider blocks that are set (exactly one in a valid Infrastructure).
    pub fn providers(&self) -> Vec<ProviderKind> {
        let set = [
            self.kubevirt.is_some(),
            self.vcluster.is_some(),
            self.docker.is_some(),
            self.proxmox.is_some(),
            self.vsphere.is_some(),
            self.aws.is_some(),
            self.azure.is_some(),
            self.gcp.is_some(),
        ];
        ProviderKind::ALL
            .into_iter()
            .zip(set)
            .filter_map(|(kind, is_set)| is_set.then_some(kind))
            .collect()
    }
}

/// The CEL rule on `Infrastructure.spec`: exactly one of the [`ProviderKind::ALL`] blocks is set.
fn exactly_one_provider_rule() -> kube::core::Rule {
    let names = ProviderKind::ALL.map(ProviderKind::as_str);
    let has: Vec<String> = names
        .iter()
        .map(|name| format!("has(self.{name})"))
        .collect();
    kube::core::Rule::new(format!("[{}].exists_one(set, set)", has.join(", "))).message(
        kube::core::Message::Message(format!(
            "exactly one provider block ({}) must be set",
            names.join(", ")
        )),
    )
}

/// Observed state of an Infrastructure.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct InfrastructureStatus {
    /// Comma-separated size names, for `kubectl get`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sizes: Option<String>,
    /// Clusters built on this infrastructure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clusters: Option<i32>,
}
