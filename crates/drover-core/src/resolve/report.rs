//! Collects the diagnostics of one object, pinning each to the line its field was written on.

use crate::diagnostics::{Diagnostic, ObjectRef};
use crate::fleet::Source;

/// Diagnostics about one object.
pub(crate) struct Report<'a> {
    object: ObjectRef,
    source: &'a Source,
    found: Vec<Diagnostic>,
}

impl<'a> Report<'a> {
    pub(crate) fn new(object: ObjectRef, source: &'a Source) -> Self {
        Self {
            object,
            source,
            found: Vec::new(),
        }
    }

    /// Records a problem at `field` (a path such as `spec.workers[1].size`).
    pub(crate) fn error(&mut self, field: &str, message: impl Into<String>) {
        let mut diagnostic = Diagnostic::new(message)
            .object(self.object.clone())
            .field(field);
        diagnostic.location = self.source.locate(field);
        self.found.push(diagnostic);
    }

    pub(crate) fn is_clean(&self) -> bool {
        self.found.is_empty()
    }

    pub(crate) fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.found
    }
}
