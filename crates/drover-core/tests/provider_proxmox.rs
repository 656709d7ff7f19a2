//! Proxmox + Talos rendering: what each claim option maps to in CAPMOX's and the Talos
//! providers' objects, each Issue the provider raises, and upstream conformance of a dev and a
//! production cluster.

#[path = "common/onprem.rs"]
mod onprem;

use std::collections::BTreeMap;

use drover_api::labels;
use drover_api::workload_cluster::{Addon, Cni, ExternalAccess, ExternalAccessType, NetworkSpec};
use drover_core::fixtures::{size, with_workers};
use drover_core::providers::proxmox::{
    DEFAULT_CLOUD_CONTROLLER_MANIFEST, control_plane_patch, worker_patch,
};
use drover_core::render::{RenderedCluster, render_cluster};
use onprem::{
    PROXMOX, assert_conformant, assert_references_resolve, claim_on, dev_claim, find, issues, one,
    prod_claim, proxmox_infrastructure, render, resolve,
};
use serde_json::{Value, json};

fn settings(
    infra: &mut drover_api::Infrastructure,
) -> &mut drover_api::infrastructure::ProxmoxInfrastructure {
    infra.spec.proxmox.as_mut().expect("proxmox block")
}

fn strategic_patch(object: &Value, path: &[&str]) -> String {
    let mut value = object;
    for key in path {
        value = &value[*key];
    }
    let patches = value["strategicPatches"]
        .as_array()
        .expect("strategicPatches");
    assert_eq!(patches.len(), 1);
    patches[0].as_str().expect("a YAML string").to_owned()
}

#[test]
fn renders_capmox_v1alpha2_and_talos_v1alpha3_kinds_in_apply_order() {
    let rendered = render(&prod_claim(PROXMOX, "edge-prod"), &proxmox_infrastructure());
    let kinds: Vec<(&str, &str)> = rendered
        .objects
        .iter()
        .map(|o| (o.kind(), o.api_version()))
        .collect();
    for expected in [
        ("Namespace", "v1"),
        (
            "ProxmoxMachineTemplate",
            "infrastructure.cluster.x-k8s.io/v1alpha2",
        ),
        ("TalosConfigTemplate", "bootstrap.cluster.x-k8s.io/v1alpha3"),
        ("ProxmoxCluster", "infrastructure.cluster.x-k8s.io/v1alpha2"),
        (
            "TalosControlPlane",
            "controlplane.cluster.x-k8s.io/v1alpha3",
        ),
        ("Cluster", "cluster.x-k8s.io/v1beta2"),
        ("MachineDeployment", "cluster.x-k8s.io/v1beta2"),
        ("MachineHealthCheck", "cluster.x-k8s.io/v1beta2"),
    ] {
        assert!(kinds.contains(&expected), "{expected:?} in {kinds:?}");
    }
    // Three templates (control plane + two pools), two bootstrap templates, two pools, and a
    // health check each for the control plane and the pools.
    assert_eq!(find(&rendered, "ProxmoxMachineTemplate").len(), 3);
    assert_eq!(find(&rendered, "TalosConfigTemplate").len(), 2);
    assert_eq!(find(&rendered, "MachineDeployment").len(), 2);
    assert_eq!(find(&rendered, "MachineHealthCheck").len(), 3);
    assert!(find(&rendered, "KubeadmControlPlane").is_empty());
    let position = |kind: &str| {
        kinds
            .iter()
            .position(|(k, _)| *k == kind)
            .unwrap_or_else(|| panic!("{kind} rendered"))
    };
    assert!(position("ProxmoxMachineTemplate") < position("TalosControlPlane"));
    assert!(position("ProxmoxCluster") < position("Cluster"));
    assert!(position("TalosControlPlane") < position("Cluster"));
    assert!(position("Cluster") < position("MachineDeployment"));
    assert_references_resolve(&rendered);
}

