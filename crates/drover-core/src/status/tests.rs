use drover_api::{Condition, ConditionStatus, ConditionType, Phase, WorkloadClusterStatus};
use serde_json::{Value, json};

use super::*;

const T0: &str = "2026-01-01T00:00:00Z";
const T1: &str = "2026-01-01T00:10:00Z";

fn desired() -> Desired {
    Desired {
        version: "v1.32.1".to_owned(),
        control_plane_replicas: 3,
        worker_replicas: 4,
        worker_pools: 2,
    }
}

fn cluster(ready: bool) -> Value {
    json!({
        "spec": { "controlPlaneEndpoint": { "host": "10.0.0.5", "port": 6443 } },
        "status": {
            "initialization": { "infrastructureProvisioned": ready, "controlPlaneInitialized": ready },
            "conditions": [
                { "type": "ControlPlaneAvailable", "status": if ready { "True" } else { "False" },
                  "reason": if ready { "Available" } else { "NotAvailable" }, "message": "" },
                { "type": "WorkersAvailable", "status": if ready { "True" } else { "False" },
                  "reason": "x", "message": "" },
            ],
        },
    })
}

fn replicas(desired: i32, ready: i32, version: Option<&str>) -> Value {
    json!({
        "spec": { "replicas": desired },
        "status": { "replicas": desired, "readyReplicas": ready, "availableReplicas": ready,
                    "upToDateReplicas": ready, "version": version },
    })
}

fn input<'a>(
    observed: &'a Observed<'a>,
    validity: &'a Validity,
    desired: Option<&'a Desired>,
    previous: Option<&'a WorkloadClusterStatus>,
    now: &'a str,
) -> StatusInput<'a> {
    StatusInput {
        generation: Some(2),
        previous,
        validity,
        desired,
        observed,
        registration: Registration::Registered {
            namespace: "argocd".to_owned(),
        },
        created: true,
        now,
        upgrade: None,
        capacity: None,
        hibernation: None,
    }
}

fn condition(status: &WorkloadClusterStatus, type_: ConditionType) -> &Condition {
    match status.conditions.iter().find(|c| c.type_ == type_) {
        Some(c) => c,
        None => panic!("no {type_:?} condition in {status:?}"),
    }
}

#[test]
fn ready_cluster_reports_everything_true() {
    let (cluster, cp) = (cluster(true), replicas(3, 3, Some("v1.32.1")));
    let (md0, md1) = (replicas(2, 2, None), replicas(2, 2, None));
    let observed = Observed {
        cluster: Some(&cluster),
        control_plane: Some(&cp),
        machine_deployments: vec![&md0, &md1],
        kubeconfig_exported: true,
    };
    let d = desired();
    let status = compute(&input(&observed, &Validity::Valid, Some(&d), None, T0));
    assert_eq!(status.phase, Some(Phase::Ready));
    assert_eq!(status.observed_generation, Some(2));
    assert_eq!(status.endpoint.as_deref(), Some("https://10.0.0.5:6443"));
    assert_eq!(status.kubernetes_version.as_deref(), Some("v1.32.1"));
    assert_eq!(
        status.control_plane,
        Some(ReplicaCounts {
            ready: 3,
            desired: 3
        })
    );
    assert_eq!(
        status.workers,
        Some(ReplicaCounts {
            ready: 4,
            desired: 4
        })
    );
    let types: Vec<ConditionType> = status.conditions.iter().map(|c| c.type_).collect();
    assert_eq!(
        types,
        [
            ConditionType::Valid,
            ConditionType::InfrastructureReady,
            ConditionType::ControlPlaneReady,
            ConditionType::WorkersReady,
            ConditionType::KubeconfigExported,
            ConditionType::Registered,
            ConditionType::Ready,
        ]
    );
    assert!(
        status
            .conditions
            .iter()
            .all(|c| c.status == ConditionStatus::True),
        "{status:?}"
    );
    assert!(
        status
            .conditions
            .iter()
            .all(|c| c.last_transition_time == T0)
    );
}

