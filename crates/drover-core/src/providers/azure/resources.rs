//! The Azure Service Operator resources embedded in CAPZ's ASO-based kinds. Their schemas are
//! not in CAPZ's CRDs (`x-kubernetes-preserve-unknown-fields`), so field names here follow CAPZ's
//! `aks-aso` flavor and ASO's `containerservice.azure.com/v1api20231001` and
//! `resources.azure.com/v1api20200601` types exactly.
//!
//! CAPZ derives some fields from the CAPI objects and refuses embedded values that differ:
//! `kubernetesVersion` (control plane `version` without `v`), `podCidr` and `serviceCidr` (the
//! Cluster's first pod and service blocks), and each agent pool's `count` (MachinePool replicas)
//! and `orchestratorVersion` (MachinePool version without `v`). drover writes the same values,
//! so the embedded resources read as what AKS gets.

use drover_api::infrastructure::AzureInfrastructure;
use drover_api::workload_cluster::Cni;
use ipnet::IpNet;
use serde_json::{Map, Value, json};

use super::super::cloud::disk_gib;
use crate::resolve::{ResolvedCluster, WorkerGroup};
use crate::version::KubeVersion;

/// apiVersion of ASO's AKS resources (the version CAPZ's own mutators convert).
pub const ASO_CONTAINERSERVICE: &str = "containerservice.azure.com/v1api20231001";
/// apiVersion of ASO's resource groups.
pub const ASO_RESOURCES: &str = "resources.azure.com/v1api20200601";
/// ASO reads the resource's credential from this Secret (same namespace).
const CREDENTIAL_FROM: &str = "serviceoperator.azure.com/credential-from";
/// ASO's reconcile policy: `skip` never creates, changes or deletes the Azure resource.
const RECONCILE_POLICY: &str = "serviceoperator.azure.com/reconcile-policy";

/// `metadata` of an embedded ASO resource: name and, when the Infrastructure names one, the
/// credential Secret.
fn metadata(settings: &AzureInfrastructure, name: &str, extra: &[(&str, &str)]) -> Value {
    let mut annotations = Map::new();
    if let Some(secret) = &settings.credential_secret {
        annotations.insert(CREDENTIAL_FROM.to_owned(), json!(secret));
    }
    for (key, value) in extra {
        annotations.insert((*key).to_owned(), json!(value));
    }
    let mut meta = json!({ "name": name });
    if !annotations.is_empty() {
        meta["annotations"] = Value::Object(annotations);
    }
    meta
}

/// The cluster's resource group: its own (named after the cluster, deleted with it) or the
/// Infrastructure's shared one, which ASO only reads (`reconcile-policy: skip`) so deleting one
/// cluster never deletes the others'.
pub(super) fn resource_group(cluster: &ResolvedCluster, settings: &AzureInfrastructure) -> Value {
    let mut spec = json!({ "location": settings.location });
    let meta = match &settings.resource_group {
        Some(shared) => {
            spec["azureName"] = json!(shared);
            metadata(settings, &cluster.name, &[(RECONCILE_POLICY, "skip")])
        }
        None => metadata(settings, &cluster.name, &[]),
    };
    json!({
        "apiVersion": ASO_RESOURCES,
        "kind": "ResourceGroup",
        "metadata": meta,
        "spec": spec,
    })
}

/// The cluster DNS service's address: the 10th of the service network (AKS's own convention,
/// `10.0.0.10` in its default `10.0.0.0/16`). AKS rejects an address outside the network.
pub fn dns_service_ip(services: IpNet) -> Option<String> {
    match services {
        IpNet::V4(net) => {
            let address = std::net::Ipv4Addr::from(u32::from(net.network()).checked_add(10)?);
            net.contains(&address).then(|| address.to_string())
        }
        IpNet::V6(_) => None,
    }
}

