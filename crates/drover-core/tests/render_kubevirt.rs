//! KubeVirt rendering: the upstream template bugs fixed at the source, live-migration settings,
//! anti-affinity, content-hashed templates, inventory labels and apply order.

use drover_api::labels;
use drover_core::fixtures::{
    self, claim, environment, kubevirt_infrastructure, with_control_plane, with_workers,
};
use drover_core::render::{Manifest, RenderedCluster, render_cluster};
use serde_json::Value;

fn render(wc: &drover_api::WorkloadCluster, infra: &drover_api::Infrastructure) -> RenderedCluster {
    let cluster = fixtures::resolved(wc, &environment("production", "v1.32.1"), infra);
    render_cluster(&cluster).expect("renders")
}

fn prod() -> drover_api::WorkloadCluster {
    with_workers(
        with_control_plane(claim("team-payments", "payments", "production"), 3),
        &[("md-0", 5, "medium")],
    )
}

fn find<'a>(rendered: &'a RenderedCluster, kind: &str) -> Vec<&'a Manifest> {
    rendered
        .objects
        .iter()
        .filter(|o| o.kind() == kind)
        .collect()
}

fn one<'a>(rendered: &'a RenderedCluster, kind: &str) -> &'a Value {
    let found = find(rendered, kind);
    assert_eq!(found.len(), 1, "expected one {kind}");
    &found[0].0
}

#[test]
fn kccm_gets_plain_cluster_name_control_plane_selector_and_pinned_image() {
    let rendered = render(&prod(), &kubevirt_infrastructure());
    let kccm = find(&rendered, "Deployment");
    assert_eq!(kccm.len(), 1);
    let pod = &kccm[0].0["spec"]["template"]["spec"];
    let args: Vec<&str> = pod["containers"][0]["args"]
        .as_array()
        .expect("args")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(args.contains(&"--cluster-name=payments"), "{args:?}");
    assert!(
        args.iter().all(|a| !a.contains('"')),
        "no literal quotes: {args:?}"
    );
    assert!(!pod.to_string().contains("node-role.kubernetes.io/master"));
    let image = pod["containers"][0]["image"].as_str().expect("image");
    let (_, tag) = image.rsplit_once(':').expect("tagged");
    assert!(
        tag.starts_with('v') && tag != "main" && tag != "latest",
        "pinned: {image}"
    );
    assert_eq!(
        pod["volumes"][0]["secret"]["secretName"],
        "payments-kubeconfig"
    );
}

#[test]
fn kccm_image_comes_from_the_infrastructure_when_pinned_there() {
    let mut infra = kubevirt_infrastructure();
    if let Some(kubevirt) = infra.spec.kubevirt.as_mut() {
        kubevirt.cloud_controller_image = Some("registry.local/kccm:v9.9.9".to_owned());
    }
    let rendered = render(&prod(), &infra);
    assert_eq!(
        one(&rendered, "Deployment")["spec"]["template"]["spec"]["containers"][0]["image"],
        "registry.local/kccm:v9.9.9"
    );
}

fn vm_templates(rendered: &RenderedCluster) -> Vec<&Value> {
    find(rendered, "KubevirtMachineTemplate")
        .into_iter()
        .map(|m| &m.0["spec"]["template"]["spec"]["virtualMachineTemplate"]["spec"])
        .collect()
}

#[test]
fn live_migration_settings_appear_exactly_when_enabled() {
    let rendered = render(&prod(), &kubevirt_infrastructure());
    for vm in vm_templates(&rendered) {
        assert_eq!(
            vm["dataVolumeTemplates"][0]["spec"]["storage"]["accessModes"],
            serde_json::json!(["ReadWriteMany"])
        );
        assert_eq!(vm["template"]["spec"]["evictionStrategy"], "LiveMigrate");
        assert_eq!(
            vm["template"]["metadata"]["annotations"]["kubevirt.io/allow-pod-bridge-network-live-migration"],
            "true"
        );
    }

    let mut infra = kubevirt_infrastructure();
    if let Some(kubevirt) = infra.spec.kubevirt.as_mut() {
        kubevirt.live_migration = Some(false);
    }
    let rendered = render(&prod(), &infra);
    for vm in vm_templates(&rendered) {
        assert_eq!(
            vm["dataVolumeTemplates"][0]["spec"]["storage"]["accessModes"],
            serde_json::json!(["ReadWriteOnce"])
        );
        assert_ne!(vm["template"]["spec"]["evictionStrategy"], "LiveMigrate");
        assert!(vm["template"]["metadata"].get("annotations").is_none());
    }
}

