//! Loading the upstream CRDs and indexing their schemas by group, kind and version.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::goregex::RegexCache;
use crate::yaml;

/// Why the CRD folder could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder could not be read.
    #[error("reading {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file is not valid YAML.
    #[error("parsing {path}: {message}")]
    Yaml {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// A document is a `CustomResourceDefinition` but not a well-formed `apiextensions.k8s.io/v1` one.
    #[error("{path}: malformed CustomResourceDefinition: {message}")]
    Crd {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Two files define the same group and kind, so a lookup would be ambiguous.
    #[error("{group}/{kind} is defined twice: {first} and {second}")]
    Duplicate {
        /// API group.
        group: String,
        /// Kind.
        kind: String,
        /// The first file.
        first: PathBuf,
        /// The second file.
        second: PathBuf,
    },
    /// The folder holds no CRD at all.
    #[error("no CustomResourceDefinition found under {0}")]
    Empty(PathBuf),
}

/// Whether objects of a kind live in a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Namespaced objects.
    Namespaced,
    /// Cluster-scoped objects.
    Cluster,
}

/// One version of a CRD.
#[derive(Debug, Clone)]
pub struct CrdVersion {
    /// The version name, e.g. `v1beta2`.
    pub name: String,
    /// Whether the API server serves this version.
    pub served: bool,
    /// Whether this is the storage version.
    pub storage: bool,
    /// Whether the `status` subresource is enabled (then `status` in a create or update is ignored).
    pub status_subresource: bool,
    /// `subresources.scale.specReplicasPath` (e.g. `.spec.replicas`), if the scale subresource
    /// is enabled.
    pub spec_replicas_path: Option<String>,
    /// `schema.openAPIV3Schema` of this version.
    pub schema: Value,
}

/// One CustomResourceDefinition.
#[derive(Debug, Clone)]
pub struct Crd {
    /// API group, e.g. `cluster.x-k8s.io`.
    pub group: String,
    /// Kind, e.g. `Cluster`.
    pub kind: String,
    /// Namespaced or cluster-scoped.
    pub scope: Scope,
    /// The versions, in file order.
    pub versions: Vec<CrdVersion>,
    /// The file it was loaded from.
    pub file: PathBuf,
}

impl Crd {
    /// The version called `name`, served or not.
    pub fn version(&self, name: &str) -> Option<&CrdVersion> {
        self.versions.iter().find(|v| v.name == name)
    }
}

/// Every CRD found in the upstream CRD folder, indexed by group and kind.
#[derive(Debug, Default)]
pub struct Catalog {
    crds: HashMap<(String, String), Crd>,
    pub(crate) regexes: RegexCache,
}

impl Catalog {
    /// Parses every `*.yaml`/`*.yml` file under `dir` (recursively) and indexes the
    /// `CustomResourceDefinition` documents in them. Other documents are ignored.
    pub fn load(dir: &Path) -> Result<Catalog, Error> {
        let mut files = Vec::new();
        collect_yaml_files(dir, &mut files)?;
        files.sort();
        let parsed = parse_files_in_parallel(&files)?;
        let mut catalog = Catalog::default();
        for (path, docs) in parsed {
            for doc in docs {
                if doc.get("kind").and_then(Value::as_str) != Some("CustomResourceDefinition") {
                    continue;
                }
                let crd = crd_from_document(&path, doc)?;
                catalog.insert(crd)?;
            }
        }
        if catalog.crds.is_empty() {
            return Err(Error::Empty(dir.to_path_buf()));
        }
        Ok(catalog)
    }

    pub(crate) fn insert(&mut self, crd: Crd) -> Result<(), Error> {
        let key = (crd.group.clone(), crd.kind.clone());
        if let Some(first) = self.crds.get(&key) {
            return Err(Error::Duplicate {
                group: crd.group,
                kind: crd.kind,
                first: first.file.clone(),
                second: crd.file,
            });
        }
        self.crds.insert(key, crd);
        Ok(())
    }

    /// The CRD of `group` + `kind`, if any.
    pub fn crd(&self, group: &str, kind: &str) -> Option<&Crd> {
        self.crds.get(&(group.to_owned(), kind.to_owned()))
    }

    /// The `openAPIV3Schema` of `group`/`kind` at `version`, served or not.
    pub fn schema(&self, group: &str, kind: &str, version: &str) -> Option<&Value> {
        self.crd(group, kind)?.version(version).map(|v| &v.schema)
    }

    /// All CRDs, in no particular order.
    pub fn crds(&self) -> impl Iterator<Item = &Crd> {
        self.crds.values()
    }

