//! The OpenAPI v3 structural-schema validation the API server applies to custom resources:
//! pruning of unknown fields (reported here instead), null handling, types, value validations
//! (kube-openapi `validate`), list-type uniqueness and embedded resources.
//!
//! Two modes mirror the API server's two passes:
//! - [`Mode::Structural`] walks the schema skeleton (`properties`, `items`,
//!   `additionalProperties`): a field it does not declare would be pruned, so it is reported.
//! - [`Mode::Value`] is used inside `allOf`/`anyOf`/`oneOf`/`not`: plain JSON-schema semantics,
//!   where undeclared fields are allowed.

use serde_json::{Map, Number, Value};

use crate::Violation;
use crate::goregex::RegexCache;

mod collections;
mod scalars;
#[cfg(test)]
mod tests;

pub(crate) use collections::check_type_meta;

/// See the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// The schema skeleton: undeclared fields are pruned by the API server.
    Structural,
    /// Inside a value validation (`allOf`, `anyOf`, `oneOf`, `not`).
    Value,
}

/// The schema keywords this validator understands; any other makes the check fail.
const KNOWN_KEYWORDS: &[&str] = &[
    "type",
    "format",
    "title",
    "description",
    "default",
    "example",
    "externalDocs",
    "nullable",
    "properties",
    "additionalProperties",
    "items",
    "required",
    "enum",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "x-kubernetes-int-or-string",
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-embedded-resource",
    "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-map-type",
    "x-kubernetes-validations",
];

/// Largest magnitude a float may have to count as a JSON integer (as in go-openapi).
const MAX_JSON_INTEGER_FLOAT: f64 = 9_007_199_254_740_992.0;

/// Validates values against schemas and collects the violations.
pub(crate) struct Validator<'a> {
    regexes: &'a RegexCache,
    /// The violations found so far.
    pub(crate) out: Vec<Violation>,
}

fn flag(s: &Map<String, Value>, key: &str) -> bool {
    s.get(key) == Some(&Value::Bool(true))
}

fn number_of(s: &Map<String, Value>, key: &str) -> Option<f64> {
    s.get(key).and_then(Value::as_f64)
}

fn count_of(s: &Map<String, Value>, key: &str) -> Option<usize> {
    s.get(key)
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
}

/// Whether `n` is an integer for the API server (integral floats within ±2^53 count).
pub(crate) fn is_integer(n: &Number) -> bool {
    n.is_i64()
        || n.is_u64()
        || n.as_f64()
            .is_some_and(|f| f.is_finite() && f.fract() == 0.0 && f.abs() <= MAX_JSON_INTEGER_FLOAT)
}

fn type_matches(ty: &str, value: &Value) -> Option<bool> {
    Some(match ty {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "number" => value.is_number(),
        "integer" => matches!(value, Value::Number(n) if is_integer(n)),
        _ => return None,
    })
}

/// A short description of a value's JSON type, for messages.
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if is_integer(n) => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// JSON equality where numbers compare by value (`1` equals `1.0`), as Go's enum check does.
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

/// A canonical text for a value (object keys sorted), to find duplicates in sets and maps.
fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let body: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Value::String(k.clone()), canonical(&map[k])))
                .collect();
            format!("{{{}}}", body.join(","))
        }
        Value::Array(items) => {
            format!(
                "[{}]",
                items.iter().map(canonical).collect::<Vec<_>>().join(",")
            )
        }
        other => other.to_string(),
    }
}

fn shorten(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 {
        format!("{}...", text.chars().take(77).collect::<String>())
    } else {
        text
    }
}

impl<'a> Validator<'a> {
    /// A validator with no violations yet.
    pub(crate) fn new(regexes: &'a RegexCache) -> Self {
        Validator {
            regexes,
            out: Vec::new(),
        }
    }

    fn report(&mut self, path: &str, message: impl AsRef<str>) {
        self.out.push(Violation::new(path, message.as_ref()));
    }

    /// Validates `value` at `path` against `schema`.
    #[cfg(test)]
    pub(crate) fn validate(&mut self, schema: &Value, value: &Value, path: &str, mode: Mode) {
        self.node(schema, value, path, mode, false);
    }

    /// Validates a whole custom resource against its version's `openAPIV3Schema`. `metadata` is
    /// left to the caller (the API server handles it as ObjectMeta); `apiVersion` and `kind` are
    /// always allowed.
    pub(crate) fn validate_root(&mut self, schema: &Value, object: &Value) {
        self.node(schema, object, "", Mode::Structural, true);
    }

