//! Does a desired object need applying? Pure comparison of the desired object with its live
//! version.
//!
//! The live object holds more than drover renders (server defaults, status, other managers'
//! fields), so equality is the wrong test. An object needs applying when
//! - a field drover renders differs from the live value ([`is_subset`]: desired maps are
//!   contained in live maps, lists have the same length and match element by element, scalars
//!   are equal), or
//! - drover's field manager owns a field in the live object that the desired object no longer has
//!   ([`owns_fields_not_desired`], read from `metadata.managedFields`): applying then removes it,
//!   which is how server-side apply drops fields a manager stops setting.

use serde_json::{Map, Value};

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

/// Whether `manager`'s server-side-apply entry in `live.metadata.managedFields` owns a field that
/// `desired` does not set. Unknown entry formats count as "not owned" so an unreadable entry
/// never causes an apply on every reconcile.
pub fn owns_fields_not_desired(live: &Value, manager: &str, desired: &Value) -> bool {
    let Some(entries) = live["metadata"]["managedFields"].as_array() else {
        return false;
    };
    entries
        .iter()
        .filter(|e| e["manager"].as_str() == Some(manager))
        .filter(|e| e["operation"].as_str() == Some("Apply"))
        .filter(|e| e["subresource"].as_str().unwrap_or_default().is_empty())
        .filter_map(|e| e["fieldsV1"].as_object())
        .any(|fields| missing_in(fields, desired))
}

/// Whether some field in the `fieldsV1` set `owned` is absent from `desired`.
fn missing_in(owned: &Map<String, Value>, desired: &Value) -> bool {
    owned.iter().any(|(key, children)| {
        let child = if let Some(name) = key.strip_prefix("f:") {
            match desired.get(name) {
                Some(child) => child,
                None => return true,
            }
        } else if let Some(keys) = key.strip_prefix("k:") {
            let Ok(Value::Object(keys)) = serde_json::from_str::<Value>(keys) else {
                return false;
            };
            let element = desired.as_array().and_then(|items| {
                items
                    .iter()
                    .find(|item| keys.iter().all(|(k, v)| item.get(k) == Some(v)))
            });
            match element {
                Some(element) => element,
                None => return true,
            }
        } else if let Some(value) = key.strip_prefix("v:") {
            let Ok(value) = serde_json::from_str::<Value>(value) else {
                return false;
            };
            return !desired
                .as_array()
                .is_some_and(|items| items.contains(&value));
        } else if let Some(index) = key.strip_prefix("i:") {
            let Ok(index) = index.parse::<usize>() else {
                return false;
            };
            match desired.get(index) {
                Some(element) => element,
                None => return true,
            }
        } else {
            // "." marks the element itself; anything else is a format we do not know.
            return false;
        };
        children
            .as_object()
            .is_some_and(|grand| missing_in(grand, child))
    })
}

/// Whether `desired` must be applied given its `live` version (`None`: it does not exist).
pub fn needs_apply(desired: &Value, live: Option<&Value>, manager: &str) -> bool {
    match live {
        None => true,
        Some(live) => {
            !is_subset(&comparable(desired), live)
                || owns_fields_not_desired(live, manager, desired)
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

    fn live() -> Value {
        json!({
            "metadata": { "name": "kccm", "namespace": "p-cluster", "uid": "u1", "resourceVersion": "7",
                          "labels": { "a": "1", "other": "x" } },
            "spec": { "replicas": 1, "revisionHistoryLimit": 10, "template": { "spec": {
                "containers": [ { "name": "c", "image": "i:1", "args": ["--x"],
                                  "terminationMessagePath": "/dev/termination-log" } ],
                "volumes": [ { "name": "tmp", "emptyDir": {} } ],
                "restartPolicy": "Always",
            } } },
            "status": { "replicas": 1 },
        })
    }

    #[test]
    fn defaults_and_status_do_not_count_as_differences() {
        assert!(!needs_apply(&deployment(), Some(&live()), "drover"));
    }

    #[test]
    fn a_changed_rendered_field_is_a_difference() {
        let mut changed = deployment();
        changed["spec"]["template"]["spec"]["containers"][0]["image"] = json!("i:2");
        assert!(needs_apply(&changed, Some(&live()), "drover"));
        let mut extra_arg = deployment();
        extra_arg["spec"]["template"]["spec"]["containers"][0]["args"] = json!(["--x", "--y"]);
        assert!(
            needs_apply(&extra_arg, Some(&live()), "drover"),
            "lists must match in length"
        );
        let mut label = deployment();
        label["metadata"]["labels"]["a"] = json!("2");
        assert!(needs_apply(&label, Some(&live()), "drover"));
        assert!(
            needs_apply(&deployment(), None, "drover"),
            "absent objects are applied"
        );
    }

    #[test]
    fn empty_desired_values_match_absent_fields() {
        assert!(is_subset(&json!({ "a": {}, "b": null }), &json!({})));
        assert!(!is_subset(&json!({ "a": { "b": 1 } }), &json!({})));
        assert!(is_subset(&json!({ "n": 1 }), &json!({ "n": 1.0 })));
    }

    #[test]
    fn a_field_drover_owns_but_no_longer_renders_needs_an_apply() {
        let mut live = live();
        live["spec"]["paused"] = json!(true);
        live["metadata"]["managedFields"] = json!([
            { "manager": "drover", "operation": "Apply", "fieldsV1": {
                "f:metadata": { "f:labels": { "f:a": {} } },
                "f:spec": { "f:replicas": {}, "f:paused": {}, "f:template": { "f:spec": {
                    "f:containers": { "k:{\"name\":\"c\"}": { ".": {}, "f:image": {}, "f:name": {} } },
                } } },
            } },
            { "manager": "kube-controller-manager", "operation": "Update", "fieldsV1": { "f:status": {} } },
        ]);
        assert!(owns_fields_not_desired(&live, "drover", &deployment()));
        assert!(needs_apply(&deployment(), Some(&live), "drover"));

        let mut desired = deployment();
        desired["spec"]["paused"] = json!(true);
        assert!(!owns_fields_not_desired(&live, "drover", &desired));
        assert!(!owns_fields_not_desired(
            &live,
            "someone-else",
            &deployment()
        ));
    }

    #[test]
    fn list_keys_values_and_unknown_formats() {
        let desired = json!({ "items": [ { "name": "a", "x": 1 } ], "set": ["v1"] });
        let owned = |fields: Value| {
            json!({ "metadata": { "managedFields": [
            { "manager": "m", "operation": "Apply", "fieldsV1": fields } ] } })
        };
        let check = |fields: Value| owns_fields_not_desired(&owned(fields), "m", &desired);
        assert!(!check(
            json!({ "f:items": { "k:{\"name\":\"a\"}": { "f:x": {} } } })
        ));
        assert!(check(json!({ "f:items": { "k:{\"name\":\"b\"}": {} } })));
        assert!(check(
            json!({ "f:items": { "k:{\"name\":\"a\"}": { "f:y": {} } } })
        ));
        assert!(!check(json!({ "f:set": { "v:\"v1\"": {} } })));
        assert!(check(json!({ "f:set": { "v:\"v2\"": {} } })));
        assert!(!check(json!({ "f:items": { "i:0": { "f:name": {} } } })));
        assert!(check(json!({ "f:items": { "i:3": {} } })));
        assert!(!check(json!({ "f:items": { "weird": {} } })));
    }
}
