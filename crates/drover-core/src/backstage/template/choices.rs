//! What the Scaffolder form may offer, found by asking drover's own validation.
//!
//! For every environment and every infrastructure its policy allows, candidate claims are
//! resolved against the fleet's Environment and Infrastructure and checked by the provider,
//! exactly as `drover validate` does. First an *anchor* claim that passes (preferring explicit
//! worker pools and control-plane replicas, the environment's defaults and the provider's own
//! CNI); then each choice is varied around the anchor: every size, every worker count up to the
//! environment's maximum, every control-plane count, every add-on, every known version. What
//! passes is offered. The template's test checks every combination of the offered choices.

use std::collections::BTreeSet;

use drover_api::environment::ClusterDefaults;
use drover_api::workload_cluster::{
    Addon, Cni, ControlPlaneSpec, NetworkSpec, WorkerPool, WorkloadClusterSpec,
};
use drover_api::{Environment, Infrastructure, WorkloadCluster};

use crate::fleet::{Fleet, Source};
use crate::providers::check_cluster;
use crate::resolve::{ClaimContext, resolve_claim};
use crate::version::KubeVersion;

/// The name of the claims tried (it appears in the reasons an infrastructure is not offered).
const PROBE_NAME: &str = "new-cluster";
/// The name of the single worker pool a templated claim asks for.
pub const POOL_NAME: &str = "md-0";
/// Control-plane counts a claim may ask for (odd, for etcd quorum).
const CONTROL_PLANE_COUNTS: [i32; 4] = [1, 3, 5, 7];
/// Largest worker count probed when the environment sets no maximum (the claim schema's).
const WORKER_LIMIT: i32 = 1000;
const ADDONS: [Addon; 3] = [Addon::Cilium, Addon::Calico, Addon::MetricsServer];

/// One environment of the form.
#[derive(Clone, Debug, PartialEq)]
pub struct EnvironmentChoices {
    /// The Environment's name.
    pub name: String,
    /// Its Kubernetes version (what a claim that pins none follows).
    pub version: KubeVersion,
    /// Namespaces a claim may live in: the namespaces of the fleet's claims the policy allows.
    pub namespaces: Vec<String>,
    /// Infrastructures offered, in name order.
    pub infrastructures: Vec<Leaf>,
    /// Infrastructures the policy allows but no claim on them passes, with the reason.
    pub not_offered: Vec<(String, String)>,
}

/// The choices of one environment on one infrastructure.
#[derive(Clone, Debug, PartialEq)]
pub struct Leaf {
    /// The Infrastructure's name.
    pub infrastructure: String,
    /// Which fields the claim sets.
    pub shape: Shape,
    /// Sizes offered (empty when the claim sets no size), and the default.
    pub sizes: Vec<String>,
    /// The default size.
    pub default_size: Option<String>,
    /// Worker counts offered, when the claim has a worker pool.
    pub worker_replicas: Option<Counts>,
    /// Control-plane counts offered (empty when the claim sets none).
    pub control_plane_replicas: Vec<i32>,
    /// The default control-plane count.
    pub default_control_plane_replicas: Option<i32>,
    /// Add-ons offered.
    pub addons: Vec<Addon>,
    /// Versions offered; the environment's first when it is offered (the default).
    pub versions: Vec<KubeVersion>,
}

/// The fields a templated claim sets besides name, namespace, environment and infrastructure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Shape {
    /// One worker pool `md-0` with replicas and size.
    pub workers: bool,
    /// `spec.controlPlane.replicas`.
    pub control_plane_replicas: bool,
    /// `spec.controlPlane.size` carries the size (providers without worker machines).
    pub control_plane_size: bool,
    /// `spec.network.cni`, when the provider's default CNI does not pass.
    pub cni: Option<Cni>,
}

/// Worker counts: every value in `min..=max` that is a multiple of `step`, or an explicit list
/// when the accepted counts are not such a range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Counts {
    /// `min..=max` in steps of `step` (`min` is a multiple of `step`).
    Range {
        /// Smallest.
        min: i32,
        /// Largest.
        max: i32,
        /// Multiple of.
        step: i32,
        /// The default.
        default: i32,
    },
    /// Exactly these (and the default).
    List(Vec<i32>, i32),
}

impl Counts {
    /// Every count offered.
    pub fn values(&self) -> Vec<i32> {
        match self {
            Self::Range { min, max, step, .. } => (*min..=*max)
                .step_by(usize::try_from(*step).unwrap_or(1))
                .collect(),
            Self::List(values, _) => values.clone(),
        }
    }

