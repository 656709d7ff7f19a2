use super::{CheckedSizes, SizeField, SizeRules, check_size, check_sizes};
use crate::fixtures::{claim, environment, kubevirt_infrastructure, resolved, with_workers};
use crate::providers::Issue;
use crate::quantity::Quantity;
use crate::resolve::ResolvedSize;

const FIELD: &str = "spec.workers[0].size";

/// Rules that accept anything: each test sets the one rule it is about.
fn lenient() -> SizeRules {
    SizeRules {
        label: "provider `test`".to_owned(),
        required: &[],
        required_because: "sizes machines by cpu, memory and disk".to_owned(),
        refused: &[],
        refused_because: "the machine type decides them".to_owned(),
        min_cpu: 0,
        disk_gib: 0..=u64::MAX,
        fits_int32: false,
        sizes: CheckedSizes::ControlPlaneAndWorkers,
    }
}

fn size(
    cpu: Option<u32>,
    memory: Option<&str>,
    disk: Option<&str>,
    instance: Option<&str>,
) -> ResolvedSize {
    let quantity = |text: &str| Quantity::parse(text).expect("test quantity");
    ResolvedSize {
        name: "s".to_owned(),
        cpu,
        memory: memory.map(quantity),
        disk: disk.map(quantity),
        instance_type: instance.map(str::to_owned),
    }
}

fn messages(size: &ResolvedSize, rules: &SizeRules) -> Vec<String> {
    let mut issues = Vec::new();
    check_size(&mut issues, FIELD, size, rules);
    assert!(
        issues.iter().all(|issue| issue.field == FIELD),
        "{issues:?}"
    );
    issues.into_iter().map(|issue| issue.message).collect()
}

#[test]
fn missing_required_settings_are_named_with_the_reason() {
    let rules = SizeRules {
        required: &[SizeField::Cpu, SizeField::Memory, SizeField::Disk],
        ..lenient()
    };
    assert_eq!(
        messages(&size(Some(2), None, None, None), &rules),
        ["size `s` has no memory and disk: provider `test` sizes machines by cpu, memory and disk"]
    );
    assert_eq!(
        messages(&size(None, None, None, Some("m6i.large")), &rules),
        [
            "size `s` has no cpu, memory and disk: provider `test` sizes machines by cpu, memory and disk"
        ]
    );
    assert!(messages(&size(Some(2), Some("4Gi"), Some("20Gi"), None), &rules).is_empty());
}

#[test]
fn refused_settings_are_named_with_the_reason() {
    let rules = SizeRules {
        refused: &[SizeField::Cpu, SizeField::Memory, SizeField::InstanceType],
        ..lenient()
    };
    assert_eq!(
        messages(&size(Some(2), Some("4Gi"), Some("20Gi"), None), &rules),
        [
            "size `s` sets cpu and memory, which provider `test` does not use: the machine type decides them"
        ]
    );
    assert_eq!(
        messages(&size(None, None, None, Some("m6i.large")), &rules),
        [
            "size `s` sets instanceType, which provider `test` does not use: the machine type decides them"
        ]
    );
    // A disk is not refused here.
    assert!(messages(&size(None, None, Some("20Gi"), None), &rules).is_empty());
}

#[test]
fn fewer_vcpus_than_the_floor_are_refused() {
    let rules = SizeRules {
        min_cpu: 2,
        ..lenient()
    };
    assert_eq!(
        messages(&size(Some(1), None, None, None), &rules),
        ["size `s` has 1 vCPU; provider `test` needs at least 2"]
    );
    assert!(messages(&size(Some(2), None, None, None), &rules).is_empty());
}

