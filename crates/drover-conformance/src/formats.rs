//! String `format`s, as the API server validates them for CRDs (kube-openapi `strfmt`).
//!
//! Since Kubernetes 1.34 the API server validates exactly these string formats and ignores any
//! other: bsonobjectid, uri, email, hostname, ipv4, ipv6, cidr, mac, uuid, uuid3, uuid4, uuid5,
//! isbn, isbn10, isbn13, creditcard, ssn, hexcolor, rgbcolor, byte, password, date, duration,
//! datetime, quantity, k8s-short-name, k8s-long-name (names compared with `-` removed, so
//! `date-time` is `datetime`). The few not implemented here fail the check rather than pass it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use regex::Regex;

use crate::{metadata, quantity};

/// The verdict on one string.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Valid, or a format the API server does not validate.
    Ok,
    /// Invalid for the format.
    Invalid,
    /// A format the API server validates but this checker does not implement.
    Unimplemented,
}

/// Checks `value` against the string format `format`.
pub(crate) fn check(format: &str, value: &str) -> Verdict {
    let valid = match format.replace('-', "").as_str() {
        "password" => true,
        "byte" => is_base64(value),
        "datetime" => is_date_time(value),
        "date" => is_date(value),
        "duration" => is_duration(value),
        "uri" => is_request_uri(value),
        "cidr" => is_cidr(value),
        "ipv4" => parse_ip(value).is_some() && value.contains('.'),
        "ipv6" => parse_ip(value).is_some() && value.contains(':'),
        "hostname" => is_hostname(value),
        "uuid" => matches(&UUID, value),
        "uuid3" => matches(&UUID3, value),
        "uuid4" => matches(&UUID4, value),
        "uuid5" => matches(&UUID5, value),
        "hexcolor" => matches(&HEXCOLOR, value),
        "bsonobjectid" => value.len() == 24 && value.bytes().all(|b| b.is_ascii_hexdigit()),
        "k8sshortname" => metadata::is_dns1123_label(value),
        "k8slongname" => is_k8s_long_name(value),
        "quantity" => quantity::is_quantity(value),
        "email" | "mac" | "isbn" | "isbn10" | "isbn13" | "creditcard" | "ssn" | "rgbcolor" => {
            return Verdict::Unimplemented;
        }
        _ => true,
    };
    if valid { Verdict::Ok } else { Verdict::Invalid }
}

