//! Randomized capacity planning: whatever the hosts and clusters, every placement the planner
//! reports is valid — no host over its (overcommitted) CPU, memory or storage, the anti-affine
//! VMs of a cluster on distinct hosts, every cluster either placed whole or listed as not fitting
//! and then taking no room — and the report's sums agree with the VMs it lists.

use std::collections::{BTreeMap, BTreeSet};

use drover_api::infrastructure::{Host, KubevirtInfrastructure, Overcommit};
use drover_api::workload_cluster::ControlPlaneSpec;
use drover_api::{Infrastructure, InfrastructureSpec};
use drover_core::capacity::{self, CapacityPlan, CapacityReport, Resources, cluster_demand};
use drover_core::fixtures;
use drover_core::resolve::ResolvedCluster;
use proptest::prelude::*;

const SIZES: [(&str, u32, u32); 5] = [
    ("s", 2, 4),
    ("m", 4, 16),
    ("l", 8, 32),
    ("xl", 16, 64),
    ("odd", 6, 40),
];

#[derive(Clone, Debug)]
struct HostGen {
    cpu: u32,
    memory_gi: u32,
    storage_gi: Option<u32>,
}

#[derive(Clone, Debug)]
struct ClusterGen {
    control_plane: (i32, usize),
    pools: Vec<(i32, usize)>,
}

fn host() -> impl Strategy<Value = HostGen> {
    (
        4u32..96,
        8u32..512,
        prop::option::weighted(0.3, 100u32..2000),
    )
        .prop_map(|(cpu, memory_gi, storage_gi)| HostGen {
            cpu,
            memory_gi,
            storage_gi,
        })
}

fn cluster() -> impl Strategy<Value = ClusterGen> {
    (
        prop_oneof![Just(1i32), Just(3), Just(5)],
        0usize..SIZES.len(),
        prop::collection::vec((1i32..6, 0usize..SIZES.len()), 1..3),
    )
        .prop_map(|(replicas, size, pools)| ClusterGen {
            control_plane: (replicas, size),
            pools,
        })
}

fn infrastructure(hosts: &[HostGen], overcommit: (f64, f64)) -> Infrastructure {
    Infrastructure::new(
        "metal",
        InfrastructureSpec {
            kubevirt: Some(KubevirtInfrastructure {
                storage_class: "nfs".to_owned(),
                node_image: "img:{{version}}".to_owned(),
                hosts: Some(
                    hosts
                        .iter()
                        .enumerate()
                        .map(|(i, h)| Host {
                            name: format!("h{i}"),
                            cpu: h.cpu,
                            memory: format!("{}Gi", h.memory_gi),
                            storage: h.storage_gi.map(|s| format!("{s}Gi")),
                            labels: None,
                        })
                        .collect(),
                ),
                ..KubevirtInfrastructure::default()
            }),
            sizes: SIZES
                .iter()
                .map(|(name, cpu, memory)| {
                    (
                        (*name).to_owned(),
                        fixtures::size(*cpu, &format!("{memory}Gi"), "60Gi"),
                    )
                })
                .chain([("small".to_owned(), fixtures::size(2, "4Gi", "60Gi"))])
                .collect(),
            overcommit: Some(Overcommit {
                cpu: Some(overcommit.0),
                memory: Some(overcommit.1),
            }),
            ..InfrastructureSpec::default()
        },
    )
}

fn resolve(infra: &Infrastructure, index: usize, spec: &ClusterGen) -> ResolvedCluster {
    let pools: Vec<(String, i32, &str)> = spec
        .pools
        .iter()
        .enumerate()
        .map(|(i, (replicas, size))| (format!("p{i}"), *replicas, SIZES[*size].0))
        .collect();
    let pools: Vec<(&str, i32, &str)> = pools
        .iter()
        .map(|(name, replicas, size)| (name.as_str(), *replicas, *size))
        .collect();
    let mut claim = fixtures::with_workers(
        fixtures::claim("team-a", &format!("c{index}"), "dev"),
        &pools,
    );
    claim.spec.infrastructure = "metal".to_owned();
    claim.spec.control_plane = Some(ControlPlaneSpec {
        replicas: Some(spec.control_plane.0),
        size: Some(SIZES[spec.control_plane.1].0.to_owned()),
    });
    let mut cluster = fixtures::resolved(&claim, &fixtures::environment("dev", "v1.32.1"), infra);
    cluster.environment = ["dev", "staging", "production"][index % 3].to_owned();
    cluster
}

/// Every invariant of a reported placement.
fn check(report: &CapacityReport, clusters: &[ResolvedCluster], hosts: usize) {
    let unfit: BTreeSet<&str> = report.unfit.iter().map(|u| u.cluster.as_str()).collect();
    let mut placed: BTreeMap<&str, usize> = BTreeMap::new();
    for host in &report.hosts {
        let sum = host
            .vms
            .iter()
            .fold(Resources::default(), |s, vm| s.plus(vm.resources));
        assert!(
            sum.within(host.host.capacity),
            "{} over capacity: {sum:?} > {:?}",
            host.host.name,
            host.host.capacity
        );
        assert_eq!(
            sum,
            host.allocated.plus(host.reserved),
            "{}",
            host.host.name
        );
        if let Some(storage) = host.host.storage_bytes {
            let disks: u64 = host.vms.iter().map(|vm| vm.disk_bytes).sum();
            assert!(disks <= storage, "{} storage over", host.host.name);
        }
        let mut anti = BTreeSet::new();
        for vm in &host.vms {
            assert!(
                !unfit.contains(vm.cluster.as_str()),
                "{} does not fit but has {} placed",
                vm.cluster,
                vm.vm
            );
            if vm.anti_affine {
                assert!(
                    anti.insert(vm.cluster.as_str()),
                    "two anti-affine VMs of {} on {}",
                    vm.cluster,
                    host.host.name
                );
            }
            *placed.entry(vm.cluster.as_str()).or_default() += 1;
        }
    }
    for cluster in clusters {
        let demand = cluster_demand(cluster, hosts).unwrap_or_else(|e| panic!("{e}"));
        let expected = if unfit.contains(cluster.name.as_str()) {
            0
        } else {
            demand.vms.len()
        };
        assert_eq!(
            placed.get(cluster.name.as_str()).copied().unwrap_or(0),
            expected,
            "{}",
            cluster.name
        );
    }
    assert_eq!(report.fits, report.unfit.is_empty());
    assert_eq!(
        report.n_plus_one,
        report.hosts.iter().all(|h| h.drain.drainable)
    );
    for short in &report.unfit {
        assert!(
            !short.vms.is_empty(),
            "{} lists nothing missing",
            short.cluster
        );
        assert!(short.missing.within(short.requested));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_reported_placement_is_valid(
        hosts in prop::collection::vec(host(), 1..12),
        specs in prop::collection::vec(cluster(), 0..14),
        cpu_ratio in prop_oneof![Just(1.0f64), Just(1.5), Just(2.0), Just(4.0)],
        memory_ratio in prop_oneof![Just(1.0f64), Just(1.2)],
    ) {
        let infra = infrastructure(&hosts, (cpu_ratio, memory_ratio));
        let clusters: Vec<ResolvedCluster> =
            specs.iter().enumerate().map(|(i, s)| resolve(&infra, i, s)).collect();
        let plan = capacity::plan(&infra, &clusters).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let CapacityPlan::Planned(report) = plan else {
            return Err(TestCaseError::fail("not planned"));
        };
        check(&report, &clusters, hosts.len());
        // Deterministic: the same input gives the same report.
        let again = capacity::plan(&infra, &clusters).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(CapacityPlan::Planned(report), again);
    }
}
