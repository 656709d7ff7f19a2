//! Fixtures for the public-cloud providers' tests (AWS, Azure, GCP): realistic Infrastructures,
//! environments like the example fleet's, claims on them, and helpers to resolve, check and
//! render. Included with `#[path = "common/cloud.rs"] mod cloud;`.
#![allow(dead_code)]

use std::collections::BTreeMap;

use drover_api::environment::{ClusterDefaults, Policy};
use drover_api::infrastructure::{
    AwsInfrastructure, AwsMode, AzureInfrastructure, GcpInfrastructure, GkeReleaseChannel,
    IdentityRef, Size,
};
use drover_api::workload_cluster::{ControlPlaneSpec, WorkerPool};
use drover_api::{
    Environment, EnvironmentSpec, Infrastructure, InfrastructureSpec, WorkloadCluster,
};
use drover_core::fixtures;
use drover_core::providers::{Issue, provider_for};
use drover_core::render::{Manifest, RenderedCluster, render_cluster};
use drover_core::resolve::ResolvedCluster;
use serde_json::Value;

/// A cloud size: an instance type and a root disk.
pub fn size(instance_type: &str, disk: Option<&str>) -> Size {
    Size {
        cpu: None,
        memory: None,
        disk: disk.map(str::to_owned),
        instance_type: Some(instance_type.to_owned()),
    }
}

fn infrastructure(name: &str, spec: InfrastructureSpec, sizes: &[(&str, Size)]) -> Infrastructure {
    Infrastructure::new(
        name,
        InfrastructureSpec {
            sizes: sizes
                .iter()
                .map(|(name, size)| ((*name).to_owned(), size.clone()))
                .collect(),
            ..spec
        },
    )
}

/// `aws-eu-west-1` in EKS mode: a role identity, a key pair, x86 and Graviton sizes.
pub fn aws_eks() -> Infrastructure {
    infrastructure(
        "aws-eu-west-1",
        InfrastructureSpec {
            aws: Some(AwsInfrastructure {
                region: "eu-west-1".to_owned(),
                mode: Some(AwsMode::Eks),
                ssh_key_name: Some("platform-nodes".to_owned()),
                identity_ref: Some(IdentityRef {
                    kind: "AWSClusterRoleIdentity".to_owned(),
                    name: "production-account".to_owned(),
                }),
                image_lookup: None,
            }),
            ..InfrastructureSpec::default()
        },
        &[
            ("small", size("m6i.large", Some("50Gi"))),
            ("medium", size("m6i.xlarge", Some("100Gi"))),
            ("xlarge", size("m6i.2xlarge", None)),
            ("arm", size("m7g.2xlarge", Some("200Gi"))),
        ],
    )
}

/// `aws-eu-west-1` in kubeadm mode, without identity or key pair.
pub fn aws_kubeadm() -> Infrastructure {
    let mut infra = aws_eks();
    if let Some(aws) = infra.spec.aws.as_mut() {
        aws.mode = Some(AwsMode::Kubeadm);
        aws.identity_ref = None;
        aws.ssh_key_name = None;
    }
    infra
}

/// `azure-westeurope` with a credential Secret and one resource group per cluster.
pub fn azure() -> Infrastructure {
    infrastructure(
        "azure-westeurope",
        InfrastructureSpec {
            azure: Some(AzureInfrastructure {
                location: "westeurope".to_owned(),
                resource_group: None,
                credential_secret: Some("aso-credentials".to_owned()),
            }),
            ..InfrastructureSpec::default()
        },
        &[
            ("small", size("Standard_D2s_v5", Some("64Gi"))),
            ("medium", size("Standard_D4s_v5", Some("128Gi"))),
            ("xlarge", size("Standard_D16s_v5", None)),
        ],
    )
}

/// `gcp-europe-west1` with a credentials Secret and the `regular` channel.
pub fn gcp() -> Infrastructure {
    infrastructure(
        "gcp-europe-west1",
        InfrastructureSpec {
            gcp: Some(GcpInfrastructure {
                project: "acme-analytics-prod".to_owned(),
                region: "europe-west1".to_owned(),
                network: None,
                credentials_secret: Some("capg-analytics".to_owned()),
                credentials_secret_namespace: None,
                release_channel: Some(GkeReleaseChannel::Regular),
            }),
            ..InfrastructureSpec::default()
        },
        &[
            ("small", size("e2-standard-4", Some("100Gi"))),
            ("medium", size("n2-standard-8", Some("200Gi"))),
            ("xlarge", size("n2-standard-16", None)),
        ],
    )
}

/// `dev` at v1.32.1: 1 control-plane replica, 3 workers of size `small` by default.
pub fn dev() -> Environment {
    let mut env = fixtures::environment("dev", "v1.32.1");
    if let Some(defaults) = env.spec.defaults.as_mut() {
        defaults.worker_replicas = Some(3);
    }
    env
}

