//! Preparing objects read from an API server for comparison: the live object and the result of a
//! server-side dry-run apply both carry fields the server writes on every request (identity,
//! versions, managed fields, status); those are not changes a render makes and are left out.
//! Everything else, server defaults and webhook mutations included, is compared as is.

use serde_json::Value;

/// `metadata` fields the API server writes.
pub const SERVER_METADATA: [&str; 7] = [
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "selfLink",
    "deletionGracePeriodSeconds",
];

/// `object` without `status`, the server-written metadata fields and the controller's
/// bookkeeping annotation ([`drover_api::labels::APPLIED_HASH`]).
pub fn comparable(object: &Value) -> Value {
    let mut object = object.clone();
    if let Value::Object(map) = &mut object {
        map.remove("status");
        if let Some(Value::Object(metadata)) = map.get_mut("metadata") {
            for field in SERVER_METADATA {
                metadata.remove(field);
            }
            let annotations = metadata
                .get_mut("annotations")
                .and_then(Value::as_object_mut);
            if let Some(annotations) = annotations {
                annotations.remove(drover_api::labels::APPLIED_HASH);
                if annotations.is_empty() {
                    metadata.remove("annotations");
                }
            }
        }
    }
    object
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_fields_are_left_out() {
        let live = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": { "name": "a", "uid": "u", "resourceVersion": "7", "generation": 2,
                          "creationTimestamp": "t", "managedFields": [], "labels": { "x": "1" } },
            "data": { "k": "v" }, "status": { "phase": "x" },
        });
        assert_eq!(
            comparable(&live),
            json!({ "apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": { "name": "a", "labels": { "x": "1" } }, "data": { "k": "v" } })
        );
    }
}
