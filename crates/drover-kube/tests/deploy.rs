//! The repository's `deploy/` is what `drover install --out deploy` writes today: Argo CD users
//! install the controller from Git, so a stale folder would install an older controller.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use drover_core::output::MARKER;
use drover_kube::install::{self, InstallOptions};

#[test]
fn deploy_is_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy");
    let expected: BTreeMap<String, String> = install::manifest_files(&InstallOptions::default())
        .expect("default options are valid")
        .into_iter()
        .collect();
    let mut found = BTreeMap::new();
    for entry in fs::read_dir(&dir).expect("deploy/ exists") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name == MARKER {
            continue;
        }
        found.insert(name, fs::read_to_string(&path).expect("readable"));
    }
    let fix = "deploy/ is stale: run `cargo run -- install --out deploy` and commit it";
    assert_eq!(
        found.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "{fix}"
    );
    for (name, content) in &expected {
        assert_eq!(&found[name], content, "{name}: {fix}");
    }
    assert!(
        expected["kustomization.yaml"].contains("13-deployment-drover.yaml"),
        "the kustomization lists the Deployment"
    );
}
