//! Backstage's own JSON Schemas (catalog-model 1.10.1, scaffolder-common 2.3.0), read from
//! `../shared/schemas/backstage` beside the checkout and registered by their `$id`s, which
//! refer to each other (`Entity`, `EntityMeta`, `common#relation`, ...).

use std::collections::BTreeMap;
use std::path::PathBuf;

use jsonschema::{Registry, Validator};
use serde_json::Value;

/// Base the relative `$id`s resolve against (any absolute URI serves; nothing is fetched).
const BASE: &str = "https://backstage.invalid/schema/";

/// A validator per entity kind (`Resource`, `Template`, ...).
pub struct Schemas {
    by_kind: BTreeMap<String, Validator>,
}

fn folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/schemas/backstage")
}

/// The schemas, or `None` (saying SKIPPED) when the folder is absent.
pub fn load_or_skip() -> Option<Schemas> {
    let dir = folder();
    if !dir.is_dir() {
        eprintln!(
            "SKIPPED: Backstage schemas not found at {} (Backstage conformance not checked)",
            dir.display()
        );
        return None;
    }
    let mut documents = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("readable schema folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).expect("readable schema");
            let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
            documents.push((path, schema));
        }
    }
    let resources: Vec<(String, jsonschema::Resource)> = documents
        .iter()
        .map(|(_, schema)| {
            let id = schema["$id"].as_str().expect("every schema has an $id");
            (
                format!("{BASE}{id}"),
                jsonschema::Resource::from_contents(schema.clone()),
            )
        })
        .collect();
    let registry = Registry::new()
        .extend(resources)
        .expect("schema URIs")
        .prepare()
        .expect("schemas index");
    let mut by_kind = BTreeMap::new();
    for (path, schema) in &documents {
        let file = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        // `Resource.v1alpha1.schema.json` → Resource; the shared ones have no version.
        let Some((kind, _)) = file.split_once(".v1") else {
            continue;
        };
        let id = schema["$id"].as_str().expect("$id");
        let validator = jsonschema::draft7::options()
            .with_registry(&registry)
            .with_base_uri(format!("{BASE}{id}"))
            .build(schema)
            .unwrap_or_else(|e| panic!("{file} compiles: {e}"));
        by_kind.insert(kind.to_owned(), validator);
    }
    assert!(
        by_kind.contains_key("Resource") && by_kind.contains_key("Template"),
        "expected Resource and Template schemas in {}",
        dir.display()
    );
    Some(Schemas { by_kind })
}

impl Schemas {
    /// Every violation of `entity` against its kind's schema.
    pub fn violations(&self, entity: &Value) -> Vec<String> {
        let kind = entity["kind"].as_str().unwrap_or_default();
        let Some(validator) = self.by_kind.get(kind) else {
            return vec![format!("no Backstage schema for kind `{kind}`")];
        };
        validator
            .iter_errors(entity)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect()
    }
}
