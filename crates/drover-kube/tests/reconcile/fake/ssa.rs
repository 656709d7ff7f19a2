//! A small model of server-side apply, enough to test drover's use of it:
//!
//! - the applied fields become the manager's managed set (`fieldsV1`; lists are atomic leaves),
//! - fields the manager owned before, no longer applies and nobody else owns are removed,
//! - the applied object is merged in (maps merge, lists and scalars replace),
//! - with `force`, ownership of the applied fields moves to the manager; without, a field owned
//!   by another applier with a different value is a conflict.
//!
//! Plus a few server defaults per kind, so the live objects hold more than what was applied.

use serde_json::{Map, Value, json};

/// Metadata fields that are identity or server-owned, never part of a managed set.
const UNMANAGED_METADATA: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
];

/// The `fieldsV1` set of an applied object.
pub fn fields_of(applied: &Value) -> Value {
    fn walk(value: &Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (format!("f:{k}"), walk(v)))
                    .collect(),
            ),
            _ => json!({}),
        }
    }
    let mut fields = Map::new();
    if let Value::Object(map) = applied {
        for (key, value) in map {
            match key.as_str() {
                "apiVersion" | "kind" => {}
                "metadata" => {
                    let mut meta = Map::new();
                    for (k, v) in value.as_object().into_iter().flatten() {
                        if !UNMANAGED_METADATA.contains(&k.as_str()) {
                            meta.insert(format!("f:{k}"), walk(v));
                        }
                    }
                    if !meta.is_empty() {
                        fields.insert("f:metadata".to_owned(), Value::Object(meta));
                    }
                }
                _ => {
                    fields.insert(format!("f:{key}"), walk(value));
                }
            }
        }
    }
    Value::Object(fields)
}

/// Leaf paths (field names without `f:`) of a `fieldsV1` set.
pub fn leaves(fields: &Value) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    fn walk(fields: &Value, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        let children: Vec<_> = fields
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| k.strip_prefix("f:").map(|k| (k, v)))
            .collect();
        if children.is_empty() {
            if !prefix.is_empty() {
                out.push(prefix.clone());
            }
            return;
        }
        for (key, value) in children {
            prefix.push(key.to_owned());
            walk(value, prefix, out);
            prefix.pop();
        }
    }
    walk(fields, &mut Vec::new(), &mut out);
    out
}

fn overlaps(a: &[String], b: &[String]) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

fn lookup<'a>(object: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(object, |value, key| value.get(key))
}

fn remove_path(object: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut current = object;
    for key in parents {
        match current.get_mut(key) {
            Some(next) => current = next,
            None => return,
        }
    }
    if let Some(map) = current.as_object_mut() {
        map.remove(last);
    }
}

fn remove_leaf_from_set(fields: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut current = fields;
    for key in parents {
        match current.get_mut(format!("f:{key}")) {
            Some(next) => current = next,
            None => return,
        }
    }
    if let Some(map) = current.as_object_mut() {
        map.remove(&format!("f:{last}"));
    }
}

