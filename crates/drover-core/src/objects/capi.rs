//! The provider-independent Cluster API core objects (`cluster.x-k8s.io/v1beta2`): the Cluster,
//! MachineDeployments and MachineHealthChecks. Providers supply the references they point to.

use drover_api::labels;
use serde_json::{Value, json};

use super::manifest::TypedRef;
use super::meta::{MetaBuilder, object};
use crate::resolve::{ResolvedCluster, WorkerGroup, cni_name};

/// apiVersion of CAPI core kinds.
pub const CAPI_V1BETA2: &str = "cluster.x-k8s.io/v1beta2";
/// Label CAPI puts on every Machine of a MachineDeployment.
pub const DEPLOYMENT_NAME_LABEL: &str = "cluster.x-k8s.io/deployment-name";
/// Label CAPI puts on control-plane Machines.
pub const CONTROL_PLANE_LABEL: &str = "cluster.x-k8s.io/control-plane";

/// The CAPI `Cluster`, pointing at the provider's control plane and infrastructure objects.
pub fn cluster(
    cluster: &ResolvedCluster,
    control_plane: &TypedRef,
    infrastructure: &TypedRef,
) -> Value {
    let meta = MetaBuilder::namespaced(cluster, &cluster.name)
        .label(labels::CNI, cni_name(cluster.network.cni))
        .label(labels::INFRASTRUCTURE, &cluster.infrastructure);
    object(
        CAPI_V1BETA2,
        "Cluster",
        meta,
        json!({
            "spec": {
                "clusterNetwork": {
                    "pods": { "cidrBlocks": [cluster.network.pod_cidr.to_string()] },
                    "services": { "cidrBlocks": [cluster.network.service_cidr.to_string()] },
                },
                "controlPlaneRef": control_plane.to_json(),
                "infrastructureRef": infrastructure.to_json(),
            }
        }),
    )
}

/// Name of a worker pool's MachineDeployment (`payments-md-0`).
pub fn machine_deployment_name(cluster: &ResolvedCluster, pool: &WorkerGroup) -> String {
    format!("{}-{}", cluster.name, pool.name)
}

/// A MachineDeployment for `pool` at the pool's version, using the given bootstrap and
/// infrastructure templates.
/// Rolls one machine at a time with one surge machine, so capacity needs one extra VM per pool.
pub fn machine_deployment(
    cluster: &ResolvedCluster,
    pool: &WorkerGroup,
    bootstrap: &TypedRef,
    infrastructure: &TypedRef,
) -> Value {
    let name = machine_deployment_name(cluster, pool);
    let mut template_labels = serde_json::Map::new();
    template_labels.insert(labels::CAPI_CLUSTER_NAME.to_owned(), json!(cluster.name));
    template_labels.insert(DEPLOYMENT_NAME_LABEL.to_owned(), json!(name));
    object(
        CAPI_V1BETA2,
        "MachineDeployment",
        MetaBuilder::namespaced(cluster, &name),
        json!({
            "spec": {
                "clusterName": cluster.name,
                "replicas": pool.replicas,
                "selector": { "matchLabels": template_labels.clone() },
                "rollout": {
                    "strategy": {
                        "type": "RollingUpdate",
                        "rollingUpdate": { "maxSurge": 1, "maxUnavailable": 0 },
                    }
                },
                "template": {
                    "metadata": { "labels": template_labels },
                    "spec": {
                        "clusterName": cluster.name,
                        "version": pool.version.to_string(),
                        "bootstrap": { "configRef": bootstrap.to_json() },
                        "infrastructureRef": infrastructure.to_json(),
                    }
                }
            }
        }),
    )
}

/// Name of a worker pool's MachinePool (`payments-md-0`), same as its MachineDeployment would be.
pub fn machine_pool_name(cluster: &ResolvedCluster, pool: &WorkerGroup) -> String {
    machine_deployment_name(cluster, pool)
}

/// How a MachinePool's machines get their bootstrap data.
#[derive(Clone, Debug)]
pub enum PoolBootstrap {
    /// A bootstrap config template (kubeadm, EKS config, ...).
    Config(TypedRef),
    /// The cloud bootstraps the nodes itself (managed node pools): an empty data secret name.
    Managed,
}

