//! The API reference (`docs/api.md`), generated from the CRD schemas so it cannot drift from them.
//!
//! Per kind: names, scope and printer columns, then one table each for `spec` and `status` listing
//! every field by its full path (`spec.workers[].name`, `spec.sizes.<name>.cpu`) with its type,
//! whether it is required, its constraints (default, allowed values, pattern, bounds) and its
//! description, then the CEL validation rules the API server enforces.

use serde_json::Value;

use crate::crds::crd_values;

/// The Markdown API reference of all drover kinds, as checked in at `docs/api.md`.
pub fn reference_markdown() -> String {
    let crds = crd_values();
    let mut out = vec![
        "# API reference: `drover.dev/v1alpha1`".to_owned(),
        String::new(),
        "<!-- Generated from the CRD schemas by `drover_api::reference_markdown()`. Do not edit: \
         run `DROVER_UPDATE_DOCS=1 cargo test -p drover-api`. -->"
            .to_owned(),
        String::new(),
    ];
    let kinds: Vec<String> = crds
        .iter()
        .map(|crd| {
            let kind = str_at(crd, &["spec", "names", "kind"]);
            format!("[{kind}](#{})", kind.to_lowercase())
        })
        .collect();
    out.push(format!("Kinds: {}.", kinds.join(", ")));
    out.push(String::new());
    out.push(
        "Field paths are written from the object's root; `[]` stands for any list item and \
         `<name>` for any key of a map. A field marked required is required whenever its parent \
         object is given."
            .to_owned(),
    );
    for crd in &crds {
        out.push(String::new());
        write_kind(&mut out, crd);
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// One kind's section.
fn write_kind(out: &mut Vec<String>, crd: &Value) {
    let names = crd.pointer("/spec/names").cloned().unwrap_or(Value::Null);
    let kind = str_at(&names, &["kind"]);
    let version = crd
        .pointer("/spec/versions/0")
        .cloned()
        .unwrap_or(Value::Null);
    let schema = version
        .pointer("/schema/openAPIV3Schema")
        .cloned()
        .unwrap_or(Value::Null);

    out.push(format!("## {kind}"));
    out.push(String::new());
    out.push(describe(&schema));
    out.push(String::new());
    out.push("| | |".to_owned());
    out.push("|---|---|".to_owned());
    out.push(format!(
        "| API version | `{}/{}` |",
        str_at(crd, &["spec", "group"]),
        str_at(&version, &["name"])
    ));
    out.push(format!("| Scope | {} |", str_at(crd, &["spec", "scope"])));
    out.push(format!("| Plural | `{}` |", str_at(&names, &["plural"])));
    out.push(format!(
        "| Short names | {} |",
        code_list(names.get("shortNames"))
    ));
    out.push(format!(
        "| Categories | {} |",
        code_list(names.get("categories"))
    ));
    out.push(format!(
        "| Subresources | {} |",
        version
            .get("subresources")
            .and_then(Value::as_object)
            .map(|subs| subs.keys().map(|k| format!("`{k}`")).collect::<Vec<_>>())
            .unwrap_or_default()
            .join(", ")
    ));
    out.push(format!("| `kubectl get` columns | {} |", columns(&version)));

    let mut rules = Vec::new();
    collect_rules(&schema, "", &mut rules);
    let props = schema.get("properties").and_then(Value::as_object);
    for top in ["spec", "status"] {
        let Some(node) = props.and_then(|p| p.get(top)) else {
            continue;
        };
        out.push(String::new());
        out.push(format!("### `{top}`"));
        out.push(String::new());
        out.push(describe(node));
        out.push(String::new());
        out.push("| Field | Type | Required | Constraints | Description |".to_owned());
        out.push("|---|---|---|---|---|".to_owned());
        let mut rows = Vec::new();
        walk(node, top, &mut rows, &mut rules);
        out.extend(rows);
    }

    if !rules.is_empty() {
        out.push(String::new());
        out.push("### Validation rules".to_owned());
        out.push(String::new());
        out.push("Checked by the API server (CEL, `x-kubernetes-validations`).".to_owned());
        out.push(String::new());
        out.push("| Field | Rule | Message |".to_owned());
        out.push("|---|---|---|".to_owned());
        for (path, rule, message) in rules {
            out.push(format!(
                "| {} | `{}` | {} |",
                if path.is_empty() {
                    "(object)".to_owned()
                } else {
                    format!("`{path}`")
                },
                cell(&rule),
                cell(&message)
            ));
        }
    }
}

/// Appends one row per property below `node` (at `path`), depth first in schema order, and
/// collects the CEL rules found on the way.
fn walk(
    node: &Value,
    path: &str,
    rows: &mut Vec<String>,
    rules: &mut Vec<(String, String, String)>,
) {
    let required: Vec<&str> = node
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(props) = node.get("properties").and_then(Value::as_object) {
        for (name, child) in props {
            let child_path = format!("{path}.{name}");
            rows.push(format!(
                "| `{child_path}` | {} | {} | {} | {} |",
                type_name(child),
                if required.contains(&name.as_str()) {
                    "yes"
                } else {
                    ""
                },
                cell(&constraints(child)),
                cell(&describe(child))
            ));
            collect_rules(child, &child_path, rules);
            walk(child, &child_path, rows, rules);
        }
    }
    if let Some(items) = node.get("items") {
        let items_path = format!("{path}[]");
        collect_rules(items, &items_path, rules);
        walk(items, &items_path, rows, rules);
    }
    if let Some(values) = node.get("additionalProperties").filter(|v| v.is_object()) {
        let values_path = format!("{path}.<name>");
        collect_rules(values, &values_path, rules);
        walk(values, &values_path, rows, rules);
    }
}

/// The CEL rules directly on `node`.
fn collect_rules(node: &Value, path: &str, rules: &mut Vec<(String, String, String)>) {
    for rule in node
        .get("x-kubernetes-validations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        rules.push((
            path.to_owned(),
            str_at(rule, &["rule"]),
            str_at(rule, &["message"]),
        ));
    }
}

