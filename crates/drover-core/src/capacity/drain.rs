//! The N+1 check: can each host be drained, its VMs live-migrated onto the others?
//!
//! For each host in turn, its VMs are taken off and placed, biggest first, best fit, on the
//! remaining hosts as loaded by the placement, under the same capacity and anti-affinity rules
//! (a control-plane VM of an HA cluster cannot move to a host that holds another one of that
//! cluster). Surge reservations are released for the check: a host is drained for maintenance,
//! not in the middle of a rollout. A host whose VMs cannot all move blocks draining; the VMs that
//! would be stranded are reported.

use serde::Serialize;

use super::placement::{State, Strategy};

/// Whether one host can be drained.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DrainCheck {
    /// Every VM on the host can move to another host.
    pub drainable: bool,
    /// VMs (`cluster/vm`) that would find no other host.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stranded: Vec<String>,
}

/// The drain check of every host of `state`, in host order.
pub(crate) fn drain_checks(state: &State<'_>) -> Vec<DrainCheck> {
    let mut state = state.clone();
    // Re-placing the drained VMs asks whether they fit at all: best fit.
    state.spread = false;
    for cluster in 0..state.clusters.len() {
        for vm in 0..state.clusters[cluster].vms.len() {
            if state.clusters[cluster].vms[vm].is_surge() {
                state.unassign(cluster, vm);
            }
        }
    }
    (0..state.hosts.len())
        .map(|host| drain_one(&mut state, host))
        .collect()
}

fn drain_one(state: &mut State<'_>, host: usize) -> DrainCheck {
    let residents: Vec<(usize, usize)> = state
        .assignment
        .iter()
        .enumerate()
        .flat_map(|(c, vms)| {
            vms.iter()
                .enumerate()
                .filter(move |(_, h)| **h == Some(host))
                .map(move |(v, _)| (c, v))
        })
        .collect();
    for &(cluster, vm) in &residents {
        state.unassign(cluster, vm);
    }
    let order = state.order(residents.clone(), Strategy::DominantShare);
    let mut moved = Vec::new();
    let mut stranded = Vec::new();
    for (cluster, vm) in order {
        match state.best_host(cluster, vm, Some(host)) {
            Some(target) => {
                state.assign(cluster, vm, target);
                moved.push((cluster, vm));
            }
            None => stranded.push(format!(
                "{}/{}",
                state.clusters[cluster].name,
                state.clusters[cluster].vms[vm].label()
            )),
        }
    }
    for (cluster, vm) in moved {
        state.unassign(cluster, vm);
    }
    for (cluster, vm) in residents {
        state.assign(cluster, vm, host);
    }
    DrainCheck {
        drainable: stranded.is_empty(),
        stranded,
    }
}
