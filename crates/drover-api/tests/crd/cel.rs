//! CEL rules (`x-kubernetes-validations`): present where the design wants them, compilable,
//! cost-bounded, and behaving as intended when evaluated client-side by kube's CEL validator
//! (`kube::core::cel`, the engine behind kube-derive's `validate_cel`) against the very schemas in
//! the CRDs.

use kube::core::cel::{
    AnalysisWarning, ScopeContext, Validator, WarningKind, analyze_rule, compile_schema,
};
use serde_json::{Value, json};

use crate::support::{KINDS, rules, schema, walk};

/// The messages of the rules `object` breaks (with `old` for transition rules).
fn violations(kind: &str, object: &Value, old: Option<&Value>) -> Vec<String> {
    match Validator::new().validate(&schema(kind), object, old) {
        Ok(()) => Vec::new(),
        Err(errors) => errors
            .into_vec()
            .into_iter()
            .map(|e| e.to_string())
            .collect(),
    }
}

fn assert_valid(kind: &str, object: &Value, old: Option<&Value>) {
    let found = violations(kind, object, old);
    assert!(
        found.is_empty(),
        "{kind} should be valid, got {found:?}\n{object:#}"
    );
}

fn assert_rejected(kind: &str, object: &Value, old: Option<&Value>, message: &str) {
    let found = violations(kind, object, old);
    assert!(
        found.iter().any(|m| m.contains(message)),
        "{kind} should be rejected with {message:?}, got {found:?}\n{object:#}"
    );
}

fn cluster(spec: Value) -> Value {
    json!({
        "apiVersion": "drover.dev/v1alpha1",
        "kind": "WorkloadCluster",
        "metadata": { "name": "payments", "namespace": "team-payments" },
        "spec": spec,
    })
}

fn cluster_spec() -> Value {
    json!({ "environment": "production", "infrastructure": "baremetal-kubevirt" })
}

fn with(mut base: Value, key: &str, value: Value) -> Value {
    base[key] = value;
    base
}

fn environment(spec: Value) -> Value {
    json!({
        "apiVersion": "drover.dev/v1alpha1", "kind": "Environment",
        "metadata": { "name": "production" }, "spec": spec,
    })
}

fn infrastructure(spec: Value) -> Value {
    json!({
        "apiVersion": "drover.dev/v1alpha1", "kind": "Infrastructure",
        "metadata": { "name": "infra" }, "spec": spec,
    })
}

#[test]
fn the_intended_rules_are_in_the_crds() {
    let found: Vec<(String, String)> = KINDS
        .iter()
        .flat_map(|kind| {
            rules(kind)
                .into_iter()
                .map(move |(path, rule, _)| (format!("{kind}: {path}"), rule))
        })
        .collect();
    let max = drover_api::workload_cluster::MAX_NAME_LEN;
    let version = r"self.matches('^v[0-9]+\\.[0-9]+\\.[0-9]+$')";
    let cron = "self.matches('^ *[^ ]+( +[^ ]+){4} *$')";
    let zone = "self.matches('^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$')";
    let schedule = |kind: &str| {
        [
            (
                format!("{kind}: spec.hibernation.schedules[].hibernate"),
                cron.to_owned(),
            ),
            (
                format!("{kind}: spec.hibernation.schedules[].timeZone"),
                zone.to_owned(),
            ),
            (
                format!("{kind}: spec.hibernation.schedules[].wakeUp"),
                cron.to_owned(),
            ),
        ]
    };
    let mut expected = vec![
        ("Infrastructure: spec".to_owned(), "[has(self.kubevirt), has(self.vcluster), has(self.docker), has(self.proxmox), has(self.vsphere), has(self.aws), has(self.azure), has(self.gcp)].exists_one(set, set)".to_owned()),
        ("Environment: spec.defaults.controlPlaneReplicas".to_owned(), "self in [1, 3, 5, 7]".to_owned()),
        ("Environment: spec.kubernetesVersion".to_owned(), version.to_owned()),
        ("WorkloadCluster: ".to_owned(), format!("size(self.metadata.name) <= {max}")),
        ("WorkloadCluster: spec.controlPlane.replicas".to_owned(), "self in [1, 3, 5, 7]".to_owned()),
        ("WorkloadCluster: spec.environment".to_owned(), "self == oldSelf".to_owned()),
        ("WorkloadCluster: spec.infrastructure".to_owned(), "self == oldSelf".to_owned()),
        ("WorkloadCluster: spec.kubernetesVersion".to_owned(), version.to_owned()),
        ("WorkloadCluster: spec.workers".to_owned(), "self.all(p, self.exists_one(q, q.name == p.name))".to_owned()),
    ];
    expected.splice(2..2, schedule("Environment"));
    expected.splice(9..9, schedule("WorkloadCluster"));
    assert_eq!(found, expected);
    assert_eq!(max, 36);
}

