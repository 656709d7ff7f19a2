//! Catalog entities (`backstage.io/v1alpha1`): a Resource per cluster and per Infrastructure, a
//! System per Environment, a Domain for the fleet.

use std::collections::BTreeMap;

use drover_api::{Environment, Infrastructure, ProviderKind, WorkloadCluster, labels};
use serde_json::{Map, Value, json};

use super::Options;
use super::names::{entity_name, is_entity_name, tag};
use crate::capacity::{self, CapacityPlan, format_bytes, format_cpu};
use crate::render::render_cluster;
use crate::resolve::{ResolvedCluster, addon_name};

/// `spec.type` of a cluster Resource: what the Kubernetes plugin's `catalog` cluster locator
/// looks for.
pub const CLUSTER_TYPE: &str = "kubernetes-cluster";
/// `spec.type` of an Infrastructure Resource.
pub const INFRASTRUCTURE_TYPE: &str = "kubernetes-infrastructure";
/// Prefix of the label and annotation keys drover sets on entities.
const KEY: &str = "drover.dev";

const API_VERSION: &str = "backstage.io/v1alpha1";

/// The Backstage Kubernetes plugin: objects of the entity are found by this label selector...
const KUBERNETES_LABEL_SELECTOR: &str = "backstage.io/kubernetes-label-selector";
/// ...in this namespace...
const KUBERNETES_NAMESPACE: &str = "backstage.io/kubernetes-namespace";
/// ...of this cluster (as Backstage's Kubernetes configuration names it).
const KUBERNETES_CLUSTER: &str = "backstage.io/kubernetes-cluster";
/// The Argo CD plugins (Roadie's and Red Hat's): the entity's applications by label selector.
const ARGOCD_APP_SELECTOR: &str = "argocd/app-selector";
/// The Kubernetes plugin's `catalog` cluster locator: the cluster's API server (it also needs
/// `kubernetes.io/api-server-certificate-authority` and `kubernetes.io/auth-provider`, which
/// drover cannot know before the cluster exists).
const KUBERNETES_API_SERVER: &str = "kubernetes.io/api-server";

/// The API server URL when the rendered objects pin it (an infrastructure that assigns each
/// cluster its control-plane address, e.g. a VIP): `spec.controlPlaneEndpoint` of the
/// provider's cluster object. Elsewhere the address is only known once the cluster runs.
pub fn known_endpoint(cluster: &ResolvedCluster) -> Option<String> {
    let rendered = render_cluster(cluster).ok()?;
    rendered.objects.iter().find_map(|object| {
        let endpoint = object.0.get("spec")?.get("controlPlaneEndpoint")?;
        let host = endpoint
            .get("host")?
            .as_str()
            .filter(|h| !h.is_empty() && !h.contains("{{"))?;
        let port = endpoint.get("port").and_then(Value::as_u64).unwrap_or(6443);
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.to_owned()
        };
        Some(format!("https://{host}:{port}"))
    })
}

/// Entity name of the cluster Resource.
pub fn cluster_entity(name: &str) -> String {
    entity_name(name)
}

/// Entity name of the Infrastructure Resource.
pub fn infrastructure_entity(name: &str) -> String {
    entity_name(name)
}

/// Entity name of the Environment's System.
pub fn environment_entity(name: &str) -> String {
    entity_name(name)
}

/// The owner of a cluster: the claim's `drover.dev/owner` annotation, else the group named
/// after its namespace without a leading `team-` (`team-payments` → `group:payments`).
pub fn cluster_owner(claim: &WorkloadCluster) -> String {
    if let Some(owner) = claim
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(labels::OWNER))
    {
        return owner.clone();
    }
    let namespace = claim.metadata.namespace.as_deref().unwrap_or_default();
    let team = namespace.strip_prefix("team-").unwrap_or(namespace);
    format!("group:{}", entity_name(team))
}

