//! The security baseline of a virtual API server. In vcluster 0.20 and later the API server runs
//! inside the control plane's main container, so it is configured by flags
//! (`controlPlane.distro.k8s.apiServer.extraArgs`, `--name=value` strings) and files from volumes
//! of the control-plane pod (`controlPlane.statefulSet.persistence.addVolumes` and
//! `addVolumeMounts`):
//!
//! - the audit policy and the Pod Security admission configuration from a ConfigMap drover renders
//!   next to the VCluster (`<cluster>-apiserver-security`; nothing in it is secret);
//! - a CA or audit policy the baseline references from a ConfigMap of the cluster's namespace;
//! - the encryption configuration from the platform-provided Secret `<cluster>-encryption-config`
//!   (never rendered).
//!
//! The audit log goes to the container's standard output (`--audit-log-path=-`): the management
//! cluster's log pipeline keeps it, so log rotation settings are refused by the provider check.

use serde_json::{Value, json};

use crate::objects::meta::{MetaBuilder, object};
use crate::objects::security::{
    ENCRYPTION_SECRET_KEY, admission_configuration, audit_policy, encryption_secret_name,
    oidc_flags,
};
use crate::resolve::ResolvedCluster;

const SECURITY_DIR: &str = "/etc/kubernetes/security";
const AUDIT_POLICY_KEY: &str = "audit-policy.yaml";
const ADMISSION_KEY: &str = "admission-configuration.yaml";

/// The ConfigMap of the API server's non-secret configuration files.
fn config_map_name(cluster: &ResolvedCluster) -> String {
    format!("{}-apiserver-security", cluster.name)
}

/// API server flags, pod volumes and volume mounts for the baseline.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct VirtualApiServer {
    /// `--name=value` flags.
    pub(crate) args: Vec<String>,
    /// Pod volumes.
    pub(crate) volumes: Vec<Value>,
    /// Mounts in the control-plane container.
    pub(crate) mounts: Vec<Value>,
}

pub(crate) fn api_server(cluster: &ResolvedCluster) -> VirtualApiServer {
    let security = &cluster.security;
    let mut out = VirtualApiServer::default();
    let mut flag = |name: &str, value: &str| out.args.push(format!("--{name}={value}"));
    for (name, value) in oidc_flags(cluster) {
        flag(&name, &value);
    }
    let mut own_files = Vec::new();
    let mut mounted = Vec::new();
    if let Some(ca) = security
        .oidc
        .as_ref()
        .and_then(|o| o.certificate_authority.as_ref())
    {
        flag("oidc-ca-file", "/etc/kubernetes/oidc/ca.crt");
        mounted.push((
            "oidc-ca",
            "/etc/kubernetes/oidc",
            ca.name.clone(),
            ca.key.clone(),
            "ca.crt",
        ));
    }
    if let Some(audit) = &security.audit {
        flag("audit-log-path", "-");
        match &audit.policy {
            Some(policy) => {
                flag("audit-policy-file", "/etc/kubernetes/audit/policy.yaml");
                mounted.push((
                    "audit-policy",
                    "/etc/kubernetes/audit",
                    policy.name.clone(),
                    policy.key.clone(),
                    "policy.yaml",
                ));
            }
            None => {
                flag(
                    "audit-policy-file",
                    &format!("{SECURITY_DIR}/{AUDIT_POLICY_KEY}"),
                );
                own_files.push(AUDIT_POLICY_KEY);
            }
        }
    }
    if security.pod_security.is_some() {
        flag(
            "admission-control-config-file",
            &format!("{SECURITY_DIR}/{ADMISSION_KEY}"),
        );
        own_files.push(ADMISSION_KEY);
    }
    if security.encryption.is_some() {
        flag(
            "encryption-provider-config",
            &format!("/etc/kubernetes/encryption/{ENCRYPTION_SECRET_KEY}"),
        );
        out.volumes.push(json!({
            "name": "encryption-config",
            "secret": { "secretName": encryption_secret_name(cluster), "defaultMode": 0o400 },
        }));
        out.mounts.push(json!({
            "name": "encryption-config",
            "mountPath": "/etc/kubernetes/encryption",
            "readOnly": true,
        }));
    }
    if !own_files.is_empty() {
        out.volumes.push(json!({
            "name": "apiserver-security",
            "configMap": { "name": config_map_name(cluster) },
        }));
        out.mounts.push(
            json!({ "name": "apiserver-security", "mountPath": SECURITY_DIR, "readOnly": true }),
        );
    }
    for (volume, path, name, key, file) in mounted {
        out.volumes.push(json!({
            "name": volume,
            "configMap": { "name": name, "items": [ { "key": key, "path": file } ] },
        }));
        out.mounts
            .push(json!({ "name": volume, "mountPath": path, "readOnly": true }));
    }
    out
}

/// The ConfigMap with the preset audit policy and the admission configuration, when either is set.
pub(crate) fn config_map(cluster: &ResolvedCluster) -> Option<Value> {
    let security = &cluster.security;
    let mut data = serde_json::Map::new();
    if let Some(audit) = security.audit.as_ref().filter(|a| a.policy.is_none()) {
        data.insert(
            AUDIT_POLICY_KEY.to_owned(),
            json!(drover_yaml::to_yaml(&audit_policy(audit))),
        );
    }
    if let Some(pod_security) = &security.pod_security {
        data.insert(
            ADMISSION_KEY.to_owned(),
            json!(drover_yaml::to_yaml(&admission_configuration(pod_security))),
        );
    }
    (!data.is_empty()).then(|| {
        object(
            "v1",
            "ConfigMap",
            MetaBuilder::namespaced(cluster, config_map_name(cluster)),
            json!({ "data": data }),
        )
    })
}
