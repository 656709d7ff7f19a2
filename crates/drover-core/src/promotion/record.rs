//! A claim as promotion sees it: its environment, version, readiness, soak clock and upgrade,
//! read from the claim's spec and the status the controller wrote.

use drover_api::{ConditionStatus, ConditionType, WorkloadCluster};
use jiff::Timestamp;

use crate::upgrade::ObservedVersion;
use crate::version::KubeVersion;

/// One claim, for the promotion gate and the environment's wave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterRecord {
    /// `namespace/name`.
    pub key: String,
    /// Its environment.
    pub environment: String,
    /// The version it pins (`spec.kubernetesVersion`), if any.
    pub pinned: Option<KubeVersion>,
    /// The version its control plane runs (`status.kubernetesVersion`).
    pub running: Option<ObservedVersion>,
    /// `Ready=True`.
    pub ready: bool,
    /// Not `Valid=False`.
    pub valid: bool,
    /// The version it has been Ready at, and since when (`status.readyAtVersion`), while Ready.
    pub ready_at: Option<(ObservedVersion, Timestamp)>,
    /// An upgrade runs (`status.upgrade`).
    pub upgrading: bool,
    /// The destination of the running upgrade.
    pub upgrade_to: Option<String>,
    /// Why the running upgrade failed, if it did.
    pub failure: Option<String>,
    /// It sleeps (`status.hibernation.hibernated`): it neither blocks nor opens a promotion
    /// gate, and does not join the upgrade wave until it wakes.
    pub hibernated: bool,
}

impl ClusterRecord {
    /// Reads a claim.
    pub fn from_claim(claim: &WorkloadCluster) -> Self {
        let status = claim.status.as_ref();
        let condition = |type_: ConditionType| {
            status
                .and_then(|s| s.conditions.iter().find(|c| c.type_ == type_))
                .map(|c| c.status)
        };
        let ready = condition(ConditionType::Ready) == Some(ConditionStatus::True);
        let upgrade = status.and_then(|s| s.upgrade.as_ref());
        Self {
            key: format!(
                "{}/{}",
                claim.metadata.namespace.as_deref().unwrap_or_default(),
                claim.metadata.name.as_deref().unwrap_or_default()
            ),
            environment: claim.spec.environment.clone(),
            pinned: claim
                .spec
                .kubernetes_version
                .as_deref()
                .and_then(|v| v.parse().ok()),
            running: status
                .and_then(|s| s.kubernetes_version.as_deref())
                .and_then(ObservedVersion::parse),
            ready,
            valid: condition(ConditionType::Valid) != Some(ConditionStatus::False),
            ready_at: status
                .and_then(|s| s.ready_at_version.as_ref())
                .filter(|_| ready)
                .and_then(|r| {
                    Some((
                        ObservedVersion::parse(&r.version)?,
                        r.since.parse::<Timestamp>().ok()?,
                    ))
                }),
            upgrading: upgrade.is_some(),
            upgrade_to: upgrade.map(|u| u.to.clone()),
            failure: upgrade.and_then(|u| u.failure.clone()),
            hibernated: status
                .and_then(|s| s.hibernation.as_ref())
                .is_some_and(|h| h.hibernated),
        }
    }
}
