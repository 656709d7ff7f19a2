//! Field-level differences between two JSON values, each with its path.
//!
//! Paths read like diagnostics' field paths: `spec.template.spec.version`, list items by
//! position (`args[2]`), label keys quoted (`metadata.labels["drover.dev/cluster"]`). Lists
//! whose items are all objects with distinct `name`s (containers, volumes, kubeadm `extraArgs`)
//! are matched by name (`containers[name=kccm].image`), so inserting one item does not show as
//! every later item changed. Numbers compare by value (`1` equals `1.0`).

use serde::Serialize;
use serde_json::{Map, Value};

/// One changed field.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldChange {
    /// Where (`spec.replicas`).
    pub path: String,
    /// The old value; absent when the field is new.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    /// The new value; absent when the field is removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
}

/// Every difference from `before` to `after`, in document order.
pub fn diff(before: &Value, after: &Value) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    walk(&mut String::new(), before, after, &mut changes);
    changes
}

/// Whether two values are equal, numbers by value.
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x == y || x.as_f64().is_some_and(|f| y.as_f64() == Some(f))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fn is_plain(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn push_key(path: &mut String, key: &str) {
    if is_plain(key) {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    } else {
        path.push('[');
        path.push_str(&Value::String(key.to_owned()).to_string());
        path.push(']');
    }
}

fn record(path: &str, before: Option<&Value>, after: Option<&Value>, out: &mut Vec<FieldChange>) {
    out.push(FieldChange {
        path: path.to_owned(),
        before: before.cloned(),
        after: after.cloned(),
    });
}

fn walk(path: &mut String, before: &Value, after: &Value, out: &mut Vec<FieldChange>) {
    match (before, after) {
        (Value::Object(old), Value::Object(new)) => objects(path, old, new, out),
        (Value::Array(old), Value::Array(new)) => arrays(path, old, new, out),
        _ if same(before, after) => {}
        _ => record(path, Some(before), Some(after), out),
    }
}

fn objects(
    path: &mut String,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    out: &mut Vec<FieldChange>,
) {
    let mark = path.len();
    for (key, value) in old {
        push_key(path, key);
        match new.get(key) {
            Some(other) => walk(path, value, other, out),
            None => record(path, Some(value), None, out),
        }
        path.truncate(mark);
    }
    for (key, value) in new {
        if !old.contains_key(key) {
            push_key(path, key);
            record(path, None, Some(value), out);
            path.truncate(mark);
        }
    }
}

/// The `name` of every item, when all items are objects with distinct string names.
fn names(items: &[Value]) -> Option<Vec<&str>> {
    let names: Vec<&str> = items
        .iter()
        .map(|item| item.get("name").and_then(Value::as_str))
        .collect::<Option<_>>()?;
    let mut sorted = names.clone();
    sorted.sort_unstable();
    sorted.dedup();
    (sorted.len() == names.len()).then_some(names)
}

fn arrays(path: &mut String, old: &[Value], new: &[Value], out: &mut Vec<FieldChange>) {
    let mark = path.len();
    if let (Some(old_names), Some(new_names)) = (names(old), names(new))
        && !old.is_empty()
        && !new.is_empty()
    {
        for (index, name) in old_names.iter().enumerate() {
            path.push_str(&format!("[name={name}]"));
            match new_names.iter().position(|n| n == name) {
                Some(other) => walk(path, &old[index], &new[other], out),
                None => record(path, Some(&old[index]), None, out),
            }
            path.truncate(mark);
        }
        for (index, name) in new_names.iter().enumerate() {
            if !old_names.contains(name) {
                path.push_str(&format!("[name={name}]"));
                record(path, None, Some(&new[index]), out);
                path.truncate(mark);
            }
        }
        return;
    }
    for index in 0..old.len().max(new.len()) {
        path.push_str(&format!("[{index}]"));
        match (old.get(index), new.get(index)) {
            (Some(a), Some(b)) => walk(path, a, b, out),
            (a, b) => record(path, a, b, out),
        }
        path.truncate(mark);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(before: Value, after: Value) -> Vec<String> {
        diff(&before, &after).into_iter().map(|c| c.path).collect()
    }

    #[test]
    fn nested_fields_lists_and_label_keys() {
        let before = json!({
            "metadata": { "labels": { "drover.dev/cluster": "a", "x": "1" } },
            "spec": { "replicas": 3, "args": ["--a", "--b"], "gone": true },
        });
        let after = json!({
            "metadata": { "labels": { "drover.dev/cluster": "b", "x": "1" } },
            "spec": { "replicas": 5.0, "args": ["--a", "--c", "--d"], "new": {} },
        });
        let changes = diff(&before, &after);
        let summary: Vec<(String, Option<Value>, Option<Value>)> = changes
            .into_iter()
            .map(|c| (c.path, c.before, c.after))
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    r#"metadata.labels["drover.dev/cluster"]"#.to_owned(),
                    Some(json!("a")),
                    Some(json!("b"))
                ),
                ("spec.replicas".to_owned(), Some(json!(3)), Some(json!(5.0))),
                (
                    "spec.args[1]".to_owned(),
                    Some(json!("--b")),
                    Some(json!("--c"))
                ),
                ("spec.args[2]".to_owned(), None, Some(json!("--d"))),
                ("spec.gone".to_owned(), Some(json!(true)), None),
                ("spec.new".to_owned(), None, Some(json!({}))),
            ]
        );
        assert!(paths(json!({"n": 1}), json!({"n": 1.0})).is_empty());
    }

    #[test]
    fn named_items_match_by_name() {
        let before = json!({ "containers": [ { "name": "a", "image": "x:1" }, { "name": "b", "image": "y:1" } ] });
        let after = json!({ "containers": [ { "name": "new", "image": "z" }, { "name": "a", "image": "x:1" }, { "name": "b", "image": "y:2" } ] });
        assert_eq!(
            paths(before, after),
            vec!["containers[name=b].image", "containers[name=new]"]
        );
    }

    #[test]
    fn type_changes_are_one_change() {
        assert_eq!(
            paths(json!({ "a": [1] }), json!({ "a": { "b": 1 } })),
            vec!["a"]
        );
    }
}
