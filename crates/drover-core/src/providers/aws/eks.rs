//! Amazon EKS: the managed control plane, its (empty) infrastructure cluster and one managed
//! node group per worker pool.
//!
//! Networking is the Amazon VPC CNI's: pods take addresses from the VPC, so the claim's pod
//! network becomes the VPC's CIDR; the service network is EKS's `serviceIpv4Cidr`, which CAPA
//! takes from the CAPI Cluster.

use drover_api::infrastructure::AwsInfrastructure;
use ipnet::IpNet;
use serde_json::{Value, json};

use super::{CAPA_V1BETA2, EKS_CONTROLPLANE_V1BETA2, eks_cloud};
use crate::objects::capi::{self};
use crate::objects::meta::{MetaBuilder, object};
use crate::providers::cloud::{disk_gib, require_ipv4};
use crate::providers::size::{CheckedSizes, check_sizes};
use crate::providers::{ControlPlanePart, parts::managed_pools};
use crate::providers::{Issue, ProviderParts};
use crate::resolve::{ResolvedCluster, WorkerGroup};

/// Longest VPC prefix CAPA can build: it splits the VPC into a public and a private subnet per
/// availability zone (3 by default, `availabilityZoneUsageLimit`), rounded up to 8 equal subnets
/// (3 more prefix bits), and AWS subnets are /28 at the smallest.
const MAX_VPC_PREFIX: u8 = 25;

/// Checks of an EKS cluster.
pub(super) fn check(issues: &mut Vec<Issue>, cluster: &ResolvedCluster) {
    let cloud = eks_cloud();
    crate::providers::security::check_security(
        issues,
        cluster,
        crate::providers::security::ControlPlaneKind::Eks,
        &cloud.label(),
    );
    cloud.check_managed_control_plane(issues, cluster);
    cloud.check_external_access(issues, cluster);
    cloud.check_managed_cni(issues, cluster, "the Amazon VPC CNI", &[]);
    check_sizes(issues, cluster, &cloud.size_rules(CheckedSizes::Workers));

    let pods = cluster.network.pod_cidr;
    let services = cluster.network.service_cidr;
    require_ipv4(
        issues,
        &cloud.label(),
        &[
            ("spec.network.podCIDR", pods),
            ("spec.network.serviceCIDR", services),
        ],
    );
    if let IpNet::V4(pods) = pods
        && !(16..=MAX_VPC_PREFIX).contains(&pods.prefix_len())
    {
        issues.push(Issue::new(
            "spec.network.podCIDR",
            format!(
                "{pods} becomes the VPC's CIDR on {} (pods take VPC addresses): it must be /16 to /{MAX_VPC_PREFIX}, because CAPA splits it into a public and a private subnet in each of 3 availability zones (8 equal parts) and AWS subnets are /28 at the smallest",
                cloud.label()
            ),
        ));
    }
    if let IpNet::V4(services) = services {
        let private = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
            .iter()
            .filter_map(|range| range.parse::<ipnet::Ipv4Net>().ok())
            .any(|range| range.contains(&services));
        if !private || !(12..=24).contains(&services.prefix_len()) {
            issues.push(Issue::new(
                "spec.network.serviceCIDR",
                format!(
                    "{services} cannot be the service network of {}: EKS needs a private (RFC 1918) range from /12 to /24",
                    cloud.label()
                ),
            ));
        }
    }
}

/// The EKS version of a cluster's control plane: `vMAJOR.MINOR`. EKS chooses the patch release
/// (its platform version); CAPA compares major and minor only.
pub fn eks_version(cluster: &ResolvedCluster) -> String {
    let version = cluster.control_plane.version;
    format!("v{}.{}", version.major, version.minor)
}

/// The node group AMI type for an instance type: Amazon Linux 2023 for x86 or, for Graviton
/// families (a `g` after the generation digit: `m7g`, `c7gn`, `r8gd`, and `a1`), for ARM.
/// Amazon Linux 2 has no AMIs from Kubernetes 1.33 on, so it is never chosen.
pub fn ami_type(instance_type: &str) -> &'static str {
    let family = instance_type.split('.').next().unwrap_or_default();
    let attributes = family
        .trim_start_matches(|c: char| c.is_ascii_lowercase())
        .trim_start_matches(|c: char| c.is_ascii_digit());
    if family == "a1" || attributes.contains('g') {
        "AL2023_ARM_64_STANDARD"
    } else {
        "AL2023_x86_64_STANDARD"
    }
}