#[test]
fn ha_control_plane_vms_must_land_on_distinct_hosts() {
    let rendered = render(&prod(), &kubevirt_infrastructure());
    let cp = find(&rendered, "KubevirtMachineTemplate")
        .into_iter()
        .find(|m| m.name().contains("control-plane"))
        .expect("cp template");
    let vmi = &cp.0["spec"]["template"]["spec"]["virtualMachineTemplate"]["spec"]["template"];
    let term = &vmi["spec"]["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
        [0];
    assert_eq!(term["topologyKey"], "kubernetes.io/hostname");
    // The selector must match the labels the VMs (and so their launcher pods) carry.
    for (key, value) in term["labelSelector"]["matchLabels"]
        .as_object()
        .expect("labels")
    {
        assert_eq!(&vmi["metadata"]["labels"][key], value, "VM label {key}");
    }

    let single = render(&with_control_plane(prod(), 1), &kubevirt_infrastructure());
    let cp = find(&single, "KubevirtMachineTemplate")
        .into_iter()
        .find(|m| m.name().contains("control-plane"))
        .expect("cp template");
    assert!(
        cp.0["spec"]["template"]["spec"]["virtualMachineTemplate"]["spec"]["template"]["spec"]
            .get("affinity")
            .is_none()
    );
}

#[test]
fn sizes_and_node_image_reach_the_vm() {
    let rendered = render(&prod(), &kubevirt_infrastructure());
    let worker = find(&rendered, "KubevirtMachineTemplate")
        .into_iter()
        .find(|m| m.name().starts_with("payments-md-0-"))
        .expect("worker template");
    let vm = &worker.0["spec"]["template"]["spec"]["virtualMachineTemplate"]["spec"];
    assert_eq!(vm["template"]["spec"]["domain"]["cpu"]["cores"], 8);
    assert_eq!(vm["template"]["spec"]["domain"]["memory"]["guest"], "32Gi");
    assert_eq!(
        vm["dataVolumeTemplates"][0]["spec"]["storage"]["resources"]["requests"]["storage"],
        "100Gi"
    );
    assert_eq!(
        vm["dataVolumeTemplates"][0]["spec"]["storage"]["storageClassName"],
        "nfs-client"
    );
    assert_eq!(
        vm["dataVolumeTemplates"][0]["spec"]["source"]["registry"]["url"],
        "docker://quay.io/capk/ubuntu-2404-container-disk:v1.32.1"
    );
}

#[test]
fn changing_only_the_worker_size_changes_only_the_worker_template_name_and_its_reference() {
    let before = render(&prod(), &kubevirt_infrastructure());
    let after = render(
        &with_workers(
            with_control_plane(claim("team-payments", "payments", "production"), 3),
            &[("md-0", 5, "xlarge")],
        ),
        &kubevirt_infrastructure(),
    );
    assert_eq!(before.objects.len(), after.objects.len());
    let mut changed = Vec::new();
    for (old, new) in before.objects.iter().zip(&after.objects) {
        if old != new {
            changed.push((
                old.kind().to_owned(),
                old.name().to_owned(),
                new.name().to_owned(),
            ));
        }
    }
    let kinds: Vec<&str> = changed.iter().map(|(kind, _, _)| kind.as_str()).collect();
    assert_eq!(
        kinds,
        vec!["KubevirtMachineTemplate", "MachineDeployment"],
        "{changed:?}"
    );
    let (_, old_template, new_template) = &changed[0];
    assert!(
        old_template.starts_with("payments-md-0-") && new_template.starts_with("payments-md-0-")
    );
    assert_ne!(old_template, new_template, "a new content hash");
    let deployment = one(&after, "MachineDeployment");
    assert_eq!(
        deployment["spec"]["template"]["spec"]["infrastructureRef"]["name"],
        new_template.as_str()
    );
    assert_eq!(
        one(&before, "MachineDeployment")["metadata"]["name"],
        deployment["metadata"]["name"],
        "same MachineDeployment"
    );
}

#[test]
fn every_object_carries_the_inventory_labels_and_lives_in_the_cluster_namespace() {
    let rendered = render(&prod(), &kubevirt_infrastructure());
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
            "payments",
            "{}",
            object.describe()
        );
        assert_eq!(
            object_labels[labels::ENVIRONMENT],
            "production",
            "{}",
            object.describe()
        );
        assert_eq!(
            object_labels[labels::CAPI_CLUSTER_NAME],
            "payments",
            "{}",
            object.describe()
        );
        if object.kind() != "Namespace" {
            assert_eq!(
                object.namespace(),
                "payments-cluster",
                "{}",
                object.describe()
            );
        }
        assert!(object.name().len() <= 63, "{}", object.describe());
    }
}

