//! YAML text to JSON values, remembering the line of every field.
//!
//! This module owns the YAML dialect of a fleet file. It parses with `saphyr` (YAML 1.2, core
//! schema: `yes`/`no`/`on` stay strings, `v1.32` stays a string, `1.32` is a number) into its
//! span-carrying [`MarkedYaml`] nodes and converts each document into a [`serde_json::Value`]
//! plus a map from field path (`spec.workers[0].size`) to the line the field was written on.
//!
//! Accepted beyond plain mappings, lists and scalars: several documents per file (`---`; empty
//! ones are skipped), anchors and aliases (resolved by copying; fields inside an alias point at
//! the anchor's lines), core-schema tags (`!!str 3`). Rejected with a message: syntax errors,
//! duplicate keys, keys that are not strings, merge keys (`<<`), other tags, `.inf`/`.nan`
//! (JSON has no such numbers), nesting deeper than [`MAX_DEPTH`].
//!
//! A syntax error ends the file's stream: documents before it are still returned, the ones from
//! it on are lost (the scanner cannot resynchronise).
//!
//! Events are pulled from saphyr's parser one at a time and passed to its loader (the parser's
//! own driver recurses per nesting level, and deep input would overflow the stack). One
//! leniency follows: an alias may refer to an anchor of an earlier document of the same file.

use std::collections::BTreeMap;

use saphyr::{MarkedYaml, Scalar, YamlData, YamlLoader};
use saphyr_parser::{Event, Parser, ScanError, Span, SpannedEventReceiver};
use serde_json::{Map, Number, Value};

use super::path::{FieldPath, Segment};

/// Deepest nesting of mappings and lists accepted in one document. Real objects nest about ten
/// levels; the limit keeps hostile input from exhausting the stack.
pub(crate) const MAX_DEPTH: usize = 64;

/// A problem inside one document that is not a syntax error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct YamlIssue {
    /// Path of the offending key or value.
    pub(crate) path: FieldPath,
    /// 1-based line.
    pub(crate) line: usize,
    /// What is wrong.
    pub(crate) message: String,
}

/// One non-empty document of a file.
#[derive(Clone, Debug)]
pub(crate) struct YamlDocument {
    /// The document as JSON (problem values are left out, see `issues`).
    pub(crate) value: Value,
    /// Line of the document's root node (its first key for a mapping).
    pub(crate) line: usize,
    /// Line of every field path, as [`FieldPath`] prints it.
    pub(crate) fields: BTreeMap<String, usize>,
    /// Problems found while converting.
    pub(crate) issues: Vec<YamlIssue>,
}

/// A syntax error that stopped parsing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    /// 1-based line.
    pub(crate) line: usize,
    /// What the scanner said, with the column.
    pub(crate) message: String,
}

/// Everything read from one file.
#[derive(Clone, Debug, Default)]
pub(crate) struct YamlFile {
    /// The documents parsed before the end of the stream or the syntax error.
    pub(crate) documents: Vec<YamlDocument>,
    /// The syntax error, if the stream did not parse to its end.
    pub(crate) syntax_error: Option<SyntaxError>,
}

/// Parses every document of `text`.
pub(crate) fn parse(text: &str) -> YamlFile {
    let mut parser = Parser::new_from_str(text);
    let mut guard = DepthGuard {
        loader: YamlLoader::default(),
        depth: 0,
        error: None,
    };
    // Pull events one by one: `Parser::load` recurses once per nesting level.
    let mut scan_error = None;
    while let Some(next) = parser.next_event() {
        match next {
            Ok((event, span)) => guard.on_event(event, span),
            Err(error) => {
                scan_error = Some(error);
                break;
            }
        }
    }
    let loader = guard.loader;
    // The guard and the loader stop at their first error (too deep; duplicate key, alias bomb),
    // which comes before any later scanner error in the stream.
    let error = guard
        .error
        .or_else(|| loader.error().cloned())
        .or(scan_error);
    let documents = loader
        .into_documents()
        .iter()
        .filter(|root| !is_empty_document(root))
        .map(convert_document)
        .collect();
    YamlFile {
        documents,
        syntax_error: error.map(|e| syntax_error(text, &e)),
    }
}

