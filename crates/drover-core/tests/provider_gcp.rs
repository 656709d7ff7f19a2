//! GCP (CAPG, GKE): what each claim option maps to, every Issue the provider raises, and
//! upstream conformance of a dev and a production cluster.

#[path = "common/cloud.rs"]
mod cloud;

use cloud::{
    all, assert_conforms, claim, dev, gcp, issue_at, issues, kinds, one, production, render,
    with_control_plane, with_pools,
};
use drover_api::workload_cluster::{Addon, Cni, ExternalAccess, ExternalAccessType, NetworkSpec};
use drover_core::fixtures;
use serde_json::json;

const KINDS: &[(&str, &str)] = &[
    ("infrastructure.cluster.x-k8s.io", "GCPManagedCluster"),
    ("infrastructure.cluster.x-k8s.io", "GCPManagedControlPlane"),
    ("infrastructure.cluster.x-k8s.io", "GCPManagedMachinePool"),
    ("cluster.x-k8s.io", "MachinePool"),
];

fn analytics_prod() -> drover_api::WorkloadCluster {
    let mut wc = with_pools(
        claim(
            "team-analytics",
            "analytics-gcp",
            "production",
            "gcp-europe-west1",
        ),
        &[
            ("md-0", 6, "xlarge", &[]),
            ("highmem", 3, "medium", &[("workload", "analytics")]),
        ],
    );
    wc.spec.network = Some(NetworkSpec {
        pod_cidr: Some("10.68.0.0/14".to_owned()),
        service_cidr: Some("10.72.0.0/20".to_owned()),
        cni: None,
    });
    wc
}

