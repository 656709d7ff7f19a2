//! Hand-computed placement cases: anti-affinity, overcommit, surge, N+1, headroom, admission.

use std::collections::BTreeMap;

use drover_api::infrastructure::{Host, KubevirtInfrastructure, Overcommit};
use drover_api::workload_cluster::ControlPlaneSpec;
use drover_api::{Infrastructure, InfrastructureSpec};

use super::*;
use crate::fixtures;

const GI: u64 = 1 << 30;

/// A KubeVirt infrastructure `metal` with hosts (cores, memory) and sizes (name, cpu, memory).
fn infra(hosts: &[(u32, &str)], overcommit: Option<(f64, f64)>) -> Infrastructure {
    let sizes = [
        ("small", 4, "16Gi"),
        ("medium", 8, "32Gi"),
        ("large", 16, "64Gi"),
        ("xlarge", 32, "128Gi"),
    ];
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
                        .map(|(i, (cpu, memory))| Host {
                            name: format!("h{}", i + 1),
                            cpu: *cpu,
                            memory: (*memory).to_owned(),
                            ..Host::default()
                        })
                        .collect(),
                ),
                ..KubevirtInfrastructure::default()
            }),
            sizes: sizes
                .iter()
                .map(|(name, cpu, memory)| {
                    ((*name).to_owned(), fixtures::size(*cpu, memory, "100Gi"))
                })
                .collect::<BTreeMap<_, _>>(),
            overcommit: overcommit.map(|(cpu, memory)| Overcommit {
                cpu: Some(cpu),
                memory: Some(memory),
            }),
            ..InfrastructureSpec::default()
        },
    )
}

/// A cluster on `infra`: control plane (replicas, size) and worker pools (name, replicas, size).
fn cluster(
    infra: &Infrastructure,
    name: &str,
    control_plane: (i32, &str),
    workers: &[(&str, i32, &str)],
) -> ResolvedCluster {
    let mut claim = fixtures::with_workers(fixtures::claim("team-a", name, "dev"), workers);
    claim.spec.infrastructure = "metal".to_owned();
    claim.spec.control_plane = Some(ControlPlaneSpec {
        replicas: Some(control_plane.0),
        size: Some(control_plane.1.to_owned()),
    });
    fixtures::resolved(&claim, &fixtures::environment("dev", "v1.32.1"), infra)
}

fn report(infra: &Infrastructure, clusters: &[ResolvedCluster]) -> CapacityReport {
    match plan(infra, clusters) {
        Ok(CapacityPlan::Planned(report)) => *report,
        other => panic!("expected a report, got {other:?}"),
    }
}

/// The host each VM label (`cluster/vm`) is on.
fn hosts_of_vms(report: &CapacityReport) -> BTreeMap<String, String> {
    report
        .hosts
        .iter()
        .flat_map(|h| {
            h.vms
                .iter()
                .map(|vm| (format!("{}/{}", vm.cluster, vm.vm), h.host.name.clone()))
        })
        .collect()
}

#[test]
fn ha_control_plane_needs_as_many_hosts_as_replicas() {
    // Two big hosts hold three medium VMs easily, but not on distinct hosts.
    let two = infra(&[(64, "256Gi"), (64, "256Gi")], None);
    let ha = cluster(&two, "ha", (3, "medium"), &[("md-0", 1, "small")]);
    let result = report(&two, &[ha]);
    assert!(!result.fits);
    let short = &result.unfit[0];
    assert_eq!(short.cluster, "ha");
    assert_eq!(short.vms.len(), 1, "{short:?}");
    assert_eq!(short.vms[0].vm, "control-plane-3");
    assert_eq!(short.vms[0].reason, Reason::AntiAffinity { hosts: 2 });
    assert_eq!(short.missing, Resources::new(8, 32 * GI));
    // Nothing of a cluster that does not fit takes room.
    assert!(result.hosts.iter().all(|h| h.vms.is_empty()));

    let three = infra(&[(64, "256Gi"), (64, "256Gi"), (64, "256Gi")], None);
    let ha = cluster(&three, "ha", (3, "medium"), &[("md-0", 1, "small")]);
    let result = report(&three, &[ha]);
    assert!(result.fits, "{:?}", result.unfit);
    let placed = hosts_of_vms(&result);
    let cp_hosts: std::collections::BTreeSet<_> = (1..=3)
        .map(|i| placed[&format!("ha/control-plane-{i}")].clone())
        .collect();
    assert_eq!(cp_hosts.len(), 3, "{placed:?}");
}

