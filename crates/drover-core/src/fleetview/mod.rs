//! The fleet view: what `drover get clusters`, `get environments`, `describe cluster` and
//! `wait cluster` show of a management cluster, as pure functions of the objects read from it.
//!
//! Nothing here talks to an API server: the caller (`drover-kube`'s `fleet` module, then the
//! binary) lists the claims and Environments as typed objects and the CAPI objects as JSON, and
//! hands them over together with the current time. What comes back is rows and a tree model
//! (serializable for `-o json|yaml`) and their text: kubectl-style tables ([`table`]) and a
//! clusterctl-style tree ([`describe`]). So every screen is snapshot-tested without a cluster.
//!
//! - [`clusters`]: one row per claim (`get clusters`);
//! - [`environments`]: one row per Environment with its promotion gate (`get environments`);
//! - [`describe`]: claim → CAPI Cluster → control plane → worker pools → Machines, with
//!   conditions, plus Argo CD registration and promotion state (`describe cluster`);
//! - [`wait`]: when a claim being waited for is done, still on its way, or will not get there;
//! - [`oidc_kubeconfig`]: a kubeconfig signing people in through the cluster's OIDC provider;
//! - [`age`]: kubectl's way of writing how long ago something happened.

pub mod age;
pub mod clusters;
pub mod describe;
pub mod environments;
pub mod oidc_kubeconfig;
pub mod table;
pub mod wait;

use drover_api::{Condition, ConditionStatus, ConditionType, Phase};

pub use clusters::{ClusterRow, cluster_rows, clusters_table};
pub use describe::{
    ClusterObjects, DescribeInput, DescribeOptions, Description, RegistrationState,
    argocd_namespace, describe,
};
pub use environments::{EnvironmentRow, environment_rows, environments_table};
pub use table::Table;
pub use wait::{Decision, Goal, Progress, decide};

/// The wire name of `phase`.
pub fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Pending => "Pending",
        Phase::Provisioning => "Provisioning",
        Phase::Ready => "Ready",
        Phase::Upgrading => "Upgrading",
        Phase::Hibernated => "Hibernated",
        Phase::Deleting => "Deleting",
        Phase::Failed => "Failed",
    }
}

/// The wire name of a condition status.
pub fn status_name(status: ConditionStatus) -> &'static str {
    match status {
        ConditionStatus::True => "True",
        ConditionStatus::False => "False",
        ConditionStatus::Unknown => "Unknown",
    }
}

/// `Type: message` (or `Type: reason` when there is no message) of the first condition other
/// than `Ready` that does not hold, in the order of [`ConditionType`] (`Valid` first, so an
/// invalid claim names its field).
pub fn unready_summary(conditions: &[Condition]) -> Option<String> {
    let mut failing: Vec<&Condition> = conditions
        .iter()
        .filter(|c| c.type_ != ConditionType::Ready && c.status != ConditionStatus::True)
        .collect();
    failing.sort_by_key(|c| c.type_);
    failing.first().map(|c| {
        let detail = if c.message.is_empty() {
            &c.reason
        } else {
            &c.message
        };
        format!("{}: {}", c.type_.as_str(), one_line(detail))
    })
}

/// A possibly multi-line CAPI message on one line: lines trimmed, `* ` bullets dropped, joined
/// with `; `.
pub fn one_line(text: &str) -> String {
    text.lines()
        .map(|line| line.trim().trim_start_matches("* ").trim())
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn condition(type_: ConditionType, status: ConditionStatus, message: &str) -> Condition {
        Condition {
            type_,
            status,
            reason: "Because".to_owned(),
            message: message.to_owned(),
            last_transition_time: "2026-01-01T00:00:00Z".to_owned(),
            observed_generation: None,
        }
    }

    #[test]
    fn the_first_failing_condition_in_type_order_is_the_summary() {
        let conditions = [
            condition(ConditionType::Ready, ConditionStatus::False, "not ready"),
            condition(ConditionType::WorkersReady, ConditionStatus::False, ""),
            condition(
                ConditionType::ControlPlaneReady,
                ConditionStatus::Unknown,
                "* KubeadmControlPlane p:\n  * 1 of 3 ready",
            ),
            condition(ConditionType::Valid, ConditionStatus::True, ""),
        ];
        assert_eq!(
            unready_summary(&conditions).as_deref(),
            Some("ControlPlaneReady: KubeadmControlPlane p:; 1 of 3 ready")
        );
        assert_eq!(
            unready_summary(&conditions[..2]).as_deref(),
            Some("WorkersReady: Because")
        );
        assert_eq!(unready_summary(&conditions[3..]), None);
    }
}
