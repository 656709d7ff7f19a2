//! Array and object keywords: item and property counts, list types, `required`, properties and
//! pruning, embedded resources.

use serde_json::{Map, Value};

use super::{Mode, Validator, canonical, count_of, flag};
use crate::Violation;
use crate::metadata::{self, MetaRules, NameRule};
use crate::path::{child, entry, index};

impl Validator<'_> {
    pub(super) fn array(
        &mut self,
        s: &Map<String, Value>,
        items: &[Value],
        path: &str,
        mode: Mode,
    ) {
        if let Some(min) = count_of(s, "minItems")
            && items.len() < min
        {
            self.report(
                path,
                format!("must have at least {min} items, has {}", items.len()),
            );
        }
        if let Some(max) = count_of(s, "maxItems")
            && items.len() > max
        {
            self.report(
                path,
                format!("must have at most {max} items, has {}", items.len()),
            );
        }
        if flag(s, "uniqueItems") {
            self.duplicates(
                items.iter().map(canonical).collect(),
                path,
                "duplicate item (uniqueItems)",
            );
        }
        if mode == Mode::Structural {
            match s.get("x-kubernetes-list-type").and_then(Value::as_str) {
                Some("set") => {
                    self.duplicates(
                        items.iter().map(canonical).collect(),
                        path,
                        "duplicate value in a list of type set",
                    );
                }
                Some("map") => self.list_map(s, items, path),
                _ => {}
            }
        }
        if let Some(item_schema) = s.get("items") {
            for (i, item) in items.iter().enumerate() {
                self.node(item_schema, item, &index(path, i), mode, false);
            }
        }
    }

    /// Reports every item whose key was seen before.
    fn duplicates(&mut self, keys: Vec<String>, path: &str, message: &str) {
        let mut seen = std::collections::HashSet::new();
        for (i, key) in keys.into_iter().enumerate() {
            if !seen.insert(key.clone()) {
                self.report(&index(path, i), format!("{message}: {key}"));
            }
        }
    }

    /// `x-kubernetes-list-type: map`: items are objects, unique by their map keys (a missing key
    /// takes the key property's default, as the API server defaults before validating).
    fn list_map(&mut self, s: &Map<String, Value>, items: &[Value], path: &str) {
        let keys: Vec<&str> = s
            .get("x-kubernetes-list-map-keys")
            .and_then(Value::as_array)
            .map(|ks| ks.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let key_props = s.get("items").and_then(|i| i.get("properties"));
        let mut tuples = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let tuple: Map<String, Value> = match item {
                Value::Null => Map::new(),
                Value::Object(obj) => keys
                    .iter()
                    .filter_map(|k| {
                        let value = obj.get(*k).or_else(|| {
                            key_props
                                .and_then(|p| p.get(*k))
                                .and_then(|p| p.get("default"))
                        })?;
                        Some(((*k).to_owned(), value.clone()))
                    })
                    .collect(),
                _ => {
                    self.report(&index(path, i), "must be an object in a list of type map");
                    return;
                }
            };
            tuples.push(canonical(&Value::Object(tuple)));
        }
        self.duplicates(tuples, path, "duplicate entry in a list of type map, keys");
    }

    pub(super) fn object(
        &mut self,
        s: &Map<String, Value>,
        map: &Map<String, Value>,
        path: &str,
        mode: Mode,
        root: bool,
    ) {
        if let Some(min) = count_of(s, "minProperties")
            && map.len() < min
        {
            self.report(
                path,
                format!("must have at least {min} properties, has {}", map.len()),
            );
        }
        if let Some(max) = count_of(s, "maxProperties")
            && map.len() > max
        {
            self.report(
                path,
                format!("must have at most {max} properties, has {}", map.len()),
            );
        }
        let properties = s.get("properties").and_then(Value::as_object);
        if let Some(Value::Array(required)) = s.get("required") {
            for name in required.iter().filter_map(Value::as_str) {
                let defaulted = mode == Mode::Structural
                    && properties
                        .and_then(|p| p.get(name))
                        .is_some_and(|p| p.get("default").is_some());
                if !map.contains_key(name) && !defaulted {
                    self.report(&child(path, name), "required field is missing");
                }
            }
        }
        let embedded =
            mode == Mode::Structural && (root || flag(s, "x-kubernetes-embedded-resource"));
        let preserve = flag(s, "x-kubernetes-preserve-unknown-fields");
        let additional = s.get("additionalProperties");
        for (key, value) in map {
            let at = child(path, key);
            if root && key == "metadata" {
                // ObjectMeta: checked by the caller; only name/generateName restrictions apply.
                if let Some(meta_schema) = properties.and_then(|p| p.get("metadata")) {
                    self.node(meta_schema, value, &at, Mode::Value, false);
                }
                continue;
            }
            if let Some(prop) = properties.and_then(|p| p.get(key)) {
                self.node(prop, value, &at, mode, false);
                continue;
            }
            if embedded && matches!(key.as_str(), "apiVersion" | "kind" | "metadata") {
                continue;
            }
            match additional {
                Some(Value::Bool(true)) => {}
                Some(Value::Bool(false)) => {
                    self.report(&at, "unknown field (additionalProperties is false)")
                }
                Some(schema @ Value::Object(_)) => {
                    self.node(schema, value, &entry(path, key), mode, false)
                }
                _ if mode == Mode::Structural && !preserve => {
                    self.out.push(Violation::unknown_field(&at))
                }
                _ => {}
            }
        }
        if embedded && !root {
            self.embedded_resource(map, path);
        }
    }

    /// `x-kubernetes-embedded-resource`: apiVersion and kind required, metadata is ObjectMeta.
    fn embedded_resource(&mut self, map: &Map<String, Value>, path: &str) {
        check_type_meta(map, path, &mut self.out);
        if let Some(meta) = map.get("metadata") {
            let namespaced = meta
                .get("namespace")
                .and_then(Value::as_str)
                .is_some_and(|ns| !ns.is_empty());
            let rules = MetaRules {
                name_rule: NameRule::PathSegment,
                namespaced: Some(namespaced),
                top_level: false,
            };
            metadata::check(Some(meta), &child(path, "metadata"), rules, &mut self.out);
        }
    }
}

