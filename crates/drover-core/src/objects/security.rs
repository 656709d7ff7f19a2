//! The API server side of a cluster's security baseline, in the forms every self-managed control
//! plane shares: the audit policy (`audit.k8s.io/v1`), the Pod Security admission configuration
//! and the API server flags for OIDC and audit log rotation. Providers place them where their
//! control plane reads them (kubeadm files and flags, Talos machine configuration).
//!
//! No secret material is ever produced here: the encryption configuration, which holds the key,
//! is only ever referenced (see [`encryption_secret_name`]).

use serde_json::{Value, json};

use crate::resolve::{ResolvedAudit, ResolvedCluster, ResolvedPodSecurity, pod_security_name};

/// Directory on control-plane nodes holding the API server's security configuration files.
pub const SECURITY_DIR: &str = "/etc/kubernetes/security";
/// Directory on control-plane nodes the audit log is written to.
pub const AUDIT_LOG_DIR: &str = "/var/log/kubernetes/audit";
/// The audit policy file.
pub const AUDIT_POLICY_FILE: &str = "/etc/kubernetes/security/audit-policy.yaml";
/// The admission configuration file (Pod Security defaults).
pub const ADMISSION_CONFIG_FILE: &str = "/etc/kubernetes/security/admission-configuration.yaml";
/// The encryption configuration file (from the cluster's encryption Secret).
pub const ENCRYPTION_CONFIG_FILE: &str = "/etc/kubernetes/security/encryption-configuration.yaml";
/// Key of the encryption Secret holding the `EncryptionConfiguration`.
pub const ENCRYPTION_SECRET_KEY: &str = "encryption-configuration.yaml";

/// The Secret in the cluster's namespace holding its `EncryptionConfiguration` (with the key):
/// provided by the platform team, never rendered by drover (docs/security.md).
pub fn encryption_secret_name(cluster: &ResolvedCluster) -> String {
    format!("{}-encryption-config", cluster.name)
}

/// `deployments.apps` → (`apps`, `deployments`); `pods` → (``, `pods`).
fn group_and_resource(name: &str) -> (String, String) {
    match name.split_once('.') {
        Some((resource, group)) => (group.to_owned(), resource.to_owned()),
        None => (String::new(), name.to_owned()),
    }
}

/// The preset audit policy: health probes not logged; Secrets, ConfigMaps, token requests and
/// reviews only at `Metadata` (their bodies hold credentials); the chosen resources (or every
/// resource) at the chosen level; everything else at `Metadata`.
pub fn audit_policy(audit: &ResolvedAudit) -> Value {
    let level = crate::resolve::audit_level_name(audit.level);
    let mut rules = vec![
        json!({ "level": "None", "nonResourceURLs": ["/healthz*", "/livez*", "/readyz*", "/version"] }),
        json!({ "level": "Metadata", "resources": [
            { "group": "", "resources": ["secrets", "configmaps", "serviceaccounts/token"] },
            { "group": "authentication.k8s.io", "resources": ["tokenreviews"] },
        ]}),
    ];
    if audit.resources.is_empty() {
        rules.push(json!({ "level": level }));
    } else {
        let mut groups: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for name in &audit.resources {
            let (group, resource) = group_and_resource(name);
            groups.entry(group).or_default().push(resource);
        }
        let resources: Vec<Value> = groups
            .into_iter()
            .map(|(group, resources)| json!({ "group": group, "resources": resources }))
            .collect();
        rules.push(json!({ "level": level, "resources": resources }));
        rules.push(json!({ "level": "Metadata" }));
    }
    json!({
        "apiVersion": "audit.k8s.io/v1",
        "kind": "Policy",
        "omitStages": ["RequestReceived"],
        "rules": rules,
    })
}

/// The `PodSecurityConfiguration` (`pod-security.admission.config.k8s.io/v1`, Kubernetes 1.25+).
/// Levels left unset keep Kubernetes' default (`privileged`).
pub fn pod_security_configuration(pod_security: &ResolvedPodSecurity) -> Value {
    let mut defaults = serde_json::Map::new();
    for (mode, level) in [
        ("enforce", pod_security.enforce),
        ("audit", pod_security.audit),
        ("warn", pod_security.warn),
    ] {
        if let Some(level) = level {
            defaults.insert(mode.to_owned(), json!(pod_security_name(level)));
            defaults.insert(format!("{mode}-version"), json!("latest"));
        }
    }
    json!({
        "apiVersion": "pod-security.admission.config.k8s.io/v1",
        "kind": "PodSecurityConfiguration",
        "defaults": defaults,
        "exemptions": { "namespaces": pod_security.exempt_namespaces },
    })
}

