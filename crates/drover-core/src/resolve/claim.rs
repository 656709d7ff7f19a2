//! Resolving one claim against its Environment and Infrastructure: defaults, then policy.

use std::collections::{BTreeMap, BTreeSet};

use drover_api::environment::{ClusterDefaults, Policy};
use drover_api::workload_cluster::{Addon, Cni, MAX_NAME_LEN, MAX_POOL_NAME_LEN, WorkerPool};
use drover_api::{Environment, Infrastructure, WorkloadCluster, labels};
use glob::Pattern;
use ipnet::IpNet;

use super::model::{
    ArgoCdRegistration, MachineGroup, Network, ProviderSpec, ResolvedCluster, ResolvedSize,
    WorkerGroup,
};
use super::report::Report;
use super::security::{check_security_spec, effective_security};
use crate::diagnostics::{Diagnostics, ObjectRef};
use crate::fleet::Source;
use crate::hibernation;
use crate::naming;
use crate::quantity::Quantity;
use crate::version::KubeVersion;

/// Default pod network of workload clusters (the seed set-up's).
pub const DEFAULT_POD_CIDR: &str = "10.243.0.0/16";
/// Default service network of workload clusters.
pub const DEFAULT_SERVICE_CIDR: &str = "10.95.0.0/16";
/// Control-plane replicas when neither claim nor environment say.
pub const DEFAULT_CONTROL_PLANE_REPLICAS: i32 = 1;
/// Worker replicas when neither claim nor environment say.
pub const DEFAULT_WORKER_REPLICAS: i32 = 2;
/// The size name of a managed control plane (EKS, AKS, GKE) whose environment's default size the
/// infrastructure does not define: the cloud sizes it.
pub const MANAGED_CONTROL_PLANE_SIZE: &str = "managed";
/// Argo CD namespace when the claim does not name one.
pub const DEFAULT_ARGOCD_NAMESPACE: &str = "argocd";

/// The objects a claim refers to, when they exist.
pub struct ClaimContext<'a> {
    /// The claim's Environment and where it was read.
    pub environment: Option<(&'a Environment, &'a Source)>,
    /// The claim's Infrastructure and where it was read.
    pub infrastructure: Option<(&'a Infrastructure, &'a Source)>,
}