#[test]
fn objects_come_in_apply_order_and_references_resolve() {
    let rendered = render(&prod(), &kubevirt_infrastructure());
    let kinds: Vec<&str> = rendered.objects.iter().map(Manifest::kind).collect();
    let position = |kind: &str| {
        kinds
            .iter()
            .position(|k| *k == kind)
            .unwrap_or_else(|| panic!("{kind} rendered"))
    };
    assert_eq!(position("Namespace"), 0);
    assert!(position("KubevirtMachineTemplate") < position("KubeadmControlPlane"));
    assert!(position("KubevirtCluster") < position("Cluster"));
    assert!(position("Cluster") < position("MachineDeployment"));
    assert!(position("MachineDeployment") < position("MachineHealthCheck"));

    let names: Vec<(&str, &str)> = rendered
        .objects
        .iter()
        .map(|o| (o.kind(), o.name()))
        .collect();
    let cluster = one(&rendered, "Cluster");
    for reference in [
        &cluster["spec"]["controlPlaneRef"],
        &cluster["spec"]["infrastructureRef"],
    ] {
        let wanted = (
            reference["kind"].as_str().unwrap_or_default(),
            reference["name"].as_str().unwrap_or_default(),
        );
        assert!(names.contains(&wanted), "{wanted:?} is rendered");
    }
    let kcp = one(&rendered, "KubeadmControlPlane");
    let cp_ref = &kcp["spec"]["machineTemplate"]["spec"]["infrastructureRef"];
    assert!(names.contains(&(
        cp_ref["kind"].as_str().unwrap_or_default(),
        cp_ref["name"].as_str().unwrap_or_default()
    )));
    assert_eq!(kcp["spec"]["replicas"], 3);
    assert_eq!(kcp["spec"]["version"], "v1.32.1");
}

#[test]
fn rendering_is_deterministic() {
    let a = render(&prod(), &kubevirt_infrastructure());
    let b = render(&prod(), &kubevirt_infrastructure());
    assert_eq!(a, b);
}

#[test]
fn cilium_addon_is_a_helm_chart_proxy_selecting_only_this_cluster() {
    let mut wc = prod();
    wc.spec.addons = Some(vec![drover_api::workload_cluster::Addon::Cilium]);
    let rendered = render(&wc, &kubevirt_infrastructure());
    let proxy = one(&rendered, "HelmChartProxy");
    assert_eq!(
        proxy["spec"]["clusterSelector"]["matchLabels"][labels::CLUSTER],
        "payments"
    );
    let values = proxy["spec"]["valuesTemplate"].as_str().expect("values");
    assert!(
        values.contains("k8sServiceHost: {{ .Cluster.spec.controlPlaneEndpoint.host }}"),
        "{values}"
    );
    // The Cluster carries the label the proxy selects on.
    assert_eq!(
        one(&rendered, "Cluster")["metadata"]["labels"][labels::CLUSTER],
        "payments"
    );

    let without = render(&prod(), &kubevirt_infrastructure());
    assert!(find(&without, "HelmChartProxy").is_empty());
}

/// CAPK's FAQ: the tenant CNI must encapsulate (VXLAN) on a port of its own. The VMs sit on the
/// management cluster's pod network, so natively routed tenant pod traffic (source = a tenant pod
/// address, next hop = a VM on another host) is dropped by the management CNI.
#[test]
fn tenant_cilium_tunnels_on_its_own_vxlan_port() {
    let mut wc = prod();
    wc.spec.addons = Some(vec![drover_api::workload_cluster::Addon::Cilium]);
    let rendered = render(&wc, &kubevirt_infrastructure());
    let values = one(&rendered, "HelmChartProxy")["spec"]["valuesTemplate"]
        .as_str()
        .expect("values")
        .to_owned();
    assert!(values.contains("routingMode: tunnel\n"), "{values}");
    assert!(values.contains("tunnelProtocol: vxlan\n"), "{values}");
    let port = format!(
        "tunnelPort: {}\n",
        drover_core::providers::kubevirt::TENANT_VXLAN_PORT
    );
    assert!(values.contains(&port), "{values}");
    for management_default in ["4789", "6081", "8472"] {
        assert!(
            !values.contains(&format!("tunnelPort: {management_default}")),
            "{values}"
        );
    }
    assert!(!values.contains("routingMode: native"), "{values}");
    assert!(!values.contains("autoDirectNodeRoutes"), "{values}");
    assert_eq!(
        values.matches("tunnelPort:").count(),
        1,
        "one tunnelPort key: {values}"
    );
}