    /// Number of CRDs loaded.
    pub fn len(&self) -> usize {
        self.crds.len()
    }

    /// Whether no CRD is loaded.
    pub fn is_empty(&self) -> bool {
        self.crds.is_empty()
    }

    /// The CEL rules (`x-kubernetes-validations`) of `group`/`kind` at `version`, which this
    /// checker does not evaluate. Each entry reads `<schema path>: <rule>`, where the schema path
    /// is `.` for the root, e.g. `spec.topology: has(self.classRef)`; `[*]` stands for any array
    /// item and `[*key*]` for any map value.
    pub fn cel_rules(&self, group: &str, kind: &str, version: &str) -> Vec<String> {
        let mut rules = Vec::new();
        if let Some(schema) = self.schema(group, kind, version) {
            collect_cel_rules(schema, "", &mut rules);
        }
        rules
    }
}

fn collect_cel_rules(schema: &Value, path: &str, out: &mut Vec<String>) {
    let Some(obj) = schema.as_object() else {
        return;
    };
    if let Some(Value::Array(validations)) = obj.get("x-kubernetes-validations") {
        for validation in validations {
            if let Some(rule) = validation.get("rule").and_then(Value::as_str) {
                let shown = if path.is_empty() { "." } else { path };
                out.push(format!("{shown}: {rule}"));
            }
        }
    }
    if let Some(Value::Object(props)) = obj.get("properties") {
        for (name, sub) in props {
            let child = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            collect_cel_rules(sub, &child, out);
        }
    }
    if let Some(items) = obj.get("items") {
        collect_cel_rules(items, &format!("{path}[*]"), out);
    }
    if let Some(additional) = obj.get("additionalProperties") {
        collect_cel_rules(additional, &format!("{path}[*key*]"), out);
    }
    for combinator in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(subs)) = obj.get(combinator) {
            for sub in subs {
                collect_cel_rules(sub, path, out);
            }
        }
    }
    if let Some(not) = obj.get("not") {
        collect_cel_rules(not, path, out);
    }
}

fn collect_yaml_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let io = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let path = entry.path();
        let file_type = entry.file_type().map_err(io)?;
        if file_type.is_dir() {
            collect_yaml_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
    Ok(())
}

type Parsed = Vec<(PathBuf, Vec<Value>)>;

/// Parses the files on a few threads: the folder holds megabytes of YAML and tests load it.
fn parse_files_in_parallel(files: &[PathBuf]) -> Result<Parsed, Error> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4);
    let chunk = files.len().div_ceil(threads).max(1);
    let results: Vec<Result<Parsed, Error>> = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(|p| parse_file(p)).collect()))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(Error::Yaml {
                        path: PathBuf::new(),
                        message: "parser panicked".into(),
                    })
                })
            })
            .collect()
    });
    let mut all = Vec::with_capacity(files.len());
    for part in results {
        all.extend(part?);
    }
    Ok(all)
}

fn parse_file(path: &Path) -> Result<(PathBuf, Vec<Value>), Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let docs = yaml::parse_documents(&text).map_err(|message| Error::Yaml {
        path: path.to_path_buf(),
        message,
    })?;
    Ok((
        path.to_path_buf(),
        docs.into_iter().filter(|d| !d.is_null()).collect(),
    ))
}

