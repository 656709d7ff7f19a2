//! Hibernation: when a cluster's worker pools sleep, decided from its schedules, an on-demand
//! request and the clock. Pure: the controller passes `now`.
//!
//! Precedence, strongest first:
//!
//! 1. `spec.hibernated` (on demand) wins over every schedule until the next schedule edge after
//!    the controller first saw it (or after the `drover.dev/hibernation-requested-at`
//!    annotation `drover hibernate`/`drover wake` set with it). Without schedules it wins for
//!    as long as it is set.
//! 2. The claim's `spec.hibernation.schedules` replace the environment's;
//!    `spec.hibernation.enabled: false` opts out of the environment's.
//! 3. The environment's `spec.hibernation.schedules`.
//!
//! Between schedules, the most recent edge of any schedule decides (a wake-up and a hibernate
//! at the same minute: awake). A cluster with no edge in the past (a schedule newer than its
//! first edge) is awake.

pub mod cron;

use drover_api::hibernation::{
    ClusterHibernation, EnvironmentHibernation, HibernationAction, HibernationEdge,
    HibernationRequest, HibernationSchedule,
};
use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::window::{DEFAULT_TIME_ZONE, time_zone};
use cron::Cron;

/// Condition reason: hibernated by a schedule.
pub const REASON_SCHEDULED: &str = "Scheduled";
/// Condition reason: hibernated (or kept awake) by `spec.hibernated`.
pub const REASON_REQUESTED: &str = "Requested";
/// Condition reason: awake.
pub const REASON_AWAKE: &str = "Awake";
/// Condition reason: the schedule or request says sleep, but the cluster cannot yet (it has not
/// been Ready, or an upgrade runs).
pub const REASON_DEFERRED: &str = "Deferred";
/// Condition reason: the cluster should wake, but its workers do not fit on the infrastructure.
pub const REASON_WAITING_FOR_CAPACITY: &str = "WaitingForCapacity";

/// One parsed sleep/wake rhythm.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    /// When to hibernate.
    pub hibernate: Cron,
    /// When to wake up.
    pub wake_up: Cron,
    zone: TimeZone,
    zone_name: String,
}

/// A problem with a schedule field: the path below the list (`schedules[0].wakeUp`) and what is
/// wrong.
pub type FieldError = (String, String);

impl Schedule {
    /// Parses one schedule; `path` is its field path (`spec.hibernation.schedules[0]`).
    pub fn parse(spec: &HibernationSchedule, path: &str) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let hibernate = Cron::parse(&spec.hibernate)
            .map_err(|e| errors.push((format!("{path}.hibernate"), e.message)))
            .ok();
        let wake_up = Cron::parse(&spec.wake_up)
            .map_err(|e| errors.push((format!("{path}.wakeUp"), e.message)))
            .ok();
        let zone_name = spec
            .time_zone
            .clone()
            .unwrap_or_else(|| DEFAULT_TIME_ZONE.to_owned());
        let zone = time_zone(&zone_name)
            .map_err(|message| errors.push((format!("{path}.timeZone"), message)))
            .ok();
        if let (Some(h), Some(w)) = (&hibernate, &wake_up)
            && h == w
        {
            errors.push((
                format!("{path}.wakeUp"),
                format!("`{w}` is the same as `hibernate`: the cluster would never sleep"),
            ));
        }
        match (hibernate, wake_up, zone) {
            (Some(hibernate), Some(wake_up), Some(zone)) if errors.is_empty() => Ok(Self {
                hibernate,
                wake_up,
                zone,
                zone_name,
            }),
            _ => Err(errors),
        }
    }

    /// The IANA name of the schedule's time zone.
    pub fn zone_name(&self) -> &str {
        &self.zone_name
    }

    fn last_edge(&self, now: Timestamp) -> Option<(Timestamp, HibernationAction)> {
        let sleep = self.hibernate.last_at_or_before(now, &self.zone);
        let wake = self.wake_up.last_at_or_before(now, &self.zone);
        match (sleep, wake) {
            (Some(s), Some(w)) if s > w => Some((s, HibernationAction::Hibernate)),
            (_, Some(w)) => Some((w, HibernationAction::WakeUp)),
            (Some(s), None) => Some((s, HibernationAction::Hibernate)),
            (None, None) => None,
        }
    }

    fn next(&self, action: HibernationAction, now: Timestamp) -> Option<Timestamp> {
        match action {
            HibernationAction::Hibernate => self.hibernate.next_after(now, &self.zone),
            HibernationAction::WakeUp => self.wake_up.next_after(now, &self.zone),
        }
    }

    /// `instant` in the schedule's zone: `Mon 2026-12-07 07:00 Europe/Berlin`.
    pub fn local(&self, instant: Timestamp) -> String {
        local(instant, &self.zone, &self.zone_name)
    }
}

