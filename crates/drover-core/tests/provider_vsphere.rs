//! vSphere rendering: what each claim option maps to in CAPV's and kubeadm's objects (with what
//! CAPV's own templates set, and kube-vip holding the VIP), each Issue the provider raises, and
//! upstream conformance of a dev and a production cluster.

#[path = "common/onprem.rs"]
mod onprem;

use drover_api::labels;
use drover_api::workload_cluster::{Addon, Cni, ExternalAccess, ExternalAccessType, NetworkSpec};
use drover_core::fixtures::{size, with_workers};
use drover_core::providers::vsphere::DEFAULT_KUBE_VIP_IMAGE;
use drover_core::render::RenderedCluster;
use onprem::{
    VSPHERE, assert_conformant, assert_references_resolve, claim_on, dev_claim, find, issues, one,
    prod_claim, render, vsphere_infrastructure,
};
use serde_json::{Value, json};

fn settings(
    infra: &mut drover_api::Infrastructure,
) -> &mut drover_api::infrastructure::VsphereInfrastructure {
    infra.spec.vsphere.as_mut().expect("vsphere block")
}

fn template_spec<'a>(rendered: &'a RenderedCluster, prefix: &str) -> &'a Value {
    let template = find(rendered, "VSphereMachineTemplate")
        .into_iter()
        .find(|m| m.name().starts_with(prefix))
        .unwrap_or_else(|| panic!("template {prefix}*"));
    &template.0["spec"]["template"]["spec"]
}

/// The HelmChartProxy installing `chart_name`.
fn chart<'a>(rendered: &'a RenderedCluster, chart_name: &str) -> &'a Value {
    &find(rendered, "HelmChartProxy")
        .into_iter()
        .find(|proxy| proxy.0["spec"]["chartName"] == chart_name)
        .unwrap_or_else(|| panic!("HelmChartProxy for {chart_name}"))
        .0
}

fn file<'a>(kcp: &'a Value, path: &str) -> &'a Value {
    kcp["spec"]["kubeadmConfigSpec"]["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("file {path}"))
}

#[test]
fn renders_capv_v1beta2_and_kubeadm_v1beta2_kinds_in_apply_order() {
    let rendered = render(&prod_claim(VSPHERE, "erp-prod"), &vsphere_infrastructure());
    let kinds: Vec<(&str, &str)> = rendered
        .objects
        .iter()
        .map(|o| (o.kind(), o.api_version()))
        .collect();
    for expected in [
        ("Namespace", "v1"),
        (
            "VSphereMachineTemplate",
            "infrastructure.cluster.x-k8s.io/v1beta2",
        ),
        (
            "KubeadmConfigTemplate",
            "bootstrap.cluster.x-k8s.io/v1beta2",
        ),
        ("VSphereCluster", "infrastructure.cluster.x-k8s.io/v1beta2"),
        (
            "KubeadmControlPlane",
            "controlplane.cluster.x-k8s.io/v1beta2",
        ),
        ("Cluster", "cluster.x-k8s.io/v1beta2"),
        ("MachineDeployment", "cluster.x-k8s.io/v1beta2"),
        ("MachineHealthCheck", "cluster.x-k8s.io/v1beta2"),
        ("HelmChartProxy", "addons.cluster.x-k8s.io/v1alpha1"),
        ("ClusterResourceSet", "addons.cluster.x-k8s.io/v1beta2"),
    ] {
        assert!(kinds.contains(&expected), "{expected:?} in {kinds:?}");
    }
    assert_eq!(find(&rendered, "VSphereMachineTemplate").len(), 3);
    assert_eq!(find(&rendered, "KubeadmConfigTemplate").len(), 2);
    assert_eq!(find(&rendered, "MachineHealthCheck").len(), 3);
    let position = |kind: &str| {
        kinds
            .iter()
            .position(|(k, _)| *k == kind)
            .unwrap_or_else(|| panic!("{kind} rendered"))
    };
    assert!(position("VSphereMachineTemplate") < position("KubeadmControlPlane"));
    assert!(position("VSphereCluster") < position("Cluster"));
    assert!(position("Cluster") < position("MachineDeployment"));
    assert_references_resolve(&rendered);
    let kcp = one(&rendered, "KubeadmControlPlane");
    assert_eq!(kcp["spec"]["replicas"], 3);
    assert_eq!(kcp["spec"]["version"], "v1.32.1");
    let reference = &kcp["spec"]["machineTemplate"]["spec"]["infrastructureRef"];
    assert_eq!(reference["kind"], "VSphereMachineTemplate");
    assert!(
        reference["name"]
            .as_str()
            .unwrap_or_default()
            .starts_with("erp-prod-control-plane-")
    );
}

