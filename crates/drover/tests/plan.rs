//! `drover plan` end to end: exit codes (0 no changes, 2 changes, 1 errors, 64 usage), the
//! changes and impact between two renders, JSON output, capacity planning of the example fleets,
//! and the README's and docs' examples, regenerated and compared (set `DROVER_UPDATE_DOCS=1` to
//! rewrite them).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn drover_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_drover"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("drover runs")
}

fn drover(args: &[&str]) -> Output {
    drover_in(&repo(), args)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("readable") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).expect("copy");
        }
    }
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).expect("readable");
    assert!(text.contains(from), "{} has no `{from}`", path.display());
    fs::write(path, text.replacen(from, to, 1)).expect("writable");
}

/// A scratch folder with `rendered-main/` (the example fleet rendered) and `fleet/` (a copy of
/// the example fleet to change).
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_dir(&repo().join("examples/fleet"), &dir.path().join("fleet"));
        let out = drover_in(dir.path(), &["render", "fleet", "--out", "rendered-main"]);
        assert!(out.status.success(), "{}", stderr(&out));
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn plan(&self, extra: &[&str]) -> Output {
        let mut args = vec!["plan", "fleet", "--against", "rendered-main"];
        args.extend(extra);
        drover_in(self.path(), &args)
    }

    /// payments-prod's workers: 5 × 2xlarge → 6 × xlarge; staging to v1.33.0.
    fn resize_and_upgrade(&self) {
        edit(
            &self.path().join("fleet/clusters/payments.yaml"),
            "{ name: md-0, replicas: 5, size: 2xlarge }",
            "{ name: md-0, replicas: 6, size: xlarge }",
        );
        self.set_version("staging", "v1.33.0");
    }

    fn set_version(&self, environment: &str, version: &str) {
        let path = self.path().join("fleet/environments/environments.yaml");
        let text = fs::read_to_string(&path).expect("readable");
        let start = text
            .find(&format!("name: {environment}\n"))
            .expect("environment");
        let at = start + text[start..].find("kubernetesVersion: ").expect("version");
        let end = at + text[at..].find('\n').expect("line end");
        let changed = format!(
            "{}kubernetesVersion: {version}{}",
            &text[..at],
            &text[end..]
        );
        fs::write(&path, changed).expect("writable");
    }
}