    /// Runs a value-validation branch on its own and returns its violations.
    fn branch(&self, schema: &Value, value: &Value, path: &str) -> Vec<Violation> {
        let mut sub = Validator::new(self.regexes);
        sub.node(schema, value, path, Mode::Value, false);
        sub.out
    }

    fn node(&mut self, schema: &Value, value: &Value, path: &str, mode: Mode, root: bool) {
        let Some(s) = schema.as_object() else {
            if schema == &Value::Bool(false) {
                self.report(path, "no value is allowed here (schema `false`)");
            }
            return;
        };
        for key in s.keys() {
            if !KNOWN_KEYWORDS.contains(&key.as_str()) {
                self.report(
                    path,
                    format!("schema keyword {key:?} is not supported by the conformance checker"),
                );
            }
        }
        let int_or_string = flag(s, "x-kubernetes-int-or-string");
        if value.is_null() {
            let typed = s.contains_key("type") || int_or_string;
            if !flag(s, "nullable") && (mode == Mode::Structural || typed) {
                self.report(
                    path,
                    "must not be null (the schema is not nullable): a real API server drops the field or rejects it",
                );
            }
            return;
        }
        if !self.check_type(s, value, path, int_or_string) {
            return;
        }
        if let Some(Value::Array(options)) = s.get("enum")
            && !options.iter().any(|o| json_equal(o, value))
        {
            let allowed: Vec<String> = options.iter().map(Value::to_string).collect();
            self.report(
                path,
                format!(
                    "unsupported value {}: supported values: {}",
                    shorten(value),
                    allowed.join(", ")
                ),
            );
        }
        match value {
            Value::String(text) => self.string(s, text, path),
            Value::Number(n) => self.number(s, n, path),
            Value::Array(items) => self.array(s, items, path, mode),
            Value::Object(map) => self.object(s, map, path, mode, root),
            Value::Bool(_) | Value::Null => {}
        }
        self.combinators(s, value, path);
    }

    /// Checks `type` (or int-or-string); false when the value has the wrong type.
    fn check_type(
        &mut self,
        s: &Map<String, Value>,
        value: &Value,
        path: &str,
        int_or_string: bool,
    ) -> bool {
        let types: Vec<&str> = match s.get("type") {
            None => {
                if int_or_string
                    && !matches!(value, Value::String(_))
                    && !matches!(value, Value::Number(n) if is_integer(n))
                {
                    self.report(
                        path,
                        format!("must be an integer or a string, got {}", json_type(value)),
                    );
                    return false;
                }
                return true;
            }
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            Some(other) => {
                self.report(path, format!("schema has an invalid type {other}"));
                return false;
            }
        };
        let mut any = false;
        for ty in &types {
            match type_matches(ty, value) {
                Some(true) => any = true,
                Some(false) => {}
                None => {
                    self.report(
                        path,
                        format!("schema type {ty:?} is not supported by the conformance checker"),
                    );
                    return false;
                }
            }
        }
        if !any {
            self.report(
                path,
                format!(
                    "must be of type {}, got {}",
                    types.join(" or "),
                    json_type(value)
                ),
            );
        }
        any
    }

    fn combinators(&mut self, s: &Map<String, Value>, value: &Value, path: &str) {
        if let Some(Value::Array(subs)) = s.get("allOf") {
            for sub in subs {
                self.node(sub, value, path, Mode::Value, false);
            }
        }
        if let Some(Value::Array(subs)) = s.get("anyOf") {
            let results: Vec<Vec<Violation>> = subs
                .iter()
                .map(|sub| self.branch(sub, value, path))
                .collect();
            if !results.iter().any(Vec::is_empty) {
                self.report(
                    path,
                    format!(
                        "must match at least one schema of anyOf: {}",
                        summarize(&results)
                    ),
                );
            }
        }
        if let Some(Value::Array(subs)) = s.get("oneOf") {
            let results: Vec<Vec<Violation>> = subs
                .iter()
                .map(|sub| self.branch(sub, value, path))
                .collect();
            let matched = results.iter().filter(|r| r.is_empty()).count();
            if matched != 1 {
                self.report(
                    path,
                    format!(
                        "must match exactly one schema of oneOf, matches {matched}: {}",
                        summarize(&results)
                    ),
                );
            }
        }
        if let Some(not) = s.get("not")
            && self.branch(not, value, path).is_empty()
        {
            self.report(path, "must not match the schema of `not`");
        }
    }
}

fn summarize(results: &[Vec<Violation>]) -> String {
    let parts: Vec<String> = results
        .iter()
        .map(|r| {
            r.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        })
        .filter(|s| !s.is_empty())
        .collect();
    parts.join(" | ")
}
