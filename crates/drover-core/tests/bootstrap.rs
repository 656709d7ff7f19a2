//! `drover bootstrap`'s plan: one CAPI Operator object per provider the fleet uses, at the
//! pinned versions (which are the releases of `../shared/crds/SOURCES.tsv`), with the feature
//! gates drover's kinds need, conformant with the operator's CRDs.

use std::collections::BTreeSet;
use std::path::Path;

use drover_conformance::{catalog_or_skip, format_violations, locate_crds_dir};
use drover_core::fleet::{Fleet, load_dir};
use drover_core::management::bootstrap::{self, Bootstrap, infrastructure_kinds};
use drover_core::management::providers::{PROVIDERS, ProviderType};
use drover_core::pipeline;
use drover_core::render::order::kind_info;
use drover_core::render::render_cluster;

fn example_fleet() -> Fleet {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/fleet");
    load_dir(&dir).expect("example fleet loads")
}

/// `fleet` with only the Infrastructures `keep` accepts (and their claims, and the Environments'
/// policies not naming the others).
fn keep_infrastructures(
    mut fleet: Fleet,
    keep: impl Fn(&drover_api::Infrastructure) -> bool,
) -> Fleet {
    fleet.infrastructures.retain(|i| keep(&i.object));
    let names: Vec<String> = fleet
        .infrastructures
        .iter()
        .filter_map(|i| i.object.metadata.name.clone())
        .collect();
    fleet
        .clusters
        .retain(|c| names.contains(&c.object.spec.infrastructure));
    for environment in &mut fleet.environments {
        if let Some(allowed) = environment
            .object
            .spec
            .policy
            .as_mut()
            .and_then(|p| p.allowed_infrastructures.as_mut())
        {
            allowed.retain(|name| names.contains(name));
        }
    }
    fleet
}

fn plan(fleet: &Fleet) -> Bootstrap {
    let validation = pipeline::validate(fleet);
    assert!(validation.is_valid(), "{:?}", validation.diagnostics);
    bootstrap::plan(fleet, &validation.clusters).expect("plans")
}

fn provider_ids(plan: &Bootstrap) -> Vec<String> {
    plan.providers
        .iter()
        .map(|p| format!("{} {}", p.provider.id(), p.provider.version))
        .collect()
}

fn gates(plan: &Bootstrap, provider_type: ProviderType, name: &str) -> Vec<&'static str> {
    plan.providers
        .iter()
        .find(|p| p.provider.provider_type == provider_type && p.provider.name == name)
        .map(|p| p.feature_gates.iter().copied().collect())
        .unwrap_or_default()
}

#[test]
fn the_example_fleet_gets_one_provider_per_provider_it_uses() {
    let plan = plan(&example_fleet());
    assert_eq!(
        provider_ids(&plan),
        [
            "CoreProvider/cluster-api v1.14.0",
            "BootstrapProvider/kubeadm v1.14.0",
            "BootstrapProvider/talos v0.6.12",
            "ControlPlaneProvider/kubeadm v1.14.0",
            "ControlPlaneProvider/talos v0.5.12",
            "InfrastructureProvider/aws v2.11.1",
            "InfrastructureProvider/azure v1.26.0",
            "InfrastructureProvider/docker v1.14.0",
            "InfrastructureProvider/gcp v1.12.0",
            "InfrastructureProvider/kubevirt v0.11.2",
            "InfrastructureProvider/proxmox v0.9.0",
            "InfrastructureProvider/vcluster v0.2.2",
            "InfrastructureProvider/vsphere v1.16.1",
            "AddonProvider/helm v0.6.4",
        ]
    );
    // One Namespace per provider namespace, then one operator object per provider.
    let kinds: Vec<&str> = plan
        .objects
        .iter()
        .filter_map(|o| o["kind"].as_str())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "Namespace").count(), 14);
    assert_eq!(kinds.len(), 28);
    assert_eq!(
        gates(&plan, ProviderType::Core, "cluster-api"),
        ["ClusterResourceSet", "MachinePool"]
    );
    assert_eq!(
        gates(&plan, ProviderType::Infrastructure, "aws"),
        ["EKS", "MachinePool"]
    );
    assert_eq!(
        gates(&plan, ProviderType::Infrastructure, "gcp"),
        ["GKE", "MachinePool"]
    );
    assert_eq!(
        gates(&plan, ProviderType::Infrastructure, "azure"),
        ["ASOAPI", "MachinePool"]
    );
    assert!(gates(&plan, ProviderType::Infrastructure, "kubevirt").is_empty());
}

