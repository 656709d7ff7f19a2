//! Content hashes for immutable templates: a changed template gets a new name, so CAPI rolls
//! the machines that use it and the old template can be pruned once nothing references it.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// First 8 hex digits of the SHA-256 of `content`'s canonical JSON.
pub fn content_hash(content: &Value) -> String {
    // serde_json writes maps in insertion order; the renderer builds objects in a fixed order,
    // so the serialisation (and the hash) is stable for equal input.
    let bytes = serde_json::to_vec(content).unwrap_or_default();
    let digest = Sha256::digest(&bytes);
    digest.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

/// `<base>-<hash of content>`.
pub fn hashed_name(base: &str, content: &Value) -> String {
    format!("{base}-{}", content_hash(content))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equal_content_equal_name_different_content_different_name() {
        let a = hashed_name("payments-md-0", &json!({"cpu": 8}));
        assert_eq!(a, hashed_name("payments-md-0", &json!({"cpu": 8})));
        assert_ne!(a, hashed_name("payments-md-0", &json!({"cpu": 16})));
        assert_eq!(a.len(), "payments-md-0-".len() + 8);
    }
}