/// Whether `owner` is an entity reference Backstage accepts: `[kind:][namespace/]name`, each
/// part a valid name (the namespace a DNS label).
pub fn is_entity_ref(owner: &str) -> bool {
    let rest = match owner.split_once(':') {
        Some((kind, rest)) => {
            if !kind.chars().all(|c| c.is_ascii_alphabetic()) || kind.is_empty() {
                return false;
            }
            rest
        }
        None => owner,
    };
    let name = match rest.split_once('/') {
        Some((namespace, name)) => {
            if !crate::naming::is_dns_label(namespace) {
                return false;
            }
            name
        }
        None => rest,
    };
    is_entity_name(name)
}

/// A cluster's Resource.
pub fn cluster(cluster: &ResolvedCluster, claim: &WorkloadCluster, options: &Options) -> Value {
    // A virtual cluster's pods run on the management cluster's nodes: the environment's
    // default pool it resolves with describes no machines.
    let machine_pools = if cluster.provider_kind() == ProviderKind::Vcluster {
        &[][..]
    } else {
        &cluster.workers[..]
    };
    let pools: Vec<String> = machine_pools
        .iter()
        .map(|p| format!("{} × {} ({})", p.replicas, p.size.name, p.name))
        .collect();
    let workers: i32 = machine_pools.iter().map(|p| p.replicas).sum();
    let managed = cluster.provider.managed_control_plane();
    let provider = cluster.provider_kind().to_string();
    let mut label_map = BTreeMap::from([
        (format!("{KEY}/environment"), cluster.environment.clone()),
        (
            format!("{KEY}/infrastructure"),
            cluster.infrastructure.clone(),
        ),
        (format!("{KEY}/provider"), provider.clone()),
        (
            format!("{KEY}/kubernetes-version"),
            cluster.version.to_string(),
        ),
        (format!("{KEY}/worker-replicas"), workers.to_string()),
    ]);
    if let Some(pool) = machine_pools.first() {
        label_map.insert(format!("{KEY}/size"), pool.size.name.clone());
    }
    if !managed {
        label_map.insert(
            format!("{KEY}/control-plane-replicas"),
            cluster.control_plane.replicas.to_string(),
        );
        label_map.insert(
            format!("{KEY}/control-plane-size"),
            cluster.control_plane.size.name.clone(),
        );
    }
    let mut annotations = BTreeMap::from([
        (labels::CLUSTER.to_owned(), cluster.name.clone()),
        (
            labels::CLAIM_NAMESPACE.to_owned(),
            cluster.claim_namespace.clone(),
        ),
        (
            KUBERNETES_LABEL_SELECTOR.to_owned(),
            format!("{}={}", labels::CLUSTER, cluster.name),
        ),
        (KUBERNETES_NAMESPACE.to_owned(), cluster.namespace.clone()),
    ]);
    if !pools.is_empty() {
        annotations.insert(format!("{KEY}/worker-pools"), pools.join(", "));
    }
    if !cluster.addons.is_empty() {
        let addons: Vec<&str> = cluster.addons.iter().map(|a| addon_name(*a)).collect();
        annotations.insert(format!("{KEY}/addons"), addons.join(", "));
    }
    if let Some(management) = &options.management_cluster {
        annotations.insert(KUBERNETES_CLUSTER.to_owned(), management.clone());
    }
    let mut links = Vec::new();
    if let Some(endpoint) = known_endpoint(cluster) {
        annotations.insert(KUBERNETES_API_SERVER.to_owned(), endpoint.clone());
        links.push(json!({ "url": endpoint, "title": "Kubernetes API server" }));
    }
    if cluster.argocd.is_some() {
        let selector = format!("{}={}", labels::CLUSTER, cluster.name);
        annotations.insert(ARGOCD_APP_SELECTOR.to_owned(), selector.clone());
        if let Some(url) = &options.argocd_url {
            links.push(json!({
                "url": format!("{}/applications?labels={}", url.trim_end_matches('/'), percent_encode(&selector)),
                "title": "Argo CD applications",
                "icon": "dashboard",
            }));
        }
    }
    let control_plane = if managed {
        "a managed control plane".to_owned()
    } else {
        format!(
            "{} control-plane machine(s) ({})",
            cluster.control_plane.replicas, cluster.control_plane.size.name
        )
    };
    let description = format!(
        "Kubernetes {} cluster of {} in {} on {} ({provider}): {control_plane}, {workers} worker machine(s){}.",
        cluster.version,
        cluster.claim_namespace,
        cluster.environment,
        cluster.infrastructure,
        if pools.is_empty() {
            String::new()
        } else {
            format!(" ({})", pools.join(", "))
        },
    );
    let mut metadata = json!({
        "name": cluster_entity(&cluster.name),
        "title": cluster.name,
        "description": description,
        "labels": label_values(label_map),
        "annotations": annotations,
        "tags": tags(&["kubernetes", &provider, &cluster.environment]),
    });
    if !links.is_empty() {
        metadata["links"] = json!(links);
    }
    json!({
        "apiVersion": API_VERSION,
        "kind": "Resource",
        "metadata": metadata,
        "spec": {
            "type": CLUSTER_TYPE,
            "owner": cluster_owner(claim),
            "system": format!("system:{}", environment_entity(&cluster.environment)),
            "dependsOn": [format!("resource:{}", infrastructure_entity(&cluster.infrastructure))],
        },
    })
}