/// `string`, `integer (int32)`, `[]object`, `map[string]string`, ...
fn type_name(node: &Value) -> String {
    if node.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
        return "int or string".to_owned();
    }
    let ty = node.get("type").and_then(Value::as_str).unwrap_or("any");
    match ty {
        "array" => format!(
            "[]{}",
            node.get("items").map_or("any".to_owned(), type_name)
        ),
        "object" => match node.get("additionalProperties").filter(|v| v.is_object()) {
            Some(values) => format!("map[string]{}", type_name(values)),
            None => "object".to_owned(),
        },
        _ => match node.get("format").and_then(Value::as_str) {
            Some(format) => format!("{ty} ({format})"),
            None => ty.to_owned(),
        },
    }
}

/// Default, allowed values, pattern and bounds of a field, in words.
fn constraints(node: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(default) = node.get("default") {
        parts.push(format!("default `{default}`"));
    }
    if let Some(values) = node.get("enum").and_then(Value::as_array) {
        let values: Vec<String> = values.iter().map(|v| format!("`{}`", scalar(v))).collect();
        parts.push(format!("one of {}", values.join(", ")));
    }
    if let Some(values) = node.pointer("/items/enum").and_then(Value::as_array) {
        let values: Vec<String> = values.iter().map(|v| format!("`{}`", scalar(v))).collect();
        parts.push(format!("items one of {}", values.join(", ")));
    }
    if let Some(pattern) = node.get("pattern").and_then(Value::as_str) {
        parts.push(format!("pattern `{pattern}`"));
    }
    if let Some(range) = bounds(node, "minimum", "maximum", "") {
        parts.push(range);
    }
    if let Some(range) = bounds(node, "minLength", "maxLength", "length ") {
        parts.push(range);
    }
    if let Some(range) = bounds(node, "minItems", "maxItems", "items ") {
        parts.push(range);
    }
    if let Some(range) = bounds(node, "minProperties", "maxProperties", "entries ") {
        parts.push(range);
    }
    parts.join("; ")
}

/// `1 to 7`, `≥ 1`, `≤ 63` (prefixed), or nothing.
fn bounds(node: &Value, min: &str, max: &str, prefix: &str) -> Option<String> {
    let number = |key: &str| node.get(key).and_then(Value::as_f64).map(whole);
    match (number(min), number(max)) {
        (Some(lo), Some(hi)) => Some(format!("{prefix}{lo} to {hi}")),
        (Some(lo), None) => Some(format!("{prefix}≥ {lo}")),
        (None, Some(hi)) => Some(format!("{prefix}≤ {hi}")),
        (None, None) => None,
    }
}

