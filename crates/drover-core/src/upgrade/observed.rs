//! What the live CAPI objects say about versions: the control plane's and each worker pool's
//! desired version (`spec`), what their machines run (`status`), and whether the part has
//! settled (its controller observed the latest spec and every machine is up to date and ready).
//!
//! The version a part asks for is `spec.version` (KubeadmControlPlane, TalosControlPlane and the
//! managed control planes of EKS, AKS and GKE), `spec.template.spec.version` (MachineDeployments
//! and MachinePools), or, for a vcluster, `controlPlane.distro.k8s.version` in the Helm values
//! drover renders into the `VCluster`.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use saphyr::{LoadableYamlNode, SafelyIndex, Yaml};
use serde_json::Value;

use crate::contract::status::Replicas;
use crate::version::KubeVersion;

/// A version as a CAPI object reports it: `v1.32.1`, or only `v1.32` (EKS control planes), with
/// any suffix (`-eks-1234`, `+build`) ignored. Compared with a full version at the precision it
/// has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ObservedVersion {
    /// Major.
    pub major: u32,
    /// Minor.
    pub minor: u32,
    /// Patch, when the object gives one.
    pub patch: Option<u32>,
}

impl ObservedVersion {
    /// Parses `v1.32.1`, `1.32.1`, `v1.32`, `v1.32.1-eks-abc`; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let text = text.strip_prefix('v').unwrap_or(text);
        let core = text.split(['-', '+']).next().unwrap_or_default();
        let mut parts = core.split('.');
        let number = |part: Option<&str>| -> Option<u32> {
            let part = part?;
            if part.is_empty() || part.len() > 4 || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            part.parse().ok()
        };
        let major = number(parts.next())?;
        let minor = number(parts.next())?;
        let patch = match parts.next() {
            Some(part) => Some(number(Some(part))?),
            None => None,
        };
        parts.next().is_none().then_some(Self {
            major,
            minor,
            patch,
        })
    }

    /// A full version as observed.
    pub fn of(version: KubeVersion) -> Self {
        Self {
            major: version.major,
            minor: version.minor,
            patch: Some(version.patch),
        }
    }

    /// How this version compares with `version`, at this version's precision (`v1.32` equals
    /// every `v1.32.x`).
    pub fn cmp_to(&self, version: KubeVersion) -> Ordering {
        (self.major, self.minor)
            .cmp(&(version.major, version.minor))
            .then_with(|| match self.patch {
                Some(patch) => patch.cmp(&version.patch),
                None => Ordering::Equal,
            })
    }

    /// Whether this is `version` (at this version's precision).
    pub fn matches(&self, version: KubeVersion) -> bool {
        self.cmp_to(version) == Ordering::Equal
    }

    /// As a full version, patch 0 where the patch is unknown.
    pub fn full(&self) -> KubeVersion {
        KubeVersion::new(self.major, self.minor, self.patch.unwrap_or(0))
    }

    /// As a full version: `reference` when it matches (so a `v1.32` object keeps the exact patch
    /// drover renders for it), else patch 0 where the patch is unknown.
    pub fn resolve(&self, reference: KubeVersion) -> KubeVersion {
        if self.matches(reference) {
            reference
        } else {
            self.full()
        }
    }
}

impl fmt::Display for ObservedVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.patch {
            Some(patch) => write!(f, "v{}.{}.{patch}", self.major, self.minor),
            None => write!(f, "v{}.{}", self.major, self.minor),
        }
    }
}

/// The version state of one part of a cluster: the control plane or one worker pool.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartObservation {
    /// The version its spec asks for (`spec.version`, or `spec.template.spec.version` of a
    /// MachineDeployment or MachinePool).
    pub version: Option<ObservedVersion>,
    /// The lowest version its machines run (`status.versions`, `status.version` or GKE's
    /// `status.currentVersion`), when the kind reports one.
    pub running: Option<ObservedVersion>,
    /// Machines running `version`, from `status.versions`, when reported.
    pub at_version: Option<i32>,
    /// Replica counts.
    pub replicas: Replicas,
    /// Whether the part's controller has observed its latest spec (`status.observedGeneration`
    /// ≥ `metadata.generation`; true when either is missing).
    pub current: bool,
    /// `status.ready` of kinds that report it (managed control planes, vclusters).
    pub ready: Option<bool>,
}

