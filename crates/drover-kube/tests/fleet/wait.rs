//! The wait loop over scripted watcher event sequences: lists, restarts, updates, deletion,
//! errors and the timeout.

use std::time::Duration;

use drover_api::WorkloadCluster;
use drover_core::fleetview::{Goal, Progress};
use drover_kube::fleet::{WaitError, WaitOutcome, wait_for};
use futures::StreamExt;
use futures::stream;
use kube::runtime::watcher::{Error, Event};
use serde_json::json;

use crate::claim;

type Item = Result<Event<WorkloadCluster>, Error>;

/// The claim `team-a/web` at generation 1 with `phase` and control plane `ready`/3.
fn web(phase: Option<&str>, ready: i32) -> WorkloadCluster {
    let mut object = claim("team-a", "web", "dev", phase);
    object["metadata"]["generation"] = json!(1);
    if phase.is_some() {
        object["status"]["controlPlane"] = json!({ "ready": ready, "desired": 3 });
        let ready_condition = if phase == Some("Ready") {
            "True"
        } else {
            "False"
        };
        object["status"]["conditions"] = json!([{
            "type": "Ready", "status": ready_condition, "reason": "R", "message": "",
            "lastTransitionTime": "2026-01-01T00:00:00Z",
        }]);
    }
    serde_json::from_value(object).unwrap_or_else(|e| panic!("{e}"))
}

async fn run(
    events: Vec<Item>,
    goal: Goal,
    forever: bool,
) -> (Result<WaitOutcome, WaitError>, Vec<String>) {
    let mut seen = Vec::new();
    let script = stream::iter(events);
    let timeout = Duration::from_millis(200);
    let outcome = if forever {
        wait_for(
            script.chain(stream::pending()),
            "team-a",
            "web",
            goal,
            timeout,
            |p: &Progress| seen.push(p.to_string()),
        )
        .await
    } else {
        wait_for(script, "team-a", "web", goal, timeout, |p: &Progress| {
            seen.push(p.to_string())
        })
        .await
    };
    (outcome, seen)
}

#[tokio::test]
async fn waits_through_provisioning_until_ready() {
    let events = vec![
        Ok(Event::Init),
        Ok(Event::InitApply(web(Some("Provisioning"), 0))),
        Ok(Event::InitDone),
        Ok(Event::Apply(web(Some("Provisioning"), 1))),
        // An unrelated update that changes nothing shown: no new progress line.
        Ok(Event::Apply(web(Some("Provisioning"), 1))),
        Ok(Event::Apply(web(Some("Ready"), 3))),
    ];
    let (outcome, seen) = run(events, Goal::Ready, true).await;
    assert!(matches!(outcome, Ok(WaitOutcome::Done(_))), "{outcome:?}");
    assert_eq!(
        seen,
        [
            "Provisioning · control plane 0/3 · workers - · -",
            "Provisioning · control plane 1/3 · workers - · -",
            "Ready · control plane 3/3 · workers - · -",
        ]
    );
}

#[tokio::test]
async fn nothing_is_decided_before_the_first_list_completes() {
    // Waiting for deletion: an Init without InitDone says nothing about absence.
    let events = vec![Ok(Event::Init)];
    let (outcome, seen) = run(events, Goal::Deleted, true).await;
    assert_eq!(
        outcome.ok(),
        Some(WaitOutcome::TimedOut {
            last: None,
            error: None
        })
    );
    assert!(seen.is_empty());
}

#[tokio::test]
async fn deletion_is_seen_by_event_or_by_a_relist_without_the_claim() {
    let by_event = vec![
        Ok(Event::Init),
        Ok(Event::InitApply(web(Some("Deleting"), 3))),
        Ok(Event::InitDone),
        Ok(Event::Delete(web(Some("Deleting"), 0))),
    ];
    let (outcome, _) = run(by_event, Goal::Deleted, true).await;
    assert!(matches!(outcome, Ok(WaitOutcome::Done(_))), "{outcome:?}");

    // The watch restarted (e.g. its resourceVersion expired) and the relist no longer has it.
    let by_relist = vec![
        Ok(Event::Init),
        Ok(Event::InitApply(web(Some("Deleting"), 3))),
        Ok(Event::InitDone),
        Ok(Event::Init),
        Ok(Event::InitDone),
    ];
    let (outcome, _) = run(by_relist, Goal::Deleted, true).await;
    assert!(matches!(outcome, Ok(WaitOutcome::Done(_))), "{outcome:?}");
}

#[tokio::test]
async fn a_failed_claim_ends_the_wait_with_the_reason() {
    let events = vec![
        Ok(Event::Init),
        Ok(Event::InitApply(web(Some("Failed"), 0))),
        Ok(Event::InitDone),
    ];
    let (outcome, _) = run(events, Goal::Ready, true).await;
    assert!(
        matches!(&outcome, Ok(WaitOutcome::Hopeless { reason, .. }) if reason.starts_with("the claim is Failed")),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn the_timeout_reports_the_last_state_and_error() {
    let events = vec![
        Ok(Event::Init),
        Ok(Event::InitApply(web(Some("Provisioning"), 1))),
        Ok(Event::InitDone),
        Err(Error::NoResourceVersion),
    ];
    let (outcome, _) = run(events, Goal::Ready, true).await;
    match outcome {
        Ok(WaitOutcome::TimedOut { last, error }) => {
            assert_eq!(
                last.map(|p| p.to_string()).as_deref(),
                Some("Provisioning · control plane 1/3 · workers - · -")
            );
            assert!(error.is_some_and(|e| e.contains("resourceVersion")));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn rbac_refusal_stops_at_once() {
    let status =
        kube::core::Status::failure("cannot watch workloadclusters", "Forbidden").with_code(403);
    let events = vec![Err(Error::InitialListFailed(kube::Error::Api(
        status.boxed(),
    )))];
    let (outcome, _) = run(events, Goal::Ready, true).await;
    assert_eq!(
        outcome.err().map(|e| e.to_string()).as_deref(),
        Some("not allowed to watch WorkloadCluster team-a/web: cannot watch workloadclusters")
    );
}

#[tokio::test]
async fn a_watch_stream_that_ends_is_an_error() {
    let (outcome, _) = run(vec![Ok(Event::Init)], Goal::Ready, false).await;
    assert!(
        matches!(outcome, Err(WaitError::Ended { .. })),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn a_missing_crd_stops_at_once() {
    let status = kube::core::Status::failure("404 page not found", "Failed to parse error data")
        .with_code(404);
    let events = vec![Err(Error::InitialListFailed(kube::Error::Api(
        status.boxed(),
    )))];
    let (outcome, _) = run(events, Goal::Ready, true).await;
    assert!(
        matches!(outcome, Err(WaitError::NotServed { .. })),
        "{outcome:?}"
    );
}
