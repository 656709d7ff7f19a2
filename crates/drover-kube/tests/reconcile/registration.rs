//! CAPI's kubeconfig → Argo CD cluster Secret (server-side apply), KCCM restart on rotation, and
//! no credentials anywhere else.

use std::collections::BTreeMap;

use drover_api::workload_cluster::{ArgoCdSpec, GitOpsSpec};
use drover_api::{ConditionStatus, ConditionType, Phase};
use k8s_openapi::ByteString;
use serde_json::Value;

use crate::fake::Recorded;
use crate::fixtures::{CERT_DATA, KEY_DATA, STATUS_PATH, World, claim, lines};

const SECRET_PATH: &str = "/api/v1/namespaces/argocd/secrets/drover-payments";
const KCCM_PATH: &str = "/apis/apps/v1/namespaces/payments-cluster/deployments/payments-kccm";
const HASH: &str = "drover.dev/kubeconfig-hash";

fn decode(value: &Value) -> String {
    let bytes: ByteString = serde_json::from_value(value.clone()).expect("base64");
    String::from_utf8(bytes.0).expect("utf-8")
}

fn hash_of(request: &Recorded) -> String {
    request.body["spec"]["template"]["metadata"]["annotations"][HASH]
        .as_str()
        .expect("hash")
        .to_owned()
}

/// Fails if credentials appear in any request but the Secret's apply, or in the stored claim.
fn assert_no_credentials_leak(world: &World, config_b64: &str) {
    for request in world
        .fake
        .requests()
        .iter()
        .filter(|r| r.path != SECRET_PATH)
    {
        let text = request.body.to_string();
        for secret in [KEY_DATA, CERT_DATA, config_b64] {
            assert!(
                !text.contains(secret),
                "{} carries credentials",
                request.line()
            );
        }
    }
    let claim = serde_json::to_string(&*world.claim()).expect("claim");
    assert!(
        !claim.contains(KEY_DATA) && !claim.contains(CERT_DATA),
        "status or spec carries credentials"
    );
}

