use super::*;

fn at(text: &str) -> Timestamp {
    text.parse().expect("timestamp")
}

fn schedule(hibernate: &str, wake_up: &str, zone: &str) -> HibernationSchedule {
    HibernationSchedule {
        hibernate: hibernate.to_owned(),
        wake_up: wake_up.to_owned(),
        time_zone: Some(zone.to_owned()),
    }
}

/// Weekday nights and weekends asleep, in Berlin.
fn office_hours() -> EnvironmentHibernation {
    EnvironmentHibernation {
        schedules: vec![schedule(
            "0 19 * * mon-fri",
            "0 7 * * mon-fri",
            "Europe/Berlin",
        )],
    }
}

fn env_policy() -> HibernationPolicy {
    resolve_policy(None, None, Some(&office_hours())).expect("resolves")
}

#[test]
fn asleep_at_night_and_over_the_weekend_awake_in_office_hours() {
    let policy = env_policy();
    // Thu 2026-12-03 10:00 Berlin (09:00 UTC): awake, sleeps at 19:00.
    let day = decide(&policy, None, None, at("2026-12-03T09:00:00Z"));
    assert!(!day.hibernated);
    assert_eq!(day.reason, REASON_AWAKE);
    assert_eq!(
        day.next,
        Some((at("2026-12-03T18:00:00Z"), HibernationAction::Hibernate))
    );
    assert_eq!(
        day.next_hibernate.as_deref(),
        Some("Thu 2026-12-03 19:00 Europe/Berlin")
    );
    // Thu 23:30 Berlin, across midnight: asleep until Fri 07:00.
    let night = decide(&policy, None, None, at("2026-12-03T22:30:00Z"));
    assert!(night.hibernated);
    assert_eq!(night.reason, REASON_SCHEDULED);
    assert_eq!(
        night.next_wake_up.as_deref(),
        Some("Fri 2026-12-04 07:00 Europe/Berlin")
    );
    // Saturday noon: still asleep since Friday 19:00, wakes Monday.
    let weekend = decide(&policy, None, None, at("2026-12-05T11:00:00Z"));
    assert!(weekend.hibernated);
    assert_eq!(
        weekend.next,
        Some((at("2026-12-07T06:00:00Z"), HibernationAction::WakeUp))
    );
    // Exactly at the wake-up edge: awake.
    assert!(!decide(&policy, None, None, at("2026-12-07T06:00:00Z")).hibernated);
    assert!(decide(&policy, None, None, at("2026-12-07T05:59:59Z")).hibernated);
}

#[test]
fn edges_follow_local_time_across_daylight_saving_changes() {
    let policy = env_policy();
    // Spring forward on Sun 2027-03-28: Friday 19:00 CET is 18:00 UTC, Monday 07:00 CEST is
    // 05:00 UTC.
    let sunday = decide(&policy, None, None, at("2027-03-28T12:00:00Z"));
    assert!(sunday.hibernated);
    assert_eq!(
        sunday.next,
        Some((at("2027-03-29T05:00:00Z"), HibernationAction::WakeUp))
    );
    assert!(decide(&policy, None, None, at("2027-03-29T04:59:00Z")).hibernated);
    assert!(!decide(&policy, None, None, at("2027-03-29T05:00:00Z")).hibernated);
    // Fall back on Sun 2027-10-31: Monday 07:00 CET is 06:00 UTC.
    let autumn = decide(&policy, None, None, at("2027-10-31T12:00:00Z"));
    assert_eq!(
        autumn.next,
        Some((at("2027-11-01T06:00:00Z"), HibernationAction::WakeUp))
    );
    assert!(decide(&policy, None, None, at("2027-11-01T05:30:00Z")).hibernated);
}

#[test]
fn a_schedule_across_midnight_in_utc() {
    // Sleep 22:00–06:00 every day.
    let env = EnvironmentHibernation {
        schedules: vec![schedule("0 22 * * *", "0 6 * * *", "UTC")],
    };
    let policy = resolve_policy(None, None, Some(&env)).expect("resolves");
    assert!(decide(&policy, None, None, at("2026-12-03T23:59:00Z")).hibernated);
    assert!(decide(&policy, None, None, at("2026-12-04T00:00:00Z")).hibernated);
    assert!(decide(&policy, None, None, at("2026-12-04T05:59:00Z")).hibernated);
    assert!(!decide(&policy, None, None, at("2026-12-04T06:00:00Z")).hibernated);
    assert!(!decide(&policy, None, None, at("2026-12-04T21:59:00Z")).hibernated);
}

#[test]
fn the_claims_schedules_replace_the_environments_and_enabled_false_opts_out() {
    let own = ClusterHibernation {
        enabled: None,
        schedules: Some(vec![schedule("0 0 * * sat", "0 0 * * mon", "UTC")]),
    };
    let policy = resolve_policy(Some(&own), None, Some(&office_hours())).expect("resolves");
    assert_eq!(policy.source, ScheduleSource::Claim);
    // Thursday night: the environment would sleep, the claim's weekend-only schedule does not.
    assert!(!decide(&policy, None, None, at("2026-12-03T22:30:00Z")).hibernated);
    assert!(decide(&policy, None, None, at("2026-12-05T12:00:00Z")).hibernated);

    let opted_out = ClusterHibernation {
        enabled: Some(false),
        schedules: None,
    };
    let policy = resolve_policy(Some(&opted_out), None, Some(&office_hours())).expect("resolves");
    assert_eq!(policy.source, ScheduleSource::OptedOut);
    assert!(!policy.is_active());
    assert!(!decide(&policy, None, None, at("2026-12-05T12:00:00Z")).hibernated);

    let contradictory = ClusterHibernation {
        enabled: Some(false),
        schedules: own.schedules.clone(),
    };
    let errors = resolve_policy(Some(&contradictory), None, None).expect_err("refused");
    assert_eq!(errors[0].0, "spec.hibernation.schedules");
}

