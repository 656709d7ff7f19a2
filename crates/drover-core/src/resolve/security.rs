//! The effective security baseline of a cluster: its environment's `spec.security`, strengthened
//! by the claim's. A claim setting that asks for less than the environment is refused, naming the
//! claim's field and the environment's value.

use std::collections::BTreeSet;

use drover_api::security::{
    Audit, AuditLevel, CniEncryption, ConfigMapKeyRef, NetworkPolicyDefault, Oidc,
    PodSecurityLevel, SecuritySpec,
};

/// A problem with a security setting: the field path (from the object's root) and the message.
pub type SecurityProblem = (String, String);

/// The security settings a cluster is rendered with. `Default` is "the providers' defaults".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResolvedSecurity {
    /// The OpenID Connect provider the API server trusts.
    pub oidc: Option<Oidc>,
    /// Audit logging, when enabled.
    pub audit: Option<ResolvedAudit>,
    /// Encryption at rest, when anything is encrypted.
    pub encryption: Option<ResolvedEncryption>,
    /// Cluster-wide Pod Security admission defaults, when any level is set.
    pub pod_security: Option<ResolvedPodSecurity>,
    /// Network policy default of the workload cluster's namespaces.
    pub network_policy: NetworkPolicyDefault,
    /// Cilium transparent encryption.
    pub cni_encryption: CniEncryption,
    /// Cilium's Hubble.
    pub hubble: bool,
}

impl ResolvedSecurity {
    /// Whether a setting is made through the Cilium add-on (default-deny policy, transparent
    /// encryption, Hubble).
    pub fn needs_cilium(&self) -> bool {
        self.network_policy == NetworkPolicyDefault::DefaultDeny
            || self.cni_encryption != CniEncryption::Disabled
            || self.hubble
    }

    /// Whether anything is set beyond the providers' defaults.
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// Whether a setting changes the API server's configuration (and so rolls the control plane
    /// on machine-based providers).
    pub fn configures_api_server(&self) -> bool {
        self.oidc.is_some()
            || self.audit.is_some()
            || self.encryption.is_some()
            || self.pod_security.is_some()
    }
}

/// Audit logging as rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedAudit {
    /// Level of the preset policy for `resources`.
    pub level: AuditLevel,
    /// Resources logged at `level` (`pods`, `deployments.apps`); empty: every resource.
    pub resources: Vec<String>,
    /// A policy of the platform team's own instead of the preset.
    pub policy: Option<ConfigMapKeyRef>,
    /// Days a log file is kept.
    pub max_age_days: Option<i32>,
    /// Megabytes before rotation.
    pub max_size_mb: Option<i32>,
    /// Rotated files kept.
    pub max_backups: Option<i32>,
}

/// Encryption at rest as rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedEncryption {
    /// Resources encrypted, `secrets` first when Secrets are; sorted and unique otherwise.
    pub resources: Vec<String>,
    /// The cloud KMS key (managed clouds).
    pub kms_key: Option<String>,
}

/// Pod Security admission defaults as rendered (an unset level keeps Kubernetes' `privileged`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedPodSecurity {
    /// Enforced level.
    pub enforce: Option<PodSecurityLevel>,
    /// Audited level.
    pub audit: Option<PodSecurityLevel>,
    /// Warned level.
    pub warn: Option<PodSecurityLevel>,
    /// Exempt namespaces, sorted.
    pub exempt_namespaces: Vec<String>,
}

/// The wire name of a Pod Security level.
pub fn pod_security_name(level: PodSecurityLevel) -> &'static str {
    match level {
        PodSecurityLevel::Privileged => "privileged",
        PodSecurityLevel::Baseline => "baseline",
        PodSecurityLevel::Restricted => "restricted",
    }
}

/// The wire name of an audit level.
pub fn audit_level_name(level: AuditLevel) -> &'static str {
    match level {
        AuditLevel::Metadata => "Metadata",
        AuditLevel::Request => "Request",
        AuditLevel::RequestResponse => "RequestResponse",
    }
}

