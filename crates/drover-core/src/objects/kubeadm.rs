//! kubeadm-based control planes and worker bootstrap (`KubeadmControlPlane`,
//! `KubeadmConfigTemplate`, v1beta2), shared by the providers whose nodes run kubeadm
//! (KubeVirt, Docker, vSphere, AWS self-managed). A provider says what is particular to its
//! nodes through [`KubeadmNodeSettings`].

use serde_json::{Value, json};

use super::hash::hashed_name;
use super::manifest::TypedRef;
use super::meta::{MetaBuilder, object};
use crate::resolve::{ResolvedCluster, WorkerGroup};

/// apiVersion of the kubeadm control-plane provider.
pub const CONTROLPLANE_V1BETA2: &str = "controlplane.cluster.x-k8s.io/v1beta2";
/// apiVersion of the kubeadm bootstrap provider.
pub const BOOTSTRAP_V1BETA2: &str = "bootstrap.cluster.x-k8s.io/v1beta2";
/// containerd's socket, the CRI of every kubeadm node image drover renders for.
pub const CONTAINERD_SOCKET: &str = "unix:///var/run/containerd/containerd.sock";

/// What a provider's kubeadm nodes need beyond the defaults.
#[derive(Clone, Debug, Default)]
pub struct KubeadmNodeSettings {
    /// kubelet flags for every node (`("cloud-provider", "external")`).
    pub kubelet_extra_args: Vec<(String, String)>,
    /// Files written before kubeadm runs, on control-plane nodes only (e.g. static pods).
    pub control_plane_files: Vec<Value>,
    /// Commands run before kubeadm on control-plane nodes.
    pub control_plane_pre_commands: Vec<String>,
    /// Extra Subject Alternative Names of the API server certificate.
    pub api_server_cert_sans: Vec<String>,
    /// Roll the control plane by removing a machine before adding its replacement. Needed where
    /// a surge machine has nowhere to go (hard anti-affinity with as many hosts as replicas).
    pub control_plane_scale_in_first: bool,
    /// Commands run before kubeadm on every node (before `control_plane_pre_commands` on
    /// control-plane nodes).
    pub pre_commands: Vec<String>,
    /// Users created on every node (kubeadm `users` entries, e.g. with SSH keys).
    pub users: Vec<Value>,
    /// kube-controller-manager flags (`("cloud-provider", "external")`).
    pub controller_manager_extra_args: Vec<(String, String)>,
    /// Node name every node registers with (a cloud-init template such as
    /// `{{ ds.meta_data.local_hostname }}`, which cloud controllers expect on AWS); default: the
    /// host name.
    pub node_name: Option<String>,
}

/// kubeadm v1beta2 `extraArgs`: a list of `{name, value}`.
fn extra_args(args: &[(String, String)]) -> Vec<Value> {
    args.iter()
        .map(|(name, value)| json!({ "name": name, "value": value }))
        .collect()
}

fn node_registration(settings: &KubeadmNodeSettings, node_labels: Option<String>) -> Value {
    let mut args = extra_args(&settings.kubelet_extra_args);
    if let Some(labels) = node_labels {
        args.push(json!({ "name": "node-labels", "value": labels }));
    }
    let mut registration = json!({ "criSocket": CONTAINERD_SOCKET });
    if let Some(name) = &settings.node_name {
        registration["name"] = json!(name);
    }
    if !args.is_empty() {
        registration["kubeletExtraArgs"] = Value::Array(args);
    }
    registration
}