fn regex(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

fn matches(re: &LazyLock<Option<Regex>>, value: &str) -> bool {
    re.as_ref().is_some_and(|re| re.is_match(value))
}

static BASE64: LazyLock<Option<Regex>> = LazyLock::new(|| {
    regex(r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$")
});
static TIME_OF_DAY: LazyLock<Option<Regex>> = LazyLock::new(|| {
    regex(r"^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$")
});
static DURATION_WORDS: LazyLock<Option<Regex>> =
    LazyLock::new(|| regex(r"(([0-9]+)[\t\n\x0C\r ]*([A-Za-zµ]+))"));
static HOSTNAME: LazyLock<Option<Regex>> = LazyLock::new(|| {
    regex(
        r"^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9\-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$",
    )
});
static UUID: LazyLock<Option<Regex>> = LazyLock::new(|| {
    regex(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$")
});
static UUID3: LazyLock<Option<Regex>> = LazyLock::new(|| {
    regex(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$")
});
static UUID4: LazyLock<Option<Regex>> = LazyLock::new(|| {
    regex(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$")
});
static UUID5: LazyLock<Option<Regex>> = LazyLock::new(|| {
    regex(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$")
});
static HEXCOLOR: LazyLock<Option<Regex>> =
    LazyLock::new(|| regex(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"));

/// `govalidator.IsBase64`: padded standard base64, at least one quantum (so not empty).
fn is_base64(value: &str) -> bool {
    matches(&BASE64, value)
}

/// `strfmt.IsDateTime`: a full date, `T`, a time of day with a zone (`Z` or `±hh:mm`).
fn is_date_time(value: &str) -> bool {
    if value.len() < 4 {
        return false;
    }
    let lower = value.to_lowercase();
    let parts: Vec<&str> = lower.split('t').collect();
    if parts.len() < 2 || !is_date(parts[0]) {
        return false;
    }
    let Some(re) = TIME_OF_DAY.as_ref() else {
        return false;
    };
    let Some(caps) = re.captures(parts[1]) else {
        return false;
    };
    let field = |i: usize| caps.get(i).map_or("", |m| m.as_str());
    field(1) <= "23" && field(2) <= "59" && field(3) <= "59"
}

/// `strfmt.IsDate`: Go's `time.Parse("2006-01-02", value)`.
fn is_date(value: &str) -> bool {
    let b = value.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let s = value.get(range)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let (Some(year), Some(month), Some(day)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// `strfmt.ParseDuration`: Go's `time.ParseDuration`, else the lenient "number unit" form.
fn is_duration(value: &str) -> bool {
    if go_parse_duration(value).is_some() {
        return true;
    }
    let Some(re) = DURATION_WORDS.as_ref() else {
        return false;
    };
    let units: [&[&str]; 8] = [
        &["ns", "nano"],
        &["us", "µs", "micro"],
        &["ms", "milli"],
        &["s", "sec"],
        &["m", "min"],
        &["h", "hr", "hour"],
        &["d", "day"],
        &["w", "wk", "week"],
    ];
    let mut ok = false;
    for caps in re.captures_iter(value) {
        let digits = caps.get(2).map_or("", |m| m.as_str());
        if digits.parse::<i64>().is_err() {
            return false;
        }
        let unit = caps.get(3).map_or("", |m| m.as_str()).trim().to_lowercase();
        for variants in units {
            let last = variants.len() - 1;
            for (i, variant) in variants.iter().enumerate() {
                if (i == last && unit.starts_with(variant)) || unit.eq_ignore_ascii_case(variant) {
                    ok = true;
                }
            }
        }
    }
    ok
}

/// Go's `time.ParseDuration`: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, units ns us µs μs ms s m h,
/// within ±2^63 ns. Returns the magnitude in nanoseconds.
fn go_parse_duration(value: &str) -> Option<u128> {
    let mut s = value;
    let mut neg = false;
    if let Some(rest) = s.strip_prefix('-') {
        neg = true;
        s = rest;
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest;
    }
    if s == "0" {
        return Some(0);
    }
    if s.is_empty() {
        return None;
    }
    let mut total: f64 = 0.0;
    let mut exact: u128 = 0;
    while !s.is_empty() {
        let first = s.as_bytes()[0];
        if !(first == b'.' || first.is_ascii_digit()) {
            return None;
        }
        let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
        let int_part = &s[..int_len];
        s = &s[int_len..];
        let mut frac_part = "";
        if let Some(rest) = s.strip_prefix('.') {
            let frac_len = rest.bytes().take_while(u8::is_ascii_digit).count();
            frac_part = &rest[..frac_len];
            s = &rest[frac_len..];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return None;
        }
        let unit_len = s
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        if unit_len == 0 {
            return None;
        }
        let unit: u128 = match &s[..unit_len] {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return None,
        };
        s = &s[unit_len..];
        let int: u128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().ok()?
        };
        if int > (1u128 << 63) {
            return None;
        }
        exact = exact.checked_add(int.checked_mul(unit)?)?;
        let frac: f64 = if frac_part.is_empty() {
            0.0
        } else {
            format!("0.{frac_part}").parse().ok()?
        };
        total += frac * unit as f64;
    }
    let nanos = exact + total.floor() as u128;
    let limit = if neg { 1u128 << 63 } else { (1u128 << 63) - 1 };
    (nanos <= limit).then_some(nanos)
}

/// Go's `url.ParseRequestURI` (`govalidator.IsRequestURI`): an absolute URI or an absolute path.
fn is_request_uri(value: &str) -> bool {
    if value.is_empty() || value.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return false;
    }
    if value == "*" {
        return true;
    }
    // Scheme: a letter, then letters, digits, `+`, `-`, `.`, up to the first `:`.
    let mut scheme = "";
    let mut rest = value;
    for (i, c) in value.char_indices() {
        if c.is_ascii_alphabetic() {
            continue;
        }
        if c.is_ascii_digit() || c == '+' || c == '-' || c == '.' {
            if i == 0 {
                break;
            }
            continue;
        }
        if c == ':' {
            if i == 0 {
                return false;
            }
            scheme = &value[..i];
            rest = &value[i + 1..];
        }
        break;
    }
    let rest = rest.split_once('?').map_or(rest, |(path, _)| path);
    if !rest.starts_with('/') {
        // `scheme:opaque` is accepted; a relative path is not.
        return !scheme.is_empty();
    }
    let mut path = rest;
    if !scheme.is_empty() && rest.starts_with("//") {
        let after = &rest[2..];
        let (authority, tail) = after.find('/').map_or((after, ""), |i| after.split_at(i));
        if !is_valid_authority(authority) {
            return false;
        }
        path = tail;
    }
    valid_percent_escapes(path)
}

fn is_valid_authority(authority: &str) -> bool {
    let host = authority
        .rfind('@')
        .map_or(authority, |i| &authority[i + 1..]);
    let user = authority.rfind('@').map(|i| &authority[..i]);
    if let Some(user) = user {
        let ok_char = |c: char| {
            c.is_ascii_alphanumeric() || "-._:~!$&'()*+,;=%@".contains(c) || !c.is_ascii()
        };
        if !user.chars().all(ok_char) || !valid_percent_escapes(user) {
            return false;
        }
    }
    let port_ok = |port: &str| port.bytes().all(|b| b.is_ascii_digit());
    let name = if let Some(bracketed) = host.strip_prefix('[') {
        let Some(close) = bracketed.find(']') else {
            return false;
        };
        let after = &bracketed[close + 1..];
        if !after.is_empty() && !after.strip_prefix(':').is_some_and(port_ok) {
            return false;
        }
        &bracketed[..close]
    } else if let Some(colon) = host.rfind(':') {
        if !port_ok(&host[colon + 1..]) {
            return false;
        }
        &host[..colon]
    } else {
        host
    };
    let host_char = |c: char| {
        c.is_ascii_alphanumeric() || "-_.~$&'()*+,;=:[]<>\"%".contains(c) || !c.is_ascii()
    };
    name.chars().all(host_char) && valid_percent_escapes(name)
}

fn valid_percent_escapes(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if i + 2 >= b.len() || !(b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit()) {
                return false;
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    true
}

/// Go's `net.ParseIP`: dotted IPv4 without leading zeros, or IPv6 (no zone).
fn parse_ip(value: &str) -> Option<IpAddr> {
    if let Ok(v4) = value.parse::<Ipv4Addr>() {
        return Some(IpAddr::V4(v4));
    }
    value.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
}

/// Go's `net.ParseCIDR`: an address, `/`, a decimal prefix length within the address size.
fn is_cidr(value: &str) -> bool {
    let Some((addr, bits)) = value.split_once('/') else {
        return false;
    };
    let Some(ip) = parse_ip(addr) else {
        return false;
    };
    if bits.is_empty() || !bits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let max = if ip.is_ipv4() { 32 } else { 128 };
    bits.parse::<u32>().is_ok_and(|n| n <= max)
}

/// `strfmt.IsHostname`.
fn is_hostname(value: &str) -> bool {
    matches(&HOSTNAME, value) && value.len() <= 255 && value.split('.').all(|p| p.len() <= 63)
}

/// `k8s-long-name`: dot-separated DNS-1123 labels (no 63 limit per label), at most 253 long.
fn is_k8s_long_name(value: &str) -> bool {
    value.len() <= 253
        && value.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
                && b[0] != b'-'
                && b[b.len() - 1] != b'-'
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_time() {
        for ok in [
            "2024-02-29T10:00:00Z",
            "2024-01-01t23:59:59.123+02:00",
            "2024-01-01T00:00:00z",
        ] {
            assert_eq!(check("date-time", ok), Verdict::Ok, "{ok}");
        }
        for bad in [
            "2023-02-29T10:00:00Z",
            "2024-01-01",
            "2024-01-01T24:00:00Z",
            "2024-1-01T10:00:00Z",
            "",
        ] {
            assert_eq!(check("date-time", bad), Verdict::Invalid, "{bad}");
        }
    }

    #[test]
    fn byte() {
        assert_eq!(check("byte", "aGVsbG8="), Verdict::Ok);
        assert_eq!(check("byte", "aGVsbG8"), Verdict::Invalid);
        assert_eq!(check("byte", ""), Verdict::Invalid);
        assert_eq!(check("byte", "aGV-bG8="), Verdict::Invalid);
    }

    #[test]
    fn duration() {
        for ok in ["1h30m", "-1.5s", "0", "300ms", "1µs", "5 minutes", "2 days"] {
            assert_eq!(check("duration", ok), Verdict::Ok, "{ok}");
        }
        for bad in ["", "1", "abc", "1x", "9999999999999999999h"] {
            assert_eq!(check("duration", bad), Verdict::Invalid, "{bad}");
        }
    }

    #[test]
    fn uri() {
        for ok in [
            "https://example.com/a?b=c",
            "http://[::1]:8080/",
            "mailto:x@y",
            "/abs/path",
            "*",
        ] {
            assert_eq!(check("uri", ok), Verdict::Ok, "{ok}");
        }
        for bad in [
            "",
            "relative/path",
            "http://exa mple.com/",
            "http://host:port/",
            "://x",
            "http://h/%zz",
        ] {
            assert_eq!(check("uri", bad), Verdict::Invalid, "{bad}");
        }
    }

    #[test]
    fn cidr_and_ips() {
        assert_eq!(check("cidr", "10.0.0.0/8"), Verdict::Ok);
        assert_eq!(check("cidr", "fd00::/64"), Verdict::Ok);
        assert_eq!(check("cidr", "10.0.0.0/33"), Verdict::Invalid);
        assert_eq!(check("cidr", "10.0.0.0"), Verdict::Invalid);
        assert_eq!(check("cidr", "010.0.0.0/8"), Verdict::Invalid);
        assert_eq!(check("ipv4", "::ffff:1.2.3.4"), Verdict::Ok);
        assert_eq!(check("ipv6", "1.2.3.4"), Verdict::Invalid);
    }

    #[test]
    fn unsupported_and_unimplemented() {
        assert_eq!(
            check("int32", "x"),
            Verdict::Ok,
            "not a string format: ignored"
        );
        assert_eq!(check("email", "a@b"), Verdict::Unimplemented);
    }
}
