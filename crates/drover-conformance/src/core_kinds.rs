//! Built-in kinds (no CRD): checked through their `k8s-openapi` types.
//!
//! The API server decodes a built-in object into its Go struct: a field of the wrong type is an
//! error, an unknown field is dropped. The same happens here with the `k8s-openapi` type:
//! 1. typed deserialization (with `serde_path_to_error` for the path) finds type errors;
//! 2. re-serializing and comparing key sets (objects by key, arrays by index) finds every input
//!    field the type does not know, i.e. that the API server would drop;
//! 3. the type's OpenAPI schema (`k8s-openapi`'s `schemars` feature) gives the required fields,
//!    which deserialization alone does not enforce (`k8s-openapi` defaults them), and the
//!    quantity fields, whose syntax is checked;
//! 4. metadata, `status` and a few hand-written rules (ConfigMap and Secret keys) are checked.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::Violation;
use crate::metadata::{self, MetaRules, NameRule};
use crate::path::{child, entry, index};
use crate::quantity::is_quantity;

/// How one built-in kind is checked.
struct CoreKind {
    name_rule: NameRule,
    namespaced: bool,
    typed: fn(&Value, &mut Vec<Violation>),
}

fn kind<T>(name_rule: NameRule, namespaced: bool) -> CoreKind
where
    T: DeserializeOwned + Serialize + JsonSchema,
{
    CoreKind {
        name_rule,
        namespaced,
        typed: check_typed::<T>,
    }
}

fn lookup(group: &str, version: &str, kind_name: &str) -> Option<CoreKind> {
    use NameRule::{Dns1035Label, Dns1123Label, Dns1123Subdomain, PathSegment};
    Some(match (group, version, kind_name) {
        ("", "v1", "Namespace") => kind::<Namespace>(Dns1123Label, false),
        ("", "v1", "ServiceAccount") => kind::<ServiceAccount>(Dns1123Subdomain, true),
        ("", "v1", "ConfigMap") => kind::<ConfigMap>(Dns1123Subdomain, true),
        ("", "v1", "Secret") => kind::<Secret>(Dns1123Subdomain, true),
        ("", "v1", "Service") => kind::<Service>(Dns1035Label, true),
        ("rbac.authorization.k8s.io", "v1", "Role") => kind::<Role>(PathSegment, true),
        ("rbac.authorization.k8s.io", "v1", "RoleBinding") => {
            kind::<RoleBinding>(PathSegment, true)
        }
        ("rbac.authorization.k8s.io", "v1", "ClusterRole") => {
            kind::<ClusterRole>(PathSegment, false)
        }
        ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding") => {
            kind::<ClusterRoleBinding>(PathSegment, false)
        }
        ("apps", "v1", "Deployment") => kind::<Deployment>(Dns1123Subdomain, true),
        ("networking.k8s.io", "v1", "NetworkPolicy") => {
            kind::<NetworkPolicy>(Dns1123Subdomain, true)
        }
        ("networking.k8s.io", "v1", "Ingress") => kind::<Ingress>(Dns1123Subdomain, true),
        ("policy", "v1", "PodDisruptionBudget") => {
            kind::<PodDisruptionBudget>(Dns1123Subdomain, true)
        }
        ("coordination.k8s.io", "v1", "Lease") => kind::<Lease>(Dns1123Subdomain, true),
        _ => return None,
    })
}

/// The built-in kinds this checker knows, as `(group, version, kind)`.
pub const CORE_KINDS: &[(&str, &str, &str)] = &[
    ("", "v1", "Namespace"),
    ("", "v1", "ServiceAccount"),
    ("", "v1", "ConfigMap"),
    ("", "v1", "Secret"),
    ("", "v1", "Service"),
    ("rbac.authorization.k8s.io", "v1", "Role"),
    ("rbac.authorization.k8s.io", "v1", "RoleBinding"),
    ("rbac.authorization.k8s.io", "v1", "ClusterRole"),
    ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding"),
    ("apps", "v1", "Deployment"),
    ("networking.k8s.io", "v1", "NetworkPolicy"),
    ("networking.k8s.io", "v1", "Ingress"),
    ("policy", "v1", "PodDisruptionBudget"),
    ("coordination.k8s.io", "v1", "Lease"),
];

/// Checks a built-in object; `None` when `group/version` `kind` is not a built-in kind known here.
pub(crate) fn check(
    group: &str,
    version: &str,
    kind_name: &str,
    object: &Value,
) -> Option<Vec<Violation>> {
    let core = lookup(group, version, kind_name)?;
    let mut out = Vec::new();
    (core.typed)(object, &mut out);
    let rules = MetaRules {
        name_rule: core.name_rule,
        namespaced: Some(core.namespaced),
        top_level: true,
    };
    metadata::check(object.get("metadata"), "metadata", rules, &mut out);
    if object.get("status").is_some() {
        out.push(Violation::new(
            "status",
            "a real API server resets status on create: do not render it",
        ));
    }
    match kind_name {
        "ConfigMap" => data_keys(object, &["data", "binaryData"], &mut out),
        "Secret" => data_keys(object, &["data", "stringData"], &mut out),
        _ => {}
    }
    Some(out)
}

fn check_typed<T>(object: &Value, out: &mut Vec<Violation>)
where
    T: DeserializeOwned + Serialize + JsonSchema,
{
    let typed: T = match serde_path_to_error::deserialize(object) {
        Ok(typed) => typed,
        Err(e) => {
            out.push(Violation::new(
                &render_path(e.path()),
                &e.inner().to_string(),
            ));
            return;
        }
    };
    match serde_json::to_value(&typed) {
        Ok(back) => compare_keys(object, &back, "", out),
        Err(e) => out.push(Violation::new(
            "",
            &format!("cannot re-serialize the typed object: {e}"),
        )),
    }
    let schema = schema_for::<T>();
    walk_schema(&schema, &schema, object, "", out);
}