#[test]
fn proxmox_cluster_carries_the_vip_node_pool_dns_nodes_and_credentials() {
    let rendered = render(&dev_claim(PROXMOX, "edge-dev"), &proxmox_infrastructure());
    let spec = &one(&rendered, "ProxmoxCluster")["spec"];
    assert_eq!(
        spec["controlPlaneEndpoint"],
        json!({ "host": "10.20.0.10", "port": 6443 })
    );
    assert_eq!(
        spec["ipv4Config"],
        json!({ "addresses": ["10.20.0.100-10.20.0.199"], "prefix": 24, "gateway": "10.20.0.1" })
    );
    assert_eq!(spec["dnsServers"], json!(["10.20.0.1", "1.1.1.1"]));
    assert_eq!(spec["allowedNodes"], json!(["pve1", "pve2", "pve3"]));
    assert_eq!(
        spec["credentialsRef"],
        json!({ "name": "proxmox-credentials", "namespace": "edge-dev-cluster" }),
        "the Secret CAPMOX takes ownership of is in the cluster's own namespace"
    );
    let cluster = one(&rendered, "Cluster");
    assert_eq!(
        cluster["spec"]["infrastructureRef"]["kind"],
        "ProxmoxCluster"
    );
    assert_eq!(
        cluster["spec"]["controlPlaneRef"]["kind"],
        "TalosControlPlane"
    );
    assert_eq!(
        cluster["spec"]["controlPlaneRef"]["apiGroup"],
        "controlplane.cluster.x-k8s.io"
    );

    // Without a Secret CAPMOX uses its own credentials.
    let mut infra = proxmox_infrastructure();
    settings(&mut infra).credentials_secret = None;
    let rendered = render(&dev_claim(PROXMOX, "edge-dev"), &infra);
    assert!(
        one(&rendered, "ProxmoxCluster")["spec"]
            .get("credentialsRef")
            .is_none()
    );
}

#[test]
fn credentials_in_another_namespace_are_refused_with_the_reason() {
    // CAPMOX puts an owner reference and a finalizer on the credentials Secret; an owner in
    // another namespace counts as absent, so the garbage collector would delete a shared Secret.
    let mut infra = proxmox_infrastructure();
    settings(&mut infra).credentials_secret_namespace = Some("capmox-system".to_owned());
    let problems = issues(&dev_claim(PROXMOX, "edge-dev"), &infra);
    let problem = problems
        .iter()
        .find(|p| p.starts_with("spec.infrastructure: "))
        .unwrap_or_else(|| panic!("refused: {problems:?}"));
    assert!(
        problem.contains("spec.proxmox.credentialsSecretNamespace is not supported")
            && problem.contains("garbage collector")
            && problem.contains("`edge-dev-cluster`"),
        "{problem}"
    );
    assert!(
        render_cluster(&resolve(&dev_claim(PROXMOX, "edge-dev"), &infra)).is_err(),
        "nothing is rendered for it"
    );
}

#[test]
fn per_cluster_node_addresses_replace_the_shared_pool() {
    let mut infra = proxmox_infrastructure();
    settings(&mut infra).node_addresses = Some(BTreeMap::from([(
        "edge-dev".to_owned(),
        vec!["10.20.0.100-10.20.0.119".to_owned()],
    )]));
    let rendered = render(&dev_claim(PROXMOX, "edge-dev"), &infra);
    assert_eq!(
        one(&rendered, "ProxmoxCluster")["spec"]["ipv4Config"]["addresses"],
        json!(["10.20.0.100-10.20.0.119"])
    );
    let found = issues(&dev_claim(PROXMOX, "edge-prod"), &infra);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("spec.infrastructure: ")
            && found[0].contains("proxmox.nodeAddresses")
            && found[0].contains("`edge-prod`")
            && found[0].contains("`proxmox`"),
        "{found:?}"
    );
}

fn template_spec<'a>(rendered: &'a RenderedCluster, prefix: &str) -> &'a Value {
    let template = find(rendered, "ProxmoxMachineTemplate")
        .into_iter()
        .find(|m| m.name().starts_with(prefix))
        .unwrap_or_else(|| panic!("template {prefix}*"));
    &template.0["spec"]["template"]["spec"]
}

