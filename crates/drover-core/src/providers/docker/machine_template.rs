//! `DockerMachineTemplate`: the node container every machine of a group is created from.

use serde_json::{Value, json};

use super::CAPD_V1BETA2;
use crate::render::hash::hashed_name;
use crate::render::meta::{MetaBuilder, object};
use crate::resolve::ResolvedCluster;
use crate::version::KubeVersion;

/// Node image when the Infrastructure names none; `{{version}}` is the Kubernetes version.
pub const DEFAULT_NODE_IMAGE: &str = "kindest/node:{{version}}";
/// The Docker host's socket, mounted into every node as CAPD's templates do, so a workload
/// cluster can itself run CAPD (self-hosted test clusters). Whoever controls the workload cluster
/// controls the Docker host: local test clusters only.
pub const DOCKER_SOCKET: &str = "/var/run/docker.sock";

/// The machine template named `<base>-<content hash>`, running `image` (or
/// [`DEFAULT_NODE_IMAGE`]) at `version` (the control plane's or the pool's).
pub fn machine_template(
    cluster: &ResolvedCluster,
    image: Option<&str>,
    base: &str,
    version: KubeVersion,
) -> Value {
    // Image tags cannot hold `+` (build metadata); kind tags use `_` instead, as CAPD's
    // templates do. drover's versions have none today; this keeps the image valid if they do.
    let version = version.to_string().replace('+', "_");
    let image = image
        .unwrap_or(DEFAULT_NODE_IMAGE)
        .replace("{{version}}", &version);
    let spec = json!({
        "template": {
            "spec": {
                "customImage": image,
                "extraMounts": [ { "containerPath": DOCKER_SOCKET, "hostPath": DOCKER_SOCKET } ],
            }
        }
    });
    object(
        CAPD_V1BETA2,
        "DockerMachineTemplate",
        MetaBuilder::namespaced(cluster, hashed_name(base, &spec)),
        json!({ "spec": spec }),
    )
}
