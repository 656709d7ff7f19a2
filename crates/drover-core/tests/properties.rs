//! Property: any claim, however wrong, either fails validation with diagnostics naming a field of
//! the claim, or resolves and renders objects that are valid against the upstream schemas.
//! Nothing panics. And every rendered MachineHealthCheck can remediate an unhealthy machine.

#[path = "common/health_check.rs"]
mod health_check;

use drover_api::workload_cluster::{
    Addon, ArgoCdSpec, Cni, ControlPlaneSpec, ExternalAccess, ExternalAccessType, GitOpsSpec,
    NetworkSpec, WorkerPool,
};
use drover_core::fixtures::{self, claim, environment, kubevirt_infrastructure};
use drover_core::pipeline;
use drover_core::render::render_cluster;
use health_check::{capi_remediation_allowed, health_checks_with_targets};
use proptest::prelude::*;
use serde_json::Value;

fn pick<T: Clone + std::fmt::Debug + 'static>(options: Vec<T>) -> impl Strategy<Value = T> {
    proptest::sample::select(options)
}

fn worker_pool() -> impl Strategy<Value = WorkerPool> {
    (
        pick(vec![
            "md-0",
            "md-1",
            "batch",
            "Bad_Name",
            "",
            "a-very-long-pool-name",
        ]),
        proptest::option::of(-2i32..8),
        proptest::option::of(pick(vec!["small", "medium", "xlarge", "huge"])),
        proptest::option::of(pick(vec![
            ("team", "x"),
            ("node-role.kubernetes.io/worker", ""),
            ("workload", "batch"),
        ])),
    )
        .prop_map(|(name, replicas, size, label)| WorkerPool {
            name: name.to_owned(),
            replicas,
            size: size.map(str::to_owned),
            node_labels: label.map(|(k, v)| [(k.to_owned(), v.to_owned())].into()),
        })
}

prop_compose! {
    fn any_claim()(
        environment in pick(vec!["dev", "prod", "missing"]),
        version in proptest::option::of(pick(vec!["v1.32.4", "v1.33.0", "v1.34.0", "v1.31.9", "1.32", "v2.0.0", "v1.32.1-rc.1"])),
        cp_replicas in proptest::option::of(pick(vec![0, 1, 2, 3, 5, 7, 9])),
        cp_size in proptest::option::of(pick(vec!["small", "xlarge", "nope"])),
        workers in proptest::option::of(proptest::collection::vec(worker_pool(), 0..4)),
        pod in proptest::option::of(pick(vec!["10.243.0.0/16", "10.0.0.0/8", "192.168.1.0/24", "10.243.1.0/16", "not-a-cidr", "fd00::/64"])),
        service in proptest::option::of(pick(vec!["10.95.0.0/16", "10.96.0.0/12", "10.243.128.0/20", "garbage"])),
        cni in proptest::option::of(pick(vec![Cni::Cilium, Cni::Calico, Cni::Provider])),
        access in proptest::option::of(pick(vec![ExternalAccessType::LoadBalancer, ExternalAccessType::NodePort, ExternalAccessType::Ingress])),
        host in proptest::option::of(pick(vec!["api.example.com", "Not A Host"])),
        addons in proptest::option::of(proptest::collection::vec(pick(vec![Addon::Cilium, Addon::Calico, Addon::MetricsServer]), 0..4)),
        argocd_namespace in proptest::option::of(pick(vec!["argocd", "Argo CD"])),
        paused in proptest::option::of(any::<bool>()),
    ) -> drover_api::WorkloadCluster {
        let mut wc = claim("team-a", "prop", environment);
        wc.spec.kubernetes_version = version.map(str::to_owned);
        wc.spec.control_plane = Some(ControlPlaneSpec { replicas: cp_replicas, size: cp_size.map(str::to_owned) });
        wc.spec.workers = workers;
        wc.spec.network = Some(NetworkSpec { pod_cidr: pod.map(str::to_owned), service_cidr: service.map(str::to_owned), cni });
        wc.spec.external_access = Some(ExternalAccess { type_: access, host: host.map(str::to_owned) });
        wc.spec.addons = addons;
        wc.spec.gitops = Some(GitOpsSpec { argocd: Some(ArgoCdSpec { namespace: argocd_namespace.map(str::to_owned), ..ArgoCdSpec::default() }) });
        wc.spec.paused = paused;
        wc
    }
}

