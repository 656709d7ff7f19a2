//! Per-part versions: while the controller steps a cluster through an upgrade, the control plane
//! and each worker pool are rendered at their own version (KubeVirt node images by version, KCP
//! and MachineDeployment versions; managed control planes and node pools on the clouds). Without
//! a step in progress every part runs the cluster's version (the golden snapshots).

#[path = "common/cloud.rs"]
mod cloud;

use drover_core::fixtures::{self, claim, environment, kubevirt_infrastructure, with_workers};
use drover_core::render::{RenderedCluster, render_cluster};
use drover_core::version::KubeVersion;
use serde_json::Value;

fn v(text: &str) -> KubeVersion {
    text.parse().expect("version")
}

fn objects<'a>(rendered: &'a RenderedCluster, kind: &str) -> Vec<&'a Value> {
    rendered
        .objects
        .iter()
        .filter(|o| o.kind() == kind)
        .map(|o| &o.0)
        .collect()
}

fn named<'a>(rendered: &'a RenderedCluster, kind: &str, prefix: &str) -> &'a Value {
    objects(rendered, kind)
        .into_iter()
        .find(|o| {
            o["metadata"]["name"]
                .as_str()
                .is_some_and(|n| n.starts_with(prefix))
        })
        .unwrap_or_else(|| panic!("no {kind} {prefix}*"))
}

fn image(template: &Value) -> &str {
    template["spec"]["template"]["spec"]["virtualMachineTemplate"]["spec"]["dataVolumeTemplates"][0]
        ["spec"]["source"]["registry"]["url"]
        .as_str()
        .expect("image")
}

#[test]
fn kubevirt_renders_each_part_at_its_version() {
    let wc = with_workers(
        claim("team-a", "payments", "production"),
        &[("md-0", 2, "small"), ("md-1", 2, "small")],
    );
    let mut cluster = fixtures::resolved(
        &wc,
        &environment("production", "v1.34.2"),
        &kubevirt_infrastructure(),
    );
    let before = render_cluster(&cluster).expect("renders");
    // Step 1 of 2: the control plane moved to v1.33.0, md-0 followed, md-1 waits.
    cluster.set_part_versions(v("v1.33.0"), |pool| match pool {
        "md-0" => Some(v("v1.33.0")),
        _ => Some(v("v1.32.4")),
    });
    let rendered = render_cluster(&cluster).expect("renders");

    let kcp = &objects(&rendered, "KubeadmControlPlane")[0];
    assert_eq!(kcp["spec"]["version"], "v1.33.0");
    let cp_template = named(
        &rendered,
        "KubevirtMachineTemplate",
        "payments-control-plane",
    );
    assert!(
        image(cp_template).ends_with(":v1.33.0"),
        "{}",
        image(cp_template)
    );
    assert_eq!(
        kcp["spec"]["machineTemplate"]["spec"]["infrastructureRef"]["name"],
        cp_template["metadata"]["name"]
    );
    for (pool, version) in [("md-0", "v1.33.0"), ("md-1", "v1.32.4")] {
        let md = named(&rendered, "MachineDeployment", &format!("payments-{pool}"));
        assert_eq!(md["spec"]["template"]["spec"]["version"], version);
        let template = named(
            &rendered,
            "KubevirtMachineTemplate",
            &format!("payments-{pool}-"),
        );
        assert!(image(template).ends_with(&format!(":{version}")));
        assert_eq!(
            md["spec"]["template"]["spec"]["infrastructureRef"]["name"],
            template["metadata"]["name"]
        );
    }
    // A new version is a new (content-hashed) template name, so the part rolls.
    assert_ne!(
        named(&before, "KubevirtMachineTemplate", "payments-control-plane")["metadata"]["name"],
        cp_template["metadata"]["name"]
    );
}

#[test]
fn managed_clouds_render_control_plane_and_node_pools_at_their_versions() {
    let wc = cloud::with_pools(
        cloud::claim("team-a", "analytics", "dev", "azure-westeurope"),
        &[("system", 3, "small", &[]), ("batch", 3, "small", &[])],
    );
    let mut aks = cloud::resolve(&wc, &cloud::dev(), &cloud::azure());
    aks.set_part_versions(v("v1.33.0"), |pool| {
        (pool == "system").then(|| v("v1.33.0"))
    });
    let rendered = render_cluster(&aks).expect("renders");
    let cp = &objects(&rendered, "AzureASOManagedControlPlane")[0];
    assert_eq!(cp["spec"]["version"], "v1.33.0");
    assert_eq!(
        cp["spec"]["resources"][0]["spec"]["kubernetesVersion"],
        "1.33.0"
    );
    let orchestrator: Vec<(&str, &str)> = objects(&rendered, "AzureASOManagedMachinePool")
        .iter()
        .map(|p| {
            let agent = &p["spec"]["resources"][0]["spec"];
            (
                agent["azureName"].as_str().unwrap_or_default(),
                agent["orchestratorVersion"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(orchestrator, [("system", "1.33.0"), ("batch", "1.32.1")]);

    let eks_claim = cloud::with_pools(
        cloud::claim("team-a", "web", "dev", "aws-eu-west-1"),
        &[("ng", 2, "small", &[])],
    );
    let mut eks = cloud::resolve(&eks_claim, &cloud::dev(), &cloud::aws_eks());
    eks.set_part_versions(v("v1.33.0"), |_| None);
    let rendered = render_cluster(&eks).expect("renders");
    assert_eq!(
        objects(&rendered, "AWSManagedControlPlane")[0]["spec"]["version"],
        "v1.33"
    );
    assert_eq!(
        objects(&rendered, "MachinePool")[0]["spec"]["template"]["spec"]["version"],
        "v1.32.1",
        "pools without an answer keep the cluster's version"
    );
}