#[test]
fn sizes_and_template_settings_reach_the_vm() {
    let rendered = render(&prod_claim(PROXMOX, "edge-prod"), &proxmox_infrastructure());
    let worker = template_spec(&rendered, "edge-prod-md-0-");
    assert_eq!(worker["sourceNode"], "pve1");
    assert_eq!(worker["templateID"], 9000);
    assert_eq!(worker["full"], true);
    assert_eq!(worker["storage"], "local-lvm");
    assert_eq!(worker["numSockets"], 1);
    assert_eq!(worker["numCores"], 16, "xlarge: 16 vCPU");
    assert_eq!(worker["memoryMiB"], 65536, "xlarge: 64Gi");
    assert_eq!(
        worker["disks"]["bootVolume"],
        json!({ "disk": "scsi0", "sizeGb": 500 })
    );
    assert_eq!(
        worker["network"]["networkDevices"],
        json!([{ "name": "net0", "bridge": "vmbr0", "model": "virtio", "defaultIPv4": true }])
    );
    assert_eq!(worker["metadataSettings"]["providerIDInjection"], true);
    assert_eq!(worker["checks"]["skipCloudInitStatus"], true);
    let cp = template_spec(&rendered, "edge-prod-control-plane-");
    assert_eq!(cp["numCores"], 2, "small: 2 vCPU");
    assert_eq!(cp["memoryMiB"], 4096);
    assert_eq!(cp["disks"]["bootVolume"]["sizeGb"], 40);

    let mut infra = proxmox_infrastructure();
    settings(&mut infra).storage = None;
    settings(&mut infra).boot_disk = Some("virtio0".to_owned());
    let rendered = render(&prod_claim(PROXMOX, "edge-prod"), &infra);
    let worker = template_spec(&rendered, "edge-prod-md-0-");
    assert!(worker.get("storage").is_none());
    assert_eq!(worker["disks"]["bootVolume"]["disk"], "virtio0");
}

#[test]
fn memory_is_rounded_up_to_whole_multiples_of_8_mib() {
    let mut infra = proxmox_infrastructure();
    infra
        .spec
        .sizes
        .insert("odd".to_owned(), size(2, "1000M", "10G"));
    let rendered = render(
        &with_workers(claim_on(PROXMOX, "edge-dev", "dev"), &[("md-0", 1, "odd")]),
        &infra,
    );
    let worker = template_spec(&rendered, "edge-dev-md-0-");
    // 1000M = 953.67 MiB -> 960; 10G = 9.31 GiB -> 10.
    assert_eq!(worker["memoryMiB"], 960);
    assert_eq!(worker["disks"]["bootVolume"]["sizeGb"], 10);
}

#[test]
fn talos_control_plane_references_its_template_and_pins_versions() {
    let rendered = render(&prod_claim(PROXMOX, "edge-prod"), &proxmox_infrastructure());
    let tcp = one(&rendered, "TalosControlPlane");
    assert_eq!(tcp["metadata"]["name"], "edge-prod-control-plane");
    assert_eq!(tcp["spec"]["version"], "v1.32.1");
    assert_eq!(tcp["spec"]["replicas"], 3);
    let template = &tcp["spec"]["infrastructureTemplate"];
    assert_eq!(
        template["apiVersion"],
        "infrastructure.cluster.x-k8s.io/v1alpha2"
    );
    assert_eq!(template["kind"], "ProxmoxMachineTemplate");
    assert_eq!(template["namespace"], "edge-prod-cluster");
    let cp_template = find(&rendered, "ProxmoxMachineTemplate")
        .into_iter()
        .find(|m| m.name().starts_with("edge-prod-control-plane-"))
        .expect("cp template");
    assert_eq!(template["name"], cp_template.name());
    let config = &tcp["spec"]["controlPlaneConfig"]["controlplane"];
    assert_eq!(config["generateType"], "controlplane");
    assert_eq!(config["talosVersion"], "v1.9.5");
    assert_eq!(
        tcp["spec"]["rolloutStrategy"],
        json!({ "type": "RollingUpdate", "rollingUpdate": { "maxSurge": 1 } })
    );
}

