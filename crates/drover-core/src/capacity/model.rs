//! The capacity model: hosts with their effective capacity (overcommit applied) and the VMs each
//! cluster needs, including its rolling-upgrade surge VM.
//!
//! The surge rule mirrors what the KubeVirt provider renders: MachineDeployments roll with
//! `maxSurge: 1, maxUnavailable: 0`; the KubeadmControlPlane rolls with `maxSurge: 1` unless the
//! infrastructure has no more hosts than an HA control plane (3+ replicas) has VMs, in which case
//! it scales in first (`maxSurge: 0`, see [`control_plane_surges`]). drover rolls one group at a
//! time (control plane, then each worker pool), so a cluster needs room for **one** surge VM: as
//! big as its biggest surging VM in every dimension. When the control plane is HA and surges,
//! the surge VM must avoid the hosts of the cluster's control plane (the rendered template's
//! anti-affinity is required), so it is placed under the same anti-affinity.

use std::collections::BTreeMap;

use drover_api::Infrastructure;
use serde::Serialize;

use super::CapacityError;
use crate::quantity::Quantity;
use crate::resolve::{ProviderSpec, ResolvedCluster, ResolvedSize};

/// Millicores per vCPU: CPU is counted in thousandths so fractional overcommit ratios stay exact.
pub const MILLIS_PER_CPU: u64 = 1000;

/// CPU and memory: what a VM asks for, or what a host offers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Resources {
    /// CPU in thousandths of a vCPU.
    pub cpu_millis: u64,
    /// Memory in bytes.
    pub memory_bytes: u64,
}

impl Resources {
    /// `cpu` whole vCPUs and `memory_bytes` of memory.
    pub const fn new(cpu: u64, memory_bytes: u64) -> Self {
        Self {
            cpu_millis: cpu * MILLIS_PER_CPU,
            memory_bytes,
        }
    }

    /// Component-wise sum.
    #[must_use]
    pub fn plus(self, other: Self) -> Self {
        Self {
            cpu_millis: self.cpu_millis.saturating_add(other.cpu_millis),
            memory_bytes: self.memory_bytes.saturating_add(other.memory_bytes),
        }
    }

    /// Component-wise difference, at least zero.
    #[must_use]
    pub fn minus(self, other: Self) -> Self {
        Self {
            cpu_millis: self.cpu_millis.saturating_sub(other.cpu_millis),
            memory_bytes: self.memory_bytes.saturating_sub(other.memory_bytes),
        }
    }

    /// Component-wise maximum.
    #[must_use]
    pub fn max(self, other: Self) -> Self {
        Self {
            cpu_millis: self.cpu_millis.max(other.cpu_millis),
            memory_bytes: self.memory_bytes.max(other.memory_bytes),
        }
    }

    /// Whether both components are at most `other`'s.
    pub fn within(self, other: Self) -> bool {
        self.cpu_millis <= other.cpu_millis && self.memory_bytes <= other.memory_bytes
    }

    /// Whether both components are zero.
    pub fn is_zero(self) -> bool {
        self.cpu_millis == 0 && self.memory_bytes == 0
    }
}

/// One physical host, with its capacity for VMs after overcommit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HostSpec {
    /// Host (node) name.
    pub name: String,
    /// Physical CPU cores.
    pub cores: u32,
    /// Physical memory in bytes.
    pub memory_bytes: u64,
    /// What VMs may use: cores × CPU ratio, memory × memory ratio.
    pub capacity: Resources,
    /// Local storage for VM disks, when the host lists it; `None` when storage is shared (NFS,
    /// Ceph) and VM disks do not count against the host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_bytes: Option<u64>,
    /// The host's labels (reported, not used for placement).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// What a VM is for.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind", content = "pool")]
pub enum VmRole {
    /// A control-plane machine.
    ControlPlane,
    /// A machine of the named worker pool.
    Worker(String),
    /// Room kept free for the one extra machine a rolling update creates.
    Surge,
}

/// One VM a cluster needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VmDemand {
    /// Its role.
    pub role: VmRole,
    /// 1-based number within its group (`md-0 #3`).
    pub ordinal: u32,
    /// CPU and memory.
    pub resources: Resources,
    /// Root disk in bytes (counts only on hosts that list storage).
    pub disk_bytes: u64,
    /// Must not share a host with another anti-affine VM of the same cluster (HA control plane
    /// and its surge VM).
    pub anti_affine: bool,
}

