//! vcluster rendering: what each claim option maps to in the VCluster's chart values, the
//! namespace's policies, every Issue the provider raises, and upstream conformance.

#[path = "common/vcluster.rs"]
mod vcluster;

use drover_api::workload_cluster::{
    Addon, Cni, ExternalAccess, ExternalAccessType, NetworkSpec, WorkerPool,
};
use drover_core::fixtures::{with_control_plane, with_workers};
use drover_core::providers::provider_for;
use drover_core::render::RenderedCluster;
use serde_json::{Value, json};
use vcluster::{claim, find, infrastructure, one, render, resolve, values};

fn dev() -> RenderedCluster {
    render(&claim("web-preview", "dev"), "dev", &infrastructure())
}

fn prod() -> RenderedCluster {
    let mut wc = with_control_plane(claim("web-prod", "production"), 3);
    wc.spec.control_plane = Some(drover_api::workload_cluster::ControlPlaneSpec {
        replicas: Some(3),
        size: Some("medium".to_owned()),
    });
    wc.spec.addons = Some(vec![Addon::MetricsServer]);
    wc.spec.external_access = Some(ExternalAccess {
        type_: Some(ExternalAccessType::Ingress),
        host: None,
    });
    render(&wc, "production", &infrastructure())
}

fn with_access(
    mut wc: drover_api::WorkloadCluster,
    type_: Option<ExternalAccessType>,
    host: Option<&str>,
) -> drover_api::WorkloadCluster {
    wc.spec.external_access = Some(ExternalAccess {
        type_,
        host: host.map(str::to_owned),
    });
    wc
}

/// The provider's issues for `wc` in `dev`, as (field, message).
fn issues(
    wc: &drover_api::WorkloadCluster,
    infra: &drover_api::Infrastructure,
) -> Vec<(String, String)> {
    let cluster = resolve(wc, "dev", infra);
    provider_for(&cluster.provider)
        .check(&cluster)
        .into_iter()
        .map(|issue| (issue.field, issue.message))
        .collect()
}

fn assert_issue(found: &[(String, String)], field: &str, needle: &str) {
    assert!(
        found
            .iter()
            .any(|(f, m)| f == field && m.contains(needle) && m.contains("`vcluster`")),
        "expected an issue at {field} mentioning {needle:?} and the provider, got {found:#?}"
    );
}

#[test]
fn the_cluster_points_both_references_at_the_one_vcluster() {
    let rendered = dev();
    let cluster = one(&rendered, "Cluster");
    let expected = json!({ "apiGroup": "infrastructure.cluster.x-k8s.io", "kind": "VCluster", "name": "web-preview" });
    assert_eq!(cluster["spec"]["controlPlaneRef"], expected);
    assert_eq!(cluster["spec"]["infrastructureRef"], expected);
    let vcluster = one(&rendered, "VCluster");
    assert_eq!(
        vcluster["apiVersion"],
        "infrastructure.cluster.x-k8s.io/v1alpha1"
    );
    assert_eq!(vcluster["metadata"]["namespace"], "web-preview-cluster");
}

#[test]
fn the_chart_comes_from_the_infrastructure_with_defaults_for_name_and_repo() {
    let rendered = dev();
    let chart = &one(&rendered, "VCluster")["spec"]["helmRelease"]["chart"];
    assert_eq!(
        chart,
        &json!({ "name": "vcluster", "repo": "https://charts.loft.sh", "version": "0.24.1" })
    );

    let mut infra = infrastructure();
    if let Some(vc) = infra.spec.vcluster.as_mut() {
        vc.chart_name = Some("vcluster-mirror".to_owned());
        vc.chart_repo = Some("https://charts.internal.example".to_owned());
        vc.chart_version = "v0.20.0".to_owned();
    }
    let rendered = render(&claim("web-preview", "dev"), "dev", &infra);
    assert_eq!(
        one(&rendered, "VCluster")["spec"]["helmRelease"]["chart"],
        json!({ "name": "vcluster-mirror", "repo": "https://charts.internal.example", "version": "v0.20.0" })
    );
}