/// Checks one security block on its own (`prefix`: `spec.security`).
pub fn check_security_spec(prefix: &str, spec: &SecuritySpec) -> Vec<SecurityProblem> {
    let mut problems = Vec::new();
    let mut problem = |field: &str, message: String| {
        problems.push((format!("{prefix}.{field}"), message));
    };
    if let Some(oidc) = spec.authentication.as_ref().and_then(|a| a.oidc.as_ref()) {
        let url = &oidc.issuer_url;
        let host = url.strip_prefix("https://").unwrap_or_default();
        if host.is_empty() || url.contains('?') || url.contains('#') {
            problem(
                "authentication.oidc.issuerUrl",
                format!(
                    "`{url}` must be an https:// URL without query or fragment (the `iss` claim of the tokens)"
                ),
            );
        }
        if oidc.client_id.trim().is_empty() {
            problem(
                "authentication.oidc.clientId",
                "must not be empty".to_owned(),
            );
        }
    }
    if let Some(audit) = &spec.audit {
        if audit.policy.is_some() && (audit.level.is_some() || audit.resources.is_some()) {
            problem(
                "audit.policy",
                "a policy of your own replaces the preset: leave out level and resources"
                    .to_owned(),
            );
        }
        for (index, resource) in audit.resources.iter().flatten().enumerate() {
            if !is_resource_name(resource) {
                problem(
                    &format!("audit.resources[{index}]"),
                    format!("`{resource}` is not a resource (`pods`, `deployments.apps`)"),
                );
            }
        }
    }
    if let Some(encryption) = &spec.encryption_at_rest {
        for (index, resource) in encryption.resources.iter().flatten().enumerate() {
            if !is_resource_name(resource) {
                problem(
                    &format!("encryptionAtRest.resources[{index}]"),
                    format!("`{resource}` is not a resource (`configmaps`, `<resource>.<group>`)"),
                );
            }
        }
    }
    if let Some(pod_security) = &spec.pod_security {
        for (index, namespace) in pod_security.exempt_namespaces.iter().flatten().enumerate() {
            if !crate::naming::is_dns_label(namespace) {
                problem(
                    &format!("podSecurity.exemptNamespaces[{index}]"),
                    format!("`{namespace}` is not a namespace name"),
                );
            }
        }
    }
    problems
}

fn is_resource_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 253
        && text
            .split('.')
            .all(|part| !part.is_empty() && crate::naming::is_dns_label(part))
}

/// Merges the environment's baseline (`environment`, of Environment `env`) with the claim's
/// settings. Every claim setting weaker than the environment's is a problem at the claim's field.
pub fn effective_security(
    env: &str,
    environment: Option<&SecuritySpec>,
    claim: Option<&SecuritySpec>,
) -> Result<ResolvedSecurity, Vec<SecurityProblem>> {
    let base = environment.cloned().unwrap_or_default();
    let wanted = claim.cloned().unwrap_or_default();
    let mut merge = Merge {
        env,
        problems: Vec::new(),
    };
    let security = ResolvedSecurity {
        oidc: merge.oidc(&base, &wanted),
        audit: merge.audit(base.audit.as_ref(), wanted.audit.as_ref()),
        encryption: merge.encryption(&base, &wanted),
        pod_security: merge.pod_security(&base, &wanted),
        network_policy: merge.at_least(
            "spec.security.networkPolicy",
            base.network_policy,
            wanted.network_policy,
            NetworkPolicyDefault::AllowAll,
            |value| network_policy_name(value).to_owned(),
        ),
        cni_encryption: merge.at_least(
            "spec.security.cni.encryption",
            base.cni.as_ref().and_then(|c| c.encryption),
            wanted.cni.as_ref().and_then(|c| c.encryption),
            CniEncryption::Disabled,
            |value| cni_encryption_name(value).to_owned(),
        ),
        hubble: merge.at_least(
            "spec.security.cni.hubble",
            base.cni.as_ref().and_then(|c| c.hubble),
            wanted.cni.as_ref().and_then(|c| c.hubble),
            false,
            |value| value.to_string(),
        ),
    };
    if merge.problems.is_empty() {
        Ok(security)
    } else {
        Err(merge.problems)
    }
}

/// The wire name of a network policy default.
pub fn network_policy_name(value: NetworkPolicyDefault) -> &'static str {
    match value {
        NetworkPolicyDefault::AllowAll => "allow-all",
        NetworkPolicyDefault::DefaultDeny => "default-deny",
    }
}

/// The wire name of a CNI encryption.
pub fn cni_encryption_name(value: CniEncryption) -> &'static str {
    match value {
        CniEncryption::Disabled => "disabled",
        CniEncryption::Wireguard => "wireguard",
    }
}

struct Merge<'a> {
    env: &'a str,
    problems: Vec<SecurityProblem>,
}

