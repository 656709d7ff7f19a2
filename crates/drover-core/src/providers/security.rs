//! Which parts of a cluster's security baseline each kind of control plane can honour, and the
//! objects shared by every provider (the default-deny network policy).
//!
//! A setting a provider cannot honour is an [`Issue`] at the claim's `spec.security` field
//! (whether the setting came from the claim or its environment): `validate` refuses the cluster
//! rather than rendering it without the setting.

use drover_api::labels;
use drover_api::security::{CniEncryption, NetworkPolicyDefault};
use drover_api::workload_cluster::Addon;
use serde_json::{Value, json};

use super::Issue;
use crate::objects::meta::{MetaBuilder, object};
use crate::resolve::ResolvedCluster;

/// apiVersion of CAPI's ClusterResourceSet.
const CRS_V1BETA2: &str = "addons.cluster.x-k8s.io/v1beta2";
/// Key of the ConfigMap holding the default-deny policy.
pub const DEFAULT_DENY_KEY: &str = "default-deny.yaml";

/// The kind of control plane a provider runs, as far as the security baseline is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ControlPlaneKind {
    /// kubeadm on machines (KubeVirt, Docker, vSphere, AWS kubeadm): flags, files, volumes.
    Kubeadm,
    /// Talos (Proxmox): the machine configuration's own fields.
    Talos,
    /// A vcluster's virtual API server.
    Vcluster,
    /// Amazon EKS.
    Eks,
    /// Azure AKS.
    Aks,
    /// Google GKE.
    Gke,
}

/// Every part of `cluster`'s baseline `kind` (named `label` in messages) cannot honour.
pub fn check_security(
    issues: &mut Vec<Issue>,
    cluster: &ResolvedCluster,
    kind: ControlPlaneKind,
    label: &str,
) {
    use ControlPlaneKind::{Aks, Eks, Gke, Kubeadm, Talos, Vcluster};
    let security = &cluster.security;
    let mut refuse = |field: &str, reason: &str| {
        issues.push(Issue::new(
            format!("spec.security.{field}"),
            format!("not supported by {label}: {reason}"),
        ));
    };
    if let Some(oidc) = &security.oidc {
        match kind {
            Kubeadm | Talos if oidc.certificate_authority.is_some() => refuse(
                "authentication.oidc.certificateAuthority",
                "the control-plane nodes' bootstrap reads files only inline or from Secrets, not from a ConfigMap; use an issuer whose serving certificate the node image trusts",
            ),
            Eks if oidc.certificate_authority.is_some() => refuse(
                "authentication.oidc.certificateAuthority",
                "EKS requires an issuer with a publicly trusted certificate",
            ),
            Aks => refuse(
                "authentication.oidc",
                "AKS authenticates people with Microsoft Entra ID; CAPZ exposes no other OpenID Connect issuer",
            ),
            Gke => refuse(
                "authentication.oidc",
                "CAPG can only switch on GKE Identity Service, whose issuer is configured inside the cluster",
            ),
            _ => {}
        }
    }
    if let Some(audit) = &security.audit {
        let custom = audit.level != drover_api::security::AuditLevel::Metadata
            || !audit.resources.is_empty()
            || audit.policy.is_some();
        let retention = audit.max_age_days.is_some()
            || audit.max_size_mb.is_some()
            || audit.max_backups.is_some();
        match kind {
            Kubeadm | Talos if audit.policy.is_some() => refuse(
                "audit.policy",
                "the control-plane nodes' bootstrap cannot read a ConfigMap; use the preset (level and resources)",
            ),
            Eks | Gke if custom => refuse(
                "audit",
                "the cloud logs with its own audit policy; leave out level, resources and policy",
            ),
            Aks => refuse(
                "audit",
                "AKS audit logs are exported by Azure Monitor diagnostic settings, which CAPZ does not manage",
            ),
            _ => {}
        }
        if retention && matches!(kind, Eks | Gke) {
            refuse(
                "audit.retention",
                "the cloud's log service keeps the audit log (its retention is set there, not on the cluster)",
            );
        }
        if retention && kind == Vcluster {
            refuse(
                "audit.retention",
                "the virtual API server writes its audit log to the control plane's container log, which the management cluster's log pipeline keeps",
            );
        }
    }
    if let Some(encryption) = &security.encryption {
        let others = encryption.resources.iter().any(|r| r != "secrets");
        match kind {
            Talos if others => refuse(
                "encryptionAtRest.resources",
                "Talos encrypts Secrets (with the secretbox key of the cluster's secrets bundle) and nothing else",
            ),
            Eks | Aks | Gke if others => refuse(
                "encryptionAtRest.resources",
                "the cloud's envelope encryption covers Secrets only",
            ),
            Aks | Gke if encryption.kms_key.is_some() => refuse(
                "encryptionAtRest.kmsKey",
                "the provider exposes no customer-managed key for etcd encryption",
            ),
            _ => {}
        }
        if encryption.kms_key.is_some() && matches!(kind, Kubeadm | Talos | Vcluster) {
            refuse(
                "encryptionAtRest.kmsKey",
                "a KMS key is for managed clouds (EKS); self-managed control planes encrypt with the key in the cluster's encryption Secret",
            );
        }
    }
    if security.pod_security.is_some() {
        match kind {
            Eks | Aks | Gke => refuse(
                "podSecurity",
                "the cloud runs the API server with its own admission configuration; label namespaces (`pod-security.kubernetes.io/enforce`) instead",
            ),
            _ => {}
        }
    }
    let cilium = cluster.addons.contains(&Addon::Cilium);
    let needs_cilium = [
        (
            "networkPolicy",
            security.network_policy == NetworkPolicyDefault::DefaultDeny,
        ),
        (
            "cni.encryption",
            security.cni_encryption != CniEncryption::Disabled,
        ),
        ("cni.hubble", security.hubble),
    ];
    for (field, wanted) in needs_cilium {
        if wanted && !cilium {
            refuse(
                field,
                "drover sets it through the Cilium add-on, and the cluster's CNI is not Cilium (spec.network.cni; with Cilium, drover installs the add-on)",
            );
        }
    }
}

