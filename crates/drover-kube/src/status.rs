//! Status stage: writes the status computed by [`drover_core::status`] — one server-side apply of
//! the status subresource, and only when it differs from the live status — and publishes the
//! condition transitions as events: at most one Normal and one Warning event per status write
//! (a cluster becoming Ready turns six conditions true at once; one event says so, not six
//! requests). Events are best effort: a failure to publish is logged, not
//! retried. Status and events carry condition messages only, never credentials.

use drover_api::{
    API_VERSION, ConditionStatus, ConditionType, WorkloadCluster, WorkloadClusterStatus,
};
use drover_core::status::{Transition, transitions};
use drover_core::upgrade::REASON_UPGRADE_FAILED;
use kube::Resource;
use kube::api::{Api, Patch, PatchParams};
use kube::runtime::events::{Event, EventType};
use serde_json::json;

use crate::context::Context;
use drover_api::labels::MANAGER;

/// Longest event note the API server accepts (1 kB).
const MAX_NOTE: usize = 1024;

/// Writing the status failed.
#[derive(Debug, thiserror::Error)]
#[error("writing the status of WorkloadCluster {namespace}/{name}: {source}")]
pub struct StatusError {
    /// The claim's namespace.
    pub namespace: String,
    /// The claim's name.
    pub name: String,
    /// The API error.
    #[source]
    pub source: kube::Error,
}

impl StatusError {
    /// The API error.
    pub fn kube_error(&self) -> &kube::Error {
        &self.source
    }
}

/// Writes `status` to `claim` if it differs from the live status, then publishes the condition
/// transitions as events. Returns whether it wrote.
pub async fn write(
    ctx: &Context,
    claim: &WorkloadCluster,
    status: &WorkloadClusterStatus,
) -> Result<bool, StatusError> {
    if claim.status.as_ref() == Some(status) {
        return Ok(false);
    }
    let name = claim.metadata.name.clone().unwrap_or_default();
    let namespace = claim.metadata.namespace.clone().unwrap_or_default();
    let body = json!({
        "apiVersion": API_VERSION,
        "kind": "WorkloadCluster",
        "metadata": { "name": name, "namespace": namespace },
        "status": status,
    });
    // drover is the only writer of the status: force, as for the objects it renders.
    let params = PatchParams::apply(MANAGER).force();
    let written = Api::<WorkloadCluster>::namespaced(ctx.client().clone(), &namespace)
        .patch_status(&name, &params, &Patch::Apply(&body))
        .await
        .map_err(|source| StatusError {
            namespace: namespace.clone(),
            name: name.clone(),
            source,
        })?;
    // Until the watch reports it, the next reconcile reads this copy (no second write).
    ctx.caches().claim_writes().remember(written);
    for event in transition_events(&transitions(claim.status.as_ref(), status)) {
        publish(ctx, claim, &event).await;
    }
    Ok(true)
}

/// The event of one condition transition.
pub fn transition_event(transition: &Transition) -> Event {
    let to = status_name(transition.to);
    let from = transition.from.map_or("none", status_name);
    let mut note = format!(
        "{}: {from} → {to} ({})",
        transition.type_.as_str(),
        transition.reason
    );
    if !transition.message.is_empty() {
        note.push_str(": ");
        note.push_str(&transition.message);
    }
    // A version that is not up to date is an upgrade rolling or waiting: news, not a problem,
    // unless the upgrade failed.
    let warning = transition.to == ConditionStatus::False
        && (transition.type_ != ConditionType::VersionUpToDate
            || transition.reason == REASON_UPGRADE_FAILED);
    Event {
        type_: if warning {
            EventType::Warning
        } else {
            EventType::Normal
        },
        reason: format!("{}{to}", transition.type_.as_str()),
        note: Some(truncate(note)),
        action: "Reconcile".to_owned(),
        secondary: None,
    }
}

/// The events of one status write's transitions: the Warning ones in one event, the Normal ones
/// in another. A single transition keeps its own reason (`ReadyTrue`); several are
/// `ConditionsChanged` / `ConditionsDegraded`, their notes joined.
pub fn transition_events(transitions: &[Transition]) -> Vec<Event> {
    let mut out = Vec::new();
    for (type_, several) in [
        (EventType::Warning, "ConditionsDegraded"),
        (EventType::Normal, "ConditionsChanged"),
    ] {
        let mut group: Vec<Event> = transitions
            .iter()
            .map(transition_event)
            .filter(|e| e.type_ == type_)
            .collect();
        if group.len() > 1 {
            let note = group
                .iter()
                .filter_map(|e| e.note.as_deref())
                .collect::<Vec<_>>()
                .join("; ");
            group = vec![Event {
                type_,
                reason: several.to_owned(),
                note: Some(truncate(note)),
                action: "Reconcile".to_owned(),
                secondary: None,
            }];
        }
        out.extend(group);
    }
    out
}

