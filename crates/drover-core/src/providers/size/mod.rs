//! The one size check every provider runs: each states in a [`SizeRules`] which of a size's
//! settings it needs, which it cannot use and why, the limits of its machines, and which of the
//! cluster's sizes it renders; [`check_sizes`] turns every way a size does not fit into an
//! [`Issue`] at the claim field that chose it.

use std::ops::RangeInclusive;

use super::Issue;
use crate::resolve::{ResolvedCluster, ResolvedSize};

/// One setting of an Infrastructure's size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SizeField {
    /// `cpu`: virtual CPUs.
    Cpu,
    /// `memory`.
    Memory,
    /// `disk`: the root (or data) disk.
    Disk,
    /// `instanceType`: a cloud's machine type.
    InstanceType,
}

impl SizeField {
    /// All settings, in the order messages list them.
    const ALL: [Self; 4] = [Self::Cpu, Self::Memory, Self::Disk, Self::InstanceType];

    /// The setting's name in an Infrastructure.
    fn name(self) -> &'static str {
        match self {
            Self::Cpu => "cpu",
            Self::Memory => "memory",
            Self::Disk => "disk",
            Self::InstanceType => "instanceType",
        }
    }

    fn is_set(self, size: &ResolvedSize) -> bool {
        match self {
            Self::Cpu => size.cpu.is_some(),
            Self::Memory => size.memory.is_some(),
            Self::Disk => size.disk.is_some(),
            Self::InstanceType => size.instance_type.is_some(),
        }
    }
}

/// Which of a cluster's sizes a provider turns into machines (and so checks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckedSizes {
    /// `spec.controlPlane.size`, then every `spec.workers[i].size`.
    ControlPlaneAndWorkers,
    /// Only the worker pools' sizes: the service runs the control plane.
    Workers,
    /// Only the control plane's size: there are no worker machines.
    ControlPlane,
}

/// What one provider accepts in a size.
#[derive(Clone, Debug)]
pub struct SizeRules {
    /// Who the messages name: `provider `kubevirt``, `provider `aws` (EKS)`.
    pub label: String,
    /// Settings every size must have.
    pub required: &'static [SizeField],
    /// Why, said after the label: `sizes VMs by cpu, memory and disk`.
    pub required_because: String,
    /// Settings no size may have.
    pub refused: &'static [SizeField],
    /// Why, said after "which <label> does not use: ": `the EC2 instance type decides them`.
    pub refused_because: String,
    /// Fewest vCPUs a machine may have (0: no floor).
    pub min_cpu: u32,
    /// Disk sizes the provider accepts, in whole GiB.
    pub disk_gib: RangeInclusive<u64>,
    /// Memory (MiB) and disk (GiB) must fit the `int32` fields of a VM API.
    pub fits_int32: bool,
    /// Which of the cluster's sizes are checked.
    pub sizes: CheckedSizes,
}

impl SizeRules {
    /// A VM provider's rules (KubeVirt, Proxmox, vSphere): cpu, memory and disk on every
    /// machine, no instance type, at least `min_cpu` vCPUs and `min_disk_gib` GiB of disk, and
    /// everything within the VM API's `int32` fields.
    pub fn vm(provider: &str, min_cpu: u32, min_disk_gib: u64) -> Self {
        Self {
            label: format!("provider `{provider}`"),
            required: &[SizeField::Cpu, SizeField::Memory, SizeField::Disk],
            required_because: "sizes VMs by cpu, memory and disk".to_owned(),
            refused: &[SizeField::InstanceType],
            refused_because: "it sizes VMs by cpu, memory and disk".to_owned(),
            min_cpu,
            disk_gib: min_disk_gib..=u64::MAX,
            fits_int32: true,
            sizes: CheckedSizes::ControlPlaneAndWorkers,
        }
    }
}

/// Adds an issue for each way a size `rules.sizes` names in `cluster` does not fit `rules`, at
/// the claim field that chose the size.
pub fn check_sizes(issues: &mut Vec<Issue>, cluster: &ResolvedCluster, rules: &SizeRules) {
    if rules.sizes != CheckedSizes::Workers {
        check_size(
            issues,
            "spec.controlPlane.size",
            &cluster.control_plane.size,
            rules,
        );
    }
    if rules.sizes != CheckedSizes::ControlPlane {
        for (index, pool) in cluster.workers.iter().enumerate() {
            check_size(
                issues,
                &format!("spec.workers[{index}].size"),
                &pool.size,
                rules,
            );
        }
    }
}

/// Adds an issue at `field` for each way `size` does not fit `rules`.
pub fn check_size(issues: &mut Vec<Issue>, field: &str, size: &ResolvedSize, rules: &SizeRules) {
    let name = &size.name;
    let label = &rules.label;
    let missing = listed(rules.required, |f| !f.is_set(size));
    if !missing.is_empty() {
        let because = &rules.required_because;
        issues.push(Issue::new(
            field,
            format!("size `{name}` has no {missing}: {label} {because}"),
        ));
    }
    let refused = listed(rules.refused, |f| f.is_set(size));
    if !refused.is_empty() {
        let because = &rules.refused_because;
        issues.push(Issue::new(
            field,
            format!("size `{name}` sets {refused}, which {label} does not use: {because}"),
        ));
    }
    if let Some(cpu) = size.cpu
        && cpu < rules.min_cpu
    {
        issues.push(Issue::new(
            field,
            format!(
                "size `{name}` has {cpu} vCPU; {label} needs at least {}",
                rules.min_cpu
            ),
        ));
    }
    if let Some(memory) = &size.memory
        && rules.fits_int32
        && i32::try_from(memory.mebibytes()).is_err()
    {
        issues.push(Issue::new(
            field,
            format!("size `{name}` has {memory} of memory, more than {label} can give a VM"),
        ));
    }
    if let Some(disk) = &size.disk {
        let gib = disk.gibibytes();
        if !rules.disk_gib.contains(&gib) {
            issues.push(Issue::new(
                field,
                format!(
                    "size `{name}` disk {disk} ({gib} GiB) is outside what {label} accepts for a node's root disk ({})",
                    range_text(&rules.disk_gib)
                ),
            ));
        } else if rules.fits_int32 && i32::try_from(gib).is_err() {
            issues.push(Issue::new(
                field,
                format!("size `{name}` has a {disk} disk, more than {label} can give a VM"),
            ));
        }
    }
}

/// The settings among `fields` that `pick` selects, as prose (`cpu, memory and disk`), in
/// [`SizeField::ALL`]'s order; empty when none.
fn listed(fields: &[SizeField], pick: impl Fn(SizeField) -> bool) -> String {
    let names: Vec<&str> = SizeField::ALL
        .into_iter()
        .filter(|field| fields.contains(field) && pick(*field))
        .map(SizeField::name)
        .collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// `20..=16384 GiB`, or `at least 5 GiB` when there is no upper bound.
fn range_text(range: &RangeInclusive<u64>) -> String {
    if *range.end() == u64::MAX {
        format!("at least {} GiB", range.start())
    } else {
        format!("{}..={} GiB", range.start(), range.end())
    }
}

#[cfg(test)]
mod tests;