/// The KubeadmControlPlane of `cluster` at the control plane's version, using the control-plane
/// machine template `template`.
/// Rolls one machine at a time, with one surge machine (`maxSurge: 1`) unless the provider asks
/// to scale in first (only allowed from 3 replicas, where etcd keeps quorum with one gone).
pub fn control_plane(
    cluster: &ResolvedCluster,
    template: &TypedRef,
    settings: &KubeadmNodeSettings,
) -> Value {
    let registration = node_registration(settings, None);
    let mut config = json!({
        "initConfiguration": { "nodeRegistration": registration.clone() },
        "joinConfiguration": { "nodeRegistration": registration },
    });
    let mut cluster_configuration = serde_json::Map::new();
    let security = super::security::kubeadm_api_server(cluster);
    let mut api_server = serde_json::Map::new();
    if !settings.api_server_cert_sans.is_empty() {
        api_server.insert("certSANs".to_owned(), json!(settings.api_server_cert_sans));
    }
    if !security.extra_args.is_empty() {
        api_server.insert(
            "extraArgs".to_owned(),
            json!(extra_args(&security.extra_args)),
        );
    }
    if !security.extra_volumes.is_empty() {
        api_server.insert("extraVolumes".to_owned(), json!(security.extra_volumes));
    }
    if !api_server.is_empty() {
        cluster_configuration.insert("apiServer".to_owned(), Value::Object(api_server));
    }
    if !settings.controller_manager_extra_args.is_empty() {
        cluster_configuration.insert(
            "controllerManager".to_owned(),
            json!({ "extraArgs": extra_args(&settings.controller_manager_extra_args) }),
        );
    }
    if !cluster_configuration.is_empty() {
        config["clusterConfiguration"] = Value::Object(cluster_configuration);
    }
    let files: Vec<Value> = settings
        .control_plane_files
        .iter()
        .chain(&security.files)
        .cloned()
        .collect();
    if !files.is_empty() {
        config["files"] = Value::Array(files);
    }
    let pre_commands: Vec<&String> = settings
        .pre_commands
        .iter()
        .chain(&settings.control_plane_pre_commands)
        .collect();
    if !pre_commands.is_empty() {
        config["preKubeadmCommands"] = json!(pre_commands);
    }
    if !settings.users.is_empty() {
        config["users"] = Value::Array(settings.users.clone());
    }
    let max_surge = if settings.control_plane_scale_in_first && cluster.control_plane.replicas >= 3
    {
        0
    } else {
        1
    };
    object(
        CONTROLPLANE_V1BETA2,
        "KubeadmControlPlane",
        MetaBuilder::namespaced(cluster, format!("{}-control-plane", cluster.name)),
        json!({
            "spec": {
                "replicas": cluster.control_plane.replicas,
                "version": cluster.control_plane.version.to_string(),
                "machineTemplate": { "spec": {
                    "infrastructureRef": template.to_json(),
                    "deletion": { "nodeDrainTimeoutSeconds": 600, "nodeVolumeDetachTimeoutSeconds": 300 },
                }},
                "kubeadmConfigSpec": config,
                "rollout": { "strategy": { "type": "RollingUpdate", "rollingUpdate": { "maxSurge": max_surge } } },
                "remediation": { "maxRetry": 3, "retryPeriodSeconds": 300, "minHealthyPeriodSeconds": 3600 },
            }
        }),
    )
}

/// The KubeadmConfigTemplate for a worker pool, named by content hash (templates are immutable:
/// a change makes a new template and rolls the pool).
pub fn worker_config_template(
    cluster: &ResolvedCluster,
    pool: &WorkerGroup,
    settings: &KubeadmNodeSettings,
) -> Value {
    let labels = (!pool.node_labels.is_empty()).then(|| {
        pool.node_labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    });
    let mut config =
        json!({ "joinConfiguration": { "nodeRegistration": node_registration(settings, labels) } });
    if !settings.pre_commands.is_empty() {
        config["preKubeadmCommands"] = json!(settings.pre_commands);
    }
    if !settings.users.is_empty() {
        config["users"] = Value::Array(settings.users.clone());
    }
    let spec = json!({ "template": { "spec": config } });
    let name = hashed_name(&format!("{}-{}", cluster.name, pool.name), &spec);
    object(
        BOOTSTRAP_V1BETA2,
        "KubeadmConfigTemplate",
        MetaBuilder::namespaced(cluster, name),
        json!({ "spec": spec }),
    )
}
