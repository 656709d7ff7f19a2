//! Golden tests: the full rendered output of reference GKE clusters (dev and production).
//! Accept deliberate changes with
//! `INSTA_UPDATE=always cargo test -p drover-core --test golden_gcp`.

#[path = "common/cloud.rs"]
mod cloud;

use cloud::{claim, dev, gcp, production, render, with_pools, yaml};
use drover_api::workload_cluster::NetworkSpec;

/// A dev GKE cluster: everything from the environment's defaults.
#[test]
fn dev_cluster() {
    let wc = claim(
        "team-analytics",
        "analytics-dev-gke",
        "dev",
        "gcp-europe-west1",
    );
    insta::assert_snapshot!(yaml(&render(&wc, &dev(), &gcp())));
}

/// A production GKE cluster: two regional node pools, custom pod and service networks.
#[test]
fn production_cluster() {
    let mut wc = with_pools(
        claim(
            "team-analytics",
            "analytics-gcp",
            "production",
            "gcp-europe-west1",
        ),
        &[
            ("md-0", 6, "xlarge", &[]),
            ("highmem", 3, "medium", &[("workload", "analytics")]),
        ],
    );
    wc.spec.network = Some(NetworkSpec {
        pod_cidr: Some("10.68.0.0/14".to_owned()),
        service_cidr: Some("10.72.0.0/20".to_owned()),
        cni: None,
    });
    insta::assert_snapshot!(yaml(&render(&wc, &production(), &gcp())));
}