#[test]
fn nothing_observed_yet_is_pending_or_provisioning() {
    let observed = Observed::default();
    let d = desired();
    let mut inp = input(&observed, &Validity::Valid, Some(&d), None, T0);
    inp.created = false;
    let status = compute(&inp);
    assert_eq!(status.phase, Some(Phase::Pending));
    assert_eq!(
        condition(&status, ConditionType::InfrastructureReady).reason,
        "ClusterNotCreated"
    );
    assert_eq!(
        condition(&status, ConditionType::Ready).status,
        ConditionStatus::False
    );
    inp.created = true;
    assert_eq!(compute(&inp).phase, Some(Phase::Provisioning));
}

#[test]
fn capi_conditions_are_passed_through_with_their_reason() {
    let (cluster, cp) = (cluster(false), replicas(3, 1, None));
    let observed = Observed {
        cluster: Some(&cluster),
        control_plane: Some(&cp),
        machine_deployments: vec![],
        kubeconfig_exported: false,
    };
    let d = desired();
    let status = compute(&input(&observed, &Validity::Valid, Some(&d), None, T0));
    assert_eq!(status.phase, Some(Phase::Provisioning));
    let cp_ready = condition(&status, ConditionType::ControlPlaneReady);
    assert_eq!(
        (cp_ready.status, cp_ready.reason.as_str()),
        (ConditionStatus::False, "NotAvailable")
    );
    let workers = condition(&status, ConditionType::WorkersReady);
    assert_eq!(workers.reason, "WaitingForMachineDeployments");
    assert_eq!(workers.message, "0 of 2 worker pools exist");
    assert_eq!(
        status.control_plane,
        Some(ReplicaCounts {
            ready: 1,
            desired: 3
        })
    );
    let ready = condition(&status, ConditionType::Ready);
    assert!(
        ready.message.contains("ControlPlaneReady"),
        "{}",
        ready.message
    );
}

#[test]
fn invalid_claim_is_failed_with_the_field_in_the_message() {
    let observed = Observed::default();
    let validity = Validity::Invalid {
        reason: REASON_INVALID.to_owned(),
        message: "spec.workers[0].size: size `huge` is not defined".to_owned(),
    };
    let status = compute(&input(&observed, &validity, None, None, T0));
    assert_eq!(status.phase, Some(Phase::Failed));
    let valid = condition(&status, ConditionType::Valid);
    assert_eq!(valid.status, ConditionStatus::False);
    assert_eq!(valid.reason, "Invalid");
    assert!(valid.message.starts_with("spec.workers[0].size"));
    assert_eq!(status.control_plane, None);
}

#[test]
fn transition_time_is_kept_while_the_status_does_not_change() {
    let observed = Observed::default();
    let d = desired();
    let first = compute(&input(&observed, &Validity::Valid, Some(&d), None, T0));
    let again = compute(&input(
        &observed,
        &Validity::Valid,
        Some(&d),
        Some(&first),
        T1,
    ));
    assert_eq!(
        first, again,
        "same observation, same status: nothing to write"
    );

    let (cluster, cp) = (cluster(true), replicas(3, 3, Some("v1.32.1")));
    let observed = Observed {
        cluster: Some(&cluster),
        control_plane: Some(&cp),
        machine_deployments: vec![],
        kubeconfig_exported: false,
    };
    let later = compute(&input(
        &observed,
        &Validity::Valid,
        Some(&d),
        Some(&first),
        T1,
    ));
    let infra = condition(&later, ConditionType::InfrastructureReady);
    assert_eq!(
        (infra.status, infra.last_transition_time.as_str()),
        (ConditionStatus::True, T1)
    );
    let valid = condition(&later, ConditionType::Valid);
    assert_eq!(valid.last_transition_time, T0, "Valid did not change");
    let changed: Vec<ConditionType> = transitions(Some(&first), &later)
        .iter()
        .map(|t| t.type_)
        .collect();
    assert_eq!(
        changed,
        [
            ConditionType::InfrastructureReady,
            ConditionType::ControlPlaneReady
        ]
    );
}

