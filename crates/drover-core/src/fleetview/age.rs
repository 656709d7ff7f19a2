//! Ages and "since" columns: how long ago a Kubernetes timestamp was, written as kubectl does
//! (`45s`, `4m30s`, `5h`, `3d4h`, `400d`, `2y30d`). The current time is always a parameter.

use std::time::SystemTime;

use k8s_openapi::jiff::Timestamp;

/// Shown when a timestamp is absent or unreadable.
pub const UNKNOWN: &str = "-";

/// How long before `now` the RFC 3339 `timestamp` was, as kubectl prints ages; [`UNKNOWN`] when
/// `timestamp` is absent or not RFC 3339.
pub fn since(timestamp: Option<&str>, now: SystemTime) -> String {
    timestamp
        .and_then(|text| text.parse::<Timestamp>().ok())
        .map_or_else(|| UNKNOWN.to_owned(), |t| since_timestamp(t, now))
}

/// How long before `now` `timestamp` was, as kubectl prints ages.
pub fn since_timestamp(timestamp: Timestamp, now: SystemTime) -> String {
    let Ok(now) = Timestamp::try_from(now) else {
        return UNKNOWN.to_owned();
    };
    human_duration(now.as_second() - timestamp.as_second())
}

/// `seconds` as kubectl's `HumanDuration`: exact at small scales, coarser as it grows.
/// A timestamp slightly in the future (clock skew) counts as `0s`.
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".to_owned();
    }
    if seconds < 0 {
        return "0s".to_owned();
    }
    if seconds < 120 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        return with_rest(minutes, "m", seconds % 60, "s");
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        return with_rest(hours, "h", minutes % 60, "m");
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    let days = hours / 24;
    if hours < 24 * 8 {
        return with_rest(days, "d", hours % 24, "h");
    }
    if days < 365 * 2 {
        return format!("{days}d");
    }
    let years = days / 365;
    if days < 365 * 8 {
        return with_rest(years, "y", days % 365, "d");
    }
    format!("{years}y")
}

fn with_rest(major: i64, major_unit: &str, minor: i64, minor_unit: &str) -> String {
    if minor == 0 {
        format!("{major}{major_unit}")
    } else {
        format!("{major}{major_unit}{minor}{minor_unit}")
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn formats_like_kubectl() {
        let cases = [
            (-5, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (119, "119s"),
            (120, "2m"),
            (270, "4m30s"),
            (600, "10m"),
            (179 * 60, "179m"),
            (3 * 3600, "3h"),
            (5 * 3600 + 30 * 60, "5h30m"),
            (30 * 3600, "30h"),
            (3 * 86_400 + 4 * 3600, "3d4h"),
            (8 * 86_400, "8d"),
            (400 * 86_400, "400d"),
            (2 * 365 * 86_400 + 30 * 86_400, "2y30d"),
            (9 * 365 * 86_400, "9y"),
        ];
        for (seconds, text) in cases {
            assert_eq!(human_duration(seconds), text, "{seconds}s");
        }
    }

    #[test]
    fn since_reads_rfc3339_and_tolerates_garbage() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600 + 3 * 86_400);
        assert_eq!(since(Some("2026-01-01T00:00:00Z"), now), "3d");
        assert_eq!(since(Some("yesterday"), now), UNKNOWN);
        assert_eq!(since(None, now), UNKNOWN);
    }
}