#[test]
fn an_unchanged_fleet_exits_0() {
    let scratch = Scratch::new();
    let output = scratch.plan(&[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("clusters 0 to create, 0 to change, 0 to delete, 13 unchanged")
    );
}

#[test]
fn changes_exit_2_with_the_rollouts_they_cause() {
    let scratch = Scratch::new();
    scratch.resize_and_upgrade();
    let output = scratch.plan(&[]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let text = stdout(&output);
    for expected in [
        "production/payments-prod: 1 to change, 1 to replace",
        "spec.template.spec.virtualMachineTemplate.spec.template.spec.domain.cpu.cores: 32 → 24",
        "rolls worker pool md-0: 5 machines, 1 surge machine (machine template payments-prod-md-0-",
        "scales worker pool md-0: 5 machines → 6",
        "staging/payments-staging:",
        "version v1.32.1 → v1.33.0 (next minor version: control plane first, then each worker pool)",
        "surge machines at once: 1 (one group at a time; 2 if all rolled together)",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in\n{text}");
    }
    // The control plane rolls before the workers.
    let staging = &text[text.find("staging/payments-staging:").expect("staging")..];
    let control_plane = staging
        .find("rolls control plane")
        .expect("control plane rolls");
    let workers = staging
        .find("rolls worker pool md-0")
        .expect("workers roll");
    assert!(control_plane < workers);

    let json = scratch.plan(&["--output", "json"]);
    assert_eq!(json.status.code(), Some(2));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(report["changes"], true);
    assert_eq!(report["summary"]["clustersChanged"], 3);
    let prod = report["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .find(|c| c["cluster"] == "payments-prod")
        .expect("payments-prod");
    assert_eq!(prod["impact"]["rollouts"][0]["group"], "worker pool md-0");
    assert_eq!(prod["impact"]["rollouts"][0]["machines"], 5);
}

#[test]
fn skipping_a_minor_version_is_refused_with_exit_1() {
    let scratch = Scratch::new();
    scratch.set_version("dev", "v1.34.0");
    let output = scratch.plan(&[]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let errors = stderr(&output);
    assert!(
        errors.contains("KubeadmControlPlane payments-dev-cluster/payments-dev-control-plane: spec.version: version v1.32.1 → v1.34.0 skips v1.33: refused"),
        "{errors}"
    );
    assert!(stdout(&output).contains("REFUSED: skips a minor version"));
}

#[test]
fn without_a_previous_render_everything_is_created_and_filters_apply() {
    let output = drover(&["plan", "examples/fleet", "--cluster", "payments-dev"]);
    assert_eq!(output.status.code(), Some(2));
    let text = stdout(&output);
    assert!(
        text.contains("dev/payments-dev: create 16 objects (control plane 1 machine, worker pool md-0 2 machines)"),
        "{text}"
    );
    assert!(text.contains("+ KubeadmControlPlane payments-dev-cluster/payments-dev-control-plane"));
    assert!(!text.contains("payments-prod"));
}

#[test]
fn errors_exit_1_and_usage_errors_exit_64() {
    let output = drover(&["plan", "examples/fleet", "--against", "examples"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("is not a drover render"));
    let output = drover(&["plan", "examples/invalid"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("nothing planned"));

    for args in [
        vec!["plan"],
        vec!["plan", "examples/fleet", "--svg", "x.svg"],
        vec!["plan", "examples/fleet", "--capacity", "--against", "x"],
        vec!["plan", "examples/fleet", "--context", "c"],
        vec!["no-such-command"],
    ] {
        let output = drover(&args);
        assert_eq!(
            output.status.code(),
            Some(64),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    let help = drover(&["plan", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("Exit codes: 0 no changes, 2 changes, 1 errors"));
}

#[test]
fn capacity_of_the_example_fleets() {
    let output = drover(&["plan", "--capacity", "examples/fleet"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let text = stdout(&output);
    assert!(
        text.contains("Infrastructure baremetal-kubevirt: 6 hosts"),
        "{text}"
    );
    assert!(text.contains("every claim fits"));
    assert!(text.contains(
        "Infrastructure aws-eu-west-1: capacity not planned (provider `aws` places machines itself: cloud or provider-managed)"
    ));
    // payments-dev and platform-sandbox sleep at night; ci-smoke opts out, a vcluster cannot.
    assert!(
        text.contains("While the 2 cluster(s) with a hibernation schedule or request sleep"),
        "{text}"
    );
    let output = drover(&["plan", "--capacity", "examples/fleet", "-o", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let night = &report["hibernated"];
    assert_eq!(night["clusters"], 2);
    let metal = &night["reclaimable"][0];
    assert_eq!(metal["infrastructure"], "baremetal-kubevirt");
    let cpu = |field: &str| metal[field]["cpuMillis"].as_u64().expect("cpuMillis");
    assert!(
        cpu("freed") > 0 && cpu("asleep") + cpu("freed") == cpu("awake"),
        "{metal}"
    );

    let output = drover(&["plan", "--capacity", "examples/fleet-tight", "-o", "json"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "the seed's matrix does not fit"
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(report["fits"], false);
    let metal = &report["infrastructures"][0];
    assert_eq!(metal["status"], "planned");
    let unfit: Vec<&str> = metal["unfit"]
        .as_array()
        .expect("unfit")
        .iter()
        .filter_map(|u| u["cluster"].as_str())
        .collect();
    assert_eq!(unfit, ["preprod", "production", "staging", "uat"]);
    assert_eq!(metal["nPlusOne"], false);
}

/// README blocks `<!-- output: NAME -->` + a text code block + `<!-- end output -->`.
fn readme_block<'a>(readme: &'a str, name: &str) -> (usize, usize, &'a str) {
    let marker = format!("<!-- output: {name} -->\n```text\n");
    let start = readme
        .find(&marker)
        .unwrap_or_else(|| panic!("README has no `{name}` output block"))
        + marker.len();
    let end = start
        + readme[start..]
            .find("```\n<!-- end output -->")
            .unwrap_or_else(|| panic!("README block `{name}` is not closed"));
    (start, end, &readme[start..end])
}

fn check_readme_block(name: &str, actual: &str) {
    let path = repo().join("README.md");
    let readme = fs::read_to_string(&path).expect("README");
    let (start, end, documented) = readme_block(&readme, name);
    if documented == actual {
        return;
    }
    if std::env::var_os("DROVER_UPDATE_DOCS").is_some() {
        let updated = format!("{}{actual}{}", &readme[..start], &readme[end..]);
        fs::write(&path, updated).expect("README writable");
        return;
    }
    panic!("README block `{name}` is out of date (DROVER_UPDATE_DOCS=1 regenerates it):\n{actual}");
}

#[test]
fn the_readme_shows_real_plan_output() {
    for (name, dir) in [
        ("capacity-fleet", "examples/fleet"),
        ("capacity-fleet-tight", "examples/fleet-tight"),
    ] {
        let output = drover(&["plan", "--capacity", dir]);
        check_readme_block(name, &stdout(&output));
    }
    let scratch = Scratch::new();
    scratch.resize_and_upgrade();
    check_readme_block("plan-against", &stdout(&scratch.plan(&[])));
}

#[test]
fn the_committed_chart_is_what_the_command_draws() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let file = scratch.path().join("chart.svg");
    let output = drover(&[
        "plan",
        "--capacity",
        "examples/fleet-tight",
        "--svg",
        &file.to_string_lossy(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let drawn = fs::read_to_string(&file).expect("chart written");
    roxmltree::Document::parse(&drawn).expect("well-formed SVG");
    let committed = repo().join("docs/capacity-fleet-tight.svg");
    if std::env::var_os("DROVER_UPDATE_DOCS").is_some() {
        fs::write(&committed, &drawn).expect("docs writable");
    }
    assert_eq!(
        fs::read_to_string(&committed).unwrap_or_default(),
        drawn,
        "docs/capacity-fleet-tight.svg is out of date (DROVER_UPDATE_DOCS=1 regenerates it)"
    );
}
