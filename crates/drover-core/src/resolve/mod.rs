//! Resolve and validate: claims + environments + infrastructures → [`ResolvedCluster`]s.
//!
//! Pure and deterministic. Every problem is a [`Diagnostic`] naming the object and field;
//! nothing is resolved from a claim with problems. The controller calls [`resolve_claim`] for one
//! claim, the CLI calls [`resolve_fleet`] for a directory.

mod claim;
mod model;
mod objects;
mod report;
mod security;

pub use claim::{
    ClaimContext, DEFAULT_ARGOCD_NAMESPACE, DEFAULT_CONTROL_PLANE_REPLICAS, DEFAULT_POD_CIDR,
    DEFAULT_SERVICE_CIDR, DEFAULT_WORKER_REPLICAS, addon_name, cni_name, resolve_claim,
};
pub use model::{
    ArgoCdRegistration, MachineGroup, Network, ProviderSpec, ResolvedCluster, ResolvedSize,
    WorkerGroup,
};
pub use objects::{check_environment, check_infrastructure};
pub use security::{
    ResolvedAudit, ResolvedEncryption, ResolvedPodSecurity, ResolvedSecurity, SecurityProblem,
    audit_level_name, check_security_spec, cni_encryption_name, effective_security,
    network_policy_name, pod_security_name,
};

use crate::diagnostics::Diagnostic;
use crate::fleet::Fleet;

/// The outcome of resolving a fleet: the clusters that resolved and every problem found.
#[derive(Debug, Default)]
pub struct Resolution {
    /// Clusters without problems, in fleet order.
    pub clusters: Vec<ResolvedCluster>,
    /// Every problem, sorted by file and line.
    pub diagnostics: Vec<Diagnostic>,
}

/// Resolves every claim of the fleet and checks environments and infrastructures.
pub fn resolve_fleet(fleet: &Fleet) -> Resolution {
    let mut resolution = Resolution::default();
    let env_names: Vec<&str> = fleet
        .environments
        .iter()
        .filter_map(|e| e.object.metadata.name.as_deref())
        .collect();
    let infra_names: Vec<&str> = fleet
        .infrastructures
        .iter()
        .filter_map(|i| i.object.metadata.name.as_deref())
        .collect();
    for environment in &fleet.environments {
        resolution.diagnostics.extend(check_environment(
            &environment.object,
            &environment.source,
            &fleet
                .environments
                .iter()
                .map(|e| &e.object)
                .collect::<Vec<_>>(),
            &infra_names,
        ));
    }
    for infrastructure in &fleet.infrastructures {
        resolution.diagnostics.extend(check_infrastructure(
            &infrastructure.object,
            &infrastructure.source,
        ));
    }
    for claim in &fleet.clusters {
        let spec = &claim.object.spec;
        let context = ClaimContext {
            environment: fleet
                .environments
                .iter()
                .find(|e| e.object.metadata.name.as_deref() == Some(&spec.environment))
                .map(|e| (&e.object, &e.source)),
            infrastructure: fleet
                .infrastructures
                .iter()
                .find(|i| i.object.metadata.name.as_deref() == Some(&spec.infrastructure))
                .map(|i| (&i.object, &i.source)),
        };
        match resolve_claim(&claim.object, &claim.source, &context) {
            Ok(cluster) => resolution.clusters.push(cluster),
            Err(problems) => {
                let mut problems = problems.0;
                for problem in &mut problems {
                    hint_known_names(problem, &env_names, &infra_names);
                }
                resolution.diagnostics.extend(problems);
            }
        }
    }
    resolution.diagnostics.sort();
    resolution.diagnostics.dedup();
    resolution
}

/// Adds the names that do exist to "does not exist" messages about references.
fn hint_known_names(problem: &mut Diagnostic, environments: &[&str], infrastructures: &[&str]) {
    if !problem.message.ends_with("does not exist") {
        return;
    }
    let known = match problem.field.as_str() {
        "spec.environment" => environments,
        "spec.infrastructure" => infrastructures,
        _ => return,
    };
    let list = if known.is_empty() {
        "none".to_owned()
    } else {
        known.join(", ")
    };
    problem
        .message
        .push_str(&format!(" (the fleet defines: {list})"));
}
