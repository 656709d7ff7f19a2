use drover_api::security::*;

use super::*;

fn spec(yaml: &str) -> SecuritySpec {
    let file = crate::fleet::yaml::parse(yaml);
    let value = file.documents.into_iter().next().map(|d| d.value);
    serde_json::from_value(value.unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"))
}

fn production() -> SecuritySpec {
    spec(
        "authentication: { oidc: { issuerUrl: https://sso.example.com/realms/k8s, clientId: kubernetes, groupsClaim: groups } }\n\
         audit: { level: Request, resources: [pods], retention: { maxAgeDays: 30, maxBackups: 10 } }\n\
         encryptionAtRest: { resources: [configmaps] }\n\
         podSecurity: { enforce: restricted, warn: restricted, exemptNamespaces: [kube-system, cilium] }\n\
         networkPolicy: default-deny\n\
         cni: { encryption: wireguard, hubble: true }\n",
    )
}

fn problems(claim: &str) -> Vec<String> {
    match effective_security("production", Some(&production()), Some(&spec(claim))) {
        Ok(_) => Vec::new(),
        Err(problems) => problems
            .into_iter()
            .map(|(field, message)| format!("{field}: {message}"))
            .collect(),
    }
}

#[test]
fn the_environment_baseline_applies_to_a_claim_without_settings() {
    let security = effective_security("production", Some(&production()), None)
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        security.oidc.as_ref().map(|o| o.client_id.as_str()),
        Some("kubernetes")
    );
    let audit = security.audit.unwrap_or_else(|| panic!("audit"));
    assert_eq!(audit.level, AuditLevel::Request);
    assert_eq!(audit.resources, ["pods"]);
    assert_eq!(audit.max_age_days, Some(30));
    assert_eq!(audit.max_size_mb, None);
    assert_eq!(
        security.encryption.map(|e| e.resources),
        Some(vec!["secrets".to_owned(), "configmaps".to_owned()])
    );
    let pod_security = security.pod_security.unwrap_or_else(|| panic!("psa"));
    assert_eq!(pod_security.enforce, Some(PodSecurityLevel::Restricted));
    assert_eq!(pod_security.audit, None);
    assert_eq!(pod_security.exempt_namespaces, ["cilium", "kube-system"]);
    assert_eq!(security.network_policy, NetworkPolicyDefault::DefaultDeny);
    assert_eq!(security.cni_encryption, CniEncryption::Wireguard);
    assert!(security.hubble);
}

#[test]
fn no_settings_anywhere_is_the_providers_default() {
    let security = effective_security("dev", None, None).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(security.is_default());
    assert!(!security.configures_api_server());
}

#[test]
fn a_claim_may_strengthen() {
    let security = effective_security(
        "production",
        Some(&production()),
        Some(&spec(
            "audit: { level: RequestResponse, resources: [pods, deployments.apps], retention: { maxAgeDays: 90 } }\n\
             podSecurity: { audit: restricted, exemptNamespaces: [kube-system] }\n\
             encryptionAtRest: { resources: [leases.coordination.k8s.io] }\n",
        )),
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    let audit = security.audit.unwrap_or_else(|| panic!("audit"));
    assert_eq!(audit.level, AuditLevel::RequestResponse);
    assert_eq!(audit.resources, ["deployments.apps", "pods"]);
    assert_eq!(audit.max_age_days, Some(90));
    assert_eq!(audit.max_backups, Some(10));
    let pod_security = security.pod_security.unwrap_or_else(|| panic!("psa"));
    assert_eq!(pod_security.audit, Some(PodSecurityLevel::Restricted));
    assert_eq!(pod_security.exempt_namespaces, ["kube-system"]);
    assert_eq!(
        security.encryption.map(|e| e.resources),
        Some(vec![
            "secrets".to_owned(),
            "configmaps".to_owned(),
            "leases.coordination.k8s.io".to_owned()
        ])
    );
}

#[test]
fn a_weakening_claim_is_refused_naming_the_field() {
    assert_eq!(
        problems("podSecurity: { enforce: baseline }"),
        [
            "spec.security.podSecurity.enforce: `baseline` is weaker than Environment `production`'s `restricted`"
        ]
    );
    assert_eq!(
        problems("audit: { enabled: false }"),
        ["spec.security.audit.enabled: `false` is weaker than Environment `production`'s `true`"]
    );
    assert_eq!(
        problems("audit: { level: Metadata, retention: { maxAgeDays: 7 } }"),
        [
            "spec.security.audit.level: `Metadata` is weaker than Environment `production`'s `Request`",
            "spec.security.audit.retention.maxAgeDays: `7` is weaker than Environment `production`'s `30`"
        ]
    );
    assert_eq!(
        problems("audit: { resources: [deployments.apps] }"),
        [
            "spec.security.audit.resources: a list without `pods` is weaker than Environment `production`'s list"
        ]
    );
    assert_eq!(
        problems("encryptionAtRest: { secrets: false }"),
        [
            "spec.security.encryptionAtRest.secrets: `false` is weaker than Environment `production`'s `true`"
        ]
    );
    assert_eq!(
        problems("podSecurity: { exemptNamespaces: [kube-system, monitoring] }"),
        [
            "spec.security.podSecurity.exemptNamespaces: exempting `monitoring` is weaker than Environment `production`'s exemptions"
        ]
    );
    assert_eq!(
        problems("networkPolicy: allow-all"),
        [
            "spec.security.networkPolicy: `allow-all` is weaker than Environment `production`'s `default-deny`"
        ]
    );
    assert_eq!(
        problems("cni: { encryption: disabled, hubble: false }"),
        [
            "spec.security.cni.encryption: `disabled` is weaker than Environment `production`'s `wireguard`",
            "spec.security.cni.hubble: `false` is weaker than Environment `production`'s `true`"
        ]
    );
    let replaced = problems(
        "authentication: { oidc: { issuerUrl: https://other.example.com, clientId: kubernetes } }",
    );
    assert_eq!(replaced.len(), 1);
    assert!(
        replaced[0].starts_with("spec.security.authentication.oidc: differs from Environment `production`'s identity provider"),
        "{replaced:?}"
    );
}

#[test]
fn a_claim_may_add_what_the_environment_leaves_out() {
    let security = effective_security(
        "dev",
        None,
        Some(&spec(
            "audit: {}\npodSecurity: { enforce: baseline }\nencryptionAtRest: {}",
        )),
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(security.audit.map(|a| a.level), Some(AuditLevel::Metadata));
    assert_eq!(
        security.encryption.map(|e| e.resources),
        Some(vec!["secrets".to_owned()])
    );
    assert_eq!(
        security.pod_security.and_then(|p| p.enforce),
        Some(PodSecurityLevel::Baseline)
    );
}

#[test]
fn the_spec_on_its_own_is_checked() {
    let problems = check_security_spec(
        "spec.security",
        &spec(
            "authentication: { oidc: { issuerUrl: \"https://sso?x=1\", clientId: \" \" } }\n\
             audit: { level: Request, policy: { name: audit, key: policy.yaml }, resources: [Pods] }\n\
             podSecurity: { exemptNamespaces: [Kube_System] }\n",
        ),
    );
    let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        fields,
        [
            "spec.security.authentication.oidc.issuerUrl",
            "spec.security.authentication.oidc.clientId",
            "spec.security.audit.policy",
            "spec.security.audit.resources[0]",
            "spec.security.podSecurity.exemptNamespaces[0]",
        ]
    );
}
