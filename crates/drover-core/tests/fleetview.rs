//! Snapshots of the fleet view (`get clusters`, `get environments`, `describe cluster`) computed
//! from the fixture objects in `tests/fixtures/fleetview/`: a Ready production cluster with three
//! control-plane machines and two pools, a staging cluster, a Provisioning dev cluster and a
//! Failed invalid claim, as a management cluster's API server would return them.

use std::path::Path;
use std::time::{Duration, SystemTime};

use drover_api::{Environment, WorkloadCluster};
use drover_core::fleetview::{
    ClusterObjects, DescribeInput, DescribeOptions, Description, RegistrationState,
    argocd_namespace, cluster_rows, clusters_table, describe, environment_rows, environments_table,
};
use drover_core::naming::cluster_namespace;
use saphyr::{LoadableYamlNode, Scalar, Yaml};
use serde_json::{Map, Number, Value};

/// 2026-02-01T12:00:00Z, the fixtures' "now".
fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_769_947_200)
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
                    panic!("non-string key");
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

/// Every document of every fixture file.
fn objects() -> Vec<Value> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fleetview");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|file| {
            let text = std::fs::read_to_string(file).expect("readable");
            Yaml::load_from_str(&text)
                .expect("fixture is YAML")
                .iter()
                .map(to_json)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn of_kind<T: serde::de::DeserializeOwned>(objects: &[Value], kind: &str) -> Vec<T> {
    objects
        .iter()
        .filter(|o| o["kind"] == kind)
        .map(|o| serde_json::from_value(o.clone()).expect(kind))
        .collect()
}

struct Fleet {
    objects: Vec<Value>,
    claims: Vec<WorkloadCluster>,
    environments: Vec<Environment>,
}

fn fleet() -> Fleet {
    let objects = objects();
    Fleet {
        claims: of_kind(&objects, "WorkloadCluster"),
        environments: of_kind(&objects, "Environment"),
        objects,
    }
}

impl Fleet {
    /// The CAPI objects of `cluster`, found as the fetch layer finds them.
    fn cluster_objects(&self, cluster: &str) -> ClusterObjects {
        let namespace = cluster_namespace(cluster);
        let in_namespace = |kind: &str| -> Vec<Value> {
            self.objects
                .iter()
                .filter(|o| o["kind"] == kind && o["metadata"]["namespace"] == namespace.as_str())
                .cloned()
                .collect()
        };
        let first = |kind: &str| in_namespace(kind).into_iter().next();
        let cluster_object = first("Cluster");
        let referenced = |field: &str| {
            let reference = &cluster_object.as_ref()?["spec"][field];
            in_namespace(reference["kind"].as_str()?)
                .into_iter()
                .find(|o| o["metadata"]["name"] == reference["name"])
        };
        ClusterObjects {
            infrastructure: referenced("infrastructureRef"),
            control_plane: referenced("controlPlaneRef"),
            cluster: cluster_object,
            machine_deployments: in_namespace("MachineDeployment"),
            machine_pools: in_namespace("MachinePool"),
            machines: in_namespace("Machine"),
        }
    }

    fn claim(&self, name: &str) -> &WorkloadCluster {
        self.claims
            .iter()
            .find(|c| c.metadata.name.as_deref() == Some(name))
            .expect("claim in fixtures")
    }

    fn registration(&self, claim: &WorkloadCluster) -> RegistrationState {
        let Some(namespace) = argocd_namespace(claim) else {
            return RegistrationState::Disabled;
        };
        let name = format!(
            "drover-{}",
            claim.metadata.name.as_deref().unwrap_or_default()
        );
        let secret = self.objects.iter().find(|o| {
            o["kind"] == "Secret"
                && o["metadata"]["namespace"] == namespace.as_str()
                && o["metadata"]["name"] == name.as_str()
        });
        match secret {
            Some(secret) => RegistrationState::Registered {
                namespace,
                name,
                created: secret["metadata"]["creationTimestamp"]
                    .as_str()
                    .map(str::to_owned),
            },
            None => RegistrationState::Missing { namespace, name },
        }
    }

    fn describe(&self, name: &str, options: DescribeOptions) -> Description {
        let claim = self.claim(name);
        let environment = self
            .environments
            .iter()
            .find(|e| e.metadata.name.as_deref() == Some(claim.spec.environment.as_str()));
        let objects = self.cluster_objects(name);
        let registration = self.registration(claim);
        describe(
            &DescribeInput {
                claim,
                environment,
                fleet: &self.claims,
                objects: &objects,
                registration: &registration,
                warnings: &[],
            },
            options,
        )
    }
}

#[test]
fn get_clusters() {
    let fleet = fleet();
    let rows = cluster_rows(&fleet.claims, &[]);
    insta::assert_snapshot!("get_clusters", clusters_table(&rows, false, now()));
    insta::assert_snapshot!("get_clusters_wide", clusters_table(&rows, true, now()));
    let json = serde_json::to_string_pretty(&rows).expect("serializes");
    insta::assert_snapshot!("get_clusters_json", json);
}

