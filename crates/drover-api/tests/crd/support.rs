//! Helpers shared by the CRD tests: schema access, a schema walker and a YAML reader.

use saphyr::{LoadableYamlNode, Scalar, Yaml};
use serde_json::{Map, Number, Value};

/// The CRD (as JSON) of `kind`.
pub fn crd(kind: &str) -> Value {
    drover_api::crd_values()
        .into_iter()
        .find(|crd| crd["spec"]["names"]["kind"] == kind)
        .unwrap_or_else(|| panic!("no CRD for {kind}"))
}

/// The served version's `openAPIV3Schema` of `kind`.
pub fn schema(kind: &str) -> Value {
    crd(kind)["spec"]["versions"][0]["schema"]["openAPIV3Schema"].clone()
}

/// The kinds, in the order of `drover_api::crds()`.
pub const KINDS: [&str; 3] = ["Infrastructure", "Environment", "WorkloadCluster"];

/// Where a node sits below its parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edge {
    /// The schema root.
    Root,
    /// A named property; `required` tells whether the parent lists it as required.
    Property { required: bool },
    /// `items` of an array.
    Items,
    /// `additionalProperties` of a map.
    MapValues,
}

/// Calls `visit(path, edge, node)` for every schema node below and including `node`.
/// Paths look like `spec.workers[].name` and `spec.sizes.<name>.cpu`.
pub fn walk(node: &Value, visit: &mut dyn FnMut(&str, Edge, &Value)) {
    walk_at(node, "", Edge::Root, visit);
}

fn walk_at(node: &Value, path: &str, edge: Edge, visit: &mut dyn FnMut(&str, Edge, &Value)) {
    visit(path, edge, node);
    let required: Vec<&str> = node["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(props) = node["properties"].as_object() {
        for (name, child) in props {
            let child_path = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            let required = required.contains(&name.as_str());
            walk_at(child, &child_path, Edge::Property { required }, visit);
        }
    }
    if node["items"].is_object() {
        walk_at(&node["items"], &format!("{path}[]"), Edge::Items, visit);
    }
    if node["additionalProperties"].is_object() {
        let values = &node["additionalProperties"];
        walk_at(values, &format!("{path}.<name>"), Edge::MapValues, visit);
    }
}

/// Every `(path, rule, message)` of the CEL rules in `kind`'s schema.
pub fn rules(kind: &str) -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    walk(&schema(kind), &mut |path, _, node| {
        for rule in node["x-kubernetes-validations"]
            .as_array()
            .into_iter()
            .flatten()
        {
            found.push((
                path.to_owned(),
                rule["rule"].as_str().unwrap_or_default().to_owned(),
                rule["message"].as_str().unwrap_or_default().to_owned(),
            ));
        }
    });
    found
}

/// Reads every document of a YAML stream as JSON (YAML 1.2 core schema, as saphyr resolves it).
pub fn yaml_documents(text: &str) -> Vec<Value> {
    Yaml::load_from_str(text)
        .unwrap_or_else(|e| panic!("bad YAML: {e}"))
        .iter()
        .map(to_json)
        .collect()
}

fn to_json(node: &Yaml<'_>) -> Value {
    match node {
        Yaml::Value(Scalar::Null) => Value::Null,
        Yaml::Value(Scalar::Boolean(b)) => Value::Bool(*b),
        Yaml::Value(Scalar::Integer(i)) => Value::from(*i),
        Yaml::Value(Scalar::FloatingPoint(f)) => {
            Value::Number(Number::from_f64(f.into_inner()).expect("finite float"))
        }
        Yaml::Value(Scalar::String(s)) => Value::String(s.to_string()),
        Yaml::Sequence(items) => Value::Array(items.iter().map(to_json).collect()),
        Yaml::Mapping(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                let key = match to_json(key) {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                out.insert(key, to_json(value));
            }
            Value::Object(out)
        }
        other => panic!("unexpected YAML node {other:?}"),
    }
}
