//! Fixtures for the on-premises VM providers (Proxmox + Talos, vSphere): one realistic
//! Infrastructure each, claims placed on them, and small helpers to look at rendered objects.
//! Included by `provider_proxmox.rs`, `provider_vsphere.rs` and their golden tests.

#![allow(dead_code)]

use std::collections::BTreeMap;

use drover_api::infrastructure::{
    IpPool, ProxmoxInfrastructure, Size, VsphereCloudProvider, VsphereInfrastructure,
};
use drover_api::{Infrastructure, InfrastructureSpec, WorkloadCluster};
use drover_core::fixtures::{self, claim, environment, size, with_control_plane, with_workers};
use drover_core::render::{Manifest, RenderedCluster, render_cluster};
use drover_core::resolve::ResolvedCluster;
use serde_json::Value;

/// Name of the Proxmox fixture infrastructure.
pub const PROXMOX: &str = "proxmox-talos";
/// Name of the vSphere fixture infrastructure.
pub const VSPHERE: &str = "vsphere-dc1";

fn sizes() -> BTreeMap<String, Size> {
    BTreeMap::from([
        ("small".to_owned(), size(2, "4Gi", "40Gi")),
        ("medium".to_owned(), size(4, "8Gi", "100Gi")),
        ("xlarge".to_owned(), size(16, "64Gi", "500Gi")),
    ])
}

/// `proxmox-talos`: three Proxmox nodes, a shared node pool 10.20.0.100-199/24, Talos v1.9.5,
/// VIPs for the clusters the tests use.
pub fn proxmox_infrastructure() -> Infrastructure {
    Infrastructure::new(
        PROXMOX,
        InfrastructureSpec {
            proxmox: Some(ProxmoxInfrastructure {
                allowed_nodes: vec!["pve1".to_owned(), "pve2".to_owned(), "pve3".to_owned()],
                source_node: "pve1".to_owned(),
                template_id: 9000,
                bridge: "vmbr0".to_owned(),
                ip_pool: IpPool {
                    addresses: vec!["10.20.0.100-10.20.0.199".to_owned()],
                    prefix: 24,
                    gateway: "10.20.0.1".to_owned(),
                },
                dns_servers: vec!["10.20.0.1".to_owned(), "1.1.1.1".to_owned()],
                talos_version: "v1.9.5".to_owned(),
                storage: Some("local-lvm".to_owned()),
                credentials_secret: Some("proxmox-credentials".to_owned()),
                credentials_secret_namespace: None,
                control_plane_endpoints: BTreeMap::from([
                    ("edge-dev".to_owned(), "10.20.0.10".to_owned()),
                    ("edge-prod".to_owned(), "10.20.0.11".to_owned()),
                    ("edge".to_owned(), "10.20.0.12".to_owned()),
                ]),
                ..ProxmoxInfrastructure::default()
            }),
            sizes: sizes(),
            ..InfrastructureSpec::default()
        },
    )
}

/// `vsphere-dc1`: one vCenter, DHCP network, kube-vip VIPs for the clusters the tests use.
pub fn vsphere_infrastructure() -> Infrastructure {
    Infrastructure::new(
        VSPHERE,
        InfrastructureSpec {
            vsphere: Some(VsphereInfrastructure {
                server: "vcenter.dc1.example.com".to_owned(),
                thumbprint: Some(
                    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01".to_owned(),
                ),
                datacenter: "DC1".to_owned(),
                datastore: "vsanDatastore".to_owned(),
                network: "k8s-nodes".to_owned(),
                template: "ubuntu-2404-kube-{{version}}".to_owned(),
                resource_pool: Some("/DC1/host/Cluster1/Resources/k8s".to_owned()),
                folder: Some("/DC1/vm/k8s".to_owned()),
                identity: Some("dc1-identity".to_owned()),
                cloud_provider: Some(VsphereCloudProvider {
                    credentials_secret: "vsphere-cpi-credentials".to_owned(),
                }),
                control_plane_endpoints: BTreeMap::from([
                    ("erp-dev".to_owned(), "10.30.0.10".to_owned()),
                    ("erp-prod".to_owned(), "10.30.0.11".to_owned()),
                    ("erp".to_owned(), "10.30.0.12".to_owned()),
                ]),
                kube_vip_image: Some("ghcr.io/kube-vip/kube-vip:v0.8.9".to_owned()),
                ssh_authorized_keys: Some(vec![
                    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTests platform@example.com"
                        .to_owned(),
                ]),
            }),
            sizes: sizes(),
            ..InfrastructureSpec::default()
        },
    )
}

