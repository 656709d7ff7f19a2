//! Docker (CAPI's development provider, `Dev*` kinds) rendering: the docker backend's node
//! images (kind's published images only), the docker socket mount, kubeadm settings for
//! container nodes, worker pools and health checks; the in-memory backend; every Issue the
//! provider raises, and upstream conformance of both backends.

#[path = "common/docker.rs"]
mod docker;

use docker::{
    claim, find, in_memory_claim, in_memory_infrastructure, infrastructure, one, render, resolve,
};
use drover_api::infrastructure::DockerInfrastructure;
use drover_api::workload_cluster::{
    Addon, Cni, ControlPlaneSpec, ExternalAccess, ExternalAccessType, NetworkSpec,
};
use drover_core::fixtures::{with_control_plane, with_workers};
use drover_core::providers::provider_for;
use drover_core::render::{Manifest, RenderedCluster};
use serde_json::{Value, json};

fn dev() -> RenderedCluster {
    render(&claim("ci-smoke", "dev"), "dev", &infrastructure())
}

fn prod() -> RenderedCluster {
    let mut wc = with_workers(
        with_control_plane(claim("ci-ha", "production"), 3),
        &[("md-0", 3, "medium"), ("batch", 1, "xlarge")],
    );
    if let Some(pools) = wc.spec.workers.as_mut() {
        pools[1].node_labels = Some([("workload".to_owned(), "batch".to_owned())].into());
    }
    wc.spec.addons = Some(vec![Addon::Cilium, Addon::MetricsServer]);
    wc.spec.external_access = Some(ExternalAccess {
        type_: Some(ExternalAccessType::LoadBalancer),
        host: None,
    });
    render(&wc, "production", &infrastructure())
}

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
            .any(|(f, m)| f == field && m.contains(needle) && m.contains("`docker`")),
        "expected an issue at {field} mentioning {needle:?} and the provider, got {found:#?}"
    );
}

fn machine_templates(rendered: &RenderedCluster) -> Vec<&Manifest> {
    find(rendered, "DevMachineTemplate")
}

fn in_memory() -> RenderedCluster {
    let wc = with_workers(
        with_control_plane(in_memory_claim("scale-0001", "production"), 3),
        &[("md-0", 5, "small")],
    );
    render(&wc, "production", &in_memory_infrastructure())
}

#[test]
fn the_cluster_references_the_dev_cluster_with_the_docker_backend_and_the_kubeadm_control_plane() {
    let rendered = dev();
    let cluster = one(&rendered, "Cluster");
    assert_eq!(
        cluster["spec"]["infrastructureRef"],
        json!({ "apiGroup": "infrastructure.cluster.x-k8s.io", "kind": "DevCluster", "name": "ci-smoke" })
    );
    assert_eq!(
        cluster["spec"]["controlPlaneRef"],
        json!({ "apiGroup": "controlplane.cluster.x-k8s.io", "kind": "KubeadmControlPlane", "name": "ci-smoke-control-plane" })
    );
    let dev_cluster = one(&rendered, "DevCluster");
    assert_eq!(
        dev_cluster["apiVersion"],
        "infrastructure.cluster.x-k8s.io/v1beta2"
    );
    assert_eq!(dev_cluster["spec"], json!({ "backend": { "docker": {} } }));
    assert!(
        !rendered
            .objects
            .iter()
            .any(|o| o.kind().starts_with("Docker")),
        "the Docker* kinds are deprecated in CAPI v1.14 and removed in v1.15"
    );
}

