//! Names drover derives for the objects of a cluster. Kept in one place so the renderer,
//! the controller and the docs agree, and so length limits are checked once.

/// Longest Kubernetes object name that is also a DNS label (most names end up in labels).
pub const MAX_DNS_LABEL: usize = 63;

/// Namespace on the management cluster holding one cluster's CAPI objects
/// (`payments` → `payments-cluster`, as the KubeVirt seed set-up names it).
pub fn cluster_namespace(cluster: &str) -> String {
    format!("{cluster}-cluster")
}

/// Whether `name` is a DNS-1123 label: lowercase alphanumerics and `-`, starting and ending
/// alphanumeric, at most 63 characters.
pub fn is_dns_label(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_DNS_LABEL
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels() {
        assert!(is_dns_label("md-0"));
        assert!(!is_dns_label("Md-0"));
        assert!(!is_dns_label("-a"));
        assert!(!is_dns_label(""));
        assert!(!is_dns_label(&"a".repeat(64)));
    }
}