/// The objects of an EKS cluster.
pub(super) fn build(cluster: &ResolvedCluster, settings: &AwsInfrastructure) -> ProviderParts {
    let infra_cluster = object(
        CAPA_V1BETA2,
        "AWSManagedCluster",
        MetaBuilder::namespaced(cluster, &cluster.name),
        json!({}),
    );

    let mut spec = json!({
        "eksClusterName": cluster.name,
        "region": settings.region,
        "version": eks_version(cluster),
        "network": { "vpc": { "cidrBlock": cluster.network.pod_cidr.to_string() } },
    });
    if let Some(key) = &settings.ssh_key_name {
        spec["sshKeyName"] = json!(key);
    }
    if let Some(identity) = &settings.identity_ref {
        spec["identityRef"] = json!({ "kind": identity.kind, "name": identity.name });
    }
    add_security(&mut spec, cluster);
    let control_plane = object(
        EKS_CONTROLPLANE_V1BETA2,
        "AWSManagedControlPlane",
        MetaBuilder::namespaced(cluster, format!("{}-control-plane", cluster.name)),
        json!({ "spec": spec }),
    );

    // Managed node groups replace their unhealthy nodes (node repair below); CAPI health checks
    // would fight them. Nothing runs in the cluster's namespace on the management cluster.
    ProviderParts {
        pools: managed_pools(cluster, |_, pool| {
            managed_machine_pool(cluster, settings, pool)
        }),
        ..ProviderParts::new(infra_cluster, ControlPlanePart::Managed(control_plane))
    }
}

/// The baseline in EKS' own fields: the OIDC identity provider (associated by EKS, named after
/// the cluster), the audit log to CloudWatch, and envelope encryption of Secrets with the KMS
/// key. Without a KMS key EKS encrypts all API data with its default envelope encryption.
fn add_security(spec: &mut Value, cluster: &ResolvedCluster) {
    let security = &cluster.security;
    if let Some(oidc) = &security.oidc {
        let mut config = json!({
            "identityProviderConfigName": format!("{}-oidc", cluster.name),
            "issuerUrl": oidc.issuer_url,
            "clientId": oidc.client_id,
        });
        for (key, value) in [
            ("usernameClaim", &oidc.username_claim),
            ("usernamePrefix", &oidc.username_prefix),
            ("groupsClaim", &oidc.groups_claim),
            ("groupsPrefix", &oidc.groups_prefix),
        ] {
            if let Some(value) = value {
                config[key] = json!(value);
            }
        }
        spec["oidcIdentityProviderConfig"] = config;
    }
    if security.audit.is_some() {
        // CAPA requires every switch once `logging` is given.
        spec["logging"] = json!({
            "apiServer": false,
            "audit": true,
            "authenticator": false,
            "controllerManager": false,
            "scheduler": false,
        });
    }
    if let Some(encryption) = &security.encryption
        && let Some(key) = &encryption.kms_key
    {
        spec["encryptionConfig"] = json!({ "provider": key, "resources": ["secrets"] });
    }
}

/// The managed node group of `pool`: a fixed size (`minSize` = desired = the pool's replicas;
/// EKS needs `maxSize` ≥ 1), named after the pool inside the EKS cluster.
fn managed_machine_pool(
    cluster: &ResolvedCluster,
    settings: &AwsInfrastructure,
    pool: &WorkerGroup,
) -> Value {
    let instance_type = pool.size.instance_type.as_deref().unwrap_or_default();
    let mut spec = json!({
        "eksNodegroupName": pool.name,
        "instanceType": instance_type,
        "amiType": ami_type(instance_type),
        "scaling": { "minSize": pool.replicas, "maxSize": pool.replicas.max(1) },
        "nodeRepairConfig": { "enabled": true },
    });
    if let Some(gib) = disk_gib(&pool.size) {
        spec["diskSize"] = json!(gib);
    }
    if !pool.node_labels.is_empty() {
        spec["labels"] = json!(pool.node_labels);
    }
    if let Some(key) = &settings.ssh_key_name {
        // Without remoteAccess the node group takes no key pair.
        spec["remoteAccess"] = json!({ "sshKeyName": key });
    }
    object(
        CAPA_V1BETA2,
        "AWSManagedMachinePool",
        MetaBuilder::namespaced(cluster, capi::machine_pool_name(cluster, pool)),
        json!({ "spec": spec }),
    )
}

#[cfg(test)]
mod tests {
    use super::ami_type;

    #[test]
    fn graviton_families_get_arm_amis() {
        for arm in [
            "m7g.xlarge",
            "c7gn.2xlarge",
            "r8gd.large",
            "t4g.medium",
            "a1.large",
            "im4gn.large",
        ] {
            assert_eq!(ami_type(arm), "AL2023_ARM_64_STANDARD", "{arm}");
        }
        for x86 in [
            "m6i.xlarge",
            "g5.2xlarge",
            "gr6.4xlarge",
            "m5zn.large",
            "r7iz.large",
            "p5.48xlarge",
        ] {
            assert_eq!(ami_type(x86), "AL2023_x86_64_STANDARD", "{x86}");
        }
    }
}
