//! Upgrades across environments, against the fake API server with an injectable clock: the
//! Environment controller evaluates the promotion gate and admits clusters, the claim controller
//! steps the admitted cluster control plane first, then its workers.
//!
//! - dev → staging: dev's cluster upgrades and is Ready at the new version; before the soak ends
//!   staging's Environment status says what blocks it and its cluster holds; after it (across a
//!   controller restart) staging promotes and its cluster moves.
//! - a cluster whose machines are remediated during its upgrade fails it: its environment stops
//!   admitting clusters and the next environment does not promote, until it finishes.
//! - maintenance window: an upgrade starts only inside it and is not interrupted when it closes.
//! - a downgrade is refused (`Valid=False`) and nothing is written but the status.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use drover_api::environment::{MaintenanceWindow, Promotion, UpgradePolicy, Weekday};
use drover_api::workload_cluster::{ArgoCdSpec, GitOpsSpec, UpgradePart};
use drover_api::{
    Condition, ConditionStatus, ConditionType, Environment, EnvironmentStatus, Phase,
    WorkloadCluster, WorkloadClusterStatus, labels,
};
use drover_core::fixtures as core;
use drover_kube::{Context, Settings};
use k8s_openapi::ByteString;
use k8s_openapi::jiff::Timestamp;
use kube::runtime::controller::Action;
use serde_json::json;

use crate::fake::FakeApi;
use crate::fixtures::{self, lines, to_value};

/// Monday 2026-01-05 00:00:00 UTC.
const T0: i64 = 1_767_571_200;
const HOUR: i64 = 3600;

/// A claim `team-a/<name>` in `environment`: one pool `md-0` of 1 `small`, no Argo CD.
fn claim(name: &str, environment: &str) -> WorkloadCluster {
    let mut claim = core::with_workers(
        core::claim("team-a", name, environment),
        &[("md-0", 1, "small")],
    );
    claim.spec.gitops = Some(GitOpsSpec {
        argocd: Some(ArgoCdSpec {
            enabled: Some(false),
            ..ArgoCdSpec::default()
        }),
    });
    claim
}

fn promoted_from(name: &str, version: &str, from: &str, soak: &str) -> Environment {
    let mut env = core::environment(name, version);
    env.spec.promotion = Some(Promotion {
        from: from.to_owned(),
        soak: Some(soak.to_owned()),
    });
    env
}

/// A management cluster holding environments and claims, and a controller with a clock.
struct Fleet {
    fake: FakeApi,
    clock: Arc<AtomicI64>,
    ctx: Arc<Context>,
    /// Every request of every reconcile so far, for the RBAC check.
    seen: std::cell::RefCell<Vec<crate::fake::Recorded>>,
}

impl Fleet {
    fn new(environments: &[Environment], claims: &[WorkloadCluster]) -> Self {
        let fake = FakeApi::new();
        fake.insert(to_value(&core::kubevirt_infrastructure()));
        for environment in environments {
            fake.insert(to_value(environment));
        }
        for claim in claims {
            fake.insert(to_value(claim));
        }
        let clock = Arc::new(AtomicI64::new(T0));
        let ctx = Self::controller(&fake, &clock);
        Self {
            fake,
            clock,
            ctx,
            seen: std::cell::RefCell::default(),
        }
    }

    /// A controller process: a new context (nothing kept in memory), the same clock.
    fn controller(fake: &FakeApi, clock: &Arc<AtomicI64>) -> Arc<Context> {
        let clock = Arc::clone(clock);
        Arc::new(
            fixtures::context(fake, Settings::default()).with_clock(move || {
                Timestamp::from_second(clock.load(Ordering::SeqCst)).expect("valid time")
            }),
        )
    }

    /// Restarts the controller: whatever it knows must come from the API server.
    fn restart(&mut self) {
        self.ctx = Self::controller(&self.fake, &self.clock);
    }

    fn set_time(&self, seconds: i64) {
        self.clock.store(seconds, Ordering::SeqCst);
    }

    fn claim(&self, name: &str) -> WorkloadCluster {
        serde_json::from_value(
            self.fake
                .get("WorkloadCluster", "team-a", name)
                .expect("claim exists"),
        )
        .expect("claim parses")
    }

