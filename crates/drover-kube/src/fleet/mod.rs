//! Reading the fleet for people: what `drover get`, `describe`, `wait` and `kubeconfig` fetch
//! from a management cluster; the presentation is `drover_core::fleetview`. Read-only, except
//! [`hibernate`]: the break-glass `drover hibernate` / `drover wake`.
//!
//! - [`connect`]: a client from a kubeconfig file and context (or in-cluster config);
//! - [`claims`]: WorkloadClusters across namespaces (label selectors, pagination) and
//!   Environments, and finding one claim by its fleet-wide unique name;
//! - [`details`]: what `describe` shows beyond the claim: the CAPI objects, the Argo CD Secret's
//!   existence (its metadata only: credentials are never fetched) and the Environment;
//! - [`kubeconfig`]: the workload cluster's kubeconfig from CAPI's Secret;
//! - [`wait`]: following a claim with a watcher until it is Ready or gone;
//! - [`hibernate`]: setting `spec.hibernated` on one claim.
//!
//! Errors say what was being read and, for RBAC refusals, what permission is missing.

pub mod claims;
pub mod connect;
pub mod details;
pub mod hibernate;
pub mod kubeconfig;
pub mod wait;

use std::fmt;

use kube::api::{Api, ListParams};
use serde::de::DeserializeOwned;

pub use claims::{find_claim, get_environment, list_claims, list_environments};
pub use connect::{ConnectError, ConnectOptions, connect};
pub use details::{ClusterDetails, cluster_details};
pub use hibernate::{CLI_FIELD_MANAGER, request_hibernation};
pub use kubeconfig::{KubeconfigReadError, WorkloadKubeconfig, read_kubeconfig};
pub use wait::{WaitError, WaitOutcome, wait_for, watch_claim};

/// Page size of list requests (kubectl's default chunk size).
pub const DEFAULT_PAGE_SIZE: u32 = 500;

/// Which namespaces to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every namespace.
    All,
    /// One namespace.
    Namespace(String),
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::All => f.write_str("in all namespaces"),
            Self::Namespace(namespace) => write!(f, "in namespace {namespace}"),
        }
    }
}

/// Reading the fleet failed.
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    /// The API server does not serve the resource: its CRD is not installed.
    #[error(
        "the API server does not serve {resource}: is this a management cluster with drover's CRDs installed (`drover crds | kubectl apply -f -`)?"
    )]
    NotServed {
        /// `workloadclusters.drover.dev` and alike.
        resource: String,
    },
    /// RBAC refused the request.
    #[error("not allowed to {action} ({message})")]
    Forbidden {
        /// What was refused, e.g. `list WorkloadClusters in all namespaces`.
        action: String,
        /// The API server's message.
        message: String,
    },
    /// No claim has the name.
    #[error("no WorkloadCluster named `{name}` {scope}")]
    ClaimNotFound {
        /// The name looked for.
        name: String,
        /// Where it was looked for.
        scope: Scope,
    },
    /// Claims of the same name exist in several namespaces.
    #[error(
        "WorkloadClusters named `{name}` exist in namespaces {}: choose one with -n",
        namespaces.join(", ")
    )]
    Ambiguous {
        /// The name.
        name: String,
        /// Where it exists.
        namespaces: Vec<String>,
    },
    /// Another field manager owns a field the command sets.
    #[error(
        "{action}: {message}. The field is managed by another tool (a GitOps sync?): commit the change to the fleet repository, or take the field over with --force"
    )]
    Conflict {
        /// What was being done.
        action: String,
        /// The API server's message (it names the other manager).
        message: String,
    },
    /// Any other API error.
    #[error("{action}: {error}")]
    Api {
        /// What was being done.
        action: String,
        /// The error (shown in the message rather than as `source()`: kube's messages already
        /// carry their causes, and `{:#}` would print them twice).
        error: kube::Error,
    },
}

impl FleetError {
    /// Classifies `error` from doing `action` on `resource` (`plural.group`).
    pub fn from_kube(action: impl Into<String>, resource: &str, error: kube::Error) -> Self {
        let action = action.into();
        match &error {
            kube::Error::Api(status) if status.is_forbidden() => Self::Forbidden {
                action,
                message: status.message.clone(),
            },
            kube::Error::Api(status) if is_unserved(status) => Self::NotServed {
                resource: resource.to_owned(),
            },
            _ => Self::Api { action, error },
        }
    }

    /// Whether RBAC refused the request.
    pub fn is_forbidden(&self) -> bool {
        matches!(self, Self::Forbidden { .. })
    }
}

/// A 404 for a resource rather than for an object: the API server answers an unknown path with a
/// plain-text body, which kube turns into a Status without the `NotFound` reason.
pub(crate) fn is_unserved(status: &kube::core::Status) -> bool {
    status.code == 404 && status.reason != "NotFound"
}

/// How often a list is restarted when its continue token expires (410 Gone) mid-way.
const LIST_RESTARTS: usize = 3;

/// Lists everything `api` returns for `selector` (label selector) and `fields` (field
/// selector), page by page; restarts from the first page when a continue token has expired.
pub(crate) async fn list_all<K>(
    api: &Api<K>,
    selector: Option<&str>,
    fields: Option<&str>,
    page_size: u32,
) -> Result<Vec<K>, kube::Error>
where
    K: Clone + DeserializeOwned + fmt::Debug,
{
    let mut first = ListParams::default().limit(page_size.max(1));
    if let Some(selector) = selector.filter(|s| !s.is_empty()) {
        first = first.labels(selector);
    }
    if let Some(fields) = fields {
        first = first.fields(fields);
    }
    let mut restarts = 0;
    'restart: loop {
        let mut params = first.clone();
        let mut items = Vec::new();
        loop {
            let page = match api.list(&params).await {
                Ok(page) => page,
                Err(kube::Error::Api(status))
                    if status.code == 410 && params.continue_token.is_some() =>
                {
                    restarts += 1;
                    if restarts > LIST_RESTARTS {
                        return Err(kube::Error::Api(status));
                    }
                    continue 'restart;
                }
                Err(error) => return Err(error),
            };
            items.extend(page.items);
            match page.metadata.continue_.filter(|token| !token.is_empty()) {
                Some(token) => params = params.continue_token(&token),
                None => return Ok(items),
            }
        }
    }
}