#[test]
fn control_plane_version_behind_the_desired_one_is_upgrading() {
    let (cluster, cp) = (cluster(true), replicas(3, 3, Some("v1.31.4")));
    let observed = Observed {
        cluster: Some(&cluster),
        control_plane: Some(&cp),
        machine_deployments: vec![],
        kubeconfig_exported: true,
    };
    let d = desired();
    let status = compute(&input(&observed, &Validity::Valid, Some(&d), None, T0));
    assert_eq!(status.phase, Some(Phase::Upgrading));
    assert_eq!(status.kubernetes_version.as_deref(), Some("v1.31.4"));
    assert_eq!(status.target_version.as_deref(), Some("v1.32.1"));
}

#[test]
fn disabled_registration_reports_no_registered_condition() {
    let observed = Observed::default();
    let d = desired();
    let mut inp = input(&observed, &Validity::Valid, Some(&d), None, T0);
    inp.registration = Registration::Disabled;
    let status = compute(&inp);
    assert!(
        status
            .conditions
            .iter()
            .all(|c| c.type_ != ConditionType::Registered)
    );
}

#[test]
fn new_invalid_claim_is_a_transition_but_other_new_conditions_are_not() {
    let observed = Observed::default();
    let validity = Validity::Invalid {
        reason: "Invalid".to_owned(),
        message: "x: y".to_owned(),
    };
    let status = compute(&input(&observed, &validity, None, None, T0));
    let changed: Vec<ConditionType> = transitions(None, &status).iter().map(|t| t.type_).collect();
    assert_eq!(changed, [ConditionType::Valid]);
}

#[test]
fn deleting_keeps_conditions_and_sets_phase() {
    let observed = Observed::default();
    let d = desired();
    let before = compute(&input(&observed, &Validity::Valid, Some(&d), None, T0));
    let status = deleting(
        Some(&before),
        Some(3),
        "waiting for the CAPI Cluster to be deleted",
        T1,
    );
    assert_eq!(status.phase, Some(Phase::Deleting));
    assert_eq!(status.observed_generation, Some(3));
    let ready = condition(&status, ConditionType::Ready);
    assert_eq!(ready.reason, "Deleting");
    assert_eq!(ready.last_transition_time, T0, "Ready was already False");
    assert_eq!(status.conditions.len(), before.conditions.len());
}

fn ready_observed<'a>(cluster: &'a Value, cp: &'a Value, mds: Vec<&'a Value>) -> Observed<'a> {
    Observed {
        cluster: Some(cluster),
        control_plane: Some(cp),
        machine_deployments: mds,
        kubeconfig_exported: true,
    }
}

fn report(
    record: Option<drover_api::workload_cluster::UpgradeStatus>,
    status: ConditionStatus,
    reason: &str,
) -> crate::upgrade::UpgradeReport {
    crate::upgrade::UpgradeReport {
        record,
        condition: crate::upgrade::VersionCondition {
            type_: ConditionType::VersionUpToDate,
            status,
            reason: reason.to_owned(),
            message: "m".to_owned(),
        },
    }
}

fn upgrade_record(
    part: drover_api::workload_cluster::UpgradePart,
) -> drover_api::workload_cluster::UpgradeStatus {
    drover_api::workload_cluster::UpgradeStatus {
        from: "v1.31.4".to_owned(),
        to: "v1.32.1".to_owned(),
        step: "v1.32.1".to_owned(),
        part,
        pool: None,
        updated: 0,
        total: 0,
        started_at: T0.to_owned(),
        last_progress_time: T0.to_owned(),
        failure: None,
    }
}

