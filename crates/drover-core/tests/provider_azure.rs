//! Azure (CAPZ, AKS through ASO): what each claim option maps to in the CAPZ objects and the
//! embedded Azure Service Operator resources, every Issue the provider raises, and upstream
//! conformance of a dev and a production cluster.

#[path = "common/cloud.rs"]
mod cloud;

use cloud::{
    all, assert_conforms, azure, claim, dev, issue_at, issues, kinds, one, production, render,
    with_control_plane, with_pools,
};
use drover_api::workload_cluster::{Addon, Cni, ExternalAccess, ExternalAccessType, NetworkSpec};
use drover_core::fixtures;
use drover_core::providers::azure::{agent_pool_name, dns_service_ip};
use serde_json::json;

const KINDS: &[(&str, &str)] = &[
    ("infrastructure.cluster.x-k8s.io", "AzureASOManagedCluster"),
    (
        "infrastructure.cluster.x-k8s.io",
        "AzureASOManagedControlPlane",
    ),
    (
        "infrastructure.cluster.x-k8s.io",
        "AzureASOManagedMachinePool",
    ),
    ("cluster.x-k8s.io", "MachinePool"),
];

fn payments_preprod() -> drover_api::WorkloadCluster {
    with_pools(
        claim(
            "team-payments",
            "payments-azure",
            "production",
            "azure-westeurope",
        ),
        &[
            ("md-0", 3, "medium", &[]),
            ("apps", 4, "xlarge", &[("workload", "payments")]),
        ],
    )
}

