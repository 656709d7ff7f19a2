//! Kubernetes versions `vMAJOR.MINOR.PATCH` and the minor-version arithmetic upgrades need.

use std::fmt;
use std::str::FromStr;

/// A Kubernetes release version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KubeVersion {
    /// Major (1).
    pub major: u32,
    /// Minor (32 in v1.32.1).
    pub minor: u32,
    /// Patch.
    pub patch: u32,
}

impl KubeVersion {
    /// `v1.32.1` → 1.32.1.
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        Self {
            major,
            minor,
            patch,
        }
    }

    /// Minor versions from `self` up to `target` (positive when `target` is newer). Across a
    /// major version boundary the distance is not defined; `None`.
    pub fn minors_to(self, target: KubeVersion) -> Option<i64> {
        (self.major == target.major).then(|| i64::from(target.minor) - i64::from(self.minor))
    }
}

impl FromStr for KubeVersion {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "`{text}` is not a Kubernetes version: expected vMAJOR.MINOR.PATCH, e.g. v1.32.1"
            )
        };
        let rest = text.strip_prefix('v').ok_or_else(bad)?;
        let parts: Vec<&str> = rest.split('.').collect();
        let [major, minor, patch] = parts.as_slice() else {
            return Err(bad());
        };
        let number = |part: &str| -> Result<u32, String> {
            if part.is_empty() || part.len() > 4 || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            if part.len() > 1 && part.starts_with('0') {
                return Err(bad());
            }
            part.parse().map_err(|_| bad())
        };
        Ok(Self {
            major: number(major)?,
            minor: number(minor)?,
            patch: number(patch)?,
        })
    }
}

impl fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}.{}.{}", self.major, self.minor, self.patch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let version: KubeVersion = "v1.32.1".parse().expect("valid");
        assert_eq!(version, KubeVersion::new(1, 32, 1));
        assert_eq!(version.to_string(), "v1.32.1");
    }

    #[test]
    fn rejects_malformed() {
        for text in [
            "1.32.1",
            "v1.32",
            "v1.32.1-rc.0",
            "v01.32.1",
            "v1..1",
            "",
            "v1.32.1.4",
        ] {
            assert!(
                text.parse::<KubeVersion>().is_err(),
                "{text} should be rejected"
            );
        }
    }

    #[test]
    fn minor_distance() {
        let a = KubeVersion::new(1, 31, 4);
        assert_eq!(a.minors_to(KubeVersion::new(1, 33, 0)), Some(2));
        assert_eq!(a.minors_to(KubeVersion::new(1, 30, 9)), Some(-1));
        assert_eq!(a.minors_to(KubeVersion::new(2, 0, 0)), None);
    }
}
