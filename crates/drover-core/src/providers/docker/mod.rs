//! Docker: CAPI's development provider (CAPD, `infrastructure.cluster.x-k8s.io/v1beta2`), with
//! the `DevCluster` / `DevMachineTemplate` kinds that replace the `Docker*` kinds (deprecated in
//! CAPI v1.14, removed in v1.15), and one of their two backends:
//!
//! - `docker` (default): every node is a `kindest/node` container on the management cluster's
//!   Docker host, bootstrapped by kubeadm, with CAPD's HAProxy container in front of the API
//!   servers. For local test clusters only.
//! - `inMemory`: machines, nodes, etcd and the API server are simulated inside the CAPD
//!   controller (CAPI's scale tests): CAPI provisions the cluster end to end, but nothing runs in
//!   it, so add-ons, external access and Argo CD registration are refused.
//!
//! Machines have no size of their own (containers share the host's CPU, memory and disk;
//! simulated machines have none), so a size only names a pool; a size setting anything is
//! refused rather than silently ignored.

mod kind_images;
mod machine_template;

pub use kind_images::{KIND_IMAGES, kind_image, published_versions};
pub use machine_template::{DOCKER_SOCKET, IN_MEMORY_PROVISIONING};

use std::collections::{BTreeMap, BTreeSet};

use drover_api::ProviderKind;
use drover_api::infrastructure::{DevBackend, DockerInfrastructure};
use drover_api::workload_cluster::{Cni, ExternalAccessType};
use serde_json::{Value, json};

use super::size::{CheckedSizes, SizeField, SizeRules, check_sizes};
use super::{Issue, Provider};
use crate::objects::TypedRef;
use crate::objects::kubeadm::{self, KubeadmNodeSettings};
use crate::objects::meta::{MetaBuilder, object};
use crate::providers::{AddonSettings, ControlPlanePart, ProviderParts, parts::kubeadm_pools};
use crate::resolve::ResolvedCluster;
use crate::version::KubeVersion;
use drover_api::security::PodSecurityLevel;
use machine_template::{docker_machine_template, in_memory_machine_template};

/// apiVersion of CAPD's kinds (the storage version of the CRDs drover targets).
pub const CAPD_V1BETA2: &str = "infrastructure.cluster.x-k8s.io/v1beta2";
/// The node image when the Infrastructure names none: kind's, for the version.
pub const DEFAULT_NODE_IMAGE: &str = "kindest/node:{{version}}";
/// kubelet hard-eviction thresholds of container nodes. The node's filesystem is the Docker
/// host's, shared with everything else on it: disk-pressure eviction would evict pods for space
/// other containers use, so it is switched off (what CAPD and kind set).
pub const EVICTION_HARD: &str = "nodefs.available<0%,nodefs.inodesFree<0%,imagefs.available<0%";
/// Extra API server certificate names of CAPD's templates: clients on the Docker host reach the
/// API through the load balancer's port published on the host's loopback address (and Docker
/// Desktop through `host.docker.internal`).
pub const API_SERVER_CERT_SANS: [&str; 4] =
    ["localhost", "127.0.0.1", "0.0.0.0", "host.docker.internal"];

/// Where the `docker` backend's node image comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeImage<'a> {
    /// kind's published image of the version, pinned by digest ([`KIND_IMAGES`]).
    Published,
    /// The Infrastructure's `nodeImage`; `{{version}}` becomes the version.
    Custom(&'a str),
}

impl NodeImage<'_> {
    /// The image of `version`; `None` when kind published none for it.
    pub fn for_version(&self, version: KubeVersion) -> Option<String> {
        match self {
            Self::Published => kind_image(version).map(str::to_owned),
            // Image tags cannot hold `+` (build metadata); kind tags use `_` instead, as CAPD's
            // templates do. drover's versions have none today; this keeps the tag valid if they do.
            Self::Custom(image) => {
                Some(image.replace("{{version}}", &version.to_string().replace('+', "_")))
            }
        }
    }
}

/// The Docker provider for one Infrastructure's settings.
pub struct Docker<'a> {
    settings: &'a DockerInfrastructure,
}

