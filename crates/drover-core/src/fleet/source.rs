//! Source positions of a parsed object: its file and the line of every field path.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::diagnostics::Location;

/// Where an object came from. Objects built in memory (tests, the controller) have no file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Source {
    /// The file, relative to the fleet directory.
    pub file: Option<PathBuf>,
    /// Line of the document start (1-based).
    pub line: usize,
    /// Line of each field path (`spec.workers[0].size`), as written in the file.
    pub fields: BTreeMap<String, usize>,
}

impl Source {
    /// The location of `field`, or of its nearest written parent (a defaulted field points at
    /// the block it would live in), or of the document.
    pub fn locate(&self, field: &str) -> Option<Location> {
        let file = self.file.clone()?;
        let mut path = field;
        loop {
            if let Some(&line) = self.fields.get(path) {
                return Some(Location { file, line });
            }
            match path.rfind(['.', '[']) {
                Some(cut) => path = &path[..cut],
                None => {
                    return Some(Location {
                        file,
                        line: self.line,
                    });
                }
            }
        }
    }
}
