//! Builders for reconcile scenarios: a management cluster (the fake) holding an Environment, an
//! Infrastructure and a claim, a context with a fixed clock, and helpers that play CAPI's part.

use std::sync::Arc;
use std::time::Duration;

use drover_api::{WorkloadCluster, labels};
use drover_core::fixtures as core;
use drover_core::render::{Manifest, render_cluster};
use drover_kube::cache::{Caches, Feeder};
use drover_kube::resources::KINDS;
use drover_kube::{Context, ReconcileError, Settings};
use k8s_openapi::ByteString;
use k8s_openapi::jiff::Timestamp;
use kube::runtime::controller::Action;
use kube::runtime::events::Reporter;
use serde_json::{Value, json};

use crate::fake::route::default_served;
use crate::fake::{ChangeEvent, FakeApi, Recorded};

pub const NAMESPACE: &str = "team-a";
pub const NAME: &str = "payments";
pub const CLUSTER_NAMESPACE: &str = "payments-cluster";
/// Client key and certificate in the test kubeconfig: must never leak.
pub const KEY_DATA: &str = "S0VZLU1BVEVSSUFM";
pub const CERT_DATA: &str = "Q0VSVC1NQVRFUklBTA==";

/// The claim of the scenarios: `team-a/payments` in `dev`, one pool `md-0` of 2 `small`.
pub fn claim() -> WorkloadCluster {
    core::with_workers(core::claim(NAMESPACE, NAME, "dev"), &[("md-0", 2, "small")])
}

/// A controller context over `fake` whose watch caches hold what the fake stores and follow
/// every change it makes (through the fake's change hook, as the watches would, but at once), with
/// the kinds the fake does not serve marked not served.
pub fn context(fake: &FakeApi, settings: Settings) -> Context {
    let (caches, writers) = Caches::new();
    let caches = Arc::new(caches);
    let feeder = Arc::new(Feeder::new(writers));
    for object in fake.all_objects() {
        feeder.feed(&caches, &object, false);
    }
    let served: Vec<String> = default_served().into_iter().map(|s| s.kind).collect();
    let not_served: Vec<&str> = KINDS
        .iter()
        .map(|info| info.kind)
        .filter(|kind| !served.iter().any(|s| s == kind))
        .collect();
    feeder.mark_synced(&caches, &not_served);
    {
        let caches = Arc::clone(&caches);
        fake.on_change(move |change| {
            let deleted = matches!(change.event, ChangeEvent::Deleted);
            feeder.feed(&caches, &change.object, deleted);
        });
    }
    let reporter = Reporter {
        controller: "drover".into(),
        instance: Some("test".into()),
    };
    Context::new(fake.client(), reporter, settings, caches)
}

/// A management cluster with the Environment, the Infrastructure and a claim, and a context.
pub struct World {
    pub fake: FakeApi,
    pub ctx: Arc<Context>,
}

impl World {
    /// The default world with `claim`.
    pub fn new(claim: WorkloadCluster) -> Self {
        Self::with(claim, Settings::default(), true)
    }

    /// A world with given settings; `environment: false` leaves the Environment out.
    pub fn with(claim: WorkloadCluster, settings: Settings, environment: bool) -> Self {
        let fake = FakeApi::new();
        if environment {
            fake.insert(to_value(&core::environment("dev", "v1.32.1")));
        }
        fake.insert(to_value(&core::kubevirt_infrastructure()));
        fake.insert(to_value(&claim));
        let now = Timestamp::from_second(1_767_225_600).expect("fixed time");
        let ctx = context(&fake, settings).with_clock(move || now);
        Self {
            fake,
            ctx: Arc::new(ctx),
        }
    }

    /// The claim as stored now.
    pub fn claim(&self) -> Arc<WorkloadCluster> {
        let value = self
            .fake
            .get("WorkloadCluster", NAMESPACE, NAME)
            .expect("claim exists");
        Arc::new(serde_json::from_value(value).expect("claim parses"))
    }