/// The AKS cluster: system-assigned identity, Azure CNI in overlay mode (pods take addresses from
/// the claim's pod network, not the virtual network), Cilium as dataplane when the claim asks
/// for it.
pub(super) fn managed_cluster(cluster: &ResolvedCluster, settings: &AzureInfrastructure) -> Value {
    let mut network = json!({
        "networkPlugin": "azure",
        "networkPluginMode": "overlay",
    });
    if cluster.network.cni == Cni::Cilium {
        network["networkDataplane"] = json!("cilium");
        network["networkPolicy"] = json!("cilium");
    }
    network["podCidr"] = json!(cluster.network.pod_cidr.to_string());
    network["serviceCidr"] = json!(cluster.network.service_cidr.to_string());
    if let Some(address) = dns_service_ip(cluster.network.service_cidr) {
        network["dnsServiceIP"] = json!(address);
    }
    json!({
        "apiVersion": ASO_CONTAINERSERVICE,
        "kind": "ManagedCluster",
        "metadata": metadata(settings, &cluster.name, &[]),
        "spec": {
            "owner": { "name": cluster.name },
            "location": settings.location,
            "dnsPrefix": cluster.name,
            "kubernetesVersion": aks_version(cluster.control_plane.version),
            "identity": { "type": "SystemAssigned" },
            "servicePrincipalProfile": { "clientId": "msi" },
            "networkProfile": network,
        },
    })
}

/// A Kubernetes version as AKS writes it: `MAJOR.MINOR.PATCH`, no `v` (what CAPZ derives from
/// the control plane's and the MachinePools' `version`).
pub fn aks_version(version: KubeVersion) -> String {
    format!("{}.{}.{}", version.major, version.minor, version.patch)
}

/// The AKS agent pool name of a worker pool: hyphens dropped, then `^[a-z][a-z0-9]{0,11}$`
/// (AKS's rule for Linux pools), or `None` when that is impossible.
pub fn agent_pool_name(pool: &str) -> Option<String> {
    let name: String = pool.chars().filter(|c| *c != '-').collect();
    let mut chars = name.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name.len() <= 12;
    valid.then_some(name)
}

/// The agent pool of `pool`: the first pool is AKS's `System` pool, the others `User` pools.
pub(super) fn agent_pool(
    cluster: &ResolvedCluster,
    settings: &AzureInfrastructure,
    pool: &WorkerGroup,
    system: bool,
) -> Value {
    let mut spec = json!({
        "azureName": agent_pool_name(&pool.name).unwrap_or_default(),
        "owner": { "name": cluster.name },
        "mode": if system { "System" } else { "User" },
        "type": "VirtualMachineScaleSets",
        "vmSize": pool.size.instance_type.as_deref().unwrap_or_default(),
        "count": pool.replicas,
        "orchestratorVersion": aks_version(pool.version),
    });
    if let Some(gib) = disk_gib(&pool.size) {
        spec["osDiskSizeGB"] = json!(gib);
    }
    if !pool.node_labels.is_empty() {
        spec["nodeLabels"] = json!(pool.node_labels);
    }
    json!({
        "apiVersion": ASO_CONTAINERSERVICE,
        "kind": "ManagedClustersAgentPool",
        "metadata": metadata(settings, &format!("{}-{}", cluster.name, pool.name), &[]),
        "spec": spec,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_pool_names_follow_aks_rules() {
        assert_eq!(agent_pool_name("md-0").as_deref(), Some("md0"));
        assert_eq!(agent_pool_name("batch").as_deref(), Some("batch"));
        assert_eq!(agent_pool_name("0pool"), None);
        assert_eq!(agent_pool_name("-"), None);
    }

    #[test]
    fn dns_service_ip_is_the_tenth_address() {
        let net: IpNet = "10.95.0.0/16".parse().expect("cidr");
        assert_eq!(dns_service_ip(net).as_deref(), Some("10.95.0.10"));
        let tiny: IpNet = "10.95.0.0/29".parse().expect("cidr");
        assert_eq!(dns_service_ip(tiny), None);
    }
}
