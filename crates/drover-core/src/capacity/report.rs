//! The capacity report: per host (allocated / total, where the room went, drainability), per
//! environment (requested vs. available), the claims that do not fit and by how much, and the
//! headroom left (the largest cluster of each size that would still fit).

use std::collections::BTreeMap;

use serde::Serialize;

use super::drain::DrainCheck;
use super::model::{ClusterDemand, HostSpec, Ratios, Resources};
use super::placement::{Outcome, Reason, Strategy};

/// Capacity planning of one Infrastructure.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CapacityReport {
    /// The Infrastructure.
    pub infrastructure: String,
    /// Overcommit ratios applied to the hosts.
    pub overcommit: Ratios,
    /// The ordering that produced the placement.
    pub strategy: Strategy,
    /// Every VM and surge reservation of every cluster found a host.
    pub fits: bool,
    /// Every host can be drained onto the others (N+1).
    pub n_plus_one: bool,
    /// Sums over the whole infrastructure.
    pub totals: Totals,
    /// Per host, in the Infrastructure's order.
    pub hosts: Vec<HostReport>,
    /// Per environment, by name.
    pub environments: Vec<EnvironmentReport>,
    /// Claims that do not fit, with what is missing.
    pub unfit: Vec<ClusterShortfall>,
    /// For each size of the Infrastructure, the largest cluster that would still fit.
    pub headroom: Vec<Headroom>,
}

/// Sums over the infrastructure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    /// What the hosts offer (overcommit applied).
    pub capacity: Resources,
    /// What the clusters' VMs ask for (surge excluded).
    pub requested: Resources,
    /// Surge reservations (one per cluster).
    pub surge: Resources,
    /// Requested plus surge beyond capacity (zero when it is within).
    pub shortfall: Resources,
    /// Number of VMs (surge excluded).
    pub vms: usize,
    /// Number of clusters.
    pub clusters: usize,
}

/// One host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HostReport {
    /// The host and its capacity.
    #[serde(flatten)]
    pub host: HostSpec,
    /// Used by VMs.
    pub allocated: Resources,
    /// Kept free for surge VMs.
    pub reserved: Resources,
    /// Local storage used by VM disks (hosts that list storage).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_used_bytes: Option<u64>,
    /// VM use by environment, by environment name.
    pub by_environment: BTreeMap<String, Resources>,
    /// The VMs and surge reservations on the host, in placement order of the clusters.
    pub vms: Vec<PlacedVm>,
    /// The N+1 check of this host.
    pub drain: DrainCheck,
}

impl HostReport {
    /// Capacity not used by VMs or reservations.
    pub fn free(&self) -> Resources {
        self.host
            .capacity
            .minus(self.allocated)
            .minus(self.reserved)
    }
}

/// A VM (or surge reservation) on a host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlacedVm {
    /// Cluster name.
    pub cluster: String,
    /// Environment of the cluster.
    pub environment: String,
    /// `control-plane-2`, `md-0-3`, `surge`.
    pub vm: String,
    /// What it takes.
    pub resources: Resources,
    /// Root disk in bytes.
    pub disk_bytes: u64,
    /// It must not share the host with another anti-affine VM of its cluster.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub anti_affine: bool,
    /// A surge reservation, not a running VM.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub surge: bool,
}

/// One environment's share of the infrastructure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentReport {
    /// Environment name.
    pub environment: String,
    /// Its clusters on this infrastructure.
    pub clusters: usize,
    /// Its VMs (surge excluded).
    pub vms: usize,
    /// What its VMs ask for.
    pub requested: Resources,
    /// Its surge reservations.
    pub surge: Resources,
    /// Requested plus surge of its clusters that do not fit.
    pub not_placed: Resources,
    /// Capacity minus what the other environments' placed VMs and reservations take.
    pub available: Resources,
}

/// A claim that does not fit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterShortfall {
    /// Cluster name.
    pub cluster: String,
    /// Namespace of the claim.
    pub claim_namespace: String,
    /// Environment.
    pub environment: String,
    /// Everything the claim asks for (VMs and surge).
    pub requested: Resources,
    /// What found no host: the sum of the VMs below.
    pub missing: Resources,
    /// The VMs that found no host, and why.
    pub vms: Vec<UnplacedVm>,
}

/// A VM that found no host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnplacedVm {
    /// `control-plane-2`, `md-0-3`, `surge`.
    pub vm: String,
    /// What it asks for.
    pub resources: Resources,
    /// Why it found no host.
    pub reason: Reason,
}

/// The largest cluster of one size that still fits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Headroom {
    /// Size name.
    pub size: String,
    /// One VM of the size.
    pub resources: Resources,
    /// Worker VMs a new cluster of 1 control plane and N workers of this size (plus its surge
    /// VM) could have; `None` when not even the control plane and surge VM fit.
    pub max_workers: Option<u64>,
}

