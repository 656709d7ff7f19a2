//! Transient API errors: the reconcile fails with the stage, `error_policy` requeues with backoff
//! or after the server's `retryAfterSeconds`, and the next pass resumes where it stopped.

use std::sync::Arc;
use std::time::Duration;

use drover_kube::{Stage, error_policy};
use kube::runtime::controller::Action;
use serde_json::json;

use crate::fake::Recorded;
use crate::fixtures::{World, claim, lines};

fn status(code: u16, reason: &str, retry_after: Option<u32>) -> serde_json::Value {
    let mut body = json!({ "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                           "message": "try again", "reason": reason, "code": code });
    if let Some(seconds) = retry_after {
        body["details"] = json!({ "retryAfterSeconds": seconds });
    }
    body
}

#[tokio::test]
async fn a_conflict_on_apply_is_retried_with_growing_backoff_and_resumes() {
    let world = World::new(claim());
    world.fake.fail(
        "PATCH",
        "/clusters/payments",
        409,
        status(409, "Conflict", None),
        2,
    );

    let error = world
        .reconcile()
        .await
        .expect_err("the Cluster apply fails");
    assert_eq!(error.stage(), Stage::Apply);
    assert_eq!(error.http_status(), Some(409));
    assert!(
        error
            .to_string()
            .contains("Cluster payments-cluster/payments"),
        "{error}"
    );
    let applied_before: Vec<Recorded> = world
        .fake
        .writes()
        .into_iter()
        .filter(Recorded::is_apply)
        .collect();
    assert!(
        !applied_before
            .iter()
            .any(|w| w.path.contains("machinedeployments")),
        "objects after the failed one wait: {:#?}",
        lines(&applied_before)
    );
    assert_eq!(
        error_policy(world.claim(), &error, Arc::clone(&world.ctx)),
        Action::requeue(Duration::from_secs(5))
    );

    let error = world.reconcile().await.expect_err("fails again");
    assert_eq!(
        error_policy(world.claim(), &error, Arc::clone(&world.ctx)),
        Action::requeue(Duration::from_secs(10))
    );

    world.reconcile().await.expect("third pass succeeds");
    let writes = world.fake.writes();
    assert!(
        !writes
            .iter()
            .any(|w| w.path.ends_with("/namespaces/payments-cluster")),
        "the Namespace is not applied twice"
    );
    assert!(
        writes
            .iter()
            .any(|w| w.path.ends_with("/clusters/payments")),
        "{:#?}",
        lines(&writes)
    );

    // Success resets the backoff. (A read: the Argo CD Secret, read again once the
    // controller's memory of it expired.)
    world.secret_refresh_passes();
    world.fake.fail(
        "GET",
        "/secrets/drover-payments",
        500,
        status(500, "InternalError", None),
        1,
    );
    let error = world.reconcile().await.expect_err("a 500");
    assert_eq!(error.stage(), Stage::Dereference);
    assert_eq!(
        error_policy(world.claim(), &error, Arc::clone(&world.ctx)),
        Action::requeue(Duration::from_secs(5))
    );

    let metrics = world.ctx.metrics().snapshot();
    assert_eq!(metrics.failures.get(&Stage::Apply), Some(&2));
    assert_eq!(metrics.failures.get(&Stage::Dereference), Some(&1));
    assert_eq!(metrics.reconciles, 4);
}

#[tokio::test]
async fn too_many_requests_honours_retry_after() {
    let world = World::new(claim());
    world.settle().await;
    world.secret_refresh_passes();
    world.fake.fail(
        "GET",
        "/secrets/drover-payments",
        429,
        status(429, "TooManyRequests", Some(7)),
        1,
    );
    let error = world.reconcile().await.expect_err("throttled");
    assert_eq!(error.http_status(), Some(429));
    assert_eq!(error.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(
        error_policy(world.claim(), &error, Arc::clone(&world.ctx)),
        Action::requeue(Duration::from_secs(7))
    );
    assert!(
        world.fake.writes().is_empty(),
        "nothing written before the failure"
    );
}

#[tokio::test]
async fn too_many_requests_without_retry_after_backs_off_and_non_json_errors_are_handled() {
    let world = World::new(claim());
    world.settle().await;
    world.secret_refresh_passes();
    world.fake.fail(
        "GET",
        "/secrets/drover-payments",
        429,
        json!("Too many requests, please try again later."),
        1,
    );
    let error = world.reconcile().await.expect_err("throttled");
    assert_eq!(error.stage(), Stage::Dereference);
    assert_eq!(error.retry_after(), None);
    assert_eq!(
        error_policy(world.claim(), &error, Arc::clone(&world.ctx)),
        Action::requeue(Duration::from_secs(5))
    );
}

#[tokio::test]
async fn a_failed_status_write_is_an_error_of_the_status_stage() {
    let world = World::new(claim());
    world.fake.fail(
        "PATCH",
        "/workloadclusters/payments/status",
        503,
        status(503, "ServiceUnavailable", Some(3)),
        1,
    );
    let error = world.reconcile().await.expect_err("status write fails");
    assert_eq!(error.stage(), Stage::Status);
    assert_eq!(
        error_policy(world.claim(), &error, Arc::clone(&world.ctx)),
        Action::requeue(Duration::from_secs(3))
    );
    world.reconcile().await.expect("next pass succeeds");
    let writes = world.fake.writes();
    assert!(
        writes.iter().all(|w| w.path.ends_with("/status")),
        "objects are in place already: {:#?}",
        lines(&writes)
    );
}
