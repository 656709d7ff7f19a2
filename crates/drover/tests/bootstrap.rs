//! `drover bootstrap` end to end: the stream, the folder, the summary, and bad input.

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

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_example_fleet_streams_one_operator_object_per_provider() {
    let output = drover(&["bootstrap", "examples/fleet", "--stdout"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stream = text(&output.stdout);
    let count = |kind: &str| {
        stream
            .lines()
            .filter(|l| *l == format!("kind: {kind}"))
            .count()
    };
    assert_eq!(count("CoreProvider"), 1);
    assert_eq!(count("BootstrapProvider"), 2);
    assert_eq!(count("ControlPlaneProvider"), 2);
    assert_eq!(count("InfrastructureProvider"), 8);
    assert_eq!(count("AddonProvider"), 1);
    assert_eq!(count("Namespace"), 14);
    assert!(stream.contains("  version: v2.11.1\n"), "{stream}");
    let summary = text(&output.stderr);
    assert!(summary.starts_with("14 provider(s) for 13 cluster(s) on 8 infrastructure(s)"));
    assert!(
        summary.contains("drover cannot do these for you:"),
        "{summary}"
    );
    assert!(
        summary.contains("Cluster API Operator v0.28.0"),
        "{summary}"
    );
    assert!(
        summary.contains(
            "create Secret capa-system/aws-variables with keys AWS_B64ENCODED_CREDENTIALS"
        )
    );
    assert!(summary.contains("install Argo CD in argocd"), "{summary}");
}

#[test]
fn out_writes_numbered_files_and_a_kustomization_and_replaces_its_own_output() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("bootstrap");
    let out_arg = out.to_string_lossy().into_owned();
    for _ in 0..2 {
        let output = drover(&["bootstrap", "examples/fleet", "--out", &out_arg]);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    }
    let kustomization = fs::read_to_string(out.join("kustomization.yaml")).expect("written");
    let files: Vec<&str> = kustomization
        .lines()
        .filter_map(|l| l.strip_prefix("  - "))
        .collect();
    assert_eq!(files.len(), 28);
    assert_eq!(files[0], "01-namespace-caaph-system.yaml");
    assert_eq!(files[14], "15-coreprovider-cluster-api.yaml");
    for file in &files {
        assert!(out.join(file).is_file(), "{file}");
    }
    let core = fs::read_to_string(out.join(files[14])).expect("core");
    assert!(core.contains("featureGates:"), "{core}");
}

#[test]
fn an_invalid_fleet_gets_validates_errors_and_nothing_is_written() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("bootstrap");
    let output = drover(&[
        "bootstrap",
        "examples/invalid",
        "--out",
        &out.to_string_lossy(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(!out.exists(), "nothing may be written for an invalid fleet");
    let validate = drover(&["validate", "examples/invalid"]);
    let problems: Vec<String> = text(&validate.stdout)
        .lines()
        .filter(|l| l.contains(": "))
        .filter(|l| !l.contains("problem(s)"))
        .map(str::to_owned)
        .collect();
    assert!(!problems.is_empty());
    let errors = text(&output.stderr);
    for problem in &problems {
        assert!(
            errors.contains(problem.as_str()),
            "missing {problem} in\n{errors}"
        );
    }
    assert!(errors.contains("nothing written"), "{errors}");
}

#[test]
fn out_and_stdout_are_required_and_exclusive() {
    assert_eq!(
        drover(&["bootstrap", "examples/fleet"]).status.code(),
        Some(64)
    );
    assert_eq!(
        drover(&["bootstrap", "examples/fleet", "--stdout", "--out", "x"])
            .status
            .code(),
        Some(64)
    );
}