fn crd_from_document(path: &Path, mut doc: Value) -> Result<Crd, Error> {
    let bad = |message: &str| Error::Crd {
        path: path.to_path_buf(),
        message: message.to_owned(),
    };
    if doc.get("apiVersion").and_then(Value::as_str) != Some("apiextensions.k8s.io/v1") {
        return Err(bad("apiVersion is not apiextensions.k8s.io/v1"));
    }
    let spec = doc
        .get_mut("spec")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| bad("no spec"))?;
    let group = spec
        .get("group")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("no spec.group"))?;
    let group = group.to_owned();
    let kind = spec
        .get("names")
        .and_then(|n| n.get("kind"))
        .and_then(Value::as_str)
        .ok_or_else(|| bad("no spec.names.kind"))?
        .to_owned();
    let scope = match spec.get("scope").and_then(Value::as_str) {
        Some("Namespaced") => Scope::Namespaced,
        Some("Cluster") => Scope::Cluster,
        _ => return Err(bad("spec.scope is neither Namespaced nor Cluster")),
    };
    let Some(Value::Array(raw_versions)) = spec.get_mut("versions") else {
        return Err(bad("no spec.versions"));
    };
    let mut versions = Vec::with_capacity(raw_versions.len());
    for raw in raw_versions.iter_mut() {
        let name = raw
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("version without name"))?;
        let name = name.to_owned();
        let flag = |key: &str| raw.get(key).and_then(Value::as_bool);
        let served = flag("served").ok_or_else(|| bad("version without served"))?;
        let storage = flag("storage").ok_or_else(|| bad("version without storage"))?;
        let subresources = raw.get("subresources");
        let status_subresource = subresources
            .and_then(|s| s.get("status"))
            .is_some_and(|s| !s.is_null());
        let spec_replicas_path = subresources
            .and_then(|s| s.get("scale"))
            .and_then(|s| s.get("specReplicasPath"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let schema = raw
            .get_mut("schema")
            .and_then(|s| s.get_mut("openAPIV3Schema"))
            .map(Value::take)
            .filter(Value::is_object)
            .ok_or_else(|| bad("version without schema.openAPIV3Schema"))?;
        versions.push(CrdVersion {
            name,
            served,
            storage,
            status_subresource,
            spec_replicas_path,
            schema,
        });
    }
    Ok(Crd {
        group,
        kind,
        scope,
        versions,
        file: path.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `pattern` of every upstream schema compiles, so no object can fail on the checker's
    /// own limits (and the checker's keyword list covers every keyword used).
    #[test]
    fn every_upstream_pattern_compiles_and_keyword_is_known() {
        let Some(catalog) = crate::catalog_or_skip() else {
            return;
        };
        let mut problems = Vec::new();
        for crd in catalog.crds() {
            for version in &crd.versions {
                let mut validator = crate::openapi::Validator::new(&catalog.regexes);
                visit(&version.schema, &mut |schema| {
                    if let Some(pattern) = schema.get("pattern").and_then(Value::as_str)
                        && let Err(e) = catalog.regexes.get(pattern)
                    {
                        problems.push(format!("{}/{}: {pattern}: {e}", crd.kind, version.name));
                    }
                    // Unknown keywords are reported even for a value of another type.
                    validator.validate(schema, &Value::Bool(true), "", crate::openapi::Mode::Value);
                });
                problems.extend(
                    validator
                        .out
                        .iter()
                        .filter(|v| v.message.contains("not supported"))
                        .map(|v| format!("{}/{}: {v}", crd.kind, version.name)),
                );
            }
        }
        assert!(problems.is_empty(), "{problems:#?}");
        assert!(catalog.len() >= 100, "only {} CRDs loaded", catalog.len());
    }

    /// Every `default` in the upstream schemas passes its own schema (the API server requires
    /// it of a CRD): a cheap guard against false failures of the checker.
    #[test]
    fn every_upstream_default_passes_its_own_schema() {
        let Some(catalog) = crate::catalog_or_skip() else {
            return;
        };
        let mut problems = Vec::new();
        for crd in catalog.crds() {
            for version in &crd.versions {
                visit_structural(&version.schema, "", &mut |schema, path| {
                    let Some(default) = schema.get("default") else {
                        return;
                    };
                    let mut validator = crate::openapi::Validator::new(&catalog.regexes);
                    validator.validate(schema, default, path, crate::openapi::Mode::Structural);
                    problems.extend(
                        validator
                            .out
                            .iter()
                            .map(|v| format!("{}/{}: {v}", crd.kind, version.name)),
                    );
                });
            }
        }
        assert!(problems.is_empty(), "{problems:#?}");
    }

    fn visit_structural(schema: &Value, path: &str, f: &mut dyn FnMut(&Value, &str)) {
        f(schema, path);
        let Some(obj) = schema.as_object() else {
            return;
        };
        if let Some(Value::Object(props)) = obj.get("properties") {
            for (name, prop) in props {
                visit_structural(prop, &crate::path::child(path, name), f);
            }
        }
        if let Some(items) = obj.get("items") {
            visit_structural(items, &format!("{path}[*]"), f);
        }
        if let Some(additional) = obj.get("additionalProperties").filter(|a| a.is_object()) {
            visit_structural(additional, &format!("{path}[*key*]"), f);
        }
    }

    fn visit(schema: &Value, f: &mut dyn FnMut(&Value)) {
        f(schema);
        let Some(obj) = schema.as_object() else {
            return;
        };
        for key in ["items", "additionalProperties", "not"] {
            if let Some(sub) = obj.get(key).filter(|s| s.is_object()) {
                visit(sub, f);
            }
        }
        if let Some(Value::Object(props)) = obj.get("properties") {
            props.values().for_each(|p| visit(p, f));
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(Value::Array(subs)) = obj.get(key) {
                subs.iter().for_each(|s| visit(s, f));
            }
        }
    }
}
