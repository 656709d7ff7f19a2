//! A size as the `int32` fields of the VM APIs (Proxmox, vSphere) want it. Sizes reach these
//! only after [`check_sizes`](super::size::check_sizes) with
//! [`SizeRules::vm`](super::size::SizeRules::vm): cpu, memory and disk set and in range.

use crate::resolve::ResolvedSize;

/// Memory in MiB (rounded up to a multiple of `multiple`) as the `int32` VM APIs want; 0 when
/// unset or out of range (both refused by [`check_sizes`](super::size::check_sizes) first).
pub fn memory_mib(size: &ResolvedSize, multiple: u64) -> i32 {
    size.memory
        .as_ref()
        .map(|m| m.mebibytes().div_ceil(multiple) * multiple)
        .and_then(|mib| i32::try_from(mib).ok())
        .unwrap_or(0)
}

/// Root disk in whole GiB (rounded up); 0 when unset or out of range (refused by
/// [`check_sizes`](super::size::check_sizes) first).
pub fn disk_gib(size: &ResolvedSize) -> i32 {
    size.disk
        .as_ref()
        .and_then(|d| i32::try_from(d.gibibytes()).ok())
        .unwrap_or(0)
}

/// vCPUs as `int32`; 0 when unset (refused by [`check_sizes`](super::size::check_sizes) first).
pub fn cpus(size: &ResolvedSize) -> i32 {
    size.cpu.and_then(|c| i32::try_from(c).ok()).unwrap_or(0)
}
