//! Self-managed clusters on EC2 (CAPA's default flavor): the `AWSCluster` with its network load
//! balancer in front of the API servers, content-hashed `AWSMachineTemplate`s, kubeadm with an
//! external cloud provider, and the AWS cloud controller.
//!
//! CAPA looks the AMI up by the machines' Kubernetes version among its published images when a
//! template names none, so templates carry no AMI.

use drover_api::infrastructure::AwsInfrastructure;
use drover_api::workload_cluster::Cni;
use ipnet::IpNet;
use serde_json::{Value, json};

use super::ccm::{self, ccm_image_tag};
use super::{CAPA_V1BETA2, kubeadm_cloud};
use crate::objects::TypedRef;
use crate::objects::hash::hashed_name;
use crate::objects::kubeadm::{self, KubeadmNodeSettings};
use crate::objects::meta::{MetaBuilder, object};
use crate::providers::cloud::disk_gib;
use crate::providers::size::{CheckedSizes, check_sizes};
use crate::providers::{AddonSettings, ControlPlanePart, parts::kubeadm_pools};
use crate::providers::{Issue, ProviderParts};
use crate::resolve::{ResolvedCluster, ResolvedSize};
use drover_api::security::PodSecurityLevel;

/// IAM instance profile CAPA's `clusterawsadm` creates for control-plane machines.
pub const CONTROL_PLANE_INSTANCE_PROFILE: &str =
    "control-plane.cluster-api-provider-aws.sigs.k8s.io";
/// IAM instance profile CAPA's `clusterawsadm` creates for worker machines.
pub const NODES_INSTANCE_PROFILE: &str = "nodes.cluster-api-provider-aws.sigs.k8s.io";
/// The VPC CAPA creates when an AWSCluster names none.
const CAPA_DEFAULT_VPC: &str = "10.0.0.0/16";
/// Node name the AWS cloud controller expects: the instance's private DNS name, from the EC2
/// metadata (rendered by cloud-init; CABPK marks its user data as a Jinja template).
const AWS_NODE_NAME: &str = "{{ ds.meta_data.local_hostname }}";

/// Checks of a self-managed cluster.
pub(super) fn check(issues: &mut Vec<Issue>, cluster: &ResolvedCluster) {
    let cloud = kubeadm_cloud();
    crate::providers::security::check_security(
        issues,
        cluster,
        crate::providers::security::ControlPlaneKind::Kubeadm,
        &cloud.label(),
    );
    cloud.check_external_access(issues, cluster);
    check_sizes(
        issues,
        cluster,
        &cloud.size_rules(CheckedSizes::ControlPlaneAndWorkers),
    );
    if cluster.network.cni == Cni::Provider {
        issues.push(Issue::new(
            "spec.network.cni",
            format!(
                "{} has no network of its own: use cilium or calico (and list it in spec.addons)",
                cloud.label()
            ),
        ));
    }
    if let Ok(vpc) = CAPA_DEFAULT_VPC.parse::<IpNet>() {
        for (field, net) in [
            ("spec.network.podCIDR", cluster.network.pod_cidr),
            ("spec.network.serviceCIDR", cluster.network.service_cidr),
        ] {
            if net.contains(&vpc.network()) || vpc.contains(&net.network()) {
                issues.push(Issue::new(
                    field,
                    format!(
                        "{net} overlaps the VPC {} creates ({CAPA_DEFAULT_VPC})",
                        cloud.label()
                    ),
                ));
            }
        }
    }
    if ccm_image_tag(cluster.version.minor).is_none() {
        issues.push(Issue::new(
            "spec.kubernetesVersion",
            format!(
                "{} needs the AWS cloud controller, which drover pins for Kubernetes 1.30 to 1.33 only (not {})",
                cloud.label(),
                cluster.version
            ),
        ));
    }
}

/// Security-group rules between nodes for the CNI's traffic (replacing CAPA's default, which
/// opens Calico's BGP and IP-in-IP): the tunnel and health ports of the rendered CNI.
fn cni_ingress_rules(cni: Cni) -> Value {
    let rule = |description: &str, protocol: &str, from: i64, to: i64| json!({ "description": description, "protocol": protocol, "fromPort": from, "toPort": to });
    match cni {
        Cni::Cilium => json!([
            rule("Cilium VXLAN", "udp", 8472, 8472),
            rule("Cilium health checks", "tcp", 4240, 4240),
            rule("Cilium health checks (ICMP)", "icmp", -1, -1),
        ]),
        Cni::Calico | Cni::Provider => json!([
            rule("Calico VXLAN", "udp", 4789, 4789),
            rule("Calico Typha", "tcp", 5473, 5473),
        ]),
    }
}

