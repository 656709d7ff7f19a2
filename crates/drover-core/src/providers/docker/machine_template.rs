//! `DevMachineTemplate`: the machine every machine of a group is created from, with the
//! `docker` backend (a node container) or the `inMemory` backend (a simulated machine).

use serde_json::{Value, json};

use super::CAPD_V1BETA2;
use crate::objects::hash::hashed_name;
use crate::objects::meta::{MetaBuilder, object};
use crate::resolve::ResolvedCluster;

/// The Docker host's socket, mounted into every node as CAPD's templates do, so a workload
/// cluster can itself run CAPD (self-hosted test clusters). Whoever controls the workload cluster
/// controls the Docker host: local test clusters only.
pub const DOCKER_SOCKET: &str = "/var/run/docker.sock";

/// Provisioning of a simulated machine, phase by phase (`vm`, `node`, `apiServer`, `etcd`):
/// startup duration and jitter (a fraction of the duration added at random), the values of
/// CAPI's `clusterclass-in-memory.yaml` (CAPD templates): a machine is Ready in about 15 s.
pub const IN_MEMORY_PROVISIONING: [(&str, &str, &str); 4] = [
    ("vm", "10s", "0.2"),
    ("node", "2s", "0.2"),
    ("apiServer", "2s", "0.2"),
    ("etcd", "2s", "0.2"),
];

/// The `docker` backend's template named `<base>-<content hash>`, running `image` (the node
/// image of the control plane's or the pool's version): a new version is a new template.
pub fn docker_machine_template(cluster: &ResolvedCluster, image: &str, base: &str) -> Value {
    let spec = json!({
        "template": {
            "spec": {
                "backend": {
                    "docker": {
                        "customImage": image,
                        "extraMounts": [ { "containerPath": DOCKER_SOCKET, "hostPath": DOCKER_SOCKET } ],
                    }
                }
            }
        }
    });
    template(cluster, base, spec)
}

/// The `inMemory` backend's template named `<base>-<content hash>`. A simulated machine has no
/// image: the version lives on the Machine only, so the name does not change with it.
pub fn in_memory_machine_template(cluster: &ResolvedCluster, base: &str) -> Value {
    let backend: serde_json::Map<String, Value> = IN_MEMORY_PROVISIONING
        .iter()
        .map(|(phase, duration, jitter)| {
            (
                (*phase).to_owned(),
                json!({ "provisioning": { "startupDuration": duration, "startupJitter": jitter } }),
            )
        })
        .collect();
    let spec = json!({ "template": { "spec": { "backend": { "inMemory": backend } } } });
    template(cluster, base, spec)
}

fn template(cluster: &ResolvedCluster, base: &str, spec: Value) -> Value {
    object(
        CAPD_V1BETA2,
        "DevMachineTemplate",
        MetaBuilder::namespaced(cluster, hashed_name(base, &spec)),
        json!({ "spec": spec }),
    )
}
