//! The RBAC of `drover install` allows every request a claim's whole life makes (create,
//! provisioning, registration, rotation, pause, unpause, deletion), namespace by namespace, as
//! the API server's authorizer would decide it — so a least-privilege install still works.

use drover_kube::install::{self, InstallOptions};
use serde_json::{Value, json};

use crate::fake::Recorded;
use crate::fixtures::{CLUSTER_NAMESPACE, KEY_DATA, NAME, NAMESPACE, World, claim};

/// Verb, API group, resource (with subresource), namespace and name of a request.
#[derive(Debug)]
struct Access {
    verbs: Vec<&'static str>,
    group: String,
    resource: String,
    namespace: Option<String>,
    name: Option<String>,
}

fn access(request: &Recorded) -> Access {
    let segments: Vec<&str> = request.path.trim_start_matches('/').split('/').collect();
    let (group, rest) = match segments.as_slice() {
        ["api", _version, rest @ ..] => (String::new(), rest),
        ["apis", group, _version, rest @ ..] => ((*group).to_owned(), rest),
        _ => panic!("unexpected path {}", request.path),
    };
    let (namespace, rest) = match rest {
        ["namespaces", namespace, rest @ ..] if !rest.is_empty() => {
            (Some((*namespace).to_owned()), rest)
        }
        rest => (None, rest),
    };
    let resource = match rest {
        [resource, _name, sub] => format!("{resource}/{sub}"),
        [resource, ..] => (*resource).to_owned(),
        [] => panic!("no resource in {}", request.path),
    };
    let name = rest.get(1).map(|n| (*n).to_owned());
    let verbs = match (request.method.as_str(), &name) {
        ("GET", Some(_)) => vec!["get"],
        ("GET", None) if request.query.get("watch").is_some_and(|w| w == "true") => vec!["watch"],
        ("GET", None) => vec!["list"],
        // Server-side apply creates what does not exist yet: it needs both (a subresource
        // always exists with its object).
        ("PATCH", _) if request.is_apply() && !resource.contains('/') => vec!["patch", "create"],
        ("PATCH", _) => vec!["patch"],
        ("POST", _) => vec!["create"],
        ("PUT", _) => vec!["update"],
        ("DELETE", Some(_)) => vec!["delete"],
        ("DELETE", None) => vec!["deletecollection"],
        (method, _) => panic!("unexpected method {method}"),
    };
    Access {
        verbs,
        group,
        resource,
        namespace,
        name,
    }
}

fn rule_allows(rule: &Value, access: &Access, verb: &str) -> bool {
    let has = |field: &str, wanted: &str| {
        rule[field]
            .as_array()
            .is_some_and(|l| l.iter().any(|v| v == "*" || v == wanted))
    };
    let names_ok = match rule["resourceNames"].as_array() {
        None => true,
        Some(names) if names.is_empty() => true,
        Some(names) => access
            .name
            .as_ref()
            .is_some_and(|n| names.iter().any(|v| v == n.as_str())),
    };
    names_ok
        && has("apiGroups", &access.group)
        && has("resources", &access.resource)
        && has("verbs", verb)
}

/// Whether the installed ClusterRole, or a Role in the request's namespace, allows it.
fn allowed(manifests: &[Value], access: &Access, verb: &str) -> bool {
    manifests.iter().any(|object| {
        let applies = match object["kind"].as_str() {
            Some("ClusterRole") => true,
            Some("Role") => access.namespace.as_deref() == object["metadata"]["namespace"].as_str(),
            _ => false,
        };
        applies
            && object["rules"]
                .as_array()
                .is_some_and(|rules| rules.iter().any(|r| rule_allows(r, access, verb)))
    })
}

/// The requests (as `verb access (request line)`) the default install's RBAC would refuse.
pub(crate) fn denied_by_install(requests: &[Recorded]) -> Vec<String> {
    let manifests = install::manifests(&InstallOptions::default()).expect("manifests");
    let mut denied = Vec::new();
    for request in requests {
        let access = access(request);
        for verb in &access.verbs {
            if !allowed(&manifests, &access, verb) {
                denied.push(format!("{verb} {access:?} ({})", request.line()));
            }
        }
    }
    denied
}

#[tokio::test]
async fn the_installed_rbac_allows_every_request_of_a_claims_life() {
    let world = World::new(claim());
    let mut requests = Vec::new();
    let mut step = async |world: &World| {
        world.reconcile().await.expect("reconcile succeeds");
        requests.extend(world.fake.requests());
    };
    step(&world).await;
    step(&world).await;
    world.capi_reports_ready();
    world.capi_writes_kubeconfig(KEY_DATA);
    step(&world).await;
    world.capi_writes_kubeconfig("Uk9UQVRFRA==");
    step(&world).await;
    world.edit_claim(|c| c.spec.paused = Some(true));
    step(&world).await;
    world.edit_claim(|c| c.spec.paused = Some(false));
    step(&world).await;
    world
        .fake
        .update("WorkloadCluster", NAMESPACE, NAME, |claim| {
            claim["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
        });
    step(&world).await;
    world.fake.remove("Cluster", CLUSTER_NAMESPACE, NAME);
    step(&world).await;
    world.fake.remove("Namespace", "", CLUSTER_NAMESPACE);
    step(&world).await;
    assert!(
        world.fake.get("WorkloadCluster", NAMESPACE, NAME).is_none(),
        "the claim's life ended"
    );

    let manifests = install::manifests(&InstallOptions::default()).expect("manifests");
    let mut denied = Vec::new();
    for request in &requests {
        let access = access(request);
        for verb in &access.verbs {
            if !allowed(&manifests, &access, verb) {
                denied.push(format!("{verb} {access:?} ({})", request.line()));
            }
        }
    }
    assert!(denied.is_empty(), "denied:\n{}", denied.join("\n"));
    // (Lists and watches are the watches', not the reconcile's: `drover install` grants them on
    // every kind of the table, which tests/install.rs checks.)
    for verb in ["get", "create", "patch", "delete"] {
        let verbs_seen = requests.iter().map(access).any(|a| a.verbs.contains(&verb));
        assert!(verbs_seen, "the scenario exercised {verb}");
    }
    // The check is not vacuous: Secrets outside the Argo CD namespace cannot be written.
    let outside = Access {
        verbs: vec!["patch"],
        group: String::new(),
        resource: "secrets".to_owned(),
        namespace: Some(CLUSTER_NAMESPACE.to_owned()),
        name: Some("payments-kubeconfig".to_owned()),
    };
    assert!(!allowed(&manifests, &outside, "patch"));
    assert!(!allowed(&manifests, &outside, "list"));
}