#[test]
fn the_kubernetes_version_selects_the_k8s_distro_at_that_version() {
    let mut wc = claim("web-preview", "dev");
    wc.spec.kubernetes_version = Some("v1.33.0".to_owned());
    let values = values(&render(&wc, "dev", &infrastructure()));
    assert_eq!(
        values["controlPlane"]["distro"],
        json!({ "k8s": { "enabled": true, "version": "v1.33.0" } })
    );
}

#[test]
fn a_single_replica_keeps_its_data_on_its_own_volume_sized_by_the_size() {
    let rendered = dev();
    let values = values(&rendered);
    let cp = &values["controlPlane"];
    assert!(cp.get("backingStore").is_none(), "embedded SQLite: {cp}");
    assert_eq!(cp["statefulSet"]["highAvailability"]["replicas"], 1);
    assert_eq!(
        cp["statefulSet"]["persistence"]["volumeClaim"],
        json!({ "enabled": true, "size": "5Gi", "storageClass": "nfs-client" })
    );
    let compute = json!({ "cpu": "1", "memory": "2Gi" });
    assert_eq!(
        cp["statefulSet"]["resources"],
        json!({ "requests": compute, "limits": compute })
    );
    assert!(find(&rendered, "PodDisruptionBudget").is_empty());

    let mut infra = infrastructure();
    if let Some(vc) = infra.spec.vcluster.as_mut() {
        vc.storage_class = None;
    }
    let values = vcluster::values(&render(&claim("web-preview", "dev"), "dev", &infra));
    assert_eq!(
        values["controlPlane"]["statefulSet"]["persistence"]["volumeClaim"],
        json!({ "enabled": true, "size": "5Gi" }),
        "no storage class: the management cluster's default"
    );
}