/// A claim `team-<team>/<name>` in `env` on the infrastructure `infra`.
pub fn claim_on(infra: &str, name: &str, env: &str) -> WorkloadCluster {
    let mut wc = claim("team-edge", name, env);
    wc.spec.infrastructure = infra.to_owned();
    wc
}

/// A dev claim: one control-plane VM, two `medium` workers.
pub fn dev_claim(infra: &str, name: &str) -> WorkloadCluster {
    with_workers(claim_on(infra, name, "dev"), &[("md-0", 2, "medium")])
}

/// A production claim: three control-plane VMs, two pools (one labelled).
pub fn prod_claim(infra: &str, name: &str) -> WorkloadCluster {
    let mut wc = with_workers(
        with_control_plane(claim_on(infra, name, "production"), 3),
        &[("md-0", 5, "xlarge"), ("batch", 2, "medium")],
    );
    if let Some(pools) = wc.spec.workers.as_mut() {
        pools[1].node_labels = Some(BTreeMap::from([(
            "workload".to_owned(),
            "batch".to_owned(),
        )]));
    }
    wc
}

/// Resolves `wc` against an environment of its own name at v1.32.1 and `infra`.
pub fn resolve(wc: &WorkloadCluster, infra: &Infrastructure) -> ResolvedCluster {
    fixtures::resolved(wc, &environment(&wc.spec.environment, "v1.32.1"), infra)
}

/// Renders `wc` on `infra`, panicking on any problem.
pub fn render(wc: &WorkloadCluster, infra: &Infrastructure) -> RenderedCluster {
    render_cluster(&resolve(wc, infra)).expect("renders")
}

/// The issues the provider raises for `wc` on `infra`, as `field: message`.
pub fn issues(wc: &WorkloadCluster, infra: &Infrastructure) -> Vec<String> {
    let cluster = resolve(wc, infra);
    drover_core::providers::provider_for(&cluster.provider)
        .check(&cluster)
        .into_iter()
        .map(|issue| format!("{}: {}", issue.field, issue.message))
        .collect()
}

/// Every rendered object of `kind`.
pub fn find<'a>(rendered: &'a RenderedCluster, kind: &str) -> Vec<&'a Manifest> {
    rendered
        .objects
        .iter()
        .filter(|o| o.kind() == kind)
        .collect()
}

/// The one rendered object of `kind`.
pub fn one<'a>(rendered: &'a RenderedCluster, kind: &str) -> &'a Value {
    let found = find(rendered, kind);
    assert_eq!(found.len(), 1, "expected one {kind}");
    &found[0].0
}

/// Checks every object with the upstream CRD schemas (skips, saying so, without them).
pub fn assert_conformant(rendered: &[RenderedCluster]) {
    let Some(catalog) = drover_conformance::catalog_or_skip() else {
        return;
    };
    let mut failures = Vec::new();
    let mut checked = 0;
    for cluster in rendered {
        for object in &cluster.objects {
            checked += 1;
            if let Err(violations) = catalog.check(&object.0) {
                failures.push(format!(
                    "{}/{}: {}:\n{}",
                    cluster.environment,
                    cluster.name,
                    object.describe(),
                    drover_conformance::format_violations(&violations)
                ));
            }
        }
    }
    assert!(checked > 0, "nothing was checked");
    assert!(
        failures.is_empty(),
        "{} of {checked} objects do not conform:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Asserts the rendered objects' references resolve: the Cluster's, the control plane's
/// template and every MachineDeployment's templates name rendered objects.
pub fn assert_references_resolve(rendered: &RenderedCluster) {
    let names: Vec<(&str, &str)> = rendered
        .objects
        .iter()
        .map(|o| (o.kind(), o.name()))
        .collect();
    let resolves = |reference: &Value| {
        let wanted = (
            reference["kind"].as_str().unwrap_or_default(),
            reference["name"].as_str().unwrap_or_default(),
        );
        assert!(names.contains(&wanted), "{wanted:?} is rendered");
    };
    let cluster = one(rendered, "Cluster");
    resolves(&cluster["spec"]["controlPlaneRef"]);
    resolves(&cluster["spec"]["infrastructureRef"]);
    for deployment in find(rendered, "MachineDeployment") {
        let spec = &deployment.0["spec"]["template"]["spec"];
        resolves(&spec["bootstrap"]["configRef"]);
        resolves(&spec["infrastructureRef"]);
    }
}
