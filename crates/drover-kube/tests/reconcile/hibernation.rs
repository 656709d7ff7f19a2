//! Hibernation: worker pools to zero on the schedule's edge and back to the claim's replicas on
//! wake-up, with a requeue at the next edge and no writes in between; on-demand sleep and wake;
//! a wake-up refused by capacity and admitted once capacity returns; deleting a hibernated
//! cluster.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use drover_api::hibernation::{EnvironmentHibernation, HibernationAction, HibernationSchedule};
use drover_api::{Condition, ConditionType, Environment, Phase, WorkloadCluster, labels};
use drover_core::fixtures as core;
use drover_kube::Settings;
use k8s_openapi::jiff::Timestamp;
use kube::runtime::controller::Action;
use serde_json::json;

use crate::fake::FakeApi;
use crate::fixtures::{
    CLUSTER_NAMESPACE, KEY_DATA, NAME, NAMESPACE, World, claim, context, hosts, lines, md_replicas,
    to_value,
};

/// Asleep 19:00–07:00 UTC every day.
fn nightly() -> EnvironmentHibernation {
    EnvironmentHibernation {
        schedules: vec![HibernationSchedule {
            hibernate: "0 19 * * *".to_owned(),
            wake_up: "0 7 * * *".to_owned(),
            time_zone: Some("UTC".to_owned()),
        }],
    }
}

fn dev(hibernation: Option<EnvironmentHibernation>) -> Environment {
    let mut environment = core::environment("dev", "v1.32.1");
    environment.spec.hibernation = hibernation;
    environment
}

/// A world whose clock the test moves.
struct Timed {
    world: World,
    clock: Arc<AtomicI64>,
}

impl Timed {
    fn new(environment: Environment, claim: WorkloadCluster) -> Self {
        let fake = FakeApi::new();
        fake.insert(to_value(&environment));
        fake.insert(to_value(&core::kubevirt_infrastructure()));
        fake.insert(to_value(&claim));
        let clock = Arc::new(AtomicI64::new(0));
        let reading = Arc::clone(&clock);
        let ctx = context(&fake, Settings::default()).with_clock(move || {
            Timestamp::from_second(reading.load(Ordering::SeqCst)).expect("time")
        });
        let timed = Self {
            world: World {
                fake,
                ctx: Arc::new(ctx),
            },
            clock,
        };
        // Thu 2026-01-01 12:00 UTC: office hours.
        timed.at("2026-01-01T12:00:00Z");
        timed
    }

    fn at(&self, time: &str) {
        let second = time.parse::<Timestamp>().expect("time").as_second();
        self.clock.store(second, Ordering::SeqCst);
    }

    /// Builds the cluster and plays CAPI until it is Ready.
    async fn ready(&self) {
        self.world.settle().await;
        self.world.capi_writes_kubeconfig(KEY_DATA);
        self.world.capi_reports_ready();
        self.world.settle().await;
        assert_eq!(self.phase(), Some(Phase::Ready));
    }

    fn phase(&self) -> Option<Phase> {
        self.world.claim().status.as_ref().and_then(|s| s.phase)
    }

    fn condition(&self, type_: ConditionType) -> Condition {
        let status = self.world.claim().status.clone().expect("status");
        let found = status.conditions.iter().find(|c| c.type_ == type_).cloned();
        found.unwrap_or_else(|| panic!("{type_:?} in {:#?}", status.conditions))
    }

    fn md_replicas(&self) -> i64 {
        md_replicas(&self.world)
    }
}

