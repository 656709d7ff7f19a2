//! The render engine: a [`ResolvedCluster`] becomes its ordered object graph.
//!
//! Pure and deterministic: the same cluster gives byte-identical output. The engine asks the
//! cluster's [`Provider`](crate::providers::Provider) for its parts, adds the shared objects
//! (Namespace, CAPI Cluster, health checks, add-ons), stamps the inventory labels on every
//! object and sorts them into apply order ([`order`]).

pub mod addons;
pub mod order;

pub use crate::objects::{Manifest, TypedRef};

use drover_api::security::PodSecurityLevel;
use serde_json::{Value, json};

use crate::objects::capi;
use crate::objects::meta::{MetaBuilder, object};
use crate::providers::{Issue, provider_for};
use crate::resolve::{ResolvedCluster, pod_security_name};

/// Why a cluster could not be rendered. Validation catches these first; they reach a caller only
/// when rendering is called on a cluster that did not pass [`crate::providers::Provider::check`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// A provider emitted a kind the engine has no apply phase for.
    #[error("cluster {cluster}: {kind} has no apply phase (add it to render::order)")]
    UnorderedKind {
        /// The cluster.
        cluster: String,
        /// The kind.
        kind: String,
    },
    /// The provider found the claim impossible to render.
    #[error("cluster {cluster}: {field}: {message}")]
    Invalid {
        /// The cluster.
        cluster: String,
        /// Claim field.
        field: String,
        /// What is wrong.
        message: String,
    },
}

/// A rendered cluster: its objects in apply order.
#[derive(Clone, Debug, PartialEq)]
pub struct RenderedCluster {
    /// Cluster name.
    pub name: String,
    /// Environment name.
    pub environment: String,
    /// The objects, in apply order.
    pub objects: Vec<Manifest>,
}

/// Renders one cluster.
pub fn render_cluster(cluster: &ResolvedCluster) -> Result<RenderedCluster, RenderError> {
    let provider = provider_for(&cluster.provider);
    let invalid = |issue: Issue| RenderError::Invalid {
        cluster: cluster.name.clone(),
        field: issue.field,
        message: issue.message,
    };
    if let Some(issue) = provider.check(cluster).into_iter().next() {
        return Err(invalid(issue));
    }
    let parts = provider.build(cluster).map_err(invalid)?;

    let mut objects = vec![
        namespace(cluster, parts.pod_security),
        capi::cluster(
            cluster,
            &parts.control_plane_ref(),
            &parts.infrastructure_ref(),
        ),
    ];
    let mut health_checks = Vec::new();
    if parts.control_plane_has_machines() {
        health_checks.push(capi::control_plane_health_check(cluster));
    }
    for (pool, part) in cluster.workers.iter().zip(&parts.pools) {
        if part.has_machines() {
            health_checks.push(capi::pool_health_check(cluster, pool));
        }
    }
    let addons = addons::helm_chart_proxies(cluster, &parts.addons);
    objects.extend(parts.into_objects());
    objects.extend(health_checks);
    objects.extend(addons);
    objects.extend(crate::providers::security::default_deny_objects(cluster));

    let mut ordered = Vec::with_capacity(objects.len());
    for (index, value) in objects.into_iter().enumerate() {
        let manifest = Manifest(value);
        let phase = order::phase_of(manifest.kind()).ok_or_else(|| RenderError::UnorderedKind {
            cluster: cluster.name.clone(),
            kind: manifest.kind().to_owned(),
        })?;
        ordered.push((phase, index, manifest));
    }
    ordered.sort_by_key(|(phase, index, _)| (*phase, *index));
    Ok(RenderedCluster {
        name: cluster.name.clone(),
        environment: cluster.environment.clone(),
        objects: ordered
            .into_iter()
            .map(|(_, _, manifest)| manifest)
            .collect(),
    })
}

/// The cluster's namespace, enforcing `level` and warning/auditing at `restricted` so what
/// would break under the strictest level shows up in events and audit logs.
fn namespace(cluster: &ResolvedCluster, level: PodSecurityLevel) -> Value {
    let meta = MetaBuilder::cluster_scoped(cluster, &cluster.namespace)
        .label(
            "pod-security.kubernetes.io/enforce",
            pod_security_name(level),
        )
        .label("pod-security.kubernetes.io/enforce-version", "latest")
        .label(
            "pod-security.kubernetes.io/warn",
            pod_security_name(PodSecurityLevel::Restricted),
        )
        .label(
            "pod-security.kubernetes.io/audit",
            pod_security_name(PodSecurityLevel::Restricted),
        );
    object("v1", "Namespace", meta, json!({}))
}
