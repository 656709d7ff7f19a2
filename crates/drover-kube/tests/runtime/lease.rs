//! Leader election against the fake, on tokio's paused clock: acquire, renew, stand by, take
//! over an expired Lease, lose races and leadership, release.

use std::time::Duration;

use drover_kube::runtime::health::{Health, Leadership};
use drover_kube::runtime::leader::{self, Attempt, LeaseError, LeaseLock, LeaseSettings};
use drover_kube::runtime::shutdown::{Shutdown, Stage};
use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};
use tokio::time::{Instant, advance};

use crate::fake::Fake;

const NS: &str = "drover-system";
const NAME: &str = "drover-controller";

fn lock(fake: &Fake, identity: &str) -> LeaseLock {
    LeaseLock::new(fake.client(), LeaseSettings::new(NS, NAME, identity))
}

fn holder(fake: &Fake) -> Value {
    fake.lease(NS, NAME).expect("lease exists")["spec"]["holderIdentity"].clone()
}

fn held_by(who: &str) -> Value {
    json!({ "holderIdentity": who, "leaseDurationSeconds": 15,
            "renewTime": Timestamp::now().to_string(), "leaseTransitions": 3 })
}

#[tokio::test(start_paused = true)]
async fn a_missing_lease_is_created_and_then_renewed_with_its_resource_version() {
    let fake = Fake::new();
    let mut a = lock(&fake, "a");
    assert_eq!(
        a.try_acquire_or_renew().await.expect("ok"),
        Attempt::Acquired
    );
    let created = fake.lease(NS, NAME).expect("created");
    assert_eq!(created["spec"]["holderIdentity"], "a");
    assert_eq!(created["spec"]["leaseDurationSeconds"], 15);
    assert_eq!(created["spec"]["leaseTransitions"], 0);

    advance(Duration::from_secs(2)).await;
    assert_eq!(
        a.try_acquire_or_renew().await.expect("ok"),
        Attempt::Acquired
    );
    let renewed = fake.lease(NS, NAME).expect("renewed");
    assert_eq!(renewed["spec"]["holderIdentity"], "a");
    assert_eq!(
        renewed["spec"]["acquireTime"],
        created["spec"]["acquireTime"]
    );
    assert_eq!(
        renewed["spec"]["leaseTransitions"], 0,
        "a renewal is no transition"
    );
    assert_ne!(
        renewed["metadata"]["resourceVersion"],
        created["metadata"]["resourceVersion"]
    );
    let writes: Vec<String> = fake
        .requests()
        .into_iter()
        .filter(|r| !r.starts_with("GET"))
        .map(|r| r.split('?').next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        writes,
        [
            format!("POST /apis/coordination.k8s.io/v1/namespaces/{NS}/leases"),
            format!("PUT /apis/coordination.k8s.io/v1/namespaces/{NS}/leases/{NAME}"),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn another_holders_lease_is_taken_over_only_once_it_stops_renewing() {
    let fake = Fake::new();
    fake.put_lease(NS, NAME, held_by("b"));
    let mut a = lock(&fake, "a");
    assert_eq!(
        a.try_acquire_or_renew().await.expect("ok"),
        Attempt::HeldBy("b".to_owned())
    );
    advance(Duration::from_secs(10)).await;
    // b renews: the 15 s count starts again from when a saw the change.
    fake.edit_lease(NS, NAME, |lease| {
        lease["spec"]["renewTime"] = json!(Timestamp::now().to_string());
    });
    assert_eq!(
        a.try_acquire_or_renew().await.expect("ok"),
        Attempt::HeldBy("b".to_owned())
    );
    advance(Duration::from_secs(14)).await;
    assert_eq!(
        a.try_acquire_or_renew().await.expect("ok"),
        Attempt::HeldBy("b".to_owned()),
        "14 s after b's last renewal b still holds it"
    );
    advance(Duration::from_secs(2)).await;
    assert_eq!(
        a.try_acquire_or_renew().await.expect("ok"),
        Attempt::Acquired
    );
    let lease = fake.lease(NS, NAME).expect("lease");
    assert_eq!(lease["spec"]["holderIdentity"], "a");
    assert_eq!(lease["spec"]["leaseTransitions"], 4);
}

#[tokio::test(start_paused = true)]
async fn a_write_racing_another_candidate_conflicts_and_the_winner_keeps_the_lease() {
    let fake = Fake::new();
    fake.put_lease(NS, NAME, json!({ "leaseTransitions": 0 }));
    let mut a = lock(&fake, "a");
    // b writes the Lease between a's read and a's write.
    fake.before_next_put(|lease| {
        lease["spec"] = held_by("b");
    });
    assert_eq!(
        a.try_acquire_or_renew().await.expect("ok"),
        Attempt::Conflict
    );
    assert_eq!(
        holder(&fake),
        "b",
        "the resourceVersion check kept b's write"
    );
    assert_eq!(
        a.try_acquire_or_renew().await.expect("ok"),
        Attempt::HeldBy("b".to_owned())
    );
}

#[tokio::test(start_paused = true)]
async fn creating_a_lease_someone_else_just_created_is_a_conflict() {
    let fake = Fake::new();
    let mut a = lock(&fake, "a");
    fake.fail("GET", 404, 1);
    fake.put_lease(NS, NAME, held_by("b"));
    // The GET said 404 (injected), the POST finds b's Lease: a lost the race.
    assert_eq!(
        a.try_acquire_or_renew().await.expect("ok"),
        Attempt::Conflict
    );
    assert_eq!(holder(&fake), "b");
}

#[tokio::test(start_paused = true)]
async fn the_leader_loses_when_another_instance_holds_the_lease() {
    let fake = Fake::new();
    let mut a = lock(&fake, "a");
    assert_eq!(
        a.try_acquire_or_renew().await.expect("ok"),
        Attempt::Acquired
    );
    let holding = tokio::spawn(async move { leader::hold(&mut a).await });
    advance(Duration::from_secs(5)).await;
    assert!(!holding.is_finished(), "renewing");
    fake.edit_lease(NS, NAME, |lease| {
        lease["spec"]["holderIdentity"] = json!("usurper")
    });
    let lost = holding.await.expect("hold task");
    assert!(
        matches!(&lost, LeaseError::Lost { reason, .. } if reason.contains("usurper")),
        "{lost}"
    );
}

#[tokio::test(start_paused = true)]
async fn the_leader_gives_up_when_it_cannot_renew_within_the_deadline() {
    let fake = Fake::new();
    let mut a = lock(&fake, "a");
    assert_eq!(
        a.try_acquire_or_renew().await.expect("ok"),
        Attempt::Acquired
    );
    // Two failed renewals are survived…
    fake.fail("GET", 500, 2);
    let started = Instant::now();
    let holding = tokio::spawn(async move {
        let lost = leader::hold(&mut a).await;
        (lost, a)
    });
    advance(Duration::from_secs(7)).await;
    assert!(!holding.is_finished(), "renewed after two failures");
    // …but not a 10 s outage.
    fake.fail("GET", 500, 1000);
    let (lost, _a) = holding.await.expect("hold task");
    let elapsed = started.elapsed();
    assert!(
        matches!(&lost, LeaseError::Lost { reason, .. } if reason.contains("renew deadline")),
        "{lost}"
    );
    assert!(
        elapsed >= Duration::from_secs(16) && elapsed <= Duration::from_secs(18),
        "gave up after {elapsed:?} (last renewal at 6 s, deadline 10 s)"
    );
}

#[tokio::test(start_paused = true)]
async fn conflicting_renewals_are_retried_until_the_deadline() {
    let fake = Fake::new();
    let mut a = lock(&fake, "a");
    assert_eq!(
        a.try_acquire_or_renew().await.expect("ok"),
        Attempt::Acquired
    );
    fake.fail("PUT", 409, 1000);
    let started = Instant::now();
    let lost = leader::hold(&mut a).await;
    assert!(matches!(lost, LeaseError::Lost { .. }), "{lost}");
    assert!(started.elapsed() >= Duration::from_secs(10));
    assert!(started.elapsed() <= Duration::from_secs(12));
}

#[tokio::test(start_paused = true)]
async fn release_gives_up_only_our_own_lease() {
    let fake = Fake::new();
    let mut a = lock(&fake, "a");
    assert_eq!(
        a.try_acquire_or_renew().await.expect("ok"),
        Attempt::Acquired
    );
    a.release().await.expect("released");
    let lease = fake.lease(NS, NAME).expect("lease");
    assert!(lease["spec"].get("holderIdentity").is_none(), "{lease}");
    assert_eq!(lease["spec"]["leaseDurationSeconds"], 1);
    // A released Lease is free at once.
    let mut b = lock(&fake, "b");
    assert_eq!(
        b.try_acquire_or_renew().await.expect("ok"),
        Attempt::Acquired
    );
    a.release().await.expect("nothing to release");
    assert_eq!(holder(&fake), "b");
}

#[tokio::test(start_paused = true)]
async fn a_candidate_stands_by_then_leads() {
    let fake = Fake::new();
    fake.put_lease(NS, NAME, held_by("b"));
    let health = std::sync::Arc::new(Health::new(true));
    let (_trigger, shutdown) = Shutdown::new();
    let mut a = lock(&fake, "a");
    let task = {
        let health = health.clone();
        tokio::spawn(async move {
            leader::acquire(&mut a, &health, shutdown.reached(Stage::Graceful)).await
        })
    };
    advance(Duration::from_secs(1)).await;
    tokio::task::yield_now().await;
    assert_eq!(health.leadership(), Leadership::StandingBy);
    assert!(health.readiness().is_ok(), "a standby is ready");
    assert!(
        task.await.expect("acquire task"),
        "took over after b stopped"
    );
    assert_eq!(health.leadership(), Leadership::Leading);
    assert_eq!(holder(&fake), "a");
}

#[tokio::test(start_paused = true)]
async fn a_candidate_stops_waiting_on_shutdown() {
    let fake = Fake::new();
    fake.put_lease(NS, NAME, held_by("b"));
    let health = Health::new(true);
    let (trigger, shutdown) = Shutdown::new();
    let mut a = lock(&fake, "a");
    let acquiring = leader::acquire(&mut a, &health, shutdown.reached(Stage::Graceful));
    let stop = async {
        advance(Duration::from_secs(3)).await;
        trigger.advance(Stage::Graceful);
    };
    let (acquired, ()) = tokio::join!(acquiring, stop);
    assert!(!acquired);
    assert_eq!(holder(&fake), "b");
}
