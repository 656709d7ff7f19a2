//! Typed deserialization of a recognised document, reporting every type error with its path.
//!
//! serde stops at the first error, so one pass finds one problem. To report all of them, the
//! offending value is removed and deserialization retried, up to [`MAX_ERRORS`] times. A missing
//! required field is reported and the object lacking it removed in turn, except that a field
//! missing only because its bad value was removed is not reported twice.
//! Paths are always given as written in the file: removing a list item shifts the positions of
//! later items, and that shift is undone before a path is reported. What was removed is returned
//! ([`Removed`]), so the unknown-field check can skip reported values and line the typed object's
//! lists up with the file's.

use std::collections::{BTreeMap, BTreeSet};

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::path::{FieldPath, Segment};

/// Most type errors reported for one document.
pub(crate) const MAX_ERRORS: usize = 32;

/// One type error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TypeError {
    /// Path of the value at fault, as written in the file.
    pub(crate) path: FieldPath,
    /// serde's message (`invalid type: string "three", expected i32`), with a hint where useful.
    pub(crate) message: String,
}

/// The outcome of [`deserialize`].
#[derive(Debug)]
pub(crate) struct Typed<T> {
    /// The object, when the document (less its bad values) deserializes.
    pub(crate) object: Option<T>,
    /// Every type error found.
    pub(crate) errors: Vec<TypeError>,
    /// What was removed from the document to get past the errors.
    pub(crate) removed: Removed,
}

/// Deserializes `value` into `T`, collecting every type error (see the module docs).
pub(crate) fn deserialize<T: DeserializeOwned>(mut value: Value) -> Typed<T> {
    let mut errors = Vec::new();
    let mut removed = Removed::default();
    for _ in 0..MAX_ERRORS {
        let error = match serde_path_to_error::deserialize::<_, T>(&value) {
            Ok(object) => {
                return Typed {
                    object: Some(object),
                    errors,
                    removed,
                };
            }
            Err(error) => error,
        };
        let message = error.inner().to_string();
        let (current, exact) = convert_path(error.path());
        let original = removed.original(&current);
        let bad_value = match missing_field(&message) {
            Some(field) => {
                let path = original.key(field);
                if !removed.is_gone(&path) {
                    errors.push(TypeError {
                        path,
                        message: "missing; this field is required".to_owned(),
                    });
                }
                false
            }
            None => {
                let message = with_hint(message, value_at(&value, &current));
                errors.push(TypeError {
                    path: original.clone(),
                    message,
                });
                true
            }
        };
        // Remove the value at fault (for a missing field, the object lacking it, already
        // reported) and look further.
        if !exact || current.segments().is_empty() || !remove_at(&mut value, &current) {
            break;
        }
        removed.record(original, bad_value);
    }
    Typed {
        object: None,
        errors,
        removed,
    }
}

/// The path serde reported, and whether it could be followed exactly (no enum or unknown steps).
fn convert_path(path: &serde_path_to_error::Path) -> (FieldPath, bool) {
    let mut converted = FieldPath::root();
    for segment in path {
        match segment {
            serde_path_to_error::Segment::Seq { index } => {
                converted.push(Segment::Index(*index));
            }
            serde_path_to_error::Segment::Map { key } => converted.push(Segment::Key(key.clone())),
            serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {
                return (converted, false);
            }
        }
    }
    (converted, true)
}

/// `environment` from serde's "missing field `environment`".
fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
}

/// Adds advice for the common YAML trap of an unquoted number or boolean where a string is meant
/// (`kubernetesVersion: 1.32`).
fn with_hint(message: String, value: Option<&Value>) -> String {
    let scalar = matches!(value, Some(Value::Number(_) | Value::Bool(_)));
    if scalar && message.ends_with("expected a string") {
        format!("{message} (quote the value to make it a string)")
    } else {
        message
    }
}

fn value_at<'v>(value: &'v Value, path: &FieldPath) -> Option<&'v Value> {
    path.segments()
        .iter()
        .try_fold(value, |value, segment| match segment {
            Segment::Key(key) => value.get(key),
            Segment::Index(index) => value.get(index),
        })
}

/// Removes the value at `path`; false when there is nothing there.
fn remove_at(value: &mut Value, path: &FieldPath) -> bool {
    let Some((last, parents)) = path.segments().split_last() else {
        return false;
    };
    let mut parent = value;
    for segment in parents {
        let next = match segment {
            Segment::Key(key) => parent.get_mut(key),
            Segment::Index(index) => parent.get_mut(index),
        };
        let Some(next) = next else {
            return false;
        };
        parent = next;
    }
    match (last, parent) {
        (Segment::Key(key), Value::Object(map)) => map.shift_remove(key).is_some(),
        (Segment::Index(index), Value::Array(list)) if *index < list.len() => {
            list.remove(*index);
            true
        }
        _ => false,
    }
}

/// The values removed from a document, in the file's coordinates.
#[derive(Debug, Default)]
pub(crate) struct Removed {
    /// Values reported as type errors.
    bad: BTreeSet<FieldPath>,
    /// Everything removed: bad values and the objects that lost a required field.
    gone: BTreeSet<FieldPath>,
    /// For each list (by original path), the original positions removed from it, ascending.
    indexes: BTreeMap<FieldPath, Vec<usize>>,
}

