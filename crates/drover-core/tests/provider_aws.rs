//! AWS (CAPA): what each claim option maps to in EKS and kubeadm mode, every Issue the provider
//! raises, and upstream conformance of a dev and a production cluster in both modes.

#[path = "common/cloud.rs"]
mod cloud;

use cloud::{
    all, assert_conforms, aws_eks, aws_kubeadm, claim, dev, issue_at, issues, kinds, one,
    production, render, resolve, with_control_plane, with_pools,
};
use drover_api::infrastructure::IdentityRef;
use drover_api::workload_cluster::{Addon, Cni, ExternalAccess, ExternalAccessType, NetworkSpec};
use drover_core::fixtures;
use drover_core::providers::aws::{AWS_CCM_CHART_VERSION, ami_type, ccm_image_tag};
use drover_core::resolve::{ClaimContext, resolve_claim};
use serde_json::json;

const EKS_KINDS: &[(&str, &str)] = &[
    ("infrastructure.cluster.x-k8s.io", "AWSManagedCluster"),
    ("controlplane.cluster.x-k8s.io", "AWSManagedControlPlane"),
    ("infrastructure.cluster.x-k8s.io", "AWSManagedMachinePool"),
    ("cluster.x-k8s.io", "MachinePool"),
];
const KUBEADM_KINDS: &[(&str, &str)] = &[
    ("infrastructure.cluster.x-k8s.io", "AWSCluster"),
    ("infrastructure.cluster.x-k8s.io", "AWSMachineTemplate"),
    ("controlplane.cluster.x-k8s.io", "KubeadmControlPlane"),
    ("addons.cluster.x-k8s.io", "HelmChartProxy"),
];

fn payments_prod() -> drover_api::WorkloadCluster {
    with_pools(
        claim(
            "team-payments",
            "payments-aws",
            "production",
            "aws-eu-west-1",
        ),
        &[
            ("md-0", 6, "medium", &[]),
            ("arm", 3, "arm", &[("workload", "batch")]),
        ],
    )
}

// ---------------------------------------------------------------------------------------- EKS