    /// Edits the claim's spec and bumps its generation, as the API server would.
    pub fn edit_claim(&self, change: impl FnOnce(&mut WorkloadCluster)) {
        self.fake
            .update("WorkloadCluster", NAMESPACE, NAME, |value| {
                let mut claim: WorkloadCluster =
                    serde_json::from_value(value.clone()).expect("claim parses");
                change(&mut claim);
                let generation = claim.metadata.generation.unwrap_or(1) + 1;
                claim.metadata.generation = Some(generation);
                *value = to_value(&claim);
            });
    }

    /// Runs one reconcile of the stored claim (with a deadline: a request the fake never answers
    /// fails the test), after clearing the request log. Fails on protocol violations.
    pub async fn reconcile(&self) -> Result<Action, ReconcileError> {
        self.fake.clear_requests();
        let run = drover_kube::reconcile(self.claim(), Arc::clone(&self.ctx));
        let result = tokio::time::timeout(Duration::from_secs(10), run)
            .await
            .expect("reconcile finished in time");
        self.fake.assert_clean();
        result
    }

    /// Reconciles until a pass writes nothing (at most 4 passes).
    pub async fn settle(&self) {
        for _ in 0..4 {
            self.reconcile().await.expect("reconcile succeeds");
            if self.fake.writes().is_empty() {
                return;
            }
        }
        panic!(
            "still writing after 4 reconciles: {:#?}",
            lines(&self.fake.writes())
        );
    }

    /// Plays CAPI: the Cluster, control plane and MachineDeployments report ready.
    pub fn capi_reports_ready(&self) {
        capi_reports_ready(&self.fake, NAME);
    }

    /// As after [`Settings::secret_refresh`]: the controller no longer trusts what it read of
    /// Secrets (which it may only read by name, never watch) and reads them again.
    pub fn secret_refresh_passes(&self) {
        let secrets = self.ctx.caches().secrets();
        secrets.forget_namespace(CLUSTER_NAMESPACE);
        secrets.forget_namespace("argocd");
        secrets.forget_namespace("gitops");
    }

    /// Plays CAPI: writes (or rotates) `<cluster>-kubeconfig` with the given client key.
    pub fn capi_writes_kubeconfig(&self, key: &str) {
        capi_writes_kubeconfig(&self.fake, NAME, key);
    }
}

/// A kubeconfig as CAPI writes it.
pub fn kubeconfig(key: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: payments\n  cluster:\n    server: https://192.168.0.225:6443\n    certificate-authority-data: Q0EtREFUQQ==\ncontexts:\n- name: payments-admin@payments\n  context:\n    cluster: payments\n    user: payments-admin\ncurrent-context: payments-admin@payments\nusers:\n- name: payments-admin\n  user:\n    client-certificate-data: {CERT_DATA}\n    client-key-data: {key}\n"
    )
}

/// The objects drover renders for `claim` (the same pure code; used to check order and paths).
pub fn rendered(claim: &WorkloadCluster) -> Vec<Manifest> {
    let cluster = core::resolved(
        claim,
        &core::environment("dev", "v1.32.1"),
        &core::kubevirt_infrastructure(),
    );
    render_cluster(&cluster).expect("renders").objects
}

pub fn to_value<T: serde::Serialize>(object: &T) -> Value {
    serde_json::to_value(object).expect("serializes")
}

/// `METHOD path` of each request.
pub fn lines(requests: &[Recorded]) -> Vec<String> {
    requests.iter().map(Recorded::line).collect()
}

/// The URL path of `manifest`.
pub fn path_of(manifest: &Manifest) -> String {
    let info = drover_kube::resources::kind_info(manifest.kind()).expect("known kind");
    let prefix = if manifest.group().is_empty() {
        format!("/api/{}", manifest.api_version())
    } else {
        format!("/apis/{}", manifest.api_version())
    };
    if info.namespaced {
        format!(
            "{prefix}/namespaces/{}/{}/{}",
            manifest.namespace(),
            info.plural,
            manifest.name()
        )
    } else {
        format!("{prefix}/{}/{}", info.plural, manifest.name())
    }
}

/// Path of the claim.
pub const CLAIM_PATH: &str =
    "/apis/drover.dev/v1alpha1/namespaces/team-a/workloadclusters/payments";
