//! The whole controller process (`runtime::run_with`, without leader election) against the fake
//! API server with real watches: it syncs its caches, reports ready exactly then, creates a new
//! claim's objects when the claim appears, follows CAPI to Ready woken by the watches alone, and
//! then resyncs without sending a single request.

use std::net::SocketAddr;
use std::time::Duration;

use drover_api::{Phase, WorkloadCluster};
use drover_core::fixtures as core;
use drover_kube::Settings;
use drover_kube::runtime::shutdown::{Shutdown, Stage};
use drover_kube::runtime::{Parts, RuntimeConfig, run_with};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, sleep};

use crate::fake::FakeApi;
use crate::fixtures::{
    CLUSTER_NAMESPACE, KEY_DATA, NAME, NAMESPACE, capi_reports_ready, capi_writes_kubeconfig,
    claim, lines, rendered, to_value,
};

async fn http_get(address: SocketAddr, path: &str) -> u16 {
    let Ok(mut stream) = TcpStream::connect(address).await else {
        return 0;
    };
    let request = format!("GET {path} HTTP/1.1\r\nHost: drover\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).await.is_err() {
        return 0;
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response).await;
    response
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting until {what}");
}

fn config(resync: Duration) -> RuntimeConfig {
    RuntimeConfig {
        leader_election: None,
        instance: Some("test".to_owned()),
        concurrency: 4,
        settings: Settings {
            resync_interval: resync,
            ..Settings::default()
        },
        ..RuntimeConfig::new()
    }
}

struct Running {
    address: SocketAddr,
    trigger: drover_kube::runtime::shutdown::Trigger,
    task: tokio::task::JoinHandle<Result<(), drover_kube::runtime::RuntimeError>>,
}

async fn start(fake: &FakeApi, config: RuntimeConfig) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let address = listener.local_addr().expect("address");
    let (trigger, shutdown) = Shutdown::new();
    let parts = Parts {
        client: fake.client(),
        default_namespace: "default".to_owned(),
        listener,
        shutdown,
    };
    let task = tokio::spawn(async move { run_with(parts, &config).await });
    Running {
        address,
        trigger,
        task,
    }
}

impl Running {
    async fn stop(self) {
        self.trigger.advance(Stage::Graceful);
        let result = tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("stops in time")
            .expect("task");
        assert!(result.is_ok(), "{result:?}");
    }
}

fn management_cluster() -> FakeApi {
    let fake = FakeApi::new();
    fake.insert(to_value(&core::environment("dev", "v1.32.1")));
    fake.insert(to_value(&core::kubevirt_infrastructure()));
    fake
}

fn phase(fake: &FakeApi) -> Option<Phase> {
    let claim: WorkloadCluster =
        serde_json::from_value(fake.get("WorkloadCluster", NAMESPACE, NAME)?).ok()?;
    claim.status?.phase
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_claim_is_created_followed_to_ready_and_then_costs_no_request() {
    let fake = management_cluster();
    let resync = Duration::from_millis(300);
    let running = start(&fake, config(resync)).await;
    eventually("ready", async || {
        http_get(running.address, "/readyz").await == 200
    })
    .await;

    fake.insert(to_value(&claim()));
    let expected = rendered(&claim());
    eventually("every object of the new claim exists", async || {
        expected
            .iter()
            .all(|m| fake.get(m.kind(), m.namespace(), m.name()).is_some())
    })
    .await;

    capi_reports_ready(&fake, NAME);
    capi_writes_kubeconfig(&fake, NAME, KEY_DATA);
    eventually("the claim is Ready, woken by the watches", async || {
        phase(&fake) == Some(Phase::Ready)
    })
    .await;
    assert!(
        fake.get("Secret", "argocd", "drover-payments").is_some(),
        "registered in Argo CD"
    );

    // Settled: several resyncs later, not one request was sent (the watches stay open).
    sleep(resync * 2).await;
    fake.clear_requests();
    sleep(resync * 5).await;
    let requests = fake.requests();
    assert!(
        requests.is_empty(),
        "resyncs of a settled claim send nothing: {:#?}",
        lines(&requests)
    );
    assert!(fake.get("Cluster", CLUSTER_NAMESPACE, NAME).is_some());
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_reports_ready_exactly_when_the_caches_have_synced_at_every_start() {
    for attempt in 0..5 {
        let fake = management_cluster();
        fake.insert(to_value(&claim()));
        // The Cluster list fails a few times: that watch syncs last, after its backoff.
        let failure = serde_json::json!({ "kind": "Status", "apiVersion": "v1", "metadata": {},
            "status": "Failure", "message": "try again", "reason": "InternalError", "code": 500 });
        fake.fail("GET", "/cluster.x-k8s.io/v1beta2/clusters", 500, failure, 2);
        let running = start(&fake, config(Duration::from_secs(600))).await;
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut saw_not_ready = false;
        loop {
            // Read before asking: a list that succeeded after this count is not counted.
            let cluster_lists = fake
                .requests()
                .iter()
                .filter(|r| r.verb == "list" && r.path == "/apis/cluster.x-k8s.io/v1beta2/clusters")
                .count();
            let code = http_get(running.address, "/readyz").await;
            match code {
                200 => {
                    // Two failed lists, then one that succeeded: not ready a moment earlier.
                    let lists = fake
                        .requests()
                        .iter()
                        .filter(|r| {
                            r.verb == "list" && r.path == "/apis/cluster.x-k8s.io/v1beta2/clusters"
                        })
                        .count();
                    assert!(
                        lists >= 3,
                        "start {attempt}: ready after {lists} Cluster lists"
                    );
                    let _ = cluster_lists;
                    break;
                }
                503 => saw_not_ready = true,
                _ => {}
            }
            assert!(
                Instant::now() < deadline,
                "start {attempt}: never ready (last answer {code})"
            );
            sleep(Duration::from_millis(10)).await;
        }
        assert!(
            saw_not_ready,
            "start {attempt}: not ready before the caches synced"
        );
        // Ready means synced: the claim is reconciled at once, from the caches.
        eventually("the claim's objects exist", async || {
            fake.get("Cluster", CLUSTER_NAMESPACE, NAME).is_some()
        })
        .await;
        running.stop().await;
    }
}
