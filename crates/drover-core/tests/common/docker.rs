//! Fixtures of the Docker (CAPD `Dev*` kinds) tests: the `docker-local` Infrastructure (docker
//! backend), the `dev-in-memory` one (in-memory backend) and claims on them.

#![allow(dead_code)]

use std::collections::BTreeMap;

use drover_api::infrastructure::{DevBackend, DockerInfrastructure, Size};
use drover_api::workload_cluster::{ArgoCdSpec, GitOpsSpec};
use drover_api::{Infrastructure, InfrastructureSpec, WorkloadCluster};
use drover_core::fixtures::{self, environment};
use drover_core::render::{Manifest, RenderedCluster, render_cluster};
use drover_core::resolve::ResolvedCluster;
use serde_json::Value;

/// `docker-local`: the default `kindest/node` image, sizes that only name pools, and one size
/// with settings containers cannot honour.
pub fn infrastructure() -> Infrastructure {
    Infrastructure::new(
        "docker-local",
        InfrastructureSpec {
            docker: Some(DockerInfrastructure::default()),
            sizes: BTreeMap::from([
                ("small".to_owned(), Size::default()),
                ("medium".to_owned(), Size::default()),
                ("xlarge".to_owned(), Size::default()),
                ("vm".to_owned(), fixtures::size(4, "16Gi", "50Gi")),
            ]),
            ..InfrastructureSpec::default()
        },
    )
}

/// `dev-in-memory`: `docker-local` with the in-memory backend.
pub fn in_memory_infrastructure() -> Infrastructure {
    let mut infra = infrastructure();
    infra.metadata.name = Some("dev-in-memory".to_owned());
    infra.spec.docker = Some(DockerInfrastructure {
        backend: Some(DevBackend::InMemory),
        node_image: None,
    });
    infra
}

/// The environments' Kubernetes version: one kind published a `kindest/node` image for.
pub const VERSION: &str = "v1.32.8";

/// A claim `team-ci/name` in `environment` on `docker-local`, everything else defaulted.
pub fn claim(name: &str, environment: &str) -> WorkloadCluster {
    let mut claim = fixtures::claim("team-ci", name, environment);
    claim.spec.infrastructure = "docker-local".to_owned();
    claim
}

/// A claim `team-ci/name` in `environment` on `dev-in-memory`: no add-ons, no Argo CD.
pub fn in_memory_claim(name: &str, environment: &str) -> WorkloadCluster {
    let mut claim = fixtures::claim("team-ci", name, environment);
    claim.spec.infrastructure = "dev-in-memory".to_owned();
    claim.spec.addons = None;
    claim.spec.gitops = Some(GitOpsSpec {
        argocd: Some(ArgoCdSpec {
            enabled: Some(false),
            ..ArgoCdSpec::default()
        }),
    });
    claim
}

/// `claim` resolved in environment `env` at [`VERSION`] on `infra`.
pub fn resolve(claim: &WorkloadCluster, env: &str, infra: &Infrastructure) -> ResolvedCluster {
    fixtures::resolved(claim, &environment(env, VERSION), infra)
}

/// `claim` rendered in environment `env` on `infra`.
pub fn render(claim: &WorkloadCluster, env: &str, infra: &Infrastructure) -> RenderedCluster {
    render_cluster(&resolve(claim, env, infra)).expect("renders")
}

/// The objects of `kind`.
pub fn find<'a>(rendered: &'a RenderedCluster, kind: &str) -> Vec<&'a Manifest> {
    rendered
        .objects
        .iter()
        .filter(|o| o.kind() == kind)
        .collect()
}

/// The one object of `kind`.
pub fn one<'a>(rendered: &'a RenderedCluster, kind: &str) -> &'a Value {
    let found = find(rendered, kind);
    assert_eq!(found.len(), 1, "expected one {kind}");
    &found[0].0
}