#[test]
fn vsphere_cluster_carries_server_thumbprint_vip_and_identity() {
    let rendered = render(&dev_claim(VSPHERE, "erp-dev"), &vsphere_infrastructure());
    assert_eq!(
        one(&rendered, "VSphereCluster")["spec"],
        json!({
            "server": "vcenter.dc1.example.com",
            "thumbprint": "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01",
            "controlPlaneEndpoint": { "host": "10.30.0.10", "port": 6443 },
            "identityRef": { "kind": "VSphereClusterIdentity", "name": "dc1-identity" },
        })
    );
    let mut infra = vsphere_infrastructure();
    settings(&mut infra).thumbprint = None;
    settings(&mut infra).identity = None;
    let rendered = render(&dev_claim(VSPHERE, "erp-dev"), &infra);
    let spec = &one(&rendered, "VSphereCluster")["spec"];
    assert!(spec.get("thumbprint").is_none() && spec.get("identityRef").is_none());
    assert!(
        template_spec(&rendered, "erp-dev-md-0-")
            .get("thumbprint")
            .is_none()
    );
}

#[test]
fn sizes_and_placement_reach_the_vm() {
    let rendered = render(&prod_claim(VSPHERE, "erp-prod"), &vsphere_infrastructure());
    let worker = template_spec(&rendered, "erp-prod-md-0-");
    assert_eq!(
        worker,
        &json!({
            "server": "vcenter.dc1.example.com",
            "thumbprint": "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01",
            "datacenter": "DC1",
            "datastore": "vsanDatastore",
            "folder": "/DC1/vm/k8s",
            "resourcePool": "/DC1/host/Cluster1/Resources/k8s",
            "template": "ubuntu-2404-kube-v1.32.1",
            "cloneMode": "fullClone",
            "numCPUs": 16,
            "memoryMiB": 65536,
            "diskGiB": 500,
            "os": "Linux",
            "powerOffMode": "trySoft",
            "network": { "devices": [ { "networkName": "k8s-nodes", "dhcp4": true } ] },
        })
    );
    let cp = template_spec(&rendered, "erp-prod-control-plane-");
    assert_eq!(
        (
            cp["numCPUs"].clone(),
            cp["memoryMiB"].clone(),
            cp["diskGiB"].clone()
        ),
        (json!(2), json!(4096), json!(40))
    );

    let mut infra = vsphere_infrastructure();
    settings(&mut infra).folder = None;
    settings(&mut infra).resource_pool = None;
    let rendered = render(&prod_claim(VSPHERE, "erp-prod"), &infra);
    let worker = template_spec(&rendered, "erp-prod-md-0-");
    assert!(worker.get("folder").is_none() && worker.get("resourcePool").is_none());
}

