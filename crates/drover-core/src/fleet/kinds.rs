//! Recognising a document as one of the drover kinds by its `apiVersion` and `kind`.
//!
//! A fleet directory holds only `drover.dev/v1alpha1` WorkloadCluster, Environment and
//! Infrastructure objects: anything else (another kind or version, another API group, a document
//! that is not a mapping or lacks `apiVersion`/`kind`) is reported, naming what was found and
//! what is accepted.

use std::fmt;

use drover_api::{API_VERSION, GROUP};
use serde_json::Value;

use super::suggest;

/// The drover kinds a fleet directory may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Kind {
    /// `Infrastructure`, cluster-scoped.
    Infrastructure,
    /// `Environment`, cluster-scoped.
    Environment,
    /// `WorkloadCluster`, namespaced.
    WorkloadCluster,
}

impl Kind {
    /// Every kind, in the order the CRDs are listed.
    pub(crate) const ALL: [Kind; 3] = [
        Kind::Infrastructure,
        Kind::Environment,
        Kind::WorkloadCluster,
    ];

    /// The `kind` string.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::Infrastructure => "Infrastructure",
            Kind::Environment => "Environment",
            Kind::WorkloadCluster => "WorkloadCluster",
        }
    }

    /// Whether objects of this kind live in a namespace.
    pub(crate) fn namespaced(self) -> bool {
        matches!(self, Kind::WorkloadCluster)
    }

    fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a document is not a drover object: the field at fault (`apiVersion`, `kind`, or empty for
/// the whole document) and a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NotRecognised {
    /// `apiVersion`, `kind` or empty.
    pub(crate) field: &'static str,
    /// What was found and what is accepted.
    pub(crate) message: String,
}

fn accepted() -> String {
    format!("{API_VERSION} WorkloadCluster, Environment or Infrastructure")
}

fn kind_list() -> &'static str {
    "WorkloadCluster, Environment, Infrastructure"
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// The kind of `document`, or why it is not a drover object.
pub(crate) fn recognise(document: &Value) -> Result<Kind, NotRecognised> {
    let Value::Object(map) = document else {
        return Err(NotRecognised {
            field: "",
            message: format!(
                "document is {}, expected a drover object (a mapping with apiVersion and kind: {})",
                describe(document),
                accepted()
            ),
        });
    };
    let api_version = match map.get("apiVersion") {
        None | Some(Value::Null) => {
            return Err(NotRecognised {
                field: "apiVersion",
                message: format!("missing; expected `{API_VERSION}`"),
            });
        }
        Some(Value::String(s)) => s.as_str(),
        Some(other) => {
            return Err(NotRecognised {
                field: "apiVersion",
                message: format!(
                    "is {}, expected the string `{API_VERSION}`",
                    describe(other)
                ),
            });
        }
    };
    let kind = match map.get("kind") {
        None | Some(Value::Null) => {
            return Err(NotRecognised {
                field: "kind",
                message: format!("missing; expected one of {}", kind_list()),
            });
        }
        Some(Value::String(s)) => s.as_str(),
        Some(other) => {
            return Err(NotRecognised {
                field: "kind",
                message: format!("is {}, expected one of {}", describe(other), kind_list()),
            });
        }
    };
    let known_kind = Kind::from_name(kind);
    if api_version != API_VERSION {
        let group = api_version.split_once('/').map_or("", |(group, _)| group);
        let message = if group == GROUP {
            format!("`{api_version}` is not a version this drover reads; use `{API_VERSION}`")
        } else if known_kind.is_some() {
            format!(
                "`{api_version} {kind}` is not a drover object; did you mean `apiVersion: {API_VERSION}`?"
            )
        } else {
            format!(
                "`{api_version} {kind}` is not a drover object; a fleet directory holds only {}",
                accepted()
            )
        };
        return Err(NotRecognised {
            field: "apiVersion",
            message,
        });
    }
    known_kind.ok_or_else(|| {
        let hint = suggest::closest(kind, Kind::ALL.map(Kind::as_str))
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        NotRecognised {
            field: "kind",
            message: format!(
                "unknown kind `{kind}`; {API_VERSION} has {}{hint}",
                kind_list()
            ),
        }
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn problem(document: Value) -> (&'static str, String) {
        let e = recognise(&document).expect_err("not recognised");
        (e.field, e.message)
    }

    #[test]
    fn recognises_the_three_kinds() {
        for kind in Kind::ALL {
            let doc = json!({"apiVersion": "drover.dev/v1alpha1", "kind": kind.as_str()});
            assert_eq!(recognise(&doc), Ok(kind));
        }
    }

    #[test]
    fn names_what_was_found_and_what_is_accepted() {
        assert_eq!(
            problem(json!({"apiVersion": "v1", "kind": "ConfigMap"})),
            (
                "apiVersion",
                "`v1 ConfigMap` is not a drover object; a fleet directory holds only \
                 drover.dev/v1alpha1 WorkloadCluster, Environment or Infrastructure"
                    .to_owned()
            )
        );
        assert_eq!(
            problem(json!({"apiVersion": "drover.dev/v1beta1", "kind": "Environment"})),
            (
                "apiVersion",
                "`drover.dev/v1beta1` is not a version this drover reads; use `drover.dev/v1alpha1`"
                    .to_owned()
            )
        );
        assert_eq!(
            problem(json!({"apiVersion": "drover.io/v1alpha1", "kind": "Environment"})),
            (
                "apiVersion",
                "`drover.io/v1alpha1 Environment` is not a drover object; did you mean \
                 `apiVersion: drover.dev/v1alpha1`?"
                    .to_owned()
            )
        );
        assert_eq!(
            problem(json!({"apiVersion": "drover.dev/v1alpha1", "kind": "WorkloadClsuter"})),
            (
                "kind",
                "unknown kind `WorkloadClsuter`; drover.dev/v1alpha1 has WorkloadCluster, \
                 Environment, Infrastructure (did you mean `WorkloadCluster`?)"
                    .to_owned()
            )
        );
        assert_eq!(
            problem(json!({"kind": "Environment"})),
            (
                "apiVersion",
                "missing; expected `drover.dev/v1alpha1`".to_owned()
            )
        );
        assert_eq!(
            problem(json!({"apiVersion": "drover.dev/v1alpha1"})),
            (
                "kind",
                "missing; expected one of WorkloadCluster, Environment, Infrastructure".to_owned()
            )
        );
        assert_eq!(
            problem(json!({"apiVersion": "drover.dev/v1alpha1", "kind": 3})),
            (
                "kind",
                "is a number, expected one of WorkloadCluster, Environment, Infrastructure"
                    .to_owned()
            )
        );
        assert_eq!(
            problem(json!(["a"])),
            (
                "",
                "document is a list, expected a drover object (a mapping with apiVersion and \
                 kind: drover.dev/v1alpha1 WorkloadCluster, Environment or Infrastructure)"
                    .to_owned()
            )
        );
    }
}