/// An Infrastructure's Resource, with its hosts' capacity when it lists hosts.
pub fn infrastructure(
    infrastructure: &Infrastructure,
    clusters: &[ResolvedCluster],
    options: &Options,
) -> Value {
    let name = infrastructure.metadata.name.clone().unwrap_or_default();
    let provider = infrastructure
        .spec
        .providers()
        .first()
        .map_or_else(|| "none".to_owned(), ToString::to_string);
    let sizes: Vec<&str> = infrastructure
        .spec
        .sizes
        .keys()
        .map(String::as_str)
        .collect();
    let count = clusters.iter().filter(|c| c.infrastructure == name).count();
    let mut annotations = BTreeMap::from([(format!("{KEY}/sizes"), sizes.join(", "))]);
    let mut description = format!(
        "Where drover builds clusters with provider `{provider}`: {count} cluster(s) of the fleet; sizes {}.",
        if sizes.is_empty() {
            "none".to_owned()
        } else {
            sizes.join(", ")
        }
    );
    if let Ok(CapacityPlan::Planned(report)) = capacity::plan(infrastructure, clusters) {
        let totals = report.totals;
        let capacity = format!(
            "{} vCPU, {}",
            format_cpu(totals.capacity.cpu_millis),
            format_bytes(totals.capacity.memory_bytes)
        );
        let requested = format!(
            "{} vCPU, {}",
            format_cpu(totals.requested.cpu_millis),
            format_bytes(totals.requested.memory_bytes)
        );
        annotations.insert(format!("{KEY}/hosts"), report.hosts.len().to_string());
        annotations.insert(format!("{KEY}/capacity"), capacity.clone());
        annotations.insert(format!("{KEY}/requested"), requested.clone());
        annotations.insert(format!("{KEY}/fits"), report.fits.to_string());
        description.push_str(&format!(
            " {} host(s) offer {capacity} (overcommit applied); the clusters request {requested}{}.",
            report.hosts.len(),
            if report.fits { "" } else { ", and some do not fit" }
        ));
    }
    json!({
        "apiVersion": API_VERSION,
        "kind": "Resource",
        "metadata": {
            "name": infrastructure_entity(&name),
            "title": name,
            "description": description,
            "labels": label_values(BTreeMap::from([
                (format!("{KEY}/provider"), provider.clone()),
                (format!("{KEY}/clusters"), count.to_string()),
            ])),
            "annotations": annotations,
            "tags": tags(&["kubernetes-infrastructure", &provider]),
        },
        "spec": {
            "type": INFRASTRUCTURE_TYPE,
            "owner": options.owner,
        },
    })
}