impl VmDemand {
    /// `control-plane-2`, `md-0-3`, `surge`.
    pub fn label(&self) -> String {
        match &self.role {
            VmRole::ControlPlane => format!("control-plane-{}", self.ordinal),
            VmRole::Worker(pool) => format!("{pool}-{}", self.ordinal),
            VmRole::Surge => "surge".to_owned(),
        }
    }

    /// Whether this is a surge reservation rather than a running VM.
    pub fn is_surge(&self) -> bool {
        self.role == VmRole::Surge
    }
}

/// Every VM of one cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterDemand {
    /// Cluster name.
    pub name: String,
    /// Namespace of the claim.
    pub claim_namespace: String,
    /// Environment.
    pub environment: String,
    /// The VMs, control plane first, then each pool, then the surge VM.
    pub vms: Vec<VmDemand>,
}

impl ClusterDemand {
    /// Total CPU and memory, surge included.
    pub fn total(&self) -> Resources {
        self.vms
            .iter()
            .fold(Resources::default(), |sum, vm| sum.plus(vm.resources))
    }
}

/// Overcommit ratios in force (1.0 when the Infrastructure sets none).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Ratios {
    /// vCPU per physical core.
    pub cpu: f64,
    /// Guest memory per byte of physical memory.
    pub memory: f64,
}

/// The hosts of an Infrastructure, or why it has none to plan on.
pub(crate) enum Hosts {
    /// KubeVirt with listed hosts.
    Listed(Vec<HostSpec>, Ratios),
    /// Nothing to plan: the reason.
    NotPlanned(String),
}

/// Reads the hosts and overcommit of `infrastructure`.
pub(crate) fn hosts_of(infrastructure: &Infrastructure) -> Result<Hosts, CapacityError> {
    let name = infrastructure.metadata.name.clone().unwrap_or_default();
    let spec = &infrastructure.spec;
    let Some(kubevirt) = &spec.kubevirt else {
        let provider = spec
            .providers()
            .first()
            .map_or_else(|| "none".to_owned(), ToString::to_string);
        return Ok(Hosts::NotPlanned(format!(
            "not planned (provider `{provider}` places machines itself: cloud or provider-managed)"
        )));
    };
    let listed = kubevirt.hosts.as_deref().unwrap_or_default();
    if listed.is_empty() {
        return Ok(Hosts::NotPlanned(
            "not planned (no hosts listed in spec.kubevirt.hosts)".to_owned(),
        ));
    }
    let ratio = |value: Option<f64>, what: &'static str| -> Result<f64, CapacityError> {
        let ratio = value.unwrap_or(1.0);
        if ratio.is_finite() && (1.0..=16.0).contains(&ratio) {
            Ok(ratio)
        } else {
            Err(CapacityError::Invalid {
                infrastructure: name.clone(),
                field: format!("spec.overcommit.{what}"),
                message: "ratio must be between 1.0 and 16.0".to_owned(),
            })
        }
    };
    let overcommit = spec.overcommit.clone().unwrap_or_default();
    let ratios = Ratios {
        cpu: ratio(overcommit.cpu, "cpu")?,
        memory: ratio(overcommit.memory, "memory")?,
    };
    let mut hosts = Vec::with_capacity(listed.len());
    for (index, host) in listed.iter().enumerate() {
        let quantity = |text: &str, what: &str| {
            Quantity::parse(text).map_err(|message| CapacityError::Invalid {
                infrastructure: name.clone(),
                field: format!("spec.kubevirt.hosts[{index}].{what}"),
                message,
            })
        };
        let memory = quantity(&host.memory, "memory")?.bytes();
        let storage = host
            .storage
            .as_deref()
            .map(|s| quantity(s, "storage").map(|q| q.bytes()))
            .transpose()?;
        hosts.push(HostSpec {
            name: host.name.clone(),
            cores: host.cpu,
            memory_bytes: memory,
            capacity: Resources {
                cpu_millis: scale(u64::from(host.cpu) * MILLIS_PER_CPU, ratios.cpu),
                memory_bytes: scale(memory, ratios.memory),
            },
            storage_bytes: storage,
            labels: host.labels.clone().unwrap_or_default(),
        });
    }
    Ok(Hosts::Listed(hosts, ratios))
}