fn status_name(status: ConditionStatus) -> &'static str {
    match status {
        ConditionStatus::True => "True",
        ConditionStatus::False => "False",
        ConditionStatus::Unknown => "Unknown",
    }
}

fn truncate(mut text: String) -> String {
    if text.len() > MAX_NOTE {
        let mut cut = MAX_NOTE - 3;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("...");
    }
    text
}

/// A Normal event with `reason` and `note` about `claim`.
pub fn normal(reason: &str, note: String) -> Event {
    Event {
        type_: EventType::Normal,
        reason: reason.to_owned(),
        note: Some(truncate(note)),
        action: "Reconcile".to_owned(),
        secondary: None,
    }
}

/// Publishes `event` about `claim`; failures are logged only.
pub async fn publish(ctx: &Context, claim: &WorkloadCluster, event: &Event) {
    let reference = claim.object_ref(&());
    if let Err(error) = ctx.recorder().publish(event, &reference).await {
        tracing::warn!(%error, reason = %event.reason, "could not publish event");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_to_false_are_warnings() {
        let event = transition_event(&Transition {
            type_: ConditionType::Ready,
            from: Some(ConditionStatus::True),
            to: ConditionStatus::False,
            reason: "NotReady".to_owned(),
            message: "waiting for: WorkersReady".to_owned(),
        });
        assert_eq!(event.type_, EventType::Warning);
        assert_eq!(event.reason, "ReadyFalse");
        assert_eq!(
            event.note.as_deref(),
            Some("Ready: True → False (NotReady): waiting for: WorkersReady")
        );
    }

    #[test]
    fn upgrades_are_normal_events_unless_they_fail() {
        let transition = |reason: &str| Transition {
            type_: ConditionType::VersionUpToDate,
            from: Some(ConditionStatus::True),
            to: ConditionStatus::False,
            reason: reason.to_owned(),
            message: String::new(),
        };
        assert_eq!(
            transition_event(&transition("Upgrading")).type_,
            EventType::Normal
        );
        assert_eq!(
            transition_event(&transition("UpgradeFailed")).type_,
            EventType::Warning
        );
    }

    #[test]
    fn transitions_of_one_write_are_one_event_per_type() {
        let transition = |type_, to, reason: &str| Transition {
            type_,
            from: Some(ConditionStatus::False),
            to,
            reason: reason.to_owned(),
            message: String::new(),
        };
        let ready = [
            transition(
                ConditionType::ControlPlaneReady,
                ConditionStatus::True,
                "Ready",
            ),
            transition(ConditionType::WorkersReady, ConditionStatus::True, "Ready"),
            transition(ConditionType::Ready, ConditionStatus::True, "Ready"),
        ];
        let events = transition_events(&ready);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].reason, "ConditionsChanged");
        assert_eq!(events[0].type_, EventType::Normal);
        let note = events[0].note.clone().unwrap_or_default();
        assert!(
            note.starts_with("ControlPlaneReady: False → True (Ready); WorkersReady")
                && note.ends_with("Ready: False → True (Ready)"),
            "{note}"
        );
        let mixed = [
            transition(ConditionType::Ready, ConditionStatus::True, "Ready"),
            Transition {
                from: Some(ConditionStatus::True),
                ..transition(
                    ConditionType::WorkersReady,
                    ConditionStatus::False,
                    "NotReady",
                )
            },
        ];
        let reasons: Vec<String> = transition_events(&mixed)
            .into_iter()
            .map(|e| e.reason)
            .collect();
        assert_eq!(reasons, ["WorkersReadyFalse", "ReadyTrue"]);
        assert!(transition_events(&[]).is_empty());
    }

    #[test]
    fn long_notes_are_cut_at_a_char_boundary() {
        let note = truncate("é".repeat(600));
        assert!(note.len() <= MAX_NOTE && note.ends_with("..."));
    }
}
