//! The pure mappers from a watched object to what it wakes, used by
//! [`crate::runtime::controller`]: an Environment or Infrastructure to its claims
//! ([`claims_for_environment`], [`claims_for_infrastructure`]), a claim to the Environments whose
//! status depends on it ([`environments_for_claim`]: its own, and those promoting from it), and
//! the label selector of every object drover renders ([`watched_labels`]). An object of a
//! cluster wakes its claim through the cache ([`crate::cache::Caches::claim_of_cluster`]).
//!
//! CAPI's kubeconfig Secrets are deliberately not watched: even a metadata-only watch needs
//! `list`/`watch` on Secrets in every namespace, which the controller's RBAC does not grant
//! (see [`crate::cache::secrets`]).

use std::sync::Arc;

use drover_api::{Environment, WorkloadCluster, labels};
use drover_core::promotion::dependent_environments;
use kube::runtime::reflector::ObjectRef;

/// Label selector of every object drover renders (CAPI Cluster, control plane,
/// MachineDeployments, the Argo CD Secret): watch these to reconcile when CAPI updates them.
pub fn watched_labels() -> String {
    format!("{}={}", labels::MANAGED_BY, labels::MANAGER)
}

/// What of an Environment its claims' reconciles read: the spec, and the promotion state of the
/// status (target version, why it is held back, the clusters allowed to upgrade, the
/// `PromotionBlocked`/`UpgradesHalted` conditions) — not the summary counts or
/// `observedGeneration`, which the Environment controller rewrites as claims become Ready. An
/// Environment event wakes its claims only when this changed: otherwise every status write would
/// reconcile every claim of the environment, quadratic in its size.
pub fn environment_fingerprint(environment: &Environment) -> String {
    let status = environment.status.as_ref();
    serde_json::json!({
        "spec": environment.spec,
        "targetVersion": status.and_then(|s| s.target_version.as_ref()),
        "blockedBy": status.and_then(|s| s.blocked_by.as_ref()),
        "upgrading": status.map(|s| &s.upgrading),
        "conditions": status.map(|s| &s.conditions),
    })
    .to_string()
}

/// The claims of Environment `name`.
pub fn claims_for_environment(
    name: &str,
    claims: &[Arc<WorkloadCluster>],
) -> Vec<ObjectRef<WorkloadCluster>> {
    refs(claims.iter().filter(|c| c.spec.environment == name))
}

/// The claims on Infrastructure `name`.
pub fn claims_for_infrastructure(
    name: &str,
    claims: &[Arc<WorkloadCluster>],
) -> Vec<ObjectRef<WorkloadCluster>> {
    refs(claims.iter().filter(|c| c.spec.infrastructure == name))
}

/// The Environments whose status depends on `claim`: its own, and every Environment that
/// promotes from it directly or through others (their gate reads the claim's soak clock, and a
/// failed upgrade halts them).
pub fn environments_for_claim(
    claim: &WorkloadCluster,
    environments: &[Arc<Environment>],
) -> Vec<ObjectRef<Environment>> {
    let all: Vec<&Environment> = environments.iter().map(AsRef::as_ref).collect();
    dependent_environments(&claim.spec.environment, &all)
        .into_iter()
        .map(|name| ObjectRef::new(&name))
        .collect()
}

fn refs<'a>(
    claims: impl Iterator<Item = &'a Arc<WorkloadCluster>>,
) -> Vec<ObjectRef<WorkloadCluster>> {
    claims.map(|c| ObjectRef::from_obj(c.as_ref())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use drover_core::fixtures;

    fn store() -> Vec<Arc<WorkloadCluster>> {
        let mut other = fixtures::claim("team-b", "billing", "prod");
        other.spec.infrastructure = "aws".to_owned();
        vec![
            Arc::new(fixtures::claim("team-a", "payments", "dev")),
            Arc::new(other),
        ]
    }

    fn names(refs: Vec<ObjectRef<WorkloadCluster>>) -> Vec<String> {
        refs.into_iter()
            .map(|r| format!("{}/{}", r.namespace.unwrap_or_default(), r.name))
            .collect()
    }

    #[test]
    fn only_what_claims_read_of_an_environment_changes_its_fingerprint() {
        let mut environment = fixtures::environment("dev", "v1.33.1");
        environment.status = Some(Default::default());
        let before = environment_fingerprint(&environment);
        let status = environment.status.get_or_insert_with(Default::default);
        status.clusters_total = Some(7);
        status.clusters_at_target = Some(3);
        status.observed_generation = Some(4);
        let counted = environment_fingerprint(&environment);
        let status = environment.status.get_or_insert_with(Default::default);
        status.target_version = Some("v1.33.1".to_owned());
        let promoted = environment_fingerprint(&environment);
        let status = environment.status.get_or_insert_with(Default::default);
        status.upgrading = vec!["team-a/payments".to_owned()];
        let admitted = environment_fingerprint(&environment);
        environment.spec.kubernetes_version = "v1.34.0".to_owned();
        let edited = environment_fingerprint(&environment);
        assert_eq!(before, counted, "summary counts do not wake the claims");
        assert_ne!(counted, promoted);
        assert_ne!(promoted, admitted);
        assert_ne!(admitted, edited);
    }

    #[test]
    fn environments_and_infrastructures_map_to_their_claims() {
        let claims = store();
        assert_eq!(
            names(claims_for_environment("dev", &claims)),
            ["team-a/payments"]
        );
        assert_eq!(
            names(claims_for_infrastructure("aws", &claims)),
            ["team-b/billing"]
        );
        assert!(claims_for_environment("staging", &claims).is_empty());
    }

    #[test]
    fn claims_map_to_their_environment_and_those_promoting_from_it() {
        let dev = fixtures::environment("dev", "v1.33.1");
        let mut staging = fixtures::environment("staging", "v1.33.1");
        staging.spec.promotion = Some(drover_api::environment::Promotion {
            from: "dev".to_owned(),
            soak: None,
        });
        let sandbox = fixtures::environment("sandbox", "v1.33.1");
        let envs: Vec<Arc<Environment>> =
            [dev, staging, sandbox].into_iter().map(Arc::new).collect();
        let claim = fixtures::claim("team-a", "payments", "dev");
        let names: Vec<String> = environments_for_claim(&claim, &envs)
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(names, ["dev", "staging"]);
    }
}