#[test]
fn operator_objects_name_versions_gates_and_credentials() {
    let plan = plan(&example_fleet());
    let aws = plan
        .objects
        .iter()
        .find(|o| o["kind"] == "InfrastructureProvider" && o["metadata"]["name"] == "aws")
        .expect("aws provider");
    assert_eq!(aws["apiVersion"], "operator.cluster.x-k8s.io/v1alpha2");
    assert_eq!(aws["metadata"]["namespace"], "capa-system");
    assert_eq!(aws["spec"]["version"], "v2.11.1");
    assert_eq!(aws["spec"]["configSecret"]["name"], "aws-variables");
    assert_eq!(aws["spec"]["manager"]["featureGates"]["EKS"], true);
    assert!(
        aws["metadata"]["annotations"]["drover.dev/needed-by"]
            .as_str()
            .is_some_and(|s| s.contains("Infrastructure aws-eu-west-1")),
        "{aws:#}"
    );
    let kubevirt = plan
        .objects
        .iter()
        .find(|o| o["metadata"]["name"] == "kubevirt")
        .expect("kubevirt provider");
    assert!(kubevirt["spec"].get("configSecret").is_none());
    assert!(kubevirt["spec"].get("manager").is_none());

    // The credentials the team must create: named from the table and the fleet, never invented.
    let named: BTreeSet<String> = plan
        .prerequisites
        .iter()
        .map(|p| {
            format!(
                "{} {}/{}",
                p.kind,
                p.namespace.as_deref().unwrap_or("*"),
                p.name
            )
        })
        .collect();
    for expected in [
        "Secret capa-system/aws-variables",
        "Secret capg-system/gcp-variables",
        "Secret capg-system/capg-analytics-prod",
        "Secret capv-system/vsphere-variables",
        "Secret capmox-system/proxmox-variables",
        "Secret */aso-credentials",
        "Secret */proxmox-edge-credentials",
        "Secret */vsphere-cpi-credentials",
        "AWSClusterRoleIdentity */production-account",
        "VSphereClusterIdentity */dc1-capv",
    ] {
        assert!(
            named.contains(expected),
            "{expected} missing from {named:#?}"
        );
    }
    let aso = plan
        .prerequisites
        .iter()
        .find(|p| p.name == "aso-credentials")
        .expect("aso credential");
    assert_eq!(aso.in_cluster_namespaces, ["payments-azure-cluster"]);
}

#[test]
fn a_fleet_without_aws_gets_no_aws_provider() {
    let full = example_fleet();
    assert!(
        full.infrastructures
            .iter()
            .any(|i| i.object.spec.aws.is_some())
    );
    let fleet = keep_infrastructures(full, |i| i.spec.aws.is_none());
    let plan = plan(&fleet);
    let ids = provider_ids(&plan);
    assert!(!ids.iter().any(|id| id.contains("aws")), "{ids:?}");
    assert!(
        !plan
            .objects
            .iter()
            .any(|o| o["metadata"]["name"] == "capa-system")
    );
    assert!(!plan.prerequisites.iter().any(|p| p.name == "aws-variables"));
    // Everything else stays.
    assert_eq!(ids.len(), 13);
}

#[test]
fn a_kubevirt_only_fleet_gets_capi_kubeadm_kubevirt_and_caaph_for_its_addons() {
    let fleet = keep_infrastructures(example_fleet(), |i| i.spec.kubevirt.is_some());
    let plan = plan(&fleet);
    assert_eq!(
        provider_ids(&plan),
        [
            "CoreProvider/cluster-api v1.14.0",
            "BootstrapProvider/kubeadm v1.14.0",
            "ControlPlaneProvider/kubeadm v1.14.0",
            "InfrastructureProvider/kubevirt v0.11.2",
            "AddonProvider/helm v0.6.4",
        ]
    );
    // No managed node pools; the one resource set is payments-prod's default-deny network
    // policy (its environment's security baseline), which the rendered cluster brings in.
    assert_eq!(
        gates(&plan, ProviderType::Core, "cluster-api"),
        ["ClusterResourceSet"]
    );
    assert!(plan.prerequisites.is_empty(), "{:?}", plan.prerequisites);
}

