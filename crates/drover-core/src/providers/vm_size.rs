//! Size checks shared by the providers whose machines are VMs sized by vCPU, memory and disk
//! (KubeVirt, Proxmox, vSphere): every size needs all three, and none may name a cloud instance type.

use super::Issue;
use crate::resolve::ResolvedSize;

/// What a provider's VMs accept.
#[derive(Clone, Copy, Debug)]
pub struct VmSizeRules {
    /// Provider name for messages (`proxmox`).
    pub provider: &'static str,
    /// Fewest vCPUs a VM may have.
    pub min_cpu: u32,
    /// Smallest root disk, in GiB.
    pub min_disk_gib: u64,
}

/// Adds an issue at `field` for each way `size` does not fit `rules`.
pub fn check_vm_size(
    issues: &mut Vec<Issue>,
    field: &str,
    size: &ResolvedSize,
    rules: VmSizeRules,
) {
    let provider = rules.provider;
    let mut missing = Vec::new();
    if size.cpu.is_none() {
        missing.push("cpu");
    }
    if size.memory.is_none() {
        missing.push("memory");
    }
    if size.disk.is_none() {
        missing.push("disk");
    }
    if !missing.is_empty() {
        issues.push(Issue::new(
            field,
            format!(
                "size `{}` has no {} (provider `{provider}` sizes VMs by cpu, memory and disk)",
                size.name,
                missing.join(", ")
            ),
        ));
    }
    if size.instance_type.is_some() {
        issues.push(Issue::new(
            field,
            format!(
                "size `{}` sets instanceType, which provider `{provider}` does not use (it sizes VMs by cpu, memory and disk)",
                size.name
            ),
        ));
    }
    if let Some(cpu) = size.cpu
        && cpu < rules.min_cpu
    {
        issues.push(Issue::new(
            field,
            format!(
                "size `{}` has {cpu} vCPU; provider `{provider}` needs at least {}",
                size.name, rules.min_cpu
            ),
        ));
    }
    if let Some(memory) = &size.memory
        && i32::try_from(memory.mebibytes()).is_err()
    {
        issues.push(Issue::new(
            field,
            format!(
                "size `{}` has {memory} of memory, more than provider `{provider}` can give a VM",
                size.name
            ),
        ));
    }
    if let Some(disk) = &size.disk {
        if disk.gibibytes() < rules.min_disk_gib {
            issues.push(Issue::new(
                field,
                format!(
                    "size `{}` has a {disk} disk; provider `{provider}` needs at least {}Gi",
                    size.name, rules.min_disk_gib
                ),
            ));
        } else if i32::try_from(disk.gibibytes()).is_err() {
            issues.push(Issue::new(
                field,
                format!(
                    "size `{}` has a {disk} disk, more than provider `{provider}` can give a VM",
                    size.name
                ),
            ));
        }
    }
}

/// Memory in MiB (rounded up to a multiple of `multiple`) as the `int32` VM APIs want; 0 when
/// unset or out of range (both refused by [`check_vm_size`] first).
pub fn memory_mib(size: &ResolvedSize, multiple: u64) -> i32 {
    size.memory
        .as_ref()
        .map(|m| m.mebibytes().div_ceil(multiple) * multiple)
        .and_then(|mib| i32::try_from(mib).ok())
        .unwrap_or(0)
}

/// Root disk in whole GiB (rounded up); 0 when unset or out of range (refused by
/// [`check_vm_size`] first).
pub fn disk_gib(size: &ResolvedSize) -> i32 {
    size.disk
        .as_ref()
        .and_then(|d| i32::try_from(d.gibibytes()).ok())
        .unwrap_or(0)
}

/// vCPUs as `int32`; 0 when unset (refused by [`check_vm_size`] first).
pub fn cpus(size: &ResolvedSize) -> i32 {
    size.cpu.and_then(|c| i32::try_from(c).ok()).unwrap_or(0)
}
