//! The controller's permissions, asked of the API server's authorizer.
//!
//! drover asks with `SubjectAccessReview`s naming the controller's service account (user
//! `system:serviceaccount:NS:drover` and the groups Kubernetes gives every service account),
//! not with `SelfSubjectAccessReview`s under impersonation: the same answer from the same
//! authorizer, with one client and one permission (`create subjectaccessreviews`, which
//! cluster-admin and `system:auth-delegator` hold) instead of `impersonate` on service accounts.
//!
//! What is asked is exactly what `drover install` grants ([`crate::install::rbac`]), which is
//! derived from what the controller does: so a ✗ means the installed RBAC is missing or older
//! than this drover.

use std::collections::BTreeMap;

use futures::{StreamExt as _, stream};
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SubjectAccessReview, SubjectAccessReviewSpec,
};
use k8s_openapi::api::rbac::v1::PolicyRule;
use kube::api::PostParams;
use kube::{Api, Client};

use super::{Check, PreflightError, PreflightOptions, Section};
use crate::install::{self, rbac};

/// Reviews in flight at once.
const CONCURRENT_REVIEWS: usize = 16;

/// One permission: verb on group/resource[/subresource], in a namespace (or cluster-wide),
/// optionally of one named object.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Permission {
    /// Namespace; empty for cluster-wide.
    pub namespace: String,
    /// Verb.
    pub verb: String,
    /// API group.
    pub group: String,
    /// Resource, with `/subresource` if any.
    pub resource: String,
    /// Object name, for rules restricted to names.
    pub name: Option<String>,
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let group = if self.group.is_empty() {
            String::new()
        } else {
            format!(".{}", self.group)
        };
        write!(f, "{} {}{group}", self.verb, self.resource)?;
        if let Some(name) = &self.name {
            write!(f, " {name}")?;
        }
        Ok(())
    }
}

