//! Infrastructure providers: one module per CAPI provider, each implementing [`Provider`].
//!
//! A provider turns a [`ResolvedCluster`] into the objects that are specific to its
//! infrastructure (infrastructure cluster, control plane, machine templates, machine pools,
//! extra workloads) in named [`parts`] and says which claim options it cannot honour. The object
//! builders they share live in [`crate::objects`]; the render engine ([`crate::render`]) adds
//! the Namespace, Cluster, health checks and add-ons and orders everything, so a provider module
//! holds only what is particular to its provider.

pub mod access;
pub mod aws;
pub mod azure;
pub mod cloud;
pub mod docker;
pub mod gcp;
pub mod kubevirt;
pub mod parts;
pub mod proxmox;
pub mod security;
pub mod size;
pub mod vcluster;
pub mod vm_size;
pub mod vsphere;

use drover_api::ProviderKind;

pub use parts::{AddonSettings, ControlPlanePart, PoolPart, ProviderParts};

use crate::resolve::{ProviderSpec, ResolvedCluster};

/// A claim option the provider cannot honour, pinned to the claim field that asks for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    /// Claim field path (`spec.externalAccess.type`).
    pub field: String,
    /// What is wrong, naming the option and the provider.
    pub message: String,
}

impl Issue {
    /// An issue at `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// One infrastructure provider.
pub trait Provider {
    /// Which provider this is.
    fn kind(&self) -> ProviderKind;

    /// Claim options (and sizes) this provider cannot honour for `cluster`. Empty when it can
    /// render the cluster exactly as claimed.
    fn check(&self, cluster: &ResolvedCluster) -> Vec<Issue>;

    /// The provider's parts for `cluster`. Only called when [`Provider::check`] found nothing;
    /// an error is the issue `check` would have raised.
    fn build(&self, cluster: &ResolvedCluster) -> Result<ProviderParts, Issue>;

    /// How `cluster` hibernates: the replicas each worker pool keeps while it sleeps (in pool
    /// order), or why this provider cannot hibernate a cluster. Default: every pool to zero
    /// (MachineDeployments and managed node pools that allow zero).
    fn hibernation(&self, cluster: &ResolvedCluster) -> Result<Vec<i32>, String> {
        Ok(vec![0; cluster.workers.len()])
    }
}

/// Puts `cluster`'s worker pools to sleep at its provider's floors; `false` (and unchanged) when
/// the provider cannot hibernate.
pub fn hibernate(cluster: &mut ResolvedCluster) -> bool {
    let Ok(floors) = provider_for(&cluster.provider).hibernation(cluster) else {
        return false;
    };
    cluster.hibernate(&floors);
    true
}

/// Everything a provider refuses about `cluster`: [`Provider::check`], and hibernation the claim
/// asks for (its own schedules or `spec.hibernated: true`) on a provider that cannot hibernate.
/// An environment's schedules do not apply to such a cluster, and are not its error.
pub fn check_cluster(cluster: &ResolvedCluster) -> Vec<Issue> {
    let provider = provider_for(&cluster.provider);
    let mut issues = provider.check(cluster);
    if let (Some(field), Err(why)) = (
        cluster.hibernation.claimed_field(),
        provider.hibernation(cluster),
    ) {
        issues.push(Issue::new(
            field,
            format!("hibernation is not possible on {}: {why}", provider.kind()),
        ));
    }
    issues
}

/// The provider for a cluster's infrastructure.
pub fn provider_for(spec: &ProviderSpec) -> Box<dyn Provider + '_> {
    match spec {
        ProviderSpec::Kubevirt(settings) => Box::new(kubevirt::Kubevirt::new(settings)),
        ProviderSpec::Vcluster(settings) => Box::new(vcluster::Vcluster::new(settings)),
        ProviderSpec::Docker(settings) => Box::new(docker::Docker::new(settings)),
        ProviderSpec::Proxmox(settings) => Box::new(proxmox::Proxmox::new(settings)),
        ProviderSpec::Vsphere(settings) => Box::new(vsphere::Vsphere::new(settings)),
        ProviderSpec::Aws(settings) => Box::new(aws::Aws::new(settings)),
        ProviderSpec::Azure(settings) => Box::new(azure::Azure::new(settings)),
        ProviderSpec::Gcp(settings) => Box::new(gcp::Gcp::new(settings)),
    }
}