#[test]
fn overcommit_multiplies_host_capacity() {
    // 1 CP + 2 workers + 1 surge, all medium: 32 vCPU and 128Gi on a 16-core, 64Gi host.
    let needs = |overcommit| {
        let infra = infra(&[(16, "64Gi")], overcommit);
        let c = cluster(&infra, "c", (1, "medium"), &[("md-0", 2, "medium")]);
        report(&infra, &[c])
    };
    let none = needs(None);
    assert!(!none.fits);
    assert_eq!(none.hosts[0].host.capacity, Resources::new(16, 64 * GI));
    assert_eq!(
        none.totals.shortfall,
        Resources::new(16, 64 * GI),
        "32/128 asked of 16/64"
    );

    let both = needs(Some((2.0, 2.0)));
    assert!(both.fits, "{:?}", both.unfit);
    assert_eq!(both.hosts[0].host.capacity, Resources::new(32, 128 * GI));
    assert_eq!(both.hosts[0].free(), Resources::default());

    let cpu_only = needs(Some((2.0, 1.0)));
    assert!(!cpu_only.fits);
    let reasons: Vec<&Reason> = cpu_only.unfit[0].vms.iter().map(|v| &v.reason).collect();
    assert!(
        reasons.iter().all(|r| matches!(
            r,
            Reason::NoRoom {
                most_free_memory_bytes: 0,
                ..
            }
        )),
        "{reasons:?}"
    );

    // Fractional ratios are exact in millicores: 10 cores × 1.5 = 15 vCPU.
    let fractional = infra(&[(10, "64Gi")], Some((1.5, 1.0)));
    let r = report(&fractional, &[]);
    assert_eq!(r.hosts[0].host.capacity.cpu_millis, 15_000);
}

