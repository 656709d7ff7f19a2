//! MachineHealthChecks can remediate: for every replica count, CAPI's limit (a percentage of the
//! targeted machines, rounded down) lets at least one unhealthy machine be remediated.

#[path = "common/health_check.rs"]
mod health_check;

use drover_core::fixtures::{
    self, claim, environment, kubevirt_infrastructure, with_control_plane, with_workers,
};
use drover_core::render::render_cluster;
use health_check::{capi_max_unhealthy, capi_remediation_allowed, health_checks_with_targets};
use serde_json::{Value, json};

/// The rendered objects of a KubeVirt cluster with `replicas` control-plane machines (set after
/// resolving, so even counts claims refuse can be checked) and one pool of `replicas` workers.
fn rendered(replicas: i32) -> Vec<Value> {
    let wc = with_workers(
        with_control_plane(claim("team-a", "mhc", "dev"), 1),
        &[("md-0", replicas, "medium")],
    );
    let mut cluster = fixtures::resolved(
        &wc,
        &environment("dev", "v1.32.1"),
        &kubevirt_infrastructure(),
    );
    cluster.control_plane.replicas = replicas;
    let rendered = render_cluster(&cluster).expect("renders");
    rendered.objects.into_iter().map(|m| m.0).collect()
}

fn limit(check: &Value) -> &Value {
    &check["spec"]["remediation"]["triggerIf"]["unhealthyLessThanOrEqualTo"]
}

/// Every health check of the cluster targets `replicas` machines and lets CAPI remediate one.
fn assert_each_check_remediates_one(replicas: i32) -> Vec<Value> {
    let objects = rendered(replicas);
    let refs: Vec<&Value> = objects.iter().collect();
    let checks = health_checks_with_targets(&refs);
    assert_eq!(checks.len(), 2, "control plane and md-0");
    for (check, targets) in &checks {
        let name = &check["metadata"]["name"];
        assert_eq!(*targets, i64::from(replicas), "{name} targets");
        assert!(
            capi_remediation_allowed(check, *targets, 1),
            "{name}: {} of {targets} machines lets CAPI remediate nothing",
            limit(check)
        );
    }
    checks.into_iter().map(|(c, _)| c.clone()).collect()
}

fn limits(checks: &[Value]) -> Vec<&Value> {
    checks.iter().map(limit).collect()
}

#[test]
fn one_replica_health_checks_remediate_one_machine() {
    let checks = assert_each_check_remediates_one(1);
    assert_eq!(limits(&checks), [&json!("100%"), &json!("100%")]);
}

#[test]
fn two_replica_health_checks_remediate_one_machine() {
    let checks = assert_each_check_remediates_one(2);
    assert_eq!(limits(&checks), [&json!("100%"), &json!("50%")]);
}

#[test]
fn three_replica_health_checks_remediate_one_machine() {
    let checks = assert_each_check_remediates_one(3);
    assert_eq!(limits(&checks), [&json!("100%"), &json!("40%")]);
}

#[test]
fn five_replica_health_checks_remediate_one_machine() {
    let checks = assert_each_check_remediates_one(5);
    assert_eq!(limits(&checks), [&json!("100%"), &json!("40%")]);
}

#[test]
fn worker_checks_keep_the_circuit_breaker_of_large_pools() {
    let objects = rendered(10);
    let refs: Vec<&Value> = objects.iter().collect();
    let (pool, targets) = health_checks_with_targets(&refs)
        .into_iter()
        .find(|(c, _)| c["metadata"]["name"] == "mhc-md-0")
        .expect("md-0's health check");
    assert_eq!(capi_max_unhealthy(limit(pool), targets), Ok(4));
    assert!(capi_remediation_allowed(pool, targets, 4));
    assert!(!capi_remediation_allowed(pool, targets, 5));
}

#[test]
fn capi_rounding_matches_capis_documented_examples() {
    // "Configure a MachineHealthCheck": 40% of 25 allows 10, 40% of 6 allows 2, 2 allows 2
    // whatever the count; a percentage that is not a whole number of machines rounds down.
    assert_eq!(capi_max_unhealthy(&json!("40%"), 25), Ok(10));
    assert_eq!(capi_max_unhealthy(&json!("40%"), 6), Ok(2));
    assert_eq!(capi_max_unhealthy(&json!(2), 100), Ok(2));
    assert_eq!(capi_max_unhealthy(&json!("33%"), 3), Ok(0));
    assert_eq!(capi_max_unhealthy(&json!("40%"), 2), Ok(0));
    assert!(capi_max_unhealthy(&json!("40"), 5).is_err());
    let check = |trigger: Value| json!({ "spec": { "remediation": { "triggerIf": trigger } } });
    assert!(capi_remediation_allowed(&json!({}), 3, 3), "default 100%");
    assert!(!capi_remediation_allowed(
        &check(json!({ "unhealthyLessThanOrEqualTo": "33%" })),
        3,
        1
    ));
    assert!(!capi_remediation_allowed(
        &check(json!({ "unhealthyInRange": "[2-3]" })),
        5,
        1
    ));
    assert!(capi_remediation_allowed(
        &check(json!({ "unhealthyInRange": "[2-3]" })),
        5,
        2
    ));
}
