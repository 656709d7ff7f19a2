//! NetworkPolicies and PodDisruptionBudgets in the cluster's namespace.
//!
//! The namespace holds three kinds of pods: the vcluster control plane (`app: vcluster`), in HA
//! the deployed etcd (`app: vcluster-etcd`), and every workload pod the syncer copies from the
//! virtual cluster, CoreDNS included (`vcluster.loft.sh/managed-by: <cluster>`). The policies
//! below are additive (Kubernetes allows what any policy selecting a pod allows):
//!
//! - `<cluster>-namespace` (every pod): ingress only from pods of this namespace; egress to pods
//!   of this namespace and to DNS on port 53 anywhere (the virtual cluster's CoreDNS forwards to
//!   the node's resolvers, wherever those are). This is the isolation: other tenants' pods cannot
//!   reach this virtual cluster's pods, and its pods cannot reach the management cluster's.
//! - `<cluster>-control-plane` (control-plane pods): ingress to the API port 8443 from anywhere.
//!   The API path crosses namespaces by design: CAPVC, CAAPH and Argo CD reach the Service from
//!   their own namespaces, the ingress controller forwards Ingress (TLS passthrough) traffic, and
//!   LoadBalancer/NodePort traffic arrives from node addresses that no selector can name. The
//!   port only serves the authenticated Kubernetes API. Egress to ports 443 and 6443 anywhere:
//!   the syncer talks to the host API server through the `kubernetes` Service, whose endpoints
//!   are node (or external) addresses on 6443 or 443, not pods.
//! - `<cluster>-workloads` (synced workload pods): egress to public addresses, so workloads can
//!   pull from and call the internet, but not to private ranges (other tenants' nodes, the
//!   management network), as vcluster's own optional policy does.
//!
//! Not opened: workload Services the virtual cluster exposes as LoadBalancer or NodePort, whose
//! traffic arrives from outside the namespace; a platform that wants them adds a policy.

use serde_json::{Value, json};

use super::API_PORT;
use super::values::{control_plane_labels, etcd_labels, is_ha};
use crate::objects::meta::{MetaBuilder, object};
use crate::resolve::ResolvedCluster;

const NETWORKING_V1: &str = "networking.k8s.io/v1";
/// Label vcluster puts on every pod it syncs from the virtual cluster.
pub const MANAGED_BY_LABEL: &str = "vcluster.loft.sh/managed-by";
/// Private and special-purpose IPv4 ranges synced workloads may not reach (vcluster's defaults).
const PRIVATE_RANGES: [&str; 5] = [
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
];

fn network_policy(cluster: &ResolvedCluster, suffix: &str, spec: Value) -> Value {
    object(
        NETWORKING_V1,
        "NetworkPolicy",
        MetaBuilder::namespaced(cluster, format!("{}-{suffix}", cluster.name)),
        json!({ "spec": spec }),
    )
}

/// The three NetworkPolicies described in the module documentation.
pub(crate) fn network_policies(cluster: &ResolvedCluster) -> Vec<Value> {
    let same_namespace = json!([ { "podSelector": {} } ]);
    let dns = json!([
        { "protocol": "UDP", "port": 53 },
        { "protocol": "TCP", "port": 53 },
    ]);
    vec![
        network_policy(
            cluster,
            "namespace",
            json!({
                "podSelector": {},
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [ { "from": same_namespace } ],
                "egress": [ { "to": same_namespace }, { "ports": dns } ],
            }),
        ),
        network_policy(
            cluster,
            "control-plane",
            json!({
                "podSelector": { "matchLabels": control_plane_labels(cluster) },
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [ { "ports": [ { "protocol": "TCP", "port": API_PORT } ] } ],
                "egress": [ { "ports": [
                    { "protocol": "TCP", "port": 443 },
                    { "protocol": "TCP", "port": 6443 },
                ] } ],
            }),
        ),
        network_policy(
            cluster,
            "workloads",
            json!({
                "podSelector": { "matchLabels": { MANAGED_BY_LABEL: cluster.name } },
                "policyTypes": ["Egress"],
                "egress": [ { "to": [ { "ipBlock": {
                    "cidr": "0.0.0.0/0",
                    "except": PRIVATE_RANGES,
                } } ] } ],
            }),
        ),
    ]
}

/// Replicas that must stay up for a quorum of `replicas`.
pub(crate) fn quorum(replicas: i32) -> i32 {
    replicas / 2 + 1
}

/// For HA control planes: PodDisruptionBudgets keeping a quorum of the control-plane pods and of
/// the deployed etcd members through node drains. None for a single replica, where a budget
/// would block every drain of its node.
pub(crate) fn disruption_budgets(cluster: &ResolvedCluster) -> Vec<Value> {
    if !is_ha(cluster) {
        return Vec::new();
    }
    let min_available = quorum(cluster.control_plane.replicas);
    [
        ("control-plane", control_plane_labels(cluster)),
        ("etcd", etcd_labels(cluster)),
    ]
    .into_iter()
    .map(|(suffix, labels)| {
        object(
            "policy/v1",
            "PodDisruptionBudget",
            MetaBuilder::namespaced(cluster, format!("{}-{suffix}", cluster.name)),
            json!({ "spec": {
                "minAvailable": min_available,
                "selector": { "matchLabels": labels },
            }}),
        )
    })
    .collect()
}