    /// The default count.
    pub fn default(&self) -> i32 {
        match self {
            Self::Range { default, .. } | Self::List(_, default) => *default,
        }
    }

    fn from_accepted(accepted: &[i32], preferred: i32) -> Option<Self> {
        let (&min, &max) = (accepted.first()?, accepted.last()?);
        let default = if accepted.contains(&preferred) {
            preferred
        } else {
            // The accepted count nearest the environment's default, the smaller on a tie.
            *accepted
                .iter()
                .min_by_key(|c| ((**c - preferred).abs(), **c))?
        };
        let step = accepted.get(1).map_or(1, |second| second - min);
        let is_range = step > 0
            && min % step == 0
            && accepted
                .iter()
                .enumerate()
                .all(|(i, c)| i64::from(*c) == i64::from(min) + i64::from(step) * i as i64);
        Some(if is_range {
            Self::Range {
                min,
                max,
                step,
                default,
            }
        } else {
            Self::List(accepted.to_vec(), default)
        })
    }
}

/// One candidate claim's settings.
#[derive(Clone, Debug)]
struct Candidate {
    shape: Shape,
    size: Option<String>,
    workers: i32,
    control_plane: i32,
    addons: Vec<Addon>,
    version: Option<KubeVersion>,
}

/// The choices of every environment of `fleet` (in name order); environments with no namespace
/// or no infrastructure to offer are left out.
pub fn environment_choices(fleet: &Fleet) -> Vec<EnvironmentChoices> {
    let mut choices = Vec::new();
    for environment in &fleet.environments {
        let env = &environment.object;
        let Some(name) = env.metadata.name.clone() else {
            continue;
        };
        let Ok(version) = env.spec.kubernetes_version.parse::<KubeVersion>() else {
            continue;
        };
        let namespaces = allowed_namespaces(fleet, env, &environment.source);
        let Some(namespace) = namespaces.first() else {
            continue;
        };
        let mut leaves = Vec::new();
        let mut not_offered = Vec::new();
        for infrastructure in &fleet.infrastructures {
            let probe = Probe {
                fleet,
                environment: env,
                environment_source: &environment.source,
                infrastructure: &infrastructure.object,
                infrastructure_source: &infrastructure.source,
                namespace,
                version,
            };
            if !probe.allowed() {
                continue;
            }
            match probe.leaf() {
                Some(leaf) => leaves.push(leaf),
                None => not_offered.push((probe.infrastructure_name(), probe.why_not())),
            }
        }
        if !leaves.is_empty() {
            choices.push(EnvironmentChoices {
                name,
                version,
                namespaces,
                infrastructures: leaves,
                not_offered,
            });
        }
    }
    choices
}

/// Namespaces of the fleet's claims that the environment's policy accepts for a claim: a claim
/// in each is resolved (against any Infrastructure, so that resolve reaches the policy) and
/// kept unless the namespace is what resolve complains about.
fn allowed_namespaces(fleet: &Fleet, env: &Environment, source: &Source) -> Vec<String> {
    let Some(infrastructure) = fleet.infrastructures.first() else {
        return Vec::new();
    };
    let known: BTreeSet<&str> = fleet
        .clusters
        .iter()
        .filter_map(|c| c.object.metadata.namespace.as_deref())
        .collect();
    let context = ClaimContext {
        environment: Some((env, source)),
        infrastructure: Some((&infrastructure.object, &infrastructure.source)),
    };
    known
        .into_iter()
        .filter(|namespace| {
            let mut claim = WorkloadCluster::new(
                PROBE_NAME,
                WorkloadClusterSpec {
                    environment: env.metadata.name.clone().unwrap_or_default(),
                    infrastructure: infrastructure
                        .object
                        .metadata
                        .name
                        .clone()
                        .unwrap_or_default(),
                    ..WorkloadClusterSpec::default()
                },
            );
            claim.metadata.namespace = Some((*namespace).to_owned());
            match resolve_claim(&claim, &Source::default(), &context) {
                Ok(_) => true,
                Err(problems) => !problems.0.iter().any(|p| p.field == "metadata.namespace"),
            }
        })
        .map(str::to_owned)
        .collect()
}

struct Probe<'a> {
    fleet: &'a Fleet,
    environment: &'a Environment,
    environment_source: &'a Source,
    infrastructure: &'a Infrastructure,
    infrastructure_source: &'a Source,
    namespace: &'a str,
    version: KubeVersion,
}