#[tokio::test]
async fn a_schedule_puts_the_workers_to_sleep_and_wakes_them_with_the_claims_replicas() {
    let timed = Timed::new(dev(Some(nightly())), claim());
    timed.ready().await;
    assert_eq!(timed.md_replicas(), 2);
    let hibernated = timed.condition(ConditionType::Hibernated);
    assert_eq!(hibernated.reason, "Awake");
    assert_eq!(hibernated.message, "sleeps next Thu 2026-01-01 19:00 UTC");

    // 18:55: the requeue is the edge (5 minutes and a second), not the 10-minute resync.
    timed.at("2026-01-01T18:55:00Z");
    let action = timed.world.reconcile().await.expect("reconcile");
    assert!(timed.world.fake.writes().is_empty());
    assert_eq!(action, Action::requeue(Duration::from_secs(301)));

    // 19:00:01: workers to zero, the control plane stays.
    timed.at("2026-01-01T19:00:01Z");
    timed.world.reconcile().await.expect("reconcile");
    assert_eq!(timed.md_replicas(), 0);
    let kcp = timed
        .world
        .fake
        .all("KubeadmControlPlane")
        .pop()
        .expect("control plane");
    assert_eq!(
        kcp["spec"]["replicas"],
        json!(1),
        "the control plane keeps running"
    );
    assert_eq!(timed.phase(), Some(Phase::Hibernated));
    let hibernated = timed.condition(ConditionType::Hibernated);
    assert_eq!(
        (hibernated.status, hibernated.reason.as_str()),
        (drover_api::ConditionStatus::True, "Scheduled")
    );
    assert_eq!(
        hibernated.message,
        "hibernated on schedule; wakes up Fri 2026-01-02 07:00 UTC"
    );
    let record = timed
        .world
        .claim()
        .status
        .clone()
        .and_then(|s| s.hibernation)
        .expect("status.hibernation");
    assert!(record.hibernated);
    assert_eq!(
        record.last_hibernated.as_deref(),
        Some("2026-01-01T19:00:01Z")
    );
    let next = record.next.expect("next edge");
    assert_eq!(
        (next.action, next.at.as_str()),
        (HibernationAction::WakeUp, "2026-01-02T07:00:00Z")
    );
    timed.world.capi_reports_ready();
    timed.world.settle().await;

    // During the night: nothing is written, however often it is looked at.
    for time in [
        "2026-01-01T22:00:00Z",
        "2026-01-02T03:00:00Z",
        "2026-01-02T06:59:59Z",
    ] {
        timed.at(time);
        let action = timed.world.reconcile().await.expect("reconcile");
        assert!(
            timed.world.fake.writes().is_empty(),
            "{time}: {:#?}",
            lines(&timed.world.fake.writes())
        );
        let Action { .. } = action;
    }

    // 07:00:01: the claim's replicas are back.
    timed.at("2026-01-02T07:00:01Z");
    timed.world.reconcile().await.expect("reconcile");
    assert_eq!(timed.md_replicas(), 2);
    assert_ne!(timed.phase(), Some(Phase::Hibernated));
    let record = timed
        .world
        .claim()
        .status
        .clone()
        .and_then(|s| s.hibernation);
    let record = record.expect("status.hibernation");
    assert!(!record.hibernated);
    assert_eq!(record.last_woke_up.as_deref(), Some("2026-01-02T07:00:01Z"));
    timed.world.capi_reports_ready();
    timed.world.settle().await;
    assert_eq!(timed.phase(), Some(Phase::Ready));
}

#[tokio::test]
async fn a_cluster_is_built_awake_and_sleeps_once_ready() {
    // Created at night.
    let timed = Timed::new(dev(Some(nightly())), claim());
    timed.at("2026-01-01T20:00:00Z");
    timed.world.settle().await;
    assert_eq!(timed.md_replicas(), 2, "built awake");
    let hibernated = timed.condition(ConditionType::Hibernated);
    assert_eq!(hibernated.reason, "Deferred");
    assert!(
        hibernated.message.contains("it has not been Ready yet"),
        "{}",
        hibernated.message
    );
    timed.world.capi_writes_kubeconfig(KEY_DATA);
    timed.world.capi_reports_ready();
    timed.world.settle().await;
    assert_eq!(timed.md_replicas(), 0, "asleep once Ready");
    assert_eq!(timed.phase(), Some(Phase::Hibernated));
}

