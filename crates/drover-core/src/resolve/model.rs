//! The resolved cluster: a claim with every default applied and every reference looked up.
//! This is the only input the renderers and the capacity planner see.

use std::collections::BTreeMap;

use drover_api::ProviderKind;
use drover_api::infrastructure::{
    AwsInfrastructure, AwsMode, AzureInfrastructure, DockerInfrastructure, GcpInfrastructure,
    KubevirtInfrastructure, ProxmoxInfrastructure, VclusterInfrastructure, VsphereInfrastructure,
};
use drover_api::workload_cluster::{Addon, Cni, ExternalAccessType};
use ipnet::IpNet;

use crate::hibernation::HibernationPolicy;
use crate::quantity::Quantity;
use crate::version::KubeVersion;

/// A fully resolved cluster, ready to render.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedCluster {
    /// Cluster name (the claim's `metadata.name`), unique in the fleet.
    pub name: String,
    /// Namespace of the claim.
    pub claim_namespace: String,
    /// Namespace on the management cluster that holds the cluster's CAPI objects.
    pub namespace: String,
    /// Environment name.
    pub environment: String,
    /// Infrastructure name.
    pub infrastructure: String,
    /// The infrastructure's provider block.
    pub provider: ProviderSpec,
    /// The Kubernetes version the claim asks for (pinned, or the environment's). What each part
    /// runs is [`MachineGroup::version`] and [`WorkerGroup::version`]: the same version unless
    /// the controller is moving the cluster towards it one step at a time.
    pub version: KubeVersion,
    /// Control-plane machines.
    pub control_plane: MachineGroup,
    /// True when the claim did not set `spec.controlPlane.replicas` (the environment's default
    /// applies). Providers whose control plane the cloud runs accept that, but refuse an explicit
    /// count.
    pub control_plane_replicas_defaulted: bool,
    /// True when the claim did not set `spec.controlPlane.size`, like
    /// [`ResolvedCluster::control_plane_replicas_defaulted`].
    pub control_plane_size_defaulted: bool,
    /// Worker pools, in claim order.
    pub workers: Vec<WorkerGroup>,
    /// True when the claim listed no worker pools and `workers` holds the environment's default
    /// pool: providers without worker machines (vcluster) accept that, but refuse explicit pools.
    pub workers_defaulted: bool,
    /// Pod and service networks and CNI.
    pub network: Network,
    /// External access chosen by the claim; `None` means the provider's default.
    pub external_access: Option<ExternalAccessType>,
    /// Host name for Ingress access, when given.
    pub external_host: Option<String>,
    /// Add-ons to install, sorted and unique.
    pub addons: Vec<Addon>,
    /// Argo CD registration, unless disabled.
    pub argocd: Option<ArgoCdRegistration>,
    /// Whether the claim is paused.
    pub paused: bool,
    /// When the cluster's worker pools sleep: its schedules and on-demand request.
    pub hibernation: HibernationPolicy,
    /// Whether the worker pools are put to sleep ([`ResolvedCluster::hibernate`]): checks that
    /// hold for creating a cluster (a GKE cluster needs a node to be created) do not apply.
    pub asleep: bool,
    /// The effective security baseline: the environment's, strengthened by the claim's.
    pub security: super::security::ResolvedSecurity,
}

impl ResolvedCluster {
    /// The provider kind.
    pub fn provider_kind(&self) -> ProviderKind {
        self.provider.kind()
    }

    /// Sets the version of each part: the control plane's, and each worker pool's by name
    /// (pools `pool_version` has no answer for keep theirs). Cluster-wide objects (cloud
    /// controllers, a vcluster's distribution) follow the control plane.
    pub fn set_part_versions(
        &mut self,
        control_plane: KubeVersion,
        pool_version: impl Fn(&str) -> Option<KubeVersion>,
    ) {
        self.control_plane.version = control_plane;
        for pool in &mut self.workers {
            if let Some(version) = pool_version(&pool.name) {
                pool.version = version;
            }
        }
    }

    /// Puts the worker pools to sleep: each keeps `floors[i]` replicas (the provider's minimum,
    /// zero for most) or fewer. The claim's replicas are untouched, so waking renders them
    /// again from the claim (and its environment's defaults at that time).
    pub fn hibernate(&mut self, floors: &[i32]) {
        for (pool, floor) in self.workers.iter_mut().zip(floors) {
            pool.replicas = pool.replicas.min(*floor);
        }
        self.asleep = true;
    }
}