#[test]
fn nodes_run_kinds_published_image_of_the_version_pinned_by_digest_with_the_docker_socket() {
    let mut wc = claim("ci-smoke", "dev");
    wc.spec.kubernetes_version = Some("v1.33.4".to_owned());
    let rendered = render(&wc, "dev", &infrastructure());
    let templates = machine_templates(&rendered);
    assert_eq!(templates.len(), 2, "control plane and md-0");
    for template in templates {
        let docker = &template.0["spec"]["template"]["spec"]["backend"]["docker"];
        assert_eq!(
            docker["customImage"],
            "kindest/node:v1.33.4@sha256:25a6018e48dfcaee478f4a59af81157a437f15e6e140bf103f85a2e7cd0cbbf2"
        );
        assert_eq!(
            docker["extraMounts"],
            json!([ { "containerPath": "/var/run/docker.sock", "hostPath": "/var/run/docker.sock" } ])
        );
    }

    // Naming kind's repository with the version as tag is the default, not a custom image.
    let mut infra = infrastructure();
    infra.spec.docker = Some(DockerInfrastructure {
        node_image: Some("kindest/node:{{version}}".to_owned()),
        ..DockerInfrastructure::default()
    });
    let rendered = render(&claim("ci-smoke", "dev"), "dev", &infra);
    for template in machine_templates(&rendered) {
        assert_eq!(
            template.0["spec"]["template"]["spec"]["backend"]["docker"]["customImage"],
            "kindest/node:v1.32.8@sha256:abd489f042d2b644e2d033f5c2d900bc707798d075e8186cb65e3f1367a9d5a1"
        );
    }
}

#[test]
fn a_version_kind_published_no_image_for_is_refused_naming_the_field_and_the_published_ones() {
    let mut wc = claim("ci-smoke", "dev");
    wc.spec.kubernetes_version = Some("v1.32.1".to_owned());
    let found = issues(&wc, &infrastructure());
    assert_issue(&found, "spec.kubernetesVersion", "v1.32.1");
    let (_, message) = &found[0];
    for published in ["v1.32.0", "v1.32.2", "v1.32.5", "v1.32.8"] {
        assert!(message.contains(published), "{message}");
    }
    assert!(message.contains("spec.docker.nodeImage"), "{message}");
    assert!(
        !message.contains("v1.33"),
        "only the minor's releases: {message}"
    );

    // render refuses it too, rather than rendering an image that does not exist.
    let cluster = resolve(&wc, "dev", &infrastructure());
    let error = drover_core::render::render_cluster(&cluster).expect_err("refused");
    assert!(
        error.to_string().contains("spec.kubernetesVersion"),
        "{error}"
    );
}

#[test]
fn a_custom_node_image_takes_any_version() {
    let mut infra = infrastructure();
    infra.spec.docker = Some(DockerInfrastructure {
        node_image: Some("registry.local/kind/node:{{version}}".to_owned()),
        ..DockerInfrastructure::default()
    });
    let mut wc = claim("ci-smoke", "dev");
    wc.spec.kubernetes_version = Some("v1.32.1".to_owned());
    assert_eq!(issues(&wc, &infra), Vec::<(String, String)>::new());
    let rendered = render(&wc, "dev", &infra);
    for template in machine_templates(&rendered) {
        assert_eq!(
            template.0["spec"]["template"]["spec"]["backend"]["docker"]["customImage"],
            "registry.local/kind/node:v1.32.1"
        );
    }
}

#[test]
fn templates_are_content_hashed_and_referenced() {
    let rendered = prod();
    let kcp = one(&rendered, "KubeadmControlPlane");
    let cp_ref = &kcp["spec"]["machineTemplate"]["spec"]["infrastructureRef"];
    assert_eq!(cp_ref["kind"], "DevMachineTemplate");
    let cp_name = cp_ref["name"].as_str().expect("name");
    assert!(cp_name.starts_with("ci-ha-control-plane-"), "{cp_name}");
    assert!(
        machine_templates(&rendered)
            .iter()
            .any(|t| t.name() == cp_name)
    );

    for deployment in find(&rendered, "MachineDeployment") {
        let template = &deployment.0["spec"]["template"]["spec"];
        let infra_name = template["infrastructureRef"]["name"]
            .as_str()
            .expect("name");
        let bootstrap_name = template["bootstrap"]["configRef"]["name"]
            .as_str()
            .expect("name");
        assert!(
            machine_templates(&rendered)
                .iter()
                .any(|t| t.name() == infra_name)
        );
        assert!(
            find(&rendered, "KubeadmConfigTemplate")
                .iter()
                .any(|t| t.name() == bootstrap_name)
        );
    }

    let mut newer = with_control_plane(claim("ci-ha", "production"), 3);
    newer.spec.kubernetes_version = Some("v1.33.0".to_owned());
    let upgraded = render(&newer, "production", &infrastructure());
    let upgraded_cp = one(&upgraded, "KubeadmControlPlane")["spec"]["machineTemplate"]["spec"]
        ["infrastructureRef"]["name"]
        .as_str()
        .expect("name")
        .to_owned();
    assert_ne!(upgraded_cp, cp_name, "a new image is a new template");
}