#[tokio::test]
async fn on_demand_sleep_and_wake_without_a_schedule() {
    let timed = Timed::new(dev(None), claim());
    timed.ready().await;
    let status = timed.world.claim().status.clone().expect("status");
    assert!(
        status.hibernation.is_none()
            && !status
                .conditions
                .iter()
                .any(|c| c.type_ == ConditionType::Hibernated),
        "no hibernation, nothing reported"
    );

    timed.world.edit_claim(|c| c.spec.hibernated = Some(true));
    let action = timed.world.reconcile().await.expect("reconcile");
    assert_eq!(timed.md_replicas(), 0);
    assert_eq!(timed.phase(), Some(Phase::Hibernated));
    let hibernated = timed.condition(ConditionType::Hibernated);
    assert_eq!(hibernated.reason, "Requested");
    assert_eq!(
        hibernated.message,
        "hibernated on request (spec.hibernated: true); wakes up when spec.hibernated is false or removed"
    );
    assert_eq!(action, Action::requeue(Settings::default().resync_interval));
    timed.world.capi_reports_ready();
    timed.world.settle().await;

    // A month later, still asleep, and nothing written.
    timed.at("2026-02-01T12:00:00Z");
    timed.world.reconcile().await.expect("reconcile");
    assert!(timed.world.fake.writes().is_empty());
    assert_eq!(timed.md_replicas(), 0);

    timed.world.edit_claim(|c| c.spec.hibernated = None);
    timed.world.reconcile().await.expect("reconcile");
    assert_eq!(timed.md_replicas(), 2);
    assert_eq!(timed.condition(ConditionType::Hibernated).reason, "Awake");
}

#[tokio::test]
async fn waking_on_demand_at_night_lasts_until_the_next_edge_and_the_cli_annotation_renews_it() {
    let timed = Timed::new(dev(Some(nightly())), claim());
    timed.ready().await;
    timed.at("2026-01-01T20:00:00Z");
    timed.world.settle().await;
    assert_eq!(timed.md_replicas(), 0);

    // Someone needs the cluster tonight.
    timed.world.edit_claim(|c| c.spec.hibernated = Some(false));
    timed.world.reconcile().await.expect("reconcile");
    assert_eq!(timed.md_replicas(), 2);
    assert_eq!(
        timed.condition(ConditionType::Hibernated).reason,
        "Requested"
    );

    // The next edge (07:00 wake-up) ends the request; at 19:00 the schedule sleeps it again,
    // although `spec.hibernated: false` is still set.
    timed.at("2026-01-02T19:00:01Z");
    timed.world.reconcile().await.expect("reconcile");
    assert_eq!(timed.md_replicas(), 0);
    assert_eq!(
        timed.condition(ConditionType::Hibernated).reason,
        "Scheduled"
    );

    // `drover wake` stamps the annotation: a new request.
    timed.at("2026-01-02T20:00:00Z");
    timed
        .world
        .fake
        .update("WorkloadCluster", NAMESPACE, NAME, |claim| {
            claim["metadata"]["annotations"] =
                json!({ labels::HIBERNATION_REQUESTED_AT: "2026-01-02T20:00:00Z" });
        });
    timed.world.reconcile().await.expect("reconcile");
    assert_eq!(timed.md_replicas(), 2);
}

#[tokio::test]
async fn deleting_a_hibernated_cluster_removes_everything() {
    let timed = Timed::new(dev(Some(nightly())), claim());
    timed.ready().await;
    timed.at("2026-01-01T20:00:00Z");
    timed.world.settle().await;
    assert_eq!(timed.phase(), Some(Phase::Hibernated));
    timed
        .world
        .fake
        .update("WorkloadCluster", NAMESPACE, NAME, |claim| {
            claim["metadata"]["deletionTimestamp"] = json!("2026-01-01T20:00:00Z");
        });
    // The same steps as for an awake cluster: everything is deleted, the Namespace last.
    timed.world.reconcile().await.expect("reconcile");
    let deletes: Vec<String> = timed
        .world
        .fake
        .writes()
        .iter()
        .filter(|w| w.method == "DELETE")
        .map(|w| w.path.clone())
        .collect();
    assert!(
        deletes
            .iter()
            .any(|p| p.contains("/machinedeployments/payments-md-0")),
        "{deletes:#?}"
    );
    assert!(
        deletes
            .last()
            .is_some_and(|p| p.ends_with("/api/v1/namespaces/payments-cluster")),
        "{deletes:#?}"
    );
    // The Namespace terminates; then the finalizer goes.
    timed.world.fake.remove("Namespace", "", CLUSTER_NAMESPACE);
    timed.world.reconcile().await.expect("reconcile");
    assert!(
        timed
            .world
            .fake
            .get("WorkloadCluster", NAMESPACE, NAME)
            .is_none(),
        "the finalizer is removed"
    );
    let left: Vec<_> = timed
        .world
        .fake
        .all_objects()
        .into_iter()
        .filter(|o| o["metadata"]["namespace"] == CLUSTER_NAMESPACE)
        // CAPI's kubeconfig Secret (played by the test) goes with the Namespace.
        .filter(|o| o["metadata"]["name"] != "payments-kubeconfig")
        .collect();
    assert!(left.is_empty(), "leftovers: {left:#?}");
}