/// Resolves `claim`: applies the environment's defaults, checks policy, versions, networks and
/// sizes. Returns every problem found, each pinned to the claim's field.
pub fn resolve_claim(
    claim: &WorkloadCluster,
    source: &Source,
    context: &ClaimContext<'_>,
) -> Result<ResolvedCluster, Diagnostics> {
    let name = claim.metadata.name.clone().unwrap_or_default();
    let claim_namespace = claim.metadata.namespace.clone().unwrap_or_default();
    let mut report = Report::new(
        ObjectRef::new("WorkloadCluster", Some(&claim_namespace), &name),
        source,
    );
    let spec = &claim.spec;

    if name.len() > MAX_NAME_LEN {
        report.error(
            "metadata.name",
            format!("`{name}` is {} characters; at most {MAX_NAME_LEN}, so derived object names stay within 63", name.len()),
        );
    }

    if context.environment.is_none() {
        report.error(
            "spec.environment",
            format!("Environment `{}` does not exist", spec.environment),
        );
    }
    if context.infrastructure.is_none() {
        report.error(
            "spec.infrastructure",
            format!("Infrastructure `{}` does not exist", spec.infrastructure),
        );
    }
    let (Some((environment, _)), Some((infrastructure, _))) =
        (context.environment, context.infrastructure)
    else {
        return Err(Diagnostics(report.into_diagnostics()));
    };
    let Some(provider) = ProviderSpec::from_spec(&infrastructure.spec) else {
        report.error(
            "spec.infrastructure",
            format!(
                "Infrastructure `{}` is invalid: it must have exactly one provider block",
                spec.infrastructure
            ),
        );
        return Err(Diagnostics(report.into_diagnostics()));
    };

    let env_name = environment.metadata.name.clone().unwrap_or_default();
    let defaults = environment.spec.defaults.clone().unwrap_or_default();
    let policy = environment.spec.policy.clone().unwrap_or_default();

    check_placement(
        &mut report,
        &policy,
        &env_name,
        &spec.infrastructure,
        &claim_namespace,
    );
    let version = resolve_version(
        &mut report,
        spec.kubernetes_version.as_deref(),
        &environment.spec.kubernetes_version,
        &env_name,
    );

    let sizes = SizeLookup {
        infrastructure,
        infra_name: &spec.infrastructure,
        env_name: &env_name,
    };
    let control_plane = resolve_control_plane(
        &mut report,
        claim,
        &defaults,
        &policy,
        &env_name,
        &sizes,
        provider.managed_control_plane(),
        version,
    );
    let workers = resolve_workers(
        &mut report,
        claim,
        &defaults,
        &policy,
        &env_name,
        &sizes,
        version,
    );
    let network = resolve_network(&mut report, claim, provider.default_cni());
    let mut addons = resolve_addons(&mut report, claim, network.as_ref().map(|n| n.cni));
    let argocd = resolve_argocd(&mut report, claim, &env_name, &name);
    let hibernation = hibernation::resolve_policy(
        spec.hibernation.as_ref(),
        spec.hibernated,
        environment.spec.hibernation.as_ref(),
    )
    .map_err(|errors| {
        for (field, message) in errors {
            report.error(&field, message);
        }
    })
    .ok();

    for (field, message) in check_security_spec(
        "spec.security",
        spec.security.as_ref().unwrap_or(&Default::default()),
    ) {
        report.error(&field, message);
    }
    let security = match effective_security(
        &env_name,
        environment.spec.security.as_ref(),
        spec.security.as_ref(),
    ) {
        Ok(security) => Some(security),
        Err(problems) => {
            for (field, message) in problems {
                report.error(&field, message);
            }
            None
        }
    };
    // The baseline's CNI settings (default-deny, transparent encryption, Hubble) come through
    // the Cilium add-on: a Cilium cluster gets it without listing it. Another CNI is refused by
    // the provider check, naming the setting.
    if security.as_ref().is_some_and(|s| s.needs_cilium())
        && network.as_ref().is_some_and(|n| n.cni == Cni::Cilium)
        && !addons.contains(&Addon::Cilium)
    {
        addons.push(Addon::Cilium);
        addons.sort();
    }

    if let Some(access) = &spec.external_access
        && let Some(host) = &access.host
        && !is_dns_name(host)
    {
        report.error(
            "spec.externalAccess.host",
            format!("`{host}` is not a DNS name"),
        );
    }

    match (
        report.is_clean(),
        version,
        control_plane,
        network,
        hibernation,
        security,
    ) {
        (
            true,
            Some(version),
            Some(control_plane),
            Some(network),
            Some(hibernation),
            Some(security),
        ) => Ok(ResolvedCluster {
            namespace: naming::cluster_namespace(&name),
            name,
            claim_namespace,
            environment: env_name,
            infrastructure: spec.infrastructure.clone(),
            provider,
            version,
            control_plane,
            control_plane_replicas_defaulted: spec
                .control_plane
                .as_ref()
                .is_none_or(|cp| cp.replicas.is_none()),
            control_plane_size_defaulted: spec
                .control_plane
                .as_ref()
                .is_none_or(|cp| cp.size.is_none()),
            workers_defaulted: spec.workers.is_none(),
            workers,
            network,
            external_access: spec.external_access.as_ref().and_then(|a| a.type_),
            external_host: spec.external_access.as_ref().and_then(|a| a.host.clone()),
            addons,
            argocd,
            paused: spec.paused.unwrap_or(false),
            hibernation,
            asleep: false,
            security,
        }),
        _ => Err(Diagnostics(report.into_diagnostics())),
    }
}

fn check_placement(
    report: &mut Report<'_>,
    policy: &Policy,
    env: &str,
    infrastructure: &str,
    namespace: &str,
) {
    if let Some(allowed) = policy
        .allowed_infrastructures
        .as_ref()
        .filter(|list| !list.is_empty())
        && !allowed.iter().any(|a| a == infrastructure)
    {
        report.error(
                "spec.infrastructure",
                format!("Environment `{env}` does not allow infrastructure `{infrastructure}` (allowed: {})", allowed.join(", ")),
            );
    }
    if let Some(allowed) = policy
        .allowed_namespaces
        .as_ref()
        .filter(|list| !list.is_empty())
    {
        let matches = allowed.iter().any(|pattern| {
            // glob's patterns compile without a regex: cheap enough to match per claim.
            Pattern::new(pattern).is_ok_and(|glob| glob.matches(namespace))
        });
        if !matches {
            report.error(
                "metadata.namespace",
                format!("Environment `{env}` does not allow claims in namespace `{namespace}` (allowed: {})", allowed.join(", ")),
            );
        }
    }
}