#[test]
fn every_rule_compiles_has_a_message_and_uses_only_crd_variables() {
    for kind in KINDS {
        let schema = schema(kind);
        walk(&schema, &mut |path, _, node| {
            let Some(node_rules) = node["x-kubernetes-validations"].as_array() else {
                return;
            };
            let compiled = compile_schema(node);
            let errors = compiled.compilation_errors();
            assert!(errors.is_empty(), "{kind}: {path}: {errors:?}");
            for rule in node_rules {
                let text = rule["rule"].as_str().unwrap_or_default();
                assert!(
                    rule["message"].as_str().is_some_and(|m| !m.is_empty()),
                    "{kind}: {path}: {text} has no message"
                );
                let warnings: Vec<_> = analyze_rule(text, &compiled, ScopeContext::CrdValidation)
                    .into_iter()
                    .filter(|w| !is_macro_variable(text, w))
                    .collect();
                assert!(warnings.is_empty(), "{kind}: {path}: {text}: {warnings:?}");
            }
        });
    }
}

/// kube-cel's scope check also reports the variables a macro binds (`exists_one(x, x)`); those
/// are in scope, so such a warning is a false positive.
fn is_macro_variable(rule: &str, warning: &AnalysisWarning) -> bool {
    warning.kind == WarningKind::WrongScope
        && warning
            .message
            .split('\'')
            .nth(1)
            .is_some_and(|var| rule.contains(&format!("({var}, ")))
}

/// A real API server estimates every rule's worst-case cost from the schema and rejects the CRD
/// when it exceeds the budget; unbounded strings and lists make the estimate huge. So a rule's own
/// node, and every field it reads by name (`q.name`) on the node or its list items, must be bounded:
/// strings by `maxLength` (or an `enum`), lists by `maxItems`. The root rule only reads
/// `metadata.name`, which the API server bounds itself.
#[test]
fn strings_and_lists_read_by_rules_are_bounded() {
    fn unbounded(node: &Value) -> Option<&'static str> {
        match node["type"].as_str() {
            Some("string") if node.get("maxLength").is_none() && node.get("enum").is_none() => {
                Some("string without maxLength")
            }
            Some("array") if node.get("maxItems").is_none() => Some("list without maxItems"),
            _ => None,
        }
    }
    let mut problems = Vec::new();
    for kind in KINDS {
        walk(&schema(kind), &mut |path, _, node| {
            let Some(node_rules) = node["x-kubernetes-validations"].as_array() else {
                return;
            };
            if path.is_empty() {
                return;
            }
            if let Some(what) = unbounded(node) {
                problems.push(format!("{kind}: {path}: {what}"));
            }
            let read: Vec<&str> = node_rules
                .iter()
                .filter_map(|r| r["rule"].as_str())
                .flat_map(|rule| rule.split('.').skip(1))
                .map(|rest| {
                    rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                        .next()
                        .unwrap_or("")
                })
                .collect();
            for holder in [&node["properties"], &node["items"]["properties"]] {
                for (name, field) in holder.as_object().into_iter().flatten() {
                    if read.contains(&name.as_str())
                        && let Some(what) = unbounded(field)
                    {
                        problems.push(format!("{kind}: {path}: reads {name}, a {what}"));
                    }
                }
            }
        });
    }
    assert!(
        problems.is_empty(),
        "rules read unbounded values:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn control_plane_replicas_must_be_odd_and_at_most_seven() {
    for replicas in [1, 3, 5, 7] {
        let spec = with(
            cluster_spec(),
            "controlPlane",
            json!({ "replicas": replicas }),
        );
        assert_valid("WorkloadCluster", &cluster(spec), None);
    }
    for replicas in [0, 2, 4, 9] {
        let spec = with(
            cluster_spec(),
            "controlPlane",
            json!({ "replicas": replicas }),
        );
        assert_rejected(
            "WorkloadCluster",
            &cluster(spec),
            None,
            "controlPlane.replicas must be 1, 3, 5 or 7",
        );
    }
    let env = |n: i64| {
        environment(
            json!({ "kubernetesVersion": "v1.32.1", "defaults": { "controlPlaneReplicas": n } }),
        )
    };
    assert_valid("Environment", &env(3), None);
    assert_rejected(
        "Environment",
        &env(2),
        None,
        "controlPlaneReplicas must be 1, 3, 5 or 7",
    );
}