#[tokio::test]
async fn the_kubeconfig_registers_the_cluster_in_argocd_by_server_side_apply() {
    let world = World::new(claim());
    world.settle().await;
    world.capi_reports_ready();
    world.capi_writes_kubeconfig(KEY_DATA);
    world.reconcile().await.expect("reconcile succeeds");

    let writes = world.fake.writes();
    assert_eq!(
        lines(&writes),
        [
            format!("PATCH {KCCM_PATH}"),
            format!("PATCH {SECRET_PATH}"),
            format!("PATCH {STATUS_PATH}")
        ],
        "KCCM restarted with the kubeconfig hash, the Secret, the status"
    );
    assert_eq!(hash_of(&writes[0]).len(), 16);

    let secret = &writes[1];
    assert!(secret.is_apply(), "server-side apply only");
    assert_eq!(
        secret.query.get("fieldManager").map(String::as_str),
        Some("drover")
    );
    let body = &secret.body;
    assert_eq!(
        body["metadata"]["labels"]["argocd.argoproj.io/secret-type"],
        "cluster"
    );
    assert_eq!(
        body["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "drover"
    );
    assert_eq!(body["metadata"]["labels"]["drover.dev/cluster"], "payments");
    let annotations: Vec<&String> = body["metadata"]["annotations"]
        .as_object()
        .map(|a| a.keys().collect())
        .unwrap_or_default();
    assert_eq!(
        annotations,
        ["drover.dev/applied-hash"],
        "no last-applied-configuration: only the hash of the render"
    );
    assert!(body.get("stringData").is_none());
    assert_eq!(decode(&body["data"]["name"]), "payments");
    assert_eq!(
        decode(&body["data"]["server"]),
        "https://192.168.0.225:6443"
    );
    let config: Value =
        serde_json::from_str(&decode(&body["data"]["config"])).expect("config JSON");
    assert_eq!(config["tlsClientConfig"]["keyData"], KEY_DATA);
    assert_eq!(config["tlsClientConfig"]["certData"], CERT_DATA);
    assert_eq!(config["tlsClientConfig"]["caData"], "Q0EtREFUQQ==");

    let status = world.claim().status.clone().expect("status");
    assert_eq!(status.phase, Some(Phase::Ready), "{status:#?}");
    assert_eq!(
        status.endpoint.as_deref(),
        Some("https://192.168.0.225:6443")
    );
    for type_ in [
        ConditionType::KubeconfigExported,
        ConditionType::Registered,
        ConditionType::Ready,
    ] {
        let condition = status
            .conditions
            .iter()
            .find(|c| c.type_ == type_)
            .expect("condition");
        assert_eq!(condition.status, ConditionStatus::True, "{type_:?}");
    }
    let config_b64 = body["data"]["config"].as_str().expect("base64").to_owned();
    assert_no_credentials_leak(&world, &config_b64);

    world.reconcile().await.expect("no-op");
    assert!(
        world.fake.writes().is_empty(),
        "registered and unchanged: {:#?}",
        lines(&world.fake.writes())
    );
}

#[tokio::test]
async fn a_rotated_kubeconfig_resyncs_the_secret_and_restarts_the_kccm() {
    let world = World::new(claim());
    world.settle().await;
    world.capi_writes_kubeconfig(KEY_DATA);
    world.reconcile().await.expect("register");
    let first_hash = hash_of(&world.fake.writes()[0]);

    world.capi_writes_kubeconfig("TkVXLUtFWQ==");
    // The controller may not watch Secrets: a rotation is noticed once its read expires.
    world.reconcile().await.expect("resync");
    assert!(world.fake.writes().is_empty(), "not noticed yet");
    world.secret_refresh_passes();
    world.reconcile().await.expect("resync");
    let writes = world.fake.writes();
    assert_eq!(
        lines(&writes),
        [format!("PATCH {KCCM_PATH}"), format!("PATCH {SECRET_PATH}")],
        "status unchanged"
    );
    assert_ne!(hash_of(&writes[0]), first_hash);
    let config: Value =
        serde_json::from_str(&decode(&writes[1].body["data"]["config"])).expect("config");
    assert_eq!(config["tlsClientConfig"]["keyData"], "TkVXLUtFWQ==");
    let events = serde_json::to_string(&world.fake.events()).expect("events");
    assert!(
        !events.contains("TkVXLUtFWQ=="),
        "events never carry credentials"
    );
}

#[tokio::test]
async fn the_claims_argocd_namespace_and_labels_are_used_and_disabling_unregisters() {
    let mut custom = claim();
    custom.spec.gitops = Some(GitOpsSpec {
        argocd: Some(ArgoCdSpec {
            namespace: Some("gitops".to_owned()),
            labels: Some(BTreeMap::from([("team".to_owned(), "payments".to_owned())])),
            enabled: None,
        }),
    });
    let world = World::new(custom);
    world.settle().await;
    world.capi_writes_kubeconfig(KEY_DATA);
    world.reconcile().await.expect("register");
    let path = "/api/v1/namespaces/gitops/secrets/drover-payments";
    let secret = world
        .fake
        .writes()
        .into_iter()
        .find(|w| w.path == path)
        .expect("secret in gitops");
    assert_eq!(secret.body["metadata"]["labels"]["team"], "payments");

    // A label the claim no longer asks for is dropped: drover's managed fields show it owned it.
    world.edit_claim(|c| {
        if let Some(argocd) = c.spec.gitops.as_mut().and_then(|g| g.argocd.as_mut()) {
            argocd.labels = None;
        }
    });
    world.reconcile().await.expect("relabel");
    assert_eq!(
        lines(&world.fake.writes()),
        [format!("PATCH {path}"), format!("PATCH {STATUS_PATH}")]
    );
    let live = world
        .fake
        .get("Secret", "gitops", "drover-payments")
        .expect("secret");
    assert!(
        live["metadata"]["labels"].get("team").is_none(),
        "{}",
        live["metadata"]["labels"]
    );

    world.edit_claim(|c| {
        if let Some(argocd) = c.spec.gitops.as_mut().and_then(|g| g.argocd.as_mut()) {
            argocd.enabled = Some(false);
        }
    });
    world.reconcile().await.expect("unregister");
    let writes = world.fake.writes();
    assert_eq!(
        lines(&writes),
        [format!("DELETE {path}"), format!("PATCH {STATUS_PATH}")]
    );
    let status = world.claim().status.clone().expect("status");
    assert!(
        status
            .conditions
            .iter()
            .all(|c| c.type_ != ConditionType::Registered)
    );
}

#[tokio::test]
async fn an_unreadable_kubeconfig_is_reported_without_its_content() {
    let world = World::new(claim());
    world.settle().await;
    world.capi_reports_ready();
    world.fake.insert(serde_json::json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": { "name": "payments-kubeconfig", "namespace": "payments-cluster" },
        "data": { "value": ByteString(format!("clusters: [ {{ {KEY_DATA}").into_bytes()) },
    }));
    world.secret_refresh_passes();
    world.reconcile().await.expect("not a reconcile error");
    assert!(
        !world
            .fake
            .writes()
            .iter()
            .any(|w| w.path.contains("/secrets/"))
    );
    let status = world.claim().status.clone().expect("status");
    let registered = status
        .conditions
        .iter()
        .find(|c| c.type_ == ConditionType::Registered)
        .expect("Registered");
    assert_eq!(
        (registered.status, registered.reason.as_str()),
        (ConditionStatus::False, "RegistrationFailed")
    );
    assert_no_credentials_leak(&world, "unused");
}
