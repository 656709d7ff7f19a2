//! Reading a previous render (`drover render --out`): `DIR/<environment>/<cluster>/NN-kind-name.yaml`
//! with the `.drover-render` marker, back into objects per cluster.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{ClusterObjects, PlanError, RenderSet};
use crate::fleet::yaml;
use crate::output::MARKER;
use crate::render::RenderedCluster;

/// The clusters of a render, as rendered in memory.
pub fn from_rendered<'a>(clusters: impl IntoIterator<Item = &'a RenderedCluster>) -> RenderSet {
    clusters
        .into_iter()
        .map(|cluster| {
            (
                cluster.name.clone(),
                ClusterObjects {
                    environment: cluster.environment.clone(),
                    objects: cluster.objects.iter().map(|m| m.0.clone()).collect(),
                },
            )
        })
        .collect()
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PlanError + '_ {
    move |source| PlanError::Io {
        path: path.to_owned(),
        message: source.to_string(),
    }
}

fn sorted_entries(dir: &Path) -> Result<Vec<(String, PathBuf, bool)>, PlanError> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let is_dir = entry.file_type().map_err(io(&path))?.is_dir();
        entries.push((name, path, is_dir));
    }
    entries.sort();
    Ok(entries)
}

/// Reads the render folder `dir`.
///
/// # Errors
/// `dir` is not a render (no marker), a file cannot be read or parsed, a file is not one
/// Kubernetes object, or one cluster name appears under two environments.
pub fn read_render_dir(dir: &Path) -> Result<RenderSet, PlanError> {
    if !dir.join(MARKER).is_file() {
        return Err(PlanError::NotARender(dir.to_owned()));
    }
    let mut set: RenderSet = BTreeMap::new();
    for (environment, env_path, is_dir) in sorted_entries(dir)? {
        if !is_dir {
            continue;
        }
        for (cluster, cluster_path, is_dir) in sorted_entries(&env_path)? {
            if !is_dir {
                continue;
            }
            let mut objects = Vec::new();
            for (file, path, is_dir) in sorted_entries(&cluster_path)? {
                if is_dir
                    || file == "kustomization.yaml"
                    || !(file.ends_with(".yaml") || file.ends_with(".yml"))
                {
                    continue;
                }
                objects.push(read_object(&path)?);
            }
            if let Some(previous) = set.get(&cluster) {
                return Err(PlanError::DuplicateCluster {
                    cluster,
                    first: previous.environment.clone(),
                    second: environment,
                });
            }
            set.insert(
                cluster,
                ClusterObjects {
                    environment: environment.clone(),
                    objects,
                },
            );
        }
    }
    Ok(set)
}

fn read_object(path: &Path) -> Result<Value, PlanError> {
    let text = fs::read_to_string(path).map_err(io(path))?;
    let parsed = yaml::parse(&text);
    let invalid = |line: usize, message: String| PlanError::Invalid {
        path: path.to_owned(),
        line,
        message,
    };
    if let Some(error) = parsed.syntax_error {
        return Err(invalid(error.line, error.message));
    }
    let [document] = parsed.documents.as_slice() else {
        return Err(invalid(
            1,
            format!(
                "expected one object per file, found {} documents",
                parsed.documents.len()
            ),
        ));
    };
    if let Some(issue) = document.issues.first() {
        return Err(invalid(issue.line, issue.message.clone()));
    }
    let value = &document.value;
    for field in ["apiVersion", "kind"] {
        if !value[field].is_string() {
            return Err(invalid(document.line, format!("no `{field}`")));
        }
    }
    if !value["metadata"]["name"].is_string() {
        return Err(invalid(document.line, "no `metadata.name`".to_owned()));
    }
    Ok(value.clone())
}