/// A MachinePool for `pool`, for providers whose worker pools are cloud-managed node groups
/// (EKS managed node groups, AKS agent pools, GKE node pools). `infrastructure` is the
/// provider's machine-pool object.
pub fn machine_pool(
    cluster: &ResolvedCluster,
    pool: &WorkerGroup,
    bootstrap: &PoolBootstrap,
    infrastructure: &TypedRef,
) -> Value {
    let bootstrap = match bootstrap {
        PoolBootstrap::Config(config) => json!({ "configRef": config.to_json() }),
        PoolBootstrap::Managed => json!({ "dataSecretName": "" }),
    };
    object(
        CAPI_V1BETA2,
        "MachinePool",
        MetaBuilder::namespaced(cluster, machine_pool_name(cluster, pool)),
        json!({
            "spec": {
                "clusterName": cluster.name,
                "replicas": pool.replicas,
                "template": {
                    "spec": {
                        "clusterName": cluster.name,
                        "version": pool.version.to_string(),
                        "bootstrap": bootstrap,
                        "infrastructureRef": infrastructure.to_json(),
                    }
                }
            }
        }),
    )
}

/// How long a new machine may take to become a Node: VM clusters import a 100 GiB boot disk and
/// run an SSH bootstrap check first, which CAPI's 10 minute default does not cover.
pub const NODE_STARTUP_TIMEOUT_SECONDS: i32 = 1800;

/// `unhealthyLessThanOrEqualTo` of the control plane's health check: no limit. The control plane
/// (KCP) is the one that remediates, one machine at a time, and refuses when etcd would lose
/// quorum or only one machine is left; a lower limit only blocks safe remediations (CAPI counts
/// a surge machine still starting as unhealthy). CAPI's own control-plane example uses 100%.
pub const CONTROL_PLANE_UNHEALTHY_LIMIT: &str = "100%";

/// Share of a worker pool that may be unhealthy before its health check stops remediating, the
/// circuit breaker against a cause that is not the machines (network, storage).
pub const WORKER_UNHEALTHY_PERCENT: u32 = 40;

/// `unhealthyLessThanOrEqualTo` of a worker pool's health check. CAPI scales a percentage by the
/// machines the check targets and rounds down, so 40% of 1 or 2 machines is 0 and would never
/// remediate: small pools get the smallest percentage that allows one machine (100% of 1, 50% of
/// 2). A percentage, not a count, so it follows the target count when a rollout adds a machine.
pub fn worker_unhealthy_limit(replicas: i32) -> String {
    let machines = u32::try_from(replicas).unwrap_or(0).max(1);
    let one_machine = 100_u32.div_ceil(machines);
    format!("{}%", WORKER_UNHEALTHY_PERCENT.max(one_machine))
}

/// Nodes that stay not-Ready or Unknown for 5 minutes are remediated.
fn unhealthy_node_conditions() -> Value {
    json!([
        { "type": "Ready", "status": "Unknown", "timeoutSeconds": 300 },
        { "type": "Ready", "status": "False", "timeoutSeconds": 300 },
    ])
}

/// The control plane's health check (see [`CONTROL_PLANE_UNHEALTHY_LIMIT`]).
pub fn control_plane_health_check(cluster: &ResolvedCluster) -> Value {
    object(
        CAPI_V1BETA2,
        "MachineHealthCheck",
        MetaBuilder::namespaced(cluster, format!("{}-control-plane", cluster.name)),
        json!({
            "spec": {
                "clusterName": cluster.name,
                "selector": { "matchLabels": {
                    labels::CAPI_CLUSTER_NAME: cluster.name,
                    CONTROL_PLANE_LABEL: "",
                }},
                "checks": {
                    "nodeStartupTimeoutSeconds": NODE_STARTUP_TIMEOUT_SECONDS,
                    "unhealthyNodeConditions": unhealthy_node_conditions(),
                },
                "remediation": { "triggerIf": {
                    "unhealthyLessThanOrEqualTo": CONTROL_PLANE_UNHEALTHY_LIMIT,
                } },
            }
        }),
    )
}

/// A worker pool's health check: it stops remediating when too many of the pool's machines are
/// unhealthy at once (see [`worker_unhealthy_limit`]).
pub fn pool_health_check(cluster: &ResolvedCluster, pool: &WorkerGroup) -> Value {
    let deployment = machine_deployment_name(cluster, pool);
    object(
        CAPI_V1BETA2,
        "MachineHealthCheck",
        MetaBuilder::namespaced(cluster, &deployment),
        json!({
            "spec": {
                "clusterName": cluster.name,
                "selector": { "matchLabels": {
                    labels::CAPI_CLUSTER_NAME: cluster.name,
                    DEPLOYMENT_NAME_LABEL: deployment,
                }},
                "checks": {
                    "nodeStartupTimeoutSeconds": NODE_STARTUP_TIMEOUT_SECONDS,
                    "unhealthyNodeConditions": unhealthy_node_conditions(),
                },
                "remediation": { "triggerIf": {
                    "unhealthyLessThanOrEqualTo": worker_unhealthy_limit(pool.replicas),
                } },
            }
        }),
    )
}
