//! Round trips through an independent YAML parser (saphyr): whatever `to_yaml` writes must read
//! back as the same JSON value, and strings a YAML 1.1 reader would retype must be quoted.

use proptest::prelude::*;
use saphyr::{LoadableYamlNode, Scalar, Yaml};
use serde_json::{Map, Number, Value, json};

/// Parses one YAML document with saphyr and converts it to JSON.
fn parse(text: &str) -> Value {
    let docs = Yaml::load_from_str(text).unwrap_or_else(|e| panic!("{e}\n--- text:\n{text}"));
    assert_eq!(docs.len(), 1, "expected one document in:\n{text}");
    to_json(&docs[0])
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
                let Yaml::Value(Scalar::String(key)) = key else {
                    panic!("non-string key {key:?}");
                };
                out.insert(key.to_string(), to_json(value));
            }
            Value::Object(out)
        }
        other => panic!("unexpected node {other:?}"),
    }
}

fn assert_round_trip(value: &Value) {
    let text = drover_yaml::to_yaml(value);
    assert_eq!(
        &parse(&text),
        value,
        "round trip changed the value; text:\n{text}"
    );
}

#[test]
fn the_reference_parser_tells_types_apart() {
    // Guards the round-trip tests: they are only meaningful if the parser retypes unquoted text.
    assert_eq!(
        parse("a: 1.0\nb: true\nc: null\nd: 0x1F\ne: ~\nf: '1.0'\n"),
        json!({ "a": 1.0, "b": true, "c": null, "d": 31, "e": null, "f": "1.0" })
    );
}

const TRICKY: &[&str] = &[
    "",
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "Y",
    "N",
    "true",
    "False",
    "TRUE",
    "null",
    "Null",
    "~",
    "1.0",
    "1",
    "-1",
    "+1",
    "0x1F",
    "0o17",
    "017",
    "1e3",
    ".5",
    "1_000",
    "1:20",
    ".inf",
    "-.inf",
    ".nan",
    "nan",
    "2024-01-01",
    "2024-01-01T10:00:00Z",
    "-",
    "- x",
    ": ",
    "a: b",
    "a:b",
    "#",
    "a #b",
    "a#b",
    "*",
    "*ref",
    "&anchor",
    "!tag",
    "!!str",
    "%YAML",
    "@at",
    "`tick",
    "'",
    "\"",
    "''",
    "{a}",
    "[a]",
    "{",
    "]",
    ",",
    "a, b",
    "?",
    "? x",
    "|",
    ">",
    "---",
    "...",
    "--- x",
    "=",
    "<<",
    " leading",
    "trailing ",
    " both ",
    "\t",
    "a\tb",
    "line1\nline2",
    "line1\nline2\n",
    "\n",
    "\n\n",
    "a\n\n\n",
    "\nleading newline",
    "  indented\nnext\n",
    "a \nb  \n",
    "tail spaces \n",
    "\r\n",
    "a\rb",
    "a\u{1}b",
    "\u{7f}",
    "\u{85}",
    "a\u{2028}b",
    "\u{feff}bom",
    "\u{a0}nbsp",
    "héllo ✓ 日本 🚀",
    "v1.32.1",
    "10.243.0.0/16",
    "https://192.168.0.225:6443",
    "quay.io/capk/ubuntu-2404-container-disk:{{version}}",
    "0 0 * * *",
    "C:\\path",
    "app.kubernetes.io/managed-by",
    "drover.dev/cluster",
    "$(VAR)",
    "${VAR}",
    "%",
    "\\",
];

#[test]
fn tricky_strings_round_trip_as_values() {
    for s in TRICKY {
        assert_round_trip(&json!({ "value": s }));
        assert_round_trip(&json!([s]));
        assert_round_trip(&Value::String((*s).to_owned()));
    }
}

#[test]
fn tricky_strings_round_trip_as_keys() {
    for s in TRICKY {
        let mut map = Map::new();
        map.insert((*s).to_owned(), json!({ (*s): [s] }));
        assert_round_trip(&Value::Object(map));
    }
}

#[test]
fn yaml_1_1_lookalikes_are_quoted() {
    for s in [
        "yes",
        "no",
        "on",
        "off",
        "y",
        "n",
        "Yes",
        "NO",
        "null",
        "~",
        "1.0",
        "0x1F",
        "1:20",
        "2024-01-01",
        "",
        "*",
        "true",
        "1e3",
        "017",
    ] {
        let text = drover_yaml::to_yaml(&json!({ "k": s }));
        let rest = text.strip_prefix("k: ").unwrap_or_else(|| panic!("{text}"));
        assert!(
            rest.starts_with('"') || rest.starts_with('\''),
            "{s:?} must be quoted, got {text:?}"
        );
    }
}

#[test]
fn numbers_bools_null_and_nesting_round_trip() {
    assert_round_trip(&json!({
        "int": 3, "neg": -42, "zero": 0, "big": 9_007_199_254_740_993_i64, "min": i64::MIN,
        "float": 1.5, "whole_float": 2.0, "small": 1e-7, "large": 1.5e300, "neg_float": -0.25,
        "t": true, "f": false, "nothing": null,
        "empty_map": {}, "empty_list": [],
        "nested": { "a": { "b": { "c": [] } }, "l": [[], [[]], {}, [{}], { "x": {} }] },
        "list_of_maps": [{ "name": "md-0", "replicas": 1 }, { "name": "md-1", "labels": {} }],
        "list_of_lists": [[1, [2, [3]]], ["a", { "b": ["c"] }]],
    }));
}

#[test]
fn long_and_multi_line_strings_round_trip() {
    let long = format!("{}  double  spaces {}", "x".repeat(70), " y".repeat(60));
    let multi = format!("first\n  indented {long}\n\n\tTab\nlast  ");
    assert_round_trip(&json!({ "long": long, "multi": multi, "list": [long, multi] }));
}

#[test]
fn documents_read_back_one_by_one() {
    let docs = [
        json!({ "a": "yes" }),
        json!([1, 2]),
        json!({ "b": { "c": "---" } }),
    ];
    let text = drover_yaml::to_yaml_documents(&docs);
    let parsed: Vec<Value> = Yaml::load_from_str(&text)
        .unwrap_or_else(|e| panic!("{e}"))
        .iter()
        .map(to_json)
        .collect();
    assert_eq!(parsed, docs);
}

#[test]
fn output_is_deterministic() {
    let value = json!({ "b": [1, { "z": "yes", "a": "no" }], "a": "x" });
    assert_eq!(
        drover_yaml::to_yaml(&value),
        drover_yaml::to_yaml(&value.clone())
    );
}

fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1.0e6f64..1.0e6).prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[ -~\n\t]{0,40}".prop_map(Value::String),
        prop::sample::select(TRICKY).prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![any::<String>(), "[ -~]{0,12}".prop_map(|s| s)],
                    inner
                ),
                0..6
            )
            .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_values_round_trip(value in arb_value()) {
        let text = drover_yaml::to_yaml(&value);
        prop_assert_eq!(parse(&text), value, "text:\n{}", text);
    }
}
