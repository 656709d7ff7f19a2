//! `metadata` (ObjectMeta) of a top-level or embedded object, with the API server's rules
//! (`k8s.io/apimachinery` `ValidateObjectMeta` and `k8s.io/apimachinery/pkg/util/validation`).

use serde_json::{Map, Value};

use crate::Violation;
use crate::path::child;

/// How an object's `metadata.name` is validated; it depends on the kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameRule {
    /// DNS-1123 subdomain (most kinds, every custom resource).
    Dns1123Subdomain,
    /// DNS-1123 label (Namespace).
    Dns1123Label,
    /// DNS-1035 label (Service).
    Dns1035Label,
    /// A path segment: not `.` or `..`, no `/` or `%` (RBAC kinds).
    PathSegment,
}

/// What to check in one `metadata`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MetaRules {
    /// The kind's name rule.
    pub name_rule: NameRule,
    /// `Some(true)`: namespaced; `Some(false)`: cluster-scoped; `None`: not checked (embedded).
    pub namespaced: Option<bool>,
    /// A top-level object (not an embedded one): `name` or `generateName` must be set, and the
    /// system-managed fields are ignored by the API server.
    pub top_level: bool,
}

const SYSTEM_FIELDS: [&str; 8] = [
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
];

const TOTAL_ANNOTATION_SIZE_LIMIT: usize = 256 * 1024;

/// Checks `meta` (the value of a `metadata` field at `path`).
pub(crate) fn check(meta: Option<&Value>, path: &str, rules: MetaRules, out: &mut Vec<Violation>) {
    let empty = Map::new();
    let meta = match meta {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(map)) => map,
        Some(_) => {
            out.push(Violation::new(path, "must be an object"));
            return;
        }
    };
    for (key, value) in meta {
        let at = child(path, key);
        match key.as_str() {
            "name" | "generateName" | "namespace" => {
                if !value.is_string() {
                    out.push(Violation::new(&at, "must be a string"));
                }
            }
            "labels" => check_labels(value, &at, out),
            "annotations" => check_annotations(value, &at, out),
            "finalizers" => check_finalizers(value, &at, out),
            "ownerReferences" => check_owner_references(value, &at, out),
            k if SYSTEM_FIELDS.contains(&k) && !rules.top_level => {}
            k if SYSTEM_FIELDS.contains(&k) => out.push(Violation::new(
                &at,
                "system-managed field: a real API server ignores or overwrites it, do not render it",
            )),
            _ => out.push(Violation::unknown_field(&at)),
        }
    }
    let name = meta
        .get("name")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    let generate_name = meta
        .get("generateName")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    if let Some(name) = name {
        for msg in check_name(rules.name_rule, name, false) {
            out.push(Violation::new(&child(path, "name"), &msg));
        }
    } else if rules.top_level && generate_name.is_none() {
        out.push(Violation::new(
            &child(path, "name"),
            "name or generateName is required",
        ));
    }
    if let Some(prefix) = generate_name {
        for msg in check_name(rules.name_rule, prefix, true) {
            out.push(Violation::new(&child(path, "generateName"), &msg));
        }
    }
    let namespace = meta
        .get("namespace")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    match (rules.namespaced, namespace) {
        (Some(true), Some(ns)) => {
            for msg in dns1123_label_errors(ns) {
                out.push(Violation::new(&child(path, "namespace"), &msg));
            }
        }
        (Some(false), Some(_)) => out.push(Violation::new(
            &child(path, "namespace"),
            "set on a cluster-scoped kind: a real API server clears it",
        )),
        _ => {}
    }
}

fn check_labels(value: &Value, path: &str, out: &mut Vec<Violation>) {
    let Some(map) = string_map(value, path, out) else {
        return;
    };
    for (key, value) in map {
        for msg in qualified_name_errors(key) {
            out.push(Violation::new(path, &format!("label key {key:?}: {msg}")));
        }
        if let Some(value) = value.as_str() {
            for msg in label_value_errors(value) {
                out.push(Violation::new(&format!("{path}[{key}]"), &msg));
            }
        }
    }
}

fn check_annotations(value: &Value, path: &str, out: &mut Vec<Violation>) {
    let Some(map) = string_map(value, path, out) else {
        return;
    };
    let mut total = 0;
    for (key, value) in map {
        for msg in qualified_name_errors(&key.to_lowercase()) {
            out.push(Violation::new(
                path,
                &format!("annotation key {key:?}: {msg}"),
            ));
        }
        total += key.len() + value.as_str().map_or(0, str::len);
    }
    if total > TOTAL_ANNOTATION_SIZE_LIMIT {
        out.push(Violation::new(
            path,
            &format!("annotations total {total} bytes, more than {TOTAL_ANNOTATION_SIZE_LIMIT}"),
        ));
    }
}

