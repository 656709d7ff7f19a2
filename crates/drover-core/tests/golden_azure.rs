//! Golden tests: the full rendered output of reference AKS clusters (dev and production).
//! Accept deliberate changes with
//! `INSTA_UPDATE=always cargo test -p drover-core --test golden_azure`.

#[path = "common/cloud.rs"]
mod cloud;

use cloud::{azure, claim, dev, production, render, with_pools, yaml};
use drover_api::workload_cluster::{Cni, NetworkSpec};

/// A dev AKS cluster: everything from the environment's defaults.
#[test]
fn dev_cluster() {
    let wc = claim(
        "team-payments",
        "payments-dev-aks",
        "dev",
        "azure-westeurope",
    );
    insta::assert_snapshot!(yaml(&render(&wc, &dev(), &azure())));
}

/// A production AKS cluster: a system and a user pool, Azure CNI powered by Cilium.
#[test]
fn production_cluster() {
    let mut wc = with_pools(
        claim(
            "team-payments",
            "payments-azure",
            "production",
            "azure-westeurope",
        ),
        &[
            ("system", 3, "medium", &[]),
            ("apps", 4, "xlarge", &[("workload", "payments")]),
        ],
    );
    wc.spec.network = Some(NetworkSpec {
        cni: Some(Cni::Cilium),
        ..NetworkSpec::default()
    });
    insta::assert_snapshot!(yaml(&render(&wc, &production(), &azure())));
}