fn local(instant: Timestamp, zone: &TimeZone, zone_name: &str) -> String {
    format!(
        "{} {zone_name}",
        instant.to_zoned(zone.clone()).strftime("%a %Y-%m-%d %H:%M")
    )
}

/// Parses a list of schedules at `path` (`spec.hibernation.schedules`).
pub fn parse_schedules(
    specs: &[HibernationSchedule],
    path: &str,
) -> Result<Vec<Schedule>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut schedules = Vec::new();
    for (index, spec) in specs.iter().enumerate() {
        match Schedule::parse(spec, &format!("{path}[{index}]")) {
            Ok(schedule) => schedules.push(schedule),
            Err(found) => errors.extend(found),
        }
    }
    if errors.is_empty() {
        Ok(schedules)
    } else {
        Err(errors)
    }
}

/// Where a cluster's schedules come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScheduleSource {
    /// No schedules anywhere.
    None,
    /// The environment's.
    Environment,
    /// The claim's own.
    Claim,
    /// The environment has schedules, but the claim opted out (`enabled: false`).
    OptedOut,
}

/// A cluster's hibernation settings, resolved from its claim and environment.
#[derive(Clone, Debug, PartialEq)]
pub struct HibernationPolicy {
    /// The schedules in force.
    pub schedules: Vec<Schedule>,
    /// Where they come from.
    pub source: ScheduleSource,
    /// `spec.hibernated`.
    pub requested: Option<bool>,
}

impl HibernationPolicy {
    /// No schedules, no request: the cluster never hibernates.
    pub fn none() -> Self {
        Self {
            schedules: Vec::new(),
            source: ScheduleSource::None,
            requested: None,
        }
    }

    /// Whether anything could make the cluster hibernate.
    pub fn is_active(&self) -> bool {
        !self.schedules.is_empty() || self.requested.is_some()
    }

    /// Whether the claim itself asks for hibernation (its own schedules or `spec.hibernated:
    /// true`), so a provider that cannot hibernate must refuse it; the field to name.
    pub fn claimed_field(&self) -> Option<&'static str> {
        if self.requested == Some(true) {
            Some("spec.hibernated")
        } else if self.source == ScheduleSource::Claim {
            Some("spec.hibernation.schedules")
        } else {
            None
        }
    }

    /// The policy without the environment's schedules: for a provider that cannot hibernate,
    /// where they do not apply.
    pub fn without_environment_schedules(mut self) -> Self {
        if self.source == ScheduleSource::Environment {
            self.schedules.clear();
        }
        self
    }
}

/// Resolves the policy of a claim: errors are `(field path, message)` on the claim.
pub fn resolve_policy(
    claim: Option<&ClusterHibernation>,
    requested: Option<bool>,
    environment: Option<&EnvironmentHibernation>,
) -> Result<HibernationPolicy, Vec<FieldError>> {
    let own = claim.and_then(|c| c.schedules.as_ref());
    let enabled = claim.and_then(|c| c.enabled).unwrap_or(true);
    if !enabled && own.is_some_and(|s| !s.is_empty()) {
        return Err(vec![(
            "spec.hibernation.schedules".to_owned(),
            "schedules are given but `enabled` is false: remove one of them".to_owned(),
        )]);
    }
    let (schedules, source) = match (own, environment) {
        (Some(own), _) if !own.is_empty() => (
            parse_schedules(own, "spec.hibernation.schedules")?,
            ScheduleSource::Claim,
        ),
        (_, Some(env)) if !enabled && !env.schedules.is_empty() => {
            (Vec::new(), ScheduleSource::OptedOut)
        }
        // The environment's schedules are checked on the Environment; a broken one is not this
        // claim's error, and applies as no schedule.
        (_, Some(env)) => match parse_schedules(&env.schedules, "spec.hibernation.schedules") {
            Ok(parsed) if !parsed.is_empty() => (parsed, ScheduleSource::Environment),
            _ => (Vec::new(), ScheduleSource::None),
        },
        _ => (Vec::new(), ScheduleSource::None),
    };
    Ok(HibernationPolicy {
        schedules,
        source,
        requested,
    })
}

