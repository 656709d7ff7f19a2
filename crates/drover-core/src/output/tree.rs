//! Atomic writing of a render tree: everything goes to a fresh sibling folder first, which
//! replaces the output folder only once complete. An error leaves the old output untouched.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::render::RenderedCluster;

/// Marks a folder as drover's render output, so drover only ever replaces its own folders.
pub const MARKER: &str = ".drover-render";

/// A problem writing the output tree.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The output folder exists, is not empty and was not written by drover.
    #[error(
        "{0} exists and was not written by `drover render` (no {MARKER} file); refusing to replace it"
    )]
    NotOurs(PathBuf),
    /// A file system operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// On which path.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
}

fn io_error<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(io::Error) -> OutputError + 'a {
    move |source| OutputError::Io {
        action,
        path: path.to_owned(),
        source,
    }
}

/// Writes clusters one by one into a staging folder, then swaps it into place.
pub struct TreeWriter {
    target: PathBuf,
    staging: PathBuf,
    finished: bool,
}

impl TreeWriter {
    /// Starts a render into `target`. Fails before writing anything if `target` exists and is
    /// neither empty nor an earlier render.
    pub fn create(target: &Path) -> Result<Self, OutputError> {
        if target.exists() && !is_replaceable(target)? {
            return Err(OutputError::NotOurs(target.to_owned()));
        }
        let file_name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".to_owned());
        let staging = target.with_file_name(format!(
            ".{file_name}.drover-staging-{}",
            std::process::id()
        ));
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(io_error("removing stale", &staging))?;
        }
        fs::create_dir_all(&staging).map_err(io_error("creating", &staging))?;
        fs::write(
            staging.join(MARKER),
            "rendered by drover; this folder is replaced on every render\n",
        )
        .map_err(io_error("writing", &staging))?;
        Ok(Self {
            target: target.to_owned(),
            staging,
            finished: false,
        })
    }

    /// Writes one cluster's folder `<environment>/<cluster>/`.
    pub fn write_cluster(&mut self, cluster: &RenderedCluster) -> Result<(), OutputError> {
        let folder = self.staging.join(&cluster.environment).join(&cluster.name);
        fs::create_dir_all(&folder).map_err(io_error("creating", &folder))?;
        for (name, content) in super::cluster_files(cluster) {
            let path = folder.join(name);
            fs::write(&path, content).map_err(io_error("writing", &path))?;
        }
        Ok(())
    }

    /// Writes one file at `relative` (a path below the target, folders created as needed).
    pub fn write_file(&mut self, relative: &Path, content: &str) -> Result<(), OutputError> {
        let path = self.staging.join(relative);
        if let Some(folder) = path.parent() {
            fs::create_dir_all(folder).map_err(io_error("creating", folder))?;
        }
        fs::write(&path, content).map_err(io_error("writing", &path))
    }

    /// Writes files directly into the output folder (a folder of plain objects rather than of
    /// clusters; see [`super::object_files`]).
    pub fn write_files(&mut self, files: &[(String, String)]) -> Result<(), OutputError> {
        for (name, content) in files {
            let path = self.staging.join(name);
            fs::write(&path, content).map_err(io_error("writing", &path))?;
        }
        Ok(())
    }

    /// Replaces the target with the staged tree.
    pub fn finish(mut self) -> Result<(), OutputError> {
        let retired = self.staging.with_extension("old");
        if self.target.exists() {
            fs::rename(&self.target, &retired).map_err(io_error("moving aside", &self.target))?;
        }
        fs::rename(&self.staging, &self.target)
            .map_err(io_error("moving into place", &self.target))?;
        self.finished = true;
        if retired.exists() {
            fs::remove_dir_all(&retired).map_err(io_error("removing", &retired))?;
        }
        Ok(())
    }
}

impl Drop for TreeWriter {
    fn drop(&mut self) {
        // An unfinished render leaves nothing behind; the old output stays as it was.
        if !self.finished {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

fn is_replaceable(target: &Path) -> Result<bool, OutputError> {
    if !target.is_dir() {
        return Ok(false);
    }
    if target.join(MARKER).is_file() {
        return Ok(true);
    }
    let mut entries = fs::read_dir(target).map_err(io_error("reading", target))?;
    Ok(entries.next().is_none())
}
