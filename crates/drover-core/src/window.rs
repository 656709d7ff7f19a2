//! Maintenance windows: when an environment's upgrades may start.
//!
//! A window is a set of weekdays, a local start time, a duration and an IANA time zone
//! (`Environment.spec.maintenanceWindow`). It opens on each listed day at `start` local time and
//! stays open for `duration` of real time, so a window may run past midnight (Sat 22:00 for 4h
//! closes Sun 02:00) and across a daylight-saving change (it is still 4 hours long). A start time
//! that does not exist on a day (skipped by a spring-forward change) opens at the first instant
//! after the gap; one that exists twice (fall back) opens at the first.
//!
//! Time zones come from the tz database bundled into the binary ([`time_zone`]), never from the
//! machine's `/usr/share/zoneinfo`: the same fleet gives the same answers everywhere.
//!
//! Upgrades *start* only inside the window; a running upgrade is never interrupted when it
//! closes (that rule lives with the upgrade decision, not here).

use std::sync::OnceLock;

use drover_api::environment::{MaintenanceWindow, Weekday};
use jiff::tz::{TimeZone, TimeZoneDatabase};
use jiff::{SignedDuration, Timestamp, civil};

use crate::duration::parse_duration;

/// Time zone of a window that names none.
pub const DEFAULT_TIME_ZONE: &str = "UTC";
/// Longest window: a week (a longer one is always open).
const MAX_DURATION_SECONDS: u64 = 7 * 86_400;

/// A field of a maintenance window that does not make sense.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct WindowError {
    /// The Environment field at fault (`spec.maintenanceWindow.timeZone`).
    pub field: &'static str,
    /// What is wrong with it.
    pub message: String,
}

impl WindowError {
    fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

fn database() -> &'static TimeZoneDatabase {
    static DATABASE: OnceLock<TimeZoneDatabase> = OnceLock::new();
    DATABASE.get_or_init(TimeZoneDatabase::bundled)
}

/// The IANA time zone `name` (`Europe/Berlin`, `UTC`) from the bundled tz database.
pub fn time_zone(name: &str) -> Result<TimeZone, String> {
    database().get(name).map_err(|_| {
        format!("`{name}` is not an IANA time zone (expected e.g. `UTC`, `Europe/Berlin`, `America/New_York`)")
    })
}

/// Whether a window is open at a given instant, and until or from when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowState {
    /// Inside the window; it closes at `closes`.
    Open {
        /// End of the window (of overlapping windows, the last end).
        closes: Timestamp,
    },
    /// Outside; the next window opens at `opens`.
    Closed {
        /// Start of the next window.
        opens: Timestamp,
    },
}

impl WindowState {
    /// Whether the window is open.
    pub fn is_open(&self) -> bool {
        matches!(self, WindowState::Open { .. })
    }

    /// When the state changes next.
    pub fn changes_at(&self) -> Timestamp {
        match self {
            WindowState::Open { closes } => *closes,
            WindowState::Closed { opens } => *opens,
        }
    }
}

/// A parsed maintenance window.
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    days: [bool; 7],
    start: civil::Time,
    duration: SignedDuration,
    zone: TimeZone,
    zone_name: String,
}

impl Window {
    /// Parses `Environment.spec.maintenanceWindow`. Every problem names its field.
    pub fn parse(spec: &MaintenanceWindow) -> Result<Self, WindowError> {
        let start = parse_clock_time(&spec.start).ok_or_else(|| {
            WindowError::new(
                "spec.maintenanceWindow.start",
                format!("`{}` is not a time of day (HH:MM, 24 h)", spec.start),
            )
        })?;
        let duration = parse_duration(&spec.duration)
            .map_err(|message| WindowError::new("spec.maintenanceWindow.duration", message))?;
        if duration.as_secs() == 0 || duration.as_secs() > MAX_DURATION_SECONDS {
            return Err(WindowError::new(
                "spec.maintenanceWindow.duration",
                "must be longer than 0 and at most 7d",
            ));
        }
        if spec.days.is_empty() {
            return Err(WindowError::new(
                "spec.maintenanceWindow.days",
                "at least one day is needed",
            ));
        }
        let zone_name = spec
            .time_zone
            .clone()
            .unwrap_or_else(|| DEFAULT_TIME_ZONE.to_owned());
        let zone = time_zone(&zone_name)
            .map_err(|message| WindowError::new("spec.maintenanceWindow.timeZone", message))?;
        let mut days = [false; 7];
        for day in &spec.days {
            days[day_index(*day)] = true;
        }
        let seconds = i64::try_from(duration.as_secs()).unwrap_or(i64::MAX);
        Ok(Self {
            days,
            start,
            duration: SignedDuration::from_secs(seconds),
            zone,
            zone_name,
        })
    }

