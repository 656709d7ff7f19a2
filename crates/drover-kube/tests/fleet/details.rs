//! What `describe cluster` reads: the CAPI objects of the claim's cluster, the Argo CD Secret's
//! existence, the Environment; refusals become warnings, not failures.

use drover_api::WorkloadCluster;
use drover_core::fleetview::{DescribeOptions, RegistrationState, describe};
use drover_kube::fleet::{FleetError, cluster_details};
use serde_json::{Value, json};

use crate::fake::FakeApi;
use crate::{claim, status};

const NS: &str = "payments-cluster";

fn labelled(cluster: &str, extra: Value) -> Value {
    let mut labels = json!({ "cluster.x-k8s.io/cluster-name": cluster });
    if let (Some(labels), Some(extra)) = (labels.as_object_mut(), extra.as_object()) {
        labels.extend(extra.clone());
    }
    labels
}

fn ready(type_: &str) -> Value {
    json!([{ "type": type_, "status": "True", "reason": type_,
             "lastTransitionTime": "2026-01-05T09:30:00Z" }])
}

/// A management cluster with the claim `team-a/payments` (dev), its Environment, its CAPI objects
/// (Cluster, KubevirtCluster, KubeadmControlPlane, MachineDeployment md-0, two Machines), a Machine
/// of another cluster in the same namespace, and the Argo CD cluster Secret.
fn world() -> (FakeApi, WorkloadCluster) {
    let fake = FakeApi::new();
    let claim_object = claim("team-a", "payments", "dev", Some("Ready"));
    fake.insert(claim_object.clone());
    fake.insert(claim("team-b", "other", "dev", Some("Provisioning")));
    fake.insert(json!({
        "apiVersion": "drover.dev/v1alpha1", "kind": "Environment",
        "metadata": { "name": "dev" },
        "spec": { "kubernetesVersion": "v1.33.2" },
        "status": { "targetVersion": "v1.33.2" },
    }));
    fake.insert(json!({
        "apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "Cluster",
        "metadata": { "name": "payments", "namespace": NS, "labels": labelled("payments", json!({})) },
        "spec": {
            "controlPlaneRef": { "apiGroup": "controlplane.cluster.x-k8s.io", "kind": "KubeadmControlPlane", "name": "payments-control-plane" },
            "infrastructureRef": { "apiGroup": "infrastructure.cluster.x-k8s.io", "kind": "KubevirtCluster", "name": "payments" },
        },
        "status": { "conditions": ready("Available") },
    }));
    fake.insert(json!({
        "apiVersion": "infrastructure.cluster.x-k8s.io/v1alpha1", "kind": "KubevirtCluster",
        "metadata": { "name": "payments", "namespace": NS, "labels": labelled("payments", json!({})) },
        "status": { "ready": true },
    }));
    fake.insert(json!({
        "apiVersion": "controlplane.cluster.x-k8s.io/v1beta2", "kind": "KubeadmControlPlane",
        "metadata": { "name": "payments-control-plane", "namespace": NS, "labels": labelled("payments", json!({})) },
        "spec": { "replicas": 1, "version": "v1.33.2" },
        "status": { "readyReplicas": 1, "conditions": ready("Available") },
    }));
    fake.insert(json!({
        "apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "MachineDeployment",
        "metadata": { "name": "payments-md-0", "namespace": NS, "labels": labelled("payments", json!({})) },
        "spec": { "replicas": 1, "template": { "spec": { "version": "v1.33.2" } } },
        "status": { "readyReplicas": 1, "conditions": ready("Available") },
    }));
    for (name, cluster, owner) in [
        (
            "payments-control-plane-x1",
            "payments",
            json!({ "cluster.x-k8s.io/control-plane": "" }),
        ),
        (
            "payments-md-0-abc-y2",
            "payments",
            json!({ "cluster.x-k8s.io/deployment-name": "payments-md-0" }),
        ),
        (
            "stranger-md-0-abc-z3",
            "stranger",
            json!({ "cluster.x-k8s.io/deployment-name": "stranger-md-0" }),
        ),
    ] {
        fake.insert(json!({
            "apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "Machine",
            "metadata": { "name": name, "namespace": NS, "labels": labelled(cluster, owner) },
            "spec": { "version": "v1.33.2" },
            "status": { "phase": "Running", "conditions": ready("Ready") },
        }));
    }
    fake.insert(json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {
            "name": "drover-payments", "namespace": "argocd",
            "creationTimestamp": "2026-01-05T09:40:00Z",
            "labels": { "argocd.argoproj.io/secret-type": "cluster" },
        },
        "data": { "config": "U0VDUkVULUNSRURFTlRJQUxT" },
    }));
    let claim: WorkloadCluster =
        serde_json::from_value(claim_object).unwrap_or_else(|e| panic!("{e}"));
    (fake, claim)
}

