//! One YAML document to one drover object: the per-document pipeline.
//!
//! In order: YAML issues, kind recognition ([`kinds`](super::kinds)), metadata checks
//! ([`metadata`](super::metadata)), `status` rejection, typed deserialization
//! ([`typed`](super::typed)), unknown fields ([`unknown_fields`](super::unknown_fields)). Every
//! step reports what it finds and the next runs anyway, as far as it can, so one pass over a file
//! lists all of its problems. Each diagnostic carries the file, the line of its field (or of the
//! nearest written parent) and the object when it has a name.

use std::path::Path;

use drover_api::{Environment, Infrastructure, WorkloadCluster};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::kinds::{self, Kind};
use super::yaml::YamlDocument;
use super::{Source, Sourced, metadata, typed, unknown_fields};
use crate::diagnostics::{Diagnostic, Location, ObjectRef};

/// A successfully typed object of any kind (boxed: the kinds differ much in size).
#[derive(Clone, Debug)]
pub(crate) enum Object {
    /// An Infrastructure.
    Infrastructure(Box<Sourced<Infrastructure>>),
    /// An Environment.
    Environment(Box<Sourced<Environment>>),
    /// A WorkloadCluster.
    WorkloadCluster(Box<Sourced<WorkloadCluster>>),
}

/// Kind, namespace and name of a recognised document with a name, for duplicate checks (kept
/// even when the document has other errors, so a duplicate is reported together with them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Identity {
    /// The kind.
    pub(crate) kind: Kind,
    /// The namespace, for namespaced kinds.
    pub(crate) namespace: Option<String>,
    /// `metadata.name`.
    pub(crate) name: String,
    /// Where `metadata.name` is written.
    pub(crate) location: Option<Location>,
}

impl Identity {
    /// The reference diagnostics print.
    pub(crate) fn object_ref(&self) -> ObjectRef {
        ObjectRef::new(self.kind.as_str(), self.namespace.as_deref(), &self.name)
    }
}

/// What one document yielded.
#[derive(Debug, Default)]
pub(crate) struct Loaded {
    /// The object, when it deserialized.
    pub(crate) object: Option<Object>,
    /// Its identity, when it was recognised and named.
    pub(crate) identity: Option<Identity>,
    /// Every problem found.
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// Runs the pipeline on one document of `file`.
pub(crate) fn load(file: &Path, document: YamlDocument) -> Loaded {
    let source = Source {
        file: Some(file.to_path_buf()),
        line: document.line,
        fields: document.fields,
    };
    let mut report = Report {
        source: &source,
        object: None,
        diagnostics: Vec::new(),
    };
    let kind = kinds::recognise(&document.value);
    report.object = object_ref(&document.value, kind.as_ref().ok().copied());
    for issue in document.issues {
        let location = Location {
            file: file.to_path_buf(),
            line: issue.line,
        };
        report.push_at(&issue.path.to_string(), issue.message, Some(location));
    }
    let kind = match kind {
        Ok(kind) => kind,
        Err(not_recognised) => {
            report.push(not_recognised.field, not_recognised.message);
            return report.finish(None, None);
        }
    };
    let Value::Object(mut map) = document.value else {
        // `recognise` accepts mappings only.
        return report.finish(None, None);
    };
    for problem in metadata::check(kind, &map) {
        report.push(&problem.field, problem.message);
    }
    if map.shift_remove("status").is_some() {
        report.push(
            "status",
            "is written by the controller only and does not belong in a fleet file; remove it",
        );
    }
    metadata::strip_server_fields(&mut map);
    if map.get("metadata").is_none_or(Value::is_null) {
        // Already reported; an empty one lets the rest of the document be checked.
        map.insert("metadata".to_owned(), Value::Object(Map::new()));
    }
    let identity = identity(kind, &map, &source);
    let object = match kind {
        Kind::Infrastructure => typed_object::<Infrastructure>(kind, map, &mut report)
            .map(|o| Object::Infrastructure(Box::new(o))),
        Kind::Environment => typed_object::<Environment>(kind, map, &mut report)
            .map(|o| Object::Environment(Box::new(o))),
        Kind::WorkloadCluster => typed_object::<WorkloadCluster>(kind, map, &mut report)
            .map(|o| Object::WorkloadCluster(Box::new(o))),
    };
    report.finish(object, identity)
}

/// Deserializes `map` into `T` and looks for unknown fields, reporting both.
fn typed_object<T: DeserializeOwned + Serialize>(
    kind: Kind,
    map: Map<String, Value>,
    report: &mut Report<'_>,
) -> Option<Sourced<T>> {
    let input = Value::Object(map);
    let typed = typed::deserialize::<T>(input.clone());
    for error in typed.errors {
        report.push(&error.path.to_string(), error.message);
    }
    let round_trip = typed
        .object
        .as_ref()
        .and_then(|object| serde_json::to_value(object).ok());
    for unknown in unknown_fields::find(kind, &input, round_trip.as_ref(), &typed.removed) {
        report.push(&unknown.path.to_string(), unknown.message());
    }
    typed.object.map(|object| Sourced {
        object,
        source: report.source.clone(),
    })
}

/// The reference diagnostics print for a document: the kind as written (or as recognised) and
/// the name, when both are strings.
fn object_ref(document: &Value, kind: Option<Kind>) -> Option<ObjectRef> {
    let kind_name = document.get("kind")?.as_str()?;
    let metadata = document.get("metadata")?;
    let name = metadata.get("name")?.as_str()?;
    let namespace = match kind {
        Some(kind) if !kind.namespaced() => None,
        _ => metadata.get("namespace").and_then(Value::as_str),
    };
    Some(ObjectRef::new(kind_name, namespace, name))
}

fn identity(kind: Kind, map: &Map<String, Value>, source: &Source) -> Option<Identity> {
    let metadata = map.get("metadata")?;
    let name = metadata.get("name")?.as_str()?.to_owned();
    let namespace = if kind.namespaced() {
        metadata
            .get("namespace")
            .and_then(Value::as_str)
            .map(str::to_owned)
    } else {
        None
    };
    Some(Identity {
        kind,
        namespace,
        name,
        location: source.locate("metadata.name"),
    })
}

/// Collects the diagnostics of one document.
struct Report<'s> {
    source: &'s Source,
    object: Option<ObjectRef>,
    diagnostics: Vec<Diagnostic>,
}

impl Report<'_> {
    /// A problem at `field`, located at the field's line.
    fn push(&mut self, field: &str, message: impl Into<String>) {
        let location = self.source.locate(field);
        self.push_at(field, message, location);
    }

    fn push_at(&mut self, field: &str, message: impl Into<String>, location: Option<Location>) {
        let mut diagnostic = Diagnostic::new(message).field(field);
        diagnostic.location = location;
        diagnostic.object = self.object.clone();
        self.diagnostics.push(diagnostic);
    }

    fn finish(self, object: Option<Object>, identity: Option<Identity>) -> Loaded {
        Loaded {
            object,
            identity,
            diagnostics: self.diagnostics,
        }
    }
}