#[test]
fn control_plane_runs_kube_vip_on_the_vip_with_the_pinned_image() {
    let rendered = render(&dev_claim(VSPHERE, "erp-dev"), &vsphere_infrastructure());
    let kcp = one(&rendered, "KubeadmControlPlane");
    let manifest = file(kcp, "/etc/kubernetes/manifests/kube-vip.yaml");
    assert_eq!(manifest["owner"], "root:root");
    let content = manifest["content"].as_str().expect("content");
    for expected in [
        "kind: Pod\n",
        "image: ghcr.io/kube-vip/kube-vip:v0.8.9\n",
        "    - name: address\n      value: \"10.30.0.10\"\n",
        "    - name: port\n      value: \"6443\"\n",
        "    - name: cp_enable\n      value: \"true\"\n",
        "hostNetwork: true\n",
        "path: /etc/kube-vip.hosts\n",
    ] {
        assert!(content.contains(expected), "{expected:?} in\n{content}");
    }
    assert_eq!(
        file(kcp, "/etc/kube-vip.hosts")["content"],
        "127.0.0.1 localhost kubernetes\n"
    );
    let prepare = file(kcp, "/etc/pre-kubeadm-commands/50-kube-vip-prepare.sh");
    assert_eq!(prepare["permissions"], "0700");
    assert!(
        prepare["content"]
            .as_str()
            .unwrap_or_default()
            .contains("super-admin.conf")
    );
    // The pre-kubeadm commands run that script.
    let commands = kcp["spec"]["kubeadmConfigSpec"]["preKubeadmCommands"]
        .as_array()
        .expect("commands");
    assert!(
        commands[0]
            .as_str()
            .unwrap_or_default()
            .starts_with("hostnamectl set-hostname")
    );
    assert!(
        commands
            .last()
            .and_then(Value::as_str)
            .unwrap_or_default()
            .contains("/etc/pre-kubeadm-commands/")
    );

    // Without a pinned image, drover's default (itself pinned).
    let mut infra = vsphere_infrastructure();
    settings(&mut infra).kube_vip_image = None;
    let rendered = render(&dev_claim(VSPHERE, "erp-dev"), &infra);
    let content = file(
        one(&rendered, "KubeadmControlPlane"),
        "/etc/kubernetes/manifests/kube-vip.yaml",
    )["content"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(content.contains(&format!("image: {DEFAULT_KUBE_VIP_IMAGE}\n")));
    assert!(!DEFAULT_KUBE_VIP_IMAGE.ends_with(":latest"));
}

#[test]
fn nodes_use_an_external_cloud_provider_the_capv_user_and_capv_hostname_commands() {
    let rendered = render(&prod_claim(VSPHERE, "erp-prod"), &vsphere_infrastructure());
    let kcp = one(&rendered, "KubeadmControlPlane");
    let config = &kcp["spec"]["kubeadmConfigSpec"];
    let external = json!([{ "name": "cloud-provider", "value": "external" }]);
    assert_eq!(
        config["initConfiguration"]["nodeRegistration"]["kubeletExtraArgs"],
        external
    );
    assert_eq!(
        config["joinConfiguration"]["nodeRegistration"]["kubeletExtraArgs"],
        external
    );
    assert_eq!(
        config["clusterConfiguration"]["controllerManager"]["extraArgs"],
        external
    );
    let users = json!([{
        "name": "capv",
        "sshAuthorizedKeys": ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTests platform@example.com"],
        "sudo": "ALL=(ALL) NOPASSWD:ALL",
    }]);
    assert_eq!(config["users"], users);

    for template in find(&rendered, "KubeadmConfigTemplate") {
        let spec = &template.0["spec"]["template"]["spec"];
        assert_eq!(spec["users"], users);
        assert_eq!(
            spec["preKubeadmCommands"][0],
            config["preKubeadmCommands"][0]
        );
        assert!(
            spec.get("files").is_none(),
            "kube-vip only on the control plane"
        );
        let args = &spec["joinConfiguration"]["nodeRegistration"]["kubeletExtraArgs"];
        assert_eq!(
            args[0],
            json!({ "name": "cloud-provider", "value": "external" })
        );
        if template.name().starts_with("erp-prod-batch-") {
            assert_eq!(
                args[1],
                json!({ "name": "node-labels", "value": "workload=batch" })
            );
        } else {
            assert_eq!(args.as_array().map(Vec::len), Some(1));
        }
    }

    // Without SSH keys no user is created.
    let mut infra = vsphere_infrastructure();
    settings(&mut infra).ssh_authorized_keys = None;
    let rendered = render(&prod_claim(VSPHERE, "erp-prod"), &infra);
    assert!(
        one(&rendered, "KubeadmControlPlane")["spec"]["kubeadmConfigSpec"]
            .get("users")
            .is_none()
    );
    for template in find(&rendered, "KubeadmConfigTemplate") {
        assert!(
            template.0["spec"]["template"]["spec"]
                .get("users")
                .is_none()
        );
    }
}

#[test]
fn cni_add_ons_are_installed_by_helm_with_the_cluster_endpoint() {
    let mut wc = dev_claim(VSPHERE, "erp-dev");
    wc.spec.addons = Some(vec![Addon::Cilium]);
    let rendered = render(&wc, &vsphere_infrastructure());
    let values = chart(&rendered, "cilium")["spec"]["valuesTemplate"]
        .as_str()
        .expect("values")
        .to_owned();
    assert!(values.contains("k8sServiceHost: {{ .Cluster.spec.controlPlaneEndpoint.host }}"));
    assert!(
        values.contains("kubeProxyReplacement: false"),
        "kubeadm runs kube-proxy"
    );

    let mut wc = dev_claim(VSPHERE, "erp-dev");
    wc.spec.network = Some(NetworkSpec {
        cni: Some(Cni::Calico),
        ..NetworkSpec::default()
    });
    wc.spec.addons = Some(vec![Addon::Calico]);
    let rendered = render(&wc, &vsphere_infrastructure());
    let charts: Vec<&str> = find(&rendered, "HelmChartProxy")
        .iter()
        .filter_map(|proxy| proxy.0["spec"]["chartName"].as_str())
        .collect();
    assert_eq!(charts, ["vsphere-cpi", "tigera-operator"]);
}

#[test]
fn changing_only_a_worker_size_changes_only_that_template_and_its_deployment() {
    let before = render(&prod_claim(VSPHERE, "erp-prod"), &vsphere_infrastructure());
    let mut wc = prod_claim(VSPHERE, "erp-prod");
    if let Some(pools) = wc.spec.workers.as_mut() {
        pools[0].size = Some("medium".to_owned());
    }
    let after = render(&wc, &vsphere_infrastructure());
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
        vec!["VSphereMachineTemplate", "MachineDeployment"],
        "{changed:?}"
    );
    assert_ne!(changed[0].1, changed[0].2);

    // A new node image (Kubernetes version) changes every template's name.
    let mut infra = vsphere_infrastructure();
    settings(&mut infra).template = "ubuntu-2404-kube-{{version}}-v2".to_owned();
    let after = render(&prod_claim(VSPHERE, "erp-prod"), &infra);
    let old: Vec<&str> = find(&before, "VSphereMachineTemplate")
        .iter()
        .map(|m| m.name())
        .collect();
    for template in find(&after, "VSphereMachineTemplate") {
        assert!(!old.contains(&template.name()));
    }
}

