//! The drover API, `drover.dev/v1alpha1`: the three kinds a platform team writes.
//!
//! - [`WorkloadCluster`] (namespaced): the claim a team writes.
//! - [`Environment`] (cluster-scoped): policy, defaults and promotion of one stage.
//! - [`Infrastructure`] (cluster-scoped): where and how clusters are built, with sizes.
//!
//! The types are the single source of the CRDs ([`crds`], printed by `drover crds` through
//! [`crds_yaml`] and [`crds_json`]), of the API reference ([`reference_markdown`], checked in as
//! `docs/api.md`) and of the fleet-directory format.
//! This crate holds data only: no client, no I/O, no validation beyond the schema.

pub mod conditions;
mod crds;
pub mod environment;
pub mod hibernation;
pub mod infrastructure;
pub mod labels;
mod reference;
mod schema;
pub mod security;
pub mod workload_cluster;

pub use conditions::{Condition, ConditionStatus, ConditionType, Phase};
pub use crds::{crd_values, crds, crds_json, crds_yaml};
pub use environment::{Environment, EnvironmentSpec, EnvironmentStatus};
pub use infrastructure::{Infrastructure, InfrastructureSpec, InfrastructureStatus, ProviderKind};
pub use reference::reference_markdown;
pub use security::SecuritySpec;
pub use workload_cluster::{WorkloadCluster, WorkloadClusterSpec, WorkloadClusterStatus};

/// The API group of every drover kind.
pub const GROUP: &str = "drover.dev";
/// The served (and stored) version.
pub const VERSION: &str = "v1alpha1";
/// `apiVersion` of every drover object.
pub const API_VERSION: &str = "drover.dev/v1alpha1";