#[test]
fn control_plane_patch_sets_vip_cilium_without_kube_proxy_and_the_cloud_controller() {
    let infra = proxmox_infrastructure();
    let wc = prod_claim(PROXMOX, "edge-prod");
    let rendered = render(&wc, &infra);
    let tcp = one(&rendered, "TalosControlPlane");
    let text = strategic_patch(tcp, &["spec", "controlPlaneConfig", "controlplane"]);

    let cluster = resolve(&wc, &infra);
    let proxmox = infra.spec.proxmox.as_ref().expect("proxmox");
    let patch = control_plane_patch(&cluster, proxmox, "10.20.0.11".parse().expect("ip"));
    assert_eq!(
        text,
        drover_yaml::to_yaml(&patch),
        "the rendered patch is this value"
    );

    assert_eq!(
        patch["machine"]["network"]["interfaces"],
        json!([{ "deviceSelector": { "physical": true }, "vip": { "ip": "10.20.0.11" } }])
    );
    assert_eq!(patch["machine"]["install"]["disk"], "/dev/sda");
    assert_eq!(
        patch["machine"]["features"]["kubePrism"],
        json!({ "enabled": true, "port": 7445 })
    );
    assert_eq!(
        patch["machine"]["features"]["kubernetesTalosAPIAccess"]["allowedRoles"],
        json!(["os:reader"])
    );
    assert_eq!(
        patch["cluster"]["network"]["cni"],
        json!({ "name": "none" })
    );
    assert_eq!(
        patch["cluster"]["network"]["podSubnets"],
        json!(["10.243.0.0/16"])
    );
    assert_eq!(
        patch["cluster"]["network"]["serviceSubnets"],
        json!(["10.95.0.0/16"])
    );
    assert_eq!(patch["cluster"]["proxy"], json!({ "disabled": true }));
    assert_eq!(
        patch["cluster"]["externalCloudProvider"],
        json!({ "enabled": true, "manifests": [DEFAULT_CLOUD_CONTROLLER_MANIFEST] })
    );
    assert!(
        DEFAULT_CLOUD_CONTROLLER_MANIFEST.contains("/v1."),
        "the cloud controller manifest is pinned to a release"
    );
}

#[test]
fn worker_patch_carries_node_labels_install_disk_and_the_shared_cluster_section() {
    let mut infra = proxmox_infrastructure();
    settings(&mut infra).install_disk = Some("/dev/vda".to_owned());
    settings(&mut infra).cloud_controller_manifest =
        Some("https://example.com/ccm-v1.0.0.yaml".to_owned());
    let wc = prod_claim(PROXMOX, "edge-prod");
    let rendered = render(&wc, &infra);
    let cluster = resolve(&wc, &infra);
    let proxmox = infra.spec.proxmox.as_ref().expect("proxmox");
    for (pool, template) in cluster
        .workers
        .iter()
        .zip(find(&rendered, "TalosConfigTemplate"))
    {
        let spec = &template.0["spec"]["template"]["spec"];
        assert_eq!(spec["generateType"], "worker");
        assert_eq!(spec["talosVersion"], "v1.9.5");
        let patch = worker_patch(&cluster, proxmox, pool);
        assert_eq!(
            strategic_patch(&template.0, &["spec", "template", "spec"]),
            drover_yaml::to_yaml(&patch)
        );
        assert_eq!(patch["machine"]["install"]["disk"], "/dev/vda");
        assert!(
            patch["machine"].get("network").is_none(),
            "the VIP is the control plane's"
        );
        assert!(
            patch["machine"]["features"]
                .get("kubernetesTalosAPIAccess")
                .is_none()
        );
        assert_eq!(
            patch["cluster"]["externalCloudProvider"]["manifests"],
            json!(["https://example.com/ccm-v1.0.0.yaml"])
        );
        if pool.name == "batch" {
            assert_eq!(
                patch["machine"]["nodeLabels"],
                json!({ "workload": "batch" })
            );
        } else {
            assert!(patch["machine"].get("nodeLabels").is_none());
        }
        assert!(
            template
                .name()
                .starts_with(&format!("edge-prod-{}-", pool.name))
        );
    }
    // Each pool's MachineDeployment bootstraps from its own TalosConfigTemplate.
    for deployment in find(&rendered, "MachineDeployment") {
        let config = &deployment.0["spec"]["template"]["spec"]["bootstrap"]["configRef"];
        assert_eq!(config["kind"], "TalosConfigTemplate");
        assert_eq!(config["apiGroup"], "bootstrap.cluster.x-k8s.io");
        let pool = deployment.name().trim_start_matches("edge-prod-");
        assert!(
            config["name"]
                .as_str()
                .unwrap_or_default()
                .starts_with(&format!("edge-prod-{pool}-"))
        );
    }
}

