//! The `drover` binary end to end: exit codes, output, determinism and atomic writes.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn drover(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_drover"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("drover runs")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in fs::read_dir(&current).expect("readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path
                    .strip_prefix(dir)
                    .expect("inside")
                    .to_string_lossy()
                    .into_owned();
                files.push((relative, fs::read(&path).expect("readable")));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn validate_the_example_fleet_prints_the_summary_and_exits_0() {
    let output = drover(&["validate", "examples/fleet"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert_eq!(
        stdout(&output),
        "13 clusters in 7 environments on 8 infrastructures: valid
"
    );
}

#[test]
fn validate_the_invalid_examples_names_every_file_and_exits_1() {
    let output = drover(&["validate", "examples/invalid"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    for entry in fs::read_dir(repo().join("examples/invalid")).expect("examples") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".yaml") {
            assert!(
                text.lines().any(|l| l.starts_with(&format!("{name}:"))),
                "{name} is not named:\n{text}"
            );
        }
    }
}

#[test]
fn validate_json_is_machine_readable() {
    let output = drover(&["validate", "examples/invalid", "--output", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(report["valid"], false);
    let problems = report["problems"].as_array().expect("problems");
    assert!(
        problems
            .iter()
            .any(|p| p["field"] == "spec.workrs" && p["location"]["line"] == 12),
        "{problems:?}"
    );
}

#[test]
fn render_is_byte_identical_across_runs_and_replaces_its_own_output() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let out = scratch.path().join("rendered");
    let out_arg = out.to_string_lossy().into_owned();
    assert!(
        drover(&["render", "examples/fleet", "--out", &out_arg])
            .status
            .success()
    );
    let first = tree(&out);
    assert!(
        first
            .iter()
            .any(|(name, _)| name == "production/payments-prod/kustomization.yaml"),
        "{:?}",
        first.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    assert!(
        first
            .iter()
            .any(|(name, _)| name.starts_with("production/payments-prod/01-namespace-"))
    );
    // A second render replaces the first (it is marked as drover's) with identical bytes.
    assert!(
        drover(&["render", "examples/fleet", "--out", &out_arg])
            .status
            .success()
    );
    assert_eq!(tree(&out), first);
}

#[test]
fn render_stdout_and_filters() {
    let output = drover(&[
        "render",
        "examples/fleet",
        "--stdout",
        "--cluster",
        "payments-dev",
    ]);
    assert!(output.status.success());
    let text = stdout(&output);
    assert!(text.contains("name: payments-dev\n"));
    assert!(!text.contains("payments-prod"));
    assert_eq!(
        text.matches("\n---\n").count() + 1,
        text.matches("apiVersion: ").count() - text.matches("  apiVersion: ").count()
    );

    let output = drover(&[
        "render",
        "examples/fleet",
        "--stdout",
        "--environment",
        "production",
    ]);
    assert!(
        stdout(&output).contains("name: payments-prod\n")
            && !stdout(&output).contains("payments-dev")
    );

    let output = drover(&["render", "examples/fleet", "--stdout", "--cluster", "nope"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--cluster nope: no such cluster"));
}

#[test]
fn render_writes_nothing_when_validation_fails() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let out = scratch.path().join("rendered");
    let output = drover(&[
        "render",
        "examples/invalid",
        "--out",
        &out.to_string_lossy(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("nothing rendered"));
    assert!(!out.exists());
    assert_eq!(
        fs::read_dir(scratch.path()).expect("dir").count(),
        0,
        "no staging folder left behind"
    );
}

#[test]
fn render_refuses_to_replace_a_folder_it_did_not_write() {
    let scratch = tempfile::tempdir().expect("tempdir");
    fs::write(scratch.path().join("precious.txt"), "keep me").expect("write");
    let output = drover(&[
        "render",
        "examples/fleet",
        "--out",
        &scratch.path().to_string_lossy(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("was not written by `drover render`"));
    assert_eq!(
        fs::read_to_string(scratch.path().join("precious.txt")).expect("kept"),
        "keep me"
    );
}

#[test]
fn crds_are_printed_as_yaml_and_json() {
    let yaml = stdout(&drover(&["crds"]));
    assert_eq!(yaml.matches("kind: CustomResourceDefinition").count(), 3);
    let json: serde_json::Value =
        serde_json::from_slice(&drover(&["crds", "-o", "json"]).stdout).expect("json");
    assert_eq!(json["kind"], "List");
    let names: Vec<&str> = json["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["metadata"]["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "infrastructures.drover.dev",
            "environments.drover.dev",
            "workloadclusters.drover.dev"
        ]
    );
}
