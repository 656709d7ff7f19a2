//! Fixtures of the vcluster tests: the `vcluster-shared` Infrastructure and claims on it.

#![allow(dead_code)]

use std::collections::BTreeMap;

use drover_api::infrastructure::{IngressSettings, Size, VclusterInfrastructure};
use drover_api::workload_cluster::{Cni, NetworkSpec};
use drover_api::{Infrastructure, InfrastructureSpec, WorkloadCluster};
use drover_core::fixtures::{self, environment};
use drover_core::render::{Manifest, RenderedCluster, render_cluster};
use drover_core::resolve::ResolvedCluster;
use saphyr::{LoadableYamlNode, Scalar, Yaml};
use serde_json::{Map, Number, Value};

/// `vcluster-shared`: chart 0.24.1, NFS volumes, Ingress through ingress-nginx, ServiceMonitor.
pub fn infrastructure() -> Infrastructure {
    Infrastructure::new(
        "vcluster-shared",
        InfrastructureSpec {
            vcluster: Some(VclusterInfrastructure {
                chart_version: "0.24.1".to_owned(),
                storage_class: Some("nfs-client".to_owned()),
                ingress: Some(IngressSettings {
                    class_name: "nginx".to_owned(),
                    domain: "vc.example.com".to_owned(),
                }),
                service_monitor: Some(true),
                ..VclusterInfrastructure::default()
            }),
            sizes: BTreeMap::from([
                ("small".to_owned(), fixtures::size(1, "2Gi", "5Gi")),
                ("medium".to_owned(), fixtures::size(2, "4Gi", "20Gi")),
                (
                    "cloudy".to_owned(),
                    Size {
                        instance_type: Some("m6i.large".to_owned()),
                        ..Size::default()
                    },
                ),
            ]),
            ..InfrastructureSpec::default()
        },
    )
}

/// A claim `team-web/name` in `environment` on `vcluster-shared`, with `cni: provider` (which
/// vcluster requires) and everything else defaulted.
pub fn claim(name: &str, environment: &str) -> WorkloadCluster {
    let mut claim = fixtures::claim("team-web", name, environment);
    claim.spec.infrastructure = "vcluster-shared".to_owned();
    claim.spec.network = Some(NetworkSpec {
        cni: Some(Cni::Provider),
        ..NetworkSpec::default()
    });
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

/// The VCluster's Helm values, parsed from the YAML string drover writes.
pub fn values(rendered: &RenderedCluster) -> Value {
    let text = one(rendered, "VCluster")["spec"]["helmRelease"]["values"]
        .as_str()
        .expect("values is a string");
    let docs = Yaml::load_from_str(text).expect("values are YAML");
    assert_eq!(docs.len(), 1, "one YAML document");
    to_json(&docs[0])
}

fn to_json(node: &Yaml<'_>) -> Value {
    match node {
        Yaml::Value(scalar) => scalar_to_json(scalar),
        Yaml::Representation(repr, style, tag) => scalar_to_json(
            &Scalar::parse_from_cow_and_metadata(repr.clone(), *style, tag.as_ref())
                .expect("scalar"),
        ),
        Yaml::Sequence(items) => Value::Array(items.iter().map(to_json).collect()),
        Yaml::Mapping(entries) => {
            let mut map = Map::new();
            for (key, value) in entries {
                let Value::String(key) = to_json(key) else {
                    panic!("non-string key in values");
                };
                map.insert(key, to_json(value));
            }
            Value::Object(map)
        }
        other => panic!("unexpected YAML node {other:?}"),
    }
}

fn scalar_to_json(scalar: &Scalar<'_>) -> Value {
    match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::Number(Number::from(*i)),
        Scalar::FloatingPoint(f) => {
            Value::Number(Number::from_f64(f.into_inner()).expect("finite"))
        }
        Scalar::String(s) => Value::String(s.to_string()),
    }
}