#[test]
fn kubernetes_version_format() {
    for good in ["v1.32.1", "v1.30.10"] {
        let spec = with(cluster_spec(), "kubernetesVersion", json!(good));
        assert_valid("WorkloadCluster", &cluster(spec), None);
        assert_valid(
            "Environment",
            &environment(json!({ "kubernetesVersion": good })),
            None,
        );
    }
    for bad in [
        "1.32",
        "v1.32",
        "1.32.1",
        "v1x32x1",
        "v1.32.1-rc.0",
        " v1.32.1",
    ] {
        let spec = with(cluster_spec(), "kubernetesVersion", json!(bad));
        assert_rejected(
            "WorkloadCluster",
            &cluster(spec),
            None,
            "kubernetesVersion must look like v1.32.1",
        );
        let env = environment(json!({ "kubernetesVersion": bad }));
        assert_rejected(
            "Environment",
            &env,
            None,
            "kubernetesVersion must look like v1.32.1",
        );
    }
}

#[test]
fn hibernation_schedules_need_five_cron_fields_and_a_zone_name() {
    let env = |schedule: Value| {
        environment(json!({
            "kubernetesVersion": "v1.32.1",
            "hibernation": { "schedules": [schedule] },
        }))
    };
    let good = json!({ "hibernate": "0 19 * * mon-fri", "wakeUp": "0 7 * * 1-5", "timeZone": "America/Argentina/Buenos_Aires" });
    assert_valid("Environment", &env(good), None);
    for (schedule, message) in [
        (
            json!({ "hibernate": "0 19 * *", "wakeUp": "0 7 * * *" }),
            "hibernate must be a cron expression of 5 fields",
        ),
        (
            json!({ "hibernate": "0 19 * * *", "wakeUp": "0 7 * * * *" }),
            "wakeUp must be a cron expression of 5 fields",
        ),
        (
            json!({ "hibernate": "0 19 * * *", "wakeUp": "0 7 * * *", "timeZone": "Europe Berlin" }),
            "timeZone must be an IANA time zone name",
        ),
    ] {
        assert_rejected("Environment", &env(schedule), None, message);
    }
}

#[test]
fn environment_and_infrastructure_are_immutable() {
    let old = cluster(cluster_spec());
    assert_valid("WorkloadCluster", &old, Some(&old));
    let moved = cluster(with(cluster_spec(), "environment", json!("staging")));
    assert_rejected(
        "WorkloadCluster",
        &moved,
        Some(&old),
        "environment is immutable",
    );
    // Creation has no old object: transition rules do not apply.
    assert_valid("WorkloadCluster", &moved, None);
    let rehosted = cluster(with(
        cluster_spec(),
        "infrastructure",
        json!("aws-eu-west-1"),
    ));
    assert_rejected(
        "WorkloadCluster",
        &rehosted,
        Some(&old),
        "infrastructure is immutable",
    );
    // Other fields stay mutable.
    let scaled = cluster(with(
        cluster_spec(),
        "controlPlane",
        json!({ "replicas": 3 }),
    ));
    assert_valid("WorkloadCluster", &scaled, Some(&old));
}

#[test]
fn name_length_is_limited() {
    let max = drover_api::workload_cluster::MAX_NAME_LEN;
    let mut object = cluster(cluster_spec());
    object["metadata"]["name"] = json!("a".repeat(max));
    assert_valid("WorkloadCluster", &object, None);
    object["metadata"]["name"] = json!("a".repeat(max + 1));
    assert_rejected(
        "WorkloadCluster",
        &object,
        None,
        &format!("at most {max} characters"),
    );
}

#[test]
fn worker_pool_names_are_unique() {
    let pools = |names: &[&str]| {
        let workers: Vec<Value> = names
            .iter()
            .map(|n| json!({ "name": n, "replicas": 1 }))
            .collect();
        cluster(with(cluster_spec(), "workers", json!(workers)))
    };
    assert_valid("WorkloadCluster", &pools(&["md-0", "md-1", "gpu"]), None);
    assert_valid("WorkloadCluster", &pools(&[]), None);
    assert_rejected(
        "WorkloadCluster",
        &pools(&["md-0", "md-1", "md-0"]),
        None,
        "worker pool names must be unique",
    );
}

#[test]
fn infrastructure_has_exactly_one_provider_block() {
    let kubevirt = json!({ "storageClass": "nfs-client", "nodeImage": "img:{{version}}" });
    let docker = json!({});
    let message = "exactly one provider block";
    assert_rejected(
        "Infrastructure",
        &infrastructure(json!({ "sizes": {} })),
        None,
        message,
    );
    assert_rejected(
        "Infrastructure",
        &infrastructure(json!({ "kubevirt": kubevirt, "docker": docker })),
        None,
        message,
    );
    assert_valid(
        "Infrastructure",
        &infrastructure(json!({ "kubevirt": kubevirt })),
        None,
    );
    assert_valid(
        "Infrastructure",
        &infrastructure(json!({ "docker": docker })),
        None,
    );
    let aws = json!({ "region": "eu-west-1" });
    assert_valid(
        "Infrastructure",
        &infrastructure(json!({ "aws": aws })),
        None,
    );
}
