//! Resolve: defaults and policy, table-driven.

use drover_api::environment::Policy;
use drover_api::workload_cluster::{Addon, NetworkSpec};
use drover_core::Diagnostic;
use drover_core::fixtures::{
    self, claim, environment, kubevirt_infrastructure, with_control_plane, with_workers,
};
use drover_core::resolve::resolve_fleet;
use drover_core::version::KubeVersion;

fn problems(env: drover_api::Environment, claim: drover_api::WorkloadCluster) -> Vec<Diagnostic> {
    let fleet = fixtures::fleet(vec![kubevirt_infrastructure()], vec![env], vec![claim]);
    let resolution = resolve_fleet(&fleet);
    assert!(
        resolution.clusters.is_empty() != resolution.diagnostics.is_empty(),
        "either resolved or reported"
    );
    resolution.diagnostics
}

fn fields(problems: &[Diagnostic]) -> Vec<(&str, &str)> {
    problems
        .iter()
        .map(|p| (p.field.as_str(), p.message.as_str()))
        .collect()
}

#[test]
fn environment_defaults_fill_what_the_claim_leaves_out() {
    let env = environment("dev", "v1.32.1");
    let cluster = fixtures::resolved(
        &claim("team-a", "web", "dev"),
        &env,
        &kubevirt_infrastructure(),
    );
    assert_eq!(cluster.version, KubeVersion::new(1, 32, 1));
    assert_eq!(cluster.control_plane.replicas, 1);
    assert_eq!(cluster.control_plane.size.name, "small");
    assert_eq!(cluster.workers.len(), 1);
    assert_eq!(cluster.workers[0].name, "md-0");
    assert_eq!(cluster.workers[0].replicas, 2);
    assert_eq!(cluster.network.pod_cidr.to_string(), "10.243.0.0/16");
    assert_eq!(cluster.network.service_cidr.to_string(), "10.95.0.0/16");
    assert_eq!(cluster.namespace, "web-cluster");
    assert_eq!(
        cluster.argocd.as_ref().map(|a| a.namespace.as_str()),
        Some("argocd")
    );
}

#[test]
fn claim_values_override_defaults() {
    let env = environment("dev", "v1.32.1");
    let mut wc = with_workers(
        with_control_plane(claim("team-a", "web", "dev"), 3),
        &[("md-0", 4, "medium"), ("big", 1, "xlarge")],
    );
    wc.spec.kubernetes_version = Some("v1.33.0".to_owned());
    let cluster = fixtures::resolved(&wc, &env, &kubevirt_infrastructure());
    assert_eq!(cluster.version, KubeVersion::new(1, 33, 0));
    assert_eq!(cluster.control_plane.replicas, 3);
    let pools: Vec<(&str, i32, &str)> = cluster
        .workers
        .iter()
        .map(|w| (w.name.as_str(), w.replicas, w.size.name.as_str()))
        .collect();
    assert_eq!(pools, vec![("md-0", 4, "medium"), ("big", 1, "xlarge")]);
    assert_eq!(
        cluster.workers[1].size.memory.as_ref().map(|m| m.bytes()),
        Some(128 << 30)
    );
}