impl PartObservation {
    /// Reads a control-plane object, MachineDeployment or MachinePool.
    pub fn from_object(object: &Value) -> Self {
        let spec_version = object["spec"]["version"]
            .as_str()
            .or_else(|| object["spec"]["template"]["spec"]["version"].as_str())
            .and_then(ObservedVersion::parse)
            .or_else(|| {
                object["spec"]["helmRelease"]["values"]
                    .as_str()
                    .and_then(helm_values_version)
            });
        let status = &object["status"];
        let listed: Vec<(ObservedVersion, i32)> = status["versions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|entry| {
                let version = ObservedVersion::parse(entry["version"].as_str()?)?;
                let replicas = entry["replicas"]
                    .as_i64()
                    .and_then(|n| i32::try_from(n).ok())
                    .unwrap_or(0);
                Some((version, replicas))
            })
            .collect();
        let lowest = listed
            .iter()
            .map(|(version, _)| *version)
            .min_by_key(|v| (v.major, v.minor, v.patch.unwrap_or(0)));
        let running = lowest.or_else(|| {
            status["version"]
                .as_str()
                .or_else(|| status["currentVersion"].as_str())
                .and_then(ObservedVersion::parse)
        });
        let at_version = spec_version.filter(|_| !listed.is_empty()).map(|wanted| {
            listed
                .iter()
                .filter(|(version, _)| same_loosely(*version, wanted))
                .map(|(_, replicas)| *replicas)
                .sum()
        });
        let generation = object["metadata"]["generation"].as_i64();
        let observed = status["observedGeneration"].as_i64();
        Self {
            version: spec_version,
            running,
            at_version,
            replicas: Replicas::from_object(object),
            current: match (generation, observed) {
                (Some(generation), Some(observed)) => observed >= generation,
                _ => true,
            },
            ready: status["ready"].as_bool(),
        }
    }

    /// Whether the part has finished rolling to its spec version: observed, every machine up to
    /// date, ready and available, and (when reported) running the spec version.
    pub fn settled(&self) -> bool {
        let r = &self.replicas;
        let machines =
            r.up_to_date >= r.desired && r.ready >= r.desired && r.available >= r.desired;
        let running = match (self.running, self.version) {
            (Some(running), Some(version)) => same_loosely(running, version),
            (Some(_), None) => false,
            (None, _) => true,
        };
        self.current && machines && running && self.ready != Some(false)
    }

    /// Machines updated to the spec version: from `status.versions` when reported, else the
    /// up-to-date count.
    pub fn updated(&self) -> i32 {
        self.at_version.unwrap_or(self.replicas.up_to_date)
    }
}

/// `controlPlane.distro.k8s.version` of a vcluster's Helm values.
fn helm_values_version(values: &str) -> Option<ObservedVersion> {
    let documents = Yaml::load_from_str(values).ok()?;
    let version = documents
        .first()?
        .get("controlPlane")?
        .get("distro")?
        .get("k8s")?
        .get("version")?;
    ObservedVersion::parse(version.as_str()?)
}

/// Two observed versions that agree where both are precise.
fn same_loosely(a: ObservedVersion, b: ObservedVersion) -> bool {
    (a.major, a.minor) == (b.major, b.minor)
        && match (a.patch, b.patch) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        }
}

/// The version state of a whole cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObservedParts {
    /// The control plane, once its object exists.
    pub control_plane: Option<PartObservation>,
    /// Worker pools that exist, by pool name.
    pub pools: BTreeMap<String, PartObservation>,
}

