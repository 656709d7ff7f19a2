//! What a management cluster must offer before drover can run a fleet there, as data for
//! `drover preflight` (which checks it against a live cluster) — and the one description of a
//! missing CRD, shared with the controller's `CRDNotInstalled` condition.

use std::collections::{BTreeMap, BTreeSet};

use super::bootstrap::{self, infrastructure_kinds};
use super::providers;
use crate::fleet::Fleet;
use crate::render::order::{KindInfo, kind_info};
use crate::render::{RenderError, render_cluster};
use crate::resolve::{ProviderSpec, ResolvedCluster};

/// A CRD-served kind at the version drover writes, not one of Kubernetes' own.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ServedKind {
    /// `Kind`.
    pub kind: String,
    /// `group/version`.
    pub api_version: String,
    /// Resource name.
    pub plural: String,
    /// What installs its CRD (`InfrastructureProvider/kubevirt v0.11.2`, `drover install`, ...).
    pub installed_by: String,
    /// The clusters or Infrastructures that need it, sorted.
    pub needed_by: BTreeSet<String>,
}

impl ServedKind {
    /// The API group.
    pub fn group(&self) -> &str {
        self.api_version
            .rsplit_once('/')
            .map_or("", |(group, _)| group)
    }

    /// The version.
    pub fn version(&self) -> &str {
        self.api_version
            .rsplit_once('/')
            .map_or(self.api_version.as_str(), |(_, version)| version)
    }

    /// The CRD's name (`plural.group`).
    pub fn crd_name(&self) -> String {
        format!("{}.{}", self.plural, self.group())
    }
}

/// The description of a kind's CRD in messages: `kubevirtclusters.infrastructure.cluster.x-k8s.io
/// (KubevirtCluster infrastructure.cluster.x-k8s.io/v1alpha1, from InfrastructureProvider/kubevirt
/// v0.11.2)`. The controller's `CRDNotInstalled` condition and `drover preflight` both use it.
pub fn describe_crd(info: &KindInfo) -> String {
    let crd = info.crd_name().unwrap_or_else(|| info.plural.to_owned());
    match providers::crd_source(info.kind) {
        Some(source) => format!("{crd} ({} {}, from {source})", info.kind, info.api_version),
        None => format!("{crd} ({} {})", info.kind, info.api_version),
    }
}

/// A Secret some provider reads from a fixed place.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RequiredSecret {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Who reads it and what goes in.
    pub purpose: String,
}

/// Everything `drover preflight` checks for a fleet.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Requirements {
    /// Custom kinds drover writes or reads for this fleet, drover's own included, sorted by kind.
    pub kinds: Vec<ServedKind>,
    /// Clusters with add-ons (CAAPH `HelmChartProxy`s), sorted.
    pub addon_clusters: Vec<String>,
    /// Argo CD namespaces claims register clusters in, with the claims naming each.
    pub argocd_namespaces: BTreeMap<String, BTreeSet<String>>,
    /// Secrets providers read from fixed places (the operator config Secrets of
    /// `drover bootstrap`, credentials the Infrastructures name).
    pub secrets: Vec<RequiredSecret>,
    /// Whether an Infrastructure runs VMs with KubeVirt on the management cluster (then KubeVirt
    /// and CDI must be served there).
    pub kubevirt: bool,
}

/// The kind CAAPH serves; checked on its own when clusters have add-ons.
pub const HELM_CHART_PROXY: &str = "HelmChartProxy";

/// KubeVirt's and CDI's kinds CAPK's machines are made of.
pub const KUBEVIRT_KINDS: &[(&str, &str, &str)] = &[
    ("VirtualMachine", "kubevirt.io/v1", "virtualmachines"),
    ("DataVolume", "cdi.kubevirt.io/v1beta1", "datavolumes"),
];

/// What `fleet` (its Infrastructures, used or not, and its valid `clusters`, rendered) needs
/// from the management cluster.
pub fn requirements(
    fleet: &Fleet,
    clusters: &[ResolvedCluster],
) -> Result<Requirements, RenderError> {
    let mut needed: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
    let mut kubevirt = false;
    for infrastructure in &fleet.infrastructures {
        let Some(spec) = ProviderSpec::from_spec(&infrastructure.object.spec) else {
            continue;
        };
        kubevirt |= matches!(spec, ProviderSpec::Kubevirt(_));
        let name = infrastructure
            .object
            .metadata
            .name
            .clone()
            .unwrap_or_default();
        for kind in infrastructure_kinds(&spec) {
            needed
                .entry(kind)
                .or_default()
                .insert(format!("Infrastructure {name}"));
        }
    }
    let mut addon_clusters = Vec::new();
    for cluster in clusters {
        let rendered = render_cluster(cluster)?;
        for object in &rendered.objects {
            if let Some(info) = kind_info(object.kind()) {
                needed
                    .entry(info.kind)
                    .or_default()
                    .insert(format!("cluster {}", cluster.name));
            }
        }
        if rendered
            .objects
            .iter()
            .any(|o| o.kind() == HELM_CHART_PROXY)
        {
            addon_clusters.push(cluster.name.clone());
        }
    }
    // The controller watches every kind of the table, but only those the fleet needs must be
    // served: a kind that is not stays out of its caches.
    let mut kinds: Vec<ServedKind> = needed
        .into_iter()
        .filter_map(|(kind, needed_by)| {
            let info = kind_info(kind)?;
            info.crd_name()?;
            Some(ServedKind {
                kind: info.kind.to_owned(),
                api_version: info.api_version.to_owned(),
                plural: info.plural.to_owned(),
                installed_by: providers::crd_source(info.kind)
                    .unwrap_or_else(|| "its provider".to_owned()),
                needed_by,
            })
        })
        .collect();
    // drover's own kinds, and the CAPI Machines the controller reads.
    for crd in drover_api::crds() {
        let served = crd
            .spec
            .versions
            .iter()
            .find(|v| v.storage)
            .map(|v| v.name.clone())
            .unwrap_or_default();
        kinds.push(ServedKind {
            kind: crd.spec.names.kind.clone(),
            api_version: format!("{}/{served}", crd.spec.group),
            plural: crd.spec.names.plural.clone(),
            installed_by: "drover install".to_owned(),
            needed_by: BTreeSet::from(["the controller".to_owned()]),
        });
    }
    kinds.push(ServedKind {
        kind: "Machine".to_owned(),
        api_version: "cluster.x-k8s.io/v1beta2".to_owned(),
        plural: "machines".to_owned(),
        installed_by: providers::crd_source("Cluster").unwrap_or_default(),
        needed_by: BTreeSet::from(["the controller (upgrades, remediation)".to_owned()]),
    });
    kinds.sort();

    let mut argocd_namespaces: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for cluster in clusters {
        if let Some(argocd) = &cluster.argocd {
            argocd_namespaces
                .entry(argocd.namespace.clone())
                .or_default()
                .insert(format!("{}/{}", cluster.claim_namespace, cluster.name));
        }
    }
    let mut secrets: Vec<RequiredSecret> = bootstrap::plan(fleet, clusters)?
        .prerequisites
        .iter()
        .filter_map(|p| {
            let (namespace, name) = p.fixed_secret()?;
            Some(RequiredSecret {
                namespace: namespace.to_owned(),
                name: name.to_owned(),
                purpose: p.purpose.clone(),
            })
        })
        .collect();
    secrets.sort();
    Ok(Requirements {
        kinds,
        addon_clusters,
        argocd_namespaces,
        secrets,
        kubevirt,
    })
}