/// The KCCM is an API client of both clusters: it must schedule on any management cluster.
/// Upstream requires `node-role.kubernetes.io/master: ""`; a required selector on the
/// control-plane label's value would still miss k3s/RKE2 (`"true"`) and managed control planes.
#[test]
fn kccm_prefers_control_plane_nodes_without_requiring_a_label_value() {
    let rendered = render(&prod(), &kubevirt_infrastructure());
    let pod = &one(&rendered, "Deployment")["spec"]["template"]["spec"];
    assert!(pod.get("nodeSelector").is_none(), "{pod}");
    let affinity = &pod["affinity"]["nodeAffinity"];
    assert!(
        affinity
            .get("requiredDuringSchedulingIgnoredDuringExecution")
            .is_none(),
        "{affinity}"
    );
    assert_eq!(
        affinity["preferredDuringSchedulingIgnoredDuringExecution"][0]["preference"]["matchExpressions"]
            [0],
        serde_json::json!({ "key": "node-role.kubernetes.io/control-plane", "operator": "Exists" })
    );
    assert!(
        pod["tolerations"]
            .as_array()
            .expect("tolerations")
            .iter()
            .any(|t| t["key"] == "node-role.kubernetes.io/control-plane"
                && t["operator"] == "Exists"),
        "{pod}"
    );
}

#[test]
fn ha_control_plane_scales_in_first_when_no_host_is_spare() {
    let max_surge = |hosts: usize| {
        let mut infra = kubevirt_infrastructure();
        if let Some(kubevirt) = infra.spec.kubevirt.as_mut() {
            let template = kubevirt
                .hosts
                .as_ref()
                .and_then(|h| h.first().cloned())
                .unwrap_or_default();
            kubevirt.hosts = Some(
                (0..hosts)
                    .map(|i| drover_api::infrastructure::Host {
                        name: format!("h{i}"),
                        ..template.clone()
                    })
                    .collect(),
            );
        }
        let rendered = render(&prod(), &infra);
        one(&rendered, "KubeadmControlPlane")["spec"]["rollout"]["strategy"]["rollingUpdate"]["maxSurge"].clone()
    };
    assert_eq!(
        max_surge(3),
        0,
        "3 CP VMs on 3 hosts: a 4th has nowhere to go"
    );
    assert_eq!(max_surge(4), 1);
}

#[test]
fn namespace_enforces_baseline_pod_security_which_kubevirt_launchers_pass() {
    let rendered = render(&prod(), &kubevirt_infrastructure());
    let namespace = &rendered.objects[0].0;
    assert_eq!(namespace["kind"], "Namespace");
    assert_eq!(namespace["metadata"]["name"], "payments-cluster");
    assert_eq!(
        namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        "baseline"
    );
    // The KCCM must pass that level: no privileged container, no host namespaces.
    let pod = &one(&rendered, "Deployment")["spec"]["template"]["spec"];
    assert!(
        pod["containers"][0]["securityContext"]
            .get("privileged")
            .is_none()
    );
    assert!(pod.get("hostNetwork").is_none());
}

#[test]
fn provider_networking_and_ingress_are_refused_naming_the_provider() {
    let mut wc = prod();
    wc.spec.network = Some(drover_api::workload_cluster::NetworkSpec {
        cni: Some(drover_api::workload_cluster::Cni::Provider),
        ..Default::default()
    });
    wc.spec.external_access = Some(drover_api::workload_cluster::ExternalAccess {
        type_: Some(drover_api::workload_cluster::ExternalAccessType::Ingress),
        host: None,
    });
    let cluster = fixtures::resolved(
        &wc,
        &environment("production", "v1.32.1"),
        &kubevirt_infrastructure(),
    );
    let issues = drover_core::providers::provider_for(&cluster.provider).check(&cluster);
    let fields: Vec<&str> = issues.iter().map(|i| i.field.as_str()).collect();
    assert_eq!(
        fields,
        ["spec.network.cni", "spec.externalAccess.type"],
        "{issues:?}"
    );
    assert!(
        issues.iter().all(|i| i.message.contains("`kubevirt`")),
        "{issues:?}"
    );
    assert!(
        render_cluster(&cluster).is_err(),
        "nothing renders for a claim with issues"
    );
}