/// A number without a trailing `.0` when it is whole.
fn whole(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// A scalar without JSON quotes around strings.
fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A node's description as one Markdown paragraph (line breaks of the doc comment joined).
fn describe(node: &Value) -> String {
    node.get("description")
        .and_then(Value::as_str)
        .unwrap_or("")
        .split("\n\n")
        .map(|paragraph| paragraph.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("<br><br>")
}

/// Text safe inside a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// `` `a`, `b` `` for a JSON list of strings, or `-`.
fn code_list(values: Option<&Value>) -> String {
    let items: Vec<String> = values
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|s| format!("`{s}`"))
        .collect();
    if items.is_empty() {
        "-".to_owned()
    } else {
        items.join(", ")
    }
}

/// The printer columns: `Name`, and `Name` (wide) for those shown only with `-o wide`.
fn columns(version: &Value) -> String {
    version
        .get("additionalPrinterColumns")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|column| {
            let name = str_at(column, &["name"]);
            let path = str_at(column, &["jsonPath"]);
            let wide = column.get("priority").and_then(Value::as_i64).unwrap_or(0) > 0;
            format!("{name} (`{path}`{})", if wide { ", `-o wide`" } else { "" })
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The string at `path` below `value`, or an empty string.
fn str_at(value: &Value, path: &[&str]) -> String {
    let mut node = value;
    for key in path {
        match node.get(key) {
            Some(next) => node = next,
            None => return String::new(),
        }
    }
    node.as_str().unwrap_or("").to_owned()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn type_names() {
        assert_eq!(type_name(&json!({"type": "string"})), "string");
        assert_eq!(
            type_name(&json!({"type": "integer", "format": "int32"})),
            "integer (int32)"
        );
        assert_eq!(
            type_name(&json!({"type": "array", "items": {"type": "object"}})),
            "[]object"
        );
        assert_eq!(
            type_name(&json!({"type": "object", "additionalProperties": {"type": "string"}})),
            "map[string]string"
        );
    }

    #[test]
    fn constraints_in_words() {
        let node = json!({
            "default": "", "enum": ["a", "b"], "pattern": "^(x|y)$",
            "minimum": 1.0, "maximum": 1024.0, "maxLength": 63, "minItems": 1
        });
        assert_eq!(
            constraints(&node),
            "default `\"\"`; one of `a`, `b`; pattern `^(x|y)$`; 1 to 1024; length ≤ 63; items ≥ 1"
        );
        assert_eq!(cell("a|b\nc"), "a\\|b c");
    }

    #[test]
    fn descriptions_join_wrapped_lines() {
        let node = json!({"description": "one\ntwo\n\nthree"});
        assert_eq!(describe(&node), "one two<br><br>three");
    }

    #[test]
    fn walk_names_list_items_and_map_values() {
        let node = json!({
            "type": "object",
            "required": ["a"],
            "properties": {
                "a": {"type": "array", "description": "A.", "items": {
                    "type": "object", "properties": {"n": {"type": "string", "description": "N."}}
                }},
                "m": {"type": "object", "description": "M.", "additionalProperties": {
                    "type": "object", "properties": {"c": {"type": "integer", "description": "C."}},
                    "x-kubernetes-validations": [{"rule": "true", "message": "ok"}]
                }}
            }
        });
        let (mut rows, mut rules) = (Vec::new(), Vec::new());
        walk(&node, "spec", &mut rows, &mut rules);
        assert_eq!(
            rows,
            [
                "| `spec.a` | []object | yes |  | A. |",
                "| `spec.a[].n` | string |  |  | N. |",
                "| `spec.m` | map[string]object |  |  | M. |",
                "| `spec.m.<name>.c` | integer |  |  | C. |",
            ]
        );
        assert_eq!(
            rules,
            [(
                "spec.m.<name>".to_owned(),
                "true".to_owned(),
                "ok".to_owned()
            )]
        );
    }
}