#[test]
fn kube_proxy_stays_when_replacement_is_off_and_with_talos_own_cni() {
    let mut infra = proxmox_infrastructure();
    settings(&mut infra).kube_proxy_replacement = Some(false);
    let mut wc = dev_claim(PROXMOX, "edge-dev");
    wc.spec.addons = Some(vec![Addon::Cilium]);
    let cluster = resolve(&wc, &infra);
    let patch = control_plane_patch(
        &cluster,
        infra.spec.proxmox.as_ref().expect("proxmox"),
        "10.20.0.10".parse().expect("ip"),
    );
    assert!(patch["cluster"].get("proxy").is_none());
    assert_eq!(
        patch["cluster"]["network"]["cni"],
        json!({ "name": "none" })
    );
    let rendered = render(&wc, &infra);
    let values = one(&rendered, "HelmChartProxy")["spec"]["valuesTemplate"]
        .as_str()
        .expect("values")
        .to_owned();
    assert!(values.contains("kubeProxyReplacement: false"), "{values}");

    // `network.cni: provider` is Talos' own flannel, with kube-proxy.
    let mut wc = dev_claim(PROXMOX, "edge-dev");
    wc.spec.network = Some(NetworkSpec {
        cni: Some(Cni::Provider),
        ..NetworkSpec::default()
    });
    let infra = proxmox_infrastructure();
    let cluster = resolve(&wc, &infra);
    let patch = control_plane_patch(
        &cluster,
        infra.spec.proxmox.as_ref().expect("proxmox"),
        "10.20.0.10".parse().expect("ip"),
    );
    assert!(patch["cluster"]["network"].get("cni").is_none());
    assert!(patch["cluster"].get("proxy").is_none());
    render(&wc, &infra);
}

#[test]
fn cilium_on_talos_uses_kubeprism_and_talos_cgroups_and_capabilities() {
    let mut wc = dev_claim(PROXMOX, "edge-dev");
    wc.spec.addons = Some(vec![Addon::Cilium, Addon::MetricsServer]);
    let rendered = render(&wc, &proxmox_infrastructure());
    let cilium = find(&rendered, "HelmChartProxy")
        .into_iter()
        .find(|m| m.name() == "edge-dev-cilium")
        .expect("cilium");
    assert_eq!(
        cilium.0["spec"]["clusterSelector"]["matchLabels"][labels::CLUSTER],
        "edge-dev"
    );
    let values = cilium.0["spec"]["valuesTemplate"].as_str().expect("values");
    for line in [
        "k8sServiceHost: localhost\n",
        "k8sServicePort: 7445\n",
        "kubeProxyReplacement: true\n",
        "ipv4NativeRoutingCIDR: 10.243.0.0/16\n",
        "cgroup:\n  autoMount:\n    enabled: false\n  hostRoot: /sys/fs/cgroup\n",
        "    cleanCiliumState:\n    - NET_ADMIN\n    - SYS_ADMIN\n    - SYS_RESOURCE\n",
    ] {
        assert!(values.contains(line), "{line:?} in\n{values}");
    }
    assert!(
        !values.contains("SYS_MODULE"),
        "Talos loads no modules for workloads"
    );
    assert!(
        !values.contains(".Cluster.spec.controlPlaneEndpoint"),
        "{values}"
    );
}

