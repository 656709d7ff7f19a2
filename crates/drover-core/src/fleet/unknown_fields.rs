//! Finding fields the typed objects would silently drop.
//!
//! The API types do not deny unknown fields (the controller must read objects written by newer
//! versions), so a typo like `spec.workrs` would deserialize fine and be ignored. Here every input
//! key is compared with the typed object serialized back to JSON (the *round trip*): a key
//! missing from the round trip is unknown. `null`, `{}` and `[]` values that round-trip to absent
//! are fine. When the document could not be deserialized (a required field is missing), the CRD
//! schema ([`drover_api::crds`]) decides instead, so a misspelt required field is still named.
//!
//! Each unknown field may carry a "did you mean" suggestion: the closest known sibling name from
//! the round trip or the schema.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::{Value, json};

use super::kinds::Kind;
use super::path::{FieldPath, Segment};
use super::suggest;
use super::typed::Removed;

/// A field the typed object does not keep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UnknownField {
    /// Its path.
    pub(crate) path: FieldPath,
    /// The closest known sibling, when one is close.
    pub(crate) suggestion: Option<String>,
}

impl UnknownField {
    /// `unknown field (did you mean `workers`?)`.
    pub(crate) fn message(&self) -> String {
        match &self.suggestion {
            Some(s) => format!("unknown field (did you mean `{s}`?)"),
            None => "unknown field".to_owned(),
        }
    }
}

/// Every unknown field of a `kind` document `input` (as written), given its round trip when it
/// deserialized and what the typed deserialization removed to get there (values reported as type
/// errors are skipped; objects removed for a missing field are checked against the schema).
pub(crate) fn find(
    kind: Kind,
    input: &Value,
    round_trip: Option<&Value>,
    removed: &Removed,
) -> Vec<UnknownField> {
    let mut walker = Walker {
        removed,
        found: Vec::new(),
        path: FieldPath::root(),
    };
    walker.walk(input, round_trip, schema(kind));
    walker.found
}

/// Top-level fields of every object that the CRD schema leaves to the API server.
const ROOT_FIELDS: [&str; 3] = ["apiVersion", "kind", "metadata"];

struct Walker<'r> {
    removed: &'r Removed,
    found: Vec<UnknownField>,
    /// Where the walk is, in the file's coordinates.
    path: FieldPath,
}

impl Walker<'_> {
    /// Walks `input` beside its round trip `output` (`None`: decide by `schema`).
    fn walk(&mut self, input: &Value, output: Option<&Value>, schema: Option<&Value>) {
        match input {
            Value::Object(entries) => {
                let at_root = self.path.segments().is_empty();
                let output = output.and_then(Value::as_object);
                for (key, value) in entries {
                    self.path.push(Segment::Key(key.clone()));
                    let child_schema = if at_root && key == "metadata" {
                        Some(metadata_schema())
                    } else {
                        property_schema(schema, key)
                    };
                    let gone = self.removed.is_gone(&self.path);
                    let known = match output {
                        _ if at_root && ROOT_FIELDS.contains(&key.as_str()) => true,
                        Some(output) if !gone => output.contains_key(key),
                        _ => schema_knows(schema, key),
                    };
                    if self.removed.is_bad(&self.path) {
                        // Reported as a type error already.
                    } else if known {
                        let child_output = output.filter(|_| !gone).and_then(|o| o.get(key));
                        self.walk(value, child_output, child_schema);
                    } else if !is_empty(value) {
                        let mut candidates: Vec<&str> = Vec::new();
                        if at_root {
                            candidates.extend(ROOT_FIELDS);
                        }
                        if let Some(output) = output {
                            candidates.extend(output.keys().map(String::as_str));
                        }
                        if let Some(properties) = schema
                            .and_then(|s| s.get("properties"))
                            .and_then(Value::as_object)
                        {
                            candidates.extend(properties.keys().map(String::as_str));
                        }
                        self.found.push(UnknownField {
                            path: self.path.clone(),
                            suggestion: suggest::closest(key, candidates).map(str::to_owned),
                        });
                    }
                    self.path.pop();
                }
            }
            Value::Array(items) => {
                let output = output.and_then(Value::as_array);
                let item_schema = schema.and_then(|s| s.get("items"));
                for (index, item) in items.iter().enumerate() {
                    let position = self.removed.current_index(&self.path, index);
                    self.path.push(Segment::Index(index));
                    if !self.removed.is_bad(&self.path) {
                        let item_output = output.zip(position).and_then(|(o, p)| o.get(p));
                        self.walk(item, item_output, item_schema);
                    }
                    self.path.pop();
                }
            }
            _ => {}
        }
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Object(map) => map.is_empty(),
        Value::Array(list) => list.is_empty(),
        _ => false,
    }
}

