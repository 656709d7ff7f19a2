//! Listing claims and Environments, and finding one claim by name.

use drover_kube::fleet::{FleetError, Scope, find_claim, list_claims, list_environments};
use serde_json::json;

use crate::fake::FakeApi;
use crate::{claim, status};

fn names(claims: &[drover_api::WorkloadCluster]) -> Vec<String> {
    let mut names: Vec<String> = claims
        .iter()
        .map(|c| {
            format!(
                "{}/{}",
                c.metadata.namespace.as_deref().unwrap_or_default(),
                c.metadata.name.as_deref().unwrap_or_default()
            )
        })
        .collect();
    names.sort();
    names
}

fn fleet() -> FakeApi {
    let fake = FakeApi::new();
    for (namespace, name) in [
        ("team-a", "a1"),
        ("team-a", "a2"),
        ("team-b", "b1"),
        ("team-b", "b2"),
        ("team-c", "c1"),
        ("team-c", "c2"),
        ("team-c", "c3"),
    ] {
        fake.insert(claim(namespace, name, "dev", Some("Ready")));
    }
    fake
}

#[tokio::test]
async fn every_page_is_read() {
    let fake = fleet();
    let claims = list_claims(&fake.client(), &Scope::All, None, 3)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(claims.len(), 7);
    let lists: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/apis/drover.dev/v1alpha1/workloadclusters")
        .collect();
    assert_eq!(lists.len(), 3, "7 claims in pages of 3");
    assert!(
        lists
            .iter()
            .all(|r| r.query.get("limit").map(String::as_str) == Some("3"))
    );
    assert_eq!(lists[0].query.get("continue"), None);
    assert_eq!(
        lists[1].query.get("continue").map(String::as_str),
        Some("3")
    );
    assert_eq!(
        lists[2].query.get("continue").map(String::as_str),
        Some("6")
    );
    fake.assert_clean();
}

#[tokio::test]
async fn an_expired_continue_token_restarts_the_list() {
    let fake = fleet();
    // The second page's token has expired: 410 Gone, as after etcd compaction.
    fake.fail_with_query(
        "GET",
        "/workloadclusters",
        "continue",
        410,
        status(410, "Expired", "the provided continue parameter is too old"),
        1,
    );
    let first = list_claims(&fake.client(), &Scope::All, None, 4).await;
    assert_eq!(first.map(|c| c.len()).ok(), Some(7));
    let pages: Vec<Option<String>> = fake
        .requests()
        .into_iter()
        .map(|r| r.query.get("continue").cloned())
        .collect();
    // Page 1, page 2 (expired), page 1 again, page 2.
    assert_eq!(pages, [None, Some("4".into()), None, Some("4".into())]);
}

#[tokio::test]
async fn selectors_and_namespaces_narrow_the_list() {
    let fake = fleet();
    let client = fake.client();
    let team_b = list_claims(&client, &Scope::All, Some("team=b"), 500)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(names(&team_b), ["team-b/b1", "team-b/b2"]);
    let requests = fake.requests();
    let last = requests.last().unwrap_or_else(|| panic!("a request"));
    assert_eq!(
        last.query.get("labelSelector").map(String::as_str),
        Some("team=b")
    );
    let team_c = list_claims(&client, &Scope::Namespace("team-c".into()), None, 500)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(names(&team_c), ["team-c/c1", "team-c/c2", "team-c/c3"]);
    let requests = fake.requests();
    let last = requests.last().unwrap_or_else(|| panic!("a request"));
    assert_eq!(
        last.path,
        "/apis/drover.dev/v1alpha1/namespaces/team-c/workloadclusters"
    );
}

#[tokio::test]
async fn refusals_and_missing_crds_say_what_is_wrong() {
    let fake = fleet();
    fake.fail(
        "GET",
        "/workloadclusters",
        403,
        status(
            403,
            "Forbidden",
            "workloadclusters.drover.dev is forbidden: User \"dev\" cannot list resource \"workloadclusters\" in API group \"drover.dev\" at the cluster scope",
        ),
        1,
    );
    let client = fake.client();
    let error = list_claims(&client, &Scope::All, None, 500).await.err();
    let message = error.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.starts_with("not allowed to list WorkloadClusters in all namespaces (workloadclusters.drover.dev is forbidden: User \"dev\" cannot list"),
        "{message}"
    );

    // A resource the API server does not serve answers a plain-text 404.
    fake.fail("GET", "/environments", 404, json!("404 page not found"), 1);
    let error = list_environments(&client, 500).await.err();
    assert!(
        matches!(&error, Some(FleetError::NotServed { resource }) if resource == "environments.drover.dev"),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_claim_is_found_by_name_across_namespaces() {
    let fake = fleet();
    let client = fake.client();
    let found = find_claim(&client, "b2", None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(found.metadata.namespace.as_deref(), Some("team-b"));
    let requests = fake.requests();
    let last = requests.last().unwrap_or_else(|| panic!("a request"));
    assert_eq!(
        last.query.get("fieldSelector").map(String::as_str),
        Some("metadata.name=b2")
    );

    let missing = find_claim(&client, "zz", None).await.err();
    assert_eq!(
        missing.map(|e| e.to_string()).as_deref(),
        Some("no WorkloadCluster named `zz` in all namespaces")
    );
    let wrong_namespace = find_claim(&client, "b2", Some("team-a")).await.err();
    assert_eq!(
        wrong_namespace.map(|e| e.to_string()).as_deref(),
        Some("no WorkloadCluster named `b2` in namespace team-a")
    );
    let narrowed = find_claim(&client, "b2", Some("team-b")).await;
    assert!(narrowed.is_ok());
}

#[tokio::test]
async fn a_name_in_two_namespaces_asks_for_one() {
    let fake = fleet();
    fake.insert(claim("team-z", "b2", "dev", None));
    let error = find_claim(&fake.client(), "b2", None).await.err();
    assert_eq!(
        error.map(|e| e.to_string()).as_deref(),
        Some("WorkloadClusters named `b2` exist in namespaces team-b, team-z: choose one with -n")
    );
}

#[tokio::test]
async fn no_cluster_wide_list_permission_suggests_a_namespace() {
    let fake = fleet();
    fake.fail(
        "GET",
        "/apis/drover.dev/v1alpha1/workloadclusters",
        403,
        status(
            403,
            "Forbidden",
            "cannot list workloadclusters at the cluster scope",
        ),
        1,
    );
    let error = find_claim(&fake.client(), "b2", None).await.err();
    assert_eq!(
        error.map(|e| e.to_string()).as_deref(),
        Some(
            "not allowed to list WorkloadClusters named b2 in all namespaces (cannot list workloadclusters at the cluster scope; name the namespace with -n)"
        )
    );
}
