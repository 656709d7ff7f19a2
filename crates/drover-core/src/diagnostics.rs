//! Problems found in a fleet, each pinned to a file, line, object and field path.
//!
//! Every stage of the pure core (loading, resolving, rendering) reports through [`Diagnostic`],
//! so `drover validate`, `render`, `plan` and the controller all print the same messages.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// Identifies a drover object: `WorkloadCluster team-a/payments`, `Environment production`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectRef {
    /// The kind (`WorkloadCluster`, `Environment`, `Infrastructure`, or what the file said).
    pub kind: String,
    /// Namespace, for namespaced kinds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
}

impl ObjectRef {
    /// A reference to a namespaced or cluster-scoped object.
    pub fn new(kind: impl Into<String>, namespace: Option<&str>, name: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            namespace: namespace.map(str::to_owned),
            name: name.into(),
        }
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {}/{}", self.kind, ns, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// Where in the fleet directory something was written.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    /// File, relative to the fleet directory when it lies inside it.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// One problem. Displayed as `FILE:LINE: OBJECT: FIELD: message`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Diagnostic {
    /// Where it was written, when known (a claim built in memory has no file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// The object at fault, when the problem is inside one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<ObjectRef>,
    /// Field path inside the object (`spec.workers[0].size`); empty for the whole object.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub field: String,
    /// What is wrong, and where useful what would be right.
    pub message: String,
}

impl Diagnostic {
    /// A problem with a message only; add context with the builder methods.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            location: None,
            object: None,
            field: String::new(),
            message: message.into(),
        }
    }

    /// Sets the object.
    pub fn object(mut self, object: ObjectRef) -> Self {
        self.object = Some(object);
        self
    }

    /// Sets the field path.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }

    /// Sets the location.
    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(location) = &self.location {
            write!(f, "{location}: ")?;
        }
        if let Some(object) = &self.object {
            write!(f, "{object}: ")?;
        }
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}

/// A non-empty list of diagnostics, the error type of every fallible stage of the core.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", render_list(.0))]
pub struct Diagnostics(pub Vec<Diagnostic>);

fn render_list(list: &[Diagnostic]) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

impl Diagnostics {
    /// Sorted by file, line and message, so output is stable.
    pub fn sorted(mut self) -> Self {
        self.0.sort();
        self.0.dedup();
        self
    }
}