#[test]
fn policy_and_consistency_violations_name_the_field() {
    type Mutate = fn(&mut drover_api::Environment, &mut drover_api::WorkloadCluster);
    let cases: Vec<(&str, Mutate, &str, &str)> = vec![
        (
            "even control plane",
            |_, c| c.spec.control_plane = with_control_plane(c.clone(), 2).spec.control_plane,
            "spec.controlPlane.replicas",
            "must be 1, 3, 5 or 7",
        ),
        (
            "below policy minimum",
            |e, _| {
                e.spec.policy = Some(Policy {
                    min_control_plane_replicas: Some(3),
                    ..Policy::default()
                })
            },
            "spec.controlPlane.replicas",
            "requires at least 3",
        ),
        (
            "too many workers",
            |e, c| {
                e.spec.policy = Some(Policy {
                    max_worker_replicas: Some(3),
                    ..Policy::default()
                });
                c.spec.workers = with_workers(c.clone(), &[("md-0", 4, "small")])
                    .spec
                    .workers;
            },
            "spec.workers[0].replicas",
            "allows at most 3",
        ),
        (
            "infrastructure not allowed",
            |e, _| {
                e.spec.policy = Some(Policy {
                    allowed_infrastructures: Some(vec!["aws".into()]),
                    ..Policy::default()
                })
            },
            "spec.infrastructure",
            "does not allow infrastructure `baremetal-kubevirt`",
        ),
        (
            "namespace not allowed",
            |e, _| {
                e.spec.policy = Some(Policy {
                    allowed_namespaces: Some(vec!["team-*".into()]),
                    ..Policy::default()
                })
            },
            "metadata.namespace",
            "does not allow claims in namespace `platform`",
        ),
        (
            "unknown size",
            |_, c| c.spec.workers = with_workers(c.clone(), &[("md-0", 1, "huge")]).spec.workers,
            "spec.workers[0].size",
            "size `huge` is not defined",
        ),
        (
            "version two minors ahead",
            |_, c| c.spec.kubernetes_version = Some("v1.34.0".into()),
            "spec.kubernetesVersion",
            "2 minor versions ahead",
        ),
        (
            "malformed version",
            |_, c| c.spec.kubernetes_version = Some("1.32".into()),
            "spec.kubernetesVersion",
            "not a Kubernetes version",
        ),
        (
            "overlapping networks",
            |_, c| {
                c.spec.network = Some(NetworkSpec {
                    pod_cidr: Some("10.0.0.0/8".into()),
                    service_cidr: Some("10.96.0.0/12".into()),
                    cni: None,
                })
            },
            "spec.network.serviceCIDR",
            "overlaps pod network",
        ),
        (
            "invalid cidr",
            |_, c| {
                c.spec.network = Some(NetworkSpec {
                    pod_cidr: Some("10.300.0.0/16".into()),
                    ..NetworkSpec::default()
                })
            },
            "spec.network.podCIDR",
            "is not a CIDR",
        ),
        (
            "host bits set",
            |_, c| {
                c.spec.network = Some(NetworkSpec {
                    pod_cidr: Some("10.243.1.0/16".into()),
                    ..NetworkSpec::default()
                })
            },
            "spec.network.podCIDR",
            "did you mean `10.243.0.0/16`",
        ),
        (
            "duplicate pools",
            |_, c| {
                c.spec.workers =
                    with_workers(c.clone(), &[("md-0", 1, "small"), ("md-0", 1, "small")])
                        .spec
                        .workers
            },
            "spec.workers[1].name",
            "listed twice",
        ),
        (
            "cni mismatch",
            |_, c| c.spec.addons = Some(vec![Addon::Calico]),
            "spec.addons[0]",
            "spec.network.cni is `cilium`",
        ),
        (
            "missing environment",
            |_, c| c.spec.environment = "qa".into(),
            "spec.environment",
            "Environment `qa` does not exist (the fleet defines: dev)",
        ),
        (
            "missing infrastructure",
            |_, c| c.spec.infrastructure = "moon".into(),
            "spec.infrastructure",
            "Infrastructure `moon` does not exist",
        ),
    ];
    for (case, mutate, field, message) in cases {
        let mut env = environment("dev", "v1.32.1");
        let mut wc = claim("platform", "web", "dev");
        mutate(&mut env, &mut wc);
        let found = problems(env, wc);
        assert!(
            found.iter().any(|p| p.field == field
                && p.message.contains(message)
                && p.object
                    .as_ref()
                    .is_some_and(|o| o.kind == "WorkloadCluster")),
            "{case}: expected `{field}: …{message}…`, got {:?}",
            fields(&found)
        );
    }
}

#[test]
fn pinned_version_one_minor_ahead_or_behind_is_allowed() {
    for version in ["v1.33.9", "v1.31.0", "v1.32.4"] {
        let mut wc = claim("team-a", "web", "dev");
        wc.spec.kubernetes_version = Some(version.to_owned());
        assert!(
            problems(environment("dev", "v1.32.1"), wc).is_empty(),
            "{version}"
        );
    }
}

#[test]
fn environment_promotion_must_reference_an_existing_environment_without_cycles() {
    let mut staging = environment("staging", "v1.32.1");
    staging.spec.promotion = Some(drover_api::environment::Promotion {
        from: "dev".into(),
        soak: Some("1d2h".into()),
    });
    let mut dev = environment("dev", "v1.32.1");
    dev.spec.promotion = Some(drover_api::environment::Promotion {
        from: "staging".into(),
        soak: Some("soon".into()),
    });
    let fleet = fixtures::fleet(vec![kubevirt_infrastructure()], vec![dev, staging], vec![]);
    let found = resolve_fleet(&fleet).diagnostics;
    assert!(
        found
            .iter()
            .any(|p| p.field == "spec.promotion.from" && p.message.contains("loops")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.field == "spec.promotion.soak" && p.message.contains("not a duration")),
        "{found:?}"
    );
}

#[test]
fn infrastructure_needs_exactly_one_provider_block() {
    let mut infra = kubevirt_infrastructure();
    infra.spec.docker = Some(Default::default());
    let fleet = fixtures::fleet(vec![infra], vec![], vec![]);
    let found = resolve_fleet(&fleet).diagnostics;
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]
            .message
            .contains("2 provider blocks (kubevirt, docker)"),
        "{}",
        found[0]
    );
}