#[test]
fn a_held_upgrade_is_not_the_upgrading_phase() {
    let (cluster, cp) = (cluster(true), replicas(3, 3, Some("v1.31.4")));
    let (md0, md1) = (replicas(2, 2, None), replicas(2, 2, None));
    let observed = ready_observed(&cluster, &cp, vec![&md0, &md1]);
    let d = desired();
    let waiting = report(None, ConditionStatus::False, "WaitingForMaintenanceWindow");
    let mut inp = input(&observed, &Validity::Valid, Some(&d), None, T0);
    inp.upgrade = Some(&waiting);
    let status = compute(&inp);
    assert_eq!(
        status.phase,
        Some(Phase::Ready),
        "Ready, waiting for its window"
    );
    let version = condition(&status, ConditionType::VersionUpToDate);
    assert_eq!(version.reason, "WaitingForMaintenanceWindow");
    assert_eq!(
        condition(&status, ConditionType::Ready).status,
        ConditionStatus::True,
        "VersionUpToDate is not part of Ready"
    );
    assert_eq!(
        status.ready_at_version,
        Some(drover_api::workload_cluster::ReadyAtVersion {
            version: "v1.31.4".to_owned(),
            since: T0.to_owned()
        })
    );
}

#[test]
fn a_running_upgrade_is_upgrading_until_ready_at_the_new_version() {
    use drover_api::workload_cluster::UpgradePart;
    let d = desired();
    // Rolling: phase Upgrading, no soak clock.
    let (cluster_obj, rolling_cp) = (cluster(false), replicas(3, 2, Some("v1.31.4")));
    let observed = ready_observed(&cluster_obj, &rolling_cp, vec![]);
    let rolling = report(
        Some(upgrade_record(UpgradePart::ControlPlane)),
        ConditionStatus::False,
        "Upgrading",
    );
    let mut inp = input(&observed, &Validity::Valid, Some(&d), None, T0);
    inp.upgrade = Some(&rolling);
    let first = compute(&inp);
    assert_eq!(first.phase, Some(Phase::Upgrading));
    assert!(first.upgrade.is_some());
    assert_eq!(first.ready_at_version, None);

    // Every part at v1.32.1 and the cluster Ready: the record goes, the soak clock starts.
    let (cluster_obj, cp) = (cluster(true), replicas(3, 3, Some("v1.32.1")));
    let (md0, md1) = (replicas(2, 2, None), replicas(2, 2, None));
    let observed = ready_observed(&cluster_obj, &cp, vec![&md0, &md1]);
    let done = report(
        Some(upgrade_record(UpgradePart::Ready)),
        ConditionStatus::False,
        "Upgrading",
    );
    let mut inp = input(&observed, &Validity::Valid, Some(&d), Some(&first), T1);
    inp.upgrade = Some(&done);
    let second = compute(&inp);
    assert_eq!(second.phase, Some(Phase::Ready));
    assert_eq!(second.upgrade, None);
    let version = condition(&second, ConditionType::VersionUpToDate);
    assert_eq!(
        (version.status, version.message.as_str()),
        (ConditionStatus::True, "upgraded from v1.31.4 to v1.32.1")
    );
    let soak = second.ready_at_version.clone().expect("soak clock");
    assert_eq!(
        (soak.version.as_str(), soak.since.as_str()),
        ("v1.32.1", T1)
    );

    // Later: the clock keeps its start.
    let idle = report(None, ConditionStatus::True, "UpToDate");
    let mut inp = input(
        &observed,
        &Validity::Valid,
        Some(&d),
        Some(&second),
        "2026-01-02T00:00:00Z",
    );
    inp.upgrade = Some(&idle);
    let third = compute(&inp);
    assert_eq!(third.ready_at_version.map(|r| r.since).as_deref(), Some(T1));
}