/// Path of the claim's status.
pub const STATUS_PATH: &str =
    "/apis/drover.dev/v1alpha1/namespaces/team-a/workloadclusters/payments/status";

/// Plays CAPI for cluster `name`: the Cluster, control plane and MachineDeployments report
/// ready, with endpoint.
/// Plays CAPI for cluster `name`: the Cluster, control plane and MachineDeployments report
/// ready, with endpoint.
pub fn capi_reports_ready(fake: &FakeApi, name: &str) {
    let namespace = format!("{name}-cluster");
    fake.update("Cluster", &namespace, name, |cluster| {
        cluster["spec"]["controlPlaneEndpoint"] = json!({ "host": "192.168.0.225", "port": 6443 });
        cluster["status"] = json!({
            "initialization": { "infrastructureProvisioned": true, "controlPlaneInitialized": true },
            "conditions": [
                { "type": "InfrastructureReady", "status": "True", "reason": "Ready" },
                { "type": "ControlPlaneAvailable", "status": "True", "reason": "Available" },
                { "type": "WorkersAvailable", "status": "True", "reason": "Available" },
            ],
        });
    });
    let in_cluster = |object: &Value| object["metadata"]["namespace"] == namespace.as_str();
    for kcp in fake
        .all("KubeadmControlPlane")
        .iter()
        .filter(|o| in_cluster(o))
    {
        let kcp_name = kcp["metadata"]["name"].as_str().unwrap_or_default();
        fake.update("KubeadmControlPlane", &namespace, kcp_name, |kcp| {
            let replicas = kcp["spec"]["replicas"].clone();
            kcp["status"] = json!({ "replicas": replicas, "readyReplicas": replicas,
                "availableReplicas": replicas, "upToDateReplicas": replicas, "version": "v1.32.1" });
        });
    }
    for md in fake
        .all("MachineDeployment")
        .iter()
        .filter(|o| in_cluster(o))
    {
        let md_name = md["metadata"]["name"].as_str().unwrap_or_default();
        fake.update("MachineDeployment", &namespace, md_name, |md| {
            let replicas = md["spec"]["replicas"].clone();
            md["status"] = json!({ "replicas": replicas, "readyReplicas": replicas,
                "availableReplicas": replicas, "upToDateReplicas": replicas });
        });
    }
}

/// Plays CAPI for cluster `name`: writes (or rotates) `<name>-kubeconfig` with the given client
/// key. As on a real management cluster, the CAPI Cluster has its control-plane endpoint by then
/// (the kubeconfig names it).
pub fn capi_writes_kubeconfig(fake: &FakeApi, name: &str, key: &str) {
    let namespace = format!("{name}-cluster");
    if let Some(cluster) = fake.get("Cluster", &namespace, name)
        && cluster["spec"]["controlPlaneEndpoint"].is_null()
    {
        fake.update("Cluster", &namespace, name, |cluster| {
            cluster["spec"]["controlPlaneEndpoint"] =
                json!({ "host": "192.168.0.225", "port": 6443 });
        });
    }
    fake.insert(json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": { "name": format!("{name}-kubeconfig"), "namespace": namespace,
                      "labels": { labels::CAPI_CLUSTER_NAME: name } },
        "type": "cluster.x-k8s.io/secret",
        "data": { "value": ByteString(kubeconfig(key).into_bytes()) },
    }));
}

/// Replaces the KubeVirt infrastructure's hosts with `count` hosts of `cpu` cores and `memory`.
pub fn hosts(world: &World, count: usize, cpu: u32, memory: &str) {
    let list: Vec<_> = (1..=count)
        .map(|i| json!({ "name": format!("server{i}"), "cpu": cpu, "memory": memory }))
        .collect();
    world
        .fake
        .update("Infrastructure", "", "baremetal-kubevirt", |infra| {
            infra["spec"]["kubevirt"]["hosts"] = json!(list);
        });
}

/// `spec.replicas` of the scenario claim's pool `md-0`.
pub fn md_replicas(world: &World) -> i64 {
    world
        .fake
        .get("MachineDeployment", CLUSTER_NAMESPACE, "payments-md-0")
        .expect("MachineDeployment")["spec"]["replicas"]
        .as_i64()
        .expect("replicas")
}
