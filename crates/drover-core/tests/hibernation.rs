//! Hibernation per provider, on the example fleet: what each provider keeps of a sleeping
//! cluster's worker pools, how it renders, and which claims `validate` refuses.

use std::path::{Path, PathBuf};

use drover_api::ProviderKind;
use drover_core::fleet::{Fleet, load_dir};
use drover_core::hibernation::ScheduleSource;
use drover_core::pipeline;
use drover_core::providers::provider_for;
use drover_core::render::render_cluster;
use drover_core::resolve::ResolvedCluster;

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/fleet")
}

fn example() -> Fleet {
    load_dir(&example_dir()).expect("the example fleet loads")
}

fn clusters(fleet: &Fleet) -> Vec<ResolvedCluster> {
    let validation = pipeline::validate(fleet);
    assert!(validation.is_valid(), "{:#?}", validation.diagnostics);
    validation.clusters
}

fn cluster_on(fleet: &Fleet, kind: ProviderKind) -> ResolvedCluster {
    clusters(fleet)
        .into_iter()
        .find(|c| c.provider_kind() == kind)
        .unwrap_or_else(|| panic!("a {kind} cluster in the example fleet"))
}

/// `replicas` of every object of `kind` in the rendered cluster.
fn replicas(cluster: &ResolvedCluster, kind: &str) -> Vec<i64> {
    render_cluster(cluster)
        .expect("renders")
        .objects
        .iter()
        .filter(|m| m.kind() == kind)
        .map(|m| m.0["spec"]["replicas"].as_i64().expect("replicas"))
        .collect()
}

#[test]
fn machine_deployment_providers_sleep_with_every_pool_at_zero() {
    let fleet = example();
    for kind in [
        ProviderKind::Kubevirt,
        ProviderKind::Docker,
        ProviderKind::Proxmox,
        ProviderKind::Vsphere,
    ] {
        let mut cluster = cluster_on(&fleet, kind);
        let awake = replicas(&cluster, "MachineDeployment");
        assert!(awake.iter().any(|r| *r > 0), "{kind}: {awake:?}");
        let floors = provider_for(&cluster.provider)
            .hibernation(&cluster)
            .expect("can hibernate");
        assert!(floors.iter().all(|f| *f == 0), "{kind}: {floors:?}");
        let control_plane = cluster.control_plane.replicas;
        cluster.hibernate(&floors);
        let asleep = replicas(&cluster, "MachineDeployment");
        assert_eq!(asleep, vec![0; awake.len()], "{kind}");
        assert_eq!(cluster.control_plane.replicas, control_plane, "{kind}");
    }
}

#[test]
fn managed_node_pools_sleep_at_the_clouds_minimum() {
    let fleet = example();
    for kind in [ProviderKind::Aws, ProviderKind::Gcp] {
        let mut cluster = cluster_on(&fleet, kind);
        let floors = provider_for(&cluster.provider)
            .hibernation(&cluster)
            .expect("can hibernate");
        cluster.hibernate(&floors);
        let pools = replicas(&cluster, "MachinePool");
        assert!(
            !pools.is_empty() && pools.iter().all(|r| *r == 0),
            "{kind}: {pools:?}"
        );
    }
    // EKS node groups scale from a minimum of zero.
    let mut eks = cluster_on(&fleet, ProviderKind::Aws);
    eks.hibernate(&[0; 8]);
    let rendered = render_cluster(&eks).expect("renders");
    for pool in rendered
        .objects
        .iter()
        .filter(|m| m.kind() == "AWSManagedMachinePool")
    {
        assert_eq!(pool.0["spec"]["scaling"]["minSize"], 0);
    }
    // AKS keeps one node in its system pool (the first), user pools go to zero.
    let mut aks = cluster_on(&fleet, ProviderKind::Azure);
    assert!(
        aks.workers.len() >= 2,
        "the example has a system and a user pool"
    );
    let floors = provider_for(&aks.provider)
        .hibernation(&aks)
        .expect("can hibernate");
    assert_eq!(floors[0], 1);
    assert!(floors[1..].iter().all(|f| *f == 0));
    aks.hibernate(&floors);
    let pools = replicas(&aks, "MachinePool");
    assert_eq!(pools[0], 1);
    assert!(pools[1..].iter().all(|r| *r == 0), "{pools:?}");
}

