//! Provider blocks for infrastructure the platform team runs itself: KubeVirt on bare metal,
//! vcluster, Docker (CAPI's development provider), Proxmox + Talos and vSphere.

use std::collections::BTreeMap;

use kube::KubeSchema;
use serde::{Deserialize, Serialize};

/// KubeVirt VMs in the management cluster, built by the KubeVirt CAPI provider (CAPK).
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct KubevirtInfrastructure {
    /// StorageClass of the VMs' boot volumes (must support ReadWriteMany for live migration).
    #[schemars(length(min = 1))]
    pub storage_class: String,
    /// Container-disk image of the node OS; `{{version}}` is replaced by the cluster's
    /// Kubernetes version (e.g. `quay.io/capk/ubuntu-2404-container-disk:{{version}}`).
    #[schemars(length(min = 1))]
    pub node_image: String,
    /// Live-migratable VMs: ReadWriteMany volumes, `evictionStrategy: LiveMigrate` and the
    /// pod-bridge live-migration annotation. Default false. Needs
    /// `managementNetwork.keepsPodIPOnMigration: true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_migration: Option<bool>,
    /// The management cluster's own networks, where the VMs live: claims' pod and service
    /// networks must not overlap them, and live migration needs a CNI that keeps pod IPs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub management_network: Option<ManagementNetwork>,
    /// Service type of the control-plane endpoint when a claim does not choose (default
    /// `LoadBalancer`, which MetalLB answers with a VIP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_plane_service: Option<ServiceType>,
    /// KubeVirt cloud controller (KCCM) image, pinned (default
    /// `quay.io/kubevirt/kubevirt-cloud-controller-manager:v0.5.1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_controller_image: Option<String>,
    /// How CAPK decides a VM finished bootstrapping (default `ssh`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bootstrap_check: Option<BootstrapCheck>,
    /// Physical hosts of the management cluster; when listed, drover plans capacity on them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosts: Option<Vec<Host>>,
}

/// The management cluster's networks, as far as the VMs' clusters depend on them.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ManagementNetwork {
    /// The management cluster's pod network (CIDR): the VMs take their addresses from it.
    #[serde(default, rename = "podCIDR", skip_serializing_if = "Option::is_none")]
    pub pod_cidr: Option<String>,
    /// The management cluster's service network (CIDR): a `ClusterIP` control-plane endpoint
    /// takes its address from it.
    #[serde(
        default,
        rename = "serviceCIDR",
        skip_serializing_if = "Option::is_none"
    )]
    pub service_cidr: Option<String>,
    /// The management CNI keeps a pod's IP across a KubeVirt live migration (Kube-OVN,
    /// OVN-Kubernetes with its live-migration support). Without it a migrated node loses its
    /// network, so `liveMigration: true` requires it. Default false.
    #[serde(
        default,
        rename = "keepsPodIPOnMigration",
        skip_serializing_if = "Option::is_none"
    )]
    pub keeps_pod_ip_on_migration: Option<bool>,
}

/// Kubernetes Service types usable for a control-plane endpoint.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, schemars::JsonSchema)]
#[schemars(transform = crate::schema::field_describes_enum)]
pub enum ServiceType {
    /// A load balancer (MetalLB on bare metal) gives the endpoint its own address.
    LoadBalancer,
    /// A port on every node of the management cluster.
    NodePort,
    /// Reachable only inside the management cluster.
    ClusterIP,
}

/// CAPK's VM bootstrap check strategy.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(transform = crate::schema::field_describes_enum)]
pub enum BootstrapCheck {
    /// CAPK logs in over SSH and checks cloud-init finished.
    Ssh,
    /// No check: the machine counts as bootstrapped once the VM runs.
    None,
}

/// A physical host available to VMs.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct Host {
    /// Host (node) name.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Physical CPU cores available to VMs.
    #[schemars(range(min = 1, max = 65536), extend("format" = "int32"))]
    pub cpu: u32,
    /// Memory available to VMs (quantity, `128Gi`).
    #[schemars(regex(pattern = r"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$"))]
    pub memory: String,
    /// Local storage for VM disks (quantity); omitted when storage is shared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$"))]
    pub storage: Option<String>,
    /// Node labels of the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
}

