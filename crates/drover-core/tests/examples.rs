//! `examples/invalid/`: one self-contained file per kind of mistake, each stating at its top, in
//! `# expect: ` lines, exactly the diagnostics drover prints for it (file, line, object, field,
//! message). This test holds every file the loader rejects to its `# expect:` lines, and requires
//! that each of the loader's mistakes has its file.
//!
//! Files for mistakes found after loading (dangling references, policy) load cleanly here and
//! are checked by the tests of the stage that finds them.

use std::fs;
use std::path::{Path, PathBuf};

use drover_core::Diagnostics;
use drover_core::fleet::load_str;

/// The loader-level mistakes, each of which must have its file.
const LOADER_MISTAKES: &[&str] = &[
    "cluster-name-reused.yaml",
    "duplicate-key.yaml",
    "duplicate-object.yaml",
    "invalid-name.yaml",
    "malformed-yaml.yaml",
    "merge-key.yaml",
    "missing-namespace.yaml",
    "missing-required-field.yaml",
    "namespaced-environment.yaml",
    "not-a-drover-object.yaml",
    "server-written-metadata.yaml",
    "status-in-fleet.yaml",
    "unknown-enum-value.yaml",
    "unknown-field.yaml",
    "unknown-kind.yaml",
    "unquoted-version.yaml",
    "wrong-api-version.yaml",
    "wrong-type.yaml",
];

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/invalid")
}

fn expected(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.strip_prefix("# expect: "))
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_loader_mistake_has_its_file_and_states_its_diagnostics() {
    let dir = examples_dir();
    let mut problems = Vec::new();
    for name in LOADER_MISTAKES {
        let path = dir.join(name);
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let expect = expected(&text);
        if expect.is_empty() {
            problems.push(format!("{name}: no `# expect: ` line"));
        }
        if !text.starts_with("# Mistake: ") {
            problems.push(format!(
                "{name}: does not start with a `# Mistake: ` comment"
            ));
        }
        match load_str(Path::new(name), &text) {
            Ok(_) => problems.push(format!("{name}: loaded without error")),
            Err(Diagnostics(found)) => {
                let found: Vec<String> = found.iter().map(ToString::to_string).collect();
                if found != expect {
                    problems.push(format!(
                        "{name}:\n  expected: {expect:#?}\n  found:    {found:#?}"
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn other_example_files_fail_to_load_only_as_they_say() {
    let mut problems = Vec::new();
    let entries = fs::read_dir(examples_dir()).expect("examples/invalid exists");
    for entry in entries {
        let path = entry.expect("directory entry").path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !name.ends_with(".yaml") || LOADER_MISTAKES.contains(&name) {
            continue;
        }
        let text = fs::read_to_string(&path).expect("readable example");
        if let Err(Diagnostics(found)) = load_str(Path::new(name), &text) {
            let found: Vec<String> = found.iter().map(ToString::to_string).collect();
            if found != expected(&text) {
                problems.push(format!("{name}: the loader says {found:#?}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_diagnostic_is_structured_not_just_printed() {
    let text = fs::read_to_string(examples_dir().join("unknown-field.yaml")).expect("example");
    let Err(Diagnostics(found)) = load_str(Path::new("unknown-field.yaml"), &text) else {
        panic!("unknown-field.yaml must fail")
    };
    let [diagnostic] = found.as_slice() else {
        panic!("one diagnostic expected: {found:?}")
    };
    let location = diagnostic.location.as_ref().expect("location");
    assert_eq!(location.file, Path::new("unknown-field.yaml"));
    assert_eq!(location.line, 12);
    let object = diagnostic.object.as_ref().expect("object");
    assert_eq!(object.kind, "WorkloadCluster");
    assert_eq!(object.namespace.as_deref(), Some("team-payments"));
    assert_eq!(object.name, "catalog");
    assert_eq!(diagnostic.field, "spec.workrs");
    assert_eq!(
        diagnostic.message,
        "unknown field (did you mean `workers`?)"
    );
}