#[test]
fn disks_outside_the_range_are_refused_and_its_ends_are_accepted() {
    let bounded = SizeRules {
        disk_gib: 20..=16_384,
        ..lenient()
    };
    assert_eq!(
        messages(&size(None, None, Some("10Gi"), None), &bounded),
        [
            "size `s` disk 10Gi (10 GiB) is outside what provider `test` accepts for a node's root disk (20..=16384 GiB)"
        ]
    );
    assert_eq!(
        messages(&size(None, None, Some("17Ti"), None), &bounded).len(),
        1
    );
    assert!(messages(&size(None, None, Some("20Gi"), None), &bounded).is_empty());
    assert!(messages(&size(None, None, Some("16Ti"), None), &bounded).is_empty());

    let floor = SizeRules {
        disk_gib: 5..=u64::MAX,
        ..lenient()
    };
    assert_eq!(
        messages(&size(None, None, Some("4Gi"), None), &floor),
        [
            "size `s` disk 4Gi (4 GiB) is outside what provider `test` accepts for a node's root disk (at least 5 GiB)"
        ]
    );
}

#[test]
fn memory_and_disk_beyond_int32_are_refused_only_for_vm_apis() {
    // 2^31 MiB and 2^31 GiB: one past what an int32 holds.
    let huge = size(None, Some("2048Ti"), Some("2048Pi"), None);
    assert!(messages(&huge, &lenient()).is_empty());
    let vm = SizeRules {
        fits_int32: true,
        ..lenient()
    };
    assert_eq!(
        messages(&huge, &vm),
        [
            "size `s` has 2048Ti of memory, more than provider `test` can give a VM",
            "size `s` has a 2048Pi disk, more than provider `test` can give a VM",
        ]
    );
    assert!(messages(&size(None, Some("2047Ti"), Some("2047Pi"), None), &vm).is_empty());
}

#[test]
fn vm_rules_need_cpu_memory_and_disk_and_refuse_an_instance_type() {
    let rules = SizeRules::vm("proxmox", 1, 5);
    assert_eq!(
        messages(&size(Some(0), None, Some("4Gi"), Some("m6i.large")), &rules),
        [
            "size `s` has no memory: provider `proxmox` sizes VMs by cpu, memory and disk",
            "size `s` sets instanceType, which provider `proxmox` does not use: it sizes VMs by cpu, memory and disk",
            "size `s` has 0 vCPU; provider `proxmox` needs at least 1",
            "size `s` disk 4Gi (4 GiB) is outside what provider `proxmox` accepts for a node's root disk (at least 5 GiB)",
        ]
    );
}

/// The fields of the issues `sizes` yields on a cluster with two worker pools whose every size
/// sets a refused instance type.
fn checked_fields(sizes: CheckedSizes) -> Vec<String> {
    let wc = with_workers(
        claim("team-a", "sizes", "dev"),
        &[("md-0", 1, "small"), ("md-1", 1, "medium")],
    );
    let mut cluster = resolved(
        &wc,
        &environment("dev", "v1.32.1"),
        &kubevirt_infrastructure(),
    );
    let cloudy = size(None, None, None, Some("m6i.large"));
    cluster.control_plane.size = cloudy.clone();
    for pool in &mut cluster.workers {
        pool.size = cloudy.clone();
    }
    let rules = SizeRules {
        refused: &[SizeField::InstanceType],
        sizes,
        ..lenient()
    };
    let mut issues: Vec<Issue> = Vec::new();
    check_sizes(&mut issues, &cluster, &rules);
    issues.into_iter().map(|issue| issue.field).collect()
}

#[test]
fn the_rules_choose_which_of_the_cluster_sizes_are_checked() {
    assert_eq!(
        checked_fields(CheckedSizes::ControlPlaneAndWorkers),
        [
            "spec.controlPlane.size",
            "spec.workers[0].size",
            "spec.workers[1].size"
        ]
    );
    assert_eq!(
        checked_fields(CheckedSizes::Workers),
        ["spec.workers[0].size", "spec.workers[1].size"]
    );
    assert_eq!(
        checked_fields(CheckedSizes::ControlPlane),
        ["spec.controlPlane.size"]
    );
}
