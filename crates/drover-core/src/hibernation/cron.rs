//! Five-field cron expressions (`minute hour day-of-month month day-of-week`), evaluated in a
//! time zone.
//!
//! The syntax is Vixie cron's: `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n` (and `a/n`,
//! from `a` to the field's end), lists `a,b`, month names `jan`–`dec` and day names
//! `sun`–`sat` (`0` and `7` are both Sunday). When both day-of-month and day-of-week are
//! restricted, a day matches if either matches (as in cron).
//!
//! Times are local wall-clock times in the schedule's zone. A time skipped by a spring-forward
//! change fires at the same distance after the gap (02:30 in a 02:00→03:00 gap fires at 03:30);
//! a time that occurs twice at a fall-back change fires once, at its first occurrence.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// Days searched for the next or previous firing: more than 8 years, so that a schedule for
/// February 29 always finds one (leap years can be 8 years apart).
const SEARCH_DAYS: i32 = 8 * 366 + 1;

/// A field of a cron expression that does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CronError {
    /// What is wrong, naming the field.
    pub message: String,
}

fn error(message: impl Into<String>) -> CronError {
    CronError {
        message: message.into(),
    }
}

/// A parsed cron expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cron {
    minutes: u64,
    hours: u32,
    days_of_month: u32,
    months: u16,
    days_of_week: u8,
    day_of_month_star: bool,
    day_of_week_star: bool,
    text: String,
}

struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const MINUTE: Field = Field {
    name: "minute",
    min: 0,
    max: 59,
    names: &[],
};
const HOUR: Field = Field {
    name: "hour",
    min: 0,
    max: 23,
    names: &[],
};
const DAY_OF_MONTH: Field = Field {
    name: "day-of-month",
    min: 1,
    max: 31,
    names: &[],
};
const MONTH: Field = Field {
    name: "month",
    min: 1,
    max: 12,
    names: &[
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ],
};
const DAY_OF_WEEK: Field = Field {
    name: "day-of-week",
    min: 0,
    max: 7,
    names: &["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
};

impl Field {
    fn value(&self, text: &str) -> Result<u32, CronError> {
        let lower = text.to_ascii_lowercase();
        if let Some(index) = self.names.iter().position(|n| *n == lower) {
            return Ok(u32::try_from(index).unwrap_or(0) + if self.min == 1 { 1 } else { 0 });
        }
        let value: u32 = text.parse().map_err(|_| {
            error(format!(
                "{}: `{text}` is not a number{}",
                self.name,
                if self.names.is_empty() {
                    String::new()
                } else {
                    format!(" or a name ({})", self.names.join(", "))
                }
            ))
        })?;
        if value < self.min || value > self.max {
            return Err(error(format!(
                "{}: {value} is out of range {}-{}",
                self.name, self.min, self.max
            )));
        }
        Ok(value)
    }

    /// The bit set of the values `text` lists, and whether it is `*`.
    fn parse(&self, text: &str) -> Result<(u64, bool), CronError> {
        let mut bits = 0_u64;
        for part in text.split(',') {
            let (range, step) = match part.split_once('/') {
                Some((range, step)) => {
                    let step: u32 = step.parse().ok().filter(|s| *s > 0).ok_or_else(|| {
                        error(format!(
                            "{}: step `{step}` is not a positive number",
                            self.name
                        ))
                    })?;
                    (range, step)
                }
                None => (part, 1),
            };
            let (low, high) = if range == "*" {
                (self.min, self.max)
            } else if let Some((low, high)) = range.split_once('-') {
                let (low, high) = (self.value(low)?, self.value(high)?);
                if low > high {
                    return Err(error(format!(
                        "{}: range `{range}` runs backwards",
                        self.name
                    )));
                }
                (low, high)
            } else if range.is_empty() {
                return Err(error(format!("{}: empty list element", self.name)));
            } else {
                let low = self.value(range)?;
                (low, if part.contains('/') { self.max } else { low })
            };
            let mut value = low;
            while value <= high {
                bits |= 1 << value;
                value += step;
            }
        }
        Ok((bits, text == "*"))
    }
}

impl Cron {
    /// Parses `text`; errors name the field.
    pub fn parse(text: &str) -> Result<Self, CronError> {
        let fields: Vec<&str> = text.split_whitespace().collect();
        let [minute, hour, day_of_month, month, day_of_week] = fields[..] else {
            return Err(error(format!(
                "`{text}` has {} fields; a cron expression has 5: minute hour day-of-month month day-of-week",
                fields.len()
            )));
        };
        let (minutes, _) = MINUTE.parse(minute)?;
        let (hours, _) = HOUR.parse(hour)?;
        let (days_of_month, day_of_month_star) = DAY_OF_MONTH.parse(day_of_month)?;
        let (months, _) = MONTH.parse(month)?;
        let (mut days_of_week, day_of_week_star) = DAY_OF_WEEK.parse(day_of_week)?;
        if days_of_week & (1 << 7) != 0 {
            days_of_week = (days_of_week | 1) & 0x7f;
        }
        let cron = Self {
            minutes,
            hours: u32::try_from(hours).unwrap_or(0),
            days_of_month: u32::try_from(days_of_month).unwrap_or(0),
            months: u16::try_from(months).unwrap_or(0),
            days_of_week: u8::try_from(days_of_week).unwrap_or(0),
            day_of_month_star,
            day_of_week_star,
            text: fields.join(" "),
        };
        if !cron.can_fire() {
            return Err(error(format!(
                "`{text}` never fires: no month listed has the days of month listed"
            )));
        }
        Ok(cron)
    }

    /// Whether some calendar day matches (`0 0 31 2 *` never does).
    fn can_fire(&self) -> bool {
        if self.day_of_month_star || !self.day_of_week_star {
            return true;
        }
        const LONGEST: [u32; 13] = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        (1..=12).any(|month| {
            self.months & (1 << month) != 0
                && (1..=LONGEST[month]).any(|day| self.days_of_month & (1 << day) != 0)
        })
    }

    fn matches_day(&self, date: Date) -> bool {
        let month = u32::try_from(date.month()).unwrap_or(0);
        if self.months & (1 << month) == 0 {
            return false;
        }
        let by_month = self.days_of_month & (1 << u32::try_from(date.day()).unwrap_or(0)) != 0;
        let by_week = self.days_of_week & (1 << date.weekday().to_sunday_zero_offset()) != 0;
        match (self.day_of_month_star, self.day_of_week_star) {
            (true, true) => true,
            (false, true) => by_month,
            (true, false) => by_week,
            (false, false) => by_month || by_week,
        }
    }

    /// The instants the expression fires at on local `date` in `zone`, in civil order.
    fn firings(&self, date: Date, zone: &TimeZone) -> impl Iterator<Item = Timestamp> + '_ {
        let zone = zone.clone();
        let hours = (0..24_i8).filter(|h| self.hours & (1 << h) != 0);
        hours.flat_map(move |hour| {
            let zone = zone.clone();
            (0..60_i8)
                .filter(|m| self.minutes & (1 << m) != 0)
                .filter_map(move |minute| {
                    let local = DateTime::from_parts(date, Time::constant(hour, minute, 0, 0));
                    zone.to_ambiguous_zoned(local)
                        .compatible()
                        .ok()
                        .map(|zoned| zoned.timestamp())
                })
        })
    }

    /// The first firing strictly after `after`.
    pub fn next_after(&self, after: Timestamp, zone: &TimeZone) -> Option<Timestamp> {
        let start = after
            .to_zoned(zone.clone())
            .date()
            .checked_sub(1.day())
            .ok()?;
        (0..SEARCH_DAYS)
            .filter_map(|offset| start.checked_add(offset.days()).ok())
            .filter(|date| self.matches_day(*date))
            .find_map(|date| self.firings(date, zone).filter(|t| *t > after).min())
    }

    /// The last firing at or before `at`.
    pub fn last_at_or_before(&self, at: Timestamp, zone: &TimeZone) -> Option<Timestamp> {
        let start = at.to_zoned(zone.clone()).date().checked_add(1.day()).ok()?;
        (0..SEARCH_DAYS)
            .filter_map(|offset| start.checked_sub(offset.days()).ok())
            .filter(|date| self.matches_day(*date))
            .find_map(|date| self.firings(date, zone).filter(|t| *t <= at).max())
    }
}

impl std::fmt::Display for Cron {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(name: &str) -> TimeZone {
        crate::window::time_zone(name).expect("zone")
    }

    fn at(text: &str) -> Timestamp {
        text.parse().expect("timestamp")
    }

