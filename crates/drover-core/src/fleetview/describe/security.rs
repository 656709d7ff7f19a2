//! The effective security baseline of a claim in `describe cluster`: its environment's
//! `spec.security` strengthened by the claim's, one line per setting that is set.

use drover_api::security::NetworkPolicyDefault;
use drover_api::{Environment, WorkloadCluster};
use serde::Serialize;

use crate::resolve::{
    ResolvedSecurity, audit_level_name, cni_encryption_name, effective_security,
    network_policy_name, pod_security_name,
};

/// One setting of the baseline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SecuritySetting {
    /// `Sign-in`, `Audit log`, ...
    pub setting: String,
    /// What it is set to.
    pub value: String,
}

/// The baseline's settings; empty when the environment and claim set none. `None` when the
/// environment could not be read. A claim weaker than its environment is one `Invalid` line.
pub fn baseline(
    claim: &WorkloadCluster,
    environment: Option<&Environment>,
) -> Option<Vec<SecuritySetting>> {
    let environment = environment?;
    let name = environment.metadata.name.clone().unwrap_or_default();
    let setting = |setting: &str, value: String| SecuritySetting {
        setting: setting.to_owned(),
        value,
    };
    match effective_security(
        &name,
        environment.spec.security.as_ref(),
        claim.spec.security.as_ref(),
    ) {
        Ok(security) => Some(settings(&security, setting)),
        Err(problems) => Some(
            problems
                .into_iter()
                .map(|(field, message)| setting("Invalid", format!("{field}: {message}")))
                .collect(),
        ),
    }
}

fn settings(
    security: &ResolvedSecurity,
    setting: impl Fn(&str, String) -> SecuritySetting,
) -> Vec<SecuritySetting> {
    let mut out = Vec::new();
    if let Some(oidc) = &security.oidc {
        let groups = oidc
            .groups_claim
            .as_ref()
            .map(|g| format!(", groups from `{g}`"))
            .unwrap_or_default();
        out.push(setting(
            "Sign-in",
            format!(
                "OIDC {} (client {}{groups})",
                oidc.issuer_url, oidc.client_id
            ),
        ));
    }
    if let Some(audit) = &security.audit {
        let level = audit_level_name(audit.level);
        let mut text = match (&audit.policy, audit.resources.is_empty()) {
            (Some(policy), _) => {
                format!("policy from ConfigMap {} key {}", policy.name, policy.key)
            }
            (None, true) => format!("{level} for every resource"),
            (None, false) => format!(
                "{level} for {}, Metadata for the rest",
                audit.resources.join(", ")
            ),
        };
        let keep: Vec<String> = [
            audit.max_age_days.map(|d| format!("{d} days")),
            audit.max_backups.map(|b| format!("{b} files")),
            audit.max_size_mb.map(|m| format!("{m} MB each")),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !keep.is_empty() {
            text.push_str(&format!("; kept {}", keep.join(", ")));
        }
        out.push(setting("Audit log", text));
    }
    if let Some(encryption) = &security.encryption {
        let key = encryption
            .kms_key
            .as_ref()
            .map(|k| format!(" (KMS key {k})"))
            .unwrap_or_default();
        out.push(setting(
            "Encryption at rest",
            format!("{}{key}", encryption.resources.join(", ")),
        ));
    }
    if let Some(pod_security) = &security.pod_security {
        let mut modes: Vec<String> = [
            ("enforce", pod_security.enforce),
            ("audit", pod_security.audit),
            ("warn", pod_security.warn),
        ]
        .into_iter()
        .filter_map(|(mode, level)| level.map(|l| format!("{mode} {}", pod_security_name(l))))
        .collect();
        if !pod_security.exempt_namespaces.is_empty() {
            modes.push(format!(
                "exempt {}",
                pod_security.exempt_namespaces.join(", ")
            ));
        }
        out.push(setting("Pod Security", modes.join(", ")));
    }
    if security.network_policy != NetworkPolicyDefault::AllowAll {
        out.push(setting(
            "Network policy",
            network_policy_name(security.network_policy).to_owned(),
        ));
    }
    let mut cilium = Vec::new();
    if security.cni_encryption != drover_api::security::CniEncryption::Disabled {
        cilium.push(format!(
            "{} encryption",
            cni_encryption_name(security.cni_encryption)
        ));
    }
    if security.hubble {
        cilium.push("Hubble".to_owned());
    }
    if !cilium.is_empty() {
        out.push(setting("Cilium", cilium.join(", ")));
    }
    out
}