/// `amount × ratio`, rounded down.
fn scale(amount: u64, ratio: f64) -> u64 {
    let scaled = (amount as f64 * ratio).floor();
    if scaled >= u64::MAX as f64 {
        u64::MAX
    } else {
        scaled as u64
    }
}

/// Whether the control plane of a KubeVirt cluster rolls with a surge VM: the rendered
/// KubeadmControlPlane has `maxSurge: 0` (scale in first) exactly when the infrastructure has
/// no more hosts than control-plane replicas and there are at least 3 replicas.
pub fn control_plane_surges(hosts: usize, replicas: i32) -> bool {
    let replicas_count = usize::try_from(replicas).unwrap_or(0);
    !(hosts <= replicas_count && replicas >= 3)
}

fn size_resources(
    cluster: &ResolvedCluster,
    group: &str,
    size: &ResolvedSize,
) -> Result<(Resources, u64), CapacityError> {
    let incomplete = |what: &str| CapacityError::SizeIncomplete {
        cluster: cluster.name.clone(),
        group: group.to_owned(),
        size: size.name.clone(),
        missing: what.to_owned(),
    };
    let cpu = size.cpu.ok_or_else(|| incomplete("cpu"))?;
    let memory = size.memory.as_ref().ok_or_else(|| incomplete("memory"))?;
    let disk = size.disk.as_ref().map_or(0, Quantity::bytes);
    Ok((Resources::new(u64::from(cpu), memory.bytes()), disk))
}

/// The VMs `cluster` needs on an infrastructure with `host_count` hosts.
pub fn cluster_demand(
    cluster: &ResolvedCluster,
    host_count: usize,
) -> Result<ClusterDemand, CapacityError> {
    let mut vms = Vec::new();
    let mut surge: Option<(Resources, u64)> = None;
    fn widen(surge: &mut Option<(Resources, u64)>, resources: Resources, disk: u64) {
        *surge = Some(match *surge {
            Some((r, d)) => (r.max(resources), d.max(disk)),
            None => (resources, disk),
        });
    }
    let control_plane = &cluster.control_plane;
    let ha = control_plane.replicas > 1;
    if control_plane.replicas > 0 {
        let (resources, disk) = size_resources(cluster, "control plane", &control_plane.size)?;
        for ordinal in 1..=control_plane.replicas.unsigned_abs() {
            vms.push(VmDemand {
                role: VmRole::ControlPlane,
                ordinal,
                resources,
                disk_bytes: disk,
                anti_affine: ha,
            });
        }
        if control_plane_surges(host_count, control_plane.replicas) {
            widen(&mut surge, resources, disk);
        }
    }
    let control_plane_surge = surge.is_some();
    for pool in &cluster.workers {
        if pool.replicas <= 0 {
            continue;
        }
        let (resources, disk) =
            size_resources(cluster, &format!("worker pool {}", pool.name), &pool.size)?;
        for ordinal in 1..=pool.replicas.unsigned_abs() {
            vms.push(VmDemand {
                role: VmRole::Worker(pool.name.clone()),
                ordinal,
                resources,
                disk_bytes: disk,
                anti_affine: false,
            });
        }
        widen(&mut surge, resources, disk);
    }
    if let Some((resources, disk)) = surge {
        vms.push(VmDemand {
            role: VmRole::Surge,
            ordinal: 1,
            resources,
            disk_bytes: disk,
            anti_affine: ha && control_plane_surge,
        });
    }
    Ok(ClusterDemand {
        name: cluster.name.clone(),
        claim_namespace: cluster.claim_namespace.clone(),
        environment: cluster.environment.clone(),
        vms,
    })
}

/// Whether `cluster` is built on KubeVirt (only those take room on listed hosts).
pub(crate) fn is_kubevirt(cluster: &ResolvedCluster) -> bool {
    matches!(cluster.provider, ProviderSpec::Kubevirt(_))
}