    /// Whether the window is open at `now`.
    pub fn is_open(&self, now: Timestamp) -> bool {
        self.state(now).is_open()
    }

    /// Whether the window is open at `now`, and when that changes.
    pub fn state(&self, now: Timestamp) -> WindowState {
        let today = now.to_zoned(self.zone.clone()).date();
        // Windows are at most a week long, so the ones opening from 8 days before today to 8
        // days after hold every window containing `now` and the next one to open.
        let mut intervals: Vec<(Timestamp, Timestamp)> = (-8..=8)
            .filter_map(|offset| today.checked_add(jiff::Span::new().days(offset)).ok())
            .filter(|date| self.days[weekday_index(date.weekday())])
            .filter_map(|date| self.opening(date))
            .collect();
        intervals.sort();
        let mut merged: Vec<(Timestamp, Timestamp)> = Vec::with_capacity(intervals.len());
        for (open, close) in intervals {
            match merged.last_mut() {
                Some(last) if open <= last.1 => last.1 = last.1.max(close),
                _ => merged.push((open, close)),
            }
        }
        if let Some((_, close)) = merged
            .iter()
            .find(|(open, close)| *open <= now && now < *close)
        {
            return WindowState::Open { closes: *close };
        }
        match merged.iter().find(|(open, _)| *open > now) {
            Some((open, _)) => WindowState::Closed { opens: *open },
            // Unreachable with at least one day a week; a week from now is a safe answer.
            None => WindowState::Closed {
                opens: now
                    .checked_add(SignedDuration::from_hours(24 * 7))
                    .unwrap_or(now),
            },
        }
    }

    /// The window opening on `date` (local), as an interval of instants.
    fn opening(&self, date: civil::Date) -> Option<(Timestamp, Timestamp)> {
        let local = date.to_datetime(self.start);
        // `compatible`: a start in a spring-forward gap moves past the gap, a start in a
        // fall-back fold takes the earlier instant.
        let open = self.zone.to_ambiguous_timestamp(local).compatible().ok()?;
        let close = open.checked_add(self.duration).ok()?;
        Some((open, close))
    }

    /// The IANA name of the window's time zone.
    pub fn zone_name(&self) -> &str {
        &self.zone_name
    }

    /// `instant` as local time of the window's zone: `Sat 2026-01-03 02:00 Europe/Berlin`.
    pub fn local(&self, instant: Timestamp) -> String {
        format!(
            "{} {}",
            instant
                .to_zoned(self.zone.clone())
                .strftime("%a %Y-%m-%d %H:%M"),
            self.zone_name
        )
    }
}

fn parse_clock_time(text: &str) -> Option<civil::Time> {
    let (hours, minutes) = text.split_once(':')?;
    if hours.len() != 2 || minutes.len() != 2 {
        return None;
    }
    let hours: i8 = hours.parse().ok()?;
    let minutes: i8 = minutes.parse().ok()?;
    civil::Time::new(hours, minutes, 0, 0).ok()
}

fn day_index(day: Weekday) -> usize {
    match day {
        Weekday::Mon => 0,
        Weekday::Tue => 1,
        Weekday::Wed => 2,
        Weekday::Thu => 3,
        Weekday::Fri => 4,
        Weekday::Sat => 5,
        Weekday::Sun => 6,
    }
}

