//! `examples/invalid/` through the whole offline pipeline (load, resolve, provider checks), as
//! `drover validate` runs it: each file alone prints exactly its `# expect: ` lines, the folder as
//! a whole prints the union of them, and the resolve-level mistakes each have their file.

use std::fs;
use std::path::{Path, PathBuf};

use drover_core::fleet::load_dir_partial;
use drover_core::pipeline;

/// Mistakes found after loading, each of which must have its file.
const RESOLVE_MISTAKES: &[&str] = &[
    "dangling-references.yaml",
    "overlapping-networks.yaml",
    "policy-violation.yaml",
    "two-provider-blocks.yaml",
    "undefined-size.yaml",
    "unsupported-option.yaml",
    "unknown-time-zone.yaml",
    "version-skew.yaml",
    "weaker-security.yaml",
];

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/invalid")
}

fn validate(path: &Path) -> Vec<String> {
    let (fleet, mut problems) = load_dir_partial(path);
    problems.extend(pipeline::validate(&fleet).diagnostics);
    problems.sort();
    problems.iter().map(ToString::to_string).collect()
}

fn expected(path: &Path) -> Vec<String> {
    let text = fs::read_to_string(path).expect("readable example");
    text.lines()
        .filter_map(|line| line.strip_prefix("# expect: "))
        .map(str::to_owned)
        .collect()
}

fn yaml_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(examples_dir())
        .expect("examples/invalid")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    files.sort();
    files
}

/// The "(the fleet defines: …)" hint depends on what else is loaded; compare without it.
fn without_hint(line: &str) -> String {
    match line.find(" (the fleet defines: ") {
        Some(cut) => line[..cut].to_owned(),
        None => line.to_owned(),
    }
}

#[test]
fn each_file_alone_prints_exactly_its_expected_problems() {
    for path in yaml_files() {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let wanted = expected(&path);
        assert!(!wanted.is_empty(), "{name} has no `# expect:` lines");
        let found: Vec<String> = validate(&path)
            .into_iter()
            .map(|line| line.replace(&format!("{}/", examples_dir().display()), ""))
            .collect();
        assert_eq!(found, wanted, "{name}");
    }
}

#[test]
fn the_folder_prints_every_files_problems_and_nothing_else() {
    let mut union: Vec<String> = yaml_files()
        .iter()
        .flat_map(|p| expected(p))
        .map(|l| without_hint(&l))
        .collect();
    union.sort();
    let found: Vec<String> = validate(&examples_dir())
        .iter()
        .map(|l| without_hint(l))
        .collect();
    assert_eq!(found, union);
}

#[test]
fn every_resolve_level_mistake_has_its_file() {
    for name in RESOLVE_MISTAKES {
        assert!(
            examples_dir().join(name).is_file(),
            "examples/invalid/{name} is missing"
        );
    }
}
