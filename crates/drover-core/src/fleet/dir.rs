//! Reading a fleet directory: which files are part of the fleet, and their text.
//!
//! Every `*.yaml` and `*.yml` file under the directory, recursively, in sorted path order so
//! loading is deterministic. Entries whose name starts with `.` (`.git`, `.github`, editor swap
//! files) are skipped. Symbolic links to files are read; links to directories are not followed
//! (no cycles). A path that cannot be read is a diagnostic, never a panic.

use std::fs;
use std::path::{Path, PathBuf};

use crate::diagnostics::{Diagnostic, Location};

/// A file's label (relative to the fleet directory) and text.
pub(crate) type FileText = (PathBuf, String);

/// Reads every fleet file under `dir` (or `dir` itself when it is a file).
pub(crate) fn read(dir: &Path) -> (Vec<FileText>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let metadata = match fs::metadata(dir) {
        Ok(metadata) => metadata,
        Err(error) => {
            diagnostics.push(Diagnostic::new(format!(
                "cannot read fleet directory `{}`: {error}",
                dir.display()
            )));
            return (Vec::new(), diagnostics);
        }
    };
    let paths = if metadata.is_file() {
        vec![dir.to_path_buf()]
    } else {
        let mut paths = Vec::new();
        walk(dir, &mut paths, &mut diagnostics);
        paths.sort();
        paths
    };
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let label = path
            .strip_prefix(dir)
            .ok()
            .filter(|relative| !relative.as_os_str().is_empty())
            .map_or_else(|| path.clone(), Path::to_path_buf);
        match fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => files.push((label, text)),
                Err(error) => {
                    let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
                    let line = 1 + valid.iter().filter(|b| **b == b'\n').count();
                    diagnostics.push(
                        Diagnostic::new("not valid UTF-8; fleet files must be UTF-8 text")
                            .at(Location { file: label, line }),
                    );
                }
            },
            Err(error) => diagnostics.push(Diagnostic::new(format!(
                "cannot read `{}`: {error}",
                label.display()
            ))),
        }
    }
    (files, diagnostics)
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.starts_with('.'))
}

fn is_yaml(path: &Path) -> bool {
    path.extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| extension == "yaml" || extension == "yml")
}

fn walk(dir: &Path, paths: &mut Vec<PathBuf>, diagnostics: &mut Vec<Diagnostic>) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            diagnostics.push(Diagnostic::new(format!(
                "cannot read directory `{}`: {error}",
                dir.display()
            )));
            return;
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                diagnostics.push(Diagnostic::new(format!(
                    "cannot read directory `{}`: {error}",
                    dir.display()
                )));
                continue;
            }
        };
        let path = entry.path();
        if is_hidden(&path) {
            continue;
        }
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_dir() {
            walk(&path, paths, diagnostics);
        } else if is_yaml(&path) && (file_type.is_file() || path.is_file()) {
            paths.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_sorted_skipping_hidden_and_other_files() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let root = dir.path();
        fs::create_dir_all(root.join("b/c"))?;
        fs::create_dir_all(root.join(".git"))?;
        fs::write(root.join("z.yaml"), "z")?;
        fs::write(root.join("a.yml"), "a")?;
        fs::write(root.join("b/c/d.yaml"), "d")?;
        fs::write(root.join("b/readme.md"), "no")?;
        fs::write(root.join(".hidden.yaml"), "no")?;
        fs::write(root.join(".git/config.yaml"), "no")?;
        fs::write(root.join("bad.yaml"), b"ok: 1\n\xff\n")?;
        let (files, diagnostics) = read(root);
        let labels: Vec<String> = files
            .iter()
            .map(|(label, _)| label.display().to_string())
            .collect();
        assert_eq!(labels, vec!["a.yml", "b/c/d.yaml", "z.yaml"]);
        let shown: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            vec!["bad.yaml:2: not valid UTF-8; fleet files must be UTF-8 text"]
        );
        Ok(())
    }

    #[test]
    fn a_missing_directory_is_a_diagnostic() {
        let (files, diagnostics) = read(Path::new("/nonexistent/fleet"));
        assert!(files.is_empty());
        assert_eq!(diagnostics.len(), 1);
        assert!(
            diagnostics[0]
                .message
                .starts_with("cannot read fleet directory `/nonexistent/fleet`: ")
        );
    }
}
