//! Unit tests of the validator on hand-written schemas.

use super::*;
use crate::goregex::RegexCache;
use serde_json::json;

fn run(schema: Value, value: Value) -> Vec<String> {
    let cache = RegexCache::default();
    let mut v = Validator::new(&cache);
    v.validate(&schema, &value, "spec", Mode::Structural);
    v.out.into_iter().map(|v| v.to_string()).collect()
}

#[test]
fn types_and_nulls() {
    let schema = json!({"type": "object", "properties": {
        "i": {"type": "integer", "format": "int32"}, "s": {"type": "string"},
        "n": {"type": "string", "nullable": true}, "b": {"type": "boolean"}}});
    assert!(
        run(
            schema.clone(),
            json!({"i": 3, "s": "x", "n": null, "b": true})
        )
        .is_empty()
    );
    assert!(
        run(schema.clone(), json!({"i": 3.0})).is_empty(),
        "integral float is an integer"
    );
    assert_eq!(
        run(schema.clone(), json!({"i": 1.5})),
        ["spec.i: must be of type integer, got number"]
    );
    assert_eq!(
        run(schema.clone(), json!({"i": 3_000_000_000_i64})),
        ["spec.i: 3000000000 is out of the int32 range"]
    );
    assert_eq!(
        run(schema.clone(), json!({"s": 1})),
        ["spec.s: must be of type string, got integer"]
    );
    assert_eq!(run(schema, json!({"s": null})).len(), 1);
}

#[test]
fn int_or_string_and_preserve() {
    let schema = json!({"type": "object", "properties": {
        "port": {"anyOf": [{"type": "integer"}, {"type": "string"}], "x-kubernetes-int-or-string": true},
        "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
        "any": {"x-kubernetes-preserve-unknown-fields": true}}});
    assert!(
        run(
            schema.clone(),
            json!({"port": 80, "free": {"a": {"b": 1}}, "any": [1, "x"]})
        )
        .is_empty()
    );
    assert!(run(schema.clone(), json!({"port": "http"})).is_empty());
    assert_eq!(
        run(schema, json!({"port": true})),
        ["spec.port: must be an integer or a string, got boolean"]
    );
}

#[test]
fn unknown_fields_maps_and_required() {
    let schema = json!({"type": "object", "required": ["a", "d"], "properties": {
        "a": {"type": "string"}, "d": {"type": "string", "default": "x"},
        "m": {"type": "object", "additionalProperties": {"type": "integer"}}}});
    assert_eq!(
        run(schema, json!({"b": 1, "m": {"k": "v"}})),
        [
            "spec.a: required field is missing",
            "spec.b: unknown field (a real API server would prune it)",
            "spec.m[k]: must be of type integer, got string",
        ]
    );
}

#[test]
fn lists() {
    let schema = json!({"type": "object", "properties": {
        "set": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
        "map": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                "items": {"type": "object", "properties": {"name": {"type": "string"}, "v": {"type": "integer"}}}},
        "few": {"type": "array", "maxItems": 1, "minItems": 1, "items": {"type": "integer"}}}});
    let out = run(
        schema,
        json!({"set": ["a", "b", "a"], "map": [{"name": "x", "v": 1}, {"name": "x", "v": 2}], "few": []}),
    );
    assert_eq!(
        out,
        [
            "spec.set[2]: duplicate value in a list of type set: \"a\"",
            "spec.map[1]: duplicate entry in a list of type map, keys: {\"name\":\"x\"}",
            "spec.few: must have at least 1 items, has 0",
        ]
    );
}

#[test]
fn value_validations() {
    let schema = json!({"type": "object", "properties": {
        "e": {"type": "string", "enum": ["A", "B"]},
        "p": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 3},
        "n": {"type": "integer", "minimum": 1, "maximum": 10, "multipleOf": 2},
        "both": {"type": "string", "allOf": [{"enum": ["x", "y"]}, {"enum": ["y"]}]},
        "one": {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
                "oneOf": [{"required": ["a"]}, {"required": ["b"]}]}}});
    assert!(
        run(
            schema.clone(),
            json!({"e": "A", "p": "abc", "n": 4, "both": "y", "one": {"a": "1"}})
        )
        .is_empty()
    );
    let out = run(
        schema,
        json!({"e": "C", "p": "abcD", "n": 11, "both": "x", "one": {"a": "1", "b": "2"}}),
    );
    assert_eq!(out.len(), 7, "{out:#?}");
}

#[test]
fn unsupported_keyword_fails_closed() {
    let out = run(json!({"type": "object", "$ref": "#/x"}), json!({}));
    assert_eq!(
        out,
        ["spec: schema keyword \"$ref\" is not supported by the conformance checker"]
    );
}

#[test]
fn embedded_resource() {
    let schema = json!({"type": "object", "properties": {"obj": {"type": "object",
        "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true}}});
    assert!(run(schema.clone(), json!({"obj": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {}}})).is_empty());
    let out = run(
        schema,
        json!({"obj": {"metadata": {"labels": {"a": "b c"}, "bogus": 1}}}),
    );
    assert_eq!(out.len(), 4, "{out:#?}");
}
