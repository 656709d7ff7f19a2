//! Capacity planning for infrastructures with listed hosts (KubeVirt on bare metal).
//!
//! This module owns the question "do these clusters fit on these hosts?": it places every VM of
//! every cluster on an Infrastructure (all environments sharing it) and reports per host and per
//! environment, what does not fit and by how much, the N+1 check, and the headroom left. Pure:
//! the same input gives the same placement and report.
//!
//! - [`model`]: hosts (overcommit applied) and each cluster's VMs, surge VM included;
//! - `placement`: best-fit decreasing with anti-affinity (several orderings, then cluster by
//!   cluster, all or nothing), and a spreading (worst-fit) placement tried when best fit leaves
//!   a host that cannot be drained;
//! - `drain`: the N+1 check;
//! - `footprint`: the vCPU and memory a set of cluster objects requests, so the controller can
//!   tell whether a cluster grows;
//! - [`report`]: the report types; [`svg`]: the per-host chart.
//!
//! Entry points: [`plan`] for a whole infrastructure (`drover plan --capacity`) and [`admit`]
//! for one claim against everything else on its infrastructure (the controller's
//! `CapacityAvailable` condition). Only KubeVirt infrastructures with `hosts` are planned; other
//! providers place machines themselves and get [`CapacityPlan::NotPlanned`].

mod drain;
mod footprint;
pub mod model;
mod placement;
pub mod report;
pub mod svg;

pub use drain::DrainCheck;
pub use footprint::footprint;
pub use model::{
    ClusterDemand, HostSpec, MILLIS_PER_CPU, Ratios, Resources, VmDemand, VmRole, cluster_demand,
    control_plane_surges,
};
pub use placement::{Reason, Strategy};
pub use report::{
    CapacityReport, ClusterShortfall, EnvironmentReport, Headroom, HostReport, PlacedVm, Totals,
    UnplacedVm,
};

use drover_api::Infrastructure;
use serde::Serialize;

use crate::providers;
use crate::quantity::Quantity;
use crate::resolve::ResolvedCluster;
use model::{Hosts, hosts_of, is_kubevirt};

/// Why capacity could not be planned.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CapacityError {
    /// A field of the Infrastructure is unusable (validation reports it first in a fleet).
    #[error("Infrastructure {infrastructure}: {field}: {message}")]
    Invalid {
        /// The Infrastructure.
        infrastructure: String,
        /// Field path.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A cluster's size lacks CPU or memory, so its VMs cannot be counted.
    #[error("cluster {cluster}: {group}: size `{size}` has no {missing}")]
    SizeIncomplete {
        /// The cluster.
        cluster: String,
        /// `control plane` or `worker pool md-0`.
        group: String,
        /// The size.
        size: String,
        /// `cpu` or `memory`.
        missing: String,
    },
}

/// Capacity planning of one Infrastructure.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase", tag = "status")]
pub enum CapacityPlan {
    /// Hosts are listed: the report.
    Planned(Box<CapacityReport>),
    /// Nothing to plan, and why.
    NotPlanned {
        /// The Infrastructure.
        infrastructure: String,
        /// Why (`not planned (...)`).
        reason: String,
    },
}

/// Plans every cluster of `clusters` built on `infrastructure` (others are ignored) on its hosts.
///
/// # Errors
/// An unusable host quantity or overcommit ratio, or a cluster size without CPU or memory.
pub fn plan(
    infrastructure: &Infrastructure,
    clusters: &[ResolvedCluster],
) -> Result<CapacityPlan, CapacityError> {
    let name = infrastructure.metadata.name.clone().unwrap_or_default();
    let (hosts, ratios) = match hosts_of(infrastructure)? {
        Hosts::Listed(hosts, ratios) => (hosts, ratios),
        Hosts::NotPlanned(reason) => {
            return Ok(CapacityPlan::NotPlanned {
                infrastructure: name,
                reason,
            });
        }
    };
    let demands = demands(&name, clusters, hosts.len())?;
    let mut outcome = placement::place(&hosts, &demands, None);
    let mut drains = drain::drain_checks(&outcome.state);
    let blocked = |drains: &[DrainCheck]| drains.iter().filter(|d| !d.drainable).count();
    // Best fit packs hosts full, which can leave a host nowhere to drain to; a spread placement
    // that also fits may keep every host drainable (it is also closer to what the scheduler does).
    if outcome.unfit.is_empty()
        && blocked(&drains) > 0
        && let Some(spread) = placement::spread(&hosts, &demands)
    {
        let spread_drains = drain::drain_checks(&spread.state);
        if blocked(&spread_drains) < blocked(&drains) {
            outcome = spread;
            drains = spread_drains;
        }
    }
    Ok(CapacityPlan::Planned(Box::new(report::build(
        &name,
        ratios,
        &hosts,
        &demands,
        &outcome,
        drains,
        &sizes_of(infrastructure),
    ))))
}

