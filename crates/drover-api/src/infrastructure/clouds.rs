//! Provider blocks for public clouds: AWS, Azure and GCP. drover only references the
//! provider's identity objects by name; it never reads or writes cloud credentials.

use kube::KubeSchema;
use serde::{Deserialize, Serialize};

/// A reference to a provider identity object.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct IdentityRef {
    /// Kind of the identity object: for AWS one of `AWSClusterControllerIdentity` (must be named
    /// `default`), `AWSClusterRoleIdentity` or `AWSClusterStaticIdentity`.
    #[schemars(regex(pattern = r"^AWSCluster(Controller|Role|Static)Identity$"))]
    pub kind: String,
    /// Its name (the identities are cluster-scoped objects).
    #[schemars(length(min = 1))]
    pub name: String,
}

/// Amazon Web Services (CAPA).
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct AwsInfrastructure {
    /// Region (e.g. `eu-west-1`).
    #[schemars(length(min = 1))]
    pub region: String,
    /// `eks` (managed control plane, default) or `kubeadm` (self-managed on EC2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<AwsMode>,
    /// EC2 key pair name for node SSH access.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_key_name: Option<String>,
    /// Identity CAPA uses (`AWSClusterControllerIdentity`, `AWSClusterRoleIdentity` or
    /// `AWSClusterStaticIdentity`); default: the controller's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_ref: Option<IdentityRef>,
    /// kubeadm mode: where CAPA looks up each machine's AMI for its Kubernetes version (your
    /// image-builder AMIs); default: CAPA's published AMIs, which exist for a limited set of
    /// versions only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_lookup: Option<AwsImageLookup>,
}

/// Where CAPA finds a machine's AMI (`AWSMachineTemplate` `imageLookupOrg`,
/// `imageLookupFormat`, `imageLookupBaseOS`).
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct AwsImageLookup {
    /// AWS account (owner) ID of the AMIs, e.g. `123456789012`.
    #[schemars(length(min = 1, max = 64))]
    pub org: String,
    /// AMI name pattern with `{{.K8sVersion}}` (and optionally `{{.BaseOS}}`); default CAPA's
    /// `capa-ami-{{.BaseOS}}-?{{.K8sVersion}}-*`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Base OS substituted for `{{.BaseOS}}` (default `ubuntu-24.04` in CAPA's naming).
    #[serde(default, rename = "baseOS", skip_serializing_if = "Option::is_none")]
    pub base_os: Option<String>,
}

/// How clusters are built on AWS.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(transform = crate::schema::field_describes_enum)]
pub enum AwsMode {
    /// Amazon EKS managed control plane and managed node groups.
    Eks,
    /// kubeadm on EC2 instances.
    Kubeadm,
}

/// Microsoft Azure (CAPZ, AKS through Azure Service Operator resources).
///
/// The subscription is the one of the ASO credential (`AZURE_SUBSCRIPTION_ID` in the credential
/// Secret, or in ASO's global credential when `credentialSecret` is not set).
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct AzureInfrastructure {
    /// Azure location (e.g. `westeurope`).
    #[schemars(length(min = 1))]
    pub location: String,
    /// An existing resource group every cluster is created in. drover never modifies or deletes
    /// it (ASO reconcile policy `skip`). Default: one resource group per cluster, named after the
    /// cluster and deleted with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 90), regex(pattern = r"^[-\w\._\(\)]+$"))]
    pub resource_group: Option<String>,
    /// Name of the ASO credential Secret (`serviceoperator.azure.com/credential-from`). ASO only
    /// reads it from the namespace of the resources, so it must exist in every cluster's
    /// namespace (`<cluster>-cluster`). Default: ASO's global credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub credential_secret: Option<String>,
}

/// Google Cloud (CAPG, GKE).
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct GcpInfrastructure {
    /// GCP project ID.
    #[schemars(length(min = 1))]
    pub project: String,
    /// Region (e.g. `europe-west1`); clusters are regional, their node pools span the region's
    /// three zones.
    #[schemars(length(min = 1))]
    pub region: String,
    /// VPC network name (default `default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub network: Option<String>,
    /// Name of the Secret with the service-account key CAPG uses (`credentialsRef`); default: the
    /// CAPG controller's own credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub credentials_secret: Option<String>,
    /// Namespace of `credentialsSecret` (default `capg-system`, where clusterctl installs CAPG).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63))]
    pub credentials_secret_namespace: Option<String>,
    /// GKE release channel. With a channel GKE upgrades clusters and nodes itself (node
    /// auto-upgrade on); without one drover's version is the only upgrade path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_channel: Option<GkeReleaseChannel>,
}

/// GKE release channels.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(transform = crate::schema::field_describes_enum)]
pub enum GkeReleaseChannel {
    /// Newest versions first.
    Rapid,
    /// The default balance.
    Regular,
    /// Proven versions only.
    Stable,
    /// Regular versions with extended support.
    Extended,
}

impl GkeReleaseChannel {
    /// The value CAPG's `releaseChannel` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rapid => "rapid",
            Self::Regular => "regular",
            Self::Stable => "stable",
            Self::Extended => "extended",
        }
    }
}