#[test]
fn renders_a_regional_vpc_native_gke_cluster() {
    let rendered = render(&analytics_prod(), &production(), &gcp());
    assert_eq!(
        kinds(&rendered),
        [
            "Namespace",
            "GCPManagedCluster",
            "GCPManagedControlPlane",
            "Cluster",
            "GCPManagedMachinePool",
            "MachinePool",
            "GCPManagedMachinePool",
            "MachinePool",
        ]
    );
    let infra = one(&rendered, "GCPManagedCluster");
    assert_eq!(
        infra["apiVersion"],
        "infrastructure.cluster.x-k8s.io/v1beta1"
    );
    assert_eq!(
        infra["spec"],
        json!({
            "project": "acme-analytics-prod",
            "region": "europe-west1",
            "network": { "name": "default" },
            "credentialsRef": { "name": "capg-analytics", "namespace": "capg-system" },
        })
    );
    let cp = one(&rendered, "GCPManagedControlPlane");
    assert_eq!(cp["metadata"]["name"], "analytics-gcp-control-plane");
    assert_eq!(
        cp["spec"],
        json!({
            "project": "acme-analytics-prod",
            "location": "europe-west1",
            "clusterName": "analytics-gcp",
            "version": "v1.32.1",
            "clusterNetwork": {
                "useIPAliases": true,
                "pod": { "cidrBlock": "10.68.0.0/14" },
                "service": { "cidrBlock": "10.72.0.0/20" },
            },
            "releaseChannel": "regular",
        })
    );
    assert_eq!(
        one(&rendered, "Cluster")["spec"]["controlPlaneRef"],
        json!({ "apiGroup": "infrastructure.cluster.x-k8s.io", "kind": "GCPManagedControlPlane", "name": "analytics-gcp-control-plane" })
    );
    assert!(all(&rendered, "MachineHealthCheck").is_empty());
    assert_eq!(
        one(&rendered, "Namespace")["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        "restricted"
    );
}

#[test]
fn worker_pools_become_node_pools() {
    let rendered = render(&analytics_prod(), &production(), &gcp());
    let pools = all(&rendered, "GCPManagedMachinePool");
    assert_eq!(
        pools[0]["spec"],
        json!({
            "nodePoolName": "md-0",
            "instanceType": "n2-standard-16",
            "management": { "autoRepair": true, "autoUpgrade": true },
        })
    );
    assert_eq!(
        pools[1]["spec"],
        json!({
            "nodePoolName": "highmem",
            "instanceType": "n2-standard-8",
            "diskSizeGb": 200,
            "kubernetesLabels": { "workload": "analytics" },
            "management": { "autoRepair": true, "autoUpgrade": true },
        })
    );
    let machine_pools = all(&rendered, "MachinePool");
    assert_eq!(machine_pools[0]["spec"]["replicas"], 6);
    assert_eq!(
        machine_pools[0]["spec"]["template"]["spec"]["version"],
        "v1.32.1"
    );
    assert_eq!(
        machine_pools[0]["spec"]["template"]["spec"]["infrastructureRef"],
        json!({ "apiGroup": "infrastructure.cluster.x-k8s.io", "kind": "GCPManagedMachinePool", "name": "analytics-gcp-md-0" })
    );
}

#[test]
fn without_a_channel_drover_alone_upgrades() {
    let mut infra = gcp();
    if let Some(settings) = infra.spec.gcp.as_mut() {
        settings.release_channel = None;
        settings.credentials_secret = None;
        settings.network = Some("shared-vpc".to_owned());
    }
    let rendered = render(&analytics_prod(), &production(), &infra);
    let cp = one(&rendered, "GCPManagedControlPlane");
    assert!(cp["spec"].get("releaseChannel").is_none());
    let infra_cluster = one(&rendered, "GCPManagedCluster");
    assert!(infra_cluster["spec"].get("credentialsRef").is_none());
    assert_eq!(infra_cluster["spec"]["network"]["name"], "shared-vpc");
    for pool in all(&rendered, "GCPManagedMachinePool") {
        assert_eq!(
            pool["spec"]["management"],
            json!({ "autoRepair": true, "autoUpgrade": false })
        );
    }
}

#[test]
fn credentials_namespace_can_be_chosen() {
    let mut infra = gcp();
    if let Some(settings) = infra.spec.gcp.as_mut() {
        settings.credentials_secret_namespace = Some("gcp-credentials".to_owned());
    }
    let rendered = render(&analytics_prod(), &production(), &infra);
    assert_eq!(
        one(&rendered, "GCPManagedCluster")["spec"]["credentialsRef"],
        json!({ "name": "capg-analytics", "namespace": "gcp-credentials" })
    );
}

#[test]
fn production_claims_validate_with_the_defaulted_control_plane() {
    assert!(issues(&analytics_prod(), &production(), &gcp()).is_empty());
    let wc = with_control_plane(analytics_prod(), Some(3), None);
    let found = issues(&wc, &production(), &gcp());
    assert!(issue_at(&found, "spec.controlPlane.replicas").contains("provider `gcp` (GKE)"));
    assert_eq!(found.len(), 1);
    let wc = with_control_plane(analytics_prod(), None, Some("xlarge"));
    let found = issues(&wc, &production(), &gcp());
    assert!(issue_at(&found, "spec.controlPlane.size").contains("provider `gcp` (GKE)"));
}

#[test]
fn replicas_must_fill_the_three_zones() {
    let wc = with_pools(
        claim("team-a", "zones", "dev", "gcp-europe-west1"),
        &[("md-0", 4, "small", &[]), ("spare", 0, "small", &[])],
    );
    let found = issues(&wc, &dev(), &gcp());
    let message = issue_at(&found, "spec.workers[0].replicas");
    assert!(message.contains("multiple of 3"), "{message}");
    assert_eq!(found.len(), 1, "an empty pool is fine: {found:#?}");

    let wc = with_pools(
        claim("team-a", "empty", "dev", "gcp-europe-west1"),
        &[("md-0", 0, "small", &[])],
    );
    let found = issues(&wc, &dev(), &gcp());
    assert!(issue_at(&found, "spec.workers").contains("at least one node"));
}

#[test]
fn access_cni_addons_and_sizes_gke_cannot_honour() {
    let mut wc = analytics_prod();
    wc.spec.external_access = Some(ExternalAccess {
        type_: Some(ExternalAccessType::NodePort),
        host: None,
    });
    wc.spec.network = Some(NetworkSpec {
        cni: Some(Cni::Cilium),
        ..NetworkSpec::default()
    });
    wc.spec.addons = Some(vec![Addon::Cilium, Addon::MetricsServer]);
    let found = issues(&wc, &production(), &gcp());
    assert!(issue_at(&found, "spec.externalAccess.type").contains("provider `gcp` (GKE)"));
    assert!(issue_at(&found, "spec.network.cni").contains("VPC-native GKE networking"));
    assert!(issue_at(&found, "spec.addons").contains("GKE runs metrics-server itself"));

    let mut infra = gcp();
    infra
        .spec
        .sizes
        .insert("vm".to_owned(), fixtures::size(4, "16Gi", "5Gi"));
    let wc = with_pools(
        claim("team-a", "sizes", "dev", "gcp-europe-west1"),
        &[("md-0", 3, "vm", &[])],
    );
    let found = issues(&wc, &dev(), &infra);
    let messages: Vec<&str> = found
        .iter()
        .filter(|i| i.field == "spec.workers[0].size")
        .map(|i| i.message.as_str())
        .collect();
    assert_eq!(messages.len(), 3, "{found:#?}");
    assert!(messages[0].contains("GCE machine type"));
    assert!(messages[2].contains("10..=65536 GiB"));
}

#[test]
fn dev_and_production_clusters_conform_to_capg_schemas() {
    assert_conforms(
        &render(
            &claim("team-a", "dev-gke", "dev", "gcp-europe-west1"),
            &dev(),
            &gcp(),
        ),
        KINDS,
    );
    assert_conforms(&render(&analytics_prod(), &production(), &gcp()), KINDS);
}

/// An environment whose default size (`large`) the cloud infrastructure does not define: a
/// managed control plane needs no size, so only the worker pools must name one that exists; a
/// kubeadm control plane still needs it.
#[test]
fn a_managed_control_plane_ignores_an_undefined_default_size() {
    let mut sandbox = fixtures::environment("sandbox", "v1.32.1");
    if let Some(defaults) = sandbox.spec.defaults.as_mut() {
        defaults.size = Some("large".to_owned());
    }
    let wc = with_pools(
        claim("team-data", "scratch", "sandbox", "gcp-europe-west1"),
        &[("md-0", 3, "small", &[])],
    );
    let cluster = cloud::resolve(&wc, &sandbox, &gcp());
    assert_eq!(cluster.control_plane.size.name, "managed");
    assert!(issues(&wc, &sandbox, &gcp()).is_empty());

    let source = drover_core::fleet::Source::default();
    let on_kubeadm = with_pools(
        claim("team-data", "scratch", "sandbox", "aws-eu-west-1"),
        &[("md-0", 3, "small", &[])],
    );
    let aws = cloud::aws_kubeadm();
    let context = drover_core::resolve::ClaimContext {
        environment: Some((&sandbox, &source)),
        infrastructure: Some((&aws, &source)),
    };
    let problems = drover_core::resolve::resolve_claim(&on_kubeadm, &source, &context)
        .expect_err("kubeadm control-plane machines need a size");
    assert!(
        problems
            .0
            .iter()
            .any(|p| p.field == "spec.controlPlane.size"),
        "{problems}"
    );
}
