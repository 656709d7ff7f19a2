//! Infrastructure providers: one module per CAPI provider, each implementing [`Provider`].
//!
//! A provider turns a [`ResolvedCluster`] into the objects that are specific to its
//! infrastructure (infrastructure cluster, control plane, machine templates, machine pools,
//! extra workloads) and says which claim options it cannot honour. Everything shared (Namespace,
//! Cluster, MachineDeployments, health checks, add-ons, labels, ordering) lives in
//! [`crate::render`], so a provider module holds only what is particular to its provider.

pub mod aws;
pub mod azure;
pub mod cloud;
pub mod gcp;
pub mod kubevirt;

use drover_api::ProviderKind;
use serde_json::Value;

use crate::render::{AddonSettings, PodSecurityLevel, RenderError, TypedRef};
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

/// What a provider contributes to a cluster's object graph.
#[derive(Clone, Debug, Default)]
pub struct ProviderParts {
    /// The object the CAPI Cluster's `infrastructureRef` points at (`None` for providers whose
    /// control plane object is also the infrastructure, which CAPI does not have today).
    pub infrastructure_ref: Option<TypedRef>,
    /// The object the CAPI Cluster's `controlPlaneRef` points at.
    pub control_plane_ref: Option<TypedRef>,
    /// Provider objects, in any order (the engine orders them).
    pub objects: Vec<Value>,
    /// Whether the engine should add CAPI MachineHealthChecks (machine-based providers).
    pub machine_health_checks: bool,
    /// Pod Security level of the cluster's namespace on the management cluster.
    pub pod_security: PodSecurityLevel,
    /// Settings for the add-ons.
    pub addons: AddonSettings,
}

/// One infrastructure provider.
pub trait Provider {
    /// Which provider this is.
    fn kind(&self) -> ProviderKind;

    /// Claim options (and sizes) this provider cannot honour for `cluster`. Empty when it can
    /// render the cluster exactly as claimed.
    fn check(&self, cluster: &ResolvedCluster) -> Vec<Issue>;

    /// The provider's objects for `cluster`. Only called when [`Provider::check`] found nothing.
    fn build(&self, cluster: &ResolvedCluster) -> Result<ProviderParts, RenderError>;
}

/// A provider this version of drover does not render yet; every claim on it is refused at
/// validation with a message saying so, rather than rendering something incomplete.
struct Unsupported(ProviderKind);

impl Provider for Unsupported {
    fn kind(&self) -> ProviderKind {
        self.0
    }

    fn check(&self, _cluster: &ResolvedCluster) -> Vec<Issue> {
        vec![Issue::new(
            "spec.infrastructure",
            format!(
                "rendering for provider `{}` is not available in this drover version",
                self.0
            ),
        )]
    }

    fn build(&self, _cluster: &ResolvedCluster) -> Result<ProviderParts, RenderError> {
        Err(RenderError::Unsupported(self.0))
    }
}

/// The provider for a cluster's infrastructure.
pub fn provider_for(spec: &ProviderSpec) -> Box<dyn Provider + '_> {
    match spec {
        ProviderSpec::Kubevirt(settings) => Box::new(kubevirt::Kubevirt::new(settings)),
        ProviderSpec::Aws(settings) => Box::new(aws::Aws::new(settings)),
        ProviderSpec::Azure(settings) => Box::new(azure::Azure::new(settings)),
        ProviderSpec::Gcp(settings) => Box::new(gcp::Gcp::new(settings)),
        other => Box::new(Unsupported(other.kind())),
    }
}