impl<'a> Docker<'a> {
    /// The provider with the Infrastructure's `docker` block.
    pub fn new(settings: &'a DockerInfrastructure) -> Self {
        Self { settings }
    }

    /// The backend (default `docker`).
    pub fn backend(&self) -> DevBackend {
        self.settings.backend.unwrap_or(DevBackend::Docker)
    }

    /// The node image of the `docker` backend. Naming kind's own repository with the version as
    /// tag is the default: that image exists only for published versions.
    pub fn node_image(&self) -> NodeImage<'a> {
        match self.settings.node_image.as_deref() {
            None | Some(DEFAULT_NODE_IMAGE) => NodeImage::Published,
            Some(image) => NodeImage::Custom(image),
        }
    }

    fn check_docker(&self, cluster: &ResolvedCluster, issues: &mut Vec<Issue>) {
        match cluster.external_access {
            Some(ExternalAccessType::Ingress) | Some(ExternalAccessType::NodePort) => {
                issues.push(Issue::new(
                    "spec.externalAccess.type",
                    "provider `docker` exposes the API server only through CAPD's load-balancer container: use `LoadBalancer` (or leave externalAccess out)",
                ));
            }
            Some(ExternalAccessType::LoadBalancer) | None => {}
        }
        if cluster.network.cni == Cni::Provider {
            issues.push(Issue::new(
                "spec.network.cni",
                "provider `docker` has no network of its own for pods (CAPD installs no CNI): choose `cilium` or `calico` and list it in spec.addons",
            ));
        }
        if self.node_image() == NodeImage::Published {
            for version in part_versions(cluster) {
                if kind_image(version).is_none() {
                    issues.push(unpublished_version(version));
                }
            }
        }
    }

    fn check_in_memory(&self, cluster: &ResolvedCluster, issues: &mut Vec<Issue>) {
        if cluster.external_access.is_some() {
            issues.push(Issue::new(
                "spec.externalAccess.type",
                "provider `docker` with the `inMemory` backend serves the (simulated) API server from a port of the CAPD controller pod, reachable only inside the management cluster: leave externalAccess out",
            ));
        }
        if !cluster.addons.is_empty() {
            issues.push(Issue::new(
                "spec.addons",
                "provider `docker` with the `inMemory` backend simulates its machines: nothing can run in the cluster, so no add-on can ever become ready; leave spec.addons out",
            ));
        }
        if cluster.argocd.is_some() {
            issues.push(Issue::new(
                "spec.gitops.argocd.enabled",
                "provider `docker` with the `inMemory` backend simulates its API server for CAPI's own requests only: Argo CD could not deploy anything there; set enabled: false",
            ));
        }
        if self.settings.node_image.is_some() {
            issues.push(Issue::new(
                "spec.infrastructure",
                "the Infrastructure's spec.docker.nodeImage has no meaning with the `inMemory` backend of provider `docker` (simulated machines run no image): remove it",
            ));
        }
    }
}

/// The versions the cluster's parts run (and the one it asks for), each once.
fn part_versions(cluster: &ResolvedCluster) -> BTreeSet<KubeVersion> {
    std::iter::once(cluster.version)
        .chain(std::iter::once(cluster.control_plane.version))
        .chain(cluster.workers.iter().map(|pool| pool.version))
        .collect()
}

/// The Issue of a version kind published no node image for, naming the ones it did.
fn unpublished_version(version: KubeVersion) -> Issue {
    let published = published_versions(version);
    let same_minor = published
        .iter()
        .any(|p| (p.major, p.minor) == (version.major, version.minor));
    let which = if same_minor {
        format!("v{}.{} images exist for", version.major, version.minor)
    } else {
        "images exist for".to_owned()
    };
    let list: Vec<String> = published.iter().map(ToString::to_string).collect();
    Issue::new(
        "spec.kubernetesVersion",
        format!(
            "kind published no kindest/node image for {version}, so provider `docker` cannot start its nodes; {which} {} (pin one in spec.kubernetesVersion or in the Environment), or set the Infrastructure's spec.docker.nodeImage to an image built for {version}",
            list.join(", ")
        ),
    )
}

