//! The whole controller process (`runtime::run_with`) against the fake: it elects itself, syncs
//! its watch caches, reconciles the claims it finds, reports it on `/readyz` and `/metrics`
//! (real HTTP on 127.0.0.1), and stops cleanly on shutdown or with an error when it loses the
//! Lease.

use std::net::SocketAddr;
use std::time::Duration;

use drover_core::fixtures;
use drover_kube::runtime::shutdown::{Shutdown, Stage, Trigger};
use drover_kube::runtime::{
    LeaderElection, LeaseTiming, Parts, RuntimeConfig, RuntimeError, run_with,
};
use k8s_openapi::jiff::Timestamp;
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep};

use crate::fake::Fake;

const NS: &str = "drover-system";
const LEASE: &str = "drover-controller";
const CLAIMS: &str = "/apis/drover.dev/v1alpha1/workloadclusters";

/// `GET path` over HTTP/1.1: status code and body.
async fn get(address: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(address).await.expect("connects");
    let request = format!("GET {path} HTTP/1.1\r\nHost: drover\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("writes");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("reads");
    let code = response
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (code, body)
}

/// Polls until `check` holds (at most 10 s).
async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting until {what}");
}

fn config(leader_election: bool) -> RuntimeConfig {
    let timing = LeaseTiming {
        lease_duration: Duration::from_secs(1),
        renew_deadline: Duration::from_millis(600),
        retry_period: Duration::from_millis(100),
    };
    RuntimeConfig {
        leader_election: leader_election.then(|| LeaderElection {
            namespace: Some(NS.to_owned()),
            lease_name: LEASE.to_owned(),
            timing,
        }),
        instance: Some("pod-a".to_owned()),
        ..RuntimeConfig::new()
    }
}

struct Running {
    address: SocketAddr,
    trigger: Trigger,
    task: JoinHandle<Result<(), RuntimeError>>,
}