#[test]
fn get_clusters_of_one_environment() {
    let fleet = fleet();
    let rows = cluster_rows(&fleet.claims, &["production".to_owned()]);
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["risk-prod", "payments-prod"]);
}

#[test]
fn get_environments() {
    let fleet = fleet();
    let rows = environment_rows(&fleet.environments, &fleet.claims);
    insta::assert_snapshot!("get_environments", environments_table(&rows, false, now()));
    insta::assert_snapshot!(
        "get_environments_wide",
        environments_table(&rows, true, now())
    );
    let json = serde_json::to_string_pretty(&rows).expect("serializes");
    insta::assert_snapshot!("get_environments_json", json);
}

#[test]
fn describe_ready_production_cluster() {
    let description = fleet().describe("payments-prod", DescribeOptions::default());
    insta::assert_snapshot!("describe_payments_prod", description.render_text(now()));
}

#[test]
fn describe_with_every_machine_and_condition() {
    let options = DescribeOptions {
        show_all_conditions: true,
        expand_machines: true,
    };
    let description = fleet().describe("payments-prod", options);
    insta::assert_snapshot!(
        "describe_payments_prod_expanded",
        description.render_text(now())
    );
}

#[test]
fn describe_provisioning_dev_cluster() {
    let description = fleet().describe("web-dev", DescribeOptions::default());
    insta::assert_snapshot!("describe_web_dev", description.render_text(now()));
    let json = serde_json::to_string_pretty(&description).expect("serializes");
    insta::assert_snapshot!("describe_web_dev_json", json);
}

#[test]
fn describe_failed_invalid_claim() {
    let description = fleet().describe("risk-prod", DescribeOptions::default());
    insta::assert_snapshot!("describe_risk_prod", description.render_text(now()));
}

#[test]
fn describe_without_environment_and_with_unreadable_parts_says_so() {
    let fleet = fleet();
    let claim = fleet.claim("web-dev");
    let objects = ClusterObjects::default();
    let registration = RegistrationState::Unknown {
        namespace: "argocd".to_owned(),
        name: "drover-web-dev".to_owned(),
        reason: "forbidden".to_owned(),
    };
    let warnings = ["Machines in web-dev-cluster: forbidden".to_owned()];
    let description = describe(
        &DescribeInput {
            claim,
            environment: None,
            fleet: &[],
            objects: &objects,
            registration: &registration,
            warnings: &warnings,
        },
        DescribeOptions::default(),
    );
    let text = description.render_text(now());
    assert!(
        text.contains("Promotion:       unknown (Environment dev not read)"),
        "{text}"
    );
    assert!(
        text.contains("Argo CD:         unknown (Secret argocd/drover-web-dev: forbidden)"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("└─Cluster/web-dev ") && l.ends_with("  not created")),
        "{text}"
    );
    assert!(
        text.ends_with("Warnings:\n  Machines in web-dev-cluster: forbidden\n"),
        "{text}"
    );
}

#[test]
fn describe_lists_the_effective_security_baseline() {
    let mut fleet = fleet();
    let claim = fleet.claim("payments-prod").clone();
    for environment in &mut fleet.environments {
        if environment.metadata.name.as_deref() == Some(claim.spec.environment.as_str()) {
            environment.spec.security = Some(drover_core::fixtures::full_security());
        }
    }
    let text = fleet
        .describe("payments-prod", DescribeOptions::default())
        .render_text(now());
    let block: Vec<&str> = text
        .lines()
        .skip_while(|l| *l != "Security baseline:")
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(
        block,
        [
            "Security baseline:",
            "  Sign-in:             OIDC https://sso.example.com/realms/platform (client kubernetes, groups from `groups`)",
            "  Audit log:           Request for deployments.apps, pods, Metadata for the rest; kept 30 days, 10 files, 100 MB each",
            "  Encryption at rest:  secrets, configmaps",
            "  Pod Security:        enforce restricted, audit restricted, warn restricted, exempt kube-system",
            "  Network policy:      default-deny",
            "  Cilium:              wireguard encryption, Hubble",
        ]
    );
    // A claim weaker than its environment shows why it is invalid.
    let mut weak = claim.clone();
    weak.spec.security = Some(drover_api::SecuritySpec {
        network_policy: Some(drover_api::security::NetworkPolicyDefault::AllowAll),
        ..Default::default()
    });
    let environment = fleet
        .environments
        .iter()
        .find(|e| e.metadata.name.as_deref() == Some(claim.spec.environment.as_str()));
    let objects = ClusterObjects::default();
    let description = describe(
        &DescribeInput {
            claim: &weak,
            environment,
            fleet: &[],
            objects: &objects,
            registration: &RegistrationState::Disabled,
            warnings: &[],
        },
        DescribeOptions::default(),
    );
    assert_eq!(description.security.len(), 1);
    assert_eq!(description.security[0].setting, "Invalid");
    assert!(
        description.security[0]
            .value
            .starts_with("spec.security.networkPolicy: `allow-all` is weaker"),
        "{:?}",
        description.security
    );
}