#[test]
fn kubeadm_nodes_disable_disk_eviction_and_name_the_hosts_addresses() {
    let rendered = prod();
    let kcp = one(&rendered, "KubeadmControlPlane");
    let config = &kcp["spec"]["kubeadmConfigSpec"];
    let expected_arg = json!({
        "name": "eviction-hard",
        "value": "nodefs.available<0%,nodefs.inodesFree<0%,imagefs.available<0%",
    });
    for phase in ["initConfiguration", "joinConfiguration"] {
        let args = config[phase]["nodeRegistration"]["kubeletExtraArgs"]
            .as_array()
            .expect("args");
        assert!(args.contains(&expected_arg), "{phase}: {args:?}");
    }
    assert_eq!(
        config["clusterConfiguration"]["apiServer"]["certSANs"],
        json!(["localhost", "127.0.0.1", "0.0.0.0", "host.docker.internal"])
    );
    assert_eq!(kcp["spec"]["replicas"], 3);

    for template in find(&rendered, "KubeadmConfigTemplate") {
        let args = template.0["spec"]["template"]["spec"]["joinConfiguration"]["nodeRegistration"]
            ["kubeletExtraArgs"]
            .as_array()
            .expect("args");
        assert!(args.contains(&expected_arg));
    }
}

#[test]
fn worker_pools_become_machine_deployments_with_labels_and_health_checks() {
    let rendered = prod();
    let deployments: Vec<(&str, &Value)> = find(&rendered, "MachineDeployment")
        .into_iter()
        .map(|d| (d.name(), &d.0["spec"]["replicas"]))
        .collect();
    assert_eq!(
        deployments,
        vec![("ci-ha-md-0", &json!(3)), ("ci-ha-batch", &json!(1))]
    );
    let labelled = find(&rendered, "KubeadmConfigTemplate")
        .into_iter()
        .filter(|t| {
            t.0["spec"]["template"]["spec"]["joinConfiguration"]["nodeRegistration"]
                ["kubeletExtraArgs"]
                .as_array()
                .is_some_and(|args| {
                    args.contains(&json!({ "name": "node-labels", "value": "workload=batch" }))
                })
        })
        .count();
    assert_eq!(labelled, 1);
    assert_eq!(
        find(&rendered, "MachineHealthCheck").len(),
        3,
        "control plane and two pools"
    );
}