/// The provider block of the cluster's Infrastructure (cloned, so a resolved cluster stands alone).
#[derive(Clone, Debug, PartialEq)]
#[allow(missing_docs)]
pub enum ProviderSpec {
    Kubevirt(KubevirtInfrastructure),
    Vcluster(VclusterInfrastructure),
    Docker(DockerInfrastructure),
    Proxmox(ProxmoxInfrastructure),
    Vsphere(VsphereInfrastructure),
    Aws(AwsInfrastructure),
    Azure(AzureInfrastructure),
    Gcp(GcpInfrastructure),
}

impl ProviderSpec {
    /// Whether the cloud runs the control plane (EKS, AKS, GKE): no control-plane machines, so
    /// the control-plane replicas and size of the environment's defaults do not apply.
    pub fn managed_control_plane(&self) -> bool {
        match self {
            Self::Aws(aws) => aws.mode != Some(AwsMode::Kubeadm),
            Self::Azure(_) | Self::Gcp(_) => true,
            _ => false,
        }
    }

    /// The CNI of a claim that names none: the cloud's own network on managed clouds, Cilium
    /// elsewhere.
    pub fn default_cni(&self) -> Cni {
        if self.managed_control_plane() {
            Cni::Provider
        } else {
            Cni::Cilium
        }
    }

    /// Which provider this is.
    pub fn kind(&self) -> ProviderKind {
        match self {
            Self::Kubevirt(_) => ProviderKind::Kubevirt,
            Self::Vcluster(_) => ProviderKind::Vcluster,
            Self::Docker(_) => ProviderKind::Docker,
            Self::Proxmox(_) => ProviderKind::Proxmox,
            Self::Vsphere(_) => ProviderKind::Vsphere,
            Self::Aws(_) => ProviderKind::Aws,
            Self::Azure(_) => ProviderKind::Azure,
            Self::Gcp(_) => ProviderKind::Gcp,
        }
    }

    /// The single provider block of an Infrastructure spec, if exactly one is set.
    pub fn from_spec(spec: &drover_api::InfrastructureSpec) -> Option<Self> {
        let blocks = [
            spec.kubevirt.clone().map(Self::Kubevirt),
            spec.vcluster.clone().map(Self::Vcluster),
            spec.docker.clone().map(Self::Docker),
            spec.proxmox.clone().map(Self::Proxmox),
            spec.vsphere.clone().map(Self::Vsphere),
            spec.aws.clone().map(Self::Aws),
            spec.azure.clone().map(Self::Azure),
            spec.gcp.clone().map(Self::Gcp),
        ];
        let mut set = blocks.into_iter().flatten();
        let first = set.next()?;
        set.next().is_none().then_some(first)
    }
}

/// A machine size with quantities parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedSize {
    /// The size's name in the Infrastructure.
    pub name: String,
    /// Virtual CPUs.
    pub cpu: Option<u32>,
    /// Memory.
    pub memory: Option<Quantity>,
    /// Root disk.
    pub disk: Option<Quantity>,
    /// Cloud instance / machine type.
    pub instance_type: Option<String>,
}

/// The control plane's machines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MachineGroup {
    /// Kubernetes version of the control plane (the cluster's version, unless an upgrade is
    /// moving it step by step).
    pub version: KubeVersion,
    /// Number of machines.
    pub replicas: i32,
    /// Their size.
    pub size: ResolvedSize,
}

/// One worker pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerGroup {
    /// Pool name (`md-0`).
    pub name: String,
    /// Kubernetes version of the pool's nodes (the cluster's version, unless an upgrade is
    /// moving it step by step).
    pub version: KubeVersion,
    /// Number of machines.
    pub replicas: i32,
    /// Their size.
    pub size: ResolvedSize,
    /// Labels for the pool's nodes.
    pub node_labels: BTreeMap<String, String>,
}

/// Cluster networks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Network {
    /// Pod CIDR.
    pub pod_cidr: IpNet,
    /// Service CIDR.
    pub service_cidr: IpNet,
    /// CNI.
    pub cni: Cni,
    /// True when the claim did not set `network.podCIDR` and `pod_cidr` is drover's default:
    /// providers that cannot choose the pod network (vcluster) accept that, but refuse an
    /// explicit one.
    pub pod_cidr_defaulted: bool,
    /// True when the claim did not set `network.serviceCIDR` (see `pod_cidr_defaulted`).
    pub service_cidr_defaulted: bool,
}

/// Where and how the cluster is registered in Argo CD.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArgoCdRegistration {
    /// Argo CD's namespace.
    pub namespace: String,
    /// Labels of the cluster Secret (drover's plus the claim's).
    pub labels: BTreeMap<String, String>,
}
