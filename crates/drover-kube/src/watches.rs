//! What the controller watches besides the claims, and the pure mappers from a watched object to
//! the claims to reconcile. [`crate::runtime::controller`] wires them into
//! `kube::runtime::Controller`: Environments and Infrastructures through
//! [`claims_for_environment`] / [`claims_for_infrastructure`], CAPI's `Cluster`,
//! `KubeadmControlPlane` and `MachineDeployment` (metadata only, selected by
//! [`watched_labels`]) through [`claims_for_object`].
//!
//! CAPI's kubeconfig Secrets ([`KUBECONFIG_SECRET_SELECTOR`]) are deliberately not watched by the
//! controller: even a metadata-only watch needs `list`/`watch` on Secrets in every namespace,
//! which its RBAC does not grant. A rotated kubeconfig is read by name at the claim's next
//! resync.
//!
//! The Environment controller ([`crate::reconcile_environment`]) watches Environments and the
//! claims, mapped by [`environments_for_claim`] to every Environment whose status depends on
//! them (their own, and those promoting from it):
//!
//! ```ignore
//! let environments = Controller::new(Api::<Environment>::all(client.clone()), watcher::Config::default());
//! let envs = environments.store();
//! environments
//!     .watches(Api::<WorkloadCluster>::all(client.clone()), watcher::Config::default(), {
//!         move |claim| environments_for_claim(&claim, &envs.state())
//!     })
//!     .run(reconcile_environment, environment_error_policy, Arc::new(ctx))
//! ```

use std::sync::Arc;

use drover_api::{Environment, WorkloadCluster, labels};
use drover_core::promotion::dependent_environments;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::runtime::reflector::ObjectRef;

/// Label selector of every object drover renders (CAPI Cluster, control plane,
/// MachineDeployments, the Argo CD Secret): watch these to reconcile when CAPI updates them.
pub fn watched_labels() -> String {
    format!("{}={}", labels::MANAGED_BY, labels::MANAGER)
}

/// Label selector of CAPI's kubeconfig Secrets (CAPI labels them with the cluster name), for a
/// metadata-only watcher where list/watch of Secrets is acceptable (the shipped controller does
/// not watch them: see the module documentation). [`claims_for_object`] maps such a Secret to
/// its claim.
pub const KUBECONFIG_SECRET_SELECTOR: &str = "cluster.x-k8s.io/cluster-name";

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

/// The claim an object of a cluster belongs to, by its `drover.dev/cluster` label, else CAPI's
/// `cluster.x-k8s.io/cluster-name` label (the kubeconfig Secret), matched against claim names
/// (cluster names are unique: each cluster owns the namespace `<name>-cluster`).
pub fn claims_for_object(
    meta: &ObjectMeta,
    claims: &[Arc<WorkloadCluster>],
) -> Vec<ObjectRef<WorkloadCluster>> {
    let object_labels = meta.labels.as_ref();
    let cluster = object_labels.and_then(|l| {
        l.get(labels::CLUSTER)
            .or_else(|| l.get(labels::CAPI_CLUSTER_NAME))
    });
    let Some(cluster) = cluster else {
        return Vec::new();
    };
    refs(
        claims
            .iter()
            .filter(|c| c.metadata.name.as_deref() == Some(cluster.as_str())),
    )
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
    use std::collections::BTreeMap;

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

    #[test]
    fn objects_map_by_cluster_label() {
        let claims = store();
        let meta = |key: &str, value: &str| ObjectMeta {
            labels: Some(BTreeMap::from([(key.to_owned(), value.to_owned())])),
            ..ObjectMeta::default()
        };
        assert_eq!(
            names(claims_for_object(
                &meta(labels::CLUSTER, "billing"),
                &claims
            )),
            ["team-b/billing"]
        );
        let kubeconfig = meta(labels::CAPI_CLUSTER_NAME, "payments");
        assert_eq!(
            names(claims_for_object(&kubeconfig, &claims)),
            ["team-a/payments"]
        );
        assert!(claims_for_object(&ObjectMeta::default(), &claims).is_empty());
    }
}