#[test]
fn the_namespace_is_restricted_because_nodes_are_containers_not_pods() {
    let rendered = dev();
    assert_eq!(
        one(&rendered, "Namespace")["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        "restricted"
    );
}

#[test]
fn cni_add_ons_follow_the_claims_networks() {
    let rendered = prod();
    let cilium = find(&rendered, "HelmChartProxy")
        .into_iter()
        .find(|p| p.0["spec"]["chartName"] == "cilium")
        .expect("cilium");
    assert!(
        cilium.0["spec"]["valuesTemplate"]
            .as_str()
            .expect("values")
            .contains("10.243.0.0/16")
    );
    let cluster = one(&rendered, "Cluster");
    assert_eq!(
        cluster["spec"]["clusterNetwork"]["pods"]["cidrBlocks"],
        json!(["10.243.0.0/16"])
    );
}

#[test]
fn a_valid_claim_has_no_issues() {
    assert_eq!(
        issues(&claim("ci-smoke", "dev"), &infrastructure()),
        Vec::<(String, String)>::new()
    );
    let mut lb = claim("ci-smoke", "dev");
    lb.spec.external_access = Some(ExternalAccess {
        type_: Some(ExternalAccessType::LoadBalancer),
        host: None,
    });
    assert!(issues(&lb, &infrastructure()).is_empty());
}

#[test]
fn ingress_node_port_and_host_names_are_refused() {
    for access in [ExternalAccessType::Ingress, ExternalAccessType::NodePort] {
        let mut wc = claim("ci-smoke", "dev");
        wc.spec.external_access = Some(ExternalAccess {
            type_: Some(access),
            host: None,
        });
        assert_issue(
            &issues(&wc, &infrastructure()),
            "spec.externalAccess.type",
            "LoadBalancer",
        );
    }
    let mut wc = claim("ci-smoke", "dev");
    wc.spec.external_access = Some(ExternalAccess {
        type_: None,
        host: Some("api.example.org".to_owned()),
    });
    assert_issue(
        &issues(&wc, &infrastructure()),
        "spec.externalAccess.host",
        "Ingress",
    );
}

#[test]
fn sizes_that_set_anything_are_refused() {
    let mut wc = with_workers(
        claim("ci-smoke", "dev"),
        &[("md-0", 1, "small"), ("big", 1, "vm")],
    );
    wc.spec.control_plane = Some(ControlPlaneSpec {
        replicas: None,
        size: Some("vm".to_owned()),
    });
    let found = issues(&wc, &infrastructure());
    assert_issue(&found, "spec.controlPlane.size", "cpu, memory and disk");
    assert_issue(&found, "spec.workers[1].size", "cpu, memory and disk");
    assert!(
        !found.iter().any(|(f, _)| f == "spec.workers[0].size"),
        "an empty size is fine: {found:#?}"
    );
}

#[test]
fn the_provider_network_is_refused() {
    let mut wc = claim("ci-smoke", "dev");
    wc.spec.network = Some(NetworkSpec {
        cni: Some(Cni::Provider),
        ..NetworkSpec::default()
    });
    assert_issue(&issues(&wc, &infrastructure()), "spec.network.cni", "CNI");
}

#[test]
fn the_in_memory_backend_renders_simulated_machines_and_no_image() {
    let rendered = in_memory();
    assert_eq!(
        one(&rendered, "DevCluster")["spec"],
        json!({ "backend": { "inMemory": {} } })
    );
    let templates = machine_templates(&rendered);
    assert_eq!(templates.len(), 2, "control plane and md-0");
    let phase = |duration: &str| json!({ "provisioning": { "startupDuration": duration, "startupJitter": "0.2" } });
    for template in templates {
        assert_eq!(
            template.0["spec"]["template"]["spec"]["backend"],
            json!({ "inMemory": {
                "vm": phase("10s"),
                "node": phase("2s"),
                "apiServer": phase("2s"),
                "etcd": phase("2s"),
            } })
        );
    }
    let kcp = one(&rendered, "KubeadmControlPlane");
    assert_eq!(kcp["spec"]["replicas"], 3);
    assert_eq!(
        kcp["spec"]["machineTemplate"]["spec"]["infrastructureRef"]["kind"],
        "DevMachineTemplate"
    );
    assert_eq!(find(&rendered, "MachineDeployment").len(), 1);
    assert_eq!(find(&rendered, "MachineHealthCheck").len(), 2);
    assert!(find(&rendered, "HelmChartProxy").is_empty());
}

#[test]
fn the_in_memory_backend_takes_any_version() {
    let mut wc = in_memory_claim("scale-0001", "dev");
    wc.spec.kubernetes_version = Some("v1.32.1".to_owned());
    assert_eq!(
        issues(&wc, &in_memory_infrastructure()),
        Vec::<(String, String)>::new()
    );
}

#[test]
fn the_in_memory_backend_refuses_add_ons_external_access_and_a_node_image() {
    let mut wc = in_memory_claim("scale-0001", "dev");
    wc.spec.addons = Some(vec![Addon::Cilium]);
    wc.spec.external_access = Some(ExternalAccess {
        type_: Some(ExternalAccessType::LoadBalancer),
        host: None,
    });
    let mut infra = in_memory_infrastructure();
    if let Some(docker) = infra.spec.docker.as_mut() {
        docker.node_image = Some("kindest/node:{{version}}".to_owned());
    }
    wc.spec.gitops = None;
    let found = issues(&wc, &infra);
    assert_issue(&found, "spec.addons", "inMemory");
    assert_issue(&found, "spec.gitops.argocd.enabled", "inMemory");
    assert_issue(&found, "spec.externalAccess.type", "inMemory");
    assert_issue(&found, "spec.infrastructure", "nodeImage");
}

#[test]
fn rendering_is_deterministic() {
    assert_eq!(dev(), dev());
    assert_eq!(prod(), prod());
    assert_eq!(in_memory(), in_memory());
}

#[test]
fn objects_of_both_backends_conform_upstream() {
    for rendered in [dev(), prod(), in_memory()] {
        for object in &rendered.objects {
            drover_conformance::assert_conforms(&object.0);
        }
    }
}
