//! Golden tests: the full rendered output of reference AWS clusters (EKS dev and production,
//! kubeadm production). Accept deliberate changes with
//! `INSTA_UPDATE=always cargo test -p drover-core --test golden_aws`.

#[path = "common/cloud.rs"]
mod cloud;

use cloud::{aws_eks, aws_kubeadm, claim, dev, production, render, with_pools, yaml};
use drover_api::workload_cluster::Addon;

/// A dev EKS cluster: everything from the environment's defaults.
#[test]
fn eks_dev_cluster() {
    let wc = claim("team-payments", "payments-dev-eks", "dev", "aws-eu-west-1");
    insta::assert_snapshot!(yaml(&render(&wc, &dev(), &aws_eks())));
}

/// A production EKS cluster: an x86 and a Graviton node group, metrics-server, SSO, the audit
/// log and KMS envelope encryption.
#[test]
fn eks_production_cluster() {
    let mut wc = with_pools(
        claim(
            "team-payments",
            "payments-aws",
            "production",
            "aws-eu-west-1",
        ),
        &[
            ("md-0", 6, "medium", &[]),
            ("arm", 3, "arm", &[("workload", "batch")]),
        ],
    );
    wc.spec.addons = Some(vec![Addon::MetricsServer]);
    wc.spec.security = Some(drover_core::fixtures::eks_security());
    insta::assert_snapshot!(yaml(&render(&wc, &production(), &aws_eks())));
}

/// A production self-managed cluster on EC2: three control-plane machines, Cilium (tunnelled),
/// the AWS cloud controller.
#[test]
fn kubeadm_production_cluster() {
    let mut wc = with_pools(
        claim(
            "team-payments",
            "payments-ec2",
            "production",
            "aws-eu-west-1",
        ),
        &[("md-0", 6, "medium", &[("workload", "web")])],
    );
    wc.spec.addons = Some(vec![Addon::Cilium]);
    wc.spec.security = Some(drover_core::fixtures::full_security());
    insta::assert_snapshot!(yaml(&render(&wc, &production(), &aws_kubeadm())));
}
