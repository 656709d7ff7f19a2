//! `drover kubeconfig NAME`: the workload cluster's kubeconfig, from the Secret CAPI writes
//! (`<name>-kubeconfig`, key `value`, in the cluster namespace `<name>-cluster`).
//!
//! Reading it needs RBAC to `get` Secrets in that namespace; a refusal says exactly that. When
//! the Secret does not exist the claim is looked up to say why: no such cluster, or not
//! provisioned yet (with its phase). The kubeconfig's `Debug` is redacted.

use std::fmt;

use drover_core::fleetview::phase_name;
use drover_core::naming::cluster_namespace;
use k8s_openapi::api::core::v1::Secret;
use kube::{Api, Client};

use super::FleetError;
use super::claims::find_claim;
use crate::registration::{KUBECONFIG_KEY, kubeconfig_secret_name};

/// A workload cluster's kubeconfig (admin credentials). `Debug` shows only its size.
#[derive(Clone, PartialEq, Eq)]
pub struct WorkloadKubeconfig(Vec<u8>);

impl WorkloadKubeconfig {
    /// The kubeconfig file's content.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for WorkloadKubeconfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WorkloadKubeconfig(<{} bytes redacted>)", self.0.len())
    }
}

/// The kubeconfig could not be read.
#[derive(Debug, thiserror::Error)]
pub enum KubeconfigReadError {
    /// RBAC refused reading the Secret.
    #[error(
        "not allowed to read Secret {namespace}/{name}: reading a cluster's kubeconfig needs `get` on secrets in namespace {namespace} ({message})"
    )]
    Forbidden {
        /// The cluster namespace.
        namespace: String,
        /// The Secret.
        name: String,
        /// The API server's message.
        message: String,
    },
    /// The Secret does not exist and the claim does (or could not be looked up).
    #[error("Secret {namespace}/{name} does not exist: {why}")]
    NotProvisioned {
        /// The cluster namespace.
        namespace: String,
        /// The Secret.
        name: String,
        /// Why, as far as the claim tells.
        why: String,
    },
    /// Neither the Secret nor a claim of that name exists.
    #[error("no cluster named `{0}`: no kubeconfig Secret and no WorkloadCluster of that name")]
    NoSuchCluster(String),
    /// The Secret has no `value`.
    #[error(
        "Secret {namespace}/{name} has no `{KUBECONFIG_KEY}` key: it is not a CAPI kubeconfig Secret"
    )]
    MissingKey {
        /// The cluster namespace.
        namespace: String,
        /// The Secret.
        name: String,
    },
    /// Any other API error.
    #[error("reading Secret {namespace}/{name}: {error}")]
    Api {
        /// The cluster namespace.
        namespace: String,
        /// The Secret.
        name: String,
        /// The error (in the message, not `source()`: see [`FleetError::Api`]).
        error: kube::Error,
    },
}

/// Reads the kubeconfig of cluster `cluster`. `claim_namespace` (when given) narrows the claim
/// lookup that explains a missing Secret.
pub async fn read_kubeconfig(
    client: &Client,
    cluster: &str,
    claim_namespace: Option<&str>,
) -> Result<WorkloadKubeconfig, KubeconfigReadError> {
    let namespace = cluster_namespace(cluster);
    let name = kubeconfig_secret_name(cluster);
    let api: Api<Secret> = Api::namespaced(client.clone(), &namespace);
    let secret = match api.get_opt(&name).await {
        Ok(secret) => secret,
        // kube's `get_opt` takes only a `NotFound` Status for absence; a bare 404 is one too.
        Err(kube::Error::Api(status)) if status.code == 404 => None,
        Err(kube::Error::Api(status)) if status.is_forbidden() => {
            return Err(KubeconfigReadError::Forbidden {
                namespace,
                name,
                message: status.message.clone(),
            });
        }
        Err(error) => {
            return Err(KubeconfigReadError::Api {
                namespace,
                name,
                error,
            });
        }
    };
    let Some(secret) = secret else {
        let why = match find_claim(client, cluster, claim_namespace).await {
            Ok(claim) => {
                let phase = claim
                    .status
                    .as_ref()
                    .and_then(|s| s.phase)
                    .map_or("not reconciled yet", phase_name);
                format!("the cluster is not provisioned yet (WorkloadCluster phase: {phase})")
            }
            Err(FleetError::ClaimNotFound { .. }) => {
                return Err(KubeconfigReadError::NoSuchCluster(cluster.to_owned()));
            }
            Err(error) => {
                format!("CAPI has not written it (and the claim could not be read: {error})")
            }
        };
        return Err(KubeconfigReadError::NotProvisioned {
            namespace,
            name,
            why,
        });
    };
    secret
        .data
        .and_then(|mut data| data.remove(KUBECONFIG_KEY))
        .map(|value| WorkloadKubeconfig(value.0))
        .ok_or(KubeconfigReadError::MissingKey { namespace, name })
}