fn render_path(path: &serde_path_to_error::Path) -> String {
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index: i } => out = index(&out, *i),
            serde_path_to_error::Segment::Map { key } => out = child(&out, key),
            serde_path_to_error::Segment::Enum { variant } => out = child(&out, variant),
            serde_path_to_error::Segment::Unknown => out = child(&out, "?"),
        }
    }
    out
}

/// Reports every input field missing from the round-tripped value. Root `metadata` is left to
/// the metadata checks.
fn compare_keys(input: &Value, output: &Value, path: &str, out: &mut Vec<Violation>) {
    match (input, output) {
        (Value::Object(inp), Value::Object(outp)) => {
            for (key, value) in inp {
                if path.is_empty() && key == "metadata" {
                    continue;
                }
                let at = child(path, key);
                match (value, outp.get(key)) {
                    (Value::Null, _) => out.push(Violation::new(
                        &at,
                        "null value: a real API server treats it as absent, omit the field",
                    )),
                    (_, None) => out.push(Violation::unknown_field(&at)),
                    (_, Some(back)) => compare_keys(value, back, &at, out),
                }
            }
        }
        (Value::Array(inp), Value::Array(outp)) => {
            for (i, (a, b)) in inp.iter().zip(outp).enumerate() {
                compare_keys(a, b, &index(path, i), out);
            }
        }
        _ => {}
    }
}

/// The OpenAPI schema of `T`, generated once per type.
fn schema_for<T: JsonSchema>() -> Arc<Value> {
    static CACHE: OnceLock<Mutex<HashMap<&'static str, Arc<Value>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let name = std::any::type_name::<T>();
    let mut map = cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    map.entry(name)
        .or_insert_with(|| {
            let generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
            Arc::new(generator.into_root_schema_for::<T>().to_value())
        })
        .clone()
}

const QUANTITY_REF: &str = "io.k8s.apimachinery.pkg.api.resource.Quantity";

/// Required fields and quantity syntax, following the type's schema along the value.
fn walk_schema(root: &Value, schema: &Value, value: &Value, path: &str, out: &mut Vec<Violation>) {
    let mut schema = schema;
    // `$ref`s point into the root's `$defs` (JSON pointer).
    for _ in 0..8 {
        let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
            break;
        };
        if reference.ends_with(QUANTITY_REF) {
            if let Value::String(text) = value
                && !is_quantity(text)
            {
                out.push(Violation::new(
                    path,
                    &format!("{text:?} is not a valid quantity"),
                ));
            }
            return;
        }
        match reference
            .strip_prefix('#')
            .and_then(|pointer| root.pointer(pointer))
        {
            Some(target) => schema = target,
            None => return,
        }
    }
    match value {
        Value::Object(map) => walk_object(root, schema, map, path, out),
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    walk_schema(root, item_schema, item, &index(path, i), out);
                }
            }
        }
        _ => {}
    }
}

fn walk_object(
    root: &Value,
    schema: &Value,
    map: &Map<String, Value>,
    path: &str,
    out: &mut Vec<Violation>,
) {
    if let Some(Value::Array(required)) = schema.get("required") {
        for name in required.iter().filter_map(Value::as_str) {
            if map.get(name).is_none_or(Value::is_null) {
                out.push(Violation::new(
                    &child(path, name),
                    "required field is missing",
                ));
            }
        }
    }
    let properties = schema.get("properties").and_then(Value::as_object);
    let additional = schema.get("additionalProperties").filter(|a| a.is_object());
    for (key, value) in map {
        if let Some(prop) = properties.and_then(|p| p.get(key)) {
            walk_schema(root, prop, value, &child(path, key), out);
        } else if let Some(additional) = additional {
            walk_schema(root, additional, value, &entry(path, key), out);
        }
    }
}

/// `IsConfigMapKey` for the keys of `data`-like fields, and no key in two of them.
fn data_keys(object: &Value, fields: &[&str], out: &mut Vec<Violation>) {
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for field in fields {
        let Some(map) = object.get(*field).and_then(Value::as_object) else {
            continue;
        };
        for key in map.keys() {
            let at = entry(field, key);
            let valid_chars = !key.is_empty()
                && key
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'));
            if key.len() > 253 || !valid_chars {
                out.push(Violation::new(
                    &at,
                    "a valid key must be at most 253 characters of alphanumerics, '-', '_' or '.'",
                ));
            }
            if key == "." || key == ".." || key.starts_with("..") {
                out.push(Violation::new(
                    &at,
                    "a key must not be '.' or '..' or start with '..'",
                ));
            }
            if let Some(other) = seen.insert(key, field) {
                out.push(Violation::new(
                    &at,
                    &format!("duplicate of the key in {other}"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_listed_kind_is_checked() {
        for (group, version, kind_name) in CORE_KINDS {
            assert!(
                lookup(group, version, kind_name).is_some(),
                "{group}/{version} {kind_name}"
            );
        }
        assert!(lookup("apps", "v1beta1", "Deployment").is_none());
    }

    #[test]
    fn data_keys_and_nulls() {
        let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "d"},
            "data": {"a b": "aGVsbG8=", "..x": "aGVsbG8="}, "stringData": {"..x": "y"}, "immutable": null});
        let paths: Vec<String> = check("", "v1", "Secret", &secret)
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.path)
            .collect();
        assert_eq!(
            paths,
            [
                "immutable",
                "data[a b]",
                "data[..x]",
                "stringData[..x]",
                "stringData[..x]"
            ]
        );
    }
}