#[test]
fn namespace_is_restricted_and_objects_carry_the_inventory_labels() {
    let rendered = render(&prod_claim(VSPHERE, "erp-prod"), &vsphere_infrastructure());
    assert_eq!(
        rendered.objects[0].0["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
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
            "erp-prod",
            "{}",
            object.describe()
        );
        assert!(object.name().len() <= 63, "{}", object.describe());
    }
}

#[test]
fn rendering_is_deterministic() {
    let a = render(&prod_claim(VSPHERE, "erp-prod"), &vsphere_infrastructure());
    let b = render(&prod_claim(VSPHERE, "erp-prod"), &vsphere_infrastructure());
    assert_eq!(a, b);
}

fn only_issue(wc: &drover_api::WorkloadCluster, infra: &drover_api::Infrastructure) -> String {
    let found = issues(wc, infra);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("`vsphere`"),
        "names the provider: {found:?}"
    );
    found[0].clone()
}

#[test]
fn a_dev_and_a_production_cluster_have_no_issues() {
    assert!(issues(&dev_claim(VSPHERE, "erp-dev"), &vsphere_infrastructure()).is_empty());
    assert!(issues(&prod_claim(VSPHERE, "erp-prod"), &vsphere_infrastructure()).is_empty());
    let mut wc = dev_claim(VSPHERE, "erp-dev");
    wc.spec.external_access = Some(ExternalAccess {
        type_: Some(ExternalAccessType::LoadBalancer),
        host: None,
    });
    assert!(
        issues(&wc, &vsphere_infrastructure()).is_empty(),
        "LoadBalancer is the kube-vip VIP"
    );
}

#[test]
fn ingress_and_node_port_access_and_a_host_name_are_refused() {
    for (access, name) in [
        (ExternalAccessType::Ingress, "Ingress"),
        (ExternalAccessType::NodePort, "NodePort"),
    ] {
        let mut wc = dev_claim(VSPHERE, "erp-dev");
        wc.spec.external_access = Some(ExternalAccess {
            type_: Some(access),
            host: None,
        });
        let issue = only_issue(&wc, &vsphere_infrastructure());
        assert!(
            issue.starts_with("spec.externalAccess.type: ") && issue.contains(name),
            "{issue}"
        );
    }
    let mut wc = dev_claim(VSPHERE, "erp-dev");
    wc.spec.external_access = Some(ExternalAccess {
        type_: None,
        host: Some("erp.example.com".to_owned()),
    });
    assert!(only_issue(&wc, &vsphere_infrastructure()).starts_with("spec.externalAccess.host: "));
}

#[test]
fn the_provider_cni_is_refused() {
    let mut wc = dev_claim(VSPHERE, "erp-dev");
    wc.spec.network = Some(NetworkSpec {
        cni: Some(Cni::Provider),
        ..NetworkSpec::default()
    });
    assert!(only_issue(&wc, &vsphere_infrastructure()).starts_with("spec.network.cni: "));
}