/// Deep merge: maps merge, everything else replaces.
pub fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                match target.get_mut(key) {
                    Some(existing) if existing.is_object() && value.is_object() => {
                        merge(existing, value)
                    }
                    _ => {
                        target.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}

/// A field owned by another manager with a different value, when applying without force.
#[derive(Debug)]
pub struct Conflict(pub String);

/// Applies `applied` as `manager` onto `live` (`live` already has identity metadata).
pub fn apply(
    live: &mut Value,
    applied: &Value,
    manager: &str,
    force: bool,
    subresource: Option<&str>,
) -> Result<(), Conflict> {
    let applied = match subresource {
        Some(sub) => json!({ sub: applied.get(sub).cloned().unwrap_or(json!({})) }),
        None => applied.clone(),
    };
    let new_set = fields_of(&applied);
    let new_leaves = leaves(&new_set);
    let mut entries: Vec<Value> = live["metadata"]["managedFields"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mine = |e: &Value| {
        e["manager"] == manager
            && e["operation"] == "Apply"
            && e["subresource"].as_str() == subresource
    };
    let old_set = entries
        .iter()
        .find(|e| mine(e))
        .map(|e| e["fieldsV1"].clone())
        .unwrap_or(json!({}));
    let mut others: Vec<Value> = entries.drain(..).filter(|e| !mine(e)).collect();

    if !force {
        for other in others.iter().filter(|e| e["operation"] == "Apply") {
            for leaf in leaves(&other["fieldsV1"]) {
                if let Some(mine) = new_leaves.iter().find(|l| overlaps(l, &leaf))
                    && lookup(live, mine) != lookup(&applied, mine)
                {
                    return Err(Conflict(mine.join(".")));
                }
            }
        }
    }
    let other_leaves: Vec<Vec<String>> =
        others.iter().flat_map(|e| leaves(&e["fieldsV1"])).collect();
    for old in leaves(&old_set) {
        let still_mine = new_leaves.iter().any(|l| overlaps(l, &old));
        let owned_elsewhere = other_leaves.iter().any(|l| overlaps(l, &old));
        if !still_mine && !owned_elsewhere {
            remove_path(live, &old);
            // Parents were owned too: drop the ones left empty and owned by nobody now.
            for depth in (1..old.len()).rev() {
                let parent = &old[..depth];
                let owned = new_leaves
                    .iter()
                    .chain(&other_leaves)
                    .any(|l| l.starts_with(parent));
                let empty =
                    lookup(live, parent).is_some_and(|v| v.as_object().is_some_and(Map::is_empty));
                if owned || !empty {
                    break;
                }
                remove_path(live, parent);
            }
        }
    }
    merge(live, &applied);
    if force {
        for other in &mut others {
            for leaf in &new_leaves {
                remove_leaf_from_set(&mut other["fieldsV1"], leaf);
            }
        }
    }
    let mut entry = json!({
        "manager": manager,
        "operation": "Apply",
        "apiVersion": live["apiVersion"],
        "fieldsType": "FieldsV1",
        "fieldsV1": new_set,
    });
    if let Some(sub) = subresource {
        entry["subresource"] = json!(sub);
    }
    others.push(entry);
    live["metadata"]["managedFields"] = Value::Array(others);
    Ok(())
}

/// Server defaults of a few kinds, so live objects differ from what was applied.
pub fn default_fields(object: &mut Value) {
    let kind = object["kind"].as_str().unwrap_or_default().to_owned();
    match kind.as_str() {
        "Deployment" => {
            let spec = &mut object["spec"];
            if spec.get("revisionHistoryLimit").is_none() {
                spec["revisionHistoryLimit"] = json!(10);
            }
            if spec.get("progressDeadlineSeconds").is_none() {
                spec["progressDeadlineSeconds"] = json!(600);
            }
            if let Some(containers) = spec["template"]["spec"]["containers"].as_array_mut() {
                for container in containers {
                    if container.get("terminationMessagePath").is_none() {
                        container["terminationMessagePath"] = json!("/dev/termination-log");
                    }
                }
            }
        }
        "Secret" if object.get("type").is_none() => {
            object["type"] = json!("Opaque");
        }
        "Namespace" => {
            let name = object["metadata"]["name"].clone();
            object["metadata"]["labels"]["kubernetes.io/metadata.name"] = name;
            object["spec"] = json!({ "finalizers": ["kubernetes"] });
        }
        "MachineDeployment"
            if object["spec"]["template"]["spec"]
                .get("minReadySeconds")
                .is_none() =>
        {
            object["spec"]["template"]["spec"]["minReadySeconds"] = json!(0);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_no_longer_applied_are_removed_unless_owned_elsewhere() {
        let mut live = json!({ "apiVersion": "v1", "kind": "X", "metadata": { "name": "x" } });
        apply(
            &mut live,
            &json!({ "spec": { "a": 1, "paused": true } }),
            "p",
            true,
            None,
        )
        .expect("apply");
        apply(
            &mut live,
            &json!({ "spec": { "a": 1, "b": 2 } }),
            "d",
            true,
            None,
        )
        .expect("apply");
        assert_eq!(live["spec"], json!({ "a": 1, "b": 2, "paused": true }));
        apply(&mut live, &json!({}), "p", false, None).expect("apply");
        assert_eq!(
            live["spec"],
            json!({ "a": 1, "b": 2 }),
            "`a` is still d's, `paused` was only p's"
        );
    }

    #[test]
    fn conflicts_without_force() {
        let mut live = json!({ "apiVersion": "v1", "kind": "X", "metadata": { "name": "x" } });
        apply(&mut live, &json!({ "spec": { "a": 1 } }), "d", true, None).expect("apply");
        assert!(apply(&mut live, &json!({ "spec": { "a": 2 } }), "e", false, None).is_err());
        assert!(apply(&mut live, &json!({ "spec": { "a": 2 } }), "e", true, None).is_ok());
    }
}

#[cfg(test)]
mod partial {
    use super::*;

    #[test]
    fn a_partial_apply_by_the_same_manager_removes_the_rest() {
        let mut live = json!({ "apiVersion": "v1", "kind": "X", "metadata": { "name": "x" } });
        apply(&mut live, &json!({ "apiVersion": "v1", "kind": "X", "metadata": { "name": "x", "labels": {"a": "b"} }, "spec": { "a": 1, "ref": { "k": "v" } } }), "d", true, None).expect("apply");
        apply(&mut live, &json!({ "apiVersion": "v1", "kind": "X", "metadata": { "name": "x" }, "spec": { "paused": true } }), "d", true, None).expect("apply");
        assert_eq!(live["spec"], json!({ "paused": true }), "{live}");
    }
}