#[test]
fn changing_only_a_worker_size_changes_only_that_template_and_its_deployment() {
    let before = render(&prod_claim(PROXMOX, "edge-prod"), &proxmox_infrastructure());
    let mut wc = prod_claim(PROXMOX, "edge-prod");
    if let Some(pools) = wc.spec.workers.as_mut() {
        pools[0].size = Some("medium".to_owned());
    }
    let after = render(&wc, &proxmox_infrastructure());
    assert_eq!(before.objects.len(), after.objects.len());
    let changed: Vec<(&str, &str, &str)> = before
        .objects
        .iter()
        .zip(&after.objects)
        .filter(|(old, new)| old != new)
        .map(|(old, new)| (old.kind(), old.name(), new.name()))
        .collect();
    let kinds: Vec<&str> = changed.iter().map(|(kind, _, _)| *kind).collect();
    assert_eq!(
        kinds,
        vec!["ProxmoxMachineTemplate", "MachineDeployment"],
        "{changed:?}"
    );
    assert_ne!(changed[0].1, changed[0].2, "a new content hash");
    assert_eq!(changed[1].1, changed[1].2, "the same MachineDeployment");
}

#[test]
fn namespace_is_restricted_and_objects_carry_the_inventory_labels() {
    let rendered = render(&prod_claim(PROXMOX, "edge-prod"), &proxmox_infrastructure());
    let namespace = &rendered.objects[0].0;
    assert_eq!(namespace["kind"], "Namespace");
    assert_eq!(
        namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        "restricted"
    );
    for object in &rendered.objects {
        let object_labels = &object.0["metadata"]["labels"];
        assert_eq!(
            object_labels[labels::MANAGED_BY],
            "drover",
            "{}",
            object.describe()
        );
        assert_eq!(
            object_labels[labels::CLUSTER],
            "edge-prod",
            "{}",
            object.describe()
        );
        assert_eq!(
            object_labels[labels::CAPI_CLUSTER_NAME],
            "edge-prod",
            "{}",
            object.describe()
        );
        if object.kind() != "Namespace" {
            assert_eq!(
                object.namespace(),
                "edge-prod-cluster",
                "{}",
                object.describe()
            );
        }
        assert!(object.name().len() <= 63, "{}", object.describe());
    }
    assert_eq!(
        one(&rendered, "Cluster")["metadata"]["labels"][labels::INFRASTRUCTURE],
        PROXMOX
    );
}

#[test]
fn rendering_is_deterministic() {
    let a = render(&prod_claim(PROXMOX, "edge-prod"), &proxmox_infrastructure());
    let b = render(&prod_claim(PROXMOX, "edge-prod"), &proxmox_infrastructure());
    assert_eq!(a, b);
}

fn only_issue(wc: &drover_api::WorkloadCluster, infra: &drover_api::Infrastructure) -> String {
    let found = issues(wc, infra);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("`proxmox`"),
        "names the provider: {found:?}"
    );
    found[0].clone()
}

#[test]
fn a_dev_and_a_production_cluster_have_no_issues() {
    assert!(issues(&dev_claim(PROXMOX, "edge-dev"), &proxmox_infrastructure()).is_empty());
    assert!(issues(&prod_claim(PROXMOX, "edge-prod"), &proxmox_infrastructure()).is_empty());
    let mut wc = dev_claim(PROXMOX, "edge-dev");
    wc.spec.external_access = Some(ExternalAccess {
        type_: Some(ExternalAccessType::LoadBalancer),
        host: None,
    });
    assert!(
        issues(&wc, &proxmox_infrastructure()).is_empty(),
        "LoadBalancer is the VIP"
    );
}

#[test]
fn ingress_and_node_port_access_and_a_host_name_are_refused() {
    for (access, name) in [
        (ExternalAccessType::Ingress, "Ingress"),
        (ExternalAccessType::NodePort, "NodePort"),
    ] {
        let mut wc = dev_claim(PROXMOX, "edge-dev");
        wc.spec.external_access = Some(ExternalAccess {
            type_: Some(access),
            host: None,
        });
        let issue = only_issue(&wc, &proxmox_infrastructure());
        assert!(issue.starts_with("spec.externalAccess.type: "), "{issue}");
        assert!(issue.contains(name), "{issue}");
    }
    let mut wc = dev_claim(PROXMOX, "edge-dev");
    wc.spec.external_access = Some(ExternalAccess {
        type_: None,
        host: Some("edge.example.com".to_owned()),
    });
    assert!(only_issue(&wc, &proxmox_infrastructure()).starts_with("spec.externalAccess.host: "));
}