impl Probe<'_> {
    fn infrastructure_name(&self) -> String {
        self.infrastructure
            .metadata
            .name
            .clone()
            .unwrap_or_default()
    }

    fn defaults(&self) -> ClusterDefaults {
        self.environment.spec.defaults.clone().unwrap_or_default()
    }

    /// Whether `candidate` passes resolve and the provider's checks.
    fn accepts(&self, candidate: &Candidate) -> bool {
        let claim = self.claim(candidate);
        let context = ClaimContext {
            environment: Some((self.environment, self.environment_source)),
            infrastructure: Some((self.infrastructure, self.infrastructure_source)),
        };
        resolve_claim(&claim, &Source::default(), &context)
            .is_ok_and(|cluster| check_cluster(&cluster).is_empty())
    }

    fn claim(&self, candidate: &Candidate) -> WorkloadCluster {
        let shape = candidate.shape;
        let mut claim = WorkloadCluster::new(
            "probe",
            WorkloadClusterSpec {
                environment: self.environment.metadata.name.clone().unwrap_or_default(),
                infrastructure: self.infrastructure_name(),
                kubernetes_version: candidate.version.map(|v| v.to_string()),
                ..WorkloadClusterSpec::default()
            },
        );
        claim.metadata.namespace = Some(self.namespace.to_owned());
        if shape.control_plane_replicas || shape.control_plane_size {
            claim.spec.control_plane = Some(ControlPlaneSpec {
                replicas: shape
                    .control_plane_replicas
                    .then_some(candidate.control_plane),
                size: candidate.size.clone().filter(|_| shape.control_plane_size),
            });
        }
        if shape.workers {
            claim.spec.workers = Some(vec![WorkerPool {
                name: POOL_NAME.to_owned(),
                replicas: Some(candidate.workers),
                size: candidate.size.clone(),
                node_labels: None,
            }]);
        }
        if let Some(cni) = shape.cni {
            claim.spec.network = Some(NetworkSpec {
                cni: Some(cni),
                ..NetworkSpec::default()
            });
        }
        if !candidate.addons.is_empty() {
            claim.spec.addons = Some(candidate.addons.clone());
        }
        claim
    }

    /// Versions worth offering: the environment's, then those the fleet's claims of this
    /// environment and infrastructure pin (someone chose them there, and they pass).
    fn candidate_versions(&self) -> Vec<Option<KubeVersion>> {
        let env = self
            .environment
            .metadata
            .name
            .as_deref()
            .unwrap_or_default();
        let infra = self.infrastructure_name();
        let pinned: BTreeSet<KubeVersion> = self
            .fleet
            .clusters
            .iter()
            .filter(|c| c.object.spec.environment == env && c.object.spec.infrastructure == infra)
            .filter_map(|c| c.object.spec.kubernetes_version.as_deref()?.parse().ok())
            .filter(|v| *v != self.version)
            .collect();
        std::iter::once(None)
            .chain(pinned.into_iter().map(Some))
            .collect()
    }

    fn sizes(&self) -> Vec<String> {
        let mut sizes: Vec<String> = self.infrastructure.spec.sizes.keys().cloned().collect();
        // The environment's default size first, so the anchor uses it when it passes.
        if let Some(default) = self.defaults().size
            && let Some(at) = sizes.iter().position(|s| *s == default)
        {
            let default = sizes.remove(at);
            sizes.insert(0, default);
        }
        sizes
    }

    fn max_workers(&self) -> i32 {
        self.environment
            .spec
            .policy
            .as_ref()
            .and_then(|p| p.max_worker_replicas)
            .unwrap_or(WORKER_LIMIT)
            .clamp(0, WORKER_LIMIT)
    }

    /// The first passing candidate, most explicit shape first.
    fn anchor(&self) -> Option<Candidate> {
        let defaults = self.defaults();
        let preferred_workers = defaults.worker_replicas.unwrap_or(2);
        let mut worker_counts = vec![preferred_workers];
        worker_counts.extend((1..=self.max_workers().min(12)).filter(|c| *c != preferred_workers));
        let preferred_cp = defaults.control_plane_replicas.unwrap_or(1);
        let mut cp_counts = vec![preferred_cp];
        cp_counts.extend(CONTROL_PLANE_COUNTS.iter().filter(|c| **c != preferred_cp));
        let sizes = self.sizes();
        let sized: Vec<Option<String>> = if sizes.is_empty() {
            vec![None]
        } else {
            sizes.into_iter().map(Some).collect()
        };
        let shapes = [
            (true, true, false),
            (true, false, false),
            (false, true, true),
            (false, false, true),
            (false, true, false),
            (false, false, false),
        ];
        for version in self.candidate_versions() {
            for cni in [
                None,
                Some(Cni::Cilium),
                Some(Cni::Calico),
                Some(Cni::Provider),
            ] {
                for (workers, control_plane_replicas, control_plane_size) in shapes {
                    let shape = Shape {
                        workers,
                        control_plane_replicas,
                        control_plane_size,
                        cni,
                    };
                    for size in &sized {
                        if size.is_none() && (workers || control_plane_size) {
                            continue;
                        }
                        for &workers in &worker_counts {
                            for &control_plane in &cp_counts {
                                let candidate = Candidate {
                                    shape,
                                    size: size.clone(),
                                    workers,
                                    control_plane,
                                    addons: Vec::new(),
                                    version,
                                };
                                if self.accepts(&candidate) {
                                    return Some(candidate);
                                }
                                if !shape.control_plane_replicas {
                                    break;
                                }
                            }
                            if !shape.workers {
                                break;
                            }
                        }
                    }
                }
            }
        }
        None
    }

    /// Whether the environment's policy lists the infrastructure (or lists none).
    fn allowed(&self) -> bool {
        let name = self.infrastructure_name();
        self.environment
            .spec
            .policy
            .as_ref()
            .and_then(|p| p.allowed_infrastructures.as_ref())
            .filter(|list| !list.is_empty())
            .is_none_or(|list| list.contains(&name))
    }

    /// Why no claim passes: the first problem of a claim that leaves everything to the
    /// environment's defaults.
    fn why_not(&self) -> String {
        let mut claim = WorkloadCluster::new(
            PROBE_NAME,
            WorkloadClusterSpec {
                environment: self.environment.metadata.name.clone().unwrap_or_default(),
                infrastructure: self.infrastructure_name(),
                ..WorkloadClusterSpec::default()
            },
        );
        claim.metadata.namespace = Some(self.namespace.to_owned());
        let context = ClaimContext {
            environment: Some((self.environment, self.environment_source)),
            infrastructure: Some((self.infrastructure, self.infrastructure_source)),
        };
        let first = match resolve_claim(&claim, &Source::default(), &context) {
            Err(problems) => problems
                .0
                .into_iter()
                .next()
                .map(|p| format!("{}: {}", p.field, p.message)),
            Ok(cluster) => check_cluster(&cluster)
                .into_iter()
                .next()
                .map(|issue| format!("{}: {}", issue.field, issue.message)),
        };
        first.unwrap_or_else(|| "no combination of the form's choices passes".to_owned())
    }

    fn leaf(&self) -> Option<Leaf> {
        if !self.allowed() {
            return None;
        }
        let anchor = self.anchor()?;
        let shape = anchor.shape;
        let with = |change: &dyn Fn(&mut Candidate)| {
            let mut candidate = anchor.clone();
            change(&mut candidate);
            self.accepts(&candidate)
        };
        let sized = shape.workers || shape.control_plane_size;
        let sizes: Vec<String> = if sized {
            let mut sizes: Vec<String> = self.infrastructure.spec.sizes.keys().cloned().collect();
            sizes.retain(|size| with(&|c| c.size = Some(size.clone())));
            sizes
        } else {
            Vec::new()
        };
        let preferred_workers = self.defaults().worker_replicas.unwrap_or(anchor.workers);
        let worker_replicas = shape.workers.then(|| {
            let accepted: Vec<i32> = (0..=self.max_workers())
                .filter(|count| with(&|c| c.workers = *count))
                .collect();
            Counts::from_accepted(&accepted, preferred_workers)
        });
        let control_plane_replicas: Vec<i32> = if shape.control_plane_replicas {
            CONTROL_PLANE_COUNTS
                .into_iter()
                .filter(|count| with(&|c| c.control_plane = *count))
                .collect()
        } else {
            Vec::new()
        };
        let addons: Vec<Addon> = ADDONS
            .into_iter()
            .filter(|addon| with(&|c| c.addons = vec![*addon]))
            .collect();
        let versions: Vec<KubeVersion> = self
            .candidate_versions()
            .into_iter()
            .filter(|version| with(&|c| c.version = *version))
            .map(|version| version.unwrap_or(self.version))
            .collect();
        Some(Leaf {
            infrastructure: self.infrastructure_name(),
            shape,
            default_size: anchor.size.clone().filter(|_| sized),
            sizes,
            worker_replicas: worker_replicas.flatten(),
            default_control_plane_replicas: shape
                .control_plane_replicas
                .then_some(anchor.control_plane),
            control_plane_replicas,
            addons,
            versions,
        })
    }
}