/// An Environment's System.
pub fn environment(
    environment: &Environment,
    clusters: &[ResolvedCluster],
    options: &Options,
) -> Value {
    let name = environment.metadata.name.clone().unwrap_or_default();
    let spec = &environment.spec;
    let count = clusters.iter().filter(|c| c.environment == name).count();
    let mut description = format!(
        "Environment {name}: Kubernetes {}, {count} cluster(s).",
        spec.kubernetes_version
    );
    let mut annotations = BTreeMap::from([(
        format!("{KEY}/kubernetes-version"),
        spec.kubernetes_version.clone(),
    )]);
    match &spec.promotion {
        Some(promotion) => {
            description.push_str(&format!(
                " New versions are promoted from {}{}.",
                promotion.from,
                promotion
                    .soak
                    .as_ref()
                    .map_or_else(String::new, |soak| format!(" after a {soak} soak"))
            ));
            annotations.insert(format!("{KEY}/promotion-from"), promotion.from.clone());
        }
        None => description.push_str(" It takes new versions first (no promotion source)."),
    }
    if let Some(window) = &spec.maintenance_window {
        let days: Vec<String> = window.days.iter().map(|d| format!("{d:?}")).collect();
        let window = format!(
            "{} {} for {} ({})",
            days.join(", "),
            window.start,
            window.duration,
            window.time_zone.as_deref().unwrap_or("UTC")
        );
        description.push_str(&format!(" Upgrades start in {window}."));
        annotations.insert(format!("{KEY}/maintenance-window"), window);
    }
    if let Some(allowed) = spec
        .policy
        .as_ref()
        .and_then(|p| p.allowed_infrastructures.as_ref())
        .filter(|l| !l.is_empty())
    {
        annotations.insert(format!("{KEY}/allowed-infrastructures"), allowed.join(", "));
    }
    json!({
        "apiVersion": API_VERSION,
        "kind": "System",
        "metadata": {
            "name": environment_entity(&name),
            "title": name,
            "description": description,
            "labels": label_values(BTreeMap::from([
                (format!("{KEY}/environment"), name.clone()),
                (format!("{KEY}/kubernetes-version"), spec.kubernetes_version.clone()),
            ])),
            "annotations": annotations,
            "tags": tags(&["environment"]),
        },
        "spec": {
            "owner": options.owner,
            "domain": format!("domain:{}", entity_name(&options.domain)),
            "type": "environment",
        },
    })
}

/// The fleet's Domain.
pub fn domain(options: &Options, environments: usize, clusters: usize) -> Value {
    json!({
        "apiVersion": API_VERSION,
        "kind": "Domain",
        "metadata": {
            "name": entity_name(&options.domain),
            "title": options.domain,
            "description": format!("The {} fleet of Kubernetes clusters: {environments} environment(s), {clusters} cluster(s). Generated by `drover backstage` from the fleet directory.", options.domain),
        },
        "spec": { "owner": options.owner, "type": "kubernetes-fleet" },
    })
}

/// The Location listing every other file.
pub fn location(options: &Options, targets: &[String]) -> Value {
    json!({
        "apiVersion": API_VERSION,
        "kind": "Location",
        "metadata": {
            "name": entity_name(&format!("{}-catalog", options.domain)),
            "description": "Every entity drover generates for the fleet (regenerate with `drover backstage`).",
        },
        "spec": { "targets": targets.iter().map(|t| format!("./{t}")).collect::<Vec<_>>() },
    })
}

/// Label values made valid (Backstage checks them like names).
fn label_values(labels: BTreeMap<String, String>) -> Map<String, Value> {
    labels
        .into_iter()
        .map(|(key, value)| (key, Value::String(entity_name(&value))))
        .collect()
}

fn tags(raw: &[&str]) -> Vec<String> {
    let mut tags: Vec<String> = raw.iter().map(|t| tag(t)).collect();
    tags.dedup();
    tags
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