#[test]
fn eks_renders_the_managed_control_plane_and_no_machines_or_health_checks() {
    let rendered = render(&payments_prod(), &production(), &aws_eks());
    assert_eq!(
        kinds(&rendered),
        [
            "Namespace",
            "AWSManagedCluster",
            "AWSManagedControlPlane",
            "Cluster",
            "AWSManagedMachinePool",
            "MachinePool",
            "AWSManagedMachinePool",
            "MachinePool",
        ]
    );
    let cp = one(&rendered, "AWSManagedControlPlane");
    assert_eq!(cp["apiVersion"], "controlplane.cluster.x-k8s.io/v1beta2");
    assert_eq!(cp["metadata"]["name"], "payments-aws-control-plane");
    assert_eq!(
        cp["spec"],
        json!({
            "eksClusterName": "payments-aws",
            "region": "eu-west-1",
            "version": "v1.32",
            "network": { "vpc": { "cidrBlock": "10.243.0.0/16" } },
            "sshKeyName": "platform-nodes",
            "identityRef": { "kind": "AWSClusterRoleIdentity", "name": "production-account" },
        })
    );
    let infra = one(&rendered, "AWSManagedCluster");
    assert_eq!(
        infra["apiVersion"],
        "infrastructure.cluster.x-k8s.io/v1beta2"
    );
    assert!(infra.get("spec").is_none(), "CAPA fills the endpoint in");

    let cluster = one(&rendered, "Cluster");
    assert_eq!(
        cluster["spec"]["controlPlaneRef"],
        json!({ "apiGroup": "controlplane.cluster.x-k8s.io", "kind": "AWSManagedControlPlane", "name": "payments-aws-control-plane" })
    );
    assert_eq!(
        cluster["spec"]["infrastructureRef"],
        json!({ "apiGroup": "infrastructure.cluster.x-k8s.io", "kind": "AWSManagedCluster", "name": "payments-aws" })
    );
    // The service network reaches EKS through the Cluster (CAPA's serviceIpv4Cidr).
    assert_eq!(
        cluster["spec"]["clusterNetwork"]["services"]["cidrBlocks"],
        json!(["10.95.0.0/16"])
    );
    assert_eq!(cluster["metadata"]["labels"]["drover.dev/cni"], "provider");
    assert_eq!(
        one(&rendered, "Namespace")["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        "restricted"
    );
}

#[test]
fn eks_node_groups_map_instance_type_disk_replicas_and_labels() {
    let rendered = render(&payments_prod(), &production(), &aws_eks());
    let pools = all(&rendered, "AWSManagedMachinePool");
    assert_eq!(
        pools[0]["spec"],
        json!({
            "eksNodegroupName": "md-0",
            "instanceType": "m6i.xlarge",
            "amiType": "AL2023_x86_64_STANDARD",
            "scaling": { "minSize": 6, "maxSize": 6 },
            "nodeRepairConfig": { "enabled": true },
            "diskSize": 100,
            "remoteAccess": { "sshKeyName": "platform-nodes" },
        })
    );
    assert_eq!(pools[1]["spec"]["amiType"], "AL2023_ARM_64_STANDARD");
    assert_eq!(pools[1]["spec"]["labels"], json!({ "workload": "batch" }));
    assert_eq!(pools[1]["spec"]["diskSize"], 200);

    let machine_pools = all(&rendered, "MachinePool");
    assert_eq!(machine_pools[0]["metadata"]["name"], "payments-aws-md-0");
    assert_eq!(machine_pools[0]["spec"]["replicas"], 6);
    let template = &machine_pools[0]["spec"]["template"]["spec"];
    assert_eq!(template["bootstrap"], json!({ "dataSecretName": "" }));
    assert_eq!(template["version"], "v1.32.1");
    assert_eq!(
        template["infrastructureRef"],
        json!({ "apiGroup": "infrastructure.cluster.x-k8s.io", "kind": "AWSManagedMachinePool", "name": "payments-aws-md-0" })
    );

    // A size without disk leaves EKS's default; an empty pool keeps maxSize at 1 (EKS minimum).
    let wc = with_pools(
        claim("team-a", "scale", "dev", "aws-eu-west-1"),
        &[("md-0", 3, "small", &[]), ("spare", 0, "xlarge", &[])],
    );
    let rendered = render(&wc, &dev(), &aws_eks());
    let spare = all(&rendered, "AWSManagedMachinePool")[1];
    assert_eq!(
        spare["spec"]["scaling"],
        json!({ "minSize": 0, "maxSize": 1 })
    );
    assert!(spare["spec"].get("diskSize").is_none());
}

#[test]
fn eks_without_identity_or_key_pair_renders_neither() {
    let mut infra = aws_eks();
    if let Some(aws) = infra.spec.aws.as_mut() {
        aws.identity_ref = None;
        aws.ssh_key_name = None;
        aws.mode = None; // EKS is the default mode
    }
    let rendered = render(
        &claim("team-a", "plain", "dev", "aws-eu-west-1"),
        &dev(),
        &infra,
    );
    let cp = one(&rendered, "AWSManagedControlPlane");
    assert!(cp["spec"].get("identityRef").is_none());
    assert!(cp["spec"].get("sshKeyName").is_none());
    assert!(
        one(&rendered, "AWSManagedMachinePool")["spec"]
            .get("remoteAccess")
            .is_none()
    );
}

#[test]
fn eks_version_is_major_minor_and_follows_the_claim() {
    let mut wc = claim("team-a", "next", "dev", "aws-eu-west-1");
    wc.spec.kubernetes_version = Some("v1.33.2".to_owned());
    let rendered = render(&wc, &dev(), &aws_eks());
    assert_eq!(
        one(&rendered, "AWSManagedControlPlane")["spec"]["version"],
        "v1.33"
    );
    assert_eq!(
        one(&rendered, "MachinePool")["spec"]["template"]["spec"]["version"],
        "v1.33.2"
    );
}

#[test]
fn production_claims_validate_with_the_defaulted_control_plane_which_is_not_rendered() {
    // production: 3 control-plane replicas by default, at least 3 by policy.
    let cluster = resolve(&payments_prod(), &production(), &aws_eks());
    assert!(cluster.control_plane_replicas_defaulted);
    assert!(cluster.control_plane_size_defaulted);
    assert!(issues(&payments_prod(), &production(), &aws_eks()).is_empty());
    let rendered = render(&payments_prod(), &production(), &aws_eks());
    assert!(all(&rendered, "KubeadmControlPlane").is_empty());
    assert!(all(&rendered, "MachineHealthCheck").is_empty());

    // An environment whose default count is below its own minimum still accepts EKS claims:
    // the count is the cloud's, not drover's.
    let mut strict = production();
    if let Some(defaults) = strict.spec.defaults.as_mut() {
        defaults.control_plane_replicas = Some(1);
    }
    let source = drover_core::fleet::Source::default();
    let context = |infra| ClaimContext {
        environment: Some((&strict, &source)),
        infrastructure: Some((infra, &source)),
    };
    let eks = aws_eks();
    assert!(resolve_claim(&payments_prod(), &source, &context(&eks)).is_ok());
    // ... but a machine-based control plane is held to it.
    let kubeadm = aws_kubeadm();
    assert!(resolve_claim(&payments_prod(), &source, &context(&kubeadm)).is_err());
}

#[test]
fn eks_refuses_an_explicit_control_plane() {
    let wc = with_control_plane(payments_prod(), Some(3), Some("xlarge"));
    let found = issues(&wc, &production(), &aws_eks());
    let replicas = issue_at(&found, "spec.controlPlane.replicas");
    assert!(replicas.contains("provider `aws` (EKS)"), "{replicas}");
    assert!(replicas.contains("runs the control plane"), "{replicas}");
    let size = issue_at(&found, "spec.controlPlane.size");
    assert!(size.contains("provider `aws` (EKS)"), "{size}");
    assert_eq!(found.len(), 2, "{found:#?}");
}

#[test]
fn eks_refuses_ingress_node_port_and_host() {
    for access in [ExternalAccessType::Ingress, ExternalAccessType::NodePort] {
        let mut wc = payments_prod();
        wc.spec.external_access = Some(ExternalAccess {
            type_: Some(access),
            host: Some("payments.example.com".to_owned()),
        });
        let found = issues(&wc, &production(), &aws_eks());
        let message = issue_at(&found, "spec.externalAccess.type");
        assert!(message.contains("provider `aws` (EKS)"), "{message}");
        assert!(issue_at(&found, "spec.externalAccess.host").contains("provider `aws`"));
    }
    let mut wc = payments_prod();
    wc.spec.external_access = Some(ExternalAccess {
        type_: Some(ExternalAccessType::LoadBalancer),
        host: None,
    });
    assert!(issues(&wc, &production(), &aws_eks()).is_empty());
}

#[test]
fn eks_refuses_a_cni_of_its_own() {
    for cni in [Cni::Cilium, Cni::Calico] {
        let mut wc = payments_prod();
        wc.spec.network = Some(NetworkSpec {
            cni: Some(cni),
            ..NetworkSpec::default()
        });
        let found = issues(&wc, &production(), &aws_eks());
        let message = issue_at(&found, "spec.network.cni");
        assert!(message.contains("Amazon VPC CNI"), "{message}");
        assert!(message.contains("provider `aws` (EKS)"), "{message}");
    }
    // metrics-server is installed by CAAPH (EKS ships none).
    let mut wc = payments_prod();
    wc.spec.addons = Some(vec![Addon::MetricsServer]);
    assert!(issues(&wc, &production(), &aws_eks()).is_empty());
    let rendered = render(&wc, &production(), &aws_eks());
    assert_eq!(
        one(&rendered, "HelmChartProxy")["spec"]["chartName"],
        "metrics-server"
    );
}

#[test]
fn sizes_must_name_an_instance_type_and_only_that() {
    let mut infra = aws_eks();
    infra
        .spec
        .sizes
        .insert("vm".to_owned(), fixtures::size(8, "32Gi", "100Gi"));
    infra.spec.sizes.insert(
        "tiny-disk".to_owned(),
        cloud::size("m6i.large", Some("10Gi")),
    );
    let wc = with_pools(
        claim("team-a", "sizes", "dev", "aws-eu-west-1"),
        &[("md-0", 3, "vm", &[]), ("md-1", 3, "tiny-disk", &[])],
    );
    let found = issues(&wc, &dev(), &infra);
    let vm: Vec<&str> = found
        .iter()
        .filter(|i| i.field == "spec.workers[0].size")
        .map(|i| i.message.as_str())
        .collect();
    assert_eq!(vm.len(), 2, "{found:#?}");
    assert!(vm[0].contains("has no instanceType") && vm[0].contains("EC2 instance type"));
    assert!(vm[1].contains("sets cpu and memory") && vm[1].contains("provider `aws`"));
    let disk = issue_at(&found, "spec.workers[1].size");
    assert!(disk.contains("20..=16384 GiB"), "{disk}");
}

#[test]
fn eks_networks_become_the_vpc_and_the_service_range() {
    let mut wc = payments_prod();
    wc.spec.network = Some(NetworkSpec {
        pod_cidr: Some("10.64.0.0/12".to_owned()),
        service_cidr: Some("100.64.0.0/16".to_owned()),
        cni: None,
    });
    let found = issues(&wc, &production(), &aws_eks());
    assert!(issue_at(&found, "spec.network.podCIDR").contains("/16 to /25"));
    assert!(issue_at(&found, "spec.network.serviceCIDR").contains("RFC 1918"));

    wc.spec.network = Some(NetworkSpec {
        pod_cidr: Some("10.60.0.0/16".to_owned()),
        service_cidr: Some("172.20.0.0/16".to_owned()),
        cni: None,
    });
    let rendered = render(&wc, &production(), &aws_eks());
    assert_eq!(
        one(&rendered, "AWSManagedControlPlane")["spec"]["network"]["vpc"]["cidrBlock"],
        "10.60.0.0/16"
    );
}

/// CAPA splits the VPC into 8 equal subnets (public and private in 3 zones); a VPC longer than
/// /25 would need subnets smaller than AWS's /28 and the cluster would never get a network.
#[test]
fn eks_vpc_must_leave_room_for_capa_subnets() {
    for (prefix, refused) in [("25", false), ("26", true), ("28", true)] {
        let mut wc = payments_prod();
        wc.spec.network = Some(NetworkSpec {
            pod_cidr: Some(format!("10.60.0.0/{prefix}")),
            service_cidr: Some("172.20.0.0/16".to_owned()),
            cni: None,
        });
        let found = issues(&wc, &production(), &aws_eks());
        let pod_issues: Vec<_> = found
            .iter()
            .filter(|i| i.field == "spec.network.podCIDR")
            .collect();
        assert_eq!(!pod_issues.is_empty(), refused, "/{prefix}: {found:#?}");
        if refused {
            assert!(pod_issues[0].message.contains("8 equal parts"));
        }
    }
}

#[test]
fn identities_are_checked_against_capa() {
    let mut infra = aws_eks();
    if let Some(aws) = infra.spec.aws.as_mut() {
        aws.identity_ref = Some(IdentityRef {
            kind: "AWSClusterControllerIdentity".to_owned(),
            name: "mine".to_owned(),
        });
    }
    let found = issues(&payments_prod(), &production(), &infra);
    assert!(issue_at(&found, "spec.infrastructure").contains("named `default`"));
    if let Some(aws) = infra.spec.aws.as_mut() {
        aws.identity_ref = Some(IdentityRef {
            kind: "AzureClusterIdentity".to_owned(),
            name: "x".to_owned(),
        });
    }
    let found = issues(&payments_prod(), &production(), &infra);
    assert!(issue_at(&found, "spec.infrastructure").contains("not a CAPA identity"));
}

#[test]
fn ami_types_follow_the_instance_architecture() {
    assert_eq!(ami_type("m7g.large"), "AL2023_ARM_64_STANDARD");
    assert_eq!(ami_type("m6i.large"), "AL2023_x86_64_STANDARD");
}

#[test]
fn eks_dev_and_production_clusters_conform_to_capa_schemas() {
    let dev_cluster = render(
        &claim("team-a", "dev-eks", "dev", "aws-eu-west-1"),
        &dev(),
        &aws_eks(),
    );
    assert_conforms(&dev_cluster, EKS_KINDS);
    let mut wc = payments_prod();
    wc.spec.addons = Some(vec![Addon::MetricsServer]);
    assert_conforms(&render(&wc, &production(), &aws_eks()), EKS_KINDS);
}

// ------------------------------------------------------------------------------------ kubeadm

fn kubeadm_prod() -> drover_api::WorkloadCluster {
    let mut wc = with_pools(
        claim(
            "team-payments",
            "payments-ec2",
            "production",
            "aws-eu-west-1",
        ),
        &[("md-0", 6, "medium", &[("workload", "web")])],
    );
    wc.spec.addons = Some(vec![Addon::Cilium, Addon::MetricsServer]);
    wc
}

#[test]
fn kubeadm_renders_capa_cluster_machines_control_plane_and_health_checks() {
    let rendered = render(&kubeadm_prod(), &production(), &aws_kubeadm());
    assert_eq!(
        kinds(&rendered),
        [
            "Namespace",
            "AWSMachineTemplate",
            "AWSMachineTemplate",
            "KubeadmConfigTemplate",
            "AWSCluster",
            "KubeadmControlPlane",
            "Cluster",
            "MachineDeployment",
            "MachineHealthCheck",
            "MachineHealthCheck",
            "HelmChartProxy",
            "HelmChartProxy",
            "HelmChartProxy",
        ]
    );
    let aws_cluster = one(&rendered, "AWSCluster");
    assert_eq!(
        aws_cluster["spec"],
        json!({
            "region": "eu-west-1",
            "controlPlaneLoadBalancer": { "loadBalancerType": "nlb", "healthCheckProtocol": "HTTPS" },
            "network": { "cni": { "cniIngressRules": [
                { "description": "Cilium VXLAN", "protocol": "udp", "fromPort": 8472, "toPort": 8472 },
                { "description": "Cilium health checks", "protocol": "tcp", "fromPort": 4240, "toPort": 4240 },
                { "description": "Cilium health checks (ICMP)", "protocol": "icmp", "fromPort": -1, "toPort": -1 },
            ]}},
        })
    );

    let kcp = one(&rendered, "KubeadmControlPlane");
    assert_eq!(kcp["spec"]["replicas"], 3);
    let config = &kcp["spec"]["kubeadmConfigSpec"];
    assert_eq!(
        config["clusterConfiguration"]["controllerManager"]["extraArgs"],
        json!([{ "name": "cloud-provider", "value": "external" }])
    );
    for phase in ["initConfiguration", "joinConfiguration"] {
        let registration = &config[phase]["nodeRegistration"];
        assert_eq!(registration["name"], "{{ ds.meta_data.local_hostname }}");
        assert_eq!(
            registration["kubeletExtraArgs"],
            json!([{ "name": "cloud-provider", "value": "external" }])
        );
    }
    let worker_registration = &one(&rendered, "KubeadmConfigTemplate")["spec"]["template"]["spec"]
        ["joinConfiguration"]["nodeRegistration"];
    assert_eq!(
        worker_registration["kubeletExtraArgs"],
        json!([
            { "name": "cloud-provider", "value": "external" },
            { "name": "node-labels", "value": "workload=web" },
        ])
    );

    let templates = all(&rendered, "AWSMachineTemplate");
    let cp_template = templates
        .iter()
        .find(|t| {
            t["metadata"]["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("payments-ec2-control-plane-"))
        })
        .expect("control-plane template");
    assert_eq!(
        cp_template["spec"]["template"]["spec"],
        json!({
            "instanceType": "m6i.2xlarge",
            "iamInstanceProfile": "control-plane.cluster-api-provider-aws.sigs.k8s.io",
        })
    );
    assert_eq!(
        kcp["spec"]["machineTemplate"]["spec"]["infrastructureRef"]["name"],
        cp_template["metadata"]["name"]
    );
    let worker_template = templates
        .iter()
        .find(|t| {
            t["metadata"]["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("payments-ec2-md-0-"))
        })
        .expect("worker template");
    assert_eq!(
        worker_template["spec"]["template"]["spec"],
        json!({
            "instanceType": "m6i.xlarge",
            "iamInstanceProfile": "nodes.cluster-api-provider-aws.sigs.k8s.io",
            "rootVolume": { "size": 100 },
        })
    );
    assert_eq!(one(&rendered, "MachineDeployment")["spec"]["replicas"], 6);
    assert_eq!(
        one(&rendered, "Namespace")["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        "restricted"
    );
}

#[test]
fn kubeadm_installs_the_aws_cloud_controller_for_the_cluster_minor() {
    let rendered = render(&kubeadm_prod(), &production(), &aws_kubeadm());
    let ccm = all(&rendered, "HelmChartProxy")
        .into_iter()
        .find(|p| p["spec"]["chartName"] == "aws-cloud-controller-manager")
        .expect("cloud controller");
    assert_eq!(ccm["spec"]["version"], AWS_CCM_CHART_VERSION);
    assert_eq!(ccm["spec"]["namespace"], "kube-system");
    assert_eq!(
        ccm["spec"]["clusterSelector"]["matchLabels"]["drover.dev/cluster"],
        "payments-ec2"
    );
    let values = ccm["spec"]["valuesTemplate"].as_str().expect("values");
    for expected in [
        "  repository: registry.k8s.io/provider-aws/cloud-controller-manager\n  tag: v1.32.1\n",
        "hostNetworking: true\n",
        "nodeSelector:\n  node-role.kubernetes.io/control-plane: \"\"\n  node-role.kubernetes.io/master: null\n",
        "  - key: node.cloudprovider.kubernetes.io/uninitialized\n",
        "  - --cloud-provider=aws\n",
    ] {
        assert!(values.contains(expected), "{expected:?} in:\n{values}");
    }
    assert_eq!(ccm_image_tag(32), Some("v1.32.1"));
    assert_eq!(ccm_image_tag(29), None);
}

#[test]
fn kubeadm_cilium_tunnels_and_calico_opens_its_ports() {
    let rendered = render(&kubeadm_prod(), &production(), &aws_kubeadm());
    let cilium = all(&rendered, "HelmChartProxy")
        .into_iter()
        .find(|p| p["spec"]["chartName"] == "cilium")
        .expect("cilium");
    let values = cilium["spec"]["valuesTemplate"].as_str().expect("values");
    assert!(values.contains("routingMode: tunnel"), "{values}");
    assert!(values.contains("tunnelProtocol: vxlan"), "{values}");
    assert!(!values.contains("autoDirectNodeRoutes"), "{values}");

    let mut wc = kubeadm_prod();
    wc.spec.addons = Some(vec![Addon::Calico]);
    wc.spec.network = Some(NetworkSpec {
        cni: Some(Cni::Calico),
        ..NetworkSpec::default()
    });
    let rendered = render(&wc, &production(), &aws_kubeadm());
    let rules = &one(&rendered, "AWSCluster")["spec"]["network"]["cni"]["cniIngressRules"];
    assert_eq!(rules[0]["fromPort"], 4789);
    assert_eq!(rules[1]["fromPort"], 5473);
}

#[test]
fn kubeadm_templates_are_content_hashed() {
    let first = render(&kubeadm_prod(), &production(), &aws_kubeadm());
    let again = render(&kubeadm_prod(), &production(), &aws_kubeadm());
    assert_eq!(first, again, "deterministic");
    let mut infra = aws_kubeadm();
    infra.spec.sizes.insert(
        "medium".to_owned(),
        cloud::size("m6i.4xlarge", Some("100Gi")),
    );
    let changed = render(&kubeadm_prod(), &production(), &infra);
    let name = |r: &drover_core::render::RenderedCluster| {
        one(r, "MachineDeployment")["spec"]["template"]["spec"]["infrastructureRef"]["name"].clone()
    };
    assert_ne!(name(&first), name(&changed));
    assert!(
        name(&changed)
            .as_str()
            .is_some_and(|n| n.starts_with("payments-ec2-md-0-"))
    );
}

#[test]
fn kubeadm_issues() {
    // No provider network on EC2.
    let mut wc = kubeadm_prod();
    wc.spec.addons = None;
    wc.spec.network = Some(NetworkSpec {
        cni: Some(Cni::Provider),
        ..NetworkSpec::default()
    });
    let found = issues(&wc, &production(), &aws_kubeadm());
    assert!(issue_at(&found, "spec.network.cni").contains("provider `aws` (kubeadm on EC2)"));

    // Networks must stay clear of CAPA's VPC.
    let mut wc = kubeadm_prod();
    wc.spec.network = Some(NetworkSpec {
        pod_cidr: Some("10.0.0.0/8".to_owned()),
        service_cidr: Some("172.20.0.0/16".to_owned()),
        cni: None,
    });
    let found = issues(&wc, &production(), &aws_kubeadm());
    assert!(issue_at(&found, "spec.network.podCIDR").contains("10.0.0.0/16"));

    // The control plane's size is an instance type too.
    let mut infra = aws_kubeadm();
    infra
        .spec
        .sizes
        .insert("vm".to_owned(), fixtures::size(8, "32Gi", "100Gi"));
    let wc = with_control_plane(kubeadm_prod(), Some(3), Some("vm"));
    let found = issues(&wc, &production(), &infra);
    assert_eq!(
        found
            .iter()
            .filter(|i| i.field == "spec.controlPlane.size")
            .count(),
        2,
        "{found:#?}"
    );

    // NodePort and Ingress have no place in front of CAPA's load balancer.
    let mut wc = kubeadm_prod();
    wc.spec.external_access = Some(ExternalAccess {
        type_: Some(ExternalAccessType::NodePort),
        host: None,
    });
    let found = issues(&wc, &production(), &aws_kubeadm());
    assert!(issue_at(&found, "spec.externalAccess.type").contains("kubeadm on EC2"));

    // A version without a pinned cloud controller.
    let old = fixtures::environment("old", "v1.29.4");
    let wc = claim("team-a", "old", "old", "aws-eu-west-1");
    let found = issues(&wc, &old, &aws_kubeadm());
    assert!(issue_at(&found, "spec.kubernetesVersion").contains("1.30 to 1.33"));
}

#[test]
fn kubeadm_dev_and_production_clusters_conform_to_capa_schemas() {
    let mut wc = claim("team-a", "dev-ec2", "dev", "aws-eu-west-1");
    wc.spec.addons = Some(vec![Addon::Cilium]);
    assert_conforms(&render(&wc, &dev(), &aws_kubeadm()), KUBEADM_KINDS);
    let mut infra = aws_kubeadm();
    if let Some(aws) = infra.spec.aws.as_mut() {
        aws.ssh_key_name = Some("platform-nodes".to_owned());
        aws.identity_ref = Some(IdentityRef {
            kind: "AWSClusterStaticIdentity".to_owned(),
            name: "ops".to_owned(),
        });
    }
    let rendered = render(&kubeadm_prod(), &production(), &infra);
    assert_eq!(
        one(&rendered, "AWSCluster")["spec"]["sshKeyName"],
        "platform-nodes"
    );
    assert_conforms(&rendered, KUBEADM_KINDS);
}

/// kubeadm mode boots the AMIs the Infrastructure names: CAPA looks them up in the team's account
/// by a pattern with the Kubernetes version; a pattern without it, or a lookup in EKS mode, is
/// refused at its field.
#[test]
fn kubeadm_machines_look_up_the_teams_amis_by_version() {
    use drover_api::infrastructure::AwsImageLookup;
    use drover_core::fleet::Source;
    use drover_core::resolve::check_infrastructure;

    let mut infra = aws_kubeadm();
    if let Some(aws) = infra.spec.aws.as_mut() {
        aws.image_lookup = Some(AwsImageLookup {
            org: "123456789012".to_owned(),
            format: Some("platform-{{.BaseOS}}-k8s-{{.K8sVersion}}-*".to_owned()),
            base_os: Some("ubuntu-24.04".to_owned()),
        });
    }
    assert!(check_infrastructure(&infra, &Source::default()).is_empty());
    let rendered = render(&kubeadm_prod(), &production(), &infra);
    let templates = all(&rendered, "AWSMachineTemplate");
    assert!(!templates.is_empty());
    for template in &templates {
        let machine = &template["spec"]["template"]["spec"];
        assert_eq!(machine["imageLookupOrg"], "123456789012");
        assert_eq!(
            machine["imageLookupFormat"],
            "platform-{{.BaseOS}}-k8s-{{.K8sVersion}}-*"
        );
        assert_eq!(machine["imageLookupBaseOS"], "ubuntu-24.04");
    }
    assert_conforms(&rendered, KUBEADM_KINDS);
    // Without a lookup, CAPA's own published AMIs: no lookup fields.
    let plain = render(&kubeadm_prod(), &production(), &aws_kubeadm());
    for template in all(&plain, "AWSMachineTemplate") {
        assert!(
            template["spec"]["template"]["spec"]
                .get("imageLookupOrg")
                .is_none()
        );
    }

    let mut fixed = infra.clone();
    if let Some(lookup) = fixed
        .spec
        .aws
        .as_mut()
        .and_then(|a| a.image_lookup.as_mut())
    {
        lookup.format = Some("platform-ubuntu-golden-*".to_owned());
    }
    let problems = check_infrastructure(&fixed, &Source::default());
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].field, "spec.aws.imageLookup.format");
    assert!(problems[0].message.contains("has no `{{.K8sVersion}}`"));

    let mut eks = aws_eks();
    if let Some(aws) = eks.spec.aws.as_mut() {
        aws.image_lookup = infra.spec.aws.as_ref().and_then(|a| a.image_lookup.clone());
    }
    let problems = check_infrastructure(&eks, &Source::default());
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].field, "spec.aws.imageLookup");
}
