//! Placing VMs on hosts: best-fit decreasing under capacity and anti-affinity constraints.
//!
//! A VM fits a host when the host's free CPU and memory (and, if the host lists storage, its
//! free storage) cover it, and, for an anti-affine VM, when no other anti-affine VM of the same
//! cluster is on that host. Among the hosts a VM fits, best fit takes the one left with the least
//! free room (free CPU and memory, each as a share of the largest host, added), the first host on
//! a tie, so the result is deterministic.
//!
//! [`place`] tries, in order, until one places every VM:
//! 1. every VM of every cluster at once, biggest first by dominant share (the larger of its CPU
//!    and memory shares of the whole infrastructure), anti-affine VMs first among equals;
//! 2. the same, biggest first by memory; 3. by CPU;
//! 4. cluster by cluster, biggest cluster first, each cluster all or nothing.
//!
//! When none places everything, the cluster-by-cluster result is kept: a cluster that does not
//! fit whole takes no room (the controller would refuse it before creating anything), and its
//! shortfall is the VMs that found no host when it was tried.

use super::model::{ClusterDemand, HostSpec, Resources, VmDemand};

/// Which ordering produced a placement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// All VMs at once, biggest dominant share first.
    DominantShare,
    /// All VMs at once, most memory first.
    Memory,
    /// All VMs at once, most CPU first.
    Cpu,
    /// Cluster by cluster, biggest first, each all or nothing.
    ClusterByCluster,
    /// All VMs at once, biggest first, each on the host with the most free room (worst fit):
    /// spreads load the way the Kubernetes scheduler does, leaving room on every host to drain
    /// another into. Used when best fit places everything but some host cannot be drained.
    Spread,
}

impl Strategy {
    /// A short description for reports.
    pub fn describe(self) -> &'static str {
        match self {
            Self::DominantShare => "best-fit decreasing (dominant share)",
            Self::Memory => "best-fit decreasing (memory)",
            Self::Cpu => "best-fit decreasing (CPU)",
            Self::ClusterByCluster => "best-fit decreasing, cluster by cluster",
            Self::Spread => "worst-fit decreasing (spread, for N+1)",
        }
    }
}

/// Why a VM found no host.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Reason {
    /// No host has enough free CPU, memory or storage for it.
    NoRoom {
        /// The most free CPU on any host.
        most_free_cpu_millis: u64,
        /// The host with it.
        most_free_cpu_host: String,
        /// The most free memory on any host.
        most_free_memory_bytes: u64,
        /// The host with it.
        most_free_memory_host: String,
        /// A host had the CPU and memory but not the local storage.
        storage: bool,
    },
    /// Hosts with room exist, but each already runs a control-plane VM of the same cluster.
    AntiAffinity {
        /// How many hosts had room.
        hosts: usize,
    },
}

/// A cluster that could not be placed whole, and the VMs of it that found no host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Unfit {
    /// Index of the cluster.
    pub cluster: usize,
    /// Its VMs that found no host, with why.
    pub vms: Vec<(usize, Reason)>,
}

/// The placement state: load per host and where each VM went.
#[derive(Clone, Debug)]
pub(crate) struct State<'a> {
    pub hosts: &'a [HostSpec],
    pub clusters: &'a [ClusterDemand],
    pub used: Vec<Resources>,
    pub used_storage: Vec<u64>,
    /// Per cluster: the hosts holding its anti-affine VMs.
    anti: Vec<Vec<usize>>,
    /// Per cluster, per VM: its host.
    pub assignment: Vec<Vec<Option<usize>>>,
    /// Normalisation of free CPU and memory (1 / the largest host's capacity).
    norm: (f64, f64),
    /// Take the host with the most free room instead of the least.
    pub spread: bool,
}

impl<'a> State<'a> {
    /// Nothing placed yet.
    pub fn new(hosts: &'a [HostSpec], clusters: &'a [ClusterDemand]) -> Self {
        let largest = hosts
            .iter()
            .fold(Resources::default(), |m, h| m.max(h.capacity));
        let inverse = |x: u64| if x == 0 { 0.0 } else { 1.0 / x as f64 };
        Self {
            hosts,
            clusters,
            used: vec![Resources::default(); hosts.len()],
            used_storage: vec![0; hosts.len()],
            anti: vec![Vec::new(); clusters.len()],
            assignment: clusters.iter().map(|c| vec![None; c.vms.len()]).collect(),
            norm: (inverse(largest.cpu_millis), inverse(largest.memory_bytes)),
            spread: false,
        }
    }