/// `production` like the example fleet's: 3 control-plane replicas by default and at least 3 by
/// policy, 6 workers of size `xlarge`.
pub fn production() -> Environment {
    Environment::new(
        "production",
        EnvironmentSpec {
            kubernetes_version: "v1.32.1".to_owned(),
            defaults: Some(ClusterDefaults {
                control_plane_replicas: Some(3),
                worker_replicas: Some(6),
                size: Some("xlarge".to_owned()),
                control_plane_size: None,
            }),
            policy: Some(Policy {
                min_control_plane_replicas: Some(3),
                ..Policy::default()
            }),
            ..EnvironmentSpec::default()
        },
    )
}

/// A claim `namespace/name` in `environment` on `infrastructure`, everything else defaulted.
pub fn claim(
    namespace: &str,
    name: &str,
    environment: &str,
    infrastructure: &str,
) -> WorkloadCluster {
    let mut wc = fixtures::claim(namespace, name, environment);
    wc.spec.infrastructure = infrastructure.to_owned();
    wc
}

/// One worker pool: name, replicas, size, node labels.
pub type Pool<'a> = (&'a str, i32, &'a str, &'a [(&'a str, &'a str)]);

/// Sets the worker pools.
pub fn with_pools(mut wc: WorkloadCluster, pools: &[Pool<'_>]) -> WorkloadCluster {
    wc.spec.workers = Some(
        pools
            .iter()
            .map(|(name, replicas, size, labels)| WorkerPool {
                name: (*name).to_owned(),
                replicas: Some(*replicas),
                size: Some((*size).to_owned()),
                node_labels: (!labels.is_empty()).then(|| {
                    labels
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                        .collect::<BTreeMap<_, _>>()
                }),
            })
            .collect(),
    );
    wc
}

/// Sets `spec.controlPlane`.
pub fn with_control_plane(
    mut wc: WorkloadCluster,
    replicas: Option<i32>,
    size: Option<&str>,
) -> WorkloadCluster {
    wc.spec.control_plane = Some(ControlPlaneSpec {
        replicas,
        size: size.map(str::to_owned),
    });
    wc
}

/// The resolved cluster (panics when the claim does not resolve).
pub fn resolve(wc: &WorkloadCluster, env: &Environment, infra: &Infrastructure) -> ResolvedCluster {
    fixtures::resolved(wc, env, infra)
}

/// The provider's issues for a claim that resolves.
pub fn issues(wc: &WorkloadCluster, env: &Environment, infra: &Infrastructure) -> Vec<Issue> {
    let cluster = resolve(wc, env, infra);
    provider_for(&cluster.provider).check(&cluster)
}

/// The issue at `field`, asserting there is exactly one issue there and returning its message.
pub fn issue_at<'a>(issues: &'a [Issue], field: &str) -> &'a str {
    let found: Vec<&Issue> = issues.iter().filter(|i| i.field == field).collect();
    assert_eq!(found.len(), 1, "one issue at {field}: {issues:#?}");
    &found[0].message
}

/// Renders a claim, panicking on issues.
pub fn render(wc: &WorkloadCluster, env: &Environment, infra: &Infrastructure) -> RenderedCluster {
    render_cluster(&resolve(wc, env, infra)).expect("renders")
}

/// Every object of `kind`.
pub fn all<'a>(rendered: &'a RenderedCluster, kind: &str) -> Vec<&'a Value> {
    rendered
        .objects
        .iter()
        .filter(|o| o.kind() == kind)
        .map(|o| &o.0)
        .collect()
}

/// The single object of `kind`.
pub fn one<'a>(rendered: &'a RenderedCluster, kind: &str) -> &'a Value {
    let found = all(rendered, kind);
    assert_eq!(found.len(), 1, "expected one {kind}");
    found[0]
}

/// The kinds rendered, in apply order.
pub fn kinds(rendered: &RenderedCluster) -> Vec<&str> {
    rendered.objects.iter().map(Manifest::kind).collect()
}

/// Every object conforms to its upstream CRD schema (skips, saying so, without the schemas);
/// each provider kind must be known to the catalog, so the check is not vacuous.
pub fn assert_conforms(rendered: &RenderedCluster, provider_kinds: &[(&str, &str)]) {
    let Some(catalog) = drover_conformance::catalog_or_skip() else {
        return;
    };
    for (group, kind) in provider_kinds {
        assert!(
            catalog.crd(group, kind).is_some(),
            "{group}/{kind} is not in the schema catalog"
        );
    }
    let failures: Vec<String> = rendered
        .objects
        .iter()
        .filter_map(|object| {
            catalog.check(&object.0).err().map(|violations| {
                format!(
                    "{}: {}",
                    object.describe(),
                    drover_conformance::format_violations(&violations)
                )
            })
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The rendered cluster as the YAML stream `drover render --stdout` writes.
pub fn yaml(rendered: &RenderedCluster) -> String {
    let mut text = String::new();
    drover_core::output::cluster_stream(rendered, &mut text);
    text
}