#[test]
fn vcluster_cannot_hibernate_and_ignores_its_environments_schedule() {
    let fleet = example();
    let vcluster = cluster_on(&fleet, ProviderKind::Vcluster);
    assert_eq!(vcluster.environment, "dev");
    assert_eq!(vcluster.hibernation.source, ScheduleSource::Environment);
    let why = provider_for(&vcluster.provider)
        .hibernation(&vcluster)
        .expect_err("vcluster has no workers to stop");
    assert!(why.contains("no worker machines"), "{why}");

    // Asking for it on the claim is refused, naming the option and the provider.
    for (field, edit) in [
        ("spec.hibernated", "  hibernated: true\n"),
        (
            "spec.hibernation.schedules",
            "  hibernation:\n    schedules: [{ hibernate: \"0 19 * * *\", wakeUp: \"0 7 * * *\" }]\n",
        ),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_fleet(dir.path(), |name, text| {
            if name == "vcluster.yaml" {
                format!("{}\n{edit}", text.trim_end())
            } else {
                text
            }
        });
        let fleet = load_dir(dir.path()).expect("loads");
        let problems = pipeline::validate(&fleet).diagnostics;
        assert_eq!(problems.len(), 1, "{problems:#?}");
        let problem = problems[0].to_string();
        assert!(
            problem.contains(&format!("{field}: hibernation is not possible on vcluster")),
            "{problem}"
        );
        assert!(
            problem.starts_with("clusters/vcluster.yaml:"),
            "names the file: {problem}"
        );
    }
}

#[test]
fn schedule_mistakes_are_reported_at_their_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_fleet(dir.path(), |name, text| {
        match name {
        "environments.yaml" => text.replace("\"0 20 * * mon-fri\"", "\"0 20 * * mon-fry\""),
        "payments.yaml" => text.replacen(
            "  environment: dev\n",
            "  environment: dev\n  hibernation: { schedules: [{ hibernate: \"0 19 * *\", wakeUp: \"0 7 * * *\", timeZone: Europe/Berlim }] }\n",
            1,
        ),
        _ => text,
    }
    });
    let fleet = load_dir(dir.path()).expect("loads");
    let problems: Vec<String> = pipeline::validate(&fleet)
        .diagnostics
        .iter()
        .map(ToString::to_string)
        .collect();
    let expect = [
        (
            "environments/environments.yaml",
            "Environment dev: spec.hibernation.schedules[0].hibernate: day-of-week: `fry` is not a number or a name",
        ),
        (
            "clusters/payments.yaml",
            "spec.hibernation.schedules[0].hibernate: `0 19 * *` has 4 fields",
        ),
        (
            "clusters/payments.yaml",
            "spec.hibernation.schedules[0].timeZone: `Europe/Berlim` is not an IANA time zone",
        ),
    ];
    for (file, needle) in expect {
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with(file) && p.contains(needle)),
            "{file}: {needle}\n{problems:#?}"
        );
    }
}

#[test]
fn the_example_fleets_dev_and_sandbox_clusters_sleep_and_the_ci_cluster_opts_out() {
    let fleet = example();
    for cluster in clusters(&fleet) {
        let expected = match (cluster.environment.as_str(), cluster.name.as_str()) {
            ("dev" | "sandbox", "ci-smoke") => ScheduleSource::OptedOut,
            ("dev" | "sandbox", _) => ScheduleSource::Environment,
            _ => ScheduleSource::None,
        };
        assert_eq!(cluster.hibernation.source, expected, "{}", cluster.name);
    }
}

/// Copies the example fleet to `dir`, passing each file's name and text through `edit`.
fn copy_fleet(dir: &Path, edit: impl Fn(&str, String) -> String) {
    for entry in walk(&example_dir()) {
        let relative = entry.strip_prefix(example_dir()).expect("inside");
        let target = dir.join(relative);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        let text = std::fs::read_to_string(&entry).expect("read");
        let name = entry
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        std::fs::write(target, edit(name, text)).expect("write");
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
