//! The KubeVirt cloud controller manager (KCCM) of one workload cluster. It runs in the
//! cluster's namespace on the management cluster, talks to the workload cluster through CAPI's
//! kubeconfig Secret, and turns the workload cluster's LoadBalancer Services into Services in
//! front of the VMs (which MetalLB then answers).
//!
//! Two upstream template bugs that users fix with `sed` are fixed here at the source:
//! `--cluster-name` is a plain argument (upstream renders it with literal quotes, so the KCCM
//! looks for a cluster named `"payments"`), and the Deployment selects
//! `node-role.kubernetes.io/control-plane` (upstream uses the removed `master` label, so the pod
//! never schedules).

use serde_json::{json, Value};

use crate::render::meta::{object, MetaBuilder};
use crate::resolve::ResolvedCluster;

/// KCCM image used when the Infrastructure does not pin one.
pub const DEFAULT_KCCM_IMAGE: &str = "quay.io/kubevirt/kubevirt-cloud-controller-manager:v0.5.1";
const SERVICE_ACCOUNT: &str = "cloud-controller-manager";
const APP_LABEL: &str = "kubevirt-cloud-controller-manager";

fn name(cluster: &ResolvedCluster) -> String {
    format!("{}-kccm", cluster.name)
}

/// ServiceAccount, Role, RoleBinding, ConfigMap and Deployment of the cluster's KCCM.
pub fn objects(cluster: &ResolvedCluster, image: Option<&str>) -> Vec<Value> {
    let name = name(cluster);
    let meta = || MetaBuilder::namespaced(cluster, &name);
    vec![
        object("v1", "ServiceAccount", MetaBuilder::namespaced(cluster, SERVICE_ACCOUNT), json!({})),
        object(
            "rbac.authorization.k8s.io/v1",
            "Role",
            meta(),
            json!({ "rules": [
                { "apiGroups": ["kubevirt.io"], "resources": ["virtualmachines"], "verbs": ["get", "watch", "list"] },
                { "apiGroups": ["kubevirt.io"], "resources": ["virtualmachineinstances"], "verbs": ["get", "watch", "list", "update"] },
                { "apiGroups": [""], "resources": ["pods"], "verbs": ["get", "watch", "list"] },
                { "apiGroups": [""], "resources": ["services"], "verbs": ["*"] },
                { "apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["get", "watch", "list", "create", "update", "delete"] },
            ]}),
        ),
        object(
            "rbac.authorization.k8s.io/v1",
            "RoleBinding",
            meta(),
            json!({
                "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name },
                "subjects": [ { "kind": "ServiceAccount", "name": SERVICE_ACCOUNT, "namespace": cluster.namespace } ],
            }),
        ),
        object(
            "v1",
            "ConfigMap",
            meta(),
            json!({ "data": { "cloud-config": format!(
                "loadBalancer:\n  creationPollInterval: 5\n  creationPollTimeout: 60\nnamespace: {}\ninstancesV2:\n  enabled: true\n  zoneAndRegionEnabled: false\n",
                cluster.namespace
            )}}),
        ),
        deployment(cluster, &name, image.unwrap_or(DEFAULT_KCCM_IMAGE)),
    ]
}

fn deployment(cluster: &ResolvedCluster, name: &str, image: &str) -> Value {
    object(
        "apps/v1",
        "Deployment",
        MetaBuilder::namespaced(cluster, name),
        json!({ "spec": {
            "replicas": 1,
            "selector": { "matchLabels": { "app": APP_LABEL, drover_api::labels::CLUSTER: cluster.name } },
            "template": {
                "metadata": { "labels": { "app": APP_LABEL, drover_api::labels::CLUSTER: cluster.name } },
                "spec": {
                    "serviceAccountName": SERVICE_ACCOUNT,
                    "nodeSelector": { "node-role.kubernetes.io/control-plane": "" },
                    "tolerations": [
                        { "key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule" },
                        { "key": "node.cloudprovider.kubernetes.io/uninitialized", "value": "true", "effect": "NoSchedule" },
                    ],
                    "securityContext": { "runAsNonRoot": true, "seccompProfile": { "type": "RuntimeDefault" } },
                    "containers": [ {
                        "name": "kubevirt-cloud-controller-manager",
                        "image": image,
                        "command": ["/bin/kubevirt-cloud-controller-manager"],
                        "args": [
                            "--cloud-provider=kubevirt",
                            "--cloud-config=/etc/cloud/cloud-config",
                            "--kubeconfig=/etc/kubernetes/kubeconfig/value",
                            "--authentication-skip-lookup=true",
                            format!("--cluster-name={}", cluster.name),
                        ],
                        "resources": { "requests": { "cpu": "100m", "memory": "64Mi" } },
                        "securityContext": {
                            "allowPrivilegeEscalation": false,
                            "capabilities": { "drop": ["ALL"] },
                            "runAsNonRoot": true,
                            "runAsUser": 65532,
                        },
                        "volumeMounts": [
                            { "name": "kubeconfig", "mountPath": "/etc/kubernetes/kubeconfig", "readOnly": true },
                            { "name": "cloud-config", "mountPath": "/etc/cloud", "readOnly": true },
                        ],
                    } ],
                    "volumes": [
                        { "name": "kubeconfig", "secret": { "secretName": format!("{}-kubeconfig", cluster.name) } },
                        { "name": "cloud-config", "configMap": { "name": name } },
                    ],
                }
            }
        }}),
    )
}