/// The per-Infrastructure kinds used before any claim exists cover what the example fleet's
/// clusters actually render (add-on charts apart), so an unused Infrastructure is planned right.
#[test]
fn infrastructure_kinds_cover_what_clusters_render() {
    let fleet = example_fleet();
    let validation = pipeline::validate(&fleet);
    for cluster in &validation.clusters {
        let expected: BTreeSet<&str> = infrastructure_kinds(&cluster.provider)
            .iter()
            .copied()
            .collect();
        for object in render_cluster(cluster).expect("renders").objects {
            let kind = object.kind();
            let custom = kind_info(kind).and_then(|i| i.crd_name()).is_some();
            // Add-on kinds come with what a claim or its environment asks for (charts, the
            // security baseline's default-deny policy), not with the infrastructure.
            let addon = matches!(
                kind,
                "HelmChartProxy" | "ServiceMonitor" | "ClusterResourceSet"
            );
            if !custom || addon {
                continue;
            }
            assert!(
                expected.contains(kind),
                "{}: renders {kind}, not in infrastructure_kinds({:?})",
                cluster.name,
                cluster.provider.kind()
            );
        }
    }
    // And every provider block is covered by the example fleet.
    let blocks: BTreeSet<_> = validation
        .clusters
        .iter()
        .map(|c| c.provider_kind())
        .collect();
    assert_eq!(blocks.len(), 8);
}

#[test]
fn operator_objects_conform_to_the_operator_crds() {
    let Some(catalog) = catalog_or_skip() else {
        return;
    };
    let plan = plan(&example_fleet());
    let mut checked = 0;
    for object in &plan.objects {
        if let Err(violations) = catalog.check(object) {
            panic!("{object:#}:\n{}", format_violations(&violations));
        }
        checked += 1;
    }
    assert_eq!(checked, plan.objects.len());
    // The operator's kinds are all there (the check above would pass vacuously otherwise).
    for kind in [
        "CoreProvider",
        "BootstrapProvider",
        "ControlPlaneProvider",
        "InfrastructureProvider",
        "AddonProvider",
    ] {
        assert!(
            catalog.crd("operator.cluster.x-k8s.io", kind).is_some(),
            "{kind} CRD not loaded"
        );
    }
}

/// The pinned versions are the releases whose CRDs drover's output is tested against, and each
/// provider's CRDs there serve every kind at the version drover writes.
#[test]
fn pinned_versions_are_the_tested_releases() {
    let (Some(catalog), Some(dir)) = (catalog_or_skip(), locate_crds_dir()) else {
        return;
    };
    let sources = std::fs::read_to_string(dir.join("SOURCES.tsv")).expect("SOURCES.tsv");
    let rows: Vec<Vec<&str>> = sources
        .lines()
        .skip(1)
        .map(|line| line.split('\t').collect())
        .collect();
    for provider in PROVIDERS {
        let dirs: Vec<&Vec<&str>> = rows
            .iter()
            .filter(|row| row.get(1) == Some(&provider.repository))
            .collect();
        assert!(
            !dirs.is_empty(),
            "{}: {} not in SOURCES.tsv",
            provider.id(),
            provider.repository
        );
        for row in &dirs {
            assert_eq!(
                row.get(2).copied(),
                Some(provider.version),
                "{}: pinned {} but the CRDs are of {}",
                provider.id(),
                provider.version,
                row[2]
            );
        }
        for kind in provider.kinds {
            let info = kind_info(kind).expect("in KINDS");
            let crd = catalog
                .crd(info.group(), kind)
                .unwrap_or_else(|| panic!("{kind}: no upstream CRD"));
            assert!(
                dirs.iter()
                    .any(|row| crd.file.starts_with(dir.join(row[0]))),
                "{kind}: its CRD {} is not from {}",
                crd.file.display(),
                provider.repository
            );
            assert!(
                crd.version(info.version()).is_some_and(|v| v.served),
                "{kind}: {} not served by {} {}",
                info.api_version,
                provider.id(),
                provider.version
            );
        }
    }
}
