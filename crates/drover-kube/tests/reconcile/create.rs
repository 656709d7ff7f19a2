//! A new claim: finalizer first, then every rendered object by server-side apply in order, then
//! the status once.

use std::time::Duration;

use drover_api::{ConditionStatus, ConditionType, Phase, WorkloadCluster};
use kube::runtime::controller::Action;
use serde_json::json;

use drover_kube::apply::diff::stamped;

use crate::fixtures::{CLAIM_PATH, STATUS_PATH, World, claim, lines, path_of, rendered};

#[tokio::test]
async fn create_adds_the_finalizer_then_applies_in_order_then_writes_the_status_once() {
    let world = World::new(claim());
    let action = world.reconcile().await.expect("reconcile succeeds");
    assert_eq!(
        action,
        Action::requeue(Duration::from_secs(300)),
        "provisioning: the watches wake it; a long safety requeue only"
    );

    let requests = world.fake.requests();
    let first_write = requests
        .iter()
        .position(|r| r.is_write())
        .expect("something was written");
    assert!(
        requests[..first_write].iter().all(|r| r.method == "GET"),
        "reads come first"
    );

    let writes = world.fake.writes();
    let finalizer = &writes[0];
    assert_eq!(finalizer.line(), format!("PATCH {CLAIM_PATH}"));
    assert_eq!(finalizer.content_type, "application/json-patch+json");
    assert_eq!(
        finalizer.body,
        json!([
            { "op": "test", "path": "/metadata/finalizers", "value": null },
            { "op": "add", "path": "/metadata/finalizers", "value": ["drover.dev/cleanup"] },
        ])
    );

    let expected = rendered(&claim());
    let applies = &writes[1..writes.len() - 1];
    let expected_lines: Vec<String> = expected
        .iter()
        .map(|m| format!("PATCH {}", path_of(m)))
        .collect();
    assert_eq!(
        lines(applies),
        expected_lines,
        "one apply per rendered object, in render order"
    );
    assert!(
        expected_lines[0].ends_with("/api/v1/namespaces/payments-cluster"),
        "Namespace first"
    );
    for (request, manifest) in applies.iter().zip(&expected) {
        assert!(
            request.is_apply(),
            "{} is a server-side apply",
            request.line()
        );
        assert_eq!(
            request.query.get("fieldManager").map(String::as_str),
            Some("drover")
        );
        assert_eq!(request.query.get("force").map(String::as_str), Some("true"));
        assert_eq!(
            request.body,
            stamped(&manifest.0),
            "the rendered object with its hash"
        );
        assert_eq!(
            request.body["metadata"]["annotations"]["drover.dev/applied-hash"]
                .as_str()
                .map(str::len),
            Some(16)
        );
    }

    let status = writes.last().expect("status write");
    assert_eq!(status.line(), format!("PATCH {STATUS_PATH}"));
    assert!(status.is_apply());
    assert_eq!(
        status.query.get("fieldManager").map(String::as_str),
        Some("drover")
    );
    assert_eq!(
        writes.iter().filter(|w| w.path == STATUS_PATH).count(),
        1,
        "status written once"
    );

    let stored: WorkloadCluster = serde_json::from_value(
        world
            .fake
            .get("WorkloadCluster", "team-a", "payments")
            .expect("claim"),
    )
    .expect("parses");
    assert_eq!(
        stored.metadata.finalizers,
        Some(vec!["drover.dev/cleanup".to_owned()])
    );
    let status = stored.status.expect("status");
    assert_eq!(status.phase, Some(Phase::Provisioning));
    assert_eq!(status.observed_generation, Some(1));
    assert_eq!(status.target_version.as_deref(), Some("v1.32.1"));
    let valid = status
        .conditions
        .iter()
        .find(|c| c.type_ == ConditionType::Valid)
        .expect("Valid");
    assert_eq!(valid.status, ConditionStatus::True);

    let events = world.fake.events();
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0]["reason"], "Applied");
    assert_eq!(events[0]["regarding"]["name"], "payments");
    assert!(
        world
            .fake
            .get("Namespace", "", "payments-cluster")
            .is_some()
    );
    assert_eq!(
        world.ctx.metrics().snapshot().objects_applied,
        expected.len() as u64
    );
}

#[tokio::test]
async fn an_existing_finalizer_list_is_appended_to_not_replaced() {
    let mut with_other = claim();
    with_other.metadata.finalizers = Some(vec!["other.io/keep".to_owned()]);
    let world = World::new(with_other);
    world.reconcile().await.expect("reconcile succeeds");
    let writes = world.fake.writes();
    assert_eq!(
        writes[0].body,
        json!([
            { "op": "test", "path": "/metadata/finalizers", "value": ["other.io/keep"] },
            { "op": "add", "path": "/metadata/finalizers/-", "value": "drover.dev/cleanup" },
        ])
    );
    let stored = world.claim();
    assert_eq!(
        stored.metadata.finalizers,
        Some(vec![
            "other.io/keep".to_owned(),
            "drover.dev/cleanup".to_owned()
        ])
    );
}