fn machine_template(
    cluster: &ResolvedCluster,
    settings: &AwsInfrastructure,
    base_name: &str,
    instance_profile: &str,
    size: &ResolvedSize,
) -> Value {
    let mut machine = json!({
        "instanceType": size.instance_type.as_deref().unwrap_or_default(),
        "iamInstanceProfile": instance_profile,
    });
    if let Some(key) = &settings.ssh_key_name {
        machine["sshKeyName"] = json!(key);
    }
    if let Some(gib) = disk_gib(size) {
        machine["rootVolume"] = json!({ "size": gib });
    }
    if let Some(lookup) = &settings.image_lookup {
        machine["imageLookupOrg"] = json!(lookup.org);
        if let Some(format) = &lookup.format {
            machine["imageLookupFormat"] = json!(format);
        }
        if let Some(base_os) = &lookup.base_os {
            machine["imageLookupBaseOS"] = json!(base_os);
        }
    }
    let spec = json!({ "template": { "spec": machine } });
    object(
        CAPA_V1BETA2,
        "AWSMachineTemplate",
        MetaBuilder::namespaced(cluster, hashed_name(base_name, &spec)),
        json!({ "spec": spec }),
    )
}

/// The objects of a self-managed cluster.
pub(super) fn build(
    cluster: &ResolvedCluster,
    settings: &AwsInfrastructure,
) -> Result<ProviderParts, Issue> {
    let mut spec = json!({
        "region": settings.region,
        "controlPlaneLoadBalancer": { "loadBalancerType": "nlb", "healthCheckProtocol": "HTTPS" },
        "network": { "cni": { "cniIngressRules": cni_ingress_rules(cluster.network.cni) } },
    });
    if let Some(key) = &settings.ssh_key_name {
        spec["sshKeyName"] = json!(key);
    }
    if let Some(identity) = &settings.identity_ref {
        spec["identityRef"] = json!({ "kind": identity.kind, "name": identity.name });
    }
    let infra_cluster = object(
        CAPA_V1BETA2,
        "AWSCluster",
        MetaBuilder::namespaced(cluster, &cluster.name),
        json!({ "spec": spec }),
    );

    let external = || vec![("cloud-provider".to_owned(), "external".to_owned())];
    let node_settings = KubeadmNodeSettings {
        kubelet_extra_args: external(),
        controller_manager_extra_args: external(),
        node_name: Some(AWS_NODE_NAME.to_owned()),
        ..KubeadmNodeSettings::default()
    };

    let cp_template = machine_template(
        cluster,
        settings,
        &format!("{}-control-plane", cluster.name),
        CONTROL_PLANE_INSTANCE_PROFILE,
        &cluster.control_plane.size,
    );
    let control_plane =
        kubeadm::control_plane(cluster, &TypedRef::of(&cp_template), &node_settings);

    let ccm = ccm::helm_chart_proxy(cluster).ok_or_else(|| {
        Issue::new(
            "spec.kubernetesVersion",
            format!(
                "no AWS cloud controller pinned for {}",
                cluster.control_plane.version
            ),
        )
    })?;

    Ok(ProviderParts {
        infrastructure_cluster: infra_cluster,
        control_plane: ControlPlanePart::Machines {
            control_plane,
            machine_template: cp_template,
        },
        pools: kubeadm_pools(cluster, &node_settings, |pool| {
            machine_template(
                cluster,
                settings,
                &format!("{}-{}", cluster.name, pool.name),
                NODES_INSTANCE_PROFILE,
                &pool.size,
            )
        }),
        workloads: vec![ccm],
        // Nothing runs in the cluster's namespace on the management cluster.
        pod_security: PodSecurityLevel::Restricted,
        // Nodes sit in several subnets (one per zone) and the VPC drops unknown pod addresses:
        // Cilium must tunnel.
        addons: AddonSettings {
            cilium_tunnel: true,
            ..AddonSettings::default()
        },
    })
}
