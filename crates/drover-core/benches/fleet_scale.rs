//! Fleet-scale benchmark: a generated fleet of 10,000 claims across 6 environments on one
//! KubeVirt infrastructure, written to disk, then loaded, validated and rendered to YAML the way
//! `drover render --stdout` does (cluster by cluster, nothing held). Prints wall time per stage
//! and the process's peak RSS.
//!
//! `cargo bench -p drover-core --bench fleet_scale [-- CLAIMS]` (default 10000). Run it pinned
//! to one core for the documented figure: `taskset -c 0 cargo bench ...`. With
//! `DROVER_BENCH_KEEP=DIR` the generated fleet is left in DIR, to time the CLI on it.

use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use drover_core::fleet::load_dir;
use drover_core::output::cluster_stream;
use drover_core::pipeline;
use drover_core::render::render_cluster;

const ENVIRONMENTS: [(&str, u32, u32, &str); 6] = [
    ("dev", 1, 2, "small"),
    ("staging", 1, 3, "medium"),
    ("uat", 1, 3, "medium"),
    ("preprod", 3, 4, "xlarge"),
    ("production", 3, 5, "2xlarge"),
    ("sandbox", 1, 2, "large"),
];

fn write_fleet(dir: &Path, claims: usize) -> std::io::Result<()> {
    fs::create_dir_all(dir.join("clusters"))?;
    fs::write(
        dir.join("infrastructure.yaml"),
        "apiVersion: drover.dev/v1alpha1\nkind: Infrastructure\nmetadata: { name: metal }\nspec:\n  kubevirt:\n    storageClass: nfs-client\n    nodeImage: quay.io/capk/ubuntu-2404-container-disk:{{version}}\n    liveMigration: true\n    managementNetwork: { keepsPodIPOnMigration: true }\n  sizes:\n    small: { cpu: 8, memory: 32Gi, disk: 100Gi }\n    medium: { cpu: 12, memory: 48Gi, disk: 200Gi }\n    large: { cpu: 16, memory: 64Gi, disk: 200Gi }\n    xlarge: { cpu: 24, memory: 96Gi, disk: 300Gi }\n    2xlarge: { cpu: 32, memory: 128Gi, disk: 500Gi }\n",
    )?;
    let mut environments = String::new();
    for (name, cp, workers, size) in ENVIRONMENTS {
        let _ = write!(
            environments,
            "---\napiVersion: drover.dev/v1alpha1\nkind: Environment\nmetadata: {{ name: {name} }}\nspec:\n  kubernetesVersion: v1.32.1\n  defaults: {{ controlPlaneReplicas: {cp}, workerReplicas: {workers}, size: {size} }}\n  policy: {{ allowedNamespaces: [\"team-*\"], maxWorkerReplicas: 50 }}\n"
        );
    }
    fs::write(dir.join("environments.yaml"), environments)?;
    // 100 claims per file, like a team's file per namespace.
    for chunk in 0..claims.div_ceil(100) {
        let mut file = String::new();
        for index in chunk * 100..((chunk + 1) * 100).min(claims) {
            let (environment, ..) = ENVIRONMENTS[index % ENVIRONMENTS.len()];
            let _ = write!(
                file,
                "---\napiVersion: drover.dev/v1alpha1\nkind: WorkloadCluster\nmetadata: {{ name: c{index:05}, namespace: team-{chunk:03} }}\nspec:\n  environment: {environment}\n  infrastructure: metal\n  workers:\n    - {{ name: md-0 }}\n    - {{ name: md-1, replicas: 1, size: small, nodeLabels: {{ pool: batch }} }}\n  addons: [cilium, metrics-server]\n  gitops: {{ argocd: {{ labels: {{ team: t{chunk:03} }} }} }}\n"
            );
        }
        fs::write(
            dir.join("clusters").join(format!("team-{chunk:03}.yaml")),
            file,
        )?;
    }
    Ok(())
}

fn peak_rss_mib() -> Option<f64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() {
    // `cargo bench` passes `--bench`; the optional number is the claim count.
    let claims = std::env::args()
        .skip(1)
        .find_map(|a| a.parse::<usize>().ok())
        .unwrap_or(10_000);
    // DROVER_BENCH_KEEP=DIR writes the generated fleet to DIR and keeps it (to time the CLI).
    let keep = std::env::var_os("DROVER_BENCH_KEEP").map(std::path::PathBuf::from);
    let scratch = keep.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("drover-bench-{}", std::process::id()))
    });
    let _ = fs::remove_dir_all(&scratch);
    write_fleet(&scratch, claims).expect("write the generated fleet");
    let rss_before = peak_rss_mib().unwrap_or(0.0);

    let start = Instant::now();
    let fleet = load_dir(&scratch).expect("generated fleet loads");
    let loaded = start.elapsed();

    let start = Instant::now();
    let validation = pipeline::validate(&fleet);
    assert!(
        validation.is_valid(),
        "{:?}",
        validation.diagnostics.first()
    );
    let validated = start.elapsed();

    let (mut objects, mut bytes) = (0usize, 0usize);
    let mut sink = std::io::sink();
    let mut text = String::new();
    let (mut building, mut serialising) = (Duration::ZERO, Duration::ZERO);
    for cluster in &validation.clusters {
        let start = Instant::now();
        let rendered = render_cluster(cluster).expect("renders");
        building += start.elapsed();
        let start = Instant::now();
        objects += rendered.objects.len();
        text.clear();
        cluster_stream(&rendered, &mut text);
        bytes += text.len();
        sink.write_all(text.as_bytes()).expect("sink");
        serialising += start.elapsed();
    }
    let rendered = building + serialising;
    if keep.is_none() {
        let _ = fs::remove_dir_all(&scratch);
    }

    let total = loaded + validated + rendered;
    println!(
        "fleet_scale: {claims} claims in 6 environments, {objects} objects, {:.1} MiB of YAML",
        bytes as f64 / 1_048_576.0
    );
    println!("  load      {:>8.3} s", loaded.as_secs_f64());
    println!("  validate  {:>8.3} s", validated.as_secs_f64());
    println!(
        "  render    {:>8.3} s  (object graphs)",
        building.as_secs_f64()
    );
    println!(
        "  write     {:>8.3} s  (YAML serialisation, streamed)",
        serialising.as_secs_f64()
    );
    println!("  total     {:>8.3} s", total.as_secs_f64());
    println!(
        "  peak RSS  {:>8.1} MiB (before loading: {rss_before:.1} MiB)",
        peak_rss_mib().unwrap_or(f64::NAN)
    );
}