#[test]
fn calico_is_refused() {
    let mut wc = dev_claim(PROXMOX, "edge-dev");
    wc.spec.network = Some(NetworkSpec {
        cni: Some(Cni::Calico),
        ..NetworkSpec::default()
    });
    let issue = only_issue(&wc, &proxmox_infrastructure());
    assert!(
        issue.starts_with("spec.network.cni: ") && issue.contains("calico"),
        "{issue}"
    );
}

#[test]
fn the_vip_must_exist_be_ipv4_sit_in_the_node_subnet_and_outside_the_pool() {
    let issue = only_issue(&dev_claim(PROXMOX, "edge-nope"), &proxmox_infrastructure());
    assert!(
        issue.starts_with("spec.infrastructure: ")
            && issue.contains("no control-plane VIP for cluster `edge-nope`")
            && issue.contains("controlPlaneEndpoints"),
        "{issue}"
    );
    for (vip, expected) in [
        ("edge.example.com", "not an IPv4 address"),
        ("10.21.0.10", "outside the node subnet 10.20.0.0/24"),
        (
            "10.20.0.150",
            "lies in the node address range `10.20.0.100-10.20.0.199`",
        ),
        ("10.20.0.11", "is also cluster `edge-prod`'s"),
    ] {
        let mut infra = proxmox_infrastructure();
        settings(&mut infra)
            .control_plane_endpoints
            .insert("edge-dev".to_owned(), vip.to_owned());
        let issue = only_issue(&dev_claim(PROXMOX, "edge-dev"), &infra);
        assert!(issue.contains(expected), "{vip}: {issue}");
    }
}

#[test]
fn the_vip_must_not_lie_in_another_clusters_node_range() {
    let mut infra = proxmox_infrastructure();
    let proxmox = settings(&mut infra);
    proxmox.node_addresses = Some(BTreeMap::from([
        (
            "edge-dev".to_owned(),
            vec!["10.20.0.100-10.20.0.119".to_owned()],
        ),
        ("edge-prod".to_owned(), vec!["10.20.0.0/28".to_owned()]),
    ]));
    let issue = only_issue(&dev_claim(PROXMOX, "edge-dev"), &infra);
    assert!(
        issue.contains("lies in the node address range `10.20.0.0/28`"),
        "{issue}"
    );
}

#[test]
fn sizes_need_cpu_memory_and_a_disk_of_5gi_and_no_instance_type() {
    let mut infra = proxmox_infrastructure();
    let sizes = &mut infra.spec.sizes;
    sizes.insert(
        "cloud".to_owned(),
        drover_api::infrastructure::Size {
            instance_type: Some("m6i.xlarge".to_owned()),
            ..size(4, "16Gi", "100Gi")
        },
    );
    sizes.insert(
        "diskless".to_owned(),
        drover_api::infrastructure::Size {
            disk: None,
            ..size(4, "16Gi", "100Gi")
        },
    );
    sizes.insert("tiny".to_owned(), size(1, "2Gi", "4Gi"));
    for (size_name, expected) in [
        ("cloud", "sets instanceType"),
        ("diskless", "has no disk"),
        ("tiny", "(at least 5 GiB)"),
    ] {
        let wc = with_workers(
            claim_on(PROXMOX, "edge-dev", "dev"),
            &[("md-0", 1, size_name)],
        );
        let issue = only_issue(&wc, &infra);
        assert!(issue.starts_with("spec.workers[0].size: "), "{issue}");
        assert!(issue.contains(expected), "{size_name}: {issue}");
    }
    let mut wc = dev_claim(PROXMOX, "edge-dev");
    wc.spec.control_plane = Some(drover_api::workload_cluster::ControlPlaneSpec {
        replicas: Some(1),
        size: Some("diskless".to_owned()),
    });
    assert!(only_issue(&wc, &infra).starts_with("spec.controlPlane.size: "));
}

