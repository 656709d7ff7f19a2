//! A fleet directory: every drover object found in the `*.yaml`/`*.yml` files under one folder.
//!
//! [`load_dir`] reads and parses; it reports every malformed document, unknown kind and unknown
//! field (all of them, not the first) with file, line, object and field path. Cross-object checks
//! (dangling references, policy) belong to [`crate::resolve`].

mod source;

pub use source::Source;

use drover_api::{Environment, Infrastructure, WorkloadCluster};

/// An object together with where it was read from.
#[derive(Clone, Debug)]
pub struct Sourced<T> {
    /// The parsed object.
    pub object: T,
    /// Its file and the line of each field.
    pub source: Source,
}

/// All drover objects of a fleet directory, each kind sorted by (namespace, name).
#[derive(Clone, Debug, Default)]
pub struct Fleet {
    /// Infrastructures, by name.
    pub infrastructures: Vec<Sourced<Infrastructure>>,
    /// Environments, by name.
    pub environments: Vec<Sourced<Environment>>,
    /// WorkloadClusters, by namespace then name.
    pub clusters: Vec<Sourced<WorkloadCluster>>,
}