/// A map of strings; reports other shapes.
fn string_map<'a>(
    value: &'a Value,
    path: &str,
    out: &mut Vec<Violation>,
) -> Option<&'a Map<String, Value>> {
    let Some(map) = value.as_object() else {
        out.push(Violation::new(path, "must be a map of strings"));
        return None;
    };
    for (key, value) in map {
        if !value.is_string() {
            out.push(Violation::new(
                &format!("{path}[{key}]"),
                "must be a string",
            ));
        }
    }
    Some(map)
}

fn check_finalizers(value: &Value, path: &str, out: &mut Vec<Violation>) {
    let Some(items) = value.as_array() else {
        out.push(Violation::new(path, "must be a list of strings"));
        return;
    };
    for (i, item) in items.iter().enumerate() {
        let at = format!("{path}[{i}]");
        match item.as_str() {
            Some(name) => {
                for msg in qualified_name_errors(name) {
                    out.push(Violation::new(&at, &msg));
                }
            }
            None => out.push(Violation::new(&at, "must be a string")),
        }
    }
    let has = |f: &str| items.iter().any(|i| i.as_str() == Some(f));
    if has("orphan") && has("foregroundDeletion") {
        out.push(Violation::new(
            path,
            "finalizers orphan and foregroundDeletion cannot both be set",
        ));
    }
}

fn check_owner_references(value: &Value, path: &str, out: &mut Vec<Violation>) {
    let Some(items) = value.as_array() else {
        out.push(Violation::new(path, "must be a list"));
        return;
    };
    let mut controllers = 0;
    for (i, item) in items.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let Some(reference) = item.as_object() else {
            out.push(Violation::new(&at, "must be an object"));
            continue;
        };
        for (key, value) in reference {
            let field = child(&at, key);
            match key.as_str() {
                "apiVersion" | "kind" | "name" | "uid" if !value.is_string() => {
                    out.push(Violation::new(&field, "must be a string"));
                }
                "apiVersion" | "kind" | "name" | "uid" => {}
                "controller" | "blockOwnerDeletion" if !value.is_boolean() => {
                    out.push(Violation::new(&field, "must be a boolean"));
                }
                "controller" | "blockOwnerDeletion" => {}
                _ => out.push(Violation::unknown_field(&field)),
            }
        }
        for required in ["apiVersion", "kind", "name", "uid"] {
            if reference
                .get(required)
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                out.push(Violation::new(
                    &child(&at, required),
                    "required field is missing or empty",
                ));
            }
        }
        if reference.get("controller") == Some(&Value::Bool(true)) {
            controllers += 1;
        }
    }
    if controllers > 1 {
        out.push(Violation::new(
            path,
            "only one owner reference can be a controller",
        ));
    }
}

/// The errors of `name` under `rule`; `prefix` is for `generateName` (a trailing `-` is fine).
pub(crate) fn check_name(rule: NameRule, name: &str, prefix: bool) -> Vec<String> {
    let masked;
    let name = if prefix && name.len() > 1 && name.ends_with('-') {
        masked = format!("{}a", &name[..name.len() - 1]);
        masked.as_str()
    } else {
        name
    };
    match rule {
        NameRule::Dns1123Subdomain => dns1123_subdomain_errors(name),
        NameRule::Dns1123Label => dns1123_label_errors(name),
        NameRule::Dns1035Label => dns1035_label_errors(name),
        NameRule::PathSegment => path_segment_errors(name, prefix),
    }
}

fn is_label_char(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-'
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters.
pub(crate) fn is_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|&c| is_label_char(c))
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

fn dns1123_label_errors(s: &str) -> Vec<String> {
    if is_dns1123_label(s) {
        return Vec::new();
    }
    vec![format!(
        "{s:?} is not a valid DNS-1123 label: at most 63 characters, lower case alphanumerics or '-', starting and ending with an alphanumeric"
    )]
}

/// DNS-1123 labels joined by `.`, at most 253 characters.
pub(crate) fn is_dns1123_subdomain(s: &str) -> bool {
    s.len() <= 253
        && s.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && b.iter().all(|&c| is_label_char(c))
                && b[0] != b'-'
                && b[b.len() - 1] != b'-'
        })
}

fn dns1123_subdomain_errors(s: &str) -> Vec<String> {
    if is_dns1123_subdomain(s) {
        return Vec::new();
    }
    vec![format!(
        "{s:?} is not a valid DNS-1123 subdomain: at most 253 characters, lower case alphanumerics, '-' or '.', starting and ending with an alphanumeric"
    )]
}

fn dns1035_label_errors(s: &str) -> Vec<String> {
    let b = s.as_bytes();
    if is_dns1123_label(s) && b[0].is_ascii_lowercase() {
        return Vec::new();
    }
    vec![format!(
        "{s:?} is not a valid DNS-1035 label: at most 63 characters, lower case alphanumerics or '-', starting with a letter and ending with an alphanumeric"
    )]
}

