//! `drover preflight` against the fake API server: a management cluster ready for the example
//! fleet passes every check; each kind of gap (a CRD at another version, a missing group, a
//! missing namespace, a missing permission, a missing credential Secret, reviews forbidden) is
//! one ✗ with its fix.

#[allow(dead_code)]
#[path = "../reconcile/fake/mod.rs"]
mod fake;

use std::path::Path;

use drover_core::fleet::load_dir;
use drover_core::management::requirements::{KUBEVIRT_KINDS, Requirements, requirements};
use drover_core::pipeline;
use drover_core::render::order::KINDS;
use drover_kube::install::{self, InstallOptions};
use drover_kube::preflight::{Check, PreflightOptions, Report, Section, preflight};
use fake::FakeApi;
use serde_json::json;

fn example_requirements() -> Requirements {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/fleet");
    let fleet = load_dir(&dir).expect("example fleet loads");
    let validation = pipeline::validate(&fleet);
    assert!(validation.is_valid());
    requirements(&fleet, &validation.clusters).expect("requirements")
}

fn options() -> PreflightOptions {
    PreflightOptions {
        controller_namespace: "drover-system".to_owned(),
        lease_name: InstallOptions::default().lease_name,
        fleet_dir: "examples/fleet".to_owned(),
    }
}

/// A management cluster with every provider, KubeVirt, CAAPH, Argo CD, drover's install and the
/// credential Secrets the fleet names.
fn ready(requirements: &Requirements) -> FakeApi {
    let fake = FakeApi::new();
    for info in KINDS {
        fake.serve(info.api_version, info.kind, info.plural, info.namespaced);
    }
    for kind in &requirements.kinds {
        fake.serve(&kind.api_version, &kind.kind, &kind.plural, true);
    }
    for (kind, api_version, plural) in KUBEVIRT_KINDS {
        fake.serve(api_version, kind, plural, true);
    }
    for object in install::manifests(&InstallOptions::default()).expect("manifests") {
        if object["kind"] != "CustomResourceDefinition" {
            fake.insert(object);
        }
    }
    fake.insert(
        json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": "argocd" } }),
    );
    for secret in &requirements.secrets {
        fake.insert(json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": { "name": secret.name, "namespace": secret.namespace },
            "data": { "anything": "c2VjcmV0" },
        }));
    }
    fake
}

async fn run(fake: &FakeApi, requirements: &Requirements) -> Report {
    let report = preflight(&fake.client(), requirements, &options())
        .await
        .expect("preflight runs");
    fake.assert_clean();
    report
}

fn failures(report: &Report) -> Vec<&Check> {
    report.failures().collect()
}

#[tokio::test]
async fn a_ready_management_cluster_passes_every_check_reading_only() {
    let needs = example_requirements();
    let fake = ready(&needs);
    let report = run(&fake, &needs).await;
    assert!(report.passed(), "{}", report.text());
    let sections: Vec<Section> = report.checks.iter().map(|c| c.section).collect();
    for section in [
        Section::Crds,
        Section::Addons,
        Section::ArgoCd,
        Section::Rbac,
        Section::Providers,
    ] {
        assert!(sections.contains(&section), "{section:?} checked");
    }
    // Nothing is written: discovery and GETs, plus reviews (which the server does not store).
    for request in fake.requests() {
        assert!(
            request.method == "GET" || request.kind == "subjectaccessreviews",
            "unexpected {}",
            request.line()
        );
    }
    // Discovery: /apis once, then one request per group version, not per kind.
    let counts = fake.counts();
    assert_eq!(
        counts.get(&("list".to_owned(), "/apis".to_owned())),
        Some(&1)
    );
    let secrets_read = fake
        .requests()
        .iter()
        .filter(|r| r.kind == "Secret")
        .count();
    assert_eq!(secrets_read, needs.secrets.len(), "one GET per Secret");
    let text = report.text();
    assert!(
        text.contains("✓ KubevirtCluster infrastructure.cluster.x-k8s.io/v1alpha1"),
        "{text}"
    );
    assert!(
        text.ends_with("failed: the management cluster is ready for this fleet\n"),
        "{text}"
    );
}