#[test]
fn an_ha_control_plane_runs_on_deployed_etcd_with_quorum_budgets() {
    let rendered = prod();
    let values = values(&rendered);
    let cp = &values["controlPlane"];
    assert_eq!(cp["statefulSet"]["highAvailability"]["replicas"], 3);
    assert_eq!(
        cp["backingStore"]["etcd"]["deploy"],
        json!({
            "enabled": true,
            "statefulSet": {
                "highAvailability": { "replicas": 3 },
                "persistence": { "volumeClaim": { "enabled": true, "size": "20Gi", "storageClass": "nfs-client" } },
            },
        })
    );
    assert_eq!(
        cp["statefulSet"]["persistence"]["volumeClaim"],
        json!({ "enabled": false })
    );
    assert_eq!(
        cp["statefulSet"]["resources"]["limits"],
        json!({ "cpu": "2", "memory": "4Gi" })
    );
    let term = &cp["statefulSet"]["scheduling"]["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
        [0]["podAffinityTerm"];
    assert_eq!(term["topologyKey"], "kubernetes.io/hostname");
    assert_eq!(
        term["labelSelector"]["matchLabels"],
        json!({ "app": "vcluster", "release": "web-prod" })
    );

    let budgets = find(&rendered, "PodDisruptionBudget");
    assert_eq!(budgets.len(), 2);
    let selectors: Vec<&Value> = budgets
        .iter()
        .map(|b| {
            assert_eq!(b.0["spec"]["minAvailable"], 2, "quorum of 3");
            &b.0["spec"]["selector"]["matchLabels"]
        })
        .collect();
    assert!(selectors.contains(&&json!({ "app": "vcluster", "release": "web-prod" })));
    assert!(selectors.contains(&&json!({ "app": "vcluster-etcd", "release": "web-prod" })));

    let five = render(
        &with_control_plane(claim("web-five", "dev"), 5),
        "dev",
        &infrastructure(),
    );
    for budget in find(&five, "PodDisruptionBudget") {
        assert_eq!(budget.0["spec"]["minAvailable"], 3, "quorum of 5");
    }
}

#[test]
fn default_access_is_the_in_cluster_service_and_the_endpoint_is_discovered() {
    let rendered = dev();
    let values = values(&rendered);
    assert_eq!(
        values["controlPlane"]["service"],
        json!({ "spec": { "type": "ClusterIP" } })
    );
    assert!(values["controlPlane"].get("ingress").is_none());
    assert!(values["controlPlane"].get("proxy").is_none());
    assert!(
        one(&rendered, "VCluster")["spec"]
            .get("controlPlaneEndpoint")
            .is_none()
    );
}

#[test]
fn load_balancer_and_node_port_set_the_service_type() {
    for (access, expected) in [
        (ExternalAccessType::LoadBalancer, "LoadBalancer"),
        (ExternalAccessType::NodePort, "NodePort"),
    ] {
        let wc = with_access(claim("web-preview", "dev"), Some(access), None);
        let rendered = render(&wc, "dev", &infrastructure());
        assert_eq!(
            values(&rendered)["controlPlane"]["service"]["spec"]["type"],
            expected
        );
        assert!(
            one(&rendered, "VCluster")["spec"]
                .get("controlPlaneEndpoint")
                .is_none()
        );
    }
}

#[test]
fn ingress_access_exposes_the_host_with_passthrough_sans_and_endpoint() {
    let rendered = prod();
    let values = values(&rendered);
    let cp = &values["controlPlane"];
    assert_eq!(
        cp["ingress"],
        json!({ "enabled": true, "host": "web-prod.vc.example.com", "spec": { "ingressClassName": "nginx" } })
    );
    assert_eq!(cp["proxy"]["extraSANs"], json!(["web-prod.vc.example.com"]));
    assert_eq!(cp["service"]["spec"]["type"], "ClusterIP");
    assert_eq!(
        one(&rendered, "VCluster")["spec"]["controlPlaneEndpoint"],
        json!({ "host": "web-prod.vc.example.com", "port": 443 })
    );

    let wc = with_access(
        claim("web-preview", "dev"),
        Some(ExternalAccessType::Ingress),
        Some("api.web.example.org"),
    );
    let rendered = render(&wc, "dev", &infrastructure());
    let values = vcluster::values(&rendered);
    assert_eq!(
        values["controlPlane"]["ingress"]["host"],
        "api.web.example.org"
    );
    assert_eq!(
        values["controlPlane"]["proxy"]["extraSANs"],
        json!(["api.web.example.org"])
    );
    assert_eq!(
        one(&rendered, "VCluster")["spec"]["controlPlaneEndpoint"]["host"],
        "api.web.example.org"
    );
}

#[test]
fn the_namespace_is_isolated_and_the_api_port_open() {
    let rendered = dev();
    let policies = find(&rendered, "NetworkPolicy");
    let by_name = |suffix: &str| {
        &policies
            .iter()
            .find(|p| p.name() == format!("web-preview-{suffix}"))
            .unwrap_or_else(|| panic!("policy {suffix}"))
            .0["spec"]
    };
    let namespace = by_name("namespace");
    assert_eq!(namespace["podSelector"], json!({}));
    assert_eq!(
        namespace["ingress"],
        json!([ { "from": [ { "podSelector": {} } ] } ])
    );
    assert_eq!(
        namespace["egress"][0],
        json!({ "to": [ { "podSelector": {} } ] })
    );
    let control_plane = by_name("control-plane");
    assert_eq!(
        control_plane["podSelector"]["matchLabels"],
        json!({ "app": "vcluster", "release": "web-preview" })
    );
    assert_eq!(
        control_plane["ingress"],
        json!([ { "ports": [ { "protocol": "TCP", "port": 8443 } ] } ])
    );
    let workloads = by_name("workloads");
    assert_eq!(
        workloads["podSelector"]["matchLabels"],
        json!({ "vcluster.loft.sh/managed-by": "web-preview" })
    );
    assert_eq!(workloads["policyTypes"], json!(["Egress"]));
    let except = workloads["egress"][0]["to"][0]["ipBlock"]["except"]
        .as_array()
        .expect("except");
    assert!(except.contains(&json!("10.0.0.0/8")));
}

#[test]
fn the_namespace_admits_baseline_pods_and_there_are_no_machines() {
    let rendered = dev();
    let namespace = one(&rendered, "Namespace");
    assert_eq!(
        namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        "baseline"
    );
    for kind in [
        "MachineDeployment",
        "MachineHealthCheck",
        "KubeadmControlPlane",
        "MachinePool",
    ] {
        assert!(find(&rendered, kind).is_empty(), "no {kind}");
    }
}

#[test]
fn metrics_server_is_installed_into_the_virtual_cluster() {
    let rendered = prod();
    let proxies = find(&rendered, "HelmChartProxy");
    assert_eq!(proxies.len(), 1);
    assert_eq!(proxies[0].0["spec"]["chartName"], "metrics-server");
}

#[test]
fn the_service_monitor_follows_the_infrastructure_setting() {
    let rendered = dev();
    let monitor = one(&rendered, "ServiceMonitor");
    assert_eq!(monitor["apiVersion"], "monitoring.coreos.com/v1");
    assert_eq!(
        monitor["spec"]["selector"]["matchLabels"],
        json!({ "app": "vcluster", "release": "web-preview", "vcluster.loft.sh/service": "true" })
    );
    assert_eq!(
        monitor["spec"]["endpoints"][0]["tlsConfig"]["keySecret"],
        json!({ "name": "vc-web-preview", "key": "client-key" })
    );
    for setting in [Some(false), None] {
        let mut infra = infrastructure();
        if let Some(vc) = infra.spec.vcluster.as_mut() {
            vc.service_monitor = setting;
        }
        let rendered = render(&claim("web-preview", "dev"), "dev", &infra);
        assert!(find(&rendered, "ServiceMonitor").is_empty());
    }
}

#[test]
fn a_valid_claim_has_no_issues() {
    assert_eq!(
        issues(&claim("web-preview", "dev"), &infrastructure()),
        Vec::<(String, String)>::new()
    );
}

#[test]
fn explicit_workers_are_refused_but_the_default_pool_is_accepted() {
    let wc = with_workers(claim("web-preview", "dev"), &[("md-0", 2, "small")]);
    assert_issue(&issues(&wc, &infrastructure()), "spec.workers", "worker");
}

#[test]
fn the_network_must_be_the_management_clusters() {
    let mut wc = claim("web-preview", "dev");
    wc.spec.network = None;
    assert_issue(
        &issues(&wc, &infrastructure()),
        "spec.network.cni",
        "provider",
    );

    let mut wc = claim("web-preview", "dev");
    wc.spec.network = Some(NetworkSpec {
        pod_cidr: Some("10.243.0.0/16".to_owned()),
        service_cidr: Some("10.95.0.0/16".to_owned()),
        cni: Some(Cni::Provider),
    });
    let found = issues(&wc, &infrastructure());
    assert_issue(&found, "spec.network.podCIDR", "podCIDR");
    assert_issue(&found, "spec.network.serviceCIDR", "serviceCIDR");
}

#[test]
fn cni_add_ons_are_refused() {
    let mut wc = claim("web-preview", "dev");
    wc.spec.network = Some(NetworkSpec {
        cni: Some(Cni::Calico),
        ..NetworkSpec::default()
    });
    wc.spec.addons = Some(vec![Addon::Calico]);
    let found = issues(&wc, &infrastructure());
    assert_issue(&found, "spec.addons", "`calico`");
    assert_issue(&found, "spec.network.cni", "provider");
}

#[test]
fn ingress_needs_the_infrastructures_ingress_settings_and_host_needs_ingress() {
    let mut infra = infrastructure();
    if let Some(vc) = infra.spec.vcluster.as_mut() {
        vc.ingress = None;
    }
    let wc = with_access(
        claim("web-preview", "dev"),
        Some(ExternalAccessType::Ingress),
        None,
    );
    assert_issue(&issues(&wc, &infra), "spec.externalAccess.type", "ingress");

    for access in [None, Some(ExternalAccessType::LoadBalancer)] {
        let wc = with_access(claim("web-preview", "dev"), access, Some("api.example.org"));
        assert_issue(
            &issues(&wc, &infrastructure()),
            "spec.externalAccess.host",
            "Ingress",
        );
    }
}

#[test]
fn sizes_need_cpu_memory_and_disk_and_no_instance_type() {
    let mut infra = infrastructure();
    infra.spec.sizes.insert(
        "nodisk".to_owned(),
        drover_api::infrastructure::Size {
            cpu: Some(1),
            memory: Some("1Gi".to_owned()),
            ..Default::default()
        },
    );
    let mut wc = claim("web-preview", "dev");
    wc.spec.control_plane = Some(drover_api::workload_cluster::ControlPlaneSpec {
        replicas: None,
        size: Some("nodisk".to_owned()),
    });
    assert_issue(&issues(&wc, &infra), "spec.controlPlane.size", "disk");

    wc.spec.control_plane = Some(drover_api::workload_cluster::ControlPlaneSpec {
        replicas: None,
        size: Some("cloudy".to_owned()),
    });
    let found = issues(&wc, &infra);
    assert_issue(&found, "spec.controlPlane.size", "instanceType");
    assert_issue(&found, "spec.controlPlane.size", "cpu, memory and disk");
}

#[test]
fn charts_older_than_0_20_are_refused() {
    let mut infra = infrastructure();
    if let Some(vc) = infra.spec.vcluster.as_mut() {
        vc.chart_version = "0.19.5".to_owned();
    }
    assert_issue(
        &issues(&claim("web-preview", "dev"), &infra),
        "spec.infrastructure",
        "0.19.5",
    );
}

#[test]
fn explicit_worker_pool_named_like_the_default_is_still_explicit() {
    let mut wc = claim("web-preview", "dev");
    wc.spec.workers = Some(vec![WorkerPool {
        name: "md-0".to_owned(),
        ..WorkerPool::default()
    }]);
    assert_issue(&issues(&wc, &infrastructure()), "spec.workers", "worker");
}

#[test]
fn rendering_is_deterministic() {
    assert_eq!(dev(), dev());
    assert_eq!(prod(), prod());
}

/// Every object of a dev and a production cluster against the upstream schemas. The
/// ServiceMonitor's CRD (Prometheus operator) is not among them: that one object must fail with
/// exactly "no schema known", everything else must conform.
#[test]
fn dev_and_production_objects_conform_upstream() {
    let Some(catalog) = drover_conformance::catalog_or_skip() else {
        return;
    };
    let mut checked = 0;
    for rendered in [dev(), prod()] {
        for object in &rendered.objects {
            let result = catalog.check(&object.0);
            if object.kind() == "ServiceMonitor" {
                let violations = result.expect_err("no ServiceMonitor CRD is known");
                assert_eq!(violations.len(), 1, "{violations:?}");
                assert_eq!(violations[0].path, "kind");
                assert_eq!(
                    violations[0].message,
                    "no schema known for ServiceMonitor (monitoring.coreos.com/v1)"
                );
                continue;
            }
            checked += 1;
            if let Err(violations) = result {
                panic!(
                    "{}: {}:\n{}",
                    rendered.name,
                    object.describe(),
                    drover_conformance::format_violations(&violations)
                );
            }
        }
    }
    assert!(checked > 10, "checked {checked}");
}
