//! The render engine: a [`ResolvedCluster`] becomes its ordered object graph.
//!
//! Pure and deterministic: the same cluster gives byte-identical output. The engine asks the
//! cluster's [`Provider`](crate::providers::Provider) for its parts, adds the shared objects
//! (Namespace, CAPI Cluster, health checks, add-ons), stamps the inventory labels on every
//! object and sorts them into apply order ([`order`]).

pub mod addons;
pub mod capi;
pub mod hash;
pub mod kubeadm;
mod manifest;
pub mod meta;
pub mod order;
pub mod security;

pub use addons::AddonSettings;
pub use manifest::{Manifest, TypedRef};

use serde_json::{Value, json};

use crate::providers::provider_for;
use crate::resolve::ResolvedCluster;
use meta::{MetaBuilder, object};

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
    /// The provider did not say what the CAPI Cluster should reference.
    #[error("cluster {cluster}: provider gave no {what} reference")]
    MissingReference {
        /// The cluster.
        cluster: String,
        /// `controlPlane` or `infrastructure`.
        what: &'static str,
    },
}

/// Pod Security Admission level of a cluster's namespace on the management cluster.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PodSecurityLevel {
    /// Fully restricted pods only.
    #[default]
    Restricted,
    /// Baseline: no privileged pods or host namespaces.
    Baseline,
    /// Anything: needed where the provider's pods need it (KubeVirt's virt-launcher).
    Privileged,
}

impl PodSecurityLevel {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Restricted => "restricted",
            Self::Baseline => "baseline",
            Self::Privileged => "privileged",
        }
    }
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
    if let Some(issue) = provider.check(cluster).into_iter().next() {
        return Err(RenderError::Invalid {
            cluster: cluster.name.clone(),
            field: issue.field,
            message: issue.message,
        });
    }
    let parts = provider.build(cluster)?;
    let missing = |what| RenderError::MissingReference {
        cluster: cluster.name.clone(),
        what,
    };
    let control_plane = parts
        .control_plane_ref
        .as_ref()
        .ok_or_else(|| missing("controlPlane"))?;
    let infrastructure = parts
        .infrastructure_ref
        .as_ref()
        .ok_or_else(|| missing("infrastructure"))?;

    let mut objects = vec![
        namespace(cluster, parts.pod_security),
        capi::cluster(cluster, control_plane, infrastructure),
    ];
    objects.extend(parts.objects);
    if parts.machine_health_checks {
        objects.extend(capi::machine_health_checks(cluster));
    }
    objects.extend(addons::helm_chart_proxies(cluster, &parts.addons));
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
        .label("pod-security.kubernetes.io/enforce", level.as_str())
        .label("pod-security.kubernetes.io/enforce-version", "latest")
        .label(
            "pod-security.kubernetes.io/warn",
            PodSecurityLevel::Restricted.as_str(),
        )
        .label(
            "pod-security.kubernetes.io/audit",
            PodSecurityLevel::Restricted.as_str(),
        );
    object("v1", "Namespace", meta, json!({}))
}
