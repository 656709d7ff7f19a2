//! The `Hibernated` condition and `status.hibernation`, from what the controller decided and
//! did about hibernation in one reconcile.

use drover_api::hibernation::HibernationStatus;
use drover_api::{ConditionStatus, ConditionType};

use super::conditions::Draft;
use crate::hibernation::{Decision, REASON_AWAKE, REASON_REQUESTED};

/// What became of the hibernation decision in one reconcile.
#[derive(Clone, Debug, PartialEq)]
pub struct HibernationOutcome {
    /// What the schedules and the request say.
    pub decision: Decision,
    /// Whether the cluster's worker pools are rendered at their hibernated size.
    pub asleep: bool,
    /// Why the decision was not carried out, when it was not: the cluster should sleep but may
    /// not yet ([`crate::hibernation::REASON_DEFERRED`]), or should wake but does not fit
    /// ([`crate::hibernation::REASON_WAITING_FOR_CAPACITY`]).
    pub held: Option<(&'static str, String)>,
}

impl HibernationOutcome {
    /// The decision carried out as it is.
    pub fn carried_out(decision: Decision) -> Self {
        Self {
            asleep: decision.hibernated,
            decision,
            held: None,
        }
    }
}

pub(crate) fn condition(outcome: &HibernationOutcome) -> Draft {
    let decision = &outcome.decision;
    let wakes = match (&decision.next_wake_up, decision.reason) {
        (Some(at), _) => format!("wakes up {at}"),
        (None, REASON_REQUESTED) => "wakes up when spec.hibernated is false or removed".to_owned(),
        (None, _) => "no wake-up is scheduled".to_owned(),
    };
    let sleeps = match &decision.next_hibernate {
        Some(at) => format!("sleeps next {at}"),
        None => "no hibernation is scheduled".to_owned(),
    };
    let (status, reason, message) = match (&outcome.held, outcome.asleep) {
        (Some((reason, why)), true) => (
            ConditionStatus::True,
            *reason,
            format!("should be awake, but stays hibernated: {why}"),
        ),
        (Some((reason, why)), false) => (
            ConditionStatus::False,
            *reason,
            format!("should hibernate, but {why}; {wakes}"),
        ),
        (None, true) if decision.reason == REASON_REQUESTED => (
            ConditionStatus::True,
            REASON_REQUESTED,
            format!("hibernated on request (spec.hibernated: true); {wakes}"),
        ),
        (None, true) => (
            ConditionStatus::True,
            decision.reason,
            format!("hibernated on schedule; {wakes}"),
        ),
        (None, false) if decision.reason == REASON_REQUESTED => (
            ConditionStatus::False,
            REASON_REQUESTED,
            format!("awake on request (spec.hibernated: false); {sleeps}"),
        ),
        (None, false) => (ConditionStatus::False, REASON_AWAKE, sleeps),
    };
    Draft::new(ConditionType::Hibernated, status, reason, message)
}

/// `status.hibernation`: transitions stamped with `now` when the cluster goes to sleep or wakes.
pub(crate) fn record(
    outcome: &HibernationOutcome,
    previous: Option<&HibernationStatus>,
    now: &str,
) -> HibernationStatus {
    let was_asleep = previous.is_some_and(|p| p.hibernated);
    let last =
        |pick: fn(&HibernationStatus) -> &Option<String>| previous.and_then(|p| pick(p).clone());
    HibernationStatus {
        hibernated: outcome.asleep,
        last_hibernated: if outcome.asleep && !was_asleep {
            Some(now.to_owned())
        } else {
            last(|p| &p.last_hibernated)
        },
        last_woke_up: if !outcome.asleep && was_asleep {
            Some(now.to_owned())
        } else {
            last(|p| &p.last_woke_up)
        },
        next: outcome.decision.next_edge(),
        request: outcome.decision.request.map(|r| r.to_status()),
    }
}