fn weekday_index(day: civil::Weekday) -> usize {
    usize::try_from(day.to_monday_zero_offset()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(days: &[Weekday], start: &str, duration: &str, zone: Option<&str>) -> Window {
        Window::parse(&MaintenanceWindow {
            days: days.to_vec(),
            start: start.to_owned(),
            duration: duration.to_owned(),
            time_zone: zone.map(str::to_owned),
        })
        .expect("valid window")
    }

    fn at(text: &str) -> Timestamp {
        text.parse().expect("RFC 3339")
    }

    #[test]
    fn opens_on_listed_days_only_in_utc_by_default() {
        // 2026-01-03 is a Saturday.
        let w = window(&[Weekday::Sat, Weekday::Sun], "02:00", "4h", None);
        assert!(!w.is_open(at("2026-01-03T01:59:59Z")));
        assert!(w.is_open(at("2026-01-03T02:00:00Z")));
        assert!(w.is_open(at("2026-01-03T05:59:59Z")));
        assert!(!w.is_open(at("2026-01-03T06:00:00Z")));
        assert!(w.is_open(at("2026-01-04T03:00:00Z")), "Sunday");
        assert!(!w.is_open(at("2026-01-05T03:00:00Z")), "Monday");
        assert_eq!(
            w.state(at("2026-01-04T07:00:00Z")),
            WindowState::Closed {
                opens: at("2026-01-10T02:00:00Z")
            },
            "next Saturday"
        );
    }

    #[test]
    fn a_window_crossing_midnight_belongs_to_the_day_it_opens() {
        // Friday 22:00 for 4h: open Saturday 01:00, closed Friday 21:00 and Saturday 22:30.
        let w = window(&[Weekday::Fri], "22:00", "4h", None);
        assert!(!w.is_open(at("2026-01-02T21:59:00Z")));
        assert!(w.is_open(at("2026-01-02T23:30:00Z")));
        assert!(w.is_open(at("2026-01-03T01:00:00Z")));
        assert_eq!(
            w.state(at("2026-01-03T01:00:00Z")),
            WindowState::Open {
                closes: at("2026-01-03T02:00:00Z")
            }
        );
        assert!(
            !w.is_open(at("2026-01-03T22:30:00Z")),
            "Saturday is not a listed day"
        );
    }

    #[test]
    fn local_time_of_the_zone_decides() {
        // 02:00 in Berlin is 01:00 UTC in winter, 00:00 UTC in summer.
        let w = window(&[Weekday::Sat], "02:00", "1h", Some("Europe/Berlin"));
        assert!(w.is_open(at("2026-01-03T01:30:00Z")));
        assert!(!w.is_open(at("2026-01-03T02:30:00Z")));
        assert!(w.is_open(at("2026-07-04T00:30:00Z")));
        // Late Friday in New York is Saturday in Tokyo.
        let tokyo = window(&[Weekday::Sat], "09:00", "2h", Some("Asia/Tokyo"));
        assert!(tokyo.is_open(at("2026-01-03T00:30:00Z")));
        assert_eq!(
            tokyo.local(at("2026-01-03T00:30:00Z")),
            "Sat 2026-01-03 09:30 Asia/Tokyo"
        );
    }

    #[test]
    fn daylight_saving_changes_keep_the_real_duration_and_skip_the_gap() {
        // Berlin springs forward on Sunday 2026-03-29 at 02:00 → 03:00: a 02:30 start does not
        // exist and opens at 03:30 local (01:30 UTC); a 4h window then closes 05:30 UTC.
        let spring = window(&[Weekday::Sun], "02:30", "4h", Some("Europe/Berlin"));
        assert_eq!(
            spring.state(at("2026-03-29T00:00:00Z")),
            WindowState::Closed {
                opens: at("2026-03-29T01:30:00Z")
            }
        );
        assert_eq!(
            spring.state(at("2026-03-29T02:00:00Z")),
            WindowState::Open {
                closes: at("2026-03-29T05:30:00Z")
            }
        );
        // It falls back on Sunday 2026-10-25 at 03:00 → 02:00: 02:30 happens twice; the window
        // opens at the first (00:30 UTC) and lasts 4 real hours across the change.
        let autumn = window(&[Weekday::Sun], "02:30", "4h", Some("Europe/Berlin"));
        assert_eq!(
            autumn.state(at("2026-10-25T00:00:00Z")),
            WindowState::Closed {
                opens: at("2026-10-25T00:30:00Z")
            }
        );
        assert_eq!(
            autumn.state(at("2026-10-25T04:00:00Z")),
            WindowState::Open {
                closes: at("2026-10-25T04:30:00Z")
            }
        );
    }

    #[test]
    fn overlapping_windows_merge() {
        // Monday and Tuesday, a day long from 12:00: one window from Monday 12:00 to Wednesday
        // 12:00.
        let w = window(&[Weekday::Mon, Weekday::Tue], "12:00", "1d", Some("UTC"));
        // 2026-01-05 is a Monday.
        assert_eq!(
            w.state(at("2026-01-05T13:00:00Z")),
            WindowState::Open {
                closes: at("2026-01-07T12:00:00Z")
            }
        );
    }

    #[test]
    fn bad_fields_are_named() {
        let bad = |zone: &str, start: &str, duration: &str, days: &[Weekday]| {
            Window::parse(&MaintenanceWindow {
                days: days.to_vec(),
                start: start.to_owned(),
                duration: duration.to_owned(),
                time_zone: Some(zone.to_owned()),
            })
            .err()
            .map(|e| e.field)
        };
        let sat = [Weekday::Sat];
        assert_eq!(
            bad("Mars/Olympus", "02:00", "4h", &sat),
            Some("spec.maintenanceWindow.timeZone")
        );
        assert_eq!(
            bad("UTC", "24:00", "4h", &sat),
            Some("spec.maintenanceWindow.start")
        );
        assert_eq!(
            bad("UTC", "02:00", "8d", &sat),
            Some("spec.maintenanceWindow.duration")
        );
        assert_eq!(
            bad("UTC", "02:00", "4h", &[]),
            Some("spec.maintenanceWindow.days")
        );
        assert_eq!(bad("europe/berlin", "02:00", "4h", &sat), None);
    }
}