    fn vm(&self, cluster: usize, vm: usize) -> &'a VmDemand {
        &self.clusters[cluster].vms[vm]
    }

    /// Whether `vm` fits `host` by capacity alone (ignoring anti-affinity).
    pub fn has_room(&self, host: usize, vm: &VmDemand) -> bool {
        let spec = &self.hosts[host];
        self.used[host].plus(vm.resources).within(spec.capacity)
            && spec
                .storage_bytes
                .is_none_or(|s| self.used_storage[host].saturating_add(vm.disk_bytes) <= s)
    }

    /// Whether an anti-affine VM of `cluster` is on `host`.
    pub fn holds_anti_affine(&self, cluster: usize, host: usize) -> bool {
        self.anti[cluster].contains(&host)
    }

    /// The best host for VM `vm` of `cluster`, skipping `excluded`.
    pub fn best_host(&self, cluster: usize, vm: usize, excluded: Option<usize>) -> Option<usize> {
        let demand = self.vm(cluster, vm);
        let mut best: Option<(f64, usize)> = None;
        for host in 0..self.hosts.len() {
            if Some(host) == excluded
                || !self.has_room(host, demand)
                || (demand.anti_affine && self.holds_anti_affine(cluster, host))
            {
                continue;
            }
            let free = self.hosts[host]
                .capacity
                .minus(self.used[host])
                .minus(demand.resources);
            let score =
                free.cpu_millis as f64 * self.norm.0 + free.memory_bytes as f64 * self.norm.1;
            let better = |b: f64| if self.spread { score > b } else { score < b };
            if best.is_none_or(|(b, _)| better(b)) {
                best = Some((score, host));
            }
        }
        best.map(|(_, host)| host)
    }

    /// Puts VM `vm` of `cluster` on `host`.
    pub fn assign(&mut self, cluster: usize, vm: usize, host: usize) {
        let demand = self.vm(cluster, vm);
        self.used[host] = self.used[host].plus(demand.resources);
        self.used_storage[host] = self.used_storage[host].saturating_add(demand.disk_bytes);
        if demand.anti_affine {
            self.anti[cluster].push(host);
        }
        self.assignment[cluster][vm] = Some(host);
    }

    /// Takes VM `vm` of `cluster` off its host, if it has one.
    pub fn unassign(&mut self, cluster: usize, vm: usize) {
        let Some(host) = self.assignment[cluster][vm].take() else {
            return;
        };
        let demand = self.vm(cluster, vm);
        self.used[host] = self.used[host].minus(demand.resources);
        self.used_storage[host] = self.used_storage[host].saturating_sub(demand.disk_bytes);
        if demand.anti_affine
            && let Some(position) = self.anti[cluster].iter().position(|h| *h == host)
        {
            self.anti[cluster].swap_remove(position);
        }
    }

    /// Places the given VMs in order, each on its best host. Returns the ones that found none,
    /// each with the reason at the moment it was tried.
    pub fn place_in_order(&mut self, order: &[(usize, usize)]) -> Vec<(usize, usize, Reason)> {
        let mut unplaced = Vec::new();
        for &(cluster, vm) in order {
            match self.best_host(cluster, vm, None) {
                Some(host) => self.assign(cluster, vm, host),
                None => unplaced.push((cluster, vm, self.reason(cluster, vm))),
            }
        }
        unplaced
    }

    /// Why VM `vm` of `cluster` fits no host now.
    fn reason(&self, cluster: usize, vm: usize) -> Reason {
        let demand = self.vm(cluster, vm);
        let with_room = (0..self.hosts.len())
            .filter(|&h| self.has_room(h, demand))
            .count();
        if with_room > 0 {
            return Reason::AntiAffinity { hosts: with_room };
        }
        let mut most_free_cpu = (0, String::new());
        let mut most_free_memory = (0, String::new());
        for (host, spec) in self.hosts.iter().enumerate() {
            let free = spec.capacity.minus(self.used[host]);
            if free.cpu_millis > most_free_cpu.0 || most_free_cpu.1.is_empty() {
                most_free_cpu = (free.cpu_millis, spec.name.clone());
            }
            if free.memory_bytes > most_free_memory.0 || most_free_memory.1.is_empty() {
                most_free_memory = (free.memory_bytes, spec.name.clone());
            }
        }
        let storage_short = self.hosts.iter().enumerate().any(|(h, spec)| {
            self.used[h].plus(demand.resources).within(spec.capacity)
                && spec
                    .storage_bytes
                    .is_some_and(|s| self.used_storage[h].saturating_add(demand.disk_bytes) > s)
        });
        Reason::NoRoom {
            most_free_cpu_millis: most_free_cpu.0,
            most_free_cpu_host: most_free_cpu.1,
            most_free_memory_bytes: most_free_memory.0,
            most_free_memory_host: most_free_memory.1,
            storage: storage_short,
        }
    }

    /// The larger of a demand's CPU and memory shares of the whole infrastructure.
    fn dominant_share(&self, resources: Resources) -> f64 {
        let total = self
            .hosts
            .iter()
            .fold(Resources::default(), |sum, h| sum.plus(h.capacity));
        let share = |part: u64, whole: u64| {
            if whole == 0 {
                f64::INFINITY
            } else {
                part as f64 / whole as f64
            }
        };
        share(resources.cpu_millis, total.cpu_millis)
            .max(share(resources.memory_bytes, total.memory_bytes))
    }

    /// The VMs of `clusters` sorted biggest first by `key` (see [`State::order`]).
    fn decreasing(&self, clusters: &[usize], key: Strategy) -> Vec<(usize, usize)> {
        self.order(
            clusters
                .iter()
                .flat_map(|&c| (0..self.clusters[c].vms.len()).map(move |v| (c, v)))
                .collect(),
            key,
        )
    }

    /// `vms` (cluster, VM) sorted biggest first by `key`, anti-affine first among equals, then
    /// by cluster and VM index.
    pub fn order(&self, vms: Vec<(usize, usize)>, key: Strategy) -> Vec<(usize, usize)> {
        let total = self
            .hosts
            .iter()
            .fold(Resources::default(), |sum, h| sum.plus(h.capacity));
        let share = |part: u64, whole: u64| {
            if whole == 0 {
                0.0
            } else {
                part as f64 / whole as f64
            }
        };
        let mut keyed: Vec<((f64, f64), bool, usize, usize)> = vms
            .into_iter()
            .map(|(c, v)| {
                let vm = self.vm(c, v);
                let cpu = share(vm.resources.cpu_millis, total.cpu_millis);
                let memory = share(vm.resources.memory_bytes, total.memory_bytes);
                let sort_key = match key {
                    Strategy::Memory => (memory, cpu),
                    Strategy::Cpu => (cpu, memory),
                    Strategy::DominantShare | Strategy::ClusterByCluster | Strategy::Spread => {
                        (cpu.max(memory), cpu.min(memory))
                    }
                };
                (sort_key, vm.anti_affine, c, v)
            })
            .collect();
        keyed.sort_by(|a, b| {
            b.0.partial_cmp(&a.0)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(b.1.cmp(&a.1))
                .then(a.2.cmp(&b.2))
                .then(a.3.cmp(&b.3))
        });
        keyed.into_iter().map(|(_, _, c, v)| (c, v)).collect()
    }
}

