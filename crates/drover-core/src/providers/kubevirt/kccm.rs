//! The KubeVirt cloud controller manager (KCCM) of one workload cluster. It runs in the
//! cluster's namespace on the management cluster, talks to the workload cluster through CAPI's
//! kubeconfig Secret, and turns the workload cluster's LoadBalancer Services into Services in
//! front of the VMs (which MetalLB then answers).
//!
//! Two upstream template bugs that users fix with `sed` are fixed here at the source:
//! `--cluster-name` is a plain argument (upstream renders it with literal quotes, so the KCCM
//! looks for a cluster named `"payments"`), and the Deployment prefers nodes carrying
//! `node-role.kubernetes.io/control-plane` (upstream requires the removed `master` label, so the
//! pod never schedules).

use serde_json::{Value, json};

use crate::objects::meta::{MetaBuilder, object};
use crate::resolve::ResolvedCluster;

/// KCCM image used when the Infrastructure does not pin one.
pub const DEFAULT_KCCM_IMAGE: &str = "quay.io/kubevirt/kubevirt-cloud-controller-manager:v0.5.1";
const APP_LABEL: &str = "kubevirt-cloud-controller-manager";
/// CAPK deletes objects carrying this label (and the cluster-name label) with the cluster.
const CAPK_EXTRA_RESOURCE: (&str, &str) = ("capk.cluster.x-k8s.io/template-kind", "extra-resource");

fn name(cluster: &ResolvedCluster) -> String {
    format!("{}-kccm", cluster.name)
}

fn meta(cluster: &ResolvedCluster, name: impl Into<String>) -> MetaBuilder {
    MetaBuilder::namespaced(cluster, name).label(CAPK_EXTRA_RESOURCE.0, CAPK_EXTRA_RESOURCE.1)
}

/// The rules of the KCCM's Role: exactly what it needs in the cluster's namespace (upstream
/// CAPK's rules). Whoever creates the Role must hold them (RBAC forbids granting more than one
/// has), so the controller's own ClusterRole includes them.
pub fn role_rules() -> Value {
    json!([
        { "apiGroups": ["kubevirt.io"], "resources": ["virtualmachines"], "verbs": ["get", "watch", "list"] },
        { "apiGroups": ["kubevirt.io"], "resources": ["virtualmachineinstances"], "verbs": ["get", "watch", "list", "update"] },
        { "apiGroups": [""], "resources": ["pods"], "verbs": ["get", "watch", "list"] },
        { "apiGroups": [""], "resources": ["services"], "verbs": ["*"] },
    ])
}

/// ServiceAccount, Role, RoleBinding, ConfigMap and Deployment of the cluster's KCCM. Names
/// carry the cluster's name (upstream's fixed names allow one cluster per namespace).
pub fn objects(cluster: &ResolvedCluster, image: Option<&str>) -> Vec<Value> {
    let name = name(cluster);
    let config_map = format!("{name}-cloud-config");
    vec![
        object("v1", "ServiceAccount", meta(cluster, &name), json!({})),
        object(
            "rbac.authorization.k8s.io/v1",
            "Role",
            meta(cluster, &name),
            json!({ "rules": role_rules() }),
        ),
        object(
            "rbac.authorization.k8s.io/v1",
            "RoleBinding",
            meta(cluster, &name),
            json!({
                "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name },
                "subjects": [ { "kind": "ServiceAccount", "name": name, "namespace": cluster.namespace } ],
            }),
        ),
        object(
            "v1",
            "ConfigMap",
            meta(cluster, &config_map),
            // zoneAndRegionEnabled would need cluster-wide node reads the namespaced Role lacks.
            json!({ "data": { "cloud-config": format!(
                "loadBalancer:\n  creationPollInterval: 5\n  creationPollTimeout: 60\nnamespace: {}\ninstancesV2:\n  enabled: true\n  zoneAndRegionEnabled: false\n",
                cluster.namespace
            )}}),
        ),
        deployment(
            cluster,
            &name,
            &config_map,
            image.unwrap_or(DEFAULT_KCCM_IMAGE),
        ),
    ]
}

fn deployment(cluster: &ResolvedCluster, name: &str, config_map: &str, image: &str) -> Value {
    let pod_labels = json!({
        "app.kubernetes.io/name": APP_LABEL,
        drover_api::labels::CAPI_CLUSTER_NAME: cluster.name,
        CAPK_EXTRA_RESOURCE.0: CAPK_EXTRA_RESOURCE.1,
    });
    object(
        "apps/v1",
        "Deployment",
        meta(cluster, name),
        json!({ "spec": {
            "replicas": 1,
            "selector": { "matchLabels": {
                "app.kubernetes.io/name": APP_LABEL,
                drover_api::labels::CAPI_CLUSTER_NAME: cluster.name,
            }},
            "template": {
                "metadata": { "labels": pod_labels },
                "spec": {
                    "serviceAccountName": name,
                    // Prefer the management cluster's control-plane nodes, as upstream does, but
                    // by the label's presence and without requiring it: kubeadm sets it to "",
                    // k3s and RKE2 to "true", and managed clusters show no such nodes at all, so
                    // a selector on the value could leave the KCCM (and every tenant
                    // LoadBalancer Service) pending forever.
                    "affinity": { "nodeAffinity": { "preferredDuringSchedulingIgnoredDuringExecution": [ {
                        "weight": 100,
                        "preference": { "matchExpressions": [
                            { "key": "node-role.kubernetes.io/control-plane", "operator": "Exists" },
                        ]},
                    } ] } },
                    "tolerations": [
                        { "key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule" },
                    ],
                    // Restricted-compliant: upstream's `privileged: true` is not needed.
                    "securityContext": {
                        "runAsNonRoot": true,
                        "runAsUser": 65532,
                        "runAsGroup": 65532,
                        "seccompProfile": { "type": "RuntimeDefault" },
                    },
                    "containers": [ {
                        "name": "kubevirt-cloud-controller-manager",
                        "image": image,
                        "imagePullPolicy": "IfNotPresent",
                        "command": ["/bin/kubevirt-cloud-controller-manager"],
                        "args": [
                            "--cloud-provider=kubevirt",
                            "--cloud-config=/etc/cloud/cloud-config",
                            "--kubeconfig=/etc/kubernetes/kubeconfig/value",
                            "--authentication-skip-lookup=true",
                            format!("--cluster-name={}", cluster.name),
                            // The serving certificate goes to a writable emptyDir (non-root pod).
                            "--cert-dir=/tmp/kccm",
                        ],
                        "resources": { "requests": { "cpu": "100m", "memory": "64Mi" } },
                        "securityContext": {
                            "allowPrivilegeEscalation": false,
                            "capabilities": { "drop": ["ALL"] },
                        },
                        "volumeMounts": [
                            { "name": "kubeconfig", "mountPath": "/etc/kubernetes/kubeconfig", "readOnly": true },
                            { "name": "cloud-config", "mountPath": "/etc/cloud", "readOnly": true },
                            { "name": "tmp", "mountPath": "/tmp" },
                        ],
                    } ],
                    "volumes": [
                        { "name": "kubeconfig", "secret": { "secretName": format!("{}-kubeconfig", cluster.name) } },
                        { "name": "cloud-config", "configMap": { "name": config_map } },
                        { "name": "tmp", "emptyDir": {} },
                    ],
                }
            }
        }}),
    )
}
