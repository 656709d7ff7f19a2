//! Capacity-planning benchmark: 1,000 clusters (≈8,000 VMs with their surge VMs) across the six
//! environments of the seed's matrix on 200 hosts, planned with `capacity::plan` (placement,
//! N+1 check of every host, report). Two cases: a roomy infrastructure, where the first ordering
//! places everything, and a tight one (150 of the hosts), where every ordering fails and the
//! cluster-by-cluster pass decides which claims do not fit. Prints the median of several runs.
//!
//! `cargo bench -p drover-core --bench placement [-- CLUSTERS HOSTS]` (default 1000 200). Run it
//! pinned to one core for the documented figure: `taskset -c 0 cargo bench ...`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use drover_api::infrastructure::{Host, KubevirtInfrastructure, Overcommit};
use drover_api::workload_cluster::WorkerPool;
use drover_api::{Environment, Infrastructure, InfrastructureSpec};
use drover_core::capacity::{self, CapacityPlan};
use drover_core::fixtures;
use drover_core::resolve::ResolvedCluster;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// (environment, control-plane replicas, md-0 replicas, size), as the seed's matrix.
const ENVIRONMENTS: [(&str, i32, i32, &str); 6] = [
    ("dev", 1, 2, "small"),
    ("staging", 1, 3, "medium"),
    ("uat", 1, 3, "medium"),
    ("preprod", 3, 4, "xlarge"),
    ("production", 3, 5, "2xlarge"),
    ("sandbox", 1, 2, "large"),
];

fn infrastructure(hosts: usize) -> Infrastructure {
    Infrastructure::new(
        "metal",
        InfrastructureSpec {
            kubevirt: Some(KubevirtInfrastructure {
                storage_class: "nfs-client".to_owned(),
                node_image: "quay.io/capk/ubuntu-2404-container-disk:{{version}}".to_owned(),
                live_migration: Some(true),
                hosts: Some(
                    (0..hosts)
                        .map(|i| Host {
                            name: format!("server{i:03}"),
                            cpu: 192,
                            memory: "3Ti".to_owned(),
                            ..Host::default()
                        })
                        .collect(),
                ),
                ..KubevirtInfrastructure::default()
            }),
            sizes: BTreeMap::from([
                ("small".to_owned(), fixtures::size(8, "32Gi", "100Gi")),
                ("medium".to_owned(), fixtures::size(12, "48Gi", "200Gi")),
                ("large".to_owned(), fixtures::size(16, "64Gi", "200Gi")),
                ("xlarge".to_owned(), fixtures::size(24, "96Gi", "300Gi")),
                ("2xlarge".to_owned(), fixtures::size(32, "128Gi", "500Gi")),
            ]),
            overcommit: Some(Overcommit {
                cpu: Some(4.0),
                memory: Some(1.0),
            }),
            ..InfrastructureSpec::default()
        },
    )
}

fn clusters(count: usize, infrastructure: &Infrastructure) -> Vec<ResolvedCluster> {
    let environments: Vec<Environment> = ENVIRONMENTS
        .iter()
        .map(|(name, cp, workers, size)| {
            let mut env = fixtures::environment(name, "v1.32.1");
            if let Some(defaults) = &mut env.spec.defaults {
                defaults.control_plane_replicas = Some(*cp);
                defaults.worker_replicas = Some(*workers);
                defaults.size = Some((*size).to_owned());
            }
            env
        })
        .collect();
    (0..count)
        .map(|index| {
            let environment = &environments[index % environments.len()];
            let name = environment.metadata.name.clone().unwrap_or_default();
            let mut claim = fixtures::claim(
                &format!("team-{:03}", index / 100),
                &format!("c{index:05}"),
                &name,
            );
            claim.spec.infrastructure = "metal".to_owned();
            claim.spec.workers = Some(vec![
                WorkerPool {
                    name: "md-0".to_owned(),
                    ..WorkerPool::default()
                },
                WorkerPool {
                    name: "md-1".to_owned(),
                    replicas: Some(2),
                    size: Some("small".to_owned()),
                    node_labels: None,
                },
            ]);
            fixtures::resolved(&claim, environment, infrastructure)
        })
        .collect()
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn run(label: &str, infrastructure: &Infrastructure, clusters: &[ResolvedCluster]) {
    let mut runs = Vec::new();
    let mut last = None;
    for _ in 0..5 {
        let start = Instant::now();
        let plan = capacity::plan(infrastructure, clusters).expect("plans");
        runs.push(start.elapsed());
        last = Some(plan);
    }
    let Some(CapacityPlan::Planned(report)) = last else {
        panic!("not planned");
    };
    let vms: usize = report.hosts.iter().map(|h| h.vms.len()).sum();
    println!(
        "  {label:<6} {:>3} hosts: {:>8.3} s  (median of 5; {} placed VMs and surge VMs, {} of {} claims do not fit, strategy: {}, N+1: {})",
        report.hosts.len(),
        median(runs).as_secs_f64(),
        vms,
        report.unfit.len(),
        report.totals.clusters,
        report.strategy.describe(),
        if report.n_plus_one { "holds" } else { "fails" },
    );
}

fn main() {
    let numbers: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let count = numbers.first().copied().unwrap_or(1000);
    let hosts = numbers.get(1).copied().unwrap_or(200);
    let roomy = infrastructure(hosts);
    let clusters = clusters(count, &roomy);
    let demand: usize = clusters
        .iter()
        .map(|c| capacity::cluster_demand(c, hosts).expect("sizes").vms.len())
        .sum();
    println!("placement: {count} clusters, {demand} VMs including one surge VM per cluster");
    run("roomy", &roomy, &clusters);
    run("tight", &infrastructure(hosts * 3 / 4), &clusters);
}
