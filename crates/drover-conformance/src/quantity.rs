//! Resource quantities (`500m`, `1Gi`, `1e3`), as `resource.ParseQuantity` accepts them.

/// Whether `text` parses as a Kubernetes quantity. This follows `parseQuantityString` and the
/// suffix table of `k8s.io/apimachinery/pkg/api/resource`, quirks included (`1.G` is accepted).
pub(crate) fn is_quantity(text: &str) -> bool {
    if text.is_empty() {
        return false;
    }
    let b = text.as_bytes();
    let mut pos = 0;
    if matches!(b[0], b'+' | b'-') {
        pos = 1;
    }
    pos += b[pos..].iter().take_while(|c| c.is_ascii_digit()).count();
    if pos == b.len() {
        return true;
    }
    if b[pos] == b'.' {
        pos += 1;
        pos += b[pos..].iter().take_while(|c| c.is_ascii_digit()).count();
        if pos == b.len() {
            return true;
        }
    }
    let suffix_start = pos;
    pos += b[pos..]
        .iter()
        .take_while(|c| b"eEinumkKMGTP".contains(c))
        .count();
    if pos < b.len() && matches!(b[pos], b'+' | b'-') {
        pos += 1;
    }
    pos += b[pos..].iter().take_while(|c| c.is_ascii_digit()).count();
    if pos != b.len() {
        return false;
    }
    valid_suffix(&text[suffix_start..])
}

fn valid_suffix(suffix: &str) -> bool {
    const SI: [&str; 16] = [
        "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "n", "u", "m", "k", "M", "G", "T", "P", "E",
    ];
    if SI.contains(&suffix) {
        return true;
    }
    // Decimal exponent: `e` or `E` and a base-10 int64.
    let Some(exponent) = suffix.strip_prefix(['e', 'E']) else {
        return false;
    };
    let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    !digits.is_empty()
        && digits.bytes().all(|c| c.is_ascii_digit())
        && exponent.parse::<i64>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::is_quantity;

    #[test]
    fn quantities() {
        for ok in [
            "0", "1", "500m", "1.5Gi", "1e3", "1E-3", "+1k", "-2", ".5", "1.", "1.G", "100Mi", "e3",
        ] {
            assert!(is_quantity(ok), "{ok}");
        }
        for bad in ["", "1KB", "1K", "abc", "1 Gi", "1e", "1Gii", "1.2.3", "1e+"] {
            assert!(!is_quantity(bad), "{bad}");
        }
    }
}