/// The API server's `AdmissionConfiguration` with the Pod Security plugin's configuration inline.
pub fn admission_configuration(pod_security: &ResolvedPodSecurity) -> Value {
    json!({
        "apiVersion": "apiserver.config.k8s.io/v1",
        "kind": "AdmissionConfiguration",
        "plugins": [ {
            "name": "PodSecurity",
            "configuration": pod_security_configuration(pod_security),
        } ],
    })
}

/// API server flags trusting the cluster's OIDC provider (none without one).
pub fn oidc_flags(cluster: &ResolvedCluster) -> Vec<(String, String)> {
    let Some(oidc) = &cluster.security.oidc else {
        return Vec::new();
    };
    let mut flags = vec![
        ("oidc-issuer-url".to_owned(), oidc.issuer_url.clone()),
        ("oidc-client-id".to_owned(), oidc.client_id.clone()),
    ];
    for (flag, value) in [
        ("oidc-username-claim", &oidc.username_claim),
        ("oidc-username-prefix", &oidc.username_prefix),
        ("oidc-groups-claim", &oidc.groups_claim),
        ("oidc-groups-prefix", &oidc.groups_prefix),
    ] {
        if let Some(value) = value {
            flags.push((flag.to_owned(), value.clone()));
        }
    }
    flags
}

/// API server flags rotating the audit log (none without retention settings).
pub fn audit_retention_flags(audit: &ResolvedAudit) -> Vec<(String, String)> {
    [
        ("audit-log-maxage", audit.max_age_days),
        ("audit-log-maxsize", audit.max_size_mb),
        ("audit-log-maxbackup", audit.max_backups),
    ]
    .into_iter()
    .filter_map(|(flag, value)| value.map(|v| (flag.to_owned(), v.to_string())))
    .collect()
}

/// What a kubeadm control plane needs for the cluster's baseline: API server flags, host
/// volumes of the API server pod, and files written to every control-plane node.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KubeadmApiServer {
    /// `clusterConfiguration.apiServer.extraArgs` (name, value).
    pub extra_args: Vec<(String, String)>,
    /// `clusterConfiguration.apiServer.extraVolumes`.
    pub extra_volumes: Vec<Value>,
    /// `kubeadmConfigSpec.files`.
    pub files: Vec<Value>,
}

/// The kubeadm form of `cluster`'s baseline (empty when the baseline leaves the API server alone).
pub fn kubeadm_api_server(cluster: &ResolvedCluster) -> KubeadmApiServer {
    let security = &cluster.security;
    let mut out = KubeadmApiServer {
        extra_args: oidc_flags(cluster),
        ..KubeadmApiServer::default()
    };
    let yaml_file = |path: &str, content: &Value| json!({ "path": path, "owner": "root:root", "permissions": "0600", "content": drover_yaml::to_yaml(content) });
    if let Some(audit) = &security.audit {
        out.extra_args.extend([
            ("audit-policy-file".to_owned(), AUDIT_POLICY_FILE.to_owned()),
            (
                "audit-log-path".to_owned(),
                format!("{AUDIT_LOG_DIR}/kube-apiserver.log"),
            ),
        ]);
        out.extra_args.extend(audit_retention_flags(audit));
        out.files
            .push(yaml_file(AUDIT_POLICY_FILE, &audit_policy(audit)));
        out.extra_volumes.push(json!({
            "name": "audit-log",
            "hostPath": AUDIT_LOG_DIR,
            "mountPath": AUDIT_LOG_DIR,
            "pathType": "DirectoryOrCreate",
        }));
    }
    if let Some(pod_security) = &security.pod_security {
        out.extra_args.push((
            "admission-control-config-file".to_owned(),
            ADMISSION_CONFIG_FILE.to_owned(),
        ));
        out.files.push(yaml_file(
            ADMISSION_CONFIG_FILE,
            &admission_configuration(pod_security),
        ));
    }
    if security.encryption.is_some() {
        out.extra_args.push((
            "encryption-provider-config".to_owned(),
            ENCRYPTION_CONFIG_FILE.to_owned(),
        ));
        // The key stays in the Secret: cloud-init writes the file on the node, nothing else sees it.
        out.files.push(json!({
            "path": ENCRYPTION_CONFIG_FILE,
            "owner": "root:root",
            "permissions": "0600",
            "contentFrom": { "secret": {
                "name": encryption_secret_name(cluster),
                "key": ENCRYPTION_SECRET_KEY,
            }},
        }));
    }
    if !out.files.is_empty() {
        out.extra_volumes.insert(
            0,
            json!({
                "name": "security-config",
                "hostPath": SECURITY_DIR,
                "mountPath": SECURITY_DIR,
                "pathType": "DirectoryOrCreate",
                "readOnly": true,
            }),
        );
    }
    out
}