/// The outcome of [`place`].
#[derive(Clone, Debug)]
pub(crate) struct Outcome<'a> {
    /// The final state.
    pub state: State<'a>,
    /// The ordering that produced it.
    pub strategy: Strategy,
    /// Clusters that did not fit (empty when everything was placed).
    pub unfit: Vec<Unfit>,
}

/// Places every VM of `clusters` on `hosts` (see the module docs). In the cluster-by-cluster
/// pass, cluster `last` (the candidate, when admitting a claim) is tried after all others.
pub(crate) fn place<'a>(
    hosts: &'a [HostSpec],
    clusters: &'a [ClusterDemand],
    last: Option<usize>,
) -> Outcome<'a> {
    let all: Vec<usize> = (0..clusters.len()).collect();
    for strategy in [Strategy::DominantShare, Strategy::Memory, Strategy::Cpu] {
        let mut state = State::new(hosts, clusters);
        let order = state.decreasing(&all, strategy);
        if state.place_in_order(&order).is_empty() {
            return Outcome {
                state,
                strategy,
                unfit: Vec::new(),
            };
        }
    }
    let mut state = State::new(hosts, clusters);
    let mut order: Vec<usize> = all.iter().copied().filter(|c| Some(*c) != last).collect();
    let sizes: Vec<f64> = clusters
        .iter()
        .map(|c| state.dominant_share(c.total()))
        .collect();
    order.sort_by(|a, b| {
        sizes[*b]
            .partial_cmp(&sizes[*a])
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(clusters[*a].name.cmp(&clusters[*b].name))
    });
    order.extend(last);
    let mut unfit = Vec::new();
    for cluster in order {
        let vms = state.decreasing(&[cluster], Strategy::DominantShare);
        let unplaced = state.place_in_order(&vms);
        if !unplaced.is_empty() {
            for (c, v) in vms {
                state.unassign(c, v);
            }
            unfit.push(Unfit {
                cluster,
                vms: unplaced.into_iter().map(|(_, v, r)| (v, r)).collect(),
            });
        }
    }
    unfit.sort_by_key(|u| u.cluster);
    Outcome {
        state,
        strategy: Strategy::ClusterByCluster,
        unfit,
    }
}

/// Places every VM of `clusters` at once, spreading (worst fit). `None` unless everything fits.
pub(crate) fn spread<'a>(
    hosts: &'a [HostSpec],
    clusters: &'a [ClusterDemand],
) -> Option<Outcome<'a>> {
    let all: Vec<usize> = (0..clusters.len()).collect();
    let mut state = State::new(hosts, clusters);
    state.spread = true;
    let order = state.decreasing(&all, Strategy::Spread);
    if !state.place_in_order(&order).is_empty() {
        return None;
    }
    state.spread = false;
    Some(Outcome {
        state,
        strategy: Strategy::Spread,
        unfit: Vec::new(),
    })
}