/// The answer to "may this claim be created?".
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Admission {
    /// The verdict.
    pub verdict: Verdict,
    /// One line for a condition message.
    pub message: String,
    /// What of the candidate found no host, when it does not fit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shortfall: Option<ClusterShortfall>,
    /// Other clusters on the infrastructure that do not fit either (it is over capacity already).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub others_not_fitting: Vec<String>,
}

/// Whether a claim fits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Verdict {
    /// Every VM of every cluster, the candidate's included, finds a host.
    Fits,
    /// Not everything fits with the candidate.
    DoesNotFit,
    /// The infrastructure is not planned (no hosts, or a provider that places machines itself).
    NotPlanned,
}

/// Whether `candidate` fits on `infrastructure` next to `clusters` (every other cluster on it;
/// clusters of other infrastructures and an entry for the candidate itself, by claim namespace
/// and name, are ignored, so a resized claim is judged by its new size).
///
/// All clusters are placed together; when that fails, the other clusters are placed first and
/// the candidate last, and the candidate's VMs that find no host are its shortfall. The verdict
/// is `DoesNotFit` whenever not everything fits, even if the others are what does not: admitting
/// more to an infrastructure that is over capacity would make it worse.
///
/// # Errors
/// As [`plan`].
pub fn admit(
    infrastructure: &Infrastructure,
    clusters: &[ResolvedCluster],
    candidate: &ResolvedCluster,
) -> Result<Admission, CapacityError> {
    let name = infrastructure.metadata.name.clone().unwrap_or_default();
    let hosts = match hosts_of(infrastructure)? {
        Hosts::Listed(hosts, _) => hosts,
        Hosts::NotPlanned(reason) => {
            return Ok(Admission {
                verdict: Verdict::NotPlanned,
                message: format!("Infrastructure {name}: capacity {reason}"),
                shortfall: None,
                others_not_fitting: Vec::new(),
            });
        }
    };
    let others: Vec<ResolvedCluster> = clusters
        .iter()
        .filter(|c| !(c.name == candidate.name && c.claim_namespace == candidate.claim_namespace))
        .cloned()
        .chain(std::iter::once(candidate.clone()))
        .collect();
    let demands = demands(&name, &others, hosts.len())?;
    let Some(last) = demands
        .iter()
        .position(|d| d.name == candidate.name && d.claim_namespace == candidate.claim_namespace)
    else {
        return Ok(Admission {
            verdict: Verdict::NotPlanned,
            message: format!(
                "cluster {} is not built on Infrastructure {name} with KubeVirt",
                candidate.name
            ),
            shortfall: None,
            others_not_fitting: Vec::new(),
        });
    };
    let outcome = placement::place(&hosts, &demands, Some(last));
    if outcome.unfit.is_empty() {
        return Ok(Admission {
            verdict: Verdict::Fits,
            message: format!(
                "fits on Infrastructure {name} with the other {} cluster(s)",
                demands.len() - 1
            ),
            shortfall: None,
            others_not_fitting: Vec::new(),
        });
    }
    let (mine, others): (Vec<_>, Vec<_>) = report::shortfalls(&demands, &outcome)
        .into_iter()
        .partition(|u| {
            u.cluster == candidate.name && u.claim_namespace == candidate.claim_namespace
        });
    let others_not_fitting: Vec<String> = others
        .iter()
        .map(|u| format!("{}/{}", u.claim_namespace, u.cluster))
        .collect();
    let shortfall = mine.into_iter().next();
    let message = match &shortfall {
        Some(short) => format!(
            "does not fit on Infrastructure {name}: {} VM(s) find no host, {} missing ({})",
            short.vms.len(),
            describe(short.missing),
            short
                .vms
                .iter()
                .map(|vm| format!("{}: {}", vm.vm, reason_text(vm)))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        None => format!(
            "Infrastructure {name} is over capacity: {} do not fit",
            others_not_fitting.join(", ")
        ),
    };
    Ok(Admission {
        verdict: Verdict::DoesNotFit,
        message,
        shortfall,
        others_not_fitting,
    })
}

/// The KubeVirt clusters of `infrastructure`, as VM demands.
fn demands(
    infrastructure: &str,
    clusters: &[ResolvedCluster],
    hosts: usize,
) -> Result<Vec<ClusterDemand>, CapacityError> {
    clusters
        .iter()
        .filter(|c| c.infrastructure == infrastructure && is_kubevirt(c))
        .map(|c| cluster_demand(c, hosts))
        .collect()
}

/// The sizes of `infrastructure` with CPU and memory, for the headroom.
fn sizes_of(infrastructure: &Infrastructure) -> Vec<(String, Resources, u64)> {
    let parse = |text: &Option<String>| text.as_deref().and_then(|t| Quantity::parse(t).ok());
    let mut sizes: Vec<(String, Resources, u64)> = infrastructure
        .spec
        .sizes
        .iter()
        .filter_map(|(name, size)| {
            let cpu = size.cpu?;
            let memory = parse(&size.memory)?;
            let disk = parse(&size.disk).map_or(0, |d| d.bytes());
            Some((
                name.clone(),
                Resources::new(u64::from(cpu), memory.bytes()),
                disk,
            ))
        })
        .collect();
    sizes.sort_by_key(|(name, resources, _)| (*resources, name.clone()));
    sizes
}

/// `12 vCPU, 48Gi`.
pub fn describe(resources: Resources) -> String {
    format!(
        "{} vCPU, {}",
        format_cpu(resources.cpu_millis),
        format_bytes(resources.memory_bytes)
    )
}

/// vCPU from millis: `12`, `12.5`.
pub fn format_cpu(millis: u64) -> String {
    if millis.is_multiple_of(MILLIS_PER_CPU) {
        (millis / MILLIS_PER_CPU).to_string()
    } else {
        let text = format!("{:.3}", millis as f64 / MILLIS_PER_CPU as f64);
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// Bytes in the largest binary unit that keeps one decimal: `128Gi`, `1.5Ti`, `512Mi`.
pub fn format_bytes(bytes: u64) -> String {
    if bytes == 0 {
        return "0Gi".to_owned();
    }
    const UNITS: [(&str, u64); 4] = [
        ("Ti", 1 << 40),
        ("Gi", 1 << 30),
        ("Mi", 1 << 20),
        ("Ki", 1 << 10),
    ];
    for (unit, size) in UNITS {
        if bytes >= size {
            let value = bytes as f64 / size as f64;
            let text = format!("{value:.1}");
            let text = text.trim_end_matches('0').trim_end_matches('.');
            return format!("{text}{unit}");
        }
    }
    bytes.to_string()
}

/// Why a VM found no host, in words.
pub fn reason_text(vm: &UnplacedVm) -> String {
    match &vm.reason {
        Reason::NoRoom {
            most_free_cpu_millis,
            most_free_cpu_host,
            most_free_memory_bytes,
            most_free_memory_host,
            storage,
        } => {
            if *most_free_cpu_millis == 0 && *most_free_memory_bytes == 0 {
                return format!("needs {}; every host is full", describe(vm.resources));
            }
            let mut text = format!(
                "needs {}; the most free is {} vCPU on {most_free_cpu_host} and {} on {most_free_memory_host}",
                describe(vm.resources),
                format_cpu(*most_free_cpu_millis),
                format_bytes(*most_free_memory_bytes),
            );
            if *storage {
                text.push_str(" (and local storage is short)");
            }
            text
        }
        Reason::AntiAffinity { hosts } => format!(
            "needs {}; the {hosts} host(s) with room already run a control-plane VM of this cluster",
            describe(vm.resources)
        ),
    }
}

/// The fleet at night: every cluster that can hibernate (a schedule or `spec.hibernated`, on a
/// provider that can) with its pools at their hibernated size, the rest as they are; and how
/// many were put to sleep. `plan --capacity` compares it with the fleet awake: what is
/// reclaimable while they sleep.
pub fn with_hibernating_asleep(clusters: &[ResolvedCluster]) -> (Vec<ResolvedCluster>, usize) {
    let mut asleep = 0;
    let clusters = clusters
        .iter()
        .map(|cluster| {
            let mut cluster = cluster.clone();
            if cluster.hibernation.is_active() && providers::hibernate(&mut cluster) {
                asleep += 1;
            }
            cluster
        })
        .collect();
    (clusters, asleep)
}

#[cfg(test)]
mod tests;