#[test]
fn losing_ready_resets_the_soak_clock() {
    let d = desired();
    let (cluster_obj, cp) = (cluster(true), replicas(3, 3, Some("v1.32.1")));
    let (md0, md1) = (replicas(2, 2, None), replicas(2, 2, None));
    let observed = ready_observed(&cluster_obj, &cp, vec![&md0, &md1]);
    let idle = report(None, ConditionStatus::True, "UpToDate");
    let mut inp = input(&observed, &Validity::Valid, Some(&d), None, T0);
    inp.upgrade = Some(&idle);
    let ready = compute(&inp);
    assert!(ready.ready_at_version.is_some());
    let (broken, cp) = (cluster(false), replicas(3, 2, Some("v1.32.1")));
    let observed = ready_observed(&broken, &cp, vec![&md0, &md1]);
    let mut inp = input(&observed, &Validity::Valid, Some(&d), Some(&ready), T1);
    inp.upgrade = Some(&idle);
    assert_eq!(compute(&inp).ready_at_version, None);
}

#[test]
fn capacity_available_follows_the_admission_and_holds_ready() {
    let observed = Observed::default();
    let d = desired();
    let refused = Capacity::Insufficient("does not fit on Infrastructure x: 1 VM(s)".to_owned());
    let mut inp = input(&observed, &Validity::Valid, Some(&d), None, T0);
    inp.created = false;
    inp.capacity = Some(&refused);
    let status = compute(&inp);
    assert_eq!(status.phase, Some(Phase::Pending), "nothing created");
    let types: Vec<ConditionType> = status.conditions.iter().take(2).map(|c| c.type_).collect();
    assert_eq!(
        types,
        [ConditionType::Valid, ConditionType::CapacityAvailable]
    );
    let capacity = condition(&status, ConditionType::CapacityAvailable);
    assert_eq!(
        (
            capacity.status,
            capacity.reason.as_str(),
            capacity.message.as_str()
        ),
        (
            ConditionStatus::False,
            REASON_INSUFFICIENT_CAPACITY,
            "does not fit on Infrastructure x: 1 VM(s)"
        )
    );
    assert!(
        condition(&status, ConditionType::Ready)
            .message
            .contains("CapacityAvailable")
    );

    // Not growing after a refusal (the claim was shrunk back): True again.
    let mut inp = input(&observed, &Validity::Valid, Some(&d), Some(&status), T1);
    inp.capacity = Some(&Capacity::NotGrowing);
    let cleared = compute(&inp);
    let capacity = condition(&cleared, ConditionType::CapacityAvailable);
    assert_eq!(
        (capacity.status, capacity.reason.as_str()),
        (ConditionStatus::True, "NotGrowing")
    );

    // A previous True condition is kept as it was while the cluster does not grow.
    let fits = Capacity::Fits("fits on Infrastructure x with the other 1 cluster(s)".to_owned());
    let mut inp = input(&observed, &Validity::Valid, Some(&d), None, T0);
    inp.capacity = Some(&fits);
    let admitted = compute(&inp);
    let mut inp = input(&observed, &Validity::Valid, Some(&d), Some(&admitted), T1);
    inp.capacity = Some(&Capacity::NotGrowing);
    let later = compute(&inp);
    assert_eq!(
        condition(&later, ConditionType::CapacityAvailable),
        condition(&admitted, ConditionType::CapacityAvailable)
    );

    // Not decided (an invalid claim): the previous condition stays, none appears.
    let inp = input(&observed, &Validity::Valid, Some(&d), Some(&admitted), T1);
    let kept = compute(&inp);
    assert_eq!(
        condition(&kept, ConditionType::CapacityAvailable),
        condition(&admitted, ConditionType::CapacityAvailable)
    );
    let fresh = compute(&input(&observed, &Validity::Valid, Some(&d), None, T0));
    assert!(
        fresh
            .conditions
            .iter()
            .all(|c| c.type_ != ConditionType::CapacityAvailable)
    );
}
