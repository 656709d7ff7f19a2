//! `drover backstage` end to end: what it writes, that it writes nothing for an invalid fleet,
//! and that its errors are `validate`'s.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn drover(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_drover"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .output()
        .expect("drover runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in fs::read_dir(&current).expect("readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path.strip_prefix(dir).expect("inside").to_path_buf();
                found.push((relative, fs::read(&path).expect("readable")));
            }
        }
    }
    found.sort();
    found
}

#[test]
fn stdout_streams_every_entity_of_the_example_fleet() {
    let output = drover(&["backstage", "examples/fleet", "--stdout"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stream = text(&output.stdout);
    let kinds = |kind: &str| stream.matches(&format!("\nkind: {kind}\n")).count();
    assert_eq!(kinds("Location"), 1);
    assert_eq!(kinds("Domain"), 1);
    assert_eq!(kinds("System"), 7);
    assert_eq!(kinds("Resource"), 13 + 8);
    assert_eq!(kinds("Template"), 1);
    assert!(stream.starts_with("---\n# catalog-info.yaml\n"));
    assert!(
        stream.contains("\n  name: fleet\n"),
        "the Domain is named after the folder"
    );
}

#[test]
fn out_writes_the_location_and_its_targets_and_replaces_its_own_output() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let out = scratch.path().join("backstage");
    let out_arg = out.to_string_lossy().into_owned();
    let args = [
        "backstage",
        "examples/fleet",
        "--out",
        &out_arg,
        "--scm",
        "gitlab",
    ];
    let first = drover(&args);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let written = files(&out);
    let location = fs::read_to_string(out.join("catalog-info.yaml")).expect("the Location");
    for (path, _) in &written {
        let path = path.to_string_lossy();
        if path != "catalog-info.yaml" && !path.starts_with('.') {
            assert!(
                location.contains(&format!("- ./{path}\n")),
                "{path} not listed"
            );
        }
    }
    let template =
        fs::read_to_string(out.join("templates/workload-cluster.yaml")).expect("template");
    assert!(template.contains("action: publish:gitlab:merge-request"));
    let second = drover(&args);
    assert_eq!(second.status.code(), Some(0));
    assert_eq!(files(&out), written, "byte-identical on a second run");
}

#[test]
fn an_invalid_fleet_writes_nothing_and_reports_what_validate_reports() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let out = scratch.path().join("backstage");
    let output = drover(&[
        "backstage",
        "examples/invalid",
        "--out",
        &out.to_string_lossy(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    let validate = text(&drover(&["validate", "examples/invalid"]).stdout);
    let problems: Vec<&str> = validate.lines().filter(|l| l.contains(": ")).collect();
    let (last, problems) = problems.split_last().expect("problems and a summary");
    assert!(last.contains("problem(s)"), "{last}");
    assert!(!problems.is_empty());
    for problem in problems {
        assert!(
            stderr.contains(problem),
            "missing `{problem}` in:\n{stderr}"
        );
    }
    assert!(stderr.contains("nothing generated"));
    assert!(!out.exists());
    assert_eq!(
        fs::read_dir(scratch.path()).expect("dir").count(),
        0,
        "nothing left behind"
    );
}

#[test]
fn out_refuses_to_replace_a_folder_drover_did_not_write() {
    let scratch = tempfile::tempdir().expect("tempdir");
    fs::write(scratch.path().join("precious.txt"), "keep me").expect("write");
    let output = drover(&[
        "backstage",
        "examples/fleet",
        "--out",
        &scratch.path().to_string_lossy(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        fs::read_to_string(scratch.path().join("precious.txt")).expect("kept"),
        "keep me"
    );
}

#[test]
fn out_or_stdout_is_required() {
    let output = drover(&["backstage", "examples/fleet"]);
    assert_eq!(output.status.code(), Some(64));
}
