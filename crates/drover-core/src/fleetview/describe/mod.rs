//! `drover describe cluster NAME`: one claim and everything below it, as a tree like
//! `clusterctl describe cluster`: claim → CAPI Cluster → infrastructure and control plane →
//! worker pools → Machines, each with its summary condition; plus the Argo CD registration and
//! the environment's promotion state.
//!
//! [`describe`] builds a [`Description`] (serializable for `-o json|yaml`) from the objects the
//! caller read; [`Description::render_text`] writes it for people.

mod render;
mod security;
mod tree;

use drover_api::workload_cluster::ReplicaCounts;
use drover_api::{Environment, WorkloadCluster};
use serde::Serialize;
use serde_json::Value;

use super::clusters::ClusterRow;
use super::environments::EnvironmentRow;
use crate::resolve::DEFAULT_ARGOCD_NAMESPACE;

pub use security::SecuritySetting;
pub use tree::Node;

/// The live CAPI objects of one cluster, as the API server returned them (absent or empty when
/// not there or not readable).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClusterObjects {
    /// The `cluster.x-k8s.io` `Cluster` (same name as the claim, in `<name>-cluster`).
    pub cluster: Option<Value>,
    /// The object `Cluster.spec.infrastructureRef` points at.
    pub infrastructure: Option<Value>,
    /// The object `Cluster.spec.controlPlaneRef` points at.
    pub control_plane: Option<Value>,
    /// The cluster's MachineDeployments.
    pub machine_deployments: Vec<Value>,
    /// The cluster's MachinePools.
    pub machine_pools: Vec<Value>,
    /// The cluster's Machines.
    pub machines: Vec<Value>,
}

/// State of the cluster's Argo CD registration (the cluster Secret's existence; its content is
/// never read).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum RegistrationState {
    /// The claim turns registration off.
    Disabled,
    /// The Secret exists.
    #[serde(rename_all = "camelCase")]
    Registered {
        /// Argo CD's namespace.
        namespace: String,
        /// The Secret's name.
        name: String,
        /// When the Secret was created (RFC 3339).
        #[serde(skip_serializing_if = "Option::is_none")]
        created: Option<String>,
    },
    /// The Secret does not exist (yet).
    #[serde(rename_all = "camelCase")]
    Missing {
        /// Argo CD's namespace.
        namespace: String,
        /// The Secret's name.
        name: String,
    },
    /// The Secret could not be looked at (e.g. no RBAC to read Secrets there).
    #[serde(rename_all = "camelCase")]
    Unknown {
        /// Argo CD's namespace.
        namespace: String,
        /// The Secret's name.
        name: String,
        /// Why.
        reason: String,
    },
}

/// Everything `describe` is computed from.
#[derive(Clone, Copy, Debug)]
pub struct DescribeInput<'a> {
    /// The claim.
    pub claim: &'a WorkloadCluster,
    /// The claim's Environment, when it could be read.
    pub environment: Option<&'a Environment>,
    /// The other claims of the fleet, to count the environment's clusters (may be empty).
    pub fleet: &'a [WorkloadCluster],
    /// The CAPI objects.
    pub objects: &'a ClusterObjects,
    /// The Argo CD registration.
    pub registration: &'a RegistrationState,
    /// What could not be read, one line each (shown at the end).
    pub warnings: &'a [String],
}

/// How much detail the tree shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DescribeOptions {
    /// Show every condition of the claim, not only those that do not hold.
    pub show_all_conditions: bool,
    /// List every Machine; by default more than [`GROUP_MACHINES_ABOVE`] ready Machines of one
    /// owner at one version are shown as one row.
    pub expand_machines: bool,
}

/// Ready Machines of one owner at one version are grouped into one row above this many.
pub const GROUP_MACHINES_ABOVE: usize = 3;

/// The claim at a glance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// The claim's row of `get clusters`.
    #[serde(flatten)]
    pub row: ClusterRow,
    /// Namespace of the CAPI objects on the management cluster.
    pub capi_namespace: String,
}

/// The environment's upgrade and promotion state, as far as its status tells.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Promotion {
    /// The environment's row of `get environments`.
    #[serde(flatten)]
    pub environment: EnvironmentRow,
}

/// What `describe cluster` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Description {
    /// The claim at a glance.
    pub summary: Summary,
    /// The environment's promotion state; `None` when the Environment could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub promotion: Option<Promotion>,
    /// The Argo CD registration.
    pub registration: RegistrationState,
    /// The effective security baseline (environment and claim), setting by setting; absent
    /// when neither sets one or the Environment could not be read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security: Vec<SecuritySetting>,
    /// Claim → Cluster → control plane → pools → Machines.
    pub tree: Node,
    /// What could not be read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Describes the claim in `input`.
pub fn describe(input: &DescribeInput<'_>, options: DescribeOptions) -> Description {
    let row = ClusterRow::of(input.claim);
    let capi_namespace = crate::naming::cluster_namespace(&row.name);
    let fleet: Vec<&WorkloadCluster> = input.fleet.iter().collect();
    Description {
        promotion: input.environment.map(|environment| Promotion {
            environment: EnvironmentRow::of(environment, &fleet),
        }),
        registration: input.registration.clone(),
        security: security::baseline(input.claim, input.environment).unwrap_or_default(),
        tree: tree::claim_node(input.claim, input.objects, options),
        warnings: input.warnings.to_vec(),
        summary: Summary {
            row,
            capi_namespace,
        },
    }
}

/// The namespace of the claim's Argo CD cluster Secret; `None` when the claim turns registration
/// off (as the resolver decides: `spec.gitops.argocd.enabled: false`).
pub fn argocd_namespace(claim: &WorkloadCluster) -> Option<String> {
    let argocd = claim.spec.gitops.as_ref().and_then(|g| g.argocd.as_ref());
    if argocd.and_then(|a| a.enabled) == Some(false) {
        return None;
    }
    Some(
        argocd
            .and_then(|a| a.namespace.clone())
            .unwrap_or_else(|| DEFAULT_ARGOCD_NAMESPACE.to_owned()),
    )
}

/// Ready / desired from a CAPI object's `status.readyReplicas` and `spec.replicas`; `None` when
/// the object has no `spec.replicas` (managed control planes).
pub(crate) fn replica_counts(object: &Value) -> Option<ReplicaCounts> {
    let desired = object["spec"]["replicas"].as_i64()?;
    let ready = object["status"]["readyReplicas"].as_i64().unwrap_or(0);
    Some(ReplicaCounts {
        ready: i32::try_from(ready).unwrap_or(i32::MAX),
        desired: i32::try_from(desired).unwrap_or(i32::MAX),
    })
}
