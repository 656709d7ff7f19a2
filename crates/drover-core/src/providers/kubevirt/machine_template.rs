//! `KubevirtMachineTemplate`: the VM every machine of a group is cloned from.

use serde_json::{Value, json};

use crate::objects::hash::hashed_name;
use crate::objects::meta::{MetaBuilder, object};
use crate::resolve::{ResolvedCluster, ResolvedSize};
use crate::version::KubeVersion;
use drover_api::infrastructure::{BootstrapCheck, KubevirtInfrastructure};

use super::{CAPK_V1ALPHA1, ROLE_LABEL};

/// KubeVirt's annotation allowing live migration of VMs on the pod (bridge) network.
pub const LIVE_MIGRATION_ANNOTATION: &str = "kubevirt.io/allow-pod-bridge-network-live-migration";
/// Name of the boot volume inside the VM template; CAPK renames the DataVolume to
/// `<vm>-boot` and rewrites the reference, so the short name is used in both places.
const BOOT_VOLUME: &str = "boot";

/// Which machines a template is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role<'a> {
    /// Control-plane machines; with more than one replica they must land on distinct hosts.
    ControlPlane {
        /// Control-plane replicas.
        replicas: i32,
    },
    /// A worker pool, by name; spread across hosts where possible.
    Worker(&'a str),
}

impl Role<'_> {
    fn label(&self) -> String {
        match self {
            Role::ControlPlane { .. } => "control-plane".to_owned(),
            Role::Worker(pool) => format!("worker-{pool}"),
        }
    }

    fn base_name(&self, cluster: &str) -> String {
        match self {
            Role::ControlPlane { .. } => format!("{cluster}-control-plane"),
            Role::Worker(pool) => format!("{cluster}-{pool}"),
        }
    }
}

/// The machine template for `role`, named `<base>-<content hash>`, booting the node image of
/// `version` (the control plane's or the pool's).
pub fn machine_template(
    cluster: &ResolvedCluster,
    settings: &KubevirtInfrastructure,
    role: Role<'_>,
    size: &ResolvedSize,
    version: KubeVersion,
) -> Value {
    let live_migration = settings.live_migration.unwrap_or(false);
    let vm_labels = json!({
        drover_api::labels::CLUSTER: cluster.name,
        ROLE_LABEL: role.label(),
    });
    let mut vmi_metadata = json!({ "labels": vm_labels });
    if live_migration {
        vmi_metadata["annotations"] = json!({ LIVE_MIGRATION_ANNOTATION: "true" });
    }
    let mut vmi_spec = json!({
        "domain": {
            "cpu": { "cores": size.cpu },
            "memory": { "guest": size.memory.as_ref().map(|m| m.as_str()) },
            "devices": {
                "networkInterfaceMultiqueue": true,
                "disks": [ { "name": BOOT_VOLUME, "disk": { "bus": "virtio" } } ],
            },
        },
        // Without live migration CAPK handles evictions itself (drain, then recreate the VM).
        "evictionStrategy": if live_migration { "LiveMigrate" } else { "External" },
        "volumes": [ { "name": BOOT_VOLUME, "dataVolume": { "name": BOOT_VOLUME } } ],
    });
    if let Some(affinity) = anti_affinity(cluster, role) {
        vmi_spec["affinity"] = affinity;
    }
    let image = settings
        .node_image
        .replace("{{version}}", &version.to_string());
    let access_mode = if live_migration {
        "ReadWriteMany"
    } else {
        "ReadWriteOnce"
    };
    let check = match settings.bootstrap_check.unwrap_or(BootstrapCheck::Ssh) {
        BootstrapCheck::Ssh => "ssh",
        BootstrapCheck::None => "none",
    };
    let spec = json!({
        "template": {
            "spec": {
                "virtualMachineBootstrapCheck": { "checkStrategy": check },
                "virtualMachineTemplate": {
                    "metadata": { "namespace": cluster.namespace },
                    "spec": {
                        "runStrategy": "Always",
                        "dataVolumeTemplates": [ {
                            "metadata": { "name": BOOT_VOLUME },
                            "spec": {
                                "source": { "registry": { "url": format!("docker://{image}") } },
                                // CDI's storage API, with access and volume mode spelled out: storage
                                // classes without a CDI StorageProfile (NFS) cannot infer them.
                                "storage": {
                                    "accessModes": [access_mode],
                                    "volumeMode": "Filesystem",
                                    "storageClassName": settings.storage_class,
                                    "resources": { "requests": { "storage": size.disk.as_ref().map(|d| d.as_str()) } },
                                },
                            },
                        } ],
                        "template": { "metadata": vmi_metadata, "spec": vmi_spec },
                    },
                },
            }
        }
    });
    let name = hashed_name(&role.base_name(&cluster.name), &spec);
    object(
        CAPK_V1ALPHA1,
        "KubevirtMachineTemplate",
        MetaBuilder::namespaced(cluster, name),
        json!({ "spec": spec }),
    )
}

/// Control-plane VMs of an HA cluster must run on distinct hosts (required), so losing a host
/// never loses etcd quorum; workers of one pool prefer distinct hosts.
fn anti_affinity(cluster: &ResolvedCluster, role: Role<'_>) -> Option<Value> {
    let selector = json!({ "matchLabels": {
        drover_api::labels::CLUSTER: cluster.name,
        ROLE_LABEL: role.label(),
    }});
    let term = json!({ "labelSelector": selector, "topologyKey": "kubernetes.io/hostname" });
    match role {
        Role::ControlPlane { replicas } if replicas > 1 => Some(
            json!({ "podAntiAffinity": { "requiredDuringSchedulingIgnoredDuringExecution": [term] } }),
        ),
        Role::ControlPlane { .. } => None,
        Role::Worker(_) => Some(json!({ "podAntiAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [ { "weight": 100, "podAffinityTerm": term } ]
        }})),
    }
}