/// Every permission in `rules`, in `namespace` (empty: cluster-wide).
pub fn permissions(rules: &[PolicyRule], namespace: &str) -> Vec<Permission> {
    let mut found = Vec::new();
    for rule in rules {
        let names: Vec<Option<String>> = match rule.resource_names.as_deref() {
            Some(names) if !names.is_empty() => names.iter().cloned().map(Some).collect(),
            _ => vec![None],
        };
        for group in rule.api_groups.iter().flatten() {
            for resource in rule.resources.iter().flatten() {
                for verb in &rule.verbs {
                    for name in &names {
                        found.push(Permission {
                            namespace: namespace.to_owned(),
                            verb: verb.clone(),
                            group: group.clone(),
                            resource: resource.clone(),
                            name: name.clone(),
                        });
                    }
                }
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// The service account's user name and groups.
pub fn service_account(namespace: &str) -> (String, Vec<String>) {
    (
        format!("system:serviceaccount:{namespace}:{}", install::NAME),
        vec![
            "system:serviceaccounts".to_owned(),
            format!("system:serviceaccounts:{namespace}"),
            "system:authenticated".to_owned(),
        ],
    )
}

fn review(permission: &Permission, user: &str, groups: &[String]) -> SubjectAccessReview {
    let (resource, subresource) = match permission.resource.split_once('/') {
        Some((resource, sub)) => (resource.to_owned(), Some(sub.to_owned())),
        None => (permission.resource.clone(), None),
    };
    SubjectAccessReview {
        spec: SubjectAccessReviewSpec {
            user: Some(user.to_owned()),
            groups: Some(groups.to_vec()),
            resource_attributes: Some(ResourceAttributes {
                namespace: (!permission.namespace.is_empty()).then(|| permission.namespace.clone()),
                verb: Some(permission.verb.clone()),
                group: Some(permission.group.clone()),
                resource: Some(resource),
                subresource,
                name: permission.name.clone(),
                ..ResourceAttributes::default()
            }),
            ..SubjectAccessReviewSpec::default()
        },
        ..SubjectAccessReview::default()
    }
}

/// The checks: cluster-wide rules, the Lease in the controller's namespace, the cluster
/// Secrets in each Argo CD namespace.
pub async fn check(
    client: &Client,
    options: &PreflightOptions,
    argocd_namespaces: &[String],
) -> Result<Vec<Check>, PreflightError> {
    let namespace = &options.controller_namespace;
    let (user, groups) = service_account(namespace);
    let mut scopes: Vec<(String, Vec<Permission>, String)> = vec![
        (
            format!("{user}: cluster-wide rules (ClusterRole {})", install::NAME),
            permissions(&rbac::cluster_rules(), ""),
            format!(
                "`drover install --namespace {namespace} | kubectl apply -f -` (ClusterRole and ClusterRoleBinding {})",
                install::NAME
            ),
        ),
        (
            format!(
                "{user}: leader-election Lease {} in {namespace}",
                options.lease_name
            ),
            permissions(&rbac::lease_rules(&options.lease_name), namespace),
            format!(
                "`drover install --namespace {namespace} | kubectl apply -f -` (Role {}-leader-election)",
                install::NAME
            ),
        ),
    ];
    for argocd in argocd_namespaces {
        scopes.push((
            format!("{user}: Argo CD cluster Secrets in {argocd}"),
            permissions(&rbac::argocd_rules(), argocd),
            format!("`drover install --namespace {namespace} --argocd-namespace {argocd} | kubectl apply -f -` (Role {}-argocd-clusters in {argocd})", install::NAME),
        ));
    }

    let api = Api::<SubjectAccessReview>::all(client.clone());
    let all: Vec<Permission> = scopes.iter().flat_map(|(_, p, _)| p.clone()).collect();
    let answers: Vec<(Permission, Result<bool, kube::Error>)> = stream::iter(all)
        .map(|permission| {
            let api = api.clone();
            let review = review(&permission, &user, &groups);
            async move {
                let answer = api
                    .create(&PostParams::default(), &review)
                    .await
                    .map(|r| r.status.is_some_and(|s| s.allowed));
                (permission, answer)
            }
        })
        .buffer_unordered(CONCURRENT_REVIEWS)
        .collect()
        .await;
    let mut allowed: BTreeMap<Permission, bool> = BTreeMap::new();
    for (permission, answer) in answers {
        match answer {
            Ok(yes) => {
                allowed.insert(permission, yes);
            }
            Err(kube::Error::Api(status)) if status.code == 403 => {
                return Ok(vec![Check::fail(
                    Section::Rbac,
                    format!("{user}: permissions can be reviewed"),
                    format!(
                        "creating a SubjectAccessReview is forbidden: {}",
                        status.message
                    ),
                    "run the pre-flight as a user who may create subjectaccessreviews.authorization.k8s.io (e.g. cluster-admin)",
                )]);
            }
            Err(source) => {
                return Err(PreflightError {
                    what: format!("reviewing {permission} for {user}"),
                    source,
                });
            }
        }
    }

    Ok(scopes
        .into_iter()
        .map(|(title, permissions, fix)| {
            let denied: Vec<String> = permissions
                .iter()
                .filter(|p| !allowed.get(*p).copied().unwrap_or(false))
                .map(ToString::to_string)
                .collect();
            let title = format!("{title}: {} permission(s)", permissions.len());
            if denied.is_empty() {
                Check::pass(Section::Rbac, title)
            } else {
                const SHOWN: usize = 8;
                let mut detail = format!(
                    "denied {} of {}: {}",
                    denied.len(),
                    permissions.len(),
                    denied
                        .iter()
                        .take(SHOWN)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                if denied.len() > SHOWN {
                    detail.push_str(&format!(" and {} more", denied.len() - SHOWN));
                }
                Check::fail(Section::Rbac, title, detail, fix)
            }
        })
        .collect())
}
