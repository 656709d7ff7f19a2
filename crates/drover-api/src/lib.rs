//! The drover API, `drover.dev/v1alpha1`: the three kinds a platform team writes.
//!
//! - [`WorkloadCluster`] (namespaced): the claim a team writes.
//! - [`Environment`] (cluster-scoped): policy, defaults and promotion of one stage.
//! - [`Infrastructure`] (cluster-scoped): where and how clusters are built, with sizes.
//!
//! The types are the single source of the CRDs ([`crds`]) and of the fleet-directory format.
//! This crate holds data only: no client, no I/O, no validation beyond the schema.

pub mod conditions;
pub mod environment;
pub mod infrastructure;
pub mod labels;
pub mod workload_cluster;

pub use conditions::{Condition, ConditionStatus, ConditionType, Phase};
pub use environment::{Environment, EnvironmentSpec, EnvironmentStatus};
pub use infrastructure::{Infrastructure, InfrastructureSpec, InfrastructureStatus, ProviderKind};
pub use workload_cluster::{WorkloadCluster, WorkloadClusterSpec, WorkloadClusterStatus};

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::CustomResourceExt;

/// The API group of every drover kind.
pub const GROUP: &str = "drover.dev";
/// The served (and stored) version.
pub const VERSION: &str = "v1alpha1";
/// `apiVersion` of every drover object.
pub const API_VERSION: &str = "drover.dev/v1alpha1";

/// The CRDs of all drover kinds, in a stable order (Infrastructure, Environment, WorkloadCluster).
pub fn crds() -> Vec<CustomResourceDefinition> {
    vec![
        Infrastructure::crd(),
        Environment::crd(),
        WorkloadCluster::crd(),
    ]
}