#[test]
fn the_vip_must_exist_and_be_an_ip_address() {
    let issue = only_issue(&dev_claim(VSPHERE, "erp-nope"), &vsphere_infrastructure());
    assert!(
        issue.starts_with("spec.infrastructure: ")
            && issue.contains("no control-plane VIP for cluster `erp-nope`"),
        "{issue}"
    );
    let mut infra = vsphere_infrastructure();
    settings(&mut infra)
        .control_plane_endpoints
        .insert("erp-dev".to_owned(), "erp-dev.example.com".to_owned());
    assert!(only_issue(&dev_claim(VSPHERE, "erp-dev"), &infra).contains("not an IP address"));
    let mut infra = vsphere_infrastructure();
    settings(&mut infra)
        .control_plane_endpoints
        .insert("erp-dev".to_owned(), "10.30.0.11".to_owned());
    assert!(
        only_issue(&dev_claim(VSPHERE, "erp-dev"), &infra).contains("is also cluster `erp-prod`'s")
    );
}

/// A VIP inside the cluster's pod or service network is routed into the CNI's overlay or to
/// kube-proxy on every node: kubeadm join, kubelets and the CNI could never reach the API server.
#[test]
fn the_vip_must_not_lie_in_the_pod_or_service_network() {
    for (pods, services, field) in [
        ("10.30.0.0/16", "10.96.0.0/16", "spec.network.podCIDR: "),
        (
            "10.244.0.0/16",
            "10.30.0.0/20",
            "spec.network.serviceCIDR: ",
        ),
    ] {
        let mut wc = dev_claim(VSPHERE, "erp-dev");
        wc.spec.network = Some(NetworkSpec {
            pod_cidr: Some(pods.to_owned()),
            service_cidr: Some(services.to_owned()),
            cni: Some(Cni::Calico),
        });
        let issue = only_issue(&wc, &vsphere_infrastructure());
        assert!(
            issue.starts_with(field) && issue.contains("VIP 10.30.0.10"),
            "{issue}"
        );
    }
}

#[test]
fn sizes_need_two_cpus_memory_and_disk_and_no_instance_type() {
    let mut infra = vsphere_infrastructure();
    infra
        .spec
        .sizes
        .insert("one-cpu".to_owned(), size(1, "4Gi", "40Gi"));
    infra.spec.sizes.insert(
        "cloud".to_owned(),
        drover_api::infrastructure::Size {
            instance_type: Some("Standard_D4s_v5".to_owned()),
            ..size(4, "16Gi", "100Gi")
        },
    );
    infra.spec.sizes.insert(
        "no-memory".to_owned(),
        drover_api::infrastructure::Size {
            memory: None,
            ..size(4, "16Gi", "100Gi")
        },
    );
    for (size_name, expected) in [
        ("one-cpu", "needs at least 2"),
        ("cloud", "sets instanceType"),
        ("no-memory", "has no memory"),
    ] {
        let wc = with_workers(
            claim_on(VSPHERE, "erp-dev", "dev"),
            &[("md-0", 1, size_name)],
        );
        let issue = only_issue(&wc, &infra);
        assert!(
            issue.starts_with("spec.workers[0].size: ") && issue.contains(expected),
            "{issue}"
        );
    }
}

#[test]
fn a_dev_and_a_production_cluster_conform_to_the_upstream_schemas() {
    let infra = vsphere_infrastructure();
    let mut dev = dev_claim(VSPHERE, "erp-dev");
    dev.spec.addons = Some(vec![Addon::Cilium]);
    let mut prod = prod_claim(VSPHERE, "erp-prod");
    prod.spec.addons = Some(vec![Addon::Cilium, Addon::MetricsServer]);
    let mut bare = vsphere_infrastructure();
    let vsphere = settings(&mut bare);
    vsphere.thumbprint = None;
    vsphere.identity = None;
    vsphere.folder = None;
    vsphere.resource_pool = None;
    vsphere.ssh_authorized_keys = None;
    vsphere.kube_vip_image = None;
    assert_conformant(&[
        render(&dev, &infra),
        render(&prod, &infra),
        render(&dev, &bare),
    ]);
}

