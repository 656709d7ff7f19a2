//! A fleet directory: every drover object found in the `*.yaml`/`*.yml` files under one folder.
//!
//! [`load_dir`] reads and parses; it reports every malformed document, unknown kind and unknown
//! field (all of them, not the first) with file, line, object and field path. Cross-object checks
//! (dangling references, policy) belong to [`crate::resolve`].
//!
//! The loader is split by concept:
//! - `dir`: which files belong to the fleet, and reading them;
//! - `yaml`: YAML text to JSON, with the line of every field;
//! - `kinds`: recognising a document by `apiVersion` and `kind`;
//! - `metadata`: names, namespaces and server-written fields;
//! - `typed`: typed deserialization reporting every type error with its path;
//! - `unknown_fields`: fields the typed objects would silently drop;
//! - `document`: the pipeline over one document; `duplicates`: objects defined twice.

mod dir;
mod document;
mod duplicates;
mod kinds;
mod metadata;
mod path;
mod source;
mod suggest;
mod typed;
mod unknown_fields;
pub(crate) mod yaml;

pub use source::Source;

use std::path::Path;

use drover_api::{Environment, Infrastructure, WorkloadCluster};
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as kube_meta;

use crate::diagnostics::{Diagnostic, Diagnostics, Location};
use document::Object;

/// An object together with where it was read from.
#[derive(Clone, Debug)]
pub struct Sourced<T> {
    /// The parsed object.
    pub object: T,
    /// Its file and the line of each field.
    pub source: Source,
}

/// All drover objects of a fleet directory, each kind sorted by (namespace, name).
#[derive(Clone, Debug, Default)]
pub struct Fleet {
    /// Infrastructures, by name.
    pub infrastructures: Vec<Sourced<Infrastructure>>,
    /// Environments, by name.
    pub environments: Vec<Sourced<Environment>>,
    /// WorkloadClusters, by namespace then name.
    pub clusters: Vec<Sourced<WorkloadCluster>>,
}

/// Loads every `*.yaml`/`*.yml` file under `dir` (recursively, sorted, skipping names that start
/// with `.`) as one fleet. File names in diagnostics and [`Source`]s are relative to `dir`. When
/// `dir` is a file, that one file is loaded.
///
/// # Errors
/// Every problem of every file, sorted by file and line: unreadable paths, YAML errors,
/// documents that are not drover objects, bad metadata, type errors, unknown fields, `status`,
/// and objects defined twice.
pub fn load_dir(dir: &Path) -> Result<Fleet, Diagnostics> {
    let (files, diagnostics) = dir::read(dir);
    load(
        files
            .iter()
            .map(|(label, text)| (label.as_path(), text.as_str())),
        diagnostics,
    )
}

/// Loads one file's text; `file_label` is the name diagnostics and [`Source`]s use for it.
///
/// # Errors
/// As [`load_dir`], for this one file.
pub fn load_str(file_label: &Path, text: &str) -> Result<Fleet, Diagnostics> {
    load([(file_label, text)], Vec::new())
}

/// Loads several files' texts, given as (label, text) in the order duplicates are judged (the
/// first definition wins, later ones are reported), as one fleet.
///
/// # Errors
/// As [`load_dir`].
pub fn load_files<'a>(
    files: impl IntoIterator<Item = (&'a Path, &'a str)>,
) -> Result<Fleet, Diagnostics> {
    load(files, Vec::new())
}

fn load<'a>(
    files: impl IntoIterator<Item = (&'a Path, &'a str)>,
    diagnostics: Vec<Diagnostic>,
) -> Result<Fleet, Diagnostics> {
    let (fleet, diagnostics) = load_partial(files, diagnostics);
    if diagnostics.is_empty() {
        Ok(fleet)
    } else {
        Err(Diagnostics(diagnostics))
    }
}

/// Loads every `*.yaml`/`*.yml` file under `dir` and returns the objects that loaded without
/// problems together with every problem found. An object with a problem of its own, or defined
/// twice, is left out (so later stages do not report consequences of a loading mistake).
/// `drover validate` uses this to report loading and policy problems in one run.
pub fn load_dir_partial(dir: &Path) -> (Fleet, Vec<Diagnostic>) {
    let (files, diagnostics) = dir::read(dir);
    load_partial(
        files
            .iter()
            .map(|(label, text)| (label.as_path(), text.as_str())),
        diagnostics,
    )
}

fn load_partial<'a>(
    files: impl IntoIterator<Item = (&'a Path, &'a str)>,
    mut diagnostics: Vec<Diagnostic>,
) -> (Fleet, Vec<Diagnostic>) {
    let mut fleet = Fleet::default();
    let mut identities = Vec::new();
    for (label, text) in files {
        let parsed = yaml::parse(text);
        if let Some(error) = parsed.syntax_error {
            diagnostics.push(Diagnostic::new(error.message).at(Location {
                file: label.to_path_buf(),
                line: error.line,
            }));
        }
        for yaml_document in parsed.documents {
            let loaded = document::load(label, yaml_document);
            let clean = loaded.diagnostics.is_empty();
            diagnostics.extend(loaded.diagnostics);
            identities.extend(loaded.identity);
            match loaded.object.filter(|_| clean) {
                Some(Object::Infrastructure(object)) => fleet.infrastructures.push(*object),
                Some(Object::Environment(object)) => fleet.environments.push(*object),
                Some(Object::WorkloadCluster(object)) => fleet.clusters.push(*object),
                None => {}
            }
        }
    }
    let duplicates = duplicates::check(&identities);
    if !duplicates.is_empty() {
        let ambiguous = duplicates::ambiguous(&identities);
        let keep = |kind: kinds::Kind, meta: &kube_meta::ObjectMeta| {
            !ambiguous.contains(&(
                kind,
                meta.namespace.clone(),
                meta.name.clone().unwrap_or_default(),
            ))
        };
        fleet
            .infrastructures
            .retain(|o| keep(kinds::Kind::Infrastructure, &o.object.metadata));
        fleet
            .environments
            .retain(|o| keep(kinds::Kind::Environment, &o.object.metadata));
        fleet
            .clusters
            .retain(|o| keep(kinds::Kind::WorkloadCluster, &o.object.metadata));
    }
    diagnostics.extend(duplicates);
    fleet
        .infrastructures
        .sort_by(|a, b| a.object.metadata.name.cmp(&b.object.metadata.name));
    fleet
        .environments
        .sort_by(|a, b| a.object.metadata.name.cmp(&b.object.metadata.name));
    fleet.clusters.sort_by(|a, b| {
        let key = |c: &Sourced<WorkloadCluster>| {
            (
                c.object.metadata.namespace.clone(),
                c.object.metadata.name.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    (fleet, Diagnostics(diagnostics).sorted().0)
}