    fn status(&self, name: &str) -> WorkloadClusterStatus {
        self.claim(name).status.expect("claim status")
    }

    fn environment(&self, name: &str) -> Environment {
        serde_json::from_value(
            self.fake
                .get("Environment", "", name)
                .expect("environment exists"),
        )
        .expect("environment parses")
    }

    fn environment_status(&self, name: &str) -> EnvironmentStatus {
        self.environment(name).status.expect("environment status")
    }

    /// Moves the requests recorded so far into `seen` and clears the fake's record.
    fn keep_requests(&self) {
        self.seen.borrow_mut().extend(self.fake.requests());
        self.fake.clear_requests();
    }

    /// Asserts that `drover install`'s RBAC allows every request made so far.
    fn assert_rbac_allows_everything(&self) {
        self.keep_requests();
        let denied = crate::rbac::denied_by_install(&self.seen.borrow());
        assert!(denied.is_empty(), "denied:\n{}", denied.join("\n"));
    }

    /// One claim reconcile; returns the writes it made (`METHOD path`).
    async fn reconcile_claim(&self, name: &str) -> Vec<String> {
        self.keep_requests();
        let run = drover_kube::reconcile(Arc::new(self.claim(name)), Arc::clone(&self.ctx));
        tokio::time::timeout(Duration::from_secs(10), run)
            .await
            .expect("reconcile finished in time")
            .expect("reconcile succeeds");
        self.fake.assert_clean();
        lines(&self.fake.writes())
    }

    /// Reconciles a claim until a pass writes nothing.
    async fn settle_claim(&self, name: &str) {
        for _ in 0..5 {
            if self.reconcile_claim(name).await.is_empty() {
                return;
            }
        }
        panic!("claim {name} still writing after 5 reconciles");
    }

    async fn reconcile_environment(&self, name: &str) -> Action {
        self.keep_requests();
        let run = drover_kube::reconcile_environment(
            Arc::new(self.environment(name)),
            Arc::clone(&self.ctx),
        );
        let action = tokio::time::timeout(Duration::from_secs(10), run)
            .await
            .expect("reconcile finished in time")
            .expect("environment reconcile succeeds");
        self.fake.assert_clean();
        action
    }

    /// Edits an Environment's spec version, bumping its generation as the API server would.
    fn set_environment_version(&self, name: &str, version: &str) {
        self.fake.update("Environment", "", name, |env| {
            env["spec"]["kubernetesVersion"] = json!(version);
            let generation = env["metadata"]["generation"].as_i64().unwrap_or(1) + 1;
            env["metadata"]["generation"] = json!(generation);
        });
    }

