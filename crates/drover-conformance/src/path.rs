//! Field paths in the API server's notation: `spec.items[0].name`, `metadata.labels[key]`.

/// `path.key` (or `key` at the root).
pub(crate) fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// `path[index]`.
pub(crate) fn index(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}

/// `path[key]`, for the entries of a map (`additionalProperties`).
pub(crate) fn entry(path: &str, key: &str) -> String {
    format!("{path}[{key}]")
}
