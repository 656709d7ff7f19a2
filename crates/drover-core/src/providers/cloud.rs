//! Checks shared by the public-cloud providers (AWS, Azure, GCP): a size names the cloud's
//! machine type, a managed control plane has no machines a claim could count or size, the API
//! endpoint is the cloud's, and the managed services ship their own network.

use std::ops::RangeInclusive;

use drover_api::workload_cluster::{Cni, ExternalAccessType};
use ipnet::IpNet;

use super::Issue;
use super::size::{CheckedSizes, SizeField, SizeRules};
use crate::resolve::{ResolvedCluster, ResolvedSize, cni_name};

/// How one cloud names itself and its machine types in messages.
#[derive(Clone, Debug)]
pub struct Cloud {
    /// Provider name as written in an Infrastructure (`aws`).
    pub provider: &'static str,
    /// The service that runs the clusters (`EKS`, `AKS`, `GKE`, `EC2`).
    pub service: &'static str,
    /// What a size's `instanceType` names there (`EC2 instance type`).
    pub machine_type: &'static str,
    /// Root-disk sizes the service accepts, in GiB.
    pub disk_gib: RangeInclusive<u64>,
}

impl Cloud {
    /// `provider `aws` (EKS)`, for messages.
    pub fn label(&self) -> String {
        format!("provider `{}` ({})", self.provider, self.service)
    }

    /// A size must name the machine type; cpu and memory are the machine type's; a disk is the
    /// node's root disk and must fit the service's range. `sizes`: whether the control plane is
    /// the cloud's (workers only) or made of machines too.
    pub fn size_rules(&self, sizes: CheckedSizes) -> SizeRules {
        SizeRules {
            label: self.label(),
            required: &[SizeField::InstanceType],
            required_because: format!("needs an {}", self.machine_type),
            refused: &[SizeField::Cpu, SizeField::Memory],
            refused_because: format!("the {} decides them", self.machine_type),
            min_cpu: 0,
            disk_gib: self.disk_gib.clone(),
            fits_int32: false,
            sizes,
        }
    }

    /// The cloud runs the control plane: a claim may not count or size it. The environment's
    /// defaults are accepted and not rendered.
    pub fn check_managed_control_plane(&self, issues: &mut Vec<Issue>, cluster: &ResolvedCluster) {
        if !cluster.control_plane_replicas_defaulted {
            issues.push(Issue::new(
                "spec.controlPlane.replicas",
                format!(
                    "{} runs the control plane itself (highly available, not counted in machines): remove spec.controlPlane.replicas",
                    self.label()
                ),
            ));
        }
        if !cluster.control_plane_size_defaulted {
            issues.push(Issue::new(
                "spec.controlPlane.size",
                format!(
                    "{} runs the control plane itself (no machines to size): remove spec.controlPlane.size",
                    self.label()
                ),
            ));
        }
    }

    /// The API server is reached through the cloud's endpoint (a load balancer): `LoadBalancer`
    /// (or nothing) is what that is; `Ingress` and `NodePort` are not available, nor a host name.
    pub fn check_external_access(&self, issues: &mut Vec<Issue>, cluster: &ResolvedCluster) {
        if let Some(access @ (ExternalAccessType::Ingress | ExternalAccessType::NodePort)) =
            cluster.external_access
        {
            issues.push(Issue::new(
                "spec.externalAccess.type",
                format!(
                    "`{}` access is not supported by {}: the API server is reached through the cloud's load-balanced endpoint (use LoadBalancer)",
                    access_name(access),
                    self.label()
                ),
            ));
        }
        if cluster.external_host.is_some() {
            issues.push(Issue::new(
                "spec.externalAccess.host",
                format!(
                    "a host name is only used with Ingress access, which {} does not support (the cloud names the endpoint)",
                    self.label()
                ),
            ));
        }
    }

    /// The managed service ships its own network: only `cni: provider` (and the CNIs listed in
    /// `managed`, which the service runs itself) can be honoured.
    pub fn check_managed_cni(
        &self,
        issues: &mut Vec<Issue>,
        cluster: &ResolvedCluster,
        own_network: &str,
        managed: &[Cni],
    ) {
        let cni = cluster.network.cni;
        if cni != Cni::Provider && !managed.contains(&cni) {
            issues.push(Issue::new(
                "spec.network.cni",
                format!(
                    "CNI `{}` is not supported by {}: the service ships its own network ({own_network}); use `provider`",
                    cni_name(cni),
                    self.label()
                ),
            ));
        }
    }
}

/// The wire name of an external-access type.
pub fn access_name(access: ExternalAccessType) -> &'static str {
    match access {
        ExternalAccessType::LoadBalancer => "LoadBalancer",
        ExternalAccessType::Ingress => "Ingress",
        ExternalAccessType::NodePort => "NodePort",
    }
}

/// Issues for each of `networks` (claim field, network) that is not IPv4: the managed clouds'
/// IPv4 clusters take IPv4 ranges only.
pub fn require_ipv4(issues: &mut Vec<Issue>, label: &str, networks: &[(&str, IpNet)]) {
    for (field, net) in networks {
        if matches!(net, IpNet::V6(_)) {
            issues.push(Issue::new(
                *field,
                format!("{net} is an IPv6 range; {label} renders IPv4 clusters only"),
            ));
        }
    }
}

/// Whole GiB of a size's disk, when it has one.
pub fn disk_gib(size: &ResolvedSize) -> Option<u64> {
    size.disk.as_ref().map(|disk| disk.gibibytes())
}