async fn start(fake: &Fake, config: RuntimeConfig) -> Running {
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

fn claim() -> serde_json::Value {
    let mut claim =
        serde_json::to_value(fixtures::claim("team-a", "payments", "dev")).expect("claim");
    claim["metadata"]["resourceVersion"] = json!("1");
    claim["metadata"]["uid"] = json!("uid-1");
    claim
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_leader_syncs_reconciles_reports_ready_and_releases_the_lease_on_shutdown() {
    let fake = Fake::new();
    fake.add(CLAIMS, claim());
    let running = start(&fake, config(true)).await;

    assert_eq!(
        get(running.address, "/healthz").await,
        (200, "ok\n".to_owned())
    );
    eventually("ready", async || {
        get(running.address, "/readyz").await.0 == 200
    })
    .await;
    assert_eq!(get(running.address, "/readyz").await.1, "ok (leading)\n");
    let holder = fake.lease(NS, LEASE).expect("lease")["spec"]["holderIdentity"].clone();
    assert!(
        holder.as_str().is_some_and(|h| h.starts_with("pod-a_")),
        "{holder}"
    );

    // The claim from the initial list is reconciled from the caches (no read of its
    // Environment): it is invalid there (no Environment), so it writes its status.
    eventually("the claim is reconciled", async || {
        fake.requests().iter().any(|r| {
            r.starts_with("PATCH /apis/drover.dev/v1alpha1/namespaces/team-a/workloadclusters/payments/status?")
        })
    })
    .await;
    let requests = fake.requests();
    for collection in crate::fake::COLLECTIONS {
        assert!(
            requests
                .iter()
                .any(|r| r.starts_with(&format!("GET {collection}?")) && r.contains("watch=true")),
            "{collection} is watched: {requests:#?}"
        );
    }
    assert!(
        requests.iter().any(
            |r| r.starts_with("GET /apis/cluster.x-k8s.io/v1beta2/clusters?")
                && r.contains("labelSelector=app.kubernetes.io%2Fmanaged-by%3Ddrover")
        ),
        "CAPI objects are watched by label: {requests:#?}"
    );
    assert!(
        !requests.iter().any(|r| r.contains("/secrets?")),
        "no Secret is listed or watched: {requests:#?}"
    );

    eventually("the reconcile is counted", async || {
        get(running.address, "/metrics")
            .await
            .1
            .contains("drover_reconciles_total 1\n")
    })
    .await;
    let (code, metrics) = get(running.address, "/metrics").await;
    assert_eq!(code, 200);
    for line in [
        "drover_leader 1\n",
        "drover_ready 1\n",
        "drover_caches_synced 1\n",
        "drover_claims 1\n",
        // The fake serves no Environment (the claim is invalid) and refuses the status write.
        "drover_reconcile_failures_total{stage=\"status\"} 1\n",
        "drover_reconciles_in_flight 0\n",
    ] {
        assert!(metrics.contains(line), "{line:?} missing from:\n{metrics}");
    }
    assert_eq!(get(running.address, "/nope").await.0, 404);

    running.trigger.advance(Stage::Graceful);
    let result = tokio::time::timeout(Duration::from_secs(10), running.task)
        .await
        .expect("stops")
        .expect("task");
    assert!(result.is_ok(), "{result:?}");
    let lease = fake.lease(NS, LEASE).expect("lease");
    assert!(
        lease["spec"].get("holderIdentity").is_none(),
        "released: {lease}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standby_is_ready_and_takes_over_when_the_leader_stops_renewing() {
    let fake = Fake::new();
    fake.put_lease(
        NS,
        LEASE,
        json!({ "holderIdentity": "pod-b_1", "leaseDurationSeconds": 1,
                "renewTime": Timestamp::now().to_string(), "leaseTransitions": 0 }),
    );
    let running = start(&fake, config(true)).await;
    eventually("standing by", async || {
        get(running.address, "/readyz").await == (200, "ok (standing by)\n".to_owned())
    })
    .await;
    let metrics = get(running.address, "/metrics").await.1;
    assert!(metrics.contains("drover_leader 0\n"), "{metrics}");
    assert!(
        !fake
            .requests()
            .iter()
            .any(|r| r.contains("workloadclusters")),
        "a standby does not watch"
    );
    // pod-b never renews: after its 1 s lease pod-a takes over.
    eventually("leading", async || {
        get(running.address, "/readyz").await == (200, "ok (leading)\n".to_owned())
    })
    .await;
    let lease = fake.lease(NS, LEASE).expect("lease");
    assert_eq!(lease["spec"]["leaseTransitions"], 1);
    running.trigger.advance(Stage::Graceful);
    let result = running.task.await.expect("task");
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_the_lease_stops_reconciling_with_an_error() {
    let fake = Fake::new();
    let running = start(&fake, config(true)).await;
    eventually("ready", async || {
        get(running.address, "/readyz").await.0 == 200
    })
    .await;
    fake.edit_lease(NS, LEASE, |lease| {
        lease["spec"]["holderIdentity"] = json!("pod-b_2");
    });
    let result = tokio::time::timeout(Duration::from_secs(10), running.task)
        .await
        .expect("stops")
        .expect("task");
    assert!(
        matches!(&result, Err(RuntimeError::LeadershipLost(_))),
        "{result:?}"
    );
    let message = result.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("pod-b_2"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_leader_election_it_is_ready_once_synced_and_stops_on_shutdown() {
    let fake = Fake::new();
    let running = start(&fake, config(false)).await;
    eventually("ready", async || {
        get(running.address, "/readyz").await == (200, "ok (disabled)\n".to_owned())
    })
    .await;
    assert!(
        fake.lease(NS, LEASE).is_none(),
        "no Lease without leader election"
    );
    running.trigger.advance(Stage::Graceful);
    let result = tokio::time::timeout(Duration::from_secs(10), running.task)
        .await
        .expect("stops")
        .expect("task");
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_signal_stops_at_once() {
    let fake = Fake::new();
    let running = start(&fake, config(false)).await;
    eventually("ready", async || {
        get(running.address, "/readyz").await.0 == 200
    })
    .await;
    running.trigger.advance(Stage::Forced);
    let result = running.task.await.expect("task");
    assert!(matches!(result, Err(RuntimeError::Forced)), "{result:?}");
}

#[tokio::test]
async fn zero_concurrency_is_refused() {
    let fake = Fake::new();
    let (_trigger, shutdown) = Shutdown::new();
    let parts = Parts {
        client: fake.client(),
        default_namespace: "default".to_owned(),
        listener: TcpListener::bind("127.0.0.1:0").await.expect("binds"),
        shutdown,
    };
    let config = RuntimeConfig {
        concurrency: 0,
        ..config(false)
    };
    assert!(matches!(
        run_with(parts, &config).await,
        Err(RuntimeError::Concurrency)
    ));
}