impl Removed {
    /// Whether the value at `path` was reported as a type error.
    pub(crate) fn is_bad(&self, path: &FieldPath) -> bool {
        self.bad.contains(path)
    }

    /// Whether the value at `path` was removed (and so is not in the typed object).
    pub(crate) fn is_gone(&self, path: &FieldPath) -> bool {
        self.gone.contains(path)
    }

    /// The position in the typed object of item `index` (as written) of the list at `list`, or
    /// `None` when the item was removed.
    pub(crate) fn current_index(&self, list: &FieldPath, index: usize) -> Option<usize> {
        match self.indexes.get(list) {
            None => Some(index),
            Some(gone) if gone.contains(&index) => None,
            Some(gone) => Some(index - gone.iter().filter(|g| **g < index).count()),
        }
    }

    fn record(&mut self, original: FieldPath, bad_value: bool) {
        if let Some((Segment::Index(index), parents)) = original.segments().split_last() {
            let mut list = FieldPath::root();
            for segment in parents {
                list.push(segment.clone());
            }
            let gone = self.indexes.entry(list).or_default();
            gone.push(*index);
            gone.sort_unstable();
        }
        if bad_value {
            self.bad.insert(original.clone());
        }
        self.gone.insert(original);
    }

    /// Maps a path in the pruned document back to the file's coordinates.
    fn original(&self, current: &FieldPath) -> FieldPath {
        let mut original = FieldPath::root();
        for segment in current.segments() {
            match segment {
                Segment::Key(key) => original.push(Segment::Key(key.clone())),
                Segment::Index(index) => {
                    let mut index = *index;
                    if let Some(gone) = self.indexes.get(&original) {
                        for removed in gone {
                            if *removed <= index {
                                index += 1;
                            }
                        }
                    }
                    original.push(Segment::Index(index));
                }
            }
        }
        original
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    #[serde(rename_all = "camelCase")]
    struct Spec {
        environment: String,
        replicas: Option<i32>,
        days: Option<Vec<Day>>,
        pools: Option<Vec<Pool>>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    enum Day {
        Mon,
        Tue,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Pool {
        name: String,
        size: Option<String>,
    }

    fn errors(value: Value) -> Vec<(String, String)> {
        deserialize::<Spec>(value)
            .errors
            .into_iter()
            .map(|e| (e.path.to_string(), e.message))
            .collect()
    }

    #[test]
    fn reports_every_error_with_file_positions() {
        let found = errors(json!({
            "environment": "prod",
            "replicas": "three",
            "days": ["Mon", "Caturday", "Tue", "Funday"],
            "pools": [{"name": 1}, {"name": "a", "size": 2}],
        }));
        assert_eq!(
            found,
            vec![
                (
                    "replicas".to_owned(),
                    "invalid type: string \"three\", expected i32".to_owned()
                ),
                (
                    "days[1]".to_owned(),
                    "unknown variant `Caturday`, expected `Mon` or `Tue`".to_owned()
                ),
                (
                    "days[3]".to_owned(),
                    "unknown variant `Funday`, expected `Mon` or `Tue`".to_owned()
                ),
                (
                    "pools[0].name".to_owned(),
                    "invalid type: integer `1`, expected a string (quote the value to make it a string)"
                        .to_owned()
                ),
                (
                    "pools[1].size".to_owned(),
                    "invalid type: integer `2`, expected a string (quote the value to make it a string)"
                        .to_owned()
                ),
            ]
        );
    }

    #[test]
    fn missing_fields_are_reported_once() {
        assert_eq!(
            errors(json!({"replicas": 1})),
            vec![(
                "environment".to_owned(),
                "missing; this field is required".to_owned()
            )]
        );
        // The bad value is reported; its removal's "missing field" is not.
        assert_eq!(
            errors(json!({"environment": 5})),
            vec![(
                "environment".to_owned(),
                "invalid type: integer `5`, expected a string (quote the value to make it a string)"
                    .to_owned()
            )]
        );
    }

    #[test]
    fn success_keeps_the_object() {
        let typed = deserialize::<Spec>(json!({"environment": "prod", "replicas": "x"}));
        assert!(typed.object.is_some());
        assert_eq!(typed.errors.len(), 1);
        assert!(typed.removed.is_bad(&FieldPath::root().key("replicas")));
    }

    #[test]
    fn removed_items_map_between_file_and_typed_positions() {
        let typed = deserialize::<Spec>(json!({
            "environment": "prod",
            "pools": [{"name": "a"}, {"name": 1}, {"name": "c"}, {"size": "d"}, {"name": "e"}],
        }));
        let pools = FieldPath::root().key("pools");
        let mut second = pools.clone();
        second.push(Segment::Index(1));
        assert!(
            !typed.removed.is_bad(&second),
            "the pool lost its name, it is not bad"
        );
        assert!(typed.removed.is_gone(&second));
        assert!(typed.removed.is_bad(&second.key("name")));
        let positions: Vec<Option<usize>> = (0..5)
            .map(|i| typed.removed.current_index(&pools, i))
            .collect();
        assert_eq!(positions, vec![Some(0), None, Some(1), None, Some(2)]);
    }

    #[test]
    fn root_type_error_stops() {
        assert_eq!(
            errors(json!("text")),
            vec![(
                String::new(),
                "invalid type: string \"text\", expected struct Spec".to_owned()
            )]
        );
    }
}
