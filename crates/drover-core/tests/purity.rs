//! drover-core is the pure core: it must not depend on an API client or an async runtime, so
//! that `validate`/`render`/`plan` run anywhere and the controller's I/O stays in drover-kube.

use std::process::Command;

/// `cargo tree` with `args`, from this package's directory.
fn cargo_tree(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO"))
        .arg("tree")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn drover_core_does_not_depend_on_kube_client_or_tokio() {
    let tree = cargo_tree(&[
        "--package",
        "drover-core",
        "--edges",
        "normal",
        "--prefix",
        "none",
        "--format",
        "{p}",
    ]);
    assert!(
        tree.lines().any(|l| l.starts_with("drover-api ")),
        "cargo tree output looks wrong:\n{tree}"
    );
    for forbidden in [
        "kube-client ",
        "kube-runtime ",
        "tokio ",
        "hyper ",
        "reqwest ",
    ] {
        let offenders: Vec<&str> = tree.lines().filter(|l| l.starts_with(forbidden)).collect();
        assert!(
            offenders.is_empty(),
            "drover-core depends on {forbidden}: {offenders:?}"
        );
    }
}

/// Test fixtures are built for tests and benches only: the shipped binary's dependency graph
/// does not enable them.
#[test]
fn the_binary_does_not_ship_test_fixtures() {
    let tree = cargo_tree(&[
        "--package",
        "drover",
        "--edges",
        "normal,build,features",
        "--prefix",
        "none",
    ]);
    assert!(
        tree.contains("drover-core feature \"default\""),
        "cargo tree output looks wrong:\n{tree}"
    );
    assert!(
        !tree.contains("drover-core feature \"test-fixtures\""),
        "the drover binary enables drover-core's test fixtures:\n{tree}"
    );
}
