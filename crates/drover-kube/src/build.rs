//! Build stage: the desired state of a valid claim, pure. The same `render_cluster` as
//! `drover render`, plus what only the controller knows: the kubeconfig hash on the workloads that
//! read the kubeconfig, and the Argo CD cluster Secret.

use std::fmt;

use drover_core::render::{Manifest, RenderError, render_cluster};
use drover_core::resolve::ResolvedCluster;
use drover_core::status::Registration;

use crate::registration::{self, KubeconfigError, KubeconfigSecret};

/// Why the desired state could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The renderer refused the cluster (validation should have caught it first).
    #[error("rendering cluster {cluster}: {source}")]
    Render {
        /// The cluster.
        cluster: String,
        /// The renderer's error.
        #[source]
        source: RenderError,
    },
}

/// What to do about the Argo CD registration.
#[derive(Clone, PartialEq)]
pub enum RegistrationPlan {
    /// Registration is disabled for the claim.
    Disabled,
    /// CAPI has not written the kubeconfig yet.
    WaitingForKubeconfig,
    /// The kubeconfig could not be read.
    Invalid(KubeconfigError),
    /// Apply this Secret into Argo CD's namespace.
    Apply {
        /// Argo CD's namespace.
        namespace: String,
        /// The Secret, credentials included.
        secret: Manifest,
    },
}

impl fmt::Debug for RegistrationPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistrationPlan::Disabled => f.write_str("Disabled"),
            RegistrationPlan::WaitingForKubeconfig => f.write_str("WaitingForKubeconfig"),
            RegistrationPlan::Invalid(error) => write!(f, "Invalid({error})"),
            RegistrationPlan::Apply { namespace, secret } => {
                write!(f, "Apply({namespace}/{}, <redacted>)", secret.name())
            }
        }
    }
}

impl RegistrationPlan {
    /// The registration state once this plan is carried out, for the status.
    pub fn outcome(&self) -> Registration {
        match self {
            RegistrationPlan::Disabled => Registration::Disabled,
            RegistrationPlan::WaitingForKubeconfig => Registration::WaitingForKubeconfig,
            RegistrationPlan::Invalid(error) => Registration::Failed {
                message: error.to_string(),
            },
            RegistrationPlan::Apply { namespace, .. } => Registration::Registered {
                namespace: namespace.clone(),
            },
        }
    }
}

/// The desired state of one cluster.
#[derive(Debug)]
pub struct Desired {
    /// The rendered objects, in apply order, kubeconfig hash added.
    pub objects: Vec<Manifest>,
    /// The Argo CD registration.
    pub registration: RegistrationPlan,
}

/// Builds the desired state of `cluster`, given CAPI's kubeconfig when it exists.
pub fn build(
    cluster: &ResolvedCluster,
    kubeconfig: Option<&KubeconfigSecret>,
) -> Result<Desired, BuildError> {
    let rendered = render_cluster(cluster).map_err(|source| BuildError::Render {
        cluster: cluster.name.clone(),
        source,
    })?;
    let mut objects = rendered.objects;
    if let Some(kubeconfig) = kubeconfig {
        registration::annotate_kubeconfig_readers(&mut objects, &cluster.name, &kubeconfig.hash());
    }
    let registration = match (&cluster.argocd, kubeconfig) {
        (None, _) => RegistrationPlan::Disabled,
        (Some(_), None) => RegistrationPlan::WaitingForKubeconfig,
        (Some(argocd), Some(kubeconfig)) => match kubeconfig.credentials() {
            Ok(credentials) => RegistrationPlan::Apply {
                namespace: argocd.namespace.clone(),
                secret: registration::argocd_secret(cluster, argocd, &credentials),
            },
            Err(error) => RegistrationPlan::Invalid(error),
        },
    };
    Ok(Desired {
        objects,
        registration,
    })
}