#[tokio::test]
async fn a_wake_up_that_no_longer_fits_waits_asleep_until_capacity_returns() {
    let timed = Timed::new(dev(Some(nightly())), claim());
    // Room for one awake cluster and a sleeping one (each awake: 16 vCPU with its surge VM).
    hosts(&timed.world, 1, 24, "96Gi");
    timed.ready().await;
    timed.at("2026-01-01T20:00:00Z");
    timed.world.settle().await;
    assert_eq!(timed.md_replicas(), 0);

    // At night another team's cluster takes the room the sleeping workers left.
    let orders = core::with_workers(
        core::claim("team-b", "orders", "dev"),
        &[("md-0", 2, "small")],
    );
    timed.world.fake.insert(to_value(&orders));
    // It is admitted: the sleeping cluster counts with its pools at zero.
    let stored = timed
        .world
        .fake
        .get("WorkloadCluster", "team-b", "orders")
        .expect("orders");
    let stored: WorkloadCluster = serde_json::from_value(stored).expect("parses");
    drover_kube::reconcile(Arc::new(stored), Arc::clone(&timed.world.ctx))
        .await
        .expect("orders reconciles");
    assert!(
        timed
            .world
            .fake
            .get("Cluster", "orders-cluster", "orders")
            .is_some(),
        "orders is admitted and created"
    );

    // 07:00: waking would not fit. The workers stay at zero and the status says why.
    timed.at("2026-01-02T07:00:01Z");
    timed
        .world
        .reconcile()
        .await
        .expect("a refusal is not an error");
    assert_eq!(
        lines(&timed.world.fake.writes()),
        [format!(
            "PATCH /apis/drover.dev/v1alpha1/namespaces/{NAMESPACE}/workloadclusters/{NAME}/status"
        )],
        "only the status"
    );
    assert_eq!(timed.md_replicas(), 0);
    assert_eq!(timed.phase(), Some(Phase::Hibernated));
    let capacity = timed.condition(ConditionType::CapacityAvailable);
    assert_eq!(
        (capacity.status, capacity.reason.as_str()),
        (drover_api::ConditionStatus::False, "InsufficientCapacity")
    );
    let hibernated = timed.condition(ConditionType::Hibernated);
    assert_eq!(
        (hibernated.status, hibernated.reason.as_str()),
        (drover_api::ConditionStatus::True, "WaitingForCapacity")
    );
    assert!(
        hibernated
            .message
            .starts_with("should be awake, but stays hibernated: its workers do not fit"),
        "{}",
        hibernated.message
    );
    // Looked at again: still no room, nothing written.
    timed.world.reconcile().await.expect("reconcile");
    assert!(timed.world.fake.writes().is_empty());

    // A host is added: the wake-up is admitted.
    hosts(&timed.world, 2, 24, "96Gi");
    timed.world.reconcile().await.expect("reconcile");
    assert_eq!(timed.md_replicas(), 2);
    assert_eq!(
        timed.condition(ConditionType::CapacityAvailable).status,
        drover_api::ConditionStatus::True
    );
    assert_eq!(timed.condition(ConditionType::Hibernated).reason, "Awake");
}

#[tokio::test]
async fn a_hibernated_cluster_starts_no_upgrade() {
    let timed = Timed::new(dev(Some(nightly())), claim());
    timed.ready().await;
    timed.at("2026-01-01T20:00:00Z");
    timed.world.settle().await;
    timed
        .world
        .fake
        .update("Environment", "", "dev", |environment| {
            environment["spec"]["kubernetesVersion"] = json!("v1.33.1");
            environment["status"] =
                json!({ "targetVersion": "v1.33.1", "upgrading": ["team-a/payments"] });
        });
    timed.world.reconcile().await.expect("reconcile");
    let version = timed.condition(ConditionType::VersionUpToDate);
    assert_eq!(version.reason, "Hibernated", "{}", version.message);
    let kcp = timed
        .world
        .fake
        .all("KubeadmControlPlane")
        .pop()
        .expect("control plane");
    assert_eq!(kcp["spec"]["version"], json!("v1.32.1"));
    assert_eq!(timed.phase(), Some(Phase::Hibernated));
}