/// Builds the report from a placement.
pub(crate) fn build(
    infrastructure: &str,
    ratios: Ratios,
    hosts: &[HostSpec],
    clusters: &[ClusterDemand],
    outcome: &Outcome<'_>,
    drains: Vec<DrainCheck>,
    sizes: &[(String, Resources, u64)],
) -> CapacityReport {
    let state = &outcome.state;
    let mut host_reports: Vec<HostReport> = hosts
        .iter()
        .zip(drains)
        .map(|(host, drain)| HostReport {
            host: host.clone(),
            allocated: Resources::default(),
            reserved: Resources::default(),
            storage_used_bytes: host.storage_bytes.map(|_| 0),
            by_environment: BTreeMap::new(),
            vms: Vec::new(),
            drain,
        })
        .collect();
    let mut totals = Totals {
        capacity: hosts
            .iter()
            .fold(Resources::default(), |s, h| s.plus(h.capacity)),
        requested: Resources::default(),
        surge: Resources::default(),
        shortfall: Resources::default(),
        vms: 0,
        clusters: clusters.len(),
    };
    let mut environments: BTreeMap<&str, EnvironmentReport> = BTreeMap::new();
    // What each environment's placed VMs and reservations take, for `available`.
    let mut taken: BTreeMap<&str, Resources> = BTreeMap::new();
    for (c, cluster) in clusters.iter().enumerate() {
        let env = environments
            .entry(&cluster.environment)
            .or_insert_with(|| EnvironmentReport {
                environment: cluster.environment.clone(),
                clusters: 0,
                vms: 0,
                requested: Resources::default(),
                surge: Resources::default(),
                not_placed: Resources::default(),
                available: Resources::default(),
            });
        env.clusters += 1;
        for (v, vm) in cluster.vms.iter().enumerate() {
            if vm.is_surge() {
                env.surge = env.surge.plus(vm.resources);
                totals.surge = totals.surge.plus(vm.resources);
            } else {
                env.vms += 1;
                env.requested = env.requested.plus(vm.resources);
                totals.requested = totals.requested.plus(vm.resources);
                totals.vms += 1;
            }
            let Some(host) = state.assignment[c][v] else {
                env.not_placed = env.not_placed.plus(vm.resources);
                continue;
            };
            let entry = taken.entry(&cluster.environment).or_default();
            *entry = entry.plus(vm.resources);
            let report = &mut host_reports[host];
            if vm.is_surge() {
                report.reserved = report.reserved.plus(vm.resources);
            } else {
                report.allocated = report.allocated.plus(vm.resources);
                let share = report
                    .by_environment
                    .entry(cluster.environment.clone())
                    .or_default();
                *share = share.plus(vm.resources);
            }
            if let Some(used) = &mut report.storage_used_bytes {
                *used += vm.disk_bytes;
            }
            report.vms.push(PlacedVm {
                cluster: cluster.name.clone(),
                environment: cluster.environment.clone(),
                vm: vm.label(),
                resources: vm.resources,
                disk_bytes: vm.disk_bytes,
                anti_affine: vm.anti_affine,
                surge: vm.is_surge(),
            });
        }
    }
    totals.shortfall = totals.requested.plus(totals.surge).minus(totals.capacity);
    let all_taken = taken.values().fold(Resources::default(), |s, r| s.plus(*r));
    for env in environments.values_mut() {
        let own = taken
            .get(env.environment.as_str())
            .copied()
            .unwrap_or_default();
        env.available = totals.capacity.minus(all_taken.minus(own));
    }
    let unfit = shortfalls(clusters, outcome);
    let headroom = sizes
        .iter()
        .map(|(size, resources, disk)| Headroom {
            size: size.clone(),
            resources: *resources,
            max_workers: max_workers(&host_reports, *resources, *disk),
        })
        .collect();
    CapacityReport {
        infrastructure: infrastructure.to_owned(),
        overcommit: ratios,
        strategy: outcome.strategy,
        fits: outcome.unfit.is_empty(),
        n_plus_one: host_reports.iter().all(|h| h.drain.drainable),
        totals,
        hosts: host_reports,
        environments: environments.into_values().collect(),
        unfit,
        headroom,
    }
}

/// The clusters of `outcome` that do not fit, with what is missing.
pub(crate) fn shortfalls(
    clusters: &[ClusterDemand],
    outcome: &Outcome<'_>,
) -> Vec<ClusterShortfall> {
    outcome
        .unfit
        .iter()
        .map(|unfit| {
            let cluster = &clusters[unfit.cluster];
            let vms: Vec<UnplacedVm> = unfit
                .vms
                .iter()
                .map(|(v, reason)| UnplacedVm {
                    vm: cluster.vms[*v].label(),
                    resources: cluster.vms[*v].resources,
                    reason: reason.clone(),
                })
                .collect();
            ClusterShortfall {
                cluster: cluster.name.clone(),
                claim_namespace: cluster.claim_namespace.clone(),
                environment: cluster.environment.clone(),
                requested: cluster.total(),
                missing: vms
                    .iter()
                    .fold(Resources::default(), |s, vm| s.plus(vm.resources)),
                vms,
            }
        })
        .collect()
}

/// How many workers a new cluster of 1 control plane + N workers + 1 surge VM, all of one size,
/// could have on the free room of `hosts`. The VMs are identical and have no anti-affinity, so
/// the most that fit is the sum over hosts of how many fit each host.
fn max_workers(hosts: &[HostReport], vm: Resources, disk: u64) -> Option<u64> {
    let per_host = |host: &HostReport| -> u64 {
        let free = host.free();
        let by = |free: u64, need: u64| free.checked_div(need).unwrap_or(u64::MAX);
        let mut count =
            by(free.cpu_millis, vm.cpu_millis).min(by(free.memory_bytes, vm.memory_bytes));
        if let (Some(total), Some(used)) = (host.host.storage_bytes, host.storage_used_bytes) {
            count = count.min(by(total.saturating_sub(used), disk));
        }
        count
    };
    let fit: u64 = hosts.iter().map(per_host).fold(0u64, u64::saturating_add);
    fit.checked_sub(2)
}