#[test]
fn talos_older_than_1_7_is_refused() {
    let mut infra = proxmox_infrastructure();
    settings(&mut infra).talos_version = "v1.6.7".to_owned();
    let issue = only_issue(&dev_claim(PROXMOX, "edge-dev"), &infra);
    assert!(
        issue.starts_with("spec.infrastructure: ") && issue.contains("v1.6.7"),
        "{issue}"
    );
}

#[test]
fn a_dev_and_a_production_cluster_conform_to_the_upstream_schemas() {
    let infra = proxmox_infrastructure();
    let mut dev = dev_claim(PROXMOX, "edge-dev");
    dev.spec.addons = Some(vec![Addon::Cilium]);
    let mut prod = prod_claim(PROXMOX, "edge-prod");
    prod.spec.addons = Some(vec![Addon::Cilium, Addon::MetricsServer]);
    let mut flannel = dev_claim(PROXMOX, "edge");
    flannel.spec.network = Some(NetworkSpec {
        cni: Some(Cni::Provider),
        ..NetworkSpec::default()
    });
    let mut plain = proxmox_infrastructure();
    let proxmox = settings(&mut plain);
    proxmox.storage = None;
    proxmox.credentials_secret = None;
    proxmox.kube_proxy_replacement = Some(false);
    let rendered: Vec<_> = [
        render(&dev, &infra),
        render(&prod, &infra),
        render(&flannel, &infra),
        render(&dev, &plain),
    ]
    .into_iter()
    .collect();
    assert_conformant(&rendered);
}

#[test]
fn kubernetes_outside_the_talos_releases_support_window_is_refused() {
    // Talos validates the Kubernetes version of the machine configuration against its own
    // support window (Talos 1.9: Kubernetes 1.27 to 1.32): a newer kubelet never starts, so
    // the machines would never join.
    let mut wc = dev_claim(PROXMOX, "edge-dev");
    wc.spec.kubernetes_version = Some("v1.33.0".to_owned());
    let issue = only_issue(&wc, &proxmox_infrastructure());
    assert!(
        issue.starts_with("spec.kubernetesVersion: ")
            && issue.contains("v1.33.0")
            && issue.contains("Talos v1.9.5")
            && issue.contains("proxmox.talosVersion")
            && issue.contains("v1.27 to v1.32"),
        "{issue}"
    );
    wc.spec.kubernetes_version = Some("v1.26.5".to_owned());
    assert!(only_issue(&wc, &proxmox_infrastructure()).contains("v1.26.5"));

    // A newer Talos runs it.
    let mut infra = proxmox_infrastructure();
    settings(&mut infra).talos_version = "v1.10.3".to_owned();
    wc.spec.kubernetes_version = Some("v1.33.0".to_owned());
    assert!(issues(&wc, &infra).is_empty(), "{:?}", issues(&wc, &infra));
    render(&wc, &infra);
}

#[test]
fn the_install_disk_follows_a_virtio_boot_disk() {
    // A virtio-blk boot disk is /dev/vda in the guest; SCSI, SATA and IDE disks are /dev/sda.
    let mut infra = proxmox_infrastructure();
    settings(&mut infra).boot_disk = Some("virtio0".to_owned());
    let wc = dev_claim(PROXMOX, "edge-dev");
    let cluster = resolve(&wc, &infra);
    let proxmox = infra.spec.proxmox.as_ref().expect("proxmox");
    let vip = "10.20.0.10".parse().expect("ip");
    assert_eq!(
        control_plane_patch(&cluster, proxmox, vip)["machine"]["install"]["disk"],
        "/dev/vda"
    );
    assert_eq!(
        worker_patch(&cluster, proxmox, &cluster.workers[0])["machine"]["install"]["disk"],
        "/dev/vda"
    );
    // An explicit installDisk wins.
    settings(&mut infra).install_disk = Some("/dev/sdb".to_owned());
    let proxmox = infra.spec.proxmox.as_ref().expect("proxmox");
    assert_eq!(
        control_plane_patch(&cluster, proxmox, vip)["machine"]["install"]["disk"],
        "/dev/sdb"
    );
}
