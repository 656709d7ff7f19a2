//! The tree model of `describe cluster`: one [`Node`] per object (or condition, or group of
//! Machines), each with the object's summary condition.
//!
//! Which condition sums an object up follows CAPI v1beta2 and clusterctl: `Available` for the
//! Cluster, the control plane and MachineDeployments/MachinePools, `Ready` for Machines and
//! infrastructure objects; the other one when the first is absent, then the provider contract's
//! `status.initialization.provisioned` / `status.ready` booleans.

use std::collections::BTreeMap;

use drover_api::workload_cluster::ReplicaCounts;
use drover_api::{ConditionStatus, ConditionType, WorkloadCluster};
use serde::Serialize;
use serde_json::Value;

use super::{ClusterObjects, DescribeOptions, GROUP_MACHINES_ABOVE, replica_counts};
use crate::fleetview::clusters::{ClusterRow, counts_text};
use crate::fleetview::{one_line, status_name};

/// CAPI's label on control-plane Machines.
const CONTROL_PLANE_LABEL: &str = "cluster.x-k8s.io/control-plane";
/// CAPI's label naming a Machine's MachineDeployment.
const DEPLOYMENT_LABEL: &str = "cluster.x-k8s.io/deployment-name";
/// CAPI's label naming a Machine's MachinePool.
const POOL_LABEL: &str = "cluster.x-k8s.io/pool-name";

/// One row of the tree.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    /// `Kind/name`, `Role - Kind/name`, a condition type, or a group (`Workers`, `5 Machines`).
    pub name: String,
    /// Status of the summary condition: `True`, `False` or `Unknown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready: Option<String>,
    /// Ready / desired replicas.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<ReplicaCounts>,
    /// Kubernetes version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Reason of the summary condition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Message of the summary condition, on one line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// When the summary condition last changed (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<String>,
    /// Rows below this one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Node>,
}

impl Node {
    fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }
}

/// The summary condition of a CAPI object.
#[derive(Default)]
struct Summary {
    ready: Option<String>,
    reason: Option<String>,
    message: Option<String>,
    last_transition_time: Option<String>,
}

fn summary(object: &Value, types: &[&str]) -> Summary {
    let conditions = object["status"]["conditions"].as_array();
    let found = types.iter().find_map(|type_| {
        conditions?
            .iter()
            .find(|c| c["type"].as_str() == Some(type_))
    });
    if let Some(condition) = found {
        let text = |key: &str| {
            condition[key]
                .as_str()
                .map(one_line)
                .filter(|s| !s.is_empty())
        };
        return Summary {
            ready: Some(text("status").unwrap_or_else(|| "Unknown".to_owned())),
            reason: text("reason"),
            message: text("message"),
            last_transition_time: text("lastTransitionTime"),
        };
    }
    let status = &object["status"];
    let flag = status["initialization"]["provisioned"]
        .as_bool()
        .or_else(|| status["ready"].as_bool());
    Summary {
        ready: flag.map(|f| if f { "True" } else { "False" }.to_owned()),
        ..Summary::default()
    }
}

fn object_node(label: String, object: &Value, types: &[&str]) -> Node {
    let summary = summary(object, types);
    Node {
        name: label,
        ready: summary.ready,
        reason: summary.reason,
        message: summary.message,
        last_transition_time: summary.last_transition_time,
        ..Node::default()
    }
}

fn kind_name(object: &Value) -> String {
    format!(
        "{}/{}",
        object["kind"].as_str().unwrap_or("?"),
        object["metadata"]["name"].as_str().unwrap_or("?")
    )
}

fn label<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object["metadata"]["labels"][key].as_str()
}

fn name(object: &Value) -> &str {
    object["metadata"]["name"].as_str().unwrap_or_default()
}