/// An on-demand request as the controller records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    /// `spec.hibernated`.
    pub hibernated: bool,
    /// Since when it is in force.
    pub since: Timestamp,
}

impl Request {
    /// From the status record; `None` if it does not parse.
    pub fn from_status(record: &HibernationRequest) -> Option<Self> {
        Some(Self {
            hibernated: record.hibernated,
            since: record.since.parse().ok()?,
        })
    }

    /// The status record.
    pub fn to_status(self) -> HibernationRequest {
        HibernationRequest {
            hibernated: self.hibernated,
            since: self.since.to_string(),
        }
    }
}

/// What the schedules and the request say at one instant.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// Whether the cluster should sleep now.
    pub hibernated: bool,
    /// [`REASON_REQUESTED`] when the request decides, else [`REASON_SCHEDULED`] if asleep,
    /// [`REASON_AWAKE`] if awake.
    pub reason: &'static str,
    /// The request to record (while `spec.hibernated` is set).
    pub request: Option<Request>,
    /// The next schedule edge after now.
    pub next: Option<(Timestamp, HibernationAction)>,
    /// The next wake-up edge after now, described in its schedule's zone.
    pub next_wake_up: Option<String>,
    /// The next hibernate edge after now, described in its schedule's zone.
    pub next_hibernate: Option<String>,
}

impl Decision {
    /// The next edge, for the status.
    pub fn next_edge(&self) -> Option<HibernationEdge> {
        self.next.map(|(at, action)| HibernationEdge {
            action,
            at: at.to_string(),
        })
    }
}

/// Decides whether a cluster sleeps at `now`. `previous` is the request recorded in its status;
/// `requested_at` the annotation `drover hibernate`/`drover wake` set.
pub fn decide(
    policy: &HibernationPolicy,
    previous: Option<Request>,
    requested_at: Option<Timestamp>,
    now: Timestamp,
) -> Decision {
    let request = policy.requested.map(|hibernated| {
        let mut since = previous
            .filter(|p| p.hibernated == hibernated && p.since <= now)
            .map_or(now, |p| p.since);
        if let Some(at) = requested_at.filter(|at| *at > since && *at <= now) {
            since = at;
        }
        Request { hibernated, since }
    });
    let last = policy
        .schedules
        .iter()
        .filter_map(|s| s.last_edge(now))
        .max_by(|a, b| {
            // Latest first; at the same instant a wake-up wins.
            a.0.cmp(&b.0).then_with(|| {
                (a.1 == HibernationAction::WakeUp).cmp(&(b.1 == HibernationAction::WakeUp))
            })
        });
    let scheduled = last.is_some_and(|(_, action)| action == HibernationAction::Hibernate);
    let request_rules = request.filter(|r| last.is_none_or(|(edge, _)| edge <= r.since));
    let (hibernated, reason) = match request_rules {
        Some(r) => (r.hibernated, REASON_REQUESTED),
        None if scheduled => (true, REASON_SCHEDULED),
        None => (false, REASON_AWAKE),
    };
    let upcoming = |action| {
        policy
            .schedules
            .iter()
            .filter_map(|s| s.next(action, now).map(|at| (at, s)))
            .min_by_key(|(at, _)| *at)
    };
    let wake = upcoming(HibernationAction::WakeUp);
    let sleep = upcoming(HibernationAction::Hibernate);
    let next = match (wake, sleep) {
        (Some((w, _)), Some((s, _))) if s < w => Some((s, HibernationAction::Hibernate)),
        (Some((w, _)), _) => Some((w, HibernationAction::WakeUp)),
        (None, Some((s, _))) => Some((s, HibernationAction::Hibernate)),
        (None, None) => None,
    };
    Decision {
        hibernated,
        reason,
        request,
        next,
        next_wake_up: wake.map(|(at, s)| s.local(at)),
        next_hibernate: sleep.map(|(at, s)| s.local(at)),
    }
}

#[cfg(test)]
mod tests;