#[tokio::test]
async fn the_cluster_tree_is_read_by_reference_and_label() {
    let (fake, claim) = world();
    let details = cluster_details(&fake.client(), &claim, 500)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(details.warnings.is_empty(), "{:?}", details.warnings);
    let objects = &details.objects;
    let name = |o: &Option<Value>| {
        o.as_ref().map(|o| {
            format!(
                "{}/{}",
                o["kind"].as_str().unwrap_or("?"),
                o["metadata"]["name"].as_str().unwrap_or("?")
            )
        })
    };
    assert_eq!(name(&objects.cluster).as_deref(), Some("Cluster/payments"));
    assert_eq!(
        name(&objects.infrastructure).as_deref(),
        Some("KubevirtCluster/payments")
    );
    assert_eq!(
        name(&objects.control_plane).as_deref(),
        Some("KubeadmControlPlane/payments-control-plane")
    );
    assert_eq!(objects.machine_deployments.len(), 1);
    let machines: Vec<&str> = objects
        .machines
        .iter()
        .filter_map(|m| m["metadata"]["name"].as_str())
        .collect();
    assert_eq!(
        machines,
        ["payments-control-plane-x1", "payments-md-0-abc-y2"]
    );
    assert!(objects.machines.iter().all(|m| m["kind"] == "Machine"));
    assert_eq!(
        details.registration,
        RegistrationState::Registered {
            namespace: "argocd".to_owned(),
            name: "drover-payments".to_owned(),
            created: Some("2026-01-05T09:40:00Z".to_owned()),
        }
    );
    assert_eq!(
        details
            .environment
            .as_ref()
            .and_then(|e| e.metadata.name.as_deref()),
        Some("dev")
    );
    assert_eq!(details.fleet.len(), 2);

    // The MachinePool kind is not served by this management cluster: silently empty.
    assert!(objects.machine_pools.is_empty());

    // Machines are selected by CAPI's cluster-name label, in the cluster namespace.
    let requests = fake.requests();
    let machine_list = requests
        .iter()
        .find(|r| r.path == format!("/apis/cluster.x-k8s.io/v1beta2/namespaces/{NS}/machines"))
        .unwrap_or_else(|| panic!("machines listed"));
    assert_eq!(
        machine_list.query.get("labelSelector").map(String::as_str),
        Some("cluster.x-k8s.io/cluster-name=payments")
    );
    assert!(fake.writes().is_empty(), "describe only reads");

    // End to end: the description shows the tree and never the Secret's content.
    let description = describe(&details.input(&claim), DescribeOptions::default());
    let json = serde_json::to_string(&description).unwrap_or_default();
    assert!(!json.contains("U0VDUkVU"), "{json}");
    let text = description.render_text(std::time::SystemTime::now());
    for row in [
        "└─Cluster/payments",
        "  ├─ClusterInfrastructure - KubevirtCluster/payments",
        "  ├─ControlPlane - KubeadmControlPlane/payments-control-plane",
        "  │ └─Machine/payments-control-plane-x1",
        "  └─Workers",
        "    └─MachineDeployment/payments-md-0",
        "      └─Machine/payments-md-0-abc-y2",
    ] {
        assert!(text.lines().any(|l| l.starts_with(row)), "{row}\n{text}");
    }
    assert!(!text.contains("stranger"), "{text}");
}

#[tokio::test]
async fn refused_parts_become_warnings() {
    let (fake, claim) = world();
    fake.fail(
        "GET",
        &format!("/namespaces/{NS}/machines"),
        403,
        status(403, "Forbidden", "machines.cluster.x-k8s.io is forbidden"),
        1,
    );
    fake.fail(
        "GET",
        "/namespaces/argocd/secrets/drover-payments",
        403,
        status(403, "Forbidden", "secrets \"drover-payments\" is forbidden"),
        1,
    );
    fake.fail(
        "GET",
        "/apis/drover.dev/v1alpha1/environments/dev",
        403,
        status(
            403,
            "Forbidden",
            "environments.drover.dev \"dev\" is forbidden",
        ),
        1,
    );
    let details = cluster_details(&fake.client(), &claim, 500)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        details.warnings,
        [
            "not allowed to get Environment dev (environments.drover.dev \"dev\" is forbidden)",
            "not allowed to list Machines in payments-cluster (machines.cluster.x-k8s.io is forbidden)",
        ]
    );
    assert!(details.objects.machines.is_empty());
    assert!(details.objects.cluster.is_some());
    assert!(details.environment.is_none());
    assert_eq!(
        details.registration,
        RegistrationState::Unknown {
            namespace: "argocd".to_owned(),
            name: "drover-payments".to_owned(),
            reason: "not allowed to get Secrets there".to_owned(),
        }
    );
}

#[tokio::test]
async fn a_claim_not_yet_built_has_no_objects_and_a_missing_registration() {
    let fake = FakeApi::new();
    let object = claim("team-a", "fresh", "dev", Some("Pending"));
    fake.insert(object.clone());
    let claim: WorkloadCluster = serde_json::from_value(object).unwrap_or_else(|e| panic!("{e}"));
    let details = cluster_details(&fake.client(), &claim, 500)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(details.objects, Default::default());
    assert_eq!(details.warnings, ["Environment dev does not exist"]);
    assert_eq!(
        details.registration,
        RegistrationState::Missing {
            namespace: "argocd".to_owned(),
            name: "drover-fresh".to_owned(),
        }
    );
}

#[tokio::test]
async fn server_errors_fail_the_description() {
    let (fake, claim) = world();
    fake.fail(
        "GET",
        "/clusters/payments",
        500,
        status(500, "InternalError", "etcdserver: request timed out"),
        1,
    );
    let error = cluster_details(&fake.client(), &claim, 500).await.err();
    assert!(
        matches!(&error, Some(FleetError::Api { action, .. }) if action == "get Cluster payments-cluster/payments"),
        "{error:?}"
    );
}
