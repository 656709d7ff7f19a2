//! Fixtures of the Docker (CAPD) tests: the `docker-local` Infrastructure and claims on it.

#![allow(dead_code)]

use std::collections::BTreeMap;

use drover_api::infrastructure::{DockerInfrastructure, Size};
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

/// A claim `team-ci/name` in `environment` on `docker-local`, everything else defaulted.
pub fn claim(name: &str, environment: &str) -> WorkloadCluster {
    let mut claim = fixtures::claim("team-ci", name, environment);
    claim.spec.infrastructure = "docker-local".to_owned();
    claim
}

/// `claim` resolved in environment `env` at v1.32.1 on `infra`.
pub fn resolve(claim: &WorkloadCluster, env: &str, infra: &Infrastructure) -> ResolvedCluster {
    fixtures::resolved(claim, &environment(env, "v1.32.1"), infra)
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
