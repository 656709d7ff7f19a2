//! Docker (CAPD, `infrastructure.cluster.x-k8s.io/v1beta2`): every node is a `kindest/node`
//! container on the management cluster's Docker host, bootstrapped by kubeadm, with CAPD's
//! HAProxy container in front of the API servers. For local test clusters only.
//!
//! Containers have no size of their own (they share the host's CPU, memory and disk), so a size
//! only names a pool; a size setting anything is refused rather than silently ignored.

mod machine_template;

pub use machine_template::{DEFAULT_NODE_IMAGE, DOCKER_SOCKET};

use drover_api::ProviderKind;
use drover_api::infrastructure::DockerInfrastructure;
use drover_api::workload_cluster::{Cni, ExternalAccessType};
use serde_json::json;

use super::{Issue, Provider, ProviderParts};
use crate::render::kubeadm::{self, KubeadmNodeSettings};
use crate::render::meta::{MetaBuilder, object};
use crate::render::{AddonSettings, PodSecurityLevel, RenderError, TypedRef};
use crate::resolve::{ResolvedCluster, ResolvedSize};
use machine_template::machine_template;

/// apiVersion of CAPD's kinds (the storage version of the CRDs drover targets).
pub const CAPD_V1BETA2: &str = "infrastructure.cluster.x-k8s.io/v1beta2";
/// kubelet hard-eviction thresholds of container nodes. The node's filesystem is the Docker
/// host's, shared with everything else on it: disk-pressure eviction would evict pods for space
/// other containers use, so it is switched off (what CAPD and kind set).
pub const EVICTION_HARD: &str = "nodefs.available<0%,nodefs.inodesFree<0%,imagefs.available<0%";
/// Extra API server certificate names of CAPD's templates: clients on the Docker host reach the
/// API through the load balancer's port published on the host's loopback address (and Docker
/// Desktop through `host.docker.internal`).
pub const API_SERVER_CERT_SANS: [&str; 4] =
    ["localhost", "127.0.0.1", "0.0.0.0", "host.docker.internal"];

/// The Docker provider for one Infrastructure's settings.
pub struct Docker<'a> {
    settings: &'a DockerInfrastructure,
}

impl<'a> Docker<'a> {
    /// The provider with the Infrastructure's `docker` block.
    pub fn new(settings: &'a DockerInfrastructure) -> Self {
        Self { settings }
    }
}

fn check_size(issues: &mut Vec<Issue>, field: &str, size: &ResolvedSize) {
    let mut set = Vec::new();
    if size.cpu.is_some() {
        set.push("cpu");
    }
    if size.memory.is_some() {
        set.push("memory");
    }
    if size.disk.is_some() {
        set.push("disk");
    }
    if size.instance_type.is_some() {
        set.push("instanceType");
    }
    if !set.is_empty() {
        issues.push(Issue::new(
            field,
            format!(
                "size `{}` sets {}, which provider `docker` cannot honour (node containers share the Docker host's resources); use a size without settings",
                size.name,
                set.join(", ")
            ),
        ));
    }
}

/// kubeadm settings of container nodes. The cgroup flags CAPD also injects (`cgroup-root`,
/// `runtime-cgroups`) depend on the kind version that built the node image, so they are left to
/// CAPD, which reads that from the image.
fn node_settings() -> KubeadmNodeSettings {
    KubeadmNodeSettings {
        kubelet_extra_args: vec![("eviction-hard".to_owned(), EVICTION_HARD.to_owned())],
        api_server_cert_sans: API_SERVER_CERT_SANS.map(str::to_owned).to_vec(),
        ..KubeadmNodeSettings::default()
    }
}

impl Provider for Docker<'_> {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Docker
    }

    fn check(&self, cluster: &ResolvedCluster) -> Vec<Issue> {
        let mut issues = Vec::new();
        match cluster.external_access {
            Some(ExternalAccessType::Ingress) | Some(ExternalAccessType::NodePort) => {
                issues.push(Issue::new(
                    "spec.externalAccess.type",
                    "provider `docker` exposes the API server only through CAPD's load-balancer container: use `LoadBalancer` (or leave externalAccess out)",
                ));
            }
            Some(ExternalAccessType::LoadBalancer) | None => {}
        }
        if cluster.external_host.is_some() {
            issues.push(Issue::new(
                "spec.externalAccess.host",
                "a host name is only used with `Ingress` access, which provider `docker` does not support",
            ));
        }
        if cluster.network.cni == Cni::Provider {
            issues.push(Issue::new(
                "spec.network.cni",
                "provider `docker` has no network of its own for pods (CAPD installs no CNI): choose `cilium` or `calico` and list it in spec.addons",
            ));
        }
        check_size(
            &mut issues,
            "spec.controlPlane.size",
            &cluster.control_plane.size,
        );
        for (index, pool) in cluster.workers.iter().enumerate() {
            check_size(
                &mut issues,
                &format!("spec.workers[{index}].size"),
                &pool.size,
            );
        }
        issues
    }

    fn build(&self, cluster: &ResolvedCluster) -> Result<ProviderParts, RenderError> {
        // CAPD's defaults: one HAProxy load-balancer container (kindest/haproxy) in front of the
        // control-plane containers, its endpoint filled in by CAPD.
        let infra_cluster = object(
            CAPD_V1BETA2,
            "DockerCluster",
            MetaBuilder::namespaced(cluster, &cluster.name),
            json!({ "spec": {} }),
        );
        let image = self.settings.node_image.as_deref();
        let settings = node_settings();

        let cp_template = machine_template(
            cluster,
            image,
            &format!("{}-control-plane", cluster.name),
            cluster.control_plane.version,
        );
        let control_plane = kubeadm::control_plane(cluster, &TypedRef::of(&cp_template), &settings);

        let infrastructure_ref = TypedRef::of(&infra_cluster);
        let control_plane_ref = TypedRef::of(&control_plane);
        let mut objects = vec![infra_cluster, cp_template, control_plane];
        objects.extend(kubeadm::worker_pools(cluster, &settings, |pool| {
            machine_template(
                cluster,
                image,
                &format!("{}-{}", cluster.name, pool.name),
                pool.version,
            )
        }));

        Ok(ProviderParts {
            infrastructure_ref: Some(infrastructure_ref),
            control_plane_ref: Some(control_plane_ref),
            objects,
            machine_health_checks: true,
            // CAPD runs the nodes as containers on the Docker host, not as pods: the namespace
            // holds only CAPI objects, so it can be fully restricted.
            pod_security: PodSecurityLevel::Restricted,
            addons: AddonSettings::default(),
        })
    }
}