/// Virtual clusters in the management cluster (loft-sh cluster-api-provider-vcluster).
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct VclusterInfrastructure {
    /// vcluster Helm chart version, 0.20 or later (the `vcluster.yaml` values format drover
    /// writes), e.g. `0.24.1`; a leading `v` is accepted, as the provider strips it.
    #[schemars(regex(pattern = r"^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$"))]
    pub chart_version: String,
    /// Helm repository of the chart (default `https://charts.loft.sh`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart_repo: Option<String>,
    /// Name of the chart in the repository (default `vcluster`, the one chart for every
    /// distribution since vcluster 0.20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub chart_name: Option<String>,
    /// StorageClass of the virtual control plane's data volumes (its own volume, or etcd's in HA
    /// control planes); omitted means the management cluster's default class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
    /// Ingress settings for claims with `externalAccess.type: Ingress`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress: Option<IngressSettings>,
    /// Render a Prometheus ServiceMonitor for each virtual control plane (default false); needs
    /// the Prometheus operator's `monitoring.coreos.com/v1` CRDs on the management cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_monitor: Option<bool>,
}

/// Ingress-based access to API servers.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct IngressSettings {
    /// IngressClass to use (its controller must support TLS passthrough).
    #[schemars(length(min = 1))]
    pub class_name: String,
    /// Domain under which clusters get `<cluster>.<domain>`.
    #[schemars(length(min = 1))]
    pub domain: String,
}

/// CAPI's development provider (CAPD, `clusterctl init --infrastructure docker`): `DevCluster`
/// and `DevMachineTemplate` with a `docker` or an `inMemory` backend. For test clusters only.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct DockerInfrastructure {
    /// What the machines are (default `docker`): `kindest/node` containers on the management
    /// cluster's Docker host, or machines simulated in memory by the CAPD controller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend: Option<DevBackend>,
    /// Node image of the `docker` backend; `{{version}}` is replaced by the Kubernetes version.
    /// Default: the `kindest/node` image kind published for that version, pinned by digest (a
    /// version without one is refused). Not allowed with the `inMemory` backend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_image: Option<String>,
}

/// Backend of CAPI's development provider (the `spec.backend` of `DevCluster` and `DevMachine`).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = crate::schema::field_describes_enum)]
pub enum DevBackend {
    /// Every node is a `kindest/node` container on the management cluster's Docker host, behind
    /// an HAProxy container: real, conformant clusters, tens of nodes per host.
    Docker,
    /// Machines, nodes, etcd and a fake API server simulated inside the CAPD controller (what
    /// CAPI's scale tests use): CAPI provisions the cluster end to end, nothing can run in it,
    /// thousands of machines per management cluster.
    InMemory,
}

/// Proxmox VE VMs (CAPMOX) running Talos Linux (Talos bootstrap and control-plane providers).
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ProxmoxInfrastructure {
    /// Proxmox nodes VMs may be placed on.
    #[schemars(length(min = 1))]
    pub allowed_nodes: Vec<String>,
    /// Proxmox node holding the VM template to clone.
    #[schemars(length(min = 1))]
    pub source_node: String,
    /// VM ID of the Talos template to clone (a Talos `nocloud` disk image imported as a template,
    /// ideally with the `qemu-guest-agent` extension).
    #[schemars(range(min = 100, max = 999_999_999))]
    pub template_id: i32,
    /// Bridge of the VMs' default network device (e.g. `vmbr0`).
    #[schemars(length(min = 1))]
    pub bridge: String,
    /// Pool of node IP addresses (CAPMOX in-cluster IPAM). CAPMOX gives every cluster its own
    /// pool built from these addresses, so on an infrastructure shared by several clusters give
    /// each cluster its own range in `nodeAddresses`.
    pub ip_pool: IpPool,
    /// Node address ranges of each cluster, keyed by cluster name, replacing `ipPool.addresses`
    /// for that cluster (same prefix and gateway). When set, every cluster on this
    /// infrastructure must have an entry; ranges of different clusters must not overlap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_addresses: Option<BTreeMap<String, Vec<String>>>,
    /// DNS servers of the nodes.
    #[schemars(length(min = 1))]
    pub dns_servers: Vec<String>,
    /// Talos Linux version of the nodes (e.g. `v1.9.5`); the machine configuration is generated
    /// for it.
    #[schemars(regex(pattern = r"^v[0-9]+\.[0-9]+(\.[0-9]+)?$"))]
    pub talos_version: String,
    /// Let Cilium replace kube-proxy (default true): Talos then runs no kube-proxy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kube_proxy_replacement: Option<bool>,
    /// Proxmox storage for the VMs' disks (full clones; default: the template's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<String>,
    /// Proxmox disk device of the template's boot disk, resized to the size's `disk`
    /// (default `scsi0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^(scsi|sata|ide|virtio)[0-9]+$"))]
    pub boot_disk: Option<String>,
    /// Disk Talos installs to, as the guest sees the boot disk (default `/dev/sda`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^/dev/[a-z0-9/]+$"))]
    pub install_disk: Option<String>,
    /// Manifest URL of the Talos cloud controller manager that Talos applies at bootstrap; it
    /// sets each Node's `providerID` from the CAPMOX metadata, without which CAPI never matches
    /// Nodes to Machines. Pin a release (default: talos-cloud-controller-manager v1.9.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^https://"))]
    pub cloud_controller_manifest: Option<String>,
    /// Name of the Secret with the Proxmox API credentials, referenced by each ProxmoxCluster
    /// (default: the CAPMOX controller's own credentials). The Secret must exist in every
    /// cluster's own namespace on the management cluster (`<cluster>-cluster`): CAPMOX puts an
    /// owner reference and a finalizer on it, and an owner in another namespace counts as absent
    /// to the garbage collector, which would delete a shared Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub credentials_secret: Option<String>,
    /// Not supported any more: must be unset (the Secret is read from each cluster's own
    /// namespace; see `credentialsSecret`). Kept so an Infrastructure that sets it is refused with
    /// the reason instead of being silently changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub credentials_secret_namespace: Option<String>,
    /// Control-plane VIP of each cluster on this infrastructure, keyed by cluster name. Talos
    /// announces it from the control-plane nodes: an IPv4 address in the nodes' subnet, outside
    /// the node address pool.
    pub control_plane_endpoints: BTreeMap<String, String>,
}