fn resolve_version(
    report: &mut Report<'_>,
    pinned: Option<&str>,
    env_version: &str,
    env: &str,
) -> Option<KubeVersion> {
    let env_version: KubeVersion = match env_version.parse() {
        Ok(version) => version,
        Err(message) => {
            report.error(
                "spec.environment",
                format!("Environment `{env}` has an invalid spec.kubernetesVersion: {message}"),
            );
            return None;
        }
    };
    let Some(pinned) = pinned else {
        return Some(env_version);
    };
    let version: KubeVersion = match pinned.parse() {
        Ok(version) => version,
        Err(message) => {
            report.error("spec.kubernetesVersion", message);
            return None;
        }
    };
    match env_version.minors_to(version) {
        Some(ahead) if ahead > 1 => {
            report.error(
                "spec.kubernetesVersion",
                format!("{version} is {ahead} minor versions ahead of Environment `{env}` ({env_version}); at most one is allowed"),
            );
            None
        }
        None => {
            report.error(
                "spec.kubernetesVersion",
                format!(
                    "{version} has another major version than Environment `{env}` ({env_version})"
                ),
            );
            None
        }
        Some(_) => Some(version),
    }
}

struct SizeLookup<'a> {
    infrastructure: &'a Infrastructure,
    infra_name: &'a str,
    env_name: &'a str,
}

impl SizeLookup<'_> {
    /// Whether the infrastructure defines size `name`.
    fn defines(&self, name: &str) -> bool {
        self.infrastructure.spec.sizes.contains_key(name)
    }

    /// Looks `name` up; `origin` says where the name came from, for the message.
    fn get(
        &self,
        report: &mut Report<'_>,
        field: &str,
        name: &str,
        origin: &str,
    ) -> Option<ResolvedSize> {
        let sizes = &self.infrastructure.spec.sizes;
        let Some(size) = sizes.get(name) else {
            let known: Vec<&str> = sizes.keys().map(String::as_str).collect();
            report.error(
                field,
                format!(
                    "size `{name}`{origin} is not defined by Infrastructure `{}` (it defines: {})",
                    self.infra_name,
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                ),
            );
            return None;
        };
        let mut parse = |what: &str, text: &Option<String>| {
            text.as_deref()
                .and_then(|text| match Quantity::parse(text) {
                    Ok(quantity) => Some(quantity),
                    Err(message) => {
                        report.error(
                            field,
                            format!(
                                "Infrastructure `{}` size `{name}` {what}: {message}",
                                self.infra_name
                            ),
                        );
                        None
                    }
                })
        };
        let memory = parse("memory", &size.memory);
        let disk = parse("disk", &size.disk);
        Some(ResolvedSize {
            name: name.to_owned(),
            cpu: size.cpu,
            memory,
            disk,
            instance_type: size.instance_type.clone(),
        })
    }

    fn missing(&self, report: &mut Report<'_>, field: &str) {
        report.error(
            field,
            format!(
                "no size given and Environment `{}` has no spec.defaults.size",
                self.env_name
            ),
        );
    }
}

/// `managed`: the cloud runs the control plane, so the policy's minimum does not apply to the
/// environment's default count (an explicit count is refused by the provider instead).
/// `version` is the cluster's (`None` when it did not resolve: problems are still reported).
#[allow(clippy::too_many_arguments)]
fn resolve_control_plane(
    report: &mut Report<'_>,
    claim: &WorkloadCluster,
    defaults: &ClusterDefaults,
    policy: &Policy,
    env: &str,
    sizes: &SizeLookup<'_>,
    managed: bool,
    version: Option<KubeVersion>,
) -> Option<MachineGroup> {
    let spec = claim.spec.control_plane.clone().unwrap_or_default();
    let replicas = spec
        .replicas
        .or(defaults.control_plane_replicas)
        .unwrap_or(DEFAULT_CONTROL_PLANE_REPLICAS);
    let field = "spec.controlPlane.replicas";
    let mut valid = true;
    if ![1, 3, 5, 7].contains(&replicas) {
        report.error(
            field,
            format!(
                "{replicas} control-plane replicas: must be 1, 3, 5 or 7 (odd, for etcd quorum)"
            ),
        );
        valid = false;
    }
    if let Some(min) = policy.min_control_plane_replicas
        && replicas < min
        && !(managed && spec.replicas.is_none())
    {
        let origin = if spec.replicas.is_some() {
            ""
        } else {
            " (the environment's default)"
        };
        report.error(field, format!("{replicas} control-plane replicas{origin}: Environment `{env}` requires at least {min}"));
        valid = false;
    }
    let size_field = "spec.controlPlane.size";
    // The cloud runs a managed control plane: an environment default that the infrastructure
    // does not define is no error there (an explicit size is checked, and the provider refuses it).
    let managed_default = managed
        && spec.size.is_none()
        && defaults
            .control_plane_size
            .as_ref()
            .or(defaults.size.as_ref())
            .is_none_or(|name| !sizes.defines(name));
    let size = match (&spec.size, &defaults.control_plane_size, &defaults.size) {
        _ if managed_default => Some(ResolvedSize {
            name: MANAGED_CONTROL_PLANE_SIZE.to_owned(),
            cpu: None,
            memory: None,
            disk: None,
            instance_type: None,
        }),
        (Some(name), _, _) => sizes.get(report, size_field, name, ""),
        (None, Some(name), _) => sizes.get(
            report,
            size_field,
            name,
            &format!(" (Environment `{env}` defaults.controlPlaneSize)"),
        ),
        (None, None, Some(name)) => sizes.get(
            report,
            size_field,
            name,
            &format!(" (Environment `{env}` defaults.size)"),
        ),
        (None, None, None) => {
            sizes.missing(report, size_field);
            None
        }
    };
    Some(MachineGroup {
        version: version?,
        replicas,
        size: size?,
    })
    .filter(|_| valid)
}