#[test]
fn on_demand_wins_until_the_next_schedule_edge() {
    let mut policy = env_policy();
    policy.requested = Some(false);
    // Thu 20:00 Berlin, asleep by schedule; someone asks to wake it.
    let asked = at("2026-12-03T19:00:00Z");
    let woken = decide(&policy, None, None, asked);
    assert!(!woken.hibernated);
    assert_eq!(woken.reason, REASON_REQUESTED);
    let recorded = woken.request.expect("recorded");
    assert_eq!(recorded.since, asked);
    // Later that night, the request still holds (no edge since).
    let later = decide(&policy, Some(recorded), None, at("2026-12-04T01:00:00Z"));
    assert!(!later.hibernated);
    // Friday 07:00 wake-up edge: the schedule decides again (awake), and at 19:00 it sleeps
    // although `spec.hibernated: false` is still set.
    let evening = decide(&policy, Some(recorded), None, at("2026-12-04T18:30:00Z"));
    assert!(evening.hibernated);
    assert_eq!(evening.reason, REASON_SCHEDULED);
    assert_eq!(evening.request, Some(recorded), "the record is kept");
    // `drover wake` again (the annotation is newer than the record): a new request.
    let again = decide(
        &policy,
        Some(recorded),
        Some(at("2026-12-04T18:45:00Z")),
        at("2026-12-04T18:46:00Z"),
    );
    assert!(!again.hibernated);
    assert_eq!(
        again.request.map(|r| r.since),
        Some(at("2026-12-04T18:45:00Z"))
    );
    // A changed value is a new request, whatever the record says.
    policy.requested = Some(true);
    let sleep = decide(&policy, Some(recorded), None, at("2026-12-07T09:00:00Z"));
    assert!(sleep.hibernated);
    assert_eq!(sleep.reason, REASON_REQUESTED);
    assert_eq!(
        sleep.request.map(|r| r.since),
        Some(at("2026-12-07T09:00:00Z"))
    );
}

#[test]
fn without_schedules_the_request_holds_for_as_long_as_it_is_set() {
    let policy = resolve_policy(None, Some(true), None).expect("resolves");
    assert_eq!(policy.claimed_field(), Some("spec.hibernated"));
    let first = decide(&policy, None, None, at("2026-12-03T09:00:00Z"));
    assert!(first.hibernated);
    assert_eq!(first.next, None);
    assert_eq!(first.next_wake_up, None);
    let year_later = decide(&policy, first.request, None, at("2027-12-03T09:00:00Z"));
    assert!(year_later.hibernated);
    assert_eq!(year_later.request, first.request);
    assert!(
        !decide(
            &HibernationPolicy::none(),
            None,
            None,
            at("2027-12-03T09:00:00Z")
        )
        .hibernated
    );
}

#[test]
fn schedule_errors_name_the_field() {
    let bad = ClusterHibernation {
        enabled: None,
        schedules: Some(vec![
            schedule("0 19 * * mon-fri", "0 7 * * mon-fri", "Europe/Berlin"),
            schedule("0 25 * * *", "0 7 * *", "Mars/Olympus"),
            schedule("0 7 * * *", "0 7 * * *", "UTC"),
        ]),
    };
    let errors = resolve_policy(Some(&bad), None, None).expect_err("refused");
    let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        fields,
        [
            "spec.hibernation.schedules[1].hibernate",
            "spec.hibernation.schedules[1].wakeUp",
            "spec.hibernation.schedules[1].timeZone",
            "spec.hibernation.schedules[2].wakeUp",
        ]
    );
    assert!(
        errors[0].1.contains("hour: 25 is out of range"),
        "{errors:?}"
    );
    assert!(
        errors[2]
            .1
            .contains("`Mars/Olympus` is not an IANA time zone")
    );
}

#[test]
fn the_latest_edge_of_several_schedules_decides() {
    // Nights on weekdays, plus a maintenance-free lunch sleep on Wednesdays.
    let env = EnvironmentHibernation {
        schedules: vec![
            schedule("0 19 * * mon-fri", "0 7 * * mon-fri", "UTC"),
            schedule("0 12 * * wed", "0 13 * * wed", "UTC"),
        ],
    };
    let policy = resolve_policy(None, None, Some(&env)).expect("resolves");
    // Wed 2026-12-09.
    assert!(!decide(&policy, None, None, at("2026-12-09T11:00:00Z")).hibernated);
    assert!(decide(&policy, None, None, at("2026-12-09T12:30:00Z")).hibernated);
    assert!(!decide(&policy, None, None, at("2026-12-09T13:30:00Z")).hibernated);
    assert!(decide(&policy, None, None, at("2026-12-09T20:00:00Z")).hibernated);
}
