//! The controller's RBAC, derived from what the code does so it cannot drift:
//!
//! - the kinds drover renders (the one table, [`crate::resources::KINDS`]): `get`, `list`,
//!   `watch`, `create`, `patch`, `delete` cluster-wide (every cluster has its own namespace; the
//!   controller watches every kind it renders into its cache);
//! - CustomResourceDefinitions: `list` and `watch` (metadata only), to notice a provider's CRDs
//!   being installed or removed;
//! - the rules of the Roles drover renders (the KubeVirt cloud controller's), which RBAC requires
//!   the creator of a Role to hold;
//! - WorkloadClusters read, watched, patched (finalizer) with their `status` and `finalizers`;
//!   Environments and Infrastructures read and watched, Environments' `status` patched (the
//!   promotion state); CAPI Machines read (upgrade progress, remediation); events created and
//!   patched;
//! - Secrets: `get` cluster-wide and nothing else (CAPI's kubeconfig Secret is read by name; no
//!   `list`/`watch`, so the controller cannot enumerate Secrets), and `get`/`create`/`patch`/
//!   `delete` only in the Argo CD namespaces, for the cluster registration Secrets;
//! - Leases only in the controller's namespace: `create`, and `get`/`update` of its own Lease.

use std::collections::BTreeMap;

use drover_api::{Environment, Infrastructure, WorkloadCluster};
use k8s_openapi::api::rbac::v1::PolicyRule;
use kube::Resource;

use crate::resources::{KindResource as _, inventory_kinds};

/// Verbs on every kind drover renders.
pub const RENDERED_KIND_VERBS: [&str; 6] = ["get", "list", "watch", "create", "patch", "delete"];

fn rule(group: &str, resources: &[&str], verbs: &[&str]) -> PolicyRule {
    PolicyRule {
        api_groups: Some(vec![group.to_owned()]),
        resources: Some(resources.iter().map(|r| (*r).to_owned()).collect()),
        verbs: verbs.iter().map(|v| (*v).to_owned()).collect(),
        ..PolicyRule::default()
    }
}

fn plural<K: Resource<DynamicType = ()>>() -> String {
    K::plural(&()).into_owned()
}

/// The rules of the controller's ClusterRole, in a stable order.
pub fn cluster_rules() -> Vec<PolicyRule> {
    let group = WorkloadCluster::group(&()).into_owned();
    let claims = plural::<WorkloadCluster>();
    let mut rules = vec![
        rule(&group, &[&claims], &["get", "list", "watch", "patch"]),
        rule(&group, &[&format!("{claims}/status")], &["get", "patch"]),
        rule(&group, &[&format!("{claims}/finalizers")], &["update"]),
        rule(
            &group,
            &[&plural::<Environment>(), &plural::<Infrastructure>()],
            &["get", "list", "watch"],
        ),
        // The Environment controller writes the promotion state.
        rule(
            &group,
            &[&format!("{}/status", plural::<Environment>())],
            &["get", "patch"],
        ),
        // Machines are read (never written) to follow an upgrade and spot remediation.
        rule("cluster.x-k8s.io", &["machines"], &["get", "list"]),
        rule("events.k8s.io", &["events"], &["create", "patch"]),
        // Metadata-only: which provider CRDs are installed.
        rule(
            "apiextensions.k8s.io",
            &["customresourcedefinitions"],
            &["list", "watch"],
        ),
        rule("", &["secrets"], &["get"]),
    ];
    rules.extend(rendered_kind_rules());
    rules.extend(delegated_rules());
    rules
}

/// [`RENDERED_KIND_VERBS`] on every rendered kind, one rule per API group.
fn rendered_kind_rules() -> Vec<PolicyRule> {
    let mut by_group: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for info in inventory_kinds() {
        let resource = info.api_resource();
        let plurals = by_group.entry(resource.group).or_default();
        if !plurals.contains(&resource.plural) {
            plurals.push(resource.plural);
        }
    }
    by_group
        .into_iter()
        .map(|(group, mut plurals)| {
            plurals.sort();
            let plurals: Vec<&str> = plurals.iter().map(String::as_str).collect();
            rule(&group, &plurals, &RENDERED_KIND_VERBS)
        })
        .collect()
}

/// The rules of the Roles drover renders, which it must hold to create them.
fn delegated_rules() -> Vec<PolicyRule> {
    serde_json::from_value(drover_core::providers::kubevirt::kccm_role_rules()).unwrap_or_default()
}

/// The rules of the Role in each Argo CD namespace: the cluster registration Secrets.
pub fn argocd_rules() -> Vec<PolicyRule> {
    vec![rule(
        "",
        &["secrets"],
        &["get", "create", "patch", "delete"],
    )]
}

/// The rules of the Role in the controller's namespace: its leader-election Lease.
pub fn lease_rules(lease_name: &str) -> Vec<PolicyRule> {
    vec![
        rule("coordination.k8s.io", &["leases"], &["create"]),
        PolicyRule {
            resource_names: Some(vec![lease_name.to_owned()]),
            ..rule("coordination.k8s.io", &["leases"], &["get", "update"])
        },
    ]
}

/// Whether `rules` allow `verb` on `group`/`resource` (names unrestricted), as the API server's
/// authorizer decides it (`*` matches anything).
pub fn allows(rules: &[PolicyRule], group: &str, resource: &str, verb: &str) -> bool {
    let matches = |list: &Option<Vec<String>>, wanted: &str| {
        list.as_ref()
            .is_some_and(|l| l.iter().any(|v| v == "*" || v == wanted))
    };
    rules.iter().any(|rule| {
        rule.resource_names.as_ref().is_none_or(Vec::is_empty)
            && matches(&rule.api_groups, group)
            && matches(&rule.resources, resource)
            && rule.verbs.iter().any(|v| v == "*" || v == verb)
    })
}
