//! Block-style emission of JSON values.

use serde_json::{Map, Value};

use crate::scalar::{write_block_or_quoted, write_key, write_scalar};

/// Writes `value` as a document, ending in a newline.
pub(crate) fn document(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) if !map.is_empty() => mapping(map, 0, false, out),
        Value::Array(items) if !items.is_empty() => sequence(items, 0, false, out),
        Value::String(text) if text.contains('\n') => {
            write_block_or_quoted(text, 0, out);
        }
        scalar => {
            write_scalar(scalar, out);
            out.push('\n');
        }
    }
}

fn pad(indent: usize, out: &mut String) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// Entries at `indent`; with `inline_first` the first key continues the current line (after
/// `- `), as list items holding maps are written.
fn mapping(map: &Map<String, Value>, indent: usize, inline_first: bool, out: &mut String) {
    for (index, (key, value)) in map.iter().enumerate() {
        if index > 0 || !inline_first {
            pad(indent, out);
        }
        write_key(key, out);
        out.push(':');
        after_key(value, indent, out);
    }
}

/// Items at `indent` (lists are not indented below their key, as kubectl writes them).
fn sequence(items: &[Value], indent: usize, inline_first: bool, out: &mut String) {
    for (index, item) in items.iter().enumerate() {
        if index > 0 || !inline_first {
            pad(indent, out);
        }
        out.push_str("- ");
        match item {
            Value::Object(map) if !map.is_empty() => mapping(map, indent + 2, true, out),
            Value::Array(inner) if !inner.is_empty() => sequence(inner, indent + 2, true, out),
            Value::String(text) if text.contains('\n') => {
                out.pop(); // the block header follows `-` directly: `- |`
                out.push(' ');
                write_block_or_quoted(text, indent + 2, out);
            }
            scalar => {
                write_scalar(scalar, out);
                out.push('\n');
            }
        }
    }
}

fn after_key(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            mapping(map, indent + 2, false, out);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            sequence(items, indent, false, out);
        }
        Value::String(text) if text.contains('\n') => {
            out.push(' ');
            write_block_or_quoted(text, indent + 2, out);
        }
        scalar => {
            out.push(' ');
            write_scalar(scalar, out);
            out.push('\n');
        }
    }
}
