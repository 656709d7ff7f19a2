//! Validate stage: the same pure checks as `drover validate` — resolve the claim against its
//! Environment and Infrastructure, then the provider's checks. An invalid claim is not an error of
//! the reconcile: it is reported as `Valid=False` and nothing is written for it.

use drover_api::WorkloadCluster;
use drover_core::fleet::Source;
use drover_core::providers::check_cluster;
use drover_core::resolve::{ClaimContext, ResolvedCluster, resolve_claim};
use drover_core::status::{
    REASON_ENVIRONMENT_NOT_FOUND, REASON_INFRASTRUCTURE_NOT_FOUND, REASON_INVALID, Validity,
};

use crate::dereference::Observed;

/// Why a claim is not valid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invalid {
    /// The Environment it names does not exist.
    EnvironmentNotFound(String),
    /// The Infrastructure it names does not exist.
    InfrastructureNotFound(String),
    /// Problems, each as (field path, message).
    Claim(Vec<(String, String)>),
    /// The CRDs of kinds the claim's objects need are not served by the management cluster
    /// (each as `crd (Kind group/version)`).
    CrdsNotInstalled(Vec<String>),
}

/// `Valid=False` reason of a claim whose provider's CRDs are not installed.
pub const REASON_CRD_NOT_INSTALLED: &str = "CRDNotInstalled";

impl Invalid {
    /// `Valid=False` reason.
    pub fn reason(&self) -> &'static str {
        match self {
            Invalid::EnvironmentNotFound(_) => REASON_ENVIRONMENT_NOT_FOUND,
            Invalid::InfrastructureNotFound(_) => REASON_INFRASTRUCTURE_NOT_FOUND,
            Invalid::Claim(_) => REASON_INVALID,
            Invalid::CrdsNotInstalled(_) => REASON_CRD_NOT_INSTALLED,
        }
    }

    /// `Valid=False` message: `field: message`, problems joined by `; `.
    pub fn message(&self) -> String {
        match self {
            Invalid::EnvironmentNotFound(name) => {
                format!("spec.environment: Environment `{name}` does not exist")
            }
            Invalid::InfrastructureNotFound(name) => {
                format!("spec.infrastructure: Infrastructure `{name}` does not exist")
            }
            Invalid::Claim(problems) => problems
                .iter()
                .map(|(field, message)| {
                    if field.is_empty() {
                        message.clone()
                    } else {
                        format!("{field}: {message}")
                    }
                })
                .collect::<Vec<_>>()
                .join("; "),
            Invalid::CrdsNotInstalled(crds) => format!(
                "the management cluster does not serve {}: install the provider that defines {}",
                crds.join(", "),
                if crds.len() == 1 { "it" } else { "them" }
            ),
        }
    }

    /// Whether the claim refers to an object that may still appear (requeue, not just wait).
    pub fn is_missing_reference(&self) -> bool {
        !matches!(self, Invalid::Claim(_))
    }

    /// As the status computation takes it.
    pub fn validity(&self) -> Validity {
        Validity::Invalid {
            reason: self.reason().to_owned(),
            message: self.message(),
        }
    }
}

/// Resolves `claim` and runs its provider's checks.
pub fn validate(claim: &WorkloadCluster, observed: &Observed) -> Result<ResolvedCluster, Invalid> {
    let source = Source::default();
    let environment = observed
        .environment
        .as_ref()
        .ok_or_else(|| Invalid::EnvironmentNotFound(claim.spec.environment.clone()))?;
    let infrastructure = observed
        .infrastructure
        .as_ref()
        .ok_or_else(|| Invalid::InfrastructureNotFound(claim.spec.infrastructure.clone()))?;
    let context = ClaimContext {
        environment: Some((environment, &source)),
        infrastructure: Some((infrastructure, &source)),
    };
    let cluster = resolve_claim(claim, &source, &context).map_err(|problems| {
        Invalid::Claim(
            problems
                .sorted()
                .0
                .into_iter()
                .map(|d| (d.field, d.message))
                .collect(),
        )
    })?;
    let issues = check_cluster(&cluster);
    if issues.is_empty() {
        Ok(cluster)
    } else {
        Err(Invalid::Claim(
            issues.into_iter().map(|i| (i.field, i.message)).collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use drover_core::fixtures;

    fn observed() -> Observed {
        Observed {
            cluster_name: "payments".to_owned(),
            environment: Some(fixtures::environment("dev", "v1.32.1")),
            infrastructure: Some(fixtures::kubevirt_infrastructure()),
            ..Observed::default()
        }
    }

    #[test]
    fn a_valid_claim_resolves() {
        let claim = fixtures::claim("team-a", "payments", "dev");
        assert!(validate(&claim, &observed()).is_ok());
    }

    #[test]
    fn an_undefined_size_names_the_field() {
        let claim = fixtures::with_workers(
            fixtures::claim("team-a", "payments", "dev"),
            &[("md-0", 2, "huge")],
        );
        let invalid = validate(&claim, &observed()).err();
        let message = invalid.as_ref().map(Invalid::message).unwrap_or_default();
        assert!(message.starts_with("spec.workers[0].size: "), "{message}");
        assert!(message.contains("huge"), "{message}");
        assert_eq!(invalid.map(|i| i.reason()), Some("Invalid"));
    }

    #[test]
    fn missing_references_are_their_own_reasons() {
        let claim = fixtures::claim("team-a", "payments", "dev");
        let mut observed = observed();
        observed.environment = None;
        let invalid = validate(&claim, &observed).err();
        assert_eq!(
            invalid,
            Some(Invalid::EnvironmentNotFound("dev".to_owned()))
        );
        observed.environment = Some(fixtures::environment("dev", "v1.32.1"));
        observed.infrastructure = None;
        let invalid = validate(&claim, &observed).err();
        assert_eq!(
            invalid.as_ref().map(Invalid::reason),
            Some("InfrastructureNotFound")
        );
        assert!(invalid.is_some_and(|i| i.is_missing_reference()));
    }
}