/// The schema of `key` inside an object schema.
fn property_schema<'s>(schema: Option<&'s Value>, key: &str) -> Option<&'s Value> {
    let schema = schema?;
    schema
        .get("properties")
        .and_then(|p| p.get(key))
        .or_else(|| schema.get("additionalProperties").filter(|a| a.is_object()))
}

/// Whether an object schema accepts `key`; `true` when the schema cannot tell.
fn schema_knows(schema: Option<&Value>, key: &str) -> bool {
    let Some(schema) = schema else {
        return true;
    };
    if schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true)) {
        return true;
    }
    match (schema.get("properties"), schema.get("additionalProperties")) {
        (_, Some(Value::Bool(true) | Value::Object(_))) => true,
        (Some(properties), _) => properties.get(key).is_some(),
        (None, _) => true,
    }
}

/// The `openAPIV3Schema` of `kind`'s CRD.
fn schema(kind: Kind) -> Option<&'static Value> {
    static SCHEMAS: OnceLock<BTreeMap<String, Value>> = OnceLock::new();
    SCHEMAS
        .get_or_init(|| {
            drover_api::crds()
                .into_iter()
                .filter_map(|crd| {
                    let kind = crd.spec.names.kind.clone();
                    let version = crd.spec.versions.into_iter().next()?;
                    let schema = version.schema?.open_api_v3_schema?;
                    Some((kind, serde_json::to_value(schema).ok()?))
                })
                .collect()
        })
        .get(kind.as_str())
}

/// The fields of `ObjectMeta` (the CRD schema only says `type: object`), for suggestions and for
/// documents that did not deserialize.
fn metadata_schema() -> &'static Value {
    static METADATA: OnceLock<Value> = OnceLock::new();
    METADATA.get_or_init(|| {
        let strings = json!({"type": "object", "additionalProperties": {"type": "string"}});
        json!({
            "type": "object",
            "properties": {
                "name": {}, "namespace": {}, "labels": strings, "annotations": strings,
                "generateName": {}, "finalizers": {}, "ownerReferences": {},
                "uid": {}, "resourceVersion": {}, "generation": {}, "creationTimestamp": {},
                "deletionTimestamp": {}, "deletionGracePeriodSeconds": {}, "managedFields": {},
                "selfLink": {},
            }
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unknown(kind: Kind, input: Value, round_trip: Option<Value>) -> Vec<(String, String)> {
        find(kind, &input, round_trip.as_ref(), &Removed::default())
            .into_iter()
            .map(|u| (u.path.to_string(), u.message()))
            .collect()
    }

    #[test]
    fn round_trip_decides() {
        let input = json!({
            "spec": {"workrs": [1], "workers": [{"name": "a", "sise": "x"}], "addons": [], "paused": null},
            "metadata": {"name": "x", "lables": {"a": "b"}, "labels": {"a.b/c": "d"}},
        });
        let output = json!({
            "spec": {"workers": [{"name": "a"}]},
            "metadata": {"name": "x", "labels": {"a.b/c": "d"}},
        });
        assert_eq!(
            unknown(Kind::WorkloadCluster, input, Some(output)),
            vec![
                (
                    "spec.workrs".to_owned(),
                    "unknown field (did you mean `workers`?)".to_owned()
                ),
                (
                    "spec.workers[0].sise".to_owned(),
                    "unknown field (did you mean `size`?)".to_owned()
                ),
                (
                    "metadata.lables".to_owned(),
                    "unknown field (did you mean `labels`?)".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn schema_decides_without_a_round_trip() {
        let input = json!({
            "apiVersion": "drover.dev/v1alpha1",
            "kind": "WorkloadCluster",
            "metadata": {"name": "x", "namespce": "a", "labels": {"anything": "goes"}},
            "spec": {"enviroment": "prod", "infrastructure": "x", "workers": [{"name": "a", "replica": 1}],
                     "gitops": {"argocd": {"labels": {"free": "form"}}}},
        });
        assert_eq!(
            unknown(Kind::WorkloadCluster, input, None),
            vec![
                (
                    "metadata.namespce".to_owned(),
                    "unknown field (did you mean `namespace`?)".to_owned()
                ),
                (
                    "spec.enviroment".to_owned(),
                    "unknown field (did you mean `environment`?)".to_owned()
                ),
                (
                    "spec.workers[0].replica".to_owned(),
                    "unknown field (did you mean `replicas`?)".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn every_kind_has_a_schema() {
        for kind in Kind::ALL {
            let schema = schema(kind).expect("schema");
            assert!(schema["properties"]["spec"]["properties"].is_object());
        }
    }
}
