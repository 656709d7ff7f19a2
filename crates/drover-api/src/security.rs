//! The security baseline of an environment's clusters (`Environment.spec.security`), and the
//! stronger settings a claim may ask for (`WorkloadCluster.spec.security`, same shape).
//!
//! A claim may strengthen its environment's baseline, never weaken it: drover merges the two and
//! refuses a claim that asks for less, naming the field. Every setting is optional; an omitted
//! one leaves the provider's default.

use kube::KubeSchema;
use serde::{Deserialize, Serialize};

/// Security settings of a workload cluster's API server and network.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct SecuritySpec {
    /// How people log in to the cluster's API server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication: Option<Authentication>,
    /// Kubernetes audit logging of the cluster's API server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<Audit>,
    /// Encryption of API data at rest (in etcd).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_at_rest: Option<EncryptionAtRest>,
    /// Cluster-wide Pod Security admission defaults inside the workload cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_security: Option<PodSecurity>,
    /// Network policy default for namespaces inside the workload cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_policy: Option<NetworkPolicyDefault>,
    /// Security options of the CNI (Cilium).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cni: Option<CniSecurity>,
}

/// Authentication of people at the API server.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct Authentication {
    /// Trust an OpenID Connect identity provider (Keycloak, Dex, ...): people log in with their
    /// own identity (`kubectl oidc-login`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oidc: Option<Oidc>,
}

/// An OpenID Connect identity provider the API server trusts.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct Oidc {
    /// The issuer URL (`https://`, the `iss` claim of the tokens).
    #[schemars(length(min = 9, max = 512), regex(pattern = r"^https://"))]
    pub issuer_url: String,
    /// The client ID tokens are issued for (their `aud` claim).
    #[schemars(length(min = 1, max = 256))]
    pub client_id: String,
    /// The claim naming the user (default `sub`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username_claim: Option<String>,
    /// Prefix of user names, so they cannot clash with other users (e.g. `oidc:`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username_prefix: Option<String>,
    /// The claim listing the user's groups (e.g. `groups`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups_claim: Option<String>,
    /// Prefix of group names (e.g. `oidc:`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups_prefix: Option<String>,
    /// The CA that signed the issuer's serving certificate, when the nodes' system trust store
    /// does not include it: a key of a ConfigMap (CA certificates are not secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_authority: Option<ConfigMapKeyRef>,
}

/// A key of a ConfigMap in the cluster's namespace on the management cluster.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ConfigMapKeyRef {
    /// The ConfigMap's name.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    /// The key holding the content.
    #[schemars(length(min = 1, max = 253))]
    pub key: String,
}

/// Kubernetes audit logging.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct Audit {
    /// Whether the API server writes an audit log (default true when `audit` is given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// The preset policy's level for `resources` (default `Metadata`). Secrets, ConfigMaps and
    /// token reviews are always logged at `Metadata` only, so no secret reaches the log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<AuditLevel>,
    /// Resources (`pods`, `deployments.apps`) logged at `level`; every other request is logged
    /// at `Metadata`. Empty or omitted: `level` applies to every resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 32))]
    pub resources: Option<Vec<String>>,
    /// A complete audit policy of your own instead of the preset: a key of a ConfigMap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<ConfigMapKeyRef>,
    /// How long and how much audit log the API server keeps on each control-plane node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<AuditRetention>,
}

/// How much of each request the audit log records (the Kubernetes audit levels, weakest first).
#[derive(
    Serialize,
    Deserialize,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    schemars::JsonSchema,
)]
#[schemars(transform = crate::schema::field_describes_enum)]
pub enum AuditLevel {
    /// Who did what to which object, when; no bodies.
    Metadata,
    /// Metadata and the request body.
    Request,
    /// Metadata, request and response bodies.
    RequestResponse,
}

/// Audit log rotation on the control-plane nodes.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct AuditRetention {
    /// Days an audit log file is kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 3650))]
    pub max_age_days: Option<i32>,
    /// Megabytes an audit log file grows to before it is rotated.
    #[serde(default, rename = "maxSizeMB", skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 10000))]
    pub max_size_mb: Option<i32>,
    /// Rotated audit log files kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 1000))]
    pub max_backups: Option<i32>,
}

/// Encryption of API data at rest.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct EncryptionAtRest {
    /// Encrypt Secrets (default true when `encryptionAtRest` is given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets: Option<bool>,
    /// Further resources to encrypt (`configmaps`, `<resource>.<group>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 32))]
    pub resources: Option<Vec<String>>,
    /// The cloud KMS key managed clouds encrypt with (EKS: a KMS key ARN or alias); without
    /// it EKS uses its default envelope encryption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
}

/// Pod Security admission defaults for namespaces without their own labels.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct PodSecurity {
    /// The level pods must meet to be admitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforce: Option<PodSecurityLevel>,
    /// The level whose violations are recorded in the audit log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<PodSecurityLevel>,
    /// The level whose violations are returned to the client as warnings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn: Option<PodSecurityLevel>,
    /// Namespaces exempt from all three (e.g. `kube-system`, a CNI's namespace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 64))]
    pub exempt_namespaces: Option<Vec<String>>,
}

/// A Pod Security Standard, weakest first.
#[derive(
    Serialize,
    Deserialize,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
#[schemars(transform = crate::schema::field_describes_enum)]
pub enum PodSecurityLevel {
    /// Anything goes.
    Privileged,
    /// No known privilege escalations.
    Baseline,
    /// Hardened pods only.
    Restricted,
}

/// The network policy default of namespaces inside the workload cluster.
#[derive(
    Serialize,
    Deserialize,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[schemars(transform = crate::schema::field_describes_enum)]
pub enum NetworkPolicyDefault {
    #[default]
    /// Kubernetes' default: pods accept and send any traffic until a policy selects them.
    AllowAll,
    /// Every namespace gets a policy denying all ingress and egress but DNS, so workloads
    /// open what they need with their own policies.
    DefaultDeny,
}

/// Security options of the Cilium CNI.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct CniSecurity {
    /// Transparent encryption of pod-to-pod traffic between nodes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption: Option<CniEncryption>,
    /// Hubble flow observability (relay included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hubble: Option<bool>,
}

/// Cilium's transparent encryption.
#[derive(
    Serialize,
    Deserialize,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
#[schemars(transform = crate::schema::field_describes_enum)]
pub enum CniEncryption {
    #[default]
    /// No encryption.
    Disabled,
    /// WireGuard (keys managed by Cilium itself).
    Wireguard,
}