/// Cilium Helm values for the baseline's CNI options (empty when none is set).
pub fn cilium_values(cluster: &ResolvedCluster) -> String {
    let mut values = String::new();
    if cluster.security.cni_encryption == CniEncryption::Wireguard {
        values.push_str("encryption:\n  enabled: true\n  type: wireguard\n");
    }
    if cluster.security.hubble {
        values.push_str("hubble:\n  enabled: true\n  relay:\n    enabled: true\n");
    }
    values
}

/// For a default-deny baseline: a ConfigMap with a `CiliumClusterwideNetworkPolicy` that puts
/// every pod outside `kube-system` into default deny in both directions, DNS to the cluster's
/// CoreDNS excepted, and the ClusterResourceSet that applies it to the workload cluster (again
/// whenever it changes). It covers namespaces created later too; workloads open what they need
/// with their own NetworkPolicies, which add to it.
pub fn default_deny_objects(cluster: &ResolvedCluster) -> Vec<Value> {
    if cluster.security.network_policy != NetworkPolicyDefault::DefaultDeny {
        return Vec::new();
    }
    let policy = json!({
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumClusterwideNetworkPolicy",
        "metadata": { "name": "drover-default-deny" },
        "spec": {
            "description": "drover: deny all traffic of pods outside kube-system but DNS; allow more with NetworkPolicies",
            "endpointSelector": { "matchExpressions": [ {
                "key": "io.kubernetes.pod.namespace",
                "operator": "NotIn",
                "values": ["kube-system"],
            } ] },
            "enableDefaultDeny": { "ingress": true, "egress": true },
            "egress": [ {
                "toEndpoints": [ { "matchLabels": {
                    "io.kubernetes.pod.namespace": "kube-system",
                    "k8s-app": "kube-dns",
                } } ],
                "toPorts": [ { "ports": [ { "port": "53", "protocol": "ANY" } ] } ],
            } ],
        },
    });
    let name = format!("{}-default-deny", cluster.name);
    let config_map = object(
        "v1",
        "ConfigMap",
        MetaBuilder::namespaced(cluster, &name),
        json!({ "data": { DEFAULT_DENY_KEY: drover_yaml::to_yaml(&policy) } }),
    );
    let resource_set = object(
        CRS_V1BETA2,
        "ClusterResourceSet",
        MetaBuilder::namespaced(cluster, &name),
        json!({ "spec": {
            "clusterSelector": { "matchLabels": { labels::CLUSTER: cluster.name } },
            "resources": [ { "kind": "ConfigMap", "name": name } ],
            "strategy": "Reconcile",
        }}),
    );
    vec![config_map, resource_set]
}
