//! `drover hibernate` / `drover wake`: `spec.hibernated` by server-side apply with the CLI's own
//! field manager, the request time stamped, and a field another manager owns not taken over
//! without `--force`.

use std::time::{Duration, SystemTime};

use drover_api::labels;
use drover_kube::fleet::{CLI_FIELD_MANAGER, FleetError, request_hibernation};
use kube::api::{Api, Patch, PatchParams};
use serde_json::json;

use crate::claim;
use crate::fake::FakeApi;

fn at(seconds: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
}

fn stored(fake: &FakeApi) -> drover_api::WorkloadCluster {
    serde_json::from_value(fake.get("WorkloadCluster", "team-a", "web").expect("claim"))
        .expect("parses")
}

#[tokio::test]
async fn hibernate_sets_the_field_and_stamps_the_request_time() {
    let fake = FakeApi::new();
    fake.insert(claim("team-a", "web", "dev", Some("Ready")));
    let claim = stored(&fake);
    let result = request_hibernation(&fake.client(), &claim, true, at(1_767_225_600), false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(result.spec.hibernated, Some(true));
    let claim = stored(&fake);
    assert_eq!(claim.spec.hibernated, Some(true));
    assert_eq!(
        claim.spec.environment, "dev",
        "the rest of the spec is kept"
    );
    assert_eq!(
        claim
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(labels::HIBERNATION_REQUESTED_AT))
            .map(String::as_str),
        Some("2026-01-01T00:00:00Z")
    );
    let writes: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .collect();
    assert_eq!(writes.len(), 1);
    assert_eq!(writes[0].verb, "apply");
    assert_eq!(
        writes[0].query.get("fieldManager").map(String::as_str),
        Some(CLI_FIELD_MANAGER)
    );
    assert_eq!(writes[0].query.get("force"), None, "no force by default");
}

#[tokio::test]
async fn a_field_a_gitops_tool_owns_is_only_taken_over_with_force() {
    let fake = FakeApi::new();
    fake.insert(claim("team-a", "web", "dev", Some("Ready")));
    let api: Api<drover_api::WorkloadCluster> = Api::namespaced(fake.client(), "team-a");
    let git = json!({
        "apiVersion": "drover.dev/v1alpha1", "kind": "WorkloadCluster",
        "metadata": { "name": "web", "namespace": "team-a" },
        "spec": { "environment": "dev", "infrastructure": "baremetal-kubevirt", "hibernated": true },
    });
    api.patch(
        "web",
        &PatchParams::apply("argocd-controller"),
        &Patch::Apply(git),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let claim = stored(&fake);

    let refused = request_hibernation(&fake.client(), &claim, false, at(1_767_225_600), false)
        .await
        .expect_err("the field is Argo CD's");
    assert!(
        matches!(refused, FleetError::Conflict { .. }),
        "{refused:?}"
    );
    let message = refused.to_string();
    assert!(
        message.contains("commit the change to the fleet repository")
            && message.contains("--force"),
        "{message}"
    );
    assert_eq!(stored(&fake).spec.hibernated, Some(true), "unchanged");

    request_hibernation(&fake.client(), &claim, false, at(1_767_225_600), true)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(stored(&fake).spec.hibernated, Some(false));
}
