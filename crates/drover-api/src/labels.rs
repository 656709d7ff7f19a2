//! Label and annotation keys that are part of drover's contract with the cluster.
//!
//! The inventory label set ([`MANAGED_BY`] = [`MANAGER`], [`CLUSTER`], [`ENVIRONMENT`] and CAPI's
//! [`CAPI_CLUSTER_NAME`]) marks every object drover renders; pruning and deletion find objects by it.

/// `app.kubernetes.io/managed-by`; drover's objects carry the value [`MANAGER`].
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
/// The value of [`MANAGED_BY`] and drover's server-side-apply field manager.
pub const MANAGER: &str = "drover";
/// The claim's name (`metadata.name` of the WorkloadCluster).
pub const CLUSTER: &str = "drover.dev/cluster";
/// The claim's namespace.
pub const CLAIM_NAMESPACE: &str = "drover.dev/claim-namespace";
/// The environment the cluster belongs to.
pub const ENVIRONMENT: &str = "drover.dev/environment";
/// The infrastructure the cluster is built on.
pub const INFRASTRUCTURE: &str = "drover.dev/infrastructure";
/// The CNI the cluster runs; add-on selectors match on it.
pub const CNI: &str = "drover.dev/cni";
/// Cluster API's own cluster-name label, understood by CAPI controllers.
pub const CAPI_CLUSTER_NAME: &str = "cluster.x-k8s.io/cluster-name";
/// Annotation drover stamps on every object it applies: a hash of the object as rendered. The
/// controller compares it with the cached live object to notice a changed render (including a
/// field it no longer sets) without reading managed fields.
pub const APPLIED_HASH: &str = "drover.dev/applied-hash";
/// Finalizer the controller puts on claims so it can clean up before they disappear.
pub const FINALIZER: &str = "drover.dev/cleanup";
/// Annotation `drover hibernate` / `drover wake` set on a claim with `spec.hibernated`: the time
/// (RFC 3339) of the request, so that asking again after a schedule edge ended the previous
/// request counts as a new request.
pub const HIBERNATION_REQUESTED_AT: &str = "drover.dev/hibernation-requested-at";
/// Annotation on a WorkloadCluster naming its owner for Backstage (an entity reference such as
/// `group:default/payments`); `drover backstage` makes it the cluster Resource's `spec.owner`.
pub const OWNER: &str = "drover.dev/owner";
