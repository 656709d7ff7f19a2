//! Does a desired object need applying? Pure comparison of the desired object with its cached
//! live version.
//!
//! The live object holds more than drover renders (server defaults, status, other managers'
//! fields), so equality is the wrong test. An object needs applying when
//! - it does not exist;
//! - its [`APPLIED_HASH`] annotation differs from the hash of the desired object: the render
//!   changed since drover last applied it — including a field drover no longer sets, which only
//!   an apply removes (server-side apply drops fields a manager stops sending); or
//! - a field drover renders differs from the live value ([`is_subset`]: desired maps are
//!   contained in live maps, lists have the same length and match element by element, scalars
//!   are equal): someone changed a field drover owns, and drover takes it back.
//!
//! The hash makes drift detection work from a watch cache without `managedFields` (which the
//! cache drops: they are often half an object's size).

use drover_api::labels::APPLIED_HASH;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Whether `desired` (without `apiVersion`/`kind`, which the caller matched) is contained in
/// `live`.
pub fn is_subset(desired: &Value, live: &Value) -> bool {
    match (desired, live) {
        (Value::Object(want), Value::Object(have)) => want.iter().all(|(key, value)| {
            match have.get(key) {
                Some(live_value) => is_subset(value, live_value),
                // An empty or null desired value matches an absent field: the API server drops
                // empty maps and nulls from many objects.
                None => is_empty(value),
            }
        }),
        (Value::Array(want), Value::Array(have)) => {
            want.len() == have.len() && want.iter().zip(have).all(|(w, h)| is_subset(w, h))
        }
        (Value::Number(want), Value::Number(have)) => {
            want == have || want.as_f64().is_some_and(|w| have.as_f64() == Some(w))
        }
        (want, have) => want == have,
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}

/// The object compared by [`is_subset`]: the desired object without `apiVersion` and `kind`.
pub fn comparable(desired: &Value) -> Value {
    let mut object = desired.clone();
    if let Value::Object(map) = &mut object {
        map.remove("apiVersion");
        map.remove("kind");
    }
    object
}

/// The hash of a desired object: the first 16 hex digits of the SHA-256 of its JSON (the
/// renderer builds objects in a fixed order, so equal renders hash equally).
pub fn applied_hash(desired: &Value) -> String {
    let bytes = serde_json::to_vec(desired).unwrap_or_default();
    Sha256::digest(&bytes)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `desired` as drover applies it: with its [`APPLIED_HASH`] annotation.
pub fn stamped(desired: &Value) -> Value {
    let hash = applied_hash(desired);
    let mut object = desired.clone();
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        let annotations = metadata
            .entry("annotations")
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
        if let Some(annotations) = annotations.as_object_mut() {
            annotations.insert(APPLIED_HASH.to_owned(), Value::from(hash));
        }
    }
    object
}

/// Whether `stamped` (a [`stamped`] desired object) must be applied given its `live` version
/// (`None`: it does not exist).
pub fn needs_apply(stamped: &Value, live: Option<&Value>) -> bool {
    match live {
        None => true,
        Some(live) => {
            let hash = |object: &Value| object["metadata"]["annotations"][APPLIED_HASH].clone();
            hash(stamped) != hash(live) || !is_subset(&comparable(stamped), live)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment() -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": { "name": "kccm", "namespace": "p-cluster", "labels": { "a": "1" } },
            "spec": { "replicas": 1, "template": { "spec": {
                "containers": [ { "name": "c", "image": "i:1", "args": ["--x"] } ],
                "volumes": [ { "name": "tmp", "emptyDir": {} } ],
            } } },
        })
    }

    /// The live object after drover applied `desired`: server defaults, status, another label.
    fn live_of(desired: &Value) -> Value {
        let mut live = comparable(&stamped(desired));
        live["metadata"]["uid"] = json!("u1");
        live["metadata"]["resourceVersion"] = json!("7");
        live["metadata"]["labels"]["other"] = json!("x");
        live["spec"]["revisionHistoryLimit"] = json!(10);
        live["spec"]["template"]["spec"]["containers"][0]["terminationMessagePath"] =
            json!("/dev/termination-log");
        live["spec"]["template"]["spec"]["restartPolicy"] = json!("Always");
        live["status"] = json!({ "replicas": 1 });
        live
    }

    #[test]
    fn defaults_and_status_do_not_count_as_differences() {
        let desired = stamped(&deployment());
        assert!(!needs_apply(&desired, Some(&live_of(&deployment()))));
    }

    #[test]
    fn a_changed_render_is_a_difference() {
        let live = live_of(&deployment());
        let mut changed = deployment();
        changed["spec"]["template"]["spec"]["containers"][0]["image"] = json!("i:2");
        assert!(needs_apply(&stamped(&changed), Some(&live)));
        let mut extra_arg = deployment();
        extra_arg["spec"]["template"]["spec"]["containers"][0]["args"] = json!(["--x", "--y"]);
        assert!(needs_apply(&stamped(&extra_arg), Some(&live)));
        assert!(needs_apply(&stamped(&deployment()), None), "absent");
    }

    #[test]
    fn a_field_drover_no_longer_renders_is_a_difference() {
        // Rendered with `paused`, applied; the render drops it: the live object still has it
        // and is a superset of the new render, but the hash tells.
        let mut with_paused = deployment();
        with_paused["spec"]["paused"] = json!(true);
        let live = live_of(&with_paused);
        let without = stamped(&deployment());
        assert!(is_subset(&comparable(&without)["spec"], &live["spec"]));
        assert!(needs_apply(&without, Some(&live)));
    }

    #[test]
    fn a_hand_edit_of_a_rendered_field_is_a_difference() {
        let mut live = live_of(&deployment());
        live["metadata"]["labels"]["a"] = json!("2");
        assert!(needs_apply(&stamped(&deployment()), Some(&live)));
        let mut unstamped = live_of(&deployment());
        if let Some(annotations) = unstamped["metadata"]["annotations"].as_object_mut() {
            annotations.clear();
        }
        assert!(
            needs_apply(&stamped(&deployment()), Some(&unstamped)),
            "an object applied before the hash existed is applied once"
        );
    }

    #[test]
    fn empty_desired_values_match_absent_fields() {
        assert!(is_subset(&json!({ "a": {}, "b": null }), &json!({})));
        assert!(!is_subset(&json!({ "a": { "b": 1 } }), &json!({})));
        assert!(is_subset(&json!({ "n": 1 }), &json!({ "n": 1.0 })));
    }

    #[test]
    fn the_hash_follows_the_content() {
        let a = applied_hash(&deployment());
        assert_eq!(a.len(), 16);
        assert_eq!(a, applied_hash(&deployment()));
        let mut other = deployment();
        other["spec"]["replicas"] = json!(2);
        assert_ne!(a, applied_hash(&other));
    }
}