#[test]
fn sizes_need_cpu_memory_and_disk_and_no_instance_type() {
    let mut infra = kubevirt_infrastructure();
    infra.spec.sizes.insert(
        "cloudy".to_owned(),
        drover_api::infrastructure::Size {
            cpu: Some(4),
            memory: Some("16Gi".to_owned()),
            disk: None,
            instance_type: Some("m6i.xlarge".to_owned()),
        },
    );
    let wc = with_workers(prod(), &[("md-0", 2, "cloudy")]);
    let cluster = fixtures::resolved(&wc, &environment("production", "v1.32.1"), &infra);
    let issues = drover_core::providers::provider_for(&cluster.provider).check(&cluster);
    let messages: Vec<&str> = issues
        .iter()
        .filter(|i| i.field == "spec.workers[0].size")
        .map(|i| i.message.as_str())
        .collect();
    assert_eq!(messages.len(), 2, "{issues:?}");
    assert!(
        messages[0].contains("has no disk") && messages[0].contains("`kubevirt`"),
        "{messages:?}"
    );
    assert!(
        messages[1].contains("instanceType") && messages[1].contains("`kubevirt`"),
        "{messages:?}"
    );
}

/// The management network: live migration only on a CNI that keeps pod IPs, a node image that
/// follows the version, and claims whose networks stay clear of the management cluster's.
#[test]
fn the_management_network_is_checked_where_the_infrastructure_states_it() {
    use drover_core::fleet::Source;
    use drover_core::resolve::check_infrastructure;

    let fields = |infra: &drover_api::Infrastructure| -> Vec<String> {
        check_infrastructure(infra, &Source::default())
            .into_iter()
            .map(|d| format!("{}: {}", d.field, d.message))
            .collect()
    };
    let good = kubevirt_infrastructure();
    assert!(fields(&good).is_empty(), "{:?}", fields(&good));

    let mut undeclared = good.clone();
    let mut bad_image = good.clone();
    if let Some(kubevirt) = undeclared.spec.kubevirt.as_mut() {
        kubevirt.management_network = None;
    }
    if let Some(kubevirt) = bad_image.spec.kubevirt.as_mut() {
        kubevirt.node_image = "quay.io/capk/ubuntu-2404-container-disk:v1.32.1".to_owned();
        if let Some(network) = kubevirt.management_network.as_mut() {
            network.pod_cidr = Some("10.244.0.0".to_owned());
        }
    }
    let found = fields(&undeclared);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("spec.kubevirt.liveMigration: live migration needs a management CNI"),
        "{found:?}"
    );
    let found = fields(&bad_image);
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("spec.kubevirt.nodeImage: ")
                && f.contains("has no `{{version}}`")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|f| f
            .starts_with("spec.kubevirt.managementNetwork.podCIDR: `10.244.0.0` is not a CIDR")),
        "{found:?}"
    );

    // A claim whose pod network is the management cluster's.
    let mut overlapping = prod();
    overlapping.spec.network = Some(drover_api::workload_cluster::NetworkSpec {
        pod_cidr: Some("10.244.0.0/16".to_owned()),
        ..Default::default()
    });
    let cluster = drover_core::fixtures::resolved(
        &overlapping,
        &drover_core::fixtures::environment("production", "v1.32.1"),
        &good,
    );
    let issues = drover_core::providers::check_cluster(&cluster);
    assert!(
        issues.iter().any(|i| i.field == "spec.network.podCIDR"
            && i.message
                .contains("overlaps the management cluster's pod network 10.244.0.0/16")),
        "{issues:?}"
    );
    let clear = drover_core::fixtures::resolved(
        &prod(),
        &drover_core::fixtures::environment("production", "v1.32.1"),
        &good,
    );
    assert!(drover_core::providers::check_cluster(&clear).is_empty());
}
