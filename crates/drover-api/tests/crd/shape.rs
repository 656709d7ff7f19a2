//! Shape of the generated CRDs: descriptions everywhere, structural schemas, names, columns.

use serde_json::Value;

use crate::support::{Edge, KINDS, crd, schema, walk};

/// Formats the API server knows (`k8s.io/apiextensions-apiserver` / kube-openapi `strfmt`).
const KNOWN_FORMATS: &[&str] = &[
    "int32",
    "int64",
    "float",
    "double",
    "byte",
    "password",
    "date",
    "date-time",
    "datetime",
    "duration",
    "uri",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "cidr",
    "mac",
    "uuid",
    "uuid3",
    "uuid4",
    "uuid5",
    "bsonobjectid",
    "isbn",
    "isbn10",
    "isbn13",
    "creditcard",
    "ssn",
    "hexcolor",
    "rgbcolor",
];

const TYPES: &[&str] = &["string", "integer", "number", "boolean", "object", "array"];

#[test]
fn every_property_has_a_description() {
    let mut missing = Vec::new();
    for kind in KINDS {
        walk(&schema(kind), &mut |path, edge, node| {
            let described = node["description"]
                .as_str()
                .is_some_and(|d| !d.trim().is_empty());
            let exempt = matches!(path, "apiVersion" | "kind" | "metadata");
            if matches!(edge, Edge::Property { .. }) && !described && !exempt {
                missing.push(format!("{kind}: {path}"));
            }
        });
    }
    assert!(
        missing.is_empty(),
        "properties without a description (add a doc comment):\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn every_kind_has_a_written_root_description() {
    for kind in KINDS {
        let description = schema(kind)["description"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            !description.is_empty() && !description.contains("Auto-generated"),
            "{kind}: set `doc = \"...\"` in #[kube(...)]; got {description:?}"
        );
    }
}

#[test]
fn schemas_are_structural() {
    let mut problems = Vec::new();
    for kind in KINDS {
        let mut report = |path: &str, what: String| {
            let path = if path.is_empty() { "(root)" } else { path };
            problems.push(format!("{kind}: {path}: {what}"));
        };
        walk(&schema(kind), &mut |path, edge, node| {
            let int_or_string = node["x-kubernetes-int-or-string"] == true;
            let preserve = node["x-kubernetes-preserve-unknown-fields"] == true;
            match node["type"].as_str() {
                Some(ty) if TYPES.contains(&ty) => {}
                Some(ty) => report(path, format!("type {ty:?} is not a Kubernetes type")),
                None if int_or_string || preserve => {}
                None => report(path, format!("no type: {node}")),
            }
            for key in [
                "$ref",
                "definitions",
                "$defs",
                "allOf",
                "anyOf",
                "oneOf",
                "not",
            ] {
                if node.get(key).is_some() {
                    report(path, format!("has {key}"));
                }
            }
            if node.get("properties").is_some() && node.get("additionalProperties").is_some() {
                report(
                    path,
                    "has both properties and additionalProperties".to_owned(),
                );
            }
            if node["type"] == "object"
                && node.get("properties").is_none()
                && !node["additionalProperties"].is_object()
                && !preserve
            {
                report(
                    path,
                    "object without properties: everything would be pruned".to_owned(),
                );
            }
            if node["type"] == "array" && !node["items"].is_object() {
                report(path, "array without items".to_owned());
            }
            for value in node["enum"].as_array().into_iter().flatten() {
                let fits = match node["type"].as_str() {
                    Some("string") => value.is_string(),
                    Some("integer") => value.is_i64() || value.is_u64(),
                    Some("number") => value.is_number(),
                    Some("boolean") => value.is_boolean(),
                    _ => false,
                };
                if !fits {
                    report(
                        path,
                        format!("enum value {value} does not fit the node's type"),
                    );
                }
            }
            if let Some(format) = node["format"].as_str()
                && !KNOWN_FORMATS.contains(&format)
            {
                report(
                    path,
                    format!("format {format:?} is unknown to the API server"),
                );
            }
            if node.get("nullable").is_some() {
                let optional_property = edge == Edge::Property { required: false };
                if node["nullable"] != true || !optional_property {
                    report(path, format!("nullable on a {edge:?} node"));
                }
            }
        });
    }
    assert!(
        problems.is_empty(),
        "non-structural schema:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn one_version_served_and_stored_with_status_subresource() {
    for kind in KINDS {
        let crd = crd(kind);
        let versions = crd["spec"]["versions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(versions.len(), 1, "{kind}");
        let version = &versions[0];
        assert_eq!(version["name"], drover_api::VERSION, "{kind}");
        assert_eq!(version["served"], true, "{kind}");
        assert_eq!(version["storage"], true, "{kind}");
        assert_eq!(
            version["subresources"]["status"],
            serde_json::json!({}),
            "{kind}"
        );
        assert_eq!(crd["spec"]["group"], drover_api::GROUP, "{kind}");
        assert!(
            schema(kind)["properties"]["status"].is_object(),
            "{kind}: no status schema"
        );
    }
}

#[test]
fn names_and_scopes() {
    let expect = [
        ("Infrastructure", "infrastructures", "Cluster", "dinfra"),
        ("Environment", "environments", "Cluster", "denv"),
        ("WorkloadCluster", "workloadclusters", "Namespaced", "wc"),
    ];
    for (kind, plural, scope, short) in expect {
        let crd = crd(kind);
        assert_eq!(crd["metadata"]["name"], format!("{plural}.drover.dev"));
        assert_eq!(crd["spec"]["names"]["plural"], plural);
        assert_eq!(crd["spec"]["scope"], scope, "{kind}");
        assert_eq!(
            crd["spec"]["names"]["shortNames"],
            serde_json::json!([short]),
            "{kind}"
        );
        assert_eq!(
            crd["spec"]["names"]["categories"],
            serde_json::json!(["drover"]),
            "{kind}"
        );
    }
}

fn columns(kind: &str) -> Vec<Value> {
    crd(kind)["spec"]["versions"][0]["additionalPrinterColumns"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn workload_cluster_printer_columns() {
    let columns = columns("WorkloadCluster");
    let names = |wide: bool| -> Vec<String> {
        columns
            .iter()
            .filter(|c| (c["priority"].as_i64().unwrap_or(0) > 0) == wide)
            .map(|c| c["name"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(
        names(false),
        ["Environment", "Infrastructure", "Version", "Phase", "Age"]
    );
    assert_eq!(names(true), ["Endpoint"]);
    let endpoint = columns.iter().find(|c| c["name"] == "Endpoint").cloned();
    assert_eq!(
        endpoint.map(|c| c["priority"].clone()),
        Some(serde_json::json!(1))
    );
    let age = columns
        .iter()
        .find(|c| c["name"] == "Age")
        .cloned()
        .unwrap_or_default();
    assert_eq!(age["type"], "date");
    assert_eq!(age["jsonPath"], ".metadata.creationTimestamp");
}

#[test]
fn printer_columns_point_at_schema_fields() {
    for kind in KINDS {
        let schema = schema(kind);
        for column in columns(kind) {
            let path = column["jsonPath"].as_str().unwrap_or_default();
            if path == ".metadata.creationTimestamp" {
                continue;
            }
            let mut node = &schema;
            for segment in path.trim_start_matches('.').split('.') {
                node = &node["properties"][segment];
            }
            assert!(
                node.is_object(),
                "{kind}: column {} -> {path} is not in the schema",
                column["name"]
            );
            let ty = column["type"].as_str().unwrap_or_default();
            assert_eq!(node["type"], ty, "{kind}: column {path} type");
        }
    }
}
