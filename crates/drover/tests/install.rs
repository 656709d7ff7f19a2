//! `drover install`: the image and namespace flags, and `--out`.

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

fn json_items(output: &Output) -> Vec<serde_json::Value> {
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let list: serde_json::Value = serde_json::from_slice(&output.stdout).expect("a JSON List");
    list["items"].as_array().cloned().unwrap_or_default()
}

#[test]
fn image_puts_that_image_in_the_deployment() {
    let items = json_items(&drover(&[
        "install",
        "--image",
        "example.org/drover:test",
        "-o",
        "json",
    ]));
    let deployment = items
        .iter()
        .find(|o| o["kind"] == "Deployment")
        .expect("a Deployment");
    assert_eq!(
        deployment["spec"]["template"]["spec"]["containers"][0]["image"],
        "example.org/drover:test"
    );
    // The default is the documented tag of this version.
    let items = json_items(&drover(&["install", "-o", "json"]));
    let deployment = items
        .iter()
        .find(|o| o["kind"] == "Deployment")
        .expect("Deployment");
    assert_eq!(
        deployment["spec"]["template"]["spec"]["containers"][0]["image"],
        format!("ghcr.io/drover-dev/drover:{}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn namespace_moves_every_namespaced_object() {
    let items = json_items(&drover(&["install", "--namespace", "ops", "-o", "json"]));
    let namespace = items
        .iter()
        .find(|o| o["kind"] == "Namespace")
        .expect("Namespace");
    assert_eq!(namespace["metadata"]["name"], "ops");
    for kind in ["ServiceAccount", "Deployment", "Service"] {
        let object = items.iter().find(|o| o["kind"] == kind).expect(kind);
        assert_eq!(object["metadata"]["namespace"], "ops", "{kind}");
    }
}

#[test]
fn out_writes_what_deploy_holds() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("deploy");
    let output = drover(&["install", "--out", &out.to_string_lossy()]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let committed = repo().join("deploy");
    for entry in fs::read_dir(&committed).expect("deploy/") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("name");
        assert_eq!(
            fs::read(&path).expect("committed"),
            fs::read(out.join(name)).expect("written"),
            "{}",
            name.to_string_lossy()
        );
    }
    assert_eq!(
        fs::read_dir(&out).expect("out").count(),
        fs::read_dir(&committed).expect("deploy").count()
    );
}