fn path_segment_errors(s: &str, prefix: bool) -> Vec<String> {
    let mut errors = Vec::new();
    if !prefix && (s == "." || s == "..") {
        errors.push(format!("may not be {s:?}"));
    }
    for bad in ['/', '%'] {
        if s.contains(bad) {
            errors.push(format!("may not contain {bad:?}"));
        }
    }
    errors
}

/// `IsQualifiedName`: an optional DNS-1123 subdomain prefix and `/`, then a name of at most 63
/// characters: alphanumerics, `-`, `_`, `.`, starting and ending with an alphanumeric.
pub(crate) fn qualified_name_errors(value: &str) -> Vec<String> {
    let parts: Vec<&str> = value.split('/').collect();
    let (prefix, name) = match parts.as_slice() {
        [name] => (None, *name),
        [prefix, name] => (Some(*prefix), *name),
        _ => {
            return vec![format!(
                "{value:?} is not a qualified name: at most one '/'"
            )];
        }
    };
    let mut errors = Vec::new();
    if let Some(prefix) = prefix {
        if prefix.is_empty() {
            errors.push("prefix part must be non-empty".to_owned());
        } else {
            errors.extend(
                dns1123_subdomain_errors(prefix)
                    .into_iter()
                    .map(|m| format!("prefix part {m}")),
            );
        }
    }
    if name.is_empty() {
        errors.push("name part must be non-empty".to_owned());
    } else if name.len() > 63 {
        errors.push("name part must be no more than 63 characters".to_owned());
    } else if !is_qualified_name_part(name) {
        errors.push(format!(
            "name part {name:?} must consist of alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric"
        ));
    }
    errors
}

fn is_qualified_name_part(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'.')
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// `IsValidLabelValue`: empty, or at most 63 characters like a qualified name part.
pub(crate) fn label_value_errors(value: &str) -> Vec<String> {
    if value.is_empty() {
        return Vec::new();
    }
    let mut errors = Vec::new();
    if value.len() > 63 {
        errors.push(format!(
            "label value {value:?} must be no more than 63 characters"
        ));
    }
    if !is_qualified_name_part(value) {
        errors.push(format!(
            "label value {value:?} must be empty or consist of alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric"
        ));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(meta: Value, rules: MetaRules) -> Vec<Violation> {
        let mut out = Vec::new();
        check(Some(&meta), "metadata", rules, &mut out);
        out
    }

    const CR: MetaRules = MetaRules {
        name_rule: NameRule::Dns1123Subdomain,
        namespaced: Some(true),
        top_level: true,
    };

    #[test]
    fn names() {
        assert!(is_dns1123_subdomain("a.b-c.d"));
        assert!(!is_dns1123_subdomain("A"));
        assert!(!is_dns1123_subdomain("a..b"));
        assert!(check_name(NameRule::Dns1035Label, "1abc", false).len() == 1);
        assert!(check_name(NameRule::PathSegment, "system:controller:x", false).is_empty());
        assert!(check_name(NameRule::Dns1123Subdomain, "web-", true).is_empty());
        assert!(qualified_name_errors("cluster.x-k8s.io/cluster-name").is_empty());
        assert!(!qualified_name_errors("a/b/c").is_empty());
        assert!(!qualified_name_errors("-a").is_empty());
        assert!(!label_value_errors(&"a".repeat(64)).is_empty());
    }

    #[test]
    fn good_metadata_passes() {
        let meta = json!({"name": "c1", "namespace": "ns", "labels": {"app.kubernetes.io/name": "x", "e": ""},
            "annotations": {"Some.Key/Foo": "any value"}, "finalizers": ["drover.dev/cleanup"],
            "ownerReferences": [{"apiVersion": "v1", "kind": "K", "name": "n", "uid": "u", "controller": true}]});
        assert_eq!(run(meta, CR), vec![]);
    }

    #[test]
    fn bad_metadata_is_reported() {
        let meta = json!({"name": "C1", "namespace": "Bad_NS", "labels": {"k": "bad value"},
            "uid": "x", "foo": 1});
        let paths: Vec<String> = run(meta, CR).into_iter().map(|v| v.path).collect();
        assert_eq!(
            paths,
            [
                "metadata.labels[k]",
                "metadata.uid",
                "metadata.foo",
                "metadata.name",
                "metadata.namespace"
            ]
        );
    }

    #[test]
    fn missing_name_and_cluster_scoped_namespace() {
        let rules = MetaRules {
            namespaced: Some(false),
            ..CR
        };
        let paths: Vec<String> = run(json!({"namespace": "x"}), rules)
            .into_iter()
            .map(|v| v.path)
            .collect();
        assert_eq!(paths, ["metadata.name", "metadata.namespace"]);
    }
}