    /// Plays CAPI: the cluster is provisioned and every part runs what its spec asks for.
    fn capi_settles(&self, cluster: &str) {
        let namespace = format!("{cluster}-cluster");
        self.fake.update("Cluster", &namespace, cluster, |c| {
            c["spec"]["controlPlaneEndpoint"] = json!({ "host": "192.168.0.225", "port": 6443 });
            c["status"] = json!({
                "initialization": { "infrastructureProvisioned": true, "controlPlaneInitialized": true },
                "conditions": [
                    { "type": "InfrastructureReady", "status": "True", "reason": "Ready" },
                    { "type": "ControlPlaneAvailable", "status": "True", "reason": "Available" },
                    { "type": "WorkersAvailable", "status": "True", "reason": "Available" },
                ],
            });
        });
        for (kind, version_at) in [
            ("KubeadmControlPlane", "/spec/version"),
            ("MachineDeployment", "/spec/template/spec/version"),
        ] {
            for object in self.fake.all(kind) {
                if object["metadata"]["namespace"] != namespace.as_str() {
                    continue;
                }
                let name = object["metadata"]["name"].as_str().unwrap_or_default();
                self.fake.update(kind, &namespace, name, |o| {
                    let replicas = o["spec"]["replicas"].clone();
                    let version = o.pointer(version_at).cloned().unwrap_or_default();
                    o["status"] = json!({
                        "observedGeneration": o["metadata"]["generation"],
                        "replicas": replicas, "readyReplicas": replicas,
                        "availableReplicas": replicas, "upToDateReplicas": replicas,
                        "versions": [ { "version": version, "replicas": replicas } ],
                    });
                    if kind == "KubeadmControlPlane" {
                        o["status"]["version"] = version;
                    }
                });
            }
        }
        if self
            .fake
            .get("Secret", &namespace, &format!("{cluster}-kubeconfig"))
            .is_none()
        {
            self.fake.insert(json!({
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": { "name": format!("{cluster}-kubeconfig"), "namespace": namespace,
                              "labels": { labels::CAPI_CLUSTER_NAME: cluster } },
                "type": "cluster.x-k8s.io/secret",
                "data": { "value": ByteString(b"apiVersion: v1\nkind: Config\n".to_vec()) },
            }));
        }
    }

    /// Creates the cluster and brings it to Ready.
    async fn provision(&self, name: &str) {
        self.settle_claim(name).await;
        self.capi_settles(name);
        self.settle_claim(name).await;
        assert_eq!(
            self.status(name).phase,
            Some(Phase::Ready),
            "{name} is Ready"
        );
    }

    fn kcp_version(&self, cluster: &str) -> String {
        let kcp = self
            .fake
            .get(
                "KubeadmControlPlane",
                &format!("{cluster}-cluster"),
                &format!("{cluster}-control-plane"),
            )
            .expect("KCP");
        kcp["spec"]["version"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    fn md_version(&self, cluster: &str) -> String {
        let md = self
            .fake
            .get(
                "MachineDeployment",
                &format!("{cluster}-cluster"),
                &format!("{cluster}-md-0"),
            )
            .expect("MachineDeployment");
        md["spec"]["template"]["spec"]["version"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

fn condition(conditions: &[Condition], type_: ConditionType) -> Condition {
    conditions
        .iter()
        .find(|c| c.type_ == type_)
        .cloned()
        .unwrap_or_else(|| panic!("no {type_:?} in {conditions:#?}"))
}

fn time(seconds: i64) -> String {
    Timestamp::from_second(seconds)
        .expect("valid")
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[tokio::test]
async fn dev_soaks_the_version_then_staging_promotes_it() {
    let dev = core::environment("dev", "v1.32.1");
    let staging = promoted_from("staging", "v1.32.1", "dev", "24h");
    let mut fleet = Fleet::new(
        &[dev, staging],
        &[claim("api-dev", "dev"), claim("api-stg", "staging")],
    );
    fleet.provision("api-dev").await;
    fleet.provision("api-stg").await;
    fleet.reconcile_environment("dev").await;
    fleet.reconcile_environment("staging").await;
    let staging_status = fleet.environment_status("staging");
    assert_eq!(staging_status.target_version.as_deref(), Some("v1.32.1"));
    assert_eq!(
        (
            staging_status.clusters_at_target,
            staging_status.clusters_total
        ),
        (Some(1), Some(1))
    );

    // The platform team moves both environments to v1.33.1; staging waits for dev.
    fleet.set_time(T0 + HOUR);
    fleet.set_environment_version("dev", "v1.33.1");
    fleet.set_environment_version("staging", "v1.33.1");
    fleet.reconcile_environment("dev").await;
    assert_eq!(
        fleet.environment_status("dev").upgrading,
        ["team-a/api-dev"]
    );
    fleet.reconcile_environment("staging").await;
    let staging_status = fleet.environment_status("staging");
    assert_eq!(staging_status.target_version.as_deref(), Some("v1.32.1"));
    assert!(staging_status.upgrading.is_empty());
    assert_eq!(
        staging_status.blocked_by.as_deref(),
        Some("promotion of v1.33.1 from dev waits for: team-a/api-dev runs v1.32.1")
    );

    // dev: control plane first.
    fleet.reconcile_claim("api-dev").await;
    assert_eq!(fleet.kcp_version("api-dev"), "v1.33.1");
    assert_eq!(fleet.md_version("api-dev"), "v1.32.1", "workers wait");
    let status = fleet.status("api-dev");
    assert_eq!(status.phase, Some(Phase::Upgrading));
    let upgrade = status.upgrade.clone().expect("upgrade record");
    assert_eq!(
        (upgrade.from.as_str(), upgrade.to.as_str(), upgrade.part),
        ("v1.32.1", "v1.33.1", UpgradePart::ControlPlane)
    );
    assert_eq!(
        condition(&status.conditions, ConditionType::VersionUpToDate).message,
        "v1.32.1 → v1.33.1: control plane 0/1 at v1.33.1"
    );
    // staging's cluster holds and says why.
    let writes = fleet.reconcile_claim("api-stg").await;
    assert!(
        writes.iter().all(|w| w.ends_with("/status")),
        "nothing but the status: {writes:#?}"
    );
    assert_eq!(fleet.kcp_version("api-stg"), "v1.32.1");
    let held = condition(
        &fleet.status("api-stg").conditions,
        ConditionType::VersionUpToDate,
    );
    assert_eq!(held.reason, "PromotionPending");
    assert_eq!(fleet.status("api-stg").phase, Some(Phase::Ready));

    // CAPI rolls the control plane; then the workers follow; then dev is Ready at v1.33.1.
    fleet.set_time(T0 + 2 * HOUR);
    fleet.capi_settles("api-dev");
    fleet.reconcile_claim("api-dev").await;
    assert_eq!(fleet.md_version("api-dev"), "v1.33.1");
    assert_eq!(
        fleet.status("api-dev").upgrade.map(|u| u.part),
        Some(UpgradePart::WorkerPool)
    );
    fleet.set_time(T0 + 3 * HOUR);
    fleet.capi_settles("api-dev");
    fleet.settle_claim("api-dev").await;
    let status = fleet.status("api-dev");
    assert_eq!(status.phase, Some(Phase::Ready));
    assert_eq!(status.upgrade, None, "finished");
    let soak = status.ready_at_version.expect("soak clock");
    assert_eq!(
        (soak.version.as_str(), soak.since.as_str()),
        ("v1.33.1", time(T0 + 3 * HOUR).as_str())
    );

    // 20h into the soak: blocked, with the cluster and when it will have soaked.
    fleet.set_time(T0 + 23 * HOUR);
    fleet.reconcile_environment("dev").await;
    fleet.reconcile_environment("staging").await;
    let staging_status = fleet.environment_status("staging");
    let blocked = condition(&staging_status.conditions, ConditionType::PromotionBlocked);
    assert_eq!(
        (blocked.status, blocked.reason.as_str()),
        (ConditionStatus::True, "Soaking")
    );
    assert_eq!(
        staging_status.blocked_by.as_deref(),
        Some(
            format!(
                "promotion of v1.33.1 from dev waits for: team-a/api-dev Ready at v1.33.1 since {}, soaked at {} (24h soak)",
                time(T0 + 3 * HOUR),
                time(T0 + 27 * HOUR)
            )
            .as_str()
        )
    );
    assert_eq!(staging_status.target_version.as_deref(), Some("v1.32.1"));
    fleet.reconcile_claim("api-stg").await;
    assert_eq!(fleet.kcp_version("api-stg"), "v1.32.1", "still held");
    // Nothing changed: evaluating again writes nothing.
    fleet.reconcile_environment("staging").await;
    assert!(
        fleet.fake.writes().is_empty(),
        "{:#?}",
        lines(&fleet.fake.writes())
    );

    // The soak ends; a restarted controller knows it from the claims' status alone.
    fleet.restart();
    fleet.set_time(T0 + 27 * HOUR);
    let action = fleet.reconcile_environment("staging").await;
    assert_eq!(action, Action::requeue(Duration::from_secs(600)));
    let staging_status = fleet.environment_status("staging");
    assert_eq!(staging_status.target_version.as_deref(), Some("v1.33.1"));
    assert_eq!(staging_status.upgrading, ["team-a/api-stg"]);
    assert_eq!(staging_status.blocked_by, None);
    assert_eq!(
        condition(&staging_status.conditions, ConditionType::PromotionBlocked).reason,
        "Promoted"
    );
    fleet.reconcile_claim("api-stg").await;
    assert_eq!(fleet.kcp_version("api-stg"), "v1.33.1", "staging moves");
    assert_eq!(fleet.status("api-stg").phase, Some(Phase::Upgrading));
    fleet.assert_rbac_allows_everything();
}

#[tokio::test]
async fn a_remediated_machine_fails_the_upgrade_and_halts_the_wave() {
    let dev = core::environment("dev", "v1.32.1");
    let staging = promoted_from("staging", "v1.32.1", "dev", "1h");
    let fleet = Fleet::new(
        &[dev, staging],
        &[claim("a", "dev"), claim("b", "dev"), claim("s", "staging")],
    );
    for name in ["a", "b", "s"] {
        fleet.provision(name).await;
    }
    fleet.set_time(T0 + HOUR);
    fleet.set_environment_version("dev", "v1.33.1");
    fleet.reconcile_environment("dev").await;
    assert_eq!(
        fleet.environment_status("dev").upgrading,
        ["team-a/a"],
        "one at a time, in order"
    );
    fleet.reconcile_claim("a").await;
    fleet.reconcile_claim("b").await;
    assert_eq!(fleet.kcp_version("b"), "v1.32.1", "b waits its turn");
    assert_eq!(
        condition(
            &fleet.status("b").conditions,
            ConditionType::VersionUpToDate
        )
        .reason,
        "WaitingForTurn"
    );

    // The health check flags a control-plane machine of `a` during its upgrade.
    fleet.set_time(T0 + HOUR + 600);
    fleet.fake.insert(json!({
        "apiVersion": "cluster.x-k8s.io/v1beta2",
        "kind": "Machine",
        "metadata": { "name": "a-control-plane-x1", "namespace": "a-cluster",
                      "labels": { labels::CAPI_CLUSTER_NAME: "a" } },
        "status": { "conditions": [
            { "type": "HealthCheckSucceeded", "status": "False", "reason": "UnhealthyNode",
              "message": "Node a-control-plane-x1 NotReady for 5m", "lastTransitionTime": time(T0 + HOUR + 500) },
            { "type": "OwnerRemediated", "status": "False", "reason": "WaitingForRemediation",
              "message": "waiting for the KubeadmControlPlane", "lastTransitionTime": time(T0 + HOUR + 500) },
        ]},
    }));
    fleet.reconcile_claim("a").await;
    let failed = fleet.status("a");
    let version = condition(&failed.conditions, ConditionType::VersionUpToDate);
    assert_eq!(version.reason, "UpgradeFailed");
    assert!(
        version
            .message
            .contains("machine a-control-plane-x1 failed its health check and is being remediated"),
        "{}",
        version.message
    );
    assert_eq!(failed.phase, Some(Phase::Upgrading), "it still runs");

    // dev halts: b does not start even with a free slot; staging does not promote.
    fleet.fake.update("Environment", "", "dev", |env| {
        env["spec"]["upgrade"] = json!({ "maxConcurrent": 2 });
    });
    fleet.reconcile_environment("dev").await;
    let dev_status = fleet.environment_status("dev");
    assert_eq!(dev_status.upgrading, ["team-a/a"]);
    assert_eq!(
        condition(&dev_status.conditions, ConditionType::UpgradesHalted).status,
        ConditionStatus::True
    );
    fleet.reconcile_claim("b").await;
    assert_eq!(
        condition(
            &fleet.status("b").conditions,
            ConditionType::VersionUpToDate
        )
        .reason,
        "UpgradesHalted"
    );
    fleet.set_environment_version("staging", "v1.33.1");
    fleet.reconcile_environment("staging").await;
    let staging_status = fleet.environment_status("staging");
    assert_eq!(
        condition(&staging_status.conditions, ConditionType::PromotionBlocked).reason,
        "UpgradeFailed"
    );
    assert_eq!(staging_status.target_version.as_deref(), Some("v1.32.1"));

    // `a` finishes after all (the machine was replaced): the wave resumes with b.
    fleet
        .fake
        .remove("Machine", "a-cluster", "a-control-plane-x1");
    for _ in 0..2 {
        fleet.capi_settles("a");
        fleet.reconcile_claim("a").await;
    }
    assert_eq!(fleet.status("a").upgrade, None);
    fleet.reconcile_environment("dev").await;
    assert_eq!(fleet.environment_status("dev").upgrading, ["team-a/b"]);
    fleet.reconcile_claim("b").await;
    assert_eq!(fleet.kcp_version("b"), "v1.33.1");
    fleet.assert_rbac_allows_everything();
}

#[tokio::test]
async fn upgrades_start_in_the_window_and_run_on_after_it_closes() {
    let mut dev = core::environment("dev", "v1.32.1");
    // Monday 22:00 Berlin (21:00 UTC) for 2h; T0 is Monday 00:00 UTC.
    dev.spec.maintenance_window = Some(MaintenanceWindow {
        days: vec![Weekday::Mon],
        start: "22:00".to_owned(),
        duration: "2h".to_owned(),
        time_zone: Some("Europe/Berlin".to_owned()),
    });
    dev.spec.upgrade = Some(UpgradePolicy {
        max_concurrent: Some(5),
        progress_deadline: Some("6h".to_owned()),
    });
    let fleet = Fleet::new(&[dev], &[claim("w", "dev")]);
    fleet.provision("w").await;
    fleet.set_environment_version("dev", "v1.32.3");
    fleet.set_time(T0 + 12 * HOUR);
    let action = fleet.reconcile_environment("dev").await;
    assert_eq!(action, Action::requeue(Duration::from_secs(600)));
    assert!(fleet.environment_status("dev").upgrading.is_empty());
    fleet.reconcile_claim("w").await;
    assert_eq!(fleet.kcp_version("w"), "v1.32.1");
    let waiting = condition(
        &fleet.status("w").conditions,
        ConditionType::VersionUpToDate,
    );
    assert_eq!(waiting.reason, "WaitingForMaintenanceWindow");
    assert_eq!(
        waiting.message,
        "v1.32.1 → v1.32.3 waits: upgrades of Environment dev start in its maintenance window, which opens Mon 2026-01-05 22:00 Europe/Berlin"
    );

    // Inside the window: admitted and started (a patch release is one step).
    fleet.set_time(T0 + 21 * HOUR + 30 * 60);
    fleet.reconcile_environment("dev").await;
    assert_eq!(fleet.environment_status("dev").upgrading, ["team-a/w"]);
    fleet.reconcile_claim("w").await;
    assert_eq!(fleet.kcp_version("w"), "v1.32.3");

    // The window closes with the workers still to roll: the upgrade goes on.
    fleet.set_time(T0 + 24 * HOUR);
    fleet.capi_settles("w");
    fleet.reconcile_claim("w").await;
    assert_eq!(fleet.md_version("w"), "v1.32.3");
    fleet.capi_settles("w");
    fleet.settle_claim("w").await;
    assert_eq!(fleet.status("w").upgrade, None);
    assert_eq!(
        condition(
            &fleet.status("w").conditions,
            ConditionType::VersionUpToDate
        )
        .status,
        ConditionStatus::True
    );
}

#[tokio::test]
async fn a_downgrade_is_refused_and_nothing_is_written_but_the_status() {
    let fleet = Fleet::new(&[core::environment("dev", "v1.32.1")], &[claim("d", "dev")]);
    fleet.provision("d").await;
    fleet.set_environment_version("dev", "v1.31.9");
    let writes = fleet.reconcile_claim("d").await;
    assert_eq!(
        writes,
        ["PATCH /apis/drover.dev/v1alpha1/namespaces/team-a/workloadclusters/d/status"]
    );
    let status = fleet.status("d");
    assert_eq!(status.phase, Some(Phase::Failed));
    let valid = condition(&status.conditions, ConditionType::Valid);
    assert_eq!(valid.status, ConditionStatus::False);
    assert_eq!(
        valid.message,
        "spec.kubernetesVersion: v1.31.9 is older than the v1.32.1 the control plane is at: downgrades are refused (raise the version, or create a new cluster) (the version of Environment `dev`)"
    );
    assert_eq!(fleet.kcp_version("d"), "v1.32.1");
}
