//! Amazon Web Services (CAPA v2.11): Amazon EKS with managed node groups (`mode: eks`, the
//! default), or kubeadm on EC2 instances with the AWS cloud controller (`mode: kubeadm`).
//!
//! - EKS: `AWSManagedCluster` + `AWSManagedControlPlane` (`controlplane.cluster.x-k8s.io`) and per
//!   worker pool a CAPI `MachinePool` + `AWSManagedMachinePool`. AWS runs the control plane and
//!   the network (Amazon VPC CNI); node groups repair their own nodes.
//! - kubeadm: `AWSCluster` + content-hashed `AWSMachineTemplate`s, `KubeadmControlPlane`,
//!   `MachineDeployment`s with `KubeadmConfigTemplate`s, health checks, and the AWS cloud
//!   controller manager installed by CAAPH (nodes register with `cloud-provider: external`).

mod ccm;
mod eks;
mod kubeadm;

pub use ccm::{AWS_CCM_CHART_VERSION, ccm_image_tag};
pub use eks::ami_type;

use drover_api::ProviderKind;
use drover_api::infrastructure::{AwsInfrastructure, AwsMode};

use super::cloud::Cloud;
use super::{Issue, Provider, ProviderParts};
use crate::resolve::ResolvedCluster;

/// apiVersion of CAPA's infrastructure kinds.
pub const CAPA_V1BETA2: &str = "infrastructure.cluster.x-k8s.io/v1beta2";
/// apiVersion of CAPA's EKS control plane.
pub const EKS_CONTROLPLANE_V1BETA2: &str = "controlplane.cluster.x-k8s.io/v1beta2";

/// The AWS provider for one Infrastructure's settings.
pub struct Aws<'a> {
    settings: &'a AwsInfrastructure,
}

impl<'a> Aws<'a> {
    /// The provider with the Infrastructure's `aws` block.
    pub fn new(settings: &'a AwsInfrastructure) -> Self {
        Self { settings }
    }

    fn mode(&self) -> AwsMode {
        self.settings.mode.unwrap_or(AwsMode::Eks)
    }

    /// The identity must be one of CAPA's three kinds; the controller identity is a singleton
    /// CAPA only accepts under the name `default`.
    fn check_identity(&self, issues: &mut Vec<Issue>) {
        let Some(identity) = &self.settings.identity_ref else {
            return;
        };
        const KINDS: [&str; 3] = [
            "AWSClusterControllerIdentity",
            "AWSClusterRoleIdentity",
            "AWSClusterStaticIdentity",
        ];
        if !KINDS.contains(&identity.kind.as_str()) {
            issues.push(Issue::new(
                "spec.infrastructure",
                format!(
                    "the Infrastructure's aws.identityRef.kind `{}` is not a CAPA identity (one of {})",
                    identity.kind,
                    KINDS.join(", ")
                ),
            ));
        } else if identity.kind == KINDS[0] && identity.name != "default" {
            issues.push(Issue::new(
                "spec.infrastructure",
                format!(
                    "the Infrastructure's aws.identityRef names AWSClusterControllerIdentity `{}`; CAPA only has one, named `default`",
                    identity.name
                ),
            ));
        }
    }
}

/// EKS as the messages name it.
fn eks_cloud() -> Cloud {
    Cloud {
        provider: "aws",
        service: "EKS",
        machine_type: "EC2 instance type (e.g. m6i.xlarge)",
        // The node AMIs need 20 GiB; EBS volumes end at 16 TiB.
        disk_gib: 20..=16_384,
    }
}

/// Self-managed kubeadm clusters on EC2.
fn kubeadm_cloud() -> Cloud {
    Cloud {
        provider: "aws",
        service: "kubeadm on EC2",
        machine_type: "EC2 instance type (e.g. m6i.xlarge)",
        // CAPA's smallest root volume; EBS volumes end at 16 TiB.
        disk_gib: 8..=16_384,
    }
}

impl Provider for Aws<'_> {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Aws
    }

    fn check(&self, cluster: &ResolvedCluster) -> Vec<Issue> {
        let mut issues = Vec::new();
        self.check_identity(&mut issues);
        match self.mode() {
            AwsMode::Eks => eks::check(&mut issues, cluster),
            AwsMode::Kubeadm => kubeadm::check(&mut issues, cluster),
        }
        issues
    }

    fn build(&self, cluster: &ResolvedCluster) -> Result<ProviderParts, Issue> {
        match self.mode() {
            AwsMode::Eks => Ok(eks::build(cluster, self.settings)),
            AwsMode::Kubeadm => kubeadm::build(cluster, self.settings),
        }
    }
}
