//! `docs/api.md` is the generated API reference, kept in step with the types.

use std::path::PathBuf;

fn api_md() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/api.md")
}

#[test]
fn api_reference_is_up_to_date() {
    let generated = drover_api::reference_markdown();
    let path = api_md();
    if std::env::var_os("DROVER_UPDATE_DOCS").is_some() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        }
        std::fs::write(&path, &generated).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == generated,
        "docs/api.md is out of date: run `DROVER_UPDATE_DOCS=1 cargo test -p drover-api`"
    );
}

#[test]
fn api_reference_covers_every_kind_and_field() {
    let text = drover_api::reference_markdown();
    for heading in [
        "## Infrastructure",
        "## Environment",
        "## WorkloadCluster",
        "### `spec`",
        "### `status`",
    ] {
        assert!(text.contains(heading), "missing {heading}");
    }
    for row in [
        "| `spec.workers[].name` | string | yes |",
        "| `spec.sizes.<name>.cpu` | integer (int32) |",
        "| `spec.environment` | string | yes |",
        "| `status.conditions[].type` | string | yes |",
    ] {
        assert!(text.contains(row), "missing row starting {row}");
    }
    assert!(text.contains("`self == oldSelf`"));
    assert!(!text.contains("Auto-generated"));
}
