//! The offline pipeline shared by `drover validate`, `render` and `plan`:
//! fleet → resolve → provider checks. A cluster with any problem is not passed on.

use crate::diagnostics::{Diagnostic, ObjectRef};
use crate::fleet::Fleet;
use crate::providers::check_cluster;
use crate::resolve::{ResolvedCluster, resolve_fleet};

/// The outcome of validating a fleet.
#[derive(Debug, Default)]
pub struct Validation {
    /// Clusters without problems, by claim namespace and name.
    pub clusters: Vec<ResolvedCluster>,
    /// Every problem, sorted by file and line.
    pub diagnostics: Vec<Diagnostic>,
}

impl Validation {
    /// Whether the fleet has no problems at all.
    pub fn is_valid(&self) -> bool {
        self.diagnostics.is_empty()
    }
}

/// Resolves every claim and runs its provider's checks.
pub fn validate(fleet: &Fleet) -> Validation {
    let resolution = resolve_fleet(fleet);
    let mut diagnostics = resolution.diagnostics;
    let mut clusters = Vec::with_capacity(resolution.clusters.len());
    for cluster in resolution.clusters {
        let issues = check_cluster(&cluster);
        if issues.is_empty() {
            clusters.push(cluster);
            continue;
        }
        let source = fleet
            .clusters
            .iter()
            .find(|c| {
                c.object.metadata.name.as_deref() == Some(&cluster.name)
                    && c.object.metadata.namespace.as_deref() == Some(&cluster.claim_namespace)
            })
            .map(|c| &c.source);
        let object = ObjectRef::new(
            "WorkloadCluster",
            Some(&cluster.claim_namespace),
            &cluster.name,
        );
        for issue in issues {
            let mut diagnostic = Diagnostic::new(issue.message)
                .object(object.clone())
                .field(&issue.field);
            diagnostic.location = source.and_then(|s| s.locate(&issue.field));
            diagnostics.push(diagnostic);
        }
    }
    diagnostics.sort();
    diagnostics.dedup();
    Validation {
        clusters,
        diagnostics,
    }
}
