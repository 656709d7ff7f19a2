//! Checks of `metadata` that a fleet file needs beyond its schema.
//!
//! Every object needs a `metadata.name` that is a DNS-1123 label. A WorkloadCluster must name its
//! namespace (a fleet directory has no default namespace, unlike `kubectl apply`); Environment
//! and Infrastructure are cluster-scoped and must not. Fields only an API server writes (`uid`,
//! `resourceVersion`, `creationTimestamp`, `managedFields`, `generation`, ...) do not belong in
//! Git, and neither does `generateName` (fleet objects need a fixed name).
//!
//! Type errors (a name that is a number) are left to the typed deserialization, which reports
//! them with their path, so nothing is said twice.

use serde_json::{Map, Value};

use super::kinds::Kind;

/// Longest DNS-1123 label.
pub(crate) const MAX_LABEL_LEN: usize = 63;

/// Metadata fields written by the API server only.
pub(crate) const SERVER_FIELDS: [&str; 8] = [
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "generation",
    "managedFields",
    "selfLink",
];

/// A problem with one metadata field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    /// Field path (`metadata.name`).
    pub(crate) field: String,
    /// What is wrong.
    pub(crate) message: String,
}

fn problem(field: &str, message: impl Into<String>) -> Problem {
    Problem {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// Every metadata problem of a `kind` document (a mapping).
pub(crate) fn check(kind: Kind, document: &Map<String, Value>) -> Vec<Problem> {
    let metadata = match document.get("metadata") {
        None | Some(Value::Null) => {
            return vec![problem(
                "metadata",
                "missing; every object needs metadata.name",
            )];
        }
        Some(Value::Object(metadata)) => metadata,
        // Not a mapping: the typed deserialization reports the type error.
        Some(_) => return Vec::new(),
    };
    let mut problems = Vec::new();
    match metadata.get("name") {
        None | Some(Value::Null) => problems.push(problem(
            "metadata.name",
            "missing; every object needs a name",
        )),
        Some(Value::String(name)) => {
            if let Some(message) = dns_label_problem(name) {
                problems.push(problem("metadata.name", message));
            }
        }
        Some(_) => {}
    }
    let namespace = metadata.get("namespace").filter(|v| !v.is_null());
    match (kind.namespaced(), namespace) {
        (true, None) => problems.push(problem(
            "metadata.namespace",
            format!(
                "missing; a {kind} in a fleet directory must name its namespace \
                 (there is no default namespace)"
            ),
        )),
        (true, Some(Value::String(namespace))) => {
            if let Some(message) = dns_label_problem(namespace) {
                problems.push(problem("metadata.namespace", message));
            }
        }
        (false, Some(_)) => problems.push(problem(
            "metadata.namespace",
            format!("{kind} is cluster-scoped and takes no namespace; remove it"),
        )),
        _ => {}
    }
    if metadata.get("generateName").is_some_and(|v| !v.is_null()) {
        problems.push(problem(
            "metadata.generateName",
            "not supported in a fleet directory: objects need a fixed metadata.name",
        ));
    }
    for field in SERVER_FIELDS {
        if metadata.contains_key(field) {
            problems.push(problem(
                &format!("metadata.{field}"),
                "is written by the API server and does not belong in a fleet file; remove it",
            ));
        }
    }
    problems
}

/// Removes the [`SERVER_FIELDS`] (already reported by [`check`]) so their values cannot also
/// fail type checks.
pub(crate) fn strip_server_fields(document: &mut Map<String, Value>) {
    if let Some(Value::Object(metadata)) = document.get_mut("metadata") {
        for field in SERVER_FIELDS {
            metadata.shift_remove(field);
        }
    }
}

/// Why `value` is not a DNS-1123 label (lowercase letters, digits and `-`, starting and ending
/// with a letter or digit, at most 63 characters), or `None` when it is one.
pub(crate) fn dns_label_problem(value: &str) -> Option<String> {
    let length = value.chars().count();
    if value.is_empty() {
        return Some("must not be empty".to_owned());
    }
    if length > MAX_LABEL_LEN {
        return Some(format!(
            "`{value}` is {length} characters long; a name has at most {MAX_LABEL_LEN}"
        ));
    }
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    let alphanumeric =
        |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !value.chars().all(allowed)
        || !alphanumeric(value.chars().next())
        || !alphanumeric(value.chars().last())
    {
        return Some(format!(
            "`{value}` is not a valid name: use lowercase letters, digits and '-', \
             starting and ending with a letter or digit (a DNS-1123 label)"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn problems(kind: Kind, document: Value) -> Vec<(String, String)> {
        let Value::Object(map) = document else {
            panic!("test documents are mappings")
        };
        check(kind, &map)
            .into_iter()
            .map(|p| (p.field, p.message))
            .collect()
    }

    #[test]
    fn dns_labels() {
        assert_eq!(dns_label_problem("payments"), None);
        assert_eq!(dns_label_problem("a"), None);
        assert_eq!(dns_label_problem("team-a-1"), None);
        assert_eq!(dns_label_problem(&"a".repeat(63)), None);
        assert!(dns_label_problem(&"a".repeat(64)).is_some());
        for bad in ["", "Payments", "-a", "a-", "a.b", "a_b", "é"] {
            assert!(dns_label_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn namespace_rules_by_scope() {
        assert_eq!(
            problems(
                Kind::WorkloadCluster,
                json!({"metadata": {"name": "payments"}})
            ),
            vec![(
                "metadata.namespace".to_owned(),
                "missing; a WorkloadCluster in a fleet directory must name its namespace \
                 (there is no default namespace)"
                    .to_owned()
            )]
        );
        assert_eq!(
            problems(
                Kind::Environment,
                json!({"metadata": {"name": "prod", "namespace": "default"}})
            ),
            vec![(
                "metadata.namespace".to_owned(),
                "Environment is cluster-scoped and takes no namespace; remove it".to_owned()
            )]
        );
        assert!(problems(Kind::Infrastructure, json!({"metadata": {"name": "x"}})).is_empty());
        assert!(
            problems(
                Kind::WorkloadCluster,
                json!({"metadata": {"name": "x", "namespace": "team-a"}})
            )
            .is_empty()
        );
    }

    #[test]
    fn missing_names_and_server_fields() {
        assert_eq!(
            problems(Kind::Environment, json!({})),
            vec![(
                "metadata".to_owned(),
                "missing; every object needs metadata.name".to_owned()
            )]
        );
        let found = problems(
            Kind::Environment,
            json!({"metadata": {"uid": "1", "resourceVersion": "2", "generateName": "x-"}}),
        );
        let fields: Vec<&str> = found.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "metadata.name",
                "metadata.generateName",
                "metadata.uid",
                "metadata.resourceVersion"
            ]
        );
        // A name of the wrong type is the typed deserialization's to report.
        assert!(problems(Kind::Environment, json!({"metadata": {"name": 5}})).is_empty());
    }
}