/// `version` as for [`resolve_control_plane`]: without it, problems are reported and no pool is
/// returned.
fn resolve_workers(
    report: &mut Report<'_>,
    claim: &WorkloadCluster,
    defaults: &ClusterDefaults,
    policy: &Policy,
    env: &str,
    sizes: &SizeLookup<'_>,
    version: Option<KubeVersion>,
) -> Vec<WorkerGroup> {
    let pools = claim.spec.workers.clone().unwrap_or_else(|| {
        vec![WorkerPool {
            name: "md-0".to_owned(),
            ..WorkerPool::default()
        }]
    });
    let mut seen = BTreeSet::new();
    let mut groups = Vec::new();
    for (index, pool) in pools.iter().enumerate() {
        let at = |leaf: &str| format!("spec.workers[{index}]{leaf}");
        if !naming::is_dns_label(&pool.name) || pool.name.len() > MAX_POOL_NAME_LEN {
            report.error(
                &at(".name"),
                format!(
                    "`{}` must be a lowercase DNS label of at most {MAX_POOL_NAME_LEN} characters",
                    pool.name
                ),
            );
        }
        if !seen.insert(pool.name.as_str()) {
            report.error(
                &at(".name"),
                format!("worker pool `{}` is listed twice", pool.name),
            );
        }
        let replicas = pool
            .replicas
            .or(defaults.worker_replicas)
            .unwrap_or(DEFAULT_WORKER_REPLICAS);
        if replicas < 0 {
            report.error(
                &at(".replicas"),
                format!("{replicas} replicas: must not be negative"),
            );
        }
        if let Some(max) = policy.max_worker_replicas
            && replicas > max
        {
            report.error(
                &at(".replicas"),
                format!("{replicas} replicas: Environment `{env}` allows at most {max} per pool"),
            );
        }
        let size = match (&pool.size, &defaults.size) {
            (Some(name), _) => sizes.get(report, &at(".size"), name, ""),
            (None, Some(name)) => sizes.get(
                report,
                &at(".size"),
                name,
                &format!(" (Environment `{env}` defaults.size)"),
            ),
            (None, None) => {
                sizes.missing(report, &at(".size"));
                None
            }
        };
        let node_labels = pool.node_labels.clone().unwrap_or_default();
        for key in node_labels.keys() {
            if key.starts_with("node-role.kubernetes.io/")
                || key.starts_with("kubernetes.io/")
                || key.starts_with("k8s.io/")
            {
                report.error(
                    &at(&format!(".nodeLabels[\"{key}\"]")),
                    "kubelet may not set labels in the kubernetes.io and k8s.io namespaces"
                        .to_owned(),
                );
            }
        }
        if let (Some(size), Some(version)) = (size, version) {
            groups.push(WorkerGroup {
                name: pool.name.clone(),
                version,
                replicas,
                size,
                node_labels,
            });
        }
    }
    groups
}

