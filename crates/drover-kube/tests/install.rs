//! `drover install`'s manifests: valid objects, least-privilege RBAC derived from what drover
//! renders and watches (so a new kind cannot be forgotten), no list/watch of Secrets, and a
//! snapshot of the YAML.

use std::path::Path;

use drover_api::{Environment, Infrastructure, WorkloadCluster};
use drover_core::render::order::known_kinds;
use drover_kube::install::rbac::{RENDERED_KIND_VERBS, allows, cluster_rules};
use drover_kube::install::{self, InstallError, InstallOptions};
use drover_kube::resources::{KindResource as _, kind_info};
use k8s_openapi::api::rbac::v1::PolicyRule;
use kube::Resource;
use serde_json::Value;

fn options() -> InstallOptions {
    InstallOptions {
        image: "ghcr.io/drover-dev/drover:snapshot".to_owned(),
        ..InstallOptions::default()
    }
}

fn manifests() -> Vec<Value> {
    install::manifests(&options()).expect("manifests")
}

fn rules_of(object: &Value) -> Vec<PolicyRule> {
    serde_json::from_value(object["rules"].clone()).expect("rules")
}

fn kinds(objects: &[Value]) -> Vec<String> {
    objects
        .iter()
        .map(|o| {
            format!(
                "{} {}",
                o["kind"].as_str().unwrap_or_default(),
                o["metadata"]["name"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

#[test]
fn the_install_holds_crds_namespace_rbac_service_and_deployment_in_apply_order() {
    assert_eq!(
        kinds(&manifests()),
        [
            "CustomResourceDefinition infrastructures.drover.dev",
            "CustomResourceDefinition environments.drover.dev",
            "CustomResourceDefinition workloadclusters.drover.dev",
            "Namespace drover-system",
            "ServiceAccount drover",
            "ClusterRole drover",
            "ClusterRoleBinding drover",
            "Role drover-leader-election",
            "RoleBinding drover-leader-election",
            "Role drover-argocd-clusters",
            "RoleBinding drover-argocd-clusters",
            "Service drover",
            "Deployment drover",
        ]
    );
    let crds: Vec<Value> = manifests().into_iter().take(3).collect();
    assert_eq!(crds, drover_api::crd_values());
}

#[test]
fn every_object_is_valid_for_its_kind() {
    let Some(catalog) = drover_conformance::catalog_or_skip() else {
        return;
    };
    for object in manifests()
        .iter()
        .filter(|o| o["kind"] != "CustomResourceDefinition")
    {
        if let Err(violations) = catalog.check(object) {
            panic!(
                "{} {}:\n{}",
                object["kind"],
                object["metadata"]["name"],
                drover_conformance::format_violations(&violations)
            );
        }
    }
}

#[test]
fn the_cluster_role_covers_every_kind_drover_renders_and_watches() {
    let rules = cluster_rules();
    let mut missing = Vec::new();
    for kind in known_kinds() {
        let Some(info) = kind_info(kind) else {
            missing.push(format!("{kind}: no resources entry"));
            continue;
        };
        let resource = info.api_resource();
        for verb in RENDERED_KIND_VERBS.iter().copied().chain(["watch"]) {
            if !allows(&rules, &resource.group, &resource.plural, verb) {
                missing.push(format!("{verb} {}/{}", resource.group, resource.plural));
            }
        }
    }
    for plural in [
        WorkloadCluster::plural(&()),
        Environment::plural(&()),
        Infrastructure::plural(&()),
    ] {
        for verb in ["get", "list", "watch"] {
            if !allows(&rules, "drover.dev", &plural, verb) {
                missing.push(format!("{verb} drover.dev/{plural}"));
            }
        }
    }
    for verb in ["list", "watch"] {
        if !allows(
            &rules,
            "apiextensions.k8s.io",
            "customresourcedefinitions",
            verb,
        ) {
            missing.push(format!("{verb} customresourcedefinitions"));
        }
    }
    assert!(missing.is_empty(), "not granted:\n{}", missing.join("\n"));
    // Nothing renderable is written outside the table: the rules name only known resources.
    assert!(
        !allows(&rules, "apps", "daemonsets", "create"),
        "only the rendered kinds"
    );
}

#[test]
fn the_cluster_role_holds_what_every_rendered_role_grants() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/fleet");
    let fleet = drover_core::fleet::load_dir(&dir).expect("example fleet loads");
    let validation = drover_core::pipeline::validate(&fleet);
    assert!(!validation.clusters.is_empty());
    let rules = cluster_rules();
    let mut roles = 0;
    for cluster in &validation.clusters {
        let rendered = drover_core::render::render_cluster(cluster).expect("renders");
        for role in rendered.objects.iter().filter(|o| o.kind() == "Role") {
            roles += 1;
            for granted in rules_of(&role.0) {
                for group in granted.api_groups.iter().flatten() {
                    for resource in granted.resources.iter().flatten() {
                        for verb in &granted.verbs {
                            assert!(
                                allows(&rules, group, resource, verb),
                                "Role {} grants {verb} {group}/{resource}, which drover lacks \
                                 (RBAC forbids creating it)",
                                role.name()
                            );
                        }
                    }
                }
            }
        }
    }
    assert!(
        roles > 0,
        "the example fleet renders Roles (the KubeVirt KCCM)"
    );
}

#[test]
fn no_rule_lists_or_watches_secrets_and_secrets_are_written_only_in_argocd() {
    let options = InstallOptions {
        argocd_namespaces: vec!["argocd".to_owned(), "argocd-prod".to_owned()],
        ..options()
    };
    let objects = install::manifests(&options).expect("manifests");
    let mut writers = Vec::new();
    for object in objects
        .iter()
        .filter(|o| o["kind"] == "ClusterRole" || o["kind"] == "Role")
    {
        let rules = rules_of(object);
        for verb in ["list", "watch", "*"] {
            assert!(
                !allows(&rules, "", "secrets", verb),
                "{} {} grants {verb} on secrets",
                object["kind"],
                object["metadata"]["name"]
            );
        }
        if allows(&rules, "", "secrets", "patch") {
            writers.push(format!(
                "{} {}",
                object["kind"].as_str().unwrap_or_default(),
                object["metadata"]["namespace"].as_str().unwrap_or("-")
            ));
        }
        for rule in &rules {
            assert!(
                rule.resources.iter().flatten().all(|r| r != "*"),
                "no wildcard resources: {rule:?}"
            );
        }
    }
    assert_eq!(writers, ["Role argocd", "Role argocd-prod"]);
    let cluster_role = objects
        .iter()
        .find(|o| o["kind"] == "ClusterRole")
        .expect("ClusterRole");
    assert!(allows(&rules_of(cluster_role), "", "secrets", "get"));
}

#[test]
fn leases_are_written_only_in_the_controllers_namespace() {
    for object in manifests()
        .iter()
        .filter(|o| o["kind"] == "ClusterRole" || o["kind"] == "Role")
    {
        let rules = rules_of(object);
        let writes_leases = rules.iter().any(|r| {
            r.api_groups
                .iter()
                .flatten()
                .any(|g| g == "coordination.k8s.io")
        });
        if writes_leases {
            assert_eq!(object["kind"], "Role");
            assert_eq!(object["metadata"]["namespace"], "drover-system");
        }
    }
}

#[test]
fn bad_options_are_refused_before_anything_is_printed() {
    let bad = |change: fn(&mut InstallOptions)| {
        let mut options = options();
        change(&mut options);
        install::manifests_yaml(&options).expect_err("refused")
    };
    assert!(matches!(
        bad(|o| o.namespace = "Drover_System".to_owned()),
        InstallError::Namespace {
            flag: "--namespace",
            ..
        }
    ));
    assert!(matches!(
        bad(|o| o.argocd_namespaces = vec!["argo cd".to_owned()]),
        InstallError::Namespace {
            flag: "--argocd-namespace",
            ..
        }
    ));
    assert_eq!(
        bad(|o| o.argocd_namespaces.clear()),
        InstallError::NoArgoCdNamespace
    );
    assert!(matches!(
        bad(|o| o.image = String::new()),
        InstallError::Image(_)
    ));
    assert_eq!(bad(|o| o.replicas = 0), InstallError::Replicas(0));
}

#[test]
fn json_output_is_a_list_of_the_same_objects() {
    let json: Value =
        serde_json::from_str(&install::manifests_json(&options()).expect("json")).expect("parses");
    assert_eq!(json["kind"], "List");
    assert_eq!(json["items"], Value::Array(manifests()));
}

#[test]
fn the_default_image_is_this_version() {
    assert_eq!(
        install::default_image(),
        format!("ghcr.io/drover-dev/drover:{}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn snapshot_of_the_install_without_the_crds() {
    // The CRDs are generated from the API types and checked above; the rest is snapshotted.
    let objects: Vec<Value> = manifests()
        .into_iter()
        .filter(|o| o["kind"] != "CustomResourceDefinition")
        .collect();
    insta::assert_snapshot!(drover_yaml::to_yaml_documents(&objects));
}
