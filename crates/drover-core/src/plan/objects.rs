//! Comparing the objects of one cluster: which are created, deleted, changed (with the fields)
//! or replaced. Objects are the same object when group, kind, namespace and name match (the
//! version in `apiVersion` may move; the API server serves one object at every version).
//!
//! A deleted and a created object of the same kind whose names differ only in the content-hash
//! suffix (`payments-md-0-1a2b3c4d` → `payments-md-0-9f8e7d6c`) are shown as one replacement
//! with the fields that changed: that is how a changed immutable template looks.

use std::collections::BTreeMap;

use serde_json::Value;

use super::diff::{FieldChange, diff};
use super::{Action, ObjectPlan};

/// Identity of an object in the API.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct ObjectKey {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl ObjectKey {
    pub(crate) fn of(object: &Value) -> Self {
        let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
        let api_version = object["apiVersion"].as_str().unwrap_or_default();
        Self {
            group: api_version
                .rsplit_once('/')
                .map(|(group, _)| group)
                .unwrap_or_default()
                .to_owned(),
            kind: text(&object["kind"]),
            namespace: text(&object["metadata"]["namespace"]),
            name: text(&object["metadata"]["name"]),
        }
    }
}

fn plan_of(action: Action, object: &Value, fields: Vec<FieldChange>) -> ObjectPlan {
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    ObjectPlan {
        action,
        api_version: text(&object["apiVersion"]),
        kind: text(&object["kind"]),
        namespace: text(&object["metadata"]["namespace"]),
        name: text(&object["metadata"]["name"]),
        replaces: None,
        fields,
    }
}

/// `payments-md-0` for `payments-md-0-1a2b3c4d`; `None` without a content-hash suffix.
pub(crate) fn hash_base(name: &str) -> Option<&str> {
    let (base, suffix) = name.rsplit_once('-')?;
    (suffix.len() == 8 && suffix.bytes().all(|b| b.is_ascii_hexdigit())).then_some(base)
}

/// The changes from `before` to `after`, and how many objects are unchanged. Created, changed
/// and replacing objects come in `after`'s (apply) order, deleted ones after them.
pub(crate) fn compare(before: &[Value], after: &[Value]) -> (Vec<ObjectPlan>, usize) {
    let old: BTreeMap<ObjectKey, &Value> = before.iter().map(|o| (ObjectKey::of(o), o)).collect();
    let new_keys: BTreeMap<ObjectKey, ()> = after.iter().map(|o| (ObjectKey::of(o), ())).collect();

    // Hash-suffixed names created and deleted, by (group, kind, namespace, base name).
    let mut created: BTreeMap<(String, String, String, String), Vec<usize>> = BTreeMap::new();
    for (index, object) in after.iter().enumerate() {
        let key = ObjectKey::of(object);
        if !old.contains_key(&key)
            && let Some(base) = hash_base(&key.name)
        {
            created
                .entry((key.group, key.kind, key.namespace, base.to_owned()))
                .or_default()
                .push(index);
        }
    }
    let mut deleted: BTreeMap<(String, String, String, String), Vec<&Value>> = BTreeMap::new();
    for object in before {
        let key = ObjectKey::of(object);
        if !new_keys.contains_key(&key)
            && let Some(base) = hash_base(&key.name)
        {
            deleted
                .entry((key.group, key.kind, key.namespace, base.to_owned()))
                .or_default()
                .push(object);
        }
    }
    // A replacement: exactly one deleted and one created object with the same base name.
    let mut replaced_by: BTreeMap<usize, &Value> = BTreeMap::new();
    for (base, indices) in &created {
        if let ([index], Some([old_object])) =
            (indices.as_slice(), deleted.get(base).map(Vec::as_slice))
        {
            replaced_by.insert(*index, old_object);
        }
    }
    let replaced: Vec<ObjectKey> = replaced_by.values().map(|o| ObjectKey::of(o)).collect();

    let mut plans = Vec::new();
    let mut unchanged = 0;
    for (index, object) in after.iter().enumerate() {
        let key = ObjectKey::of(object);
        if let Some(previous) = old.get(&key) {
            let fields = diff(previous, object);
            if fields.is_empty() {
                unchanged += 1;
            } else {
                plans.push(plan_of(Action::Change, object, fields));
            }
        } else if let Some(previous) = replaced_by.get(&index) {
            let fields = diff(previous, object)
                .into_iter()
                .filter(|f| f.path != "metadata.name")
                .collect();
            let mut plan = plan_of(Action::Replace, object, fields);
            plan.replaces = previous["metadata"]["name"].as_str().map(str::to_owned);
            plans.push(plan);
        } else {
            plans.push(plan_of(Action::Create, object, Vec::new()));
        }
    }
    for object in before {
        let key = ObjectKey::of(object);
        if !new_keys.contains_key(&key) && !replaced.contains(&key) {
            plans.push(plan_of(Action::Delete, object, Vec::new()));
        }
    }
    (plans, unchanged)
}
