//! `drover plan`: what a render would change, compared with a previous render (or, through
//! drover-kube, with the management cluster), and what that does to the machines.
//!
//! This module owns comparing object sets; it does no I/O except [`read_render_dir`]:
//! - `read`: a previous render folder back into objects ([`read_render_dir`], [`from_rendered`]);
//! - [`diff`]: field-level differences of two JSON values, with paths;
//! - `objects`: one cluster's objects compared (create, delete, change, replace);
//! - [`impact`]: rollouts, surge, scaling and the Kubernetes version step;
//! - [`live`]: stripping server-written fields so live objects compare with rendered ones.

pub mod diff;
pub mod impact;
pub mod live;
mod objects;
mod read;

pub use diff::FieldChange;
pub use impact::{GroupCount, Impact, Rollout, Scaling, StepKind, VersionStep};
pub use read::{from_rendered, read_render_dir};

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;
use serde_json::Value;

use crate::diagnostics::Diagnostic;

/// The objects of one cluster, in apply order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClusterObjects {
    /// The cluster's environment.
    pub environment: String,
    /// Its objects.
    pub objects: Vec<Value>,
}

/// Clusters by name.
pub type RenderSet = BTreeMap<String, ClusterObjects>;

/// Why a previous render could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The folder has no `.drover-render` marker.
    #[error(
        "{0} is not a drover render (no .drover-render file): pass a folder written by `drover render --out`"
    )]
    NotARender(PathBuf),
    /// A file system operation failed.
    #[error("reading {}: {message}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error, as text.
        message: String,
    },
    /// A file is not one Kubernetes object in YAML.
    #[error("{}:{line}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The same cluster name under two environments.
    #[error("cluster {cluster} appears under both {first}/ and {second}/")]
    DuplicateCluster {
        /// The cluster.
        cluster: String,
        /// One environment folder.
        first: String,
        /// The other.
        second: String,
    },
}

/// What happens to one object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Created.
    Create,
    /// Deleted (pruned).
    Delete,
    /// Changed in place.
    Change,
    /// A new object replaces an old one (a content-hashed template).
    Replace,
}

impl Action {
    /// `+`, `-`, `~`, `±`.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Create => "+",
            Self::Delete => "-",
            Self::Change => "~",
            Self::Replace => "±",
        }
    }
}

/// One object's change.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectPlan {
    /// What happens.
    pub action: Action,
    /// `apiVersion` (the new one, except for deletions).
    pub api_version: String,
    /// Kind.
    pub kind: String,
    /// Namespace, empty for cluster-scoped objects.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Name.
    pub name: String,
    /// For a replacement, the name of the object it replaces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
    /// Changed fields (changes and replacements).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldChange>,
}

impl ObjectPlan {
    /// `Kind namespace/name`.
    pub fn describe(&self) -> String {
        if self.namespace.is_empty() {
            format!("{} {}", self.kind, self.name)
        } else {
            format!("{} {}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// What happens to one cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClusterAction {
    /// A new cluster.
    Create,
    /// The cluster is gone from the fleet.
    Delete,
    /// Some objects change.
    Change,
    /// Nothing changes.
    NoChange,
}

/// The plan of one cluster.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterPlan {
    /// Cluster name.
    pub cluster: String,
    /// Environment.
    pub environment: String,
    /// What happens to it.
    pub action: ClusterAction,
    /// The objects that change.
    pub objects: Vec<ObjectPlan>,
    /// Objects that stay as they are.
    pub unchanged_objects: usize,
    /// What the change does to machines.
    pub impact: Impact,
    /// Refused changes (a version step that skips a minor version, a downgrade).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Diagnostic>,
}

/// The plan of a fleet.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// Every cluster, by environment then name.
    pub clusters: Vec<ClusterPlan>,
}

/// Counts for the summary line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Clusters created.
    pub clusters_created: usize,
    /// Clusters changed.
    pub clusters_changed: usize,
    /// Clusters deleted.
    pub clusters_deleted: usize,
    /// Clusters unchanged.
    pub clusters_unchanged: usize,
    /// Objects created.
    pub objects_created: usize,
    /// Objects changed in place.
    pub objects_changed: usize,
    /// Objects replaced.
    pub objects_replaced: usize,
    /// Objects deleted.
    pub objects_deleted: usize,
    /// Machines that roll.
    pub machines_rolling: i64,
}

impl Plan {
    /// Whether anything changes.
    pub fn has_changes(&self) -> bool {
        self.clusters
            .iter()
            .any(|c| c.action != ClusterAction::NoChange)
    }

    /// Every refused change.
    pub fn problems(&self) -> impl Iterator<Item = &Diagnostic> {
        self.clusters.iter().flat_map(|c| &c.problems)
    }

    /// The counts.
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        for cluster in &self.clusters {
            match cluster.action {
                ClusterAction::Create => summary.clusters_created += 1,
                ClusterAction::Change => summary.clusters_changed += 1,
                ClusterAction::Delete => summary.clusters_deleted += 1,
                ClusterAction::NoChange => summary.clusters_unchanged += 1,
            }
            for object in &cluster.objects {
                match object.action {
                    Action::Create => summary.objects_created += 1,
                    Action::Change => summary.objects_changed += 1,
                    Action::Replace => summary.objects_replaced += 1,
                    Action::Delete => summary.objects_deleted += 1,
                }
            }
            summary.machines_rolling += cluster
                .impact
                .rollouts
                .iter()
                .map(|r| r.machines)
                .sum::<i64>();
        }
        summary
    }
}

/// Compares one cluster's objects `before` (absent: not there yet) with `after` (absent: gone).
pub fn compare_cluster(
    cluster: &str,
    environment: &str,
    before: Option<&[Value]>,
    after: Option<&[Value]>,
) -> ClusterPlan {
    let (objects, unchanged) =
        objects::compare(before.unwrap_or_default(), after.unwrap_or_default());
    let action = match (before, after) {
        (None, _) => ClusterAction::Create,
        (_, None) => ClusterAction::Delete,
        _ if objects.is_empty() => ClusterAction::NoChange,
        _ => ClusterAction::Change,
    };
    let (impact, problems) = impact::impact(cluster, before, after);
    ClusterPlan {
        cluster: cluster.to_owned(),
        environment: environment.to_owned(),
        action,
        objects,
        unchanged_objects: unchanged,
        impact,
        problems,
    }
}

/// Compares two renders cluster by cluster. A cluster only in `after` is created, one only in
/// `before` deleted.
pub fn compare(before: &RenderSet, after: &RenderSet) -> Plan {
    let mut names: Vec<(&str, &str)> = after
        .iter()
        .map(|(name, c)| (c.environment.as_str(), name.as_str()))
        .chain(
            before
                .iter()
                .filter(|(name, _)| !after.contains_key(*name))
                .map(|(name, c)| (c.environment.as_str(), name.as_str())),
        )
        .collect();
    names.sort_unstable();
    let clusters = names
        .into_iter()
        .map(|(environment, name)| {
            compare_cluster(
                name,
                environment,
                before.get(name).map(|c| c.objects.as_slice()),
                after.get(name).map(|c| c.objects.as_slice()),
            )
        })
        .collect();
    Plan { clusters }
}

/// The plan of creating every cluster of `after` from nothing (`drover plan` without a
/// previous render).
pub fn create_all(after: &RenderSet) -> Plan {
    compare(&RenderSet::new(), after)
}