    #[test]
    fn parses_lists_ranges_steps_and_names() {
        let cron = Cron::parse("0,30 */6 1-7 jan-mar mon-fri").expect("parses");
        assert_eq!(cron.minutes, 1 | 1 << 30);
        assert_eq!(cron.hours, 1 | 1 << 6 | 1 << 12 | 1 << 18);
        assert_eq!(cron.days_of_month, 0b1111_1110);
        assert_eq!(cron.months, 0b1110);
        assert_eq!(cron.days_of_week, 0b11_1110);
        let sunday = Cron::parse("0 0 * * 7").expect("parses");
        assert_eq!(sunday.days_of_week, 1);
        let from_ten = Cron::parse("10/20 * * * *").expect("parses");
        assert_eq!(from_ten.minutes, 1 << 10 | 1 << 30 | 1 << 50);
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            ("0 19 * *", "has 4 fields"),
            ("60 19 * * *", "minute: 60 is out of range 0-59"),
            ("0 24 * * *", "hour: 24 is out of range 0-23"),
            ("0 19 0 * *", "day-of-month: 0 is out of range 1-31"),
            ("0 19 * 13 *", "month: 13 is out of range 1-12"),
            ("0 19 * * 8", "day-of-week: 8 is out of range 0-7"),
            (
                "0 19 * * fri-mon",
                "day-of-week: range `fri-mon` runs backwards",
            ),
            ("0 19 * * mo", "day-of-week: `mo` is not a number or a name"),
            ("*/0 19 * * *", "minute: step `0` is not a positive number"),
            ("0 0 31 2 *", "never fires"),
            ("0 19 1,,2 * *", "day-of-month: empty list element"),
        ];
        for (text, expected) in cases {
            let message = Cron::parse(text).expect_err(text).message;
            assert!(message.contains(expected), "{text}: {message}");
        }
        assert!(Cron::parse("0 0 29 2 *").is_ok(), "leap day fires");
    }

    #[test]
    fn next_and_last_across_midnight_and_weekends() {
        let utc = zone("UTC");
        let weekday_evening = Cron::parse("0 19 * * mon-fri").expect("parses");
        // Friday 2026-12-04 20:00 → next is Monday 2026-12-07 19:00.
        assert_eq!(
            weekday_evening.next_after(at("2026-12-04T20:00:00Z"), &utc),
            Some(at("2026-12-07T19:00:00Z"))
        );
        // Exactly at a firing: next is strictly after, last includes it.
        assert_eq!(
            weekday_evening.next_after(at("2026-12-07T19:00:00Z"), &utc),
            Some(at("2026-12-08T19:00:00Z"))
        );
        assert_eq!(
            weekday_evening.last_at_or_before(at("2026-12-07T19:00:00Z"), &utc),
            Some(at("2026-12-07T19:00:00Z"))
        );
        // Sunday night → Friday evening.
        assert_eq!(
            weekday_evening.last_at_or_before(at("2026-12-06T23:59:00Z"), &utc),
            Some(at("2026-12-04T19:00:00Z"))
        );
        let midnight = Cron::parse("0 0 * * *").expect("parses");
        assert_eq!(
            midnight.next_after(at("2026-12-31T23:59:59Z"), &utc),
            Some(at("2027-01-01T00:00:00Z"))
        );
        let leap = Cron::parse("0 0 29 2 *").expect("parses");
        assert_eq!(
            leap.next_after(at("2026-12-01T00:00:00Z"), &utc),
            Some(at("2028-02-29T00:00:00Z"))
        );
    }

    #[test]
    fn day_of_month_or_day_of_week_when_both_are_restricted() {
        let utc = zone("UTC");
        // The 15th, or any Monday. 2026-12-07 is a Monday, the 15th a Tuesday.
        let cron = Cron::parse("0 12 15 * mon").expect("parses");
        assert_eq!(
            cron.next_after(at("2026-12-05T00:00:00Z"), &utc),
            Some(at("2026-12-07T12:00:00Z"))
        );
        assert_eq!(
            cron.next_after(at("2026-12-14T13:00:00Z"), &utc),
            Some(at("2026-12-15T12:00:00Z"))
        );
    }

    #[test]
    fn daylight_saving_changes_in_berlin() {
        let berlin = zone("Europe/Berlin");
        // Spring forward 2027-03-28: 02:00 CET → 03:00 CEST. 02:30 does not exist: fires at
        // 03:30 CEST (01:30 UTC), once.
        let gap = Cron::parse("30 2 * * *").expect("parses");
        assert_eq!(
            gap.next_after(at("2027-03-27T12:00:00Z"), &berlin),
            Some(at("2027-03-28T01:30:00Z"))
        );
        assert_eq!(
            gap.next_after(at("2027-03-28T01:30:00Z"), &berlin),
            Some(at("2027-03-29T00:30:00Z"))
        );
        // Fall back 2027-10-31: 03:00 CEST → 02:00 CET. 02:30 occurs twice: fires once, at
        // the first (00:30 UTC).
        assert_eq!(
            gap.next_after(at("2027-10-30T12:00:00Z"), &berlin),
            Some(at("2027-10-31T00:30:00Z"))
        );
        assert_eq!(
            gap.next_after(at("2027-10-31T00:30:00Z"), &berlin),
            Some(at("2027-11-01T01:30:00Z"))
        );
        // 19:00 local is 18:00 UTC in winter and 17:00 UTC in summer.
        let evening = Cron::parse("0 19 * * *").expect("parses");
        assert_eq!(
            evening.last_at_or_before(at("2027-03-28T12:00:00Z"), &berlin),
            Some(at("2027-03-27T18:00:00Z"))
        );
        assert_eq!(
            evening.next_after(at("2027-03-28T12:00:00Z"), &berlin),
            Some(at("2027-03-28T17:00:00Z"))
        );
    }
}