#[test]
fn renders_capz_aso_objects_around_a_managed_cluster() {
    let rendered = render(&payments_preprod(), &production(), &azure());
    assert_eq!(
        kinds(&rendered),
        [
            "Namespace",
            "AzureASOManagedCluster",
            "AzureASOManagedControlPlane",
            "Cluster",
            "AzureASOManagedMachinePool",
            "MachinePool",
            "AzureASOManagedMachinePool",
            "MachinePool",
        ]
    );
    let infra = one(&rendered, "AzureASOManagedCluster");
    assert_eq!(
        infra["apiVersion"],
        "infrastructure.cluster.x-k8s.io/v1beta1"
    );
    assert_eq!(
        infra["spec"]["resources"],
        json!([{
            "apiVersion": "resources.azure.com/v1api20200601",
            "kind": "ResourceGroup",
            "metadata": {
                "name": "payments-azure",
                "annotations": { "serviceoperator.azure.com/credential-from": "aso-credentials" },
            },
            "spec": { "location": "westeurope" },
        }])
    );
    let cp = one(&rendered, "AzureASOManagedControlPlane");
    assert_eq!(cp["metadata"]["name"], "payments-azure");
    assert_eq!(cp["spec"]["version"], "v1.32.1");
    assert_eq!(
        cp["spec"]["resources"],
        json!([{
            "apiVersion": "containerservice.azure.com/v1api20231001",
            "kind": "ManagedCluster",
            "metadata": {
                "name": "payments-azure",
                "annotations": { "serviceoperator.azure.com/credential-from": "aso-credentials" },
            },
            "spec": {
                "owner": { "name": "payments-azure" },
                "location": "westeurope",
                "dnsPrefix": "payments-azure",
                "kubernetesVersion": "1.32.1",
                "identity": { "type": "SystemAssigned" },
                "servicePrincipalProfile": { "clientId": "msi" },
                "networkProfile": {
                    "networkPlugin": "azure",
                    "networkPluginMode": "overlay",
                    "podCidr": "10.243.0.0/16",
                    "serviceCidr": "10.95.0.0/16",
                    "dnsServiceIP": "10.95.0.10",
                },
            },
        }])
    );
    // CAPZ checks the embedded networks and version against the Cluster and the control plane.
    let cluster = one(&rendered, "Cluster");
    assert_eq!(
        cluster["spec"]["clusterNetwork"]["pods"]["cidrBlocks"],
        json!(["10.243.0.0/16"])
    );
    assert_eq!(
        cluster["spec"]["controlPlaneRef"],
        json!({ "apiGroup": "infrastructure.cluster.x-k8s.io", "kind": "AzureASOManagedControlPlane", "name": "payments-azure" })
    );
    assert!(all(&rendered, "MachineHealthCheck").is_empty());
    assert!(all(&rendered, "HelmChartProxy").is_empty());
    assert_eq!(
        one(&rendered, "Namespace")["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        "restricted"
    );
}

#[test]
fn worker_pools_become_agent_pools_the_first_one_system() {
    let rendered = render(&payments_preprod(), &production(), &azure());
    let pools = all(&rendered, "AzureASOManagedMachinePool");
    assert_eq!(pools[0]["metadata"]["name"], "payments-azure-md-0");
    assert_eq!(
        pools[0]["spec"]["resources"],
        json!([{
            "apiVersion": "containerservice.azure.com/v1api20231001",
            "kind": "ManagedClustersAgentPool",
            "metadata": {
                "name": "payments-azure-md-0",
                "annotations": { "serviceoperator.azure.com/credential-from": "aso-credentials" },
            },
            "spec": {
                "azureName": "md0",
                "owner": { "name": "payments-azure" },
                "mode": "System",
                "type": "VirtualMachineScaleSets",
                "vmSize": "Standard_D4s_v5",
                "count": 3,
                "orchestratorVersion": "1.32.1",
                "osDiskSizeGB": 128,
            },
        }])
    );
    let apps = &pools[1]["spec"]["resources"][0]["spec"];
    assert_eq!(apps["mode"], "User");
    assert_eq!(apps["vmSize"], "Standard_D16s_v5");
    assert_eq!(apps["nodeLabels"], json!({ "workload": "payments" }));
    assert!(
        apps.get("osDiskSizeGB").is_none(),
        "size without disk: AKS default"
    );
    // count and orchestratorVersion agree with the MachinePool (CAPZ refuses differing values).
    let machine_pools = all(&rendered, "MachinePool");
    assert_eq!(machine_pools[1]["spec"]["replicas"], 4);
    assert_eq!(apps["count"], 4);
    assert_eq!(
        machine_pools[1]["spec"]["template"]["spec"]["version"],
        "v1.32.1"
    );
    assert_eq!(apps["orchestratorVersion"], "1.32.1");
    assert_eq!(
        machine_pools[1]["spec"]["template"]["spec"]["bootstrap"],
        json!({ "dataSecretName": "" })
    );
}

#[test]
fn cilium_selects_azure_cni_powered_by_cilium() {
    let mut wc = payments_preprod();
    wc.spec.network = Some(NetworkSpec {
        cni: Some(Cni::Cilium),
        ..NetworkSpec::default()
    });
    assert!(issues(&wc, &production(), &azure()).is_empty());
    let rendered = render(&wc, &production(), &azure());
    let network = &one(&rendered, "AzureASOManagedControlPlane")["spec"]["resources"][0]["spec"]["networkProfile"];
    assert_eq!(network["networkDataplane"], "cilium");
    assert_eq!(network["networkPolicy"], "cilium");
    assert_eq!(
        one(&rendered, "Cluster")["metadata"]["labels"]["drover.dev/cni"],
        "cilium"
    );
}

#[test]
fn a_shared_resource_group_is_only_read() {
    let mut infra = azure();
    if let Some(settings) = infra.spec.azure.as_mut() {
        settings.resource_group = Some("rg-platform-preprod".to_owned());
        settings.credential_secret = None;
    }
    let rendered = render(&payments_preprod(), &production(), &infra);
    assert_eq!(
        one(&rendered, "AzureASOManagedCluster")["spec"]["resources"][0],
        json!({
            "apiVersion": "resources.azure.com/v1api20200601",
            "kind": "ResourceGroup",
            "metadata": {
                "name": "payments-azure",
                "annotations": { "serviceoperator.azure.com/reconcile-policy": "skip" },
            },
            "spec": { "location": "westeurope", "azureName": "rg-platform-preprod" },
        })
    );
    // Without a credential Secret, ASO's global credential: no annotation.
    let managed = &one(&rendered, "AzureASOManagedControlPlane")["spec"]["resources"][0];
    assert!(managed["metadata"].get("annotations").is_none());
}

#[test]
fn production_claims_validate_with_the_defaulted_control_plane() {
    assert!(issues(&payments_preprod(), &production(), &azure()).is_empty());
    let wc = with_control_plane(payments_preprod(), Some(3), Some("xlarge"));
    let found = issues(&wc, &production(), &azure());
    assert!(issue_at(&found, "spec.controlPlane.replicas").contains("provider `azure` (AKS)"));
    assert!(issue_at(&found, "spec.controlPlane.size").contains("provider `azure` (AKS)"));
}

#[test]
fn access_cni_and_addons_aks_cannot_honour() {
    let mut wc = payments_preprod();
    wc.spec.external_access = Some(ExternalAccess {
        type_: Some(ExternalAccessType::Ingress),
        host: Some("payments.example.com".to_owned()),
    });
    let found = issues(&wc, &production(), &azure());
    assert!(issue_at(&found, "spec.externalAccess.type").contains("provider `azure` (AKS)"));
    assert!(issue_at(&found, "spec.externalAccess.host").contains("provider `azure`"));

    let mut wc = payments_preprod();
    wc.spec.network = Some(NetworkSpec {
        cni: Some(Cni::Calico),
        ..NetworkSpec::default()
    });
    wc.spec.addons = Some(vec![Addon::Calico]);
    let found = issues(&wc, &production(), &azure());
    assert!(issue_at(&found, "spec.network.cni").contains("provider `azure` (AKS)"));
    assert!(issue_at(&found, "spec.addons").contains("`calico`"));

    let mut wc = payments_preprod();
    wc.spec.network = Some(NetworkSpec {
        cni: Some(Cni::Cilium),
        ..NetworkSpec::default()
    });
    wc.spec.addons = Some(vec![Addon::Cilium, Addon::MetricsServer]);
    let found = issues(&wc, &production(), &azure());
    let addons: Vec<&str> = found
        .iter()
        .filter(|i| i.field == "spec.addons")
        .map(|i| i.message.as_str())
        .collect();
    assert_eq!(addons.len(), 2, "{found:#?}");
    assert!(addons[0].contains("AKS runs Cilium itself"));
    assert!(addons[1].contains("AKS runs metrics-server itself"));
}

#[test]
fn pools_must_fit_aks_rules() {
    // The system pool needs a node; pool names must make agent pool names.
    let wc = with_pools(
        claim("team-a", "pools", "dev", "azure-westeurope"),
        &[
            ("md-0", 0, "small", &[]),
            ("md0", 2, "small", &[]),
            ("9lives", 1, "small", &[]),
        ],
    );
    let found = issues(&wc, &dev(), &azure());
    assert!(issue_at(&found, "spec.workers[0].replicas").contains("system pool"));
    assert!(issue_at(&found, "spec.workers[1].name").contains("both become AKS agent pool `md0`"));
    assert!(issue_at(&found, "spec.workers[2].name").contains("start with a letter"));
    assert_eq!(agent_pool_name("batch-01").as_deref(), Some("batch01"));
}

#[test]
fn sizes_networks_are_checked() {
    let mut infra = azure();
    infra
        .spec
        .sizes
        .insert("vm".to_owned(), fixtures::size(4, "16Gi", "20Gi"));
    let wc = with_pools(
        claim("team-a", "sizes", "dev", "azure-westeurope"),
        &[("md-0", 3, "vm", &[])],
    );
    let found = issues(&wc, &dev(), &infra);
    let messages: Vec<&str> = found
        .iter()
        .filter(|i| i.field == "spec.workers[0].size")
        .map(|i| i.message.as_str())
        .collect();
    assert_eq!(messages.len(), 3, "{found:#?}");
    assert!(messages[0].contains("Azure VM size"));
    assert!(messages[1].contains("sets cpu and memory"));
    assert!(messages[2].contains("30..=2048 GiB"));

    let mut wc = claim("team-a", "nets", "dev", "azure-westeurope");
    wc.spec.network = Some(NetworkSpec {
        pod_cidr: Some("10.224.0.0/16".to_owned()),
        service_cidr: Some("10.96.0.0/29".to_owned()),
        cni: None,
    });
    let found = issues(&wc, &dev(), &azure());
    assert!(issue_at(&found, "spec.network.podCIDR").contains("10.224.0.0/12"));
    assert!(issue_at(&found, "spec.network.serviceCIDR").contains("10th address"));
    assert_eq!(
        dns_service_ip("172.16.0.0/16".parse().expect("cidr")).as_deref(),
        Some("172.16.0.10")
    );
}

/// AKS rejects a ManagedCluster whose pod or service network touches its reserved ranges; CAPZ
/// would retry forever.
#[test]
fn networks_must_avoid_the_ranges_aks_reserves() {
    let mut wc = claim("team-a", "nets", "dev", "azure-westeurope");
    wc.spec.network = Some(NetworkSpec {
        pod_cidr: Some("172.30.0.0/16".to_owned()),
        service_cidr: Some("172.31.128.0/20".to_owned()),
        cni: None,
    });
    let found = issues(&wc, &dev(), &azure());
    assert!(issue_at(&found, "spec.network.podCIDR").contains("overlaps 172.30.0.0/16"));
    assert!(issue_at(&found, "spec.network.serviceCIDR").contains("overlaps 172.31.0.0/16"));
    wc.spec.network = Some(NetworkSpec {
        pod_cidr: Some("169.0.0.0/8".to_owned()),
        service_cidr: Some("10.96.0.0/16".to_owned()),
        cni: None,
    });
    let found = issues(&wc, &dev(), &azure());
    assert!(issue_at(&found, "spec.network.podCIDR").contains("169.254.0.0/16"));
}

#[test]
fn dev_and_production_clusters_conform_to_capz_schemas() {
    assert_conforms(
        &render(
            &claim("team-a", "dev-aks", "dev", "azure-westeurope"),
            &dev(),
            &azure(),
        ),
        KINDS,
    );
    assert_conforms(&render(&payments_preprod(), &production(), &azure()), KINDS);
}