#[test]
fn every_cluster_keeps_room_for_one_surge_vm() {
    // 1 CP + 2 workers of 8/32 fill a 24/96 host exactly; the surge VM does not fit.
    let infra = infra(&[(24, "96Gi")], None);
    let c = cluster(&infra, "c", (1, "medium"), &[("md-0", 2, "medium")]);
    let result = report(&infra, std::slice::from_ref(&c));
    assert!(!result.fits);
    assert_eq!(result.unfit[0].vms.len(), 1);
    assert_eq!(result.unfit[0].vms[0].vm, "surge");
    assert_eq!(result.unfit[0].missing, Resources::new(8, 32 * GI));
    assert_eq!(result.totals.surge, Resources::new(8, 32 * GI));

    // The surge VM is as big as the biggest surging VM in every dimension.
    let demand = cluster_demand(
        &cluster(
            &infra,
            "mixed",
            (1, "small"),
            &[("a", 1, "medium"), ("b", 1, "large")],
        ),
        1,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let surge = demand.vms.last().unwrap_or_else(|| panic!("no vms"));
    assert_eq!(surge.role, VmRole::Surge);
    assert_eq!(surge.resources, Resources::new(16, 64 * GI));
}

#[test]
fn surge_of_an_ha_control_plane_avoids_its_hosts() {
    // Four hosts > three replicas: the control plane rolls with a surge VM, which must not land
    // next to another control-plane VM. The fourth host is too small for it, and the three big
    // hosts all run the control plane: the surge VM does not fit, for anti-affinity.
    let infra = infra(
        &[(16, "64Gi"), (16, "64Gi"), (16, "64Gi"), (4, "16Gi")],
        None,
    );
    let ha = cluster(&infra, "ha", (3, "medium"), &[("md-0", 1, "small")]);
    let demand = cluster_demand(&ha, 4).unwrap_or_else(|e| panic!("{e}"));
    assert!(demand.vms.iter().any(|v| v.is_surge() && v.anti_affine));
    let result = report(&infra, &[ha]);
    assert!(!result.fits);
    let surge = &result.unfit[0].vms;
    assert_eq!(surge.len(), 1, "{surge:?}");
    assert_eq!(surge[0].vm, "surge");
    assert!(matches!(surge[0].reason, Reason::AntiAffinity { .. }));

    // With no more hosts than replicas the control plane scales in first: no control-plane
    // surge, and the surge VM is only the workers' (not anti-affine).
    let three = self::infra(&[(16, "64Gi"), (16, "64Gi"), (16, "64Gi")], None);
    let ha = cluster(&three, "ha", (3, "medium"), &[("md-0", 1, "small")]);
    let demand = cluster_demand(&ha, 3).unwrap_or_else(|e| panic!("{e}"));
    let surge = demand.vms.iter().find(|v| v.is_surge());
    assert_eq!(
        surge.map(|s| (s.anti_affine, s.resources)),
        Some((false, Resources::new(4, 16 * GI)))
    );
    assert!(report(&three, &[ha]).fits);
}

#[test]
fn control_plane_surge_matches_the_rendered_kubeadm_control_plane() {
    for hosts in 1..=5usize {
        for replicas in [1, 3, 5] {
            let infra = infra(&vec![(64, "256Gi"); hosts], None);
            let c = cluster(&infra, "c", (replicas, "small"), &[("md-0", 1, "small")]);
            let rendered = crate::render::render_cluster(&c).unwrap_or_else(|e| panic!("{e}"));
            let kcp = rendered
                .objects
                .iter()
                .find(|o| o.kind() == "KubeadmControlPlane")
                .unwrap_or_else(|| panic!("no KCP"));
            let max_surge = &kcp.0["spec"]["rollout"]["strategy"]["rollingUpdate"]["maxSurge"];
            assert_eq!(
                max_surge.as_i64() == Some(1),
                control_plane_surges(hosts, replicas),
                "hosts {hosts}, replicas {replicas}"
            );
        }
    }
}

#[test]
fn n_plus_one_drains_each_host_onto_the_others() {
    // Two 16/64 hosts; 1 CP + 1 worker (8/32 each) + surge: after releasing the surge, either
    // host's VMs fit on the other.
    let roomy = infra(&[(16, "64Gi"), (16, "64Gi")], None);
    let c = cluster(&roomy, "c", (1, "medium"), &[("md-0", 1, "medium")]);
    let result = report(&roomy, &[c]);
    assert!(result.fits && result.n_plus_one, "{:?}", result.hosts);

    // Three workers fill both hosts: neither can be drained.
    let c = cluster(&roomy, "c", (1, "medium"), &[("md-0", 2, "medium")]);
    let result = report(&roomy, &[c]);
    assert!(result.fits);
    assert!(!result.n_plus_one);
    assert!(result.hosts.iter().all(|h| !h.drain.drainable));

    // An HA control plane on exactly three hosts cannot live-migrate anywhere.
    let three = infra(&[(64, "256Gi"), (64, "256Gi"), (64, "256Gi")], None);
    let ha = cluster(&three, "ha", (3, "small"), &[("md-0", 1, "small")]);
    let result = report(&three, &[ha]);
    assert!(result.fits);
    assert!(!result.n_plus_one);
    for host in &result.hosts {
        assert!(!host.drain.drainable);
        assert_eq!(host.drain.stranded.len(), 1, "{:?}", host.drain);
        assert!(host.drain.stranded[0].starts_with("ha/control-plane-"));
    }
    // A fourth host gives each control-plane VM somewhere to go.
    let four = infra(&[(64, "256Gi"); 4], None);
    let ha = cluster(&four, "ha", (3, "small"), &[("md-0", 1, "small")]);
    assert!(report(&four, &[ha]).n_plus_one);
}

#[test]
fn headroom_is_the_largest_cluster_of_each_size_that_still_fits() {
    // An empty 32/128 host holds 8 small VMs: 1 control plane + surge + 6 workers.
    let empty = infra(&[(32, "128Gi")], None);
    let result = report(&empty, &[]);
    let small = result.headroom.iter().find(|h| h.size == "small");
    assert_eq!(small.and_then(|h| h.max_workers), Some(6));
    let xlarge = result.headroom.iter().find(|h| h.size == "xlarge");
    assert_eq!(
        xlarge.map(|h| h.max_workers),
        Some(None),
        "one xlarge VM fits, not two"
    );
}

#[test]
fn per_environment_requested_and_available() {
    let infra = infra(&[(32, "128Gi"), (32, "128Gi")], None);
    let mut a = cluster(&infra, "a", (1, "small"), &[("md-0", 2, "small")]);
    a.environment = "dev".to_owned();
    let mut b = cluster(&infra, "b", (1, "medium"), &[("md-0", 1, "medium")]);
    b.environment = "prod".to_owned();
    let result = report(&infra, &[a, b]);
    assert!(result.fits);
    let env = |name: &str| {
        result
            .environments
            .iter()
            .find(|e| e.environment == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name}"))
    };
    assert_eq!(env("dev").requested, Resources::new(12, 48 * GI));
    assert_eq!(env("dev").surge, Resources::new(4, 16 * GI));
    assert_eq!(env("prod").requested, Resources::new(16, 64 * GI));
    // Available to dev: 64/256 minus prod's 16/64 + 8/32 surge.
    assert_eq!(env("dev").available, Resources::new(40, 160 * GI));
    let allocated: Resources = result
        .hosts
        .iter()
        .fold(Resources::default(), |s, h| s.plus(h.allocated));
    assert_eq!(allocated, Resources::new(28, 112 * GI));
}

#[test]
fn other_providers_and_missing_hosts_are_not_planned() {
    let mut docker = fixtures::kubevirt_infrastructure();
    docker.spec.kubevirt = None;
    docker.spec.docker = Some(drover_api::infrastructure::DockerInfrastructure::default());
    match plan(&docker, &[]) {
        Ok(CapacityPlan::NotPlanned { reason, .. }) => {
            assert!(reason.contains("docker"), "{reason}");
            assert!(reason.contains("cloud or provider-managed"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let mut no_hosts = fixtures::kubevirt_infrastructure();
    if let Some(kubevirt) = &mut no_hosts.spec.kubevirt {
        kubevirt.hosts = None;
    }
    assert!(matches!(
        plan(&no_hosts, &[]),
        Ok(CapacityPlan::NotPlanned { .. })
    ));
    let mut bad = infra(&[(8, "lots")], None);
    assert!(matches!(
        plan(&bad, &[]),
        Err(CapacityError::Invalid { field, .. }) if field == "spec.kubevirt.hosts[0].memory"
    ));
    bad = infra(&[(8, "8Gi")], Some((0.5, 1.0)));
    assert!(plan(&bad, &[]).is_err());
}

#[test]
fn admission_judges_a_claim_against_everything_else() {
    let infra = infra(&[(32, "128Gi"), (32, "128Gi")], None);
    // big: 3 large VMs + a large surge VM = 64/256; small: 4 small = 16/64. Together: full.
    let existing = cluster(&infra, "big", (1, "large"), &[("md-0", 1, "large")]);
    let small = cluster(&infra, "small", (1, "small"), &[("md-0", 2, "small")]);
    let fits =
        admit(&infra, std::slice::from_ref(&existing), &small).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(fits.verdict, Verdict::Fits, "{}", fits.message);

    // huge: 5 large VMs (80/320) next to small: h1 keeps 16/64 free, h2 32/128, so three of
    // them find a host and two (32/128) do not.
    let huge = cluster(&infra, "huge", (1, "large"), &[("md-0", 3, "large")]);
    let refused =
        admit(&infra, std::slice::from_ref(&small), &huge).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(refused.verdict, Verdict::DoesNotFit);
    let shortfall = refused.shortfall.unwrap_or_else(|| panic!("no shortfall"));
    assert_eq!(shortfall.cluster, "huge");
    assert_eq!(shortfall.vms.len(), 2, "{shortfall:?}");
    assert_eq!(shortfall.missing, Resources::new(32, 128 * GI));
    assert!(
        refused
            .message
            .contains("does not fit on Infrastructure metal"),
        "{}",
        refused.message
    );
    assert!(refused.others_not_fitting.is_empty());

    // Shrinking `small` to 3 VMs (12/48) fits only because its old entry is replaced.
    let resized = cluster(&infra, "small", (1, "small"), &[("md-0", 1, "small")]);
    let verdict =
        admit(&infra, &[small, existing.clone()], &resized).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(verdict.verdict, Verdict::Fits, "{}", verdict.message);
    let other = cluster(&infra, "other", (1, "small"), &[("md-0", 1, "small")]);
    let verdict =
        admit(&infra, &[resized.clone(), existing], &other).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(verdict.verdict, Verdict::DoesNotFit, "{}", verdict.message);

    let mut docker = fixtures::kubevirt_infrastructure();
    docker.spec.kubevirt = None;
    docker.spec.docker = Some(drover_api::infrastructure::DockerInfrastructure::default());
    let verdict = admit(&docker, &[], &resized).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(verdict.verdict, Verdict::NotPlanned);
}

#[test]
fn quantities_read_well() {
    assert_eq!(format_bytes(128 * GI), "128Gi");
    assert_eq!(format_bytes(3 * GI / 2), "1.5Gi");
    assert_eq!(format_bytes(2 << 40), "2Ti");
    assert_eq!(format_cpu(15_000), "15");
    assert_eq!(format_cpu(12_500), "12.5");
    assert_eq!(describe(Resources::new(8, 32 * GI)), "8 vCPU, 32Gi");
}

#[test]
fn a_spread_placement_is_kept_when_it_makes_every_host_drainable() {
    // 80 of 96 vCPU: best fit fills two hosts to the brim, and one of them then has nowhere to
    // drain to; spreading the same VMs leaves room everywhere.
    let infra = infra(&[(32, "128Gi"); 3], None);
    let clusters = [
        cluster(&infra, "m", (1, "medium"), &[("md-0", 3, "medium")]),
        cluster(&infra, "s1", (1, "small"), &[("md-0", 3, "small")]),
        cluster(&infra, "s2", (1, "small"), &[("md-0", 3, "small")]),
    ];
    let Ok(model::Hosts::Listed(hosts, _)) = model::hosts_of(&infra) else {
        panic!("hosts")
    };
    let demands = demands("metal", &clusters, hosts.len()).unwrap_or_else(|e| panic!("{e}"));
    let packed = placement::place(&hosts, &demands, None);
    assert!(packed.unfit.is_empty());
    assert!(
        drain::drain_checks(&packed.state)
            .iter()
            .any(|d| !d.drainable),
        "best fit alone blocks a drain"
    );
    let result = report(&infra, &clusters);
    assert!(result.fits);
    assert_eq!(result.strategy, Strategy::Spread);
    assert!(result.n_plus_one, "{:?}", result.hosts);
}