fn resolve_network(
    report: &mut Report<'_>,
    claim: &WorkloadCluster,
    default_cni: Cni,
) -> Option<Network> {
    let spec = claim.spec.network.clone().unwrap_or_default();
    let mut parse = |field: &str, text: Option<&str>, default: &str| -> Option<IpNet> {
        let text = text.unwrap_or(default);
        match text.parse::<IpNet>() {
            Ok(net) if net.network() == net.addr() => Some(net),
            Ok(net) => {
                report.error(
                    field,
                    format!(
                        "`{text}` has host bits set; did you mean `{}`?",
                        net.trunc()
                    ),
                );
                None
            }
            Err(_) => {
                report.error(
                    field,
                    format!("`{text}` is not a CIDR (expected e.g. `10.243.0.0/16`)"),
                );
                None
            }
        }
    };
    let pod_cidr = parse(
        "spec.network.podCIDR",
        spec.pod_cidr.as_deref(),
        DEFAULT_POD_CIDR,
    );
    let service_cidr = parse(
        "spec.network.serviceCIDR",
        spec.service_cidr.as_deref(),
        DEFAULT_SERVICE_CIDR,
    );
    let (pod_cidr, service_cidr) = (pod_cidr?, service_cidr?);
    if pod_cidr.contains(&service_cidr.network()) || service_cidr.contains(&pod_cidr.network()) {
        report.error(
            "spec.network.serviceCIDR",
            format!("service network {service_cidr} overlaps pod network {pod_cidr}"),
        );
        return None;
    }
    Some(Network {
        pod_cidr,
        service_cidr,
        cni: spec.cni.unwrap_or(default_cni),
        pod_cidr_defaulted: spec.pod_cidr.is_none(),
        service_cidr_defaulted: spec.service_cidr.is_none(),
    })
}

fn resolve_addons(
    report: &mut Report<'_>,
    claim: &WorkloadCluster,
    cni: Option<Cni>,
) -> Vec<Addon> {
    let addons = claim.spec.addons.clone().unwrap_or_default();
    let mut unique = BTreeSet::new();
    for (index, addon) in addons.iter().enumerate() {
        if !unique.insert(*addon) {
            report.error(
                &format!("spec.addons[{index}]"),
                format!("add-on `{}` is listed twice", addon_name(*addon)),
            );
        }
        let cni_addon = match addon {
            Addon::Cilium => Some(Cni::Cilium),
            Addon::Calico => Some(Cni::Calico),
            Addon::MetricsServer => None,
        };
        if let (Some(wanted), Some(cni)) = (cni_addon, cni)
            && wanted != cni
        {
            report.error(
                &format!("spec.addons[{index}]"),
                format!(
                    "add-on `{}` is a CNI but spec.network.cni is `{}`",
                    addon_name(*addon),
                    cni_name(cni)
                ),
            );
        }
    }
    unique.into_iter().collect()
}

fn resolve_argocd(
    report: &mut Report<'_>,
    claim: &WorkloadCluster,
    env: &str,
    name: &str,
) -> Option<ArgoCdRegistration> {
    let spec = claim
        .spec
        .gitops
        .as_ref()
        .and_then(|g| g.argocd.clone())
        .unwrap_or_default();
    if spec.enabled == Some(false) {
        return None;
    }
    let namespace = spec
        .namespace
        .unwrap_or_else(|| DEFAULT_ARGOCD_NAMESPACE.to_owned());
    if !naming::is_dns_label(&namespace) {
        report.error(
            "spec.gitops.argocd.namespace",
            format!("`{namespace}` is not a valid namespace name"),
        );
    }
    let mut labels = BTreeMap::from([
        (labels::ENVIRONMENT.to_owned(), env.to_owned()),
        (labels::CLUSTER.to_owned(), name.to_owned()),
    ]);
    for (key, value) in spec.labels.unwrap_or_default() {
        if key.starts_with("argocd.argoproj.io/") || key.starts_with("drover.dev/") {
            report.error(
                &format!("spec.gitops.argocd.labels[\"{key}\"]"),
                "labels in the argocd.argoproj.io and drover.dev namespaces are set by drover",
            );
        }
        labels.insert(key, value);
    }
    Some(ArgoCdRegistration { namespace, labels })
}

fn is_dns_name(host: &str) -> bool {
    host.len() <= 253 && host.split('.').all(naming::is_dns_label)
}

/// The wire name of an add-on.
pub fn addon_name(addon: Addon) -> &'static str {
    match addon {
        Addon::Cilium => "cilium",
        Addon::Calico => "calico",
        Addon::MetricsServer => "metrics-server",
    }
}

/// The wire name of a CNI.
pub fn cni_name(cni: Cni) -> &'static str {
    match cni {
        Cni::Cilium => "cilium",
        Cni::Calico => "calico",
        Cni::Provider => "provider",
    }
}