impl Merge<'_> {
    fn weaker(&mut self, field: &str, claim: &str, environment: &str) {
        self.problems.push((
            field.to_owned(),
            format!(
                "{claim} is weaker than Environment `{}`'s {environment}",
                self.env
            ),
        ));
    }

    /// The stronger of two ordered values; a claim value below the environment's is refused.
    fn at_least<T: Ord + Copy>(
        &mut self,
        field: &str,
        base: Option<T>,
        wanted: Option<T>,
        default: T,
        name: impl Fn(T) -> String,
    ) -> T {
        match (base, wanted) {
            (Some(base), Some(wanted)) if wanted < base => {
                self.weaker(
                    field,
                    &format!("`{}`", name(wanted)),
                    &format!("`{}`", name(base)),
                );
                base
            }
            (_, Some(wanted)) => wanted,
            (Some(base), None) => base,
            (None, None) => default,
        }
    }

    /// A claim may add an identity provider, not replace the environment's.
    fn oidc(&mut self, base: &SecuritySpec, wanted: &SecuritySpec) -> Option<Oidc> {
        let base = base.authentication.as_ref().and_then(|a| a.oidc.clone());
        let wanted = wanted.authentication.as_ref().and_then(|a| a.oidc.clone());
        match (base, wanted) {
            (Some(base), Some(wanted)) if base != wanted => {
                self.problems.push((
                    "spec.security.authentication.oidc".to_owned(),
                    format!(
                        "differs from Environment `{}`'s identity provider ({} for client `{}`): a claim cannot replace it; leave it out",
                        self.env, base.issuer_url, base.client_id
                    ),
                ));
                Some(base)
            }
            (base, wanted) => wanted.or(base),
        }
    }

    fn audit(&mut self, base: Option<&Audit>, wanted: Option<&Audit>) -> Option<ResolvedAudit> {
        let field = |leaf: &str| format!("spec.security.audit.{leaf}");
        let base_on = base.is_some_and(|a| a.enabled != Some(false));
        let wanted_on = wanted.map(|a| a.enabled != Some(false));
        if base_on && wanted_on == Some(false) {
            self.weaker(&field("enabled"), "`false`", "`true`");
        }
        if !(base_on || wanted_on == Some(true)) {
            return None;
        }
        let (base, wanted) = (
            base.cloned().unwrap_or_default(),
            wanted.cloned().unwrap_or_default(),
        );
        let level = self.at_least(
            &field("level"),
            base.level.filter(|_| base_on),
            wanted.level,
            AuditLevel::Metadata,
            |l| audit_level_name(l).to_owned(),
        );
        let base_resources: BTreeSet<String> = base
            .resources
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect();
        let resources = match wanted.resources.clone() {
            Some(list) if base_on => {
                let list: BTreeSet<String> = list.into_iter().collect();
                // Fewer resources at the level is weaker; no list means every resource.
                if base_resources.is_empty() && !list.is_empty() {
                    self.weaker(&field("resources"), "a list of resources", "every resource");
                    base_resources
                } else if let Some(missing) = base_resources.difference(&list).next() {
                    self.weaker(
                        &field("resources"),
                        &format!("a list without `{missing}`"),
                        "list",
                    );
                    base_resources
                } else {
                    list
                }
            }
            Some(list) => list.into_iter().collect(),
            None => base_resources,
        };
        let policy = match (&base.policy, &wanted.policy) {
            (Some(base_policy), Some(wanted_policy)) if base_policy != wanted_policy => {
                self.problems.push((
                    field("policy"),
                    format!(
                        "Environment `{}` sets its own audit policy; a claim cannot replace it",
                        self.env
                    ),
                ));
                Some(base_policy.clone())
            }
            (None, Some(_)) if base_on => {
                self.problems.push((
                    field("policy"),
                    format!("Environment `{}` uses the preset policy; a policy of the claim's own cannot be compared with it, so only the environment may set one", self.env),
                ));
                None
            }
            (base_policy, wanted_policy) => wanted_policy.clone().or(base_policy.clone()),
        };
        let retention = |audit: &Audit| audit.retention.clone().unwrap_or_default();
        let (base_keep, wanted_keep) = (retention(&base), retention(&wanted));
        let mut keep = |leaf: &str, base: Option<i32>, wanted: Option<i32>| {
            self.at_least(&field(&format!("retention.{leaf}")), base, wanted, 0, |v| {
                v.to_string()
            })
        };
        let max_age = keep(
            "maxAgeDays",
            base_keep.max_age_days,
            wanted_keep.max_age_days,
        );
        let max_size = keep("maxSizeMB", base_keep.max_size_mb, wanted_keep.max_size_mb);
        let max_backups = keep("maxBackups", base_keep.max_backups, wanted_keep.max_backups);
        let positive = |value: i32| (value > 0).then_some(value);
        Some(ResolvedAudit {
            level,
            resources: resources.into_iter().collect(),
            policy,
            max_age_days: positive(max_age),
            max_size_mb: positive(max_size),
            max_backups: positive(max_backups),
        })
    }

    fn encryption(
        &mut self,
        base: &SecuritySpec,
        wanted: &SecuritySpec,
    ) -> Option<ResolvedEncryption> {
        let base = base.encryption_at_rest.clone();
        let wanted = wanted.encryption_at_rest.clone();
        let secrets_on = |e: &Option<drover_api::security::EncryptionAtRest>| {
            e.as_ref().map(|e| e.secrets != Some(false))
        };
        let (base_secrets, wanted_secrets) = (secrets_on(&base), secrets_on(&wanted));
        if base_secrets == Some(true) && wanted_secrets == Some(false) {
            self.weaker(
                "spec.security.encryptionAtRest.secrets",
                "`false`",
                "`true`",
            );
        }
        let secrets = base_secrets == Some(true) || wanted_secrets == Some(true);
        let mut others: BTreeSet<String> = BTreeSet::new();
        for block in [&base, &wanted].into_iter().flatten() {
            others.extend(block.resources.iter().flatten().cloned());
        }
        others.remove("secrets");
        let kms_key = match (
            base.as_ref().and_then(|b| b.kms_key.clone()),
            wanted.as_ref().and_then(|w| w.kms_key.clone()),
        ) {
            (Some(base_key), Some(wanted_key)) if base_key != wanted_key => {
                self.problems.push((
                    "spec.security.encryptionAtRest.kmsKey".to_owned(),
                    format!(
                        "Environment `{}` encrypts with its own KMS key; a claim cannot replace it",
                        self.env
                    ),
                ));
                Some(base_key)
            }
            (base_key, wanted_key) => wanted_key.or(base_key),
        };
        let mut resources = Vec::new();
        if secrets {
            resources.push("secrets".to_owned());
        }
        resources.extend(others);
        (!resources.is_empty()).then_some(ResolvedEncryption { resources, kms_key })
    }

    fn pod_security(
        &mut self,
        base: &SecuritySpec,
        wanted: &SecuritySpec,
    ) -> Option<ResolvedPodSecurity> {
        let base = base.pod_security.clone().unwrap_or_default();
        let wanted = wanted.pod_security.clone().unwrap_or_default();
        let mut level =
            |leaf: &str, base: Option<PodSecurityLevel>, wanted: Option<PodSecurityLevel>| match (
                base, wanted,
            ) {
                (None, None) => None,
                _ => Some(self.at_least(
                    &format!("spec.security.podSecurity.{leaf}"),
                    base,
                    wanted,
                    PodSecurityLevel::Privileged,
                    |l| pod_security_name(l).to_owned(),
                )),
            };
        let enforce = level("enforce", base.enforce, wanted.enforce);
        let audit = level("audit", base.audit, wanted.audit);
        let warn = level("warn", base.warn, wanted.warn);
        let base_exempt: BTreeSet<String> = base
            .exempt_namespaces
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect();
        let exempt = match &wanted.exempt_namespaces {
            Some(list) if base.exempt_namespaces.is_some() || base.enforce.is_some() => {
                let list: BTreeSet<String> = list.iter().cloned().collect();
                if let Some(extra) = list.difference(&base_exempt).next() {
                    self.weaker(
                        "spec.security.podSecurity.exemptNamespaces",
                        &format!("exempting `{extra}`"),
                        "exemptions",
                    );
                    base_exempt
                } else {
                    list
                }
            }
            Some(list) => list.iter().cloned().collect(),
            None => base_exempt,
        };
        (enforce.is_some() || audit.is_some() || warn.is_some()).then(|| ResolvedPodSecurity {
            enforce,
            audit,
            warn,
            exempt_namespaces: exempt.into_iter().collect(),
        })
    }
}

#[cfg(test)]
mod tests;