/// The claim's node: its `Ready` condition, its other conditions (only those that do not hold,
/// unless `show_all_conditions`), then the CAPI Cluster's subtree.
pub(super) fn claim_node(
    claim: &WorkloadCluster,
    objects: &ClusterObjects,
    options: DescribeOptions,
) -> Node {
    let row = ClusterRow::of(claim);
    let conditions = claim
        .status
        .as_ref()
        .map(|s| s.conditions.as_slice())
        .unwrap_or_default();
    let ready = conditions.iter().find(|c| c.type_ == ConditionType::Ready);
    let mut node = Node {
        name: format!("WorkloadCluster/{}", row.name),
        ready: ready.map(|c| status_name(c.status).to_owned()),
        version: Some(row.version_text()),
        reason: ready.map(|c| c.reason.clone()).filter(|r| !r.is_empty()),
        message: ready
            .map(|c| one_line(&c.message))
            .filter(|m| !m.is_empty()),
        last_transition_time: ready.map(|c| c.last_transition_time.clone()),
        ..Node::default()
    };
    let mut shown: Vec<_> = conditions
        .iter()
        .filter(|c| c.type_ != ConditionType::Ready)
        .filter(|c| options.show_all_conditions || c.status != ConditionStatus::True)
        .collect();
    shown.sort_by_key(|c| c.type_);
    node.children.extend(shown.into_iter().map(|c| Node {
        name: c.type_.as_str().to_owned(),
        ready: Some(status_name(c.status).to_owned()),
        reason: Some(c.reason.clone()).filter(|r| !r.is_empty()),
        message: Some(one_line(&c.message)).filter(|m| !m.is_empty()),
        last_transition_time: Some(c.last_transition_time.clone()),
        ..Node::default()
    }));
    node.children.push(match &objects.cluster {
        Some(cluster) => cluster_node(cluster, objects, options),
        None => Node {
            message: Some("not created".to_owned()),
            ..Node::named(format!("Cluster/{}", row.name))
        },
    });
    node
}

fn cluster_node(cluster: &Value, objects: &ClusterObjects, options: DescribeOptions) -> Node {
    let mut node = object_node(kind_name(cluster), cluster, &["Available", "Ready"]);
    let mut machines: Vec<&Value> = objects.machines.iter().collect();
    machines.sort_by_key(|m| name(m));

    let spec = &cluster["spec"];
    if let Some(infrastructure) = &objects.infrastructure {
        let title = format!("ClusterInfrastructure - {}", kind_name(infrastructure));
        node.children
            .push(object_node(title, infrastructure, &["Ready", "Available"]));
    } else if let Some(reference) = spec["infrastructureRef"]["name"].as_str() {
        node.children.push(missing_reference(
            "ClusterInfrastructure",
            &spec["infrastructureRef"],
            reference,
        ));
    }

    if let Some(control_plane) = &objects.control_plane {
        let title = format!("ControlPlane - {}", kind_name(control_plane));
        let mut cp = object_node(title, control_plane, &["Available", "Ready"]);
        cp.replicas = replica_counts(control_plane);
        cp.version = control_plane["spec"]["version"].as_str().map(str::to_owned);
        let (own, rest): (Vec<&Value>, Vec<&Value>) = machines
            .into_iter()
            .partition(|m| label(m, CONTROL_PLANE_LABEL).is_some());
        machines = rest;
        cp.children = machine_nodes(&own, options);
        node.children.push(cp);
    } else if let Some(reference) = spec["controlPlaneRef"]["name"].as_str() {
        node.children.push(missing_reference(
            "ControlPlane",
            &spec["controlPlaneRef"],
            reference,
        ));
    }

    let mut workers = Node::named("Workers");
    let mut pools: Vec<(&Value, &str)> = objects
        .machine_deployments
        .iter()
        .map(|md| (md, DEPLOYMENT_LABEL))
        .chain(objects.machine_pools.iter().map(|mp| (mp, POOL_LABEL)))
        .collect();
    pools.sort_by_key(|(pool, _)| (pool["kind"].as_str().unwrap_or_default(), name(pool)));
    let mut total: Option<ReplicaCounts> = None;
    for (pool, owner_label) in pools {
        let mut pool_node = object_node(kind_name(pool), pool, &["Available", "Ready"]);
        pool_node.replicas = replica_counts(pool);
        pool_node.version = pool["spec"]["template"]["spec"]["version"]
            .as_str()
            .map(str::to_owned);
        if let Some(counts) = pool_node.replicas {
            let sum = total.get_or_insert_with(ReplicaCounts::default);
            sum.ready += counts.ready;
            sum.desired += counts.desired;
        }
        let (own, rest): (Vec<&Value>, Vec<&Value>) = machines
            .into_iter()
            .partition(|m| label(m, owner_label) == Some(name(pool)));
        machines = rest;
        pool_node.children = machine_nodes(&own, options);
        workers.children.push(pool_node);
    }
    if !workers.children.is_empty() {
        workers.replicas = total;
        node.children.push(workers);
    }
    // Machines no listed owner claims (their owner is not readable or already gone).
    node.children.extend(machine_nodes(&machines, options));
    node
}