/// A range of IPv4 addresses for nodes.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct IpPool {
    /// Addresses or ranges (`10.0.0.10-10.0.0.50`, `10.0.1.0/25`).
    #[schemars(length(min = 1))]
    pub addresses: Vec<String>,
    /// Network prefix length.
    #[schemars(range(min = 1, max = 32))]
    pub prefix: i32,
    /// Default gateway.
    #[schemars(length(min = 1))]
    pub gateway: String,
}

/// A fixed control-plane endpoint.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ControlPlaneEndpoint {
    /// IP address or DNS name.
    pub host: String,
    /// Port (default 6443).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
}

/// vSphere VMs with kubeadm (CAPV), the API endpoint held by kube-vip.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct VsphereInfrastructure {
    /// vCenter server address.
    #[schemars(length(min = 1))]
    pub server: String,
    /// TLS thumbprint (colon-separated SHA-1) of vCenter's certificate, pinned by CAPV for the
    /// cluster and its VMs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub thumbprint: Option<String>,
    /// Datacenter.
    #[schemars(length(min = 1))]
    pub datacenter: String,
    /// Datastore of the VMs' disks.
    #[schemars(length(min = 1))]
    pub datastore: String,
    /// Port group / network of the VMs (addresses by DHCP).
    #[schemars(length(min = 1))]
    pub network: String,
    /// VM template to clone; `{{version}}` is replaced by the Kubernetes version.
    #[schemars(length(min = 1))]
    pub template: String,
    /// Resource pool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub resource_pool: Option<String>,
    /// VM folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub folder: Option<String>,
    /// Name of the VSphereClusterIdentity (cluster-scoped) holding the credentials; it must
    /// allow the clusters' namespaces. Default: the CAPV controller's own credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub identity: Option<String>,
    /// The vSphere cloud provider (CPI) drover installs into every cluster: it initialises the
    /// Nodes and sets their `providerID`, without which no Machine becomes Running. Must be set:
    /// `drover validate` refuses clusters on a vSphere Infrastructure without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_provider: Option<VsphereCloudProvider>,
    /// Control-plane VIP (held by kube-vip) of each cluster on this infrastructure, keyed by
    /// cluster name: an IP address on the VMs' network outside its DHCP range.
    pub control_plane_endpoints: BTreeMap<String, String>,
    /// kube-vip image (default `ghcr.io/kube-vip/kube-vip:v0.8.9`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kube_vip_image: Option<String>,
    /// SSH public keys authorised for the node user `capv`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_authorized_keys: Option<Vec<String>>,
}

/// How the vSphere cloud provider (CPI) of each cluster reaches vCenter.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct VsphereCloudProvider {
    /// Name of the Secret, in every cluster's own namespace on the management cluster
    /// (`<cluster>-cluster`), that a ClusterResourceSet copies into the workload cluster: of type
    /// `addons.cluster.x-k8s.io/resource-set`, its key `data` holding the manifest of the Secret
    /// `cloud-provider-vsphere-credentials` in `kube-system` with the keys `<server>.username` and
    /// `<server>.password` (a vCenter user allowed to read the VMs). drover never reads it.
    #[schemars(length(min = 1, max = 253))]
    pub credentials_secret: String,
}
