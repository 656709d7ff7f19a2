//! Deterministic YAML emission of [`serde_json::Value`]s: the one YAML writer of drover.
//!
//! Everything drover writes as YAML (the CRDs of `drover crds`, rendered CAPI objects, the API
//! reference) is built as JSON values first and turned into text here, so the style is the same
//! everywhere:
//!
//! - block style, 2-space indentation, list items at their parent key's indentation
//!   (`- name: md-0`), as `kubectl get -o yaml` writes them;
//! - keys in the value's order (serde_json's `preserve_order` is on in this workspace), so the same
//!   value always gives byte-identical text;
//! - strings that a YAML 1.1 or 1.2 reader could take for something else (`"yes"`, `"on"`,
//!   `"null"`, `"~"`, `"1.0"`, `"0x1F"`, `""`, `"*"`, anything starting with a digit, ...) are
//!   double-quoted (YAML 1.1 matters: go-yaml v2 behind kubectl reads `on` as a boolean);
//!   multi-line strings are literal blocks (`|`); long single-line strings stay on one line (no
//!   folding, diff-friendly);
//! - empty maps and lists are `{}` and `[]`.
//!
//! The emitter walks the value directly (no serde round trip): rendering a fleet writes hundreds
//! of megabytes of YAML, and this is the hot path (see `docs/performance.md`). Its correctness
//! is pinned by round-trip tests through an independent YAML parser (`tests/roundtrip.rs`).

mod emit;
mod scalar;

use serde_json::Value;

/// One YAML document for `value`, ending in a newline, without a leading `---`.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::with_capacity(512);
    write_yaml(value, &mut out);
    out
}

/// Appends one YAML document for `value` (as [`to_yaml`]) to `out`, reusing its allocation.
pub fn write_yaml(value: &Value, out: &mut String) {
    emit::document(value, out);
}

/// A multi-document YAML stream: each value as by [`to_yaml`], separated by `---` lines.
///
/// No `---` before the first document; an empty iterator gives an empty string.
pub fn to_yaml_documents<'a>(values: impl IntoIterator<Item = &'a Value>) -> String {
    let mut out = String::new();
    for (index, value) in values.into_iter().enumerate() {
        if index > 0 {
            out.push_str("---\n");
        }
        write_yaml(value, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn block_style_with_compact_lists() {
        let value = json!({
            "apiVersion": "v1",
            "kind": "List",
            "items": [
                { "name": "md-0", "replicas": 3, "labels": { "team": "payments" } },
                { "name": "md-1", "replicas": 0, "labels": {} }
            ],
            "nested": { "list": [[1, 2], []], "empty": {} },
            "flag": true,
            "nothing": null,
            "ratio": 1.5
        });
        let expected = "\
apiVersion: v1
kind: List
items:
- name: md-0
  replicas: 3
  labels:
    team: payments
- name: md-1
  replicas: 0
  labels: {}
nested:
  list:
  - - 1
    - 2
  - []
  empty: {}
flag: true
nothing: null
ratio: 1.5
";
        assert_eq!(to_yaml(&value), expected);
    }

    #[test]
    fn keys_keep_insertion_order() {
        let value = json!({ "zeta": 1, "alpha": 2, "mid": 3 });
        assert_eq!(to_yaml(&value), "zeta: 1\nalpha: 2\nmid: 3\n");
    }

    #[test]
    fn top_level_scalars_and_empty_collections() {
        assert_eq!(to_yaml(&json!({})), "{}\n");
        assert_eq!(to_yaml(&json!([])), "[]\n");
        assert_eq!(to_yaml(&json!("plain")), "plain\n");
        assert_eq!(to_yaml(&json!("yes")), "\"yes\"\n");
        assert_eq!(to_yaml(&json!(7)), "7\n");
    }

    #[test]
    fn long_strings_are_not_folded() {
        let long = "word ".repeat(40).trim_end().to_owned();
        let text = to_yaml(&json!({ "description": long }));
        assert_eq!(text, format!("description: {long}\n"));
    }

    #[test]
    fn multi_line_strings_are_literal_blocks() {
        let text = to_yaml(&json!({ "script": "set -e\necho hi\n" }));
        assert_eq!(text, "script: |\n  set -e\n  echo hi\n");
    }

    #[test]
    fn documents_are_separated_not_prefixed() {
        let docs = [json!({ "a": 1 }), json!({ "b": 2 })];
        assert_eq!(to_yaml_documents(&docs), "a: 1\n---\nb: 2\n");
        assert_eq!(to_yaml_documents(&[] as &[Value]), "");
    }
}
