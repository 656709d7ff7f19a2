//! Durations as written in Environments (`24h`, `90m`, `1h30m`, `2d`).

use std::time::Duration;

/// Parses a sequence of `NUMBER UNIT` pairs with units `d`, `h`, `m`, `s`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("`{text}` is not a duration (expected e.g. `24h`, `90m`, `1h30m`)");
    if text.is_empty() {
        return Err(bad());
    }
    let mut total: u64 = 0;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit: u64 = match c {
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return Err(bad()),
        };
        let value: u64 = number.parse().map_err(|_| bad())?;
        total = value
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
        number.clear();
    }
    if !number.is_empty() {
        return Err(bad());
    }
    Ok(Duration::from_secs(total))
}

/// Formats a duration in hours, minutes and seconds as [`parse_duration`] reads them: `24h`,
/// `1h30m`, `90s` → `1m30s`, `2d` → `48h`; `0s` for zero.
pub fn format_duration(duration: Duration) -> String {
    let mut rest = duration.as_secs();
    if rest == 0 {
        return "0s".to_owned();
    }
    let mut out = String::new();
    for (unit, seconds) in [("h", 3_600), ("m", 60), ("s", 1)] {
        let count = rest / seconds;
        if count > 0 {
            out.push_str(&format!("{count}{unit}"));
            rest %= seconds;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_what_it_parses() {
        for text in ["24h", "1h30m", "26h3m4s", "45s", "0s"] {
            let parsed = parse_duration(text).expect("parses");
            assert_eq!(format_duration(parsed), text);
        }
        assert_eq!(format_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(format_duration(Duration::from_secs(2 * 86_400)), "48h");
    }

    #[test]
    fn parses_compound_durations() {
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5_400)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172_800)));
    }

    #[test]
    fn rejects_malformed() {
        for text in ["", "24", "h", "1.5h", "24 h", "1w"] {
            assert!(parse_duration(text).is_err(), "{text}");
        }
    }
}