fn missing_reference(role: &str, reference: &Value, name: &str) -> Node {
    let kind = reference["kind"].as_str().unwrap_or("?");
    Node {
        message: Some("not found".to_owned()),
        ..Node::named(format!("{role} - {kind}/{name}"))
    }
}

fn machine_node(machine: &Value) -> Node {
    let mut node = object_node(kind_name(machine), machine, &["Ready", "Available"]);
    node.version = machine["spec"]["version"].as_str().map(str::to_owned);
    if node.reason.is_none() {
        node.reason = machine["status"]["phase"].as_str().map(str::to_owned);
    }
    node
}

/// One node per Machine, in name order, except that more than [`GROUP_MACHINES_ABOVE`] ready
/// Machines at one version become one `N Machines` node where the first of them would be (unless
/// `expand_machines`).
fn machine_nodes(machines: &[&Value], options: DescribeOptions) -> Vec<Node> {
    let nodes: Vec<Node> = machines.iter().map(|m| machine_node(m)).collect();
    if options.expand_machines {
        return nodes;
    }
    let is_ready = |node: &Node| node.ready.as_deref() == Some("True");
    let mut groups: BTreeMap<Option<String>, Vec<&Node>> = BTreeMap::new();
    for node in nodes.iter().filter(|n| is_ready(n)) {
        groups.entry(node.version.clone()).or_default().push(node);
    }
    groups.retain(|_, group| group.len() > GROUP_MACHINES_ABOVE);
    let mut out = Vec::new();
    for node in &nodes {
        if !is_ready(node) {
            out.push(node.clone());
            continue;
        }
        match groups.remove(&node.version) {
            Some(group) => out.push(Node {
                name: format!("{} Machines", group.len()),
                ready: Some("True".to_owned()),
                version: node.version.clone(),
                last_transition_time: group
                    .iter()
                    .filter_map(|n| n.last_transition_time.clone())
                    .max(),
                ..Node::default()
            }),
            // Either a member of a group already shown, or a Machine shown on its own.
            None if grouped_version(&nodes, node, is_ready) => {}
            None => out.push(node.clone()),
        }
    }
    out
}

/// Whether `node` belongs to a group of more than [`GROUP_MACHINES_ABOVE`] ready Machines.
fn grouped_version(nodes: &[Node], node: &Node, is_ready: impl Fn(&Node) -> bool) -> bool {
    nodes
        .iter()
        .filter(|n| is_ready(n) && n.version == node.version)
        .count()
        > GROUP_MACHINES_ABOVE
}

/// The text of a node's REPLICAS cell.
pub(super) fn replicas_text(node: &Node) -> String {
    node.replicas
        .map(|r| counts_text(Some(r)))
        .unwrap_or_default()
}