#[tokio::test]
async fn a_crd_at_another_version_is_one_failure_naming_the_provider() {
    let needs = example_requirements();
    let fake = ready(&needs);
    fake.serve(
        "infrastructure.cluster.x-k8s.io/v1alpha2",
        "KubevirtCluster",
        "kubevirtclusters",
        true,
    );
    let report = run(&fake, &needs).await;
    let failed = failures(&report);
    assert_eq!(failed.len(), 1, "{}", report.text());
    let check = failed[0];
    assert_eq!(check.section, Section::Crds);
    assert!(
        check
            .title
            .starts_with("KubevirtCluster infrastructure.cluster.x-k8s.io/v1alpha1")
    );
    assert!(
        check.detail.as_deref().is_some_and(|d| d.starts_with(
            "infrastructure.cluster.x-k8s.io/v1alpha1 is served, but not KubevirtCluster"
        ) && d.contains("cluster payments-prod")),
        "{check:?}"
    );
    assert!(
        check
            .fix
            .as_deref()
            .is_some_and(|f| f.contains("InfrastructureProvider/kubevirt v0.11.2")
                && f.contains("drover bootstrap examples/fleet")),
        "{check:?}"
    );
}

#[tokio::test]
async fn without_caaph_the_addons_check_fails() {
    let needs = example_requirements();
    let fake = ready(&needs);
    fake.unserve("HelmChartProxy");
    fake.unserve("ClusterResourceSet");
    let report = run(&fake, &needs).await;
    let failed = failures(&report);
    let sections: Vec<Section> = failed.iter().map(|c| c.section).collect();
    assert_eq!(
        sections,
        [Section::Crds, Section::Addons],
        "{}",
        report.text()
    );
    let caaph = failed[1];
    assert!(
        caaph
            .title
            .starts_with("CAAPH serves HelmChartProxy addons.cluster.x-k8s.io/v1alpha1")
    );
    assert!(
        caaph
            .detail
            .as_deref()
            .is_some_and(|d| d.starts_with("the API group addons.cluster.x-k8s.io is not served")),
        "{caaph:?}"
    );
    assert!(
        caaph
            .fix
            .as_deref()
            .is_some_and(|f| f.contains("AddonProvider/helm v0.6.4"))
    );
}

#[tokio::test]
async fn a_missing_argocd_namespace_fails() {
    let needs = example_requirements();
    let fake = ready(&needs);
    fake.remove("Namespace", "", "argocd");
    let report = run(&fake, &needs).await;
    let failed = failures(&report);
    assert_eq!(failed.len(), 1, "{}", report.text());
    assert_eq!(failed[0].section, Section::ArgoCd);
    assert!(failed[0].title.starts_with("namespace argocd exists"));
    assert!(
        failed[0]
            .fix
            .as_deref()
            .is_some_and(|f| f.starts_with("install Argo CD into argocd"))
    );
}

#[tokio::test]
async fn a_missing_permission_fails_naming_it() {
    let needs = example_requirements();
    let fake = ready(&needs);
    fake.update("ClusterRole", "", install::NAME, |role| {
        for rule in role["rules"].as_array_mut().expect("rules") {
            if let Some(resources) = rule["resources"].as_array_mut() {
                resources.retain(|r| r != "kubevirtclusters");
            }
        }
    });
    let report = run(&fake, &needs).await;
    let failed = failures(&report);
    assert_eq!(failed.len(), 1, "{}", report.text());
    let check = failed[0];
    assert_eq!(check.section, Section::Rbac);
    assert!(
        check
            .title
            .contains("system:serviceaccount:drover-system:drover: cluster-wide")
    );
    let detail = check.detail.as_deref().unwrap_or_default();
    assert!(detail.starts_with("denied 6 of "), "{detail}");
    assert!(
        detail.contains("create kubevirtclusters.infrastructure.cluster.x-k8s.io"),
        "{detail}"
    );
    assert!(
        check
            .fix
            .as_deref()
            .is_some_and(|f| f.contains("drover install --namespace drover-system"))
    );
}