/// Passes parser events on to saphyr's loader until the nesting gets deeper than [`MAX_DEPTH`]:
/// a deeper tree is never built (saphyr's nodes drop recursively, so a hostile file of
/// `- - - - …` would otherwise overflow the stack).
struct DepthGuard<'input> {
    loader: YamlLoader<'input, MarkedYaml<'input>>,
    depth: usize,
    error: Option<ScanError>,
}

impl<'input> SpannedEventReceiver<'input> for DepthGuard<'input> {
    fn on_event(&mut self, event: Event<'input>, span: Span) {
        if self.error.is_some() {
            return;
        }
        match event {
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    self.error = Some(ScanError::new(
                        span.start,
                        format!("nested more than {MAX_DEPTH} levels deep"),
                    ));
                    return;
                }
            }
            Event::SequenceEnd | Event::MappingEnd => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        self.loader.on_event(event, span);
    }
}

/// An empty document (only comments, or nothing between two `---`) or one that is just `null`.
fn is_empty_document(root: &MarkedYaml<'_>) -> bool {
    matches!(
        root.data,
        YamlData::BadValue | YamlData::Value(Scalar::Null)
    )
}

fn syntax_error(text: &str, error: &ScanError) -> SyntaxError {
    let marker = error.marker();
    // An error at the very end of the text is reported on its last line, not one past it.
    let line = marker.line().clamp(1, text.lines().count().max(1));
    let message = if error.info() == "duplicated key in mapping" {
        match key_at(text, line, marker.col()) {
            Some(key) => format!("duplicate key `{key}` in a mapping (a key may appear once)"),
            None => "duplicate key in a mapping (a key may appear once)".to_owned(),
        }
    } else {
        format!(
            "invalid YAML: {} (column {})",
            error.info(),
            marker.col() + 1
        )
    };
    SyntaxError { line, message }
}

/// The key written at `line`/`col` (0-based column, in characters), for messages.
fn key_at(text: &str, line: usize, col: usize) -> Option<String> {
    let source_line = text.lines().nth(line.checked_sub(1)?)?;
    let rest: String = source_line.chars().skip(col).collect();
    let key = rest.split(':').next()?.trim();
    let key = key.trim_matches(|c| c == '"' || c == '\'');
    (!key.is_empty()).then(|| key.to_owned())
}

fn convert_document(root: &MarkedYaml<'_>) -> YamlDocument {
    let mut converter = Converter::default();
    let mut path = FieldPath::root();
    let value = converter.convert(root, &mut path, 0);
    YamlDocument {
        value,
        line: root.span.start.line().max(1),
        fields: converter.fields,
        issues: converter.issues,
    }
}

#[derive(Default)]
struct Converter {
    fields: BTreeMap<String, usize>,
    issues: Vec<YamlIssue>,
}

impl Converter {
    fn issue(&mut self, path: &FieldPath, line: usize, message: impl Into<String>) {
        self.issues.push(YamlIssue {
            path: path.clone(),
            line,
            message: message.into(),
        });
    }

