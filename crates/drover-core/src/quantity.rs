//! Kubernetes resource quantities (`32Gi`, `100G`, `512Mi`) as written and as bytes.

use std::fmt;

/// A quantity as the user wrote it, with its value in bytes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity {
    text: String,
    bytes: u64,
}

impl Quantity {
    /// Parses `NUMBER[SUFFIX]` with binary (Ki..Pi) or decimal (k..P) suffixes.
    pub fn parse(text: &str) -> Result<Self, String> {
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (number, suffix) = text.split_at(split);
        let multiplier: u64 = match suffix {
            "" => 1,
            "Ki" => 1 << 10,
            "Mi" => 1 << 20,
            "Gi" => 1 << 30,
            "Ti" => 1 << 40,
            "Pi" => 1 << 50,
            "k" => 1_000,
            "M" => 1_000_000,
            "G" => 1_000_000_000,
            "T" => 1_000_000_000_000,
            "P" => 1_000_000_000_000_000,
            other => {
                return Err(format!(
                    "`{text}` is not a quantity: unknown suffix `{other}` (use Ki, Mi, Gi, Ti or k, M, G, T)"
                ));
            }
        };
        let value: f64 = number
            .parse()
            .map_err(|_| format!("`{text}` is not a quantity (expected e.g. `32Gi`)"))?;
        let bytes = value * multiplier as f64;
        if !bytes.is_finite() || bytes < 1.0 || bytes > u64::MAX as f64 {
            return Err(format!("`{text}` is out of range"));
        }
        Ok(Self {
            text: text.to_owned(),
            bytes: bytes.round() as u64,
        })
    }

    /// The quantity in bytes.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The quantity as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whole mebibytes (rounded up), the unit some providers want.
    pub fn mebibytes(&self) -> u64 {
        self.bytes.div_ceil(1 << 20)
    }

    /// Whole gibibytes (rounded up).
    pub fn gibibytes(&self) -> u64 {
        self.bytes.div_ceil(1 << 30)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_binary_and_decimal_suffixes() {
        assert_eq!(Quantity::parse("32Gi").map(|q| q.bytes()), Ok(32 << 30));
        assert_eq!(Quantity::parse("1.5Gi").map(|q| q.mebibytes()), Ok(1536));
        assert_eq!(
            Quantity::parse("100G").map(|q| q.bytes()),
            Ok(100_000_000_000)
        );
        assert_eq!(Quantity::parse("512").map(|q| q.bytes()), Ok(512));
    }

    #[test]
    fn rejects_garbage() {
        assert!(Quantity::parse("32GB").is_err());
        assert!(Quantity::parse("Gi").is_err());
        assert!(Quantity::parse("0").is_err());
        assert!(Quantity::parse("").is_err());
    }
}