/// `apiVersion` and `kind` of a top-level or embedded object, as the API server checks them.
pub(crate) fn check_type_meta(map: &Map<String, Value>, path: &str, out: &mut Vec<Violation>) {
    match map.get("apiVersion") {
        None => out.push(Violation::new(
            &child(path, "apiVersion"),
            "required field is missing",
        )),
        Some(Value::String(v)) if v.is_empty() => {
            out.push(Violation::new(
                &child(path, "apiVersion"),
                "must not be empty",
            ));
        }
        Some(Value::String(v)) if v.matches('/').count() > 1 => {
            out.push(Violation::new(
                &child(path, "apiVersion"),
                &format!("{v:?} is not group/version"),
            ));
        }
        Some(Value::String(_)) => {}
        Some(_) => out.push(Violation::new(
            &child(path, "apiVersion"),
            "must be a string",
        )),
    }
    match map.get("kind") {
        None => out.push(Violation::new(
            &child(path, "kind"),
            "required field is missing",
        )),
        Some(Value::String(k)) if k.is_empty() => {
            out.push(Violation::new(&child(path, "kind"), "must not be empty"))
        }
        Some(Value::String(k)) => {
            let lower = k.to_lowercase();
            let dns1035 =
                metadata::is_dns1123_label(&lower) && lower.as_bytes()[0].is_ascii_lowercase();
            if !dns1035 {
                out.push(Violation::new(
                    &child(path, "kind"),
                    &format!("{k:?} may have mixed case, but should otherwise be a DNS-1035 label"),
                ));
            }
        }
        Some(_) => out.push(Violation::new(&child(path, "kind"), "must be a string")),
    }
}