/// Node containers take no settings: they share the Docker host's resources, and simulated
/// machines have none.
fn size_rules() -> SizeRules {
    SizeRules {
        label: "provider `docker`".to_owned(),
        required: &[],
        required_because: String::new(),
        refused: &[
            SizeField::Cpu,
            SizeField::Memory,
            SizeField::Disk,
            SizeField::InstanceType,
        ],
        refused_because: "node containers share the Docker host's resources (simulated machines have none); use a size without settings".to_owned(),
        min_cpu: 0,
        disk_gib: 0..=u64::MAX,
        fits_int32: false,
        sizes: CheckedSizes::ControlPlaneAndWorkers,
    }
}

/// kubeadm settings of container nodes (also those of CAPI's in-memory templates, where they
/// change nothing). The cgroup flags CAPD also injects (`cgroup-root`, `runtime-cgroups`) depend
/// on the kind version that built the node image, so they are left to CAPD, which reads that
/// from the image.
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
        super::security::check_security(
            &mut issues,
            cluster,
            super::security::ControlPlaneKind::Kubeadm,
            "provider `docker`",
        );
        if cluster.external_host.is_some() {
            issues.push(Issue::new(
                "spec.externalAccess.host",
                "a host name is only used with `Ingress` access, which provider `docker` does not support",
            ));
        }
        match self.backend() {
            DevBackend::Docker => self.check_docker(cluster, &mut issues),
            DevBackend::InMemory => self.check_in_memory(cluster, &mut issues),
        }
        check_sizes(&mut issues, cluster, &size_rules());
        issues
    }

    fn build(&self, cluster: &ResolvedCluster) -> Result<ProviderParts, Issue> {
        let backend = self.backend();
        // The docker backend's defaults: one HAProxy load-balancer container (kindest/haproxy)
        // in front of the control-plane containers. The in-memory backend: a listener on the
        // CAPD pod. Either way CAPD fills in the endpoint.
        let backend_spec = match backend {
            DevBackend::Docker => json!({ "docker": {} }),
            DevBackend::InMemory => json!({ "inMemory": {} }),
        };
        let infra_cluster = object(
            CAPD_V1BETA2,
            "DevCluster",
            MetaBuilder::namespaced(cluster, &cluster.name),
            json!({ "spec": { "backend": backend_spec } }),
        );
        // Every part's image, looked up before anything is built (`check` refused versions
        // without one; a render that skipped it fails here rather than rendering a bad image).
        let images: BTreeMap<KubeVersion, String> = match backend {
            DevBackend::Docker => {
                let image = self.node_image();
                part_versions(cluster)
                    .into_iter()
                    .map(|version| {
                        image
                            .for_version(version)
                            .map(|found| (version, found))
                            .ok_or_else(|| unpublished_version(version))
                    })
                    .collect::<Result<_, _>>()?
            }
            DevBackend::InMemory => BTreeMap::new(),
        };
        let template = |base: &str, version: KubeVersion| -> Value {
            match images.get(&version) {
                Some(image) => docker_machine_template(cluster, image, base),
                None => in_memory_machine_template(cluster, base),
            }
        };
        let settings = node_settings();

        let cp_template = template(
            &format!("{}-control-plane", cluster.name),
            cluster.control_plane.version,
        );
        let control_plane = kubeadm::control_plane(cluster, &TypedRef::of(&cp_template), &settings);

        Ok(ProviderParts {
            infrastructure_cluster: infra_cluster,
            control_plane: ControlPlanePart::Machines {
                control_plane,
                machine_template: cp_template,
            },
            pools: kubeadm_pools(cluster, &settings, |pool| {
                template(&format!("{}-{}", cluster.name, pool.name), pool.version)
            }),
            workloads: Vec::new(),
            // CAPD runs the nodes as containers on the Docker host (or simulates them), not as
            // pods: the namespace holds only CAPI objects, so it can be fully restricted.
            pod_security: PodSecurityLevel::Restricted,
            addons: AddonSettings::default(),
        })
    }
}