#[tokio::test]
async fn a_missing_argocd_role_binding_fails_for_that_namespace() {
    let needs = example_requirements();
    let fake = ready(&needs);
    fake.remove("RoleBinding", "argocd", "drover-argocd-clusters");
    let report = run(&fake, &needs).await;
    let failed = failures(&report);
    assert_eq!(failed.len(), 1, "{}", report.text());
    assert!(
        failed[0]
            .title
            .contains("Argo CD cluster Secrets in argocd")
    );
    assert!(
        failed[0]
            .fix
            .as_deref()
            .is_some_and(|f| f.contains("--argocd-namespace argocd"))
    );
}

#[tokio::test]
async fn a_missing_credential_secret_fails() {
    let needs = example_requirements();
    let fake = ready(&needs);
    fake.remove("Secret", "capa-system", "aws-variables");
    let report = run(&fake, &needs).await;
    let failed = failures(&report);
    assert_eq!(failed.len(), 1, "{}", report.text());
    assert_eq!(failed[0].section, Section::Providers);
    assert_eq!(failed[0].title, "Secret capa-system/aws-variables exists");
    // Secrets are read as metadata only: their content never reaches drover.
    let secret_reads: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.kind == "Secret")
        .collect();
    assert!(!secret_reads.is_empty());
}

#[tokio::test]
async fn kubevirt_not_installed_fails_for_kubevirt_infrastructures() {
    let needs = example_requirements();
    let fake = ready(&needs);
    fake.unserve("VirtualMachine");
    fake.unserve("DataVolume");
    let report = run(&fake, &needs).await;
    let titles: Vec<&str> = failures(&report).iter().map(|c| c.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "KubeVirt Infrastructures: VirtualMachine kubevirt.io/v1 served",
            "KubeVirt Infrastructures: DataVolume cdi.kubevirt.io/v1beta1 served",
        ]
    );
}

#[tokio::test]
async fn forbidden_reviews_are_one_failure_not_hundreds() {
    let needs = example_requirements();
    let fake = ready(&needs);
    fake.fail(
        "POST",
        "/subjectaccessreviews",
        403,
        json!({ "kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Forbidden",
                "message": "subjectaccessreviews.authorization.k8s.io is forbidden", "code": 403 }),
        10_000,
    );
    let report = run(&fake, &needs).await;
    let rbac: Vec<&Check> = report
        .checks
        .iter()
        .filter(|c| c.section == Section::Rbac)
        .collect();
    assert_eq!(rbac.len(), 1);
    assert!(!rbac[0].ok);
    assert!(
        rbac[0]
            .fix
            .as_deref()
            .is_some_and(|f| f.contains("create subjectaccessreviews"))
    );
}

#[tokio::test]
async fn the_report_as_json_and_text() {
    let needs = example_requirements();
    let fake = ready(&needs);
    fake.remove("Namespace", "", "argocd");
    let report = run(&fake, &needs).await;
    let json = report.json();
    assert_eq!(json["passed"], false);
    let failed: Vec<&serde_json::Value> = json["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["ok"] == false)
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["section"], "argoCd");
    assert!(failed[0]["fix"].is_string());
    let text = report.text();
    assert!(text.contains("  ✗ namespace argocd exists"), "{text}");
    assert!(
        text.contains("      fix: install Argo CD into argocd"),
        "{text}"
    );
    assert!(text.contains("  ✓ "), "{text}");
    assert!(text.ends_with(", 1 failed\n"), "{text}");
}
