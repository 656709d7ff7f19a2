//! Field paths inside an object, written the way diagnostics print them.
//!
//! `spec.workers[0].size` for ordinary keys and list items; keys that are not plain identifiers
//! (label keys with dots or slashes, size names with dots, empty keys) are quoted:
//! `metadata.labels["app.kubernetes.io/name"]`. The same text is the key of
//! [`Source::fields`](super::Source::fields), so a path built here finds its line there.

use std::fmt;

/// One step of a [`FieldPath`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Segment {
    /// A mapping key.
    Key(String),
    /// A list position (0-based).
    Index(usize),
}

/// A path from the object's root to one value.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct FieldPath(Vec<Segment>);

impl FieldPath {
    /// The object's root (prints as the empty string).
    pub(crate) fn root() -> Self {
        Self(Vec::new())
    }

    /// The steps, from the root.
    pub(crate) fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// Appends a step.
    pub(crate) fn push(&mut self, segment: Segment) {
        self.0.push(segment);
    }

    /// Removes the last step.
    pub(crate) fn pop(&mut self) {
        self.0.pop();
    }

    /// This path extended by a mapping key.
    pub(crate) fn key(&self, key: &str) -> Self {
        let mut child = self.clone();
        child.push(Segment::Key(key.to_owned()));
        child
    }
}

impl From<&[&str]> for FieldPath {
    fn from(keys: &[&str]) -> Self {
        Self(keys.iter().map(|k| Segment::Key((*k).to_owned())).collect())
    }
}

/// Whether `key` can be written bare after a dot.
fn is_plain(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if is_plain(key) => {
                    if position > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(key)?;
                }
                Segment::Key(key) => {
                    // A JSON string literal is an unambiguous, escaped quoting.
                    let quoted = serde_json::Value::String(key.clone()).to_string();
                    write!(f, "[{quoted}]")?;
                }
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_plain_keys_indexes_and_quoted_keys() {
        let mut path = FieldPath::from(&["spec", "workers"][..]);
        path.push(Segment::Index(0));
        let path = path.key("size");
        assert_eq!(path.to_string(), "spec.workers[0].size");
        let label = FieldPath::from(&["metadata", "labels"][..]).key("app.kubernetes.io/name");
        assert_eq!(
            label.to_string(),
            r#"metadata.labels["app.kubernetes.io/name"]"#
        );
        assert_eq!(FieldPath::root().key("a b").to_string(), r#"["a b"]"#);
        assert_eq!(FieldPath::root().key("").to_string(), r#"[""]"#);
        assert_eq!(FieldPath::root().to_string(), "");
        assert_eq!(
            FieldPath::root().key("x").key("say \"hi\"").to_string(),
            r#"x["say \"hi\""]"#
        );
    }
}
