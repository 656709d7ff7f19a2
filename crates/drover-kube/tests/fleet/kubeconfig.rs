//! Reading a workload cluster's kubeconfig from CAPI's Secret, and the messages when it cannot.

use drover_kube::fleet::{KubeconfigReadError, read_kubeconfig};
use serde_json::json;

use crate::fake::FakeApi;
use crate::{claim, status};

const KUBECONFIG: &str = "apiVersion: v1\nkind: Config\nclusters: []\n";

fn secret(with_value: bool) -> serde_json::Value {
    let data = if with_value {
        json!({ "value": "YXBpVmVyc2lvbjogdjEKa2luZDogQ29uZmlnCmNsdXN0ZXJzOiBbXQo=" })
    } else {
        json!({ "other": "eA==" })
    };
    json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": { "name": "payments-kubeconfig", "namespace": "payments-cluster" },
        "type": "cluster.x-k8s.io/secret",
        "data": data,
    })
}

#[tokio::test]
async fn the_kubeconfig_is_the_secrets_value() {
    let fake = FakeApi::new();
    fake.insert(secret(true));
    let kubeconfig = read_kubeconfig(&fake.client(), "payments", None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(kubeconfig.bytes(), KUBECONFIG.as_bytes());
    assert!(!format!("{kubeconfig:?}").contains("Config"));
    let requests = fake.requests();
    assert_eq!(
        requests.iter().map(|r| r.line()).collect::<Vec<_>>(),
        ["GET /api/v1/namespaces/payments-cluster/secrets/payments-kubeconfig"]
    );
}

#[tokio::test]
async fn rbac_refusal_says_which_permission_is_missing() {
    let fake = FakeApi::new();
    fake.insert(secret(true));
    fake.fail(
        "GET",
        "/secrets/payments-kubeconfig",
        403,
        status(
            403,
            "Forbidden",
            "secrets \"payments-kubeconfig\" is forbidden: User \"dev\" cannot get resource \"secrets\" in API group \"\" in the namespace \"payments-cluster\"",
        ),
        1,
    );
    let error = read_kubeconfig(&fake.client(), "payments", None)
        .await
        .err();
    assert!(matches!(error, Some(KubeconfigReadError::Forbidden { .. })));
    assert_eq!(
        error.map(|e| e.to_string()).as_deref(),
        Some(
            "not allowed to read Secret payments-cluster/payments-kubeconfig: reading a cluster's kubeconfig needs `get` on secrets in namespace payments-cluster (secrets \"payments-kubeconfig\" is forbidden: User \"dev\" cannot get resource \"secrets\" in API group \"\" in the namespace \"payments-cluster\")"
        )
    );
}

#[tokio::test]
async fn a_missing_secret_is_explained_by_the_claim() {
    let fake = FakeApi::new();
    fake.insert(claim("team-a", "payments", "dev", Some("Provisioning")));
    let error = read_kubeconfig(&fake.client(), "payments", None)
        .await
        .err();
    assert_eq!(
        error.map(|e| e.to_string()).as_deref(),
        Some(
            "Secret payments-cluster/payments-kubeconfig does not exist: the cluster is not provisioned yet (WorkloadCluster phase: Provisioning)"
        )
    );
    let error = read_kubeconfig(&fake.client(), "nosuch", None).await.err();
    assert_eq!(
        error.map(|e| e.to_string()).as_deref(),
        Some("no cluster named `nosuch`: no kubeconfig Secret and no WorkloadCluster of that name")
    );
}

#[tokio::test]
async fn a_secret_without_value_is_not_a_kubeconfig() {
    let fake = FakeApi::new();
    fake.insert(secret(false));
    let error = read_kubeconfig(&fake.client(), "payments", None)
        .await
        .err();
    assert!(
        matches!(error, Some(KubeconfigReadError::MissingKey { .. })),
        "{error:?}"
    );
}