prop_compose! {
    /// Claims meant to validate: control planes of 1 to 7, up to four pools of 0 to 12 workers.
    fn valid_claim()(
        cp_replicas in pick(vec![1, 3, 5, 7]),
        pools in proptest::collection::vec((0i32..13, pick(vec!["small", "medium"])), 0..5),
    ) -> drover_api::WorkloadCluster {
        let mut wc = claim("team-a", "prop", "dev");
        wc.spec.control_plane = Some(ControlPlaneSpec { replicas: Some(cp_replicas), size: None });
        wc.spec.workers = Some(pools.into_iter().enumerate().map(|(i, (replicas, size))| WorkerPool {
            name: format!("md-{i}"),
            replicas: Some(replicas),
            size: Some(size.to_owned()),
            node_labels: None,
        }).collect());
        wc
    }
}

/// Checks that every MachineHealthCheck rendered for `wc` (if it validates) lets CAPI remediate
/// one unhealthy machine among those its selector targets, when it targets any. False when the
/// claim does not validate (nothing rendered to check).
fn check_health_checks_remediate(wc: drover_api::WorkloadCluster) -> Result<bool, TestCaseError> {
    let fleet = fixtures::fleet(
        vec![kubevirt_infrastructure()],
        vec![
            environment("dev", "v1.32.1"),
            environment("prod", "v1.32.1"),
        ],
        vec![wc],
    );
    let validation = pipeline::validate(&fleet);
    if !validation.is_valid() {
        return Ok(false);
    }
    let rendered =
        render_cluster(&validation.clusters[0]).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let objects: Vec<&Value> = rendered.objects.iter().map(|m| &m.0).collect();
    let checks = health_checks_with_targets(&objects);
    prop_assert_eq!(checks.len(), 1 + validation.clusters[0].workers.len());
    for (check, targets) in checks {
        if targets == 0 {
            continue;
        }
        prop_assert!(
            capi_remediation_allowed(check, targets, 1),
            "{}: unhealthyLessThanOrEqualTo {} of {} machines remediates nothing",
            check["metadata"]["name"],
            check["spec"]["remediation"]["triggerIf"]["unhealthyLessThanOrEqualTo"],
            targets
        );
    }
    Ok(true)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn every_health_check_can_remediate_one_machine(wc in valid_claim()) {
        prop_assume!(check_health_checks_remediate(wc)?, "the claim validates");
    }

    #[test]
    fn every_health_check_of_any_claim_can_remediate_one_machine(wc in any_claim()) {
        check_health_checks_remediate(wc)?;
    }

    #[test]
    fn any_claim_fails_clearly_or_renders_schema_valid_objects(wc in any_claim()) {
        let mut prod = environment("prod", "v1.32.1");
        if let Some(policy) = prod.spec.policy.as_mut() {
            policy.min_control_plane_replicas = Some(3);
            policy.max_worker_replicas = Some(5);
            policy.allowed_namespaces = Some(vec!["team-*".to_owned()]);
        }
        if let Some(defaults) = prod.spec.defaults.as_mut() {
            defaults.control_plane_replicas = Some(3);
        }
        let fleet = fixtures::fleet(vec![kubevirt_infrastructure()], vec![environment("dev", "v1.32.1"), prod], vec![wc]);
        let validation = pipeline::validate(&fleet);
        prop_assert!(
            validation.diagnostics.iter().all(|d| d.object.as_ref().is_some_and(|o| o.kind == "WorkloadCluster")),
            "the fixture environments and infrastructure are valid: {:?}", validation.diagnostics
        );
        if !validation.is_valid() {
            for problem in &validation.diagnostics {
                prop_assert!(problem.object.is_some(), "{problem}");
                prop_assert!(problem.field.starts_with("spec") || problem.field.starts_with("metadata"), "{problem}");
                prop_assert!(!problem.message.is_empty());
            }
            prop_assert!(validation.clusters.is_empty());
            return Ok(());
        }
        prop_assert_eq!(validation.clusters.len(), 1);
        let rendered = render_cluster(&validation.clusters[0]);
        prop_assert!(rendered.is_ok(), "a valid claim must render: {:?}", rendered.err());
        if let (Ok(rendered), Some(catalog)) = (rendered, drover_conformance::catalog_or_skip()) {
            for object in &rendered.objects {
                let checked = catalog.check(&object.0);
                prop_assert!(checked.is_ok(), "{}: {:?}", object.describe(), checked.err());
            }
        }
    }
}