    fn convert(&mut self, node: &MarkedYaml<'_>, path: &mut FieldPath, depth: usize) -> Value {
        let line = node.span.start.line().max(1);
        if depth > MAX_DEPTH {
            self.issue(
                path,
                line,
                format!("nested more than {MAX_DEPTH} levels deep"),
            );
            return Value::Null;
        }
        match &node.data {
            YamlData::Value(scalar) => self.scalar(scalar, path, line),
            YamlData::Representation(text, _, _) => Value::String(text.to_string()),
            YamlData::Sequence(items) => {
                let mut list = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    path.push(Segment::Index(index));
                    self.fields
                        .insert(path.to_string(), item.span.start.line().max(1));
                    list.push(self.convert(item, path, depth + 1));
                    path.pop();
                }
                Value::Array(list)
            }
            YamlData::Mapping(entries) => {
                let mut map = Map::with_capacity(entries.len());
                for (key, value) in entries {
                    let key_line = key.span.start.line().max(1);
                    let Some(name) = self.key_name(key, path, key_line) else {
                        continue;
                    };
                    path.push(Segment::Key(name.clone()));
                    self.fields.insert(path.to_string(), key_line);
                    let converted = self.convert(value, path, depth + 1);
                    path.pop();
                    map.insert(name, converted);
                }
                Value::Object(map)
            }
            YamlData::Tagged(tag, inner) => {
                self.issue(
                    path,
                    line,
                    format!(
                        "YAML tag `{tag}` is not supported (only the core-schema tags \
                         !!str, !!int, !!float, !!bool, !!null, !!map, !!seq)"
                    ),
                );
                self.convert(inner, path, depth + 1)
            }
            YamlData::Alias(_) => {
                self.issue(path, line, "YAML alias could not be resolved");
                Value::Null
            }
            YamlData::BadValue => {
                self.issue(path, line, "value does not match its YAML tag");
                Value::Null
            }
        }
    }

    fn scalar(&mut self, scalar: &Scalar<'_>, path: &FieldPath, line: usize) -> Value {
        match scalar {
            Scalar::Null => Value::Null,
            Scalar::Boolean(b) => Value::Bool(*b),
            Scalar::Integer(i) => Value::Number(Number::from(*i)),
            Scalar::FloatingPoint(f) => match Number::from_f64(f.into_inner()) {
                Some(number) => Value::Number(number),
                None => {
                    self.issue(
                        path,
                        line,
                        format!(
                            "`{}` is not a number JSON can hold; quote it if a string was meant",
                            f.into_inner()
                        ),
                    );
                    Value::Null
                }
            },
            Scalar::String(s) => Value::String(s.to_string()),
        }
    }

    /// The key as a string, or an issue when it is not one.
    fn key_name(&mut self, key: &MarkedYaml<'_>, path: &FieldPath, line: usize) -> Option<String> {
        let found = match &key.data {
            YamlData::Value(Scalar::String(s)) if s == "<<" => {
                self.issue(
                    &path.key("<<"),
                    line,
                    "YAML merge keys (`<<`) are not supported; write the fields out",
                );
                return None;
            }
            YamlData::Value(Scalar::String(s)) => return Some(s.to_string()),
            YamlData::Representation(s, _, _) => return Some(s.to_string()),
            YamlData::Value(Scalar::Null) => "null".to_owned(),
            YamlData::Value(Scalar::Boolean(b)) => format!("boolean `{b}`"),
            YamlData::Value(Scalar::Integer(i)) => format!("integer `{i}`"),
            YamlData::Value(Scalar::FloatingPoint(f)) => format!("number `{}`", f.into_inner()),
            YamlData::Sequence(_) => "a list".to_owned(),
            YamlData::Mapping(_) => "a mapping".to_owned(),
            YamlData::Tagged(tag, _) => format!("a value tagged `{tag}`"),
            YamlData::Alias(_) | YamlData::BadValue => "an unreadable value".to_owned(),
        };
        self.issue(
            path,
            line,
            format!("mapping key is {found}, keys must be strings (quote it)"),
        );
        None
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn one(text: &str) -> YamlDocument {
        let file = parse(text);
        assert_eq!(file.syntax_error, None);
        assert_eq!(file.documents.len(), 1);
        file.documents.into_iter().next().expect("one document")
    }

    #[test]
    fn converts_with_lines() {
        let doc = one("\
# comment
a:
  b: [1, two, {c: true}]
  d:
    - x: 1.5
      y: ~
\"e.f\": v1.32
");
        assert_eq!(
            doc.value,
            json!({"a": {"b": [1, "two", {"c": true}], "d": [{"x": 1.5, "y": null}]}, "e.f": "v1.32"})
        );
        assert_eq!(doc.line, 2);
        let lines: Vec<(&str, usize)> = doc.fields.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(
            lines,
            vec![
                ("[\"e.f\"]", 7),
                ("a", 2),
                ("a.b", 3),
                ("a.b[0]", 3),
                ("a.b[1]", 3),
                ("a.b[2]", 3),
                ("a.b[2].c", 3),
                ("a.d", 4),
                ("a.d[0]", 5),
                ("a.d[0].x", 5),
                ("a.d[0].y", 6),
            ]
        );
        assert!(doc.issues.is_empty());
    }

    #[test]
    fn yaml_1_2_core_schema_scalars() {
        let doc = one(
            "a: yes\nb: no\nc: on\nd: \"3\"\ne: 3\nf: 0x10\ng: !!str 5\nh: true\ni: v1.32\nj: 1.32\nk:\n",
        );
        assert_eq!(
            doc.value,
            json!({"a": "yes", "b": "no", "c": "on", "d": "3", "e": 3, "f": 16, "g": "5", "h": true, "i": "v1.32", "j": 1.32, "k": null})
        );
    }

    #[test]
    fn multi_documents_skip_empty_ones() {
        let file = parse("---\na: 1\n---\n# only a comment\n---\n---\nb: 2\n...\n");
        assert_eq!(file.syntax_error, None);
        let values: Vec<_> = file.documents.iter().map(|d| d.value.clone()).collect();
        assert_eq!(values, vec![json!({"a": 1}), json!({"b": 2})]);
        assert_eq!(file.documents[1].line, 7);
    }

    #[test]
    fn syntax_error_keeps_earlier_documents() {
        let file = parse("a: 1\n---\nb: [1, 2\nc: 3\n");
        assert_eq!(file.documents.len(), 1);
        let error = file.syntax_error.expect("syntax error");
        assert!(error.message.starts_with("invalid YAML: "), "{error:?}");
        assert!(error.line >= 3, "{error:?}");
    }

    #[test]
    fn duplicate_key_names_the_key_and_its_line() {
        let file = parse("a:\n  b: 1\n  c: 2\n  b: 3\n");
        assert_eq!(
            file.syntax_error,
            Some(SyntaxError {
                line: 4,
                message: "duplicate key `b` in a mapping (a key may appear once)".to_owned()
            })
        );
    }

    #[test]
    fn rejects_non_string_keys_merge_keys_tags_and_infinities() {
        let doc = one("a:\n  80: http\n  <<: {x: 1}\nb: !custom 3\nc: .inf\nd: {true: 1}\n");
        let issues: Vec<(String, usize, &str)> = doc
            .issues
            .iter()
            .map(|i| (i.path.to_string(), i.line, i.message.as_str()))
            .collect();
        assert_eq!(
            issues,
            vec![
                (
                    "a".to_owned(),
                    2,
                    "mapping key is integer `80`, keys must be strings (quote it)"
                ),
                (
                    "a[\"<<\"]".to_owned(),
                    3,
                    "YAML merge keys (`<<`) are not supported; write the fields out"
                ),
                (
                    "b".to_owned(),
                    4,
                    "YAML tag `!custom` is not supported (only the core-schema tags !!str, !!int, !!float, !!bool, !!null, !!map, !!seq)"
                ),
                (
                    "c".to_owned(),
                    5,
                    "`inf` is not a number JSON can hold; quote it if a string was meant"
                ),
                (
                    "d".to_owned(),
                    6,
                    "mapping key is boolean `true`, keys must be strings (quote it)"
                ),
            ]
        );
        assert_eq!(doc.value, json!({"a": {}, "b": 3, "c": null, "d": {}}));
    }

    #[test]
    fn aliases_are_resolved() {
        let doc = one("a: &x\n  b: 1\nc: *x\n");
        assert_eq!(doc.value, json!({"a": {"b": 1}, "c": {"b": 1}}));
        assert_eq!(doc.fields.get("c.b"), Some(&2));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let flow = format!("a: 1\n---\n{}1{}", "[".repeat(200), "]".repeat(200));
        let block = format!("a: 1\n---\n{}x\n", "- ".repeat(100_000));
        let mapping: String = (0..2_000)
            .map(|i| format!("{}a:\n", " ".repeat(i)))
            .collect();
        let mapping = format!("a: 1\n---\n{mapping}");
        // The error is on the line where the 65th level opens.
        for (text, line) in [(flow, 3), (block, 3), (mapping, 67)] {
            let file = parse(&text);
            assert_eq!(file.documents.len(), 1, "the document before is kept");
            let error = file.syntax_error.expect("too deep");
            assert_eq!(error.line, line);
            assert!(
                error.message.contains("nested more than 64 levels deep"),
                "{error:?}"
            );
        }
    }

    #[test]
    fn aliases_may_nest_past_the_limit_without_harm() {
        let inner = format!("{}1{}", "[".repeat(60), "]".repeat(60));
        let text = format!("a: &x {inner}\nb: {}*x{}\n", "[".repeat(60), "]".repeat(60));
        let file = parse(&text);
        assert_eq!(file.syntax_error, None);
        let issues = &file.documents[0].issues;
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(issues[0].message, "nested more than 64 levels deep");
    }
}
