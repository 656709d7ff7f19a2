//! Provider blocks for public clouds: AWS, Azure and GCP. drover only references the
//! provider's identity objects by name; it never reads or writes cloud credentials.

use kube::KubeSchema;
use serde::{Deserialize, Serialize};

/// A reference to a provider identity object.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct IdentityRef {
    /// Kind of the identity object (e.g. `AWSClusterRoleIdentity`, `AzureClusterIdentity`).
    pub kind: String,
    /// Its name.
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
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct AzureInfrastructure {
    /// Azure location (e.g. `westeurope`).
    #[schemars(length(min = 1))]
    pub location: String,
    /// Subscription ID the clusters are created in.
    #[schemars(length(min = 1))]
    pub subscription_id: String,
    /// Resource group; default: one per cluster, named after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group: Option<String>,
    /// Name of the Secret ASO reads credentials from (`serviceoperator.azure.com/credential-from`).
    #[schemars(length(min = 1))]
    pub credential_secret: String,
}

/// Google Cloud (CAPG, GKE).
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct GcpInfrastructure {
    /// GCP project ID.
    #[schemars(length(min = 1))]
    pub project: String,
    /// Region (e.g. `europe-west1`).
    #[schemars(length(min = 1))]
    pub region: String,
    /// VPC network name (default `default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// Name of the Secret with the service-account key CAPG uses (`credentialsRef`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_secret: Option<String>,
    /// GKE release channel (`rapid`, `regular`, `stable`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_channel: Option<String>,
}
