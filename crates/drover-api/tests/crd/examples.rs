//! The design's YAML examples ("The API" in the architecture) are complete, valid drover objects:
//! every field they set is known to the Rust types and to the CRD schemas (nothing would be
//! dropped or pruned), and they pass the CRDs' CEL rules.

use drover_api::{Environment, Infrastructure, WorkloadCluster};
use kube::core::cel::Validator;
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

use crate::support::{schema, yaml_documents};

const EXAMPLES: &str = include_str!("../fixtures/design-examples.yaml");

/// Paths of `input` that are missing from, or differ in, `output`.
fn dropped(input: &Value, output: &Value, path: &str, found: &mut Vec<String>) {
    match (input, output) {
        (Value::Object(i), Value::Object(o)) => {
            for (key, value) in i {
                match o.get(key) {
                    Some(out) => dropped(value, out, &format!("{path}.{key}"), found),
                    None => found.push(format!("{path}.{key}")),
                }
            }
        }
        (Value::Array(i), Value::Array(o)) if i.len() == o.len() => {
            for (n, (a, b)) in i.iter().zip(o).enumerate() {
                dropped(a, b, &format!("{path}[{n}]"), found);
            }
        }
        (a, b) if a == b => {}
        (a, b) => found.push(format!("{path}: {a} became {b}")),
    }
}

/// Paths of `value` that the schema does not declare (an API server would prune them).
fn unknown_to_schema(value: &Value, node: &Value, path: &str, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let at = format!("{path}.{key}");
                if path.is_empty() && matches!(key.as_str(), "apiVersion" | "kind" | "metadata") {
                    continue;
                }
                if let Some(prop) = node["properties"].get(key) {
                    unknown_to_schema(child, prop, &at, found);
                } else if node["additionalProperties"].is_object() {
                    unknown_to_schema(child, &node["additionalProperties"], &at, found);
                } else {
                    found.push(at);
                }
            }
        }
        Value::Array(items) => {
            for (n, item) in items.iter().enumerate() {
                unknown_to_schema(item, &node["items"], &format!("{path}[{n}]"), found);
            }
        }
        _ => {}
    }
}

fn check<T: DeserializeOwned + Serialize>(doc: &Value) {
    let kind = doc["kind"].as_str().unwrap_or_default();
    let typed: T = serde_json::from_value(doc.clone())
        .unwrap_or_else(|e| panic!("{kind} example does not deserialize: {e}"));
    let back = serde_json::to_value(&typed).unwrap_or_else(|e| panic!("{e}"));
    let mut lost = Vec::new();
    dropped(doc, &back, "", &mut lost);
    assert!(
        lost.is_empty(),
        "{kind} example: fields unknown to the types: {lost:?}"
    );

    let schema = schema(kind);
    let mut pruned = Vec::new();
    unknown_to_schema(doc, &schema, "", &mut pruned);
    assert!(
        pruned.is_empty(),
        "{kind} example: fields unknown to the CRD schema: {pruned:?}"
    );

    if let Err(errors) = Validator::new().validate(&schema, doc, None) {
        panic!("{kind} example breaks CEL rules: {errors:?}");
    }
}

#[test]
fn design_examples_are_complete_and_valid() {
    let docs = yaml_documents(EXAMPLES);
    let kinds: Vec<&str> = docs.iter().filter_map(|d| d["kind"].as_str()).collect();
    assert_eq!(kinds, ["Infrastructure", "Environment", "WorkloadCluster"]);
    for doc in &docs {
        match doc["kind"].as_str() {
            Some("Infrastructure") => check::<Infrastructure>(doc),
            Some("Environment") => check::<Environment>(doc),
            Some("WorkloadCluster") => check::<WorkloadCluster>(doc),
            other => panic!("unexpected kind {other:?}"),
        }
    }
}

#[test]
fn the_checks_notice_unknown_fields() {
    let mut doc = yaml_documents(EXAMPLES).remove(2);
    doc["spec"]["controlPlane"]["flavour"] = Value::from("large");
    let typed: WorkloadCluster =
        serde_json::from_value(doc.clone()).unwrap_or_else(|e| panic!("{e}"));
    let back = serde_json::to_value(&typed).unwrap_or_else(|e| panic!("{e}"));
    let mut lost = Vec::new();
    dropped(&doc, &back, "", &mut lost);
    assert_eq!(lost, [".spec.controlPlane.flavour"]);
    let mut pruned = Vec::new();
    unknown_to_schema(&doc, &schema("WorkloadCluster"), "", &mut pruned);
    assert_eq!(pruned, [".spec.controlPlane.flavour"]);
}