impl ObservedParts {
    /// Reads the control-plane object and the MachineDeployments or MachinePools of cluster
    /// `cluster` (named `<cluster>-<pool>`; others are ignored).
    pub fn from_objects(cluster: &str, control_plane: Option<&Value>, pools: &[&Value]) -> Self {
        let prefix = format!("{cluster}-");
        let pools = pools
            .iter()
            .filter_map(|object| {
                let name = object["metadata"]["name"].as_str()?;
                let pool = name.strip_prefix(&prefix)?;
                Some((pool.to_owned(), PartObservation::from_object(object)))
            })
            .collect();
        Self {
            control_plane: control_plane.map(PartObservation::from_object),
            pools,
        }
    }

    /// Every version a part asks for or runs, with the part's name (`control plane`,
    /// `worker pool md-0`).
    pub fn versions(&self) -> Vec<(String, ObservedVersion)> {
        let mut versions = Vec::new();
        if let Some(cp) = &self.control_plane {
            versions.extend(
                [cp.version, cp.running]
                    .into_iter()
                    .flatten()
                    .map(|v| ("control plane".to_owned(), v)),
            );
        }
        for (name, pool) in &self.pools {
            versions.extend(pool.version.map(|v| (format!("worker pool {name}"), v)));
        }
        versions
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn versions_parse_loosely() {
        let v = |t| ObservedVersion::parse(t);
        assert_eq!(
            v("v1.32.1"),
            Some(ObservedVersion {
                major: 1,
                minor: 32,
                patch: Some(1)
            })
        );
        assert_eq!(v("1.32.1"), v("v1.32.1"));
        assert_eq!(v("v1.32.1-eks-113cf36"), v("v1.32.1"));
        assert_eq!(v("v1.32").map(|o| o.patch), Some(None));
        assert_eq!(v("latest"), None);
        assert_eq!(v("v1.32.1.0"), None);
        let eks = v("v1.33").expect("parses");
        assert!(eks.matches(KubeVersion::new(1, 33, 4)));
        assert_eq!(
            eks.resolve(KubeVersion::new(1, 33, 4)),
            KubeVersion::new(1, 33, 4)
        );
        assert_eq!(
            eks.resolve(KubeVersion::new(1, 34, 1)),
            KubeVersion::new(1, 33, 0)
        );
        assert_eq!(eks.cmp_to(KubeVersion::new(1, 34, 0)), Ordering::Less);
    }

    #[test]
    fn a_vcluster_asks_for_the_version_in_its_helm_values() {
        let vcluster = json!({
            "spec": { "helmRelease": { "values": "controlPlane:\n  distro:\n    k8s:\n      enabled: true\n      version: v1.33.1\n" } },
            "status": { "ready": false },
        });
        let part = PartObservation::from_object(&vcluster);
        assert_eq!(part.version, ObservedVersion::parse("v1.33.1"));
        assert!(!part.settled(), "not ready");
    }

    #[test]
    fn a_rolling_control_plane_is_not_settled() {
        let kcp = json!({
            "metadata": { "generation": 4 },
            "spec": { "version": "v1.33.1", "replicas": 3 },
            "status": { "observedGeneration": 4, "replicas": 4, "readyReplicas": 4,
                        "availableReplicas": 4, "upToDateReplicas": 2,
                        "versions": [ { "version": "v1.32.4", "replicas": 2 },
                                      { "version": "v1.33.1", "replicas": 2 } ] },
        });
        let part = PartObservation::from_object(&kcp);
        assert_eq!(part.running, ObservedVersion::parse("v1.32.4"));
        assert_eq!(part.updated(), 2);
        assert!(!part.settled());
    }

    #[test]
    fn stale_status_is_not_settled() {
        // The controller has not seen generation 5 yet: counts are from before the change.
        let md = json!({
            "metadata": { "name": "payments-md-0", "generation": 5 },
            "spec": { "replicas": 2, "template": { "spec": { "version": "v1.33.1" } } },
            "status": { "observedGeneration": 4, "readyReplicas": 2, "availableReplicas": 2,
                        "upToDateReplicas": 2 },
        });
        let parts = ObservedParts::from_objects("payments", None, &[&md]);
        let pool = &parts.pools["md-0"];
        assert!(!pool.current && !pool.settled());
        let mut fresh = md.clone();
        fresh["status"]["observedGeneration"] = json!(5);
        assert!(PartObservation::from_object(&fresh).settled());
    }
}