/// The vSphere CPI initialises the Nodes (providerID, the `uninitialized` taint): without it no
/// Machine becomes Running. CAAPH installs the chart; a ClusterResourceSet copies the platform's
/// credentials Secret from the cluster namespace into the workload cluster.
#[test]
fn a_dev_cluster_gets_the_vsphere_cpi_and_its_credentials_resource_set() {
    let rendered = render(&dev_claim(VSPHERE, "erp-dev"), &vsphere_infrastructure());
    let proxy = chart(&rendered, "vsphere-cpi");
    assert_eq!(proxy["metadata"]["name"], "erp-dev-vsphere-cpi");
    assert_eq!(proxy["metadata"]["namespace"], "erp-dev-cluster");
    assert_eq!(
        proxy["spec"],
        json!({
            "clusterSelector": { "matchLabels": { "drover.dev/cluster": "erp-dev" } },
            "repoURL": "https://kubernetes.github.io/cloud-provider-vsphere",
            "chartName": "vsphere-cpi",
            "version": "1.36.0",
            "releaseName": "vsphere-cpi",
            "namespace": "kube-system",
            "valuesTemplate": "config:\n  enabled: true\n  vcenter: \"vcenter.dc1.example.com\"\n  datacenter: \"DC1\"\n  thumbprint: \"AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01\"\n  region: \"\"\n  zone: \"\"\n  secret:\n    create: false\n    name: cloud-provider-vsphere-credentials\ndaemonset:\n  image: registry.k8s.io/cloud-pv-vsphere/cloud-provider-vsphere\n  tag: v1.32.2\n",
            "options": { "wait": true, "timeout": "10m" },
        })
    );
    let crs = one(&rendered, "ClusterResourceSet");
    assert_eq!(crs["apiVersion"], "addons.cluster.x-k8s.io/v1beta2");
    assert_eq!(crs["metadata"]["name"], "erp-dev-vsphere-cpi-credentials");
    assert_eq!(crs["metadata"]["namespace"], "erp-dev-cluster");
    assert_eq!(
        crs["spec"],
        json!({
            "clusterSelector": { "matchLabels": { "drover.dev/cluster": "erp-dev" } },
            "resources": [ { "kind": "Secret", "name": "vsphere-cpi-credentials" } ],
            "strategy": "Reconcile",
        })
    );
    // Both select the cluster by a label the CAPI Cluster carries.
    assert_eq!(
        one(&rendered, "Cluster")["metadata"]["labels"]["drover.dev/cluster"],
        "erp-dev"
    );
}

#[test]
fn a_production_cluster_gets_the_cpi_for_its_kubernetes_minor() {
    let mut wc = prod_claim(VSPHERE, "erp-prod");
    wc.spec.addons = Some(vec![Addon::Cilium, Addon::MetricsServer]);
    wc.spec.kubernetes_version = Some("v1.33.2".to_owned());
    let rendered = render(&wc, &vsphere_infrastructure());
    let proxies: Vec<&str> = find(&rendered, "HelmChartProxy")
        .iter()
        .map(|proxy| proxy.name())
        .collect();
    assert_eq!(
        proxies,
        [
            "erp-prod-vsphere-cpi",
            "erp-prod-cilium",
            "erp-prod-metrics-server"
        ]
    );
    let values = chart(&rendered, "vsphere-cpi")["spec"]["valuesTemplate"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(values.ends_with("  tag: v1.33.0\n"), "{values}");
    assert_eq!(
        one(&rendered, "ClusterResourceSet")["spec"]["clusterSelector"],
        json!({ "matchLabels": { "drover.dev/cluster": "erp-prod" } })
    );

    // Without a thumbprint the chart's own default applies (no thumbprint line).
    let mut infra = vsphere_infrastructure();
    settings(&mut infra).thumbprint = None;
    let rendered = render(&wc, &infra);
    let values = chart(&rendered, "vsphere-cpi")["spec"]["valuesTemplate"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!values.contains("thumbprint"), "{values}");
}

#[test]
fn the_cpi_credentials_secret_is_required() {
    let mut infra = vsphere_infrastructure();
    settings(&mut infra).cloud_provider = None;
    let issue = only_issue(&dev_claim(VSPHERE, "erp-dev"), &infra);
    assert!(
        issue.starts_with("spec.infrastructure: ")
            && issue.contains("vsphere.cloudProvider.credentialsSecret"),
        "{issue}"
    );
}

#[test]
fn a_kubernetes_minor_without_a_cpi_release_is_refused() {
    let mut wc = dev_claim(VSPHERE, "erp-dev");
    wc.spec.kubernetes_version = Some("v1.30.4".to_owned());
    let issue = only_issue(&wc, &vsphere_infrastructure());
    assert!(
        issue.starts_with("spec.kubernetesVersion: ")
            && issue.contains("v1.30.4")
            && issue.contains("1.31 to 1.36"),
        "{issue}"
    );
}
