//! The vcluster chart values (`vcluster.yaml` format of chart 0.20 and later) for one cluster.
//!
//! Every key here exists from chart 0.20 on:
//! - Kubernetes version: `controlPlane.distro.k8s.version`, the value vcluster added for Cluster
//!   API (0.20, loft-sh/vcluster#2031). In 0.20–0.24 it sets the tags of the API server,
//!   controller manager and scheduler images; from 0.25 on, where one `ghcr.io/loft-sh/kubernetes`
//!   image replaced them, it still takes precedence over `controlPlane.distro.k8s.image.tag`
//!   (which 0.20–0.22 do not have, so drover does not write it). The `k8s` distro is enabled
//!   explicitly: 0.20–0.24 default to k3s, and a distro cannot change after install.
//! - Storage: one replica keeps its data in the embedded SQLite database on the control plane's
//!   own volume (`controlPlane.statefulSet.persistence.volumeClaim`). An HA control plane needs a
//!   shared backing store: `controlPlane.backingStore.etcd.deploy` (an etcd StatefulSet the chart
//!   deploys, open source; embedded etcd is an Enterprise feature), with the disk on etcd's
//!   volumes and none on the then stateless control-plane pods. vcluster cannot change the backing
//!   store of an installed virtual cluster, nor resize the deployed etcd (its members are fixed at
//!   creation): moving a claim between 1 and 3+ replicas means re-creating the cluster.

use drover_api::infrastructure::VclusterInfrastructure;
use serde_json::{Map, Value, json};

use super::Access;
use crate::resolve::ResolvedCluster;

/// Label the chart puts on the Service in front of the control plane (not on the headless one).
pub const VCLUSTER_SERVICE_LABEL: &str = "vcluster.loft.sh/service";

/// Labels of the control-plane pods (the chart's Service selector).
pub(crate) fn control_plane_labels(cluster: &ResolvedCluster) -> Value {
    json!({ "app": "vcluster", "release": cluster.name })
}

/// Labels of the deployed etcd's pods.
pub(crate) fn etcd_labels(cluster: &ResolvedCluster) -> Value {
    json!({ "app": "vcluster-etcd", "release": cluster.name })
}

/// Whether the control plane is HA (and so uses the deployed etcd).
pub(crate) fn is_ha(cluster: &ResolvedCluster) -> bool {
    cluster.control_plane.replicas > 1
}

fn volume_claim(cluster: &ResolvedCluster, settings: &VclusterInfrastructure) -> Value {
    let mut claim = Map::new();
    claim.insert("enabled".to_owned(), json!(true));
    if let Some(disk) = &cluster.control_plane.size.disk {
        claim.insert("size".to_owned(), json!(disk.as_str()));
    }
    if let Some(class) = &settings.storage_class {
        claim.insert("storageClass".to_owned(), json!(class));
    }
    Value::Object(claim)
}

/// The values, as a JSON value (written out as YAML into the VCluster's `helmRelease.values`).
pub(crate) fn values(
    cluster: &ResolvedCluster,
    settings: &VclusterInfrastructure,
    access: &Access,
) -> Value {
    let replicas = cluster.control_plane.replicas;
    let size = &cluster.control_plane.size;
    let mut compute = Map::new();
    if let Some(cpu) = size.cpu {
        compute.insert("cpu".to_owned(), json!(cpu.to_string()));
    }
    if let Some(memory) = &size.memory {
        compute.insert("memory".to_owned(), json!(memory.as_str()));
    }

    let mut control_plane = Map::new();
    let mut k8s = json!({ "enabled": true, "version": cluster.control_plane.version.to_string() });
    // The security baseline: flags of the virtual API server and files from pod volumes.
    let security = super::security::api_server(cluster);
    if !security.args.is_empty() {
        k8s["apiServer"] = json!({ "extraArgs": security.args });
    }
    control_plane.insert("distro".to_owned(), json!({ "k8s": k8s }));
    if is_ha(cluster) {
        control_plane.insert(
            "backingStore".to_owned(),
            json!({ "etcd": { "deploy": {
                "enabled": true,
                "statefulSet": {
                    "highAvailability": { "replicas": replicas },
                    "persistence": { "volumeClaim": volume_claim(cluster, settings) },
                },
            }}}),
        );
    }

    let mut stateful_set = Map::new();
    stateful_set.insert(
        "highAvailability".to_owned(),
        json!({ "replicas": replicas }),
    );
    // Requests and limits from the size: the control plane gets what the size promises, and
    // cannot take more from the tenants sharing the management cluster. The chart's
    // ephemeral-storage requests and limits stay as they are.
    stateful_set.insert(
        "resources".to_owned(),
        json!({ "requests": compute.clone(), "limits": compute }),
    );
    let mut persistence = json!({ "volumeClaim": if is_ha(cluster) {
        // Data lives in the deployed etcd; the control-plane pods are stateless.
        json!({ "enabled": false })
    } else {
        volume_claim(cluster, settings)
    }});
    if !security.volumes.is_empty() {
        persistence["addVolumes"] = json!(security.volumes);
        persistence["addVolumeMounts"] = json!(security.mounts);
    }
    stateful_set.insert("persistence".to_owned(), persistence);
    if is_ha(cluster) {
        // Spread the replicas over nodes where the management cluster has enough of them;
        // preferred, not required, so a small management cluster still schedules them all.
        stateful_set.insert(
            "scheduling".to_owned(),
            json!({ "affinity": { "podAntiAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [ {
                    "weight": 100,
                    "podAffinityTerm": {
                        "labelSelector": { "matchLabels": control_plane_labels(cluster) },
                        "topologyKey": "kubernetes.io/hostname",
                    },
                } ],
            }}}),
        );
    }
    control_plane.insert("statefulSet".to_owned(), Value::Object(stateful_set));

    let service_type = match access {
        Access::LoadBalancer => "LoadBalancer",
        Access::NodePort => "NodePort",
        Access::ClusterIp | Access::Ingress { .. } => "ClusterIP",
    };
    control_plane.insert(
        "service".to_owned(),
        json!({ "spec": { "type": service_type } }),
    );
    if let Access::Ingress { host, class_name } = access {
        // The chart's default annotations ask ingress-nginx for TLS passthrough to the control
        // plane, which terminates TLS itself; they are kept.
        control_plane.insert(
            "ingress".to_owned(),
            json!({
                "enabled": true,
                "host": host,
                "spec": { "ingressClassName": class_name },
            }),
        );
        // The control plane's serving certificate must name the host clients connect to.
        control_plane.insert("proxy".to_owned(), json!({ "extraSANs": [host] }));
    }
    json!({ "controlPlane": control_plane })
}
