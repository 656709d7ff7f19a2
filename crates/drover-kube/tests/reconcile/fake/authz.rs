//! `SubjectAccessReview`s answered by an RBAC authorizer over the fake's stored ClusterRoles,
//! Roles and their bindings (as the API server's RBAC authorizer decides, without aggregation).

use serde_json::{Value, json};

use super::Key;

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

fn binds(binding: &Value, user: &str, groups: &[&str]) -> bool {
    binding["subjects"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|subject| {
            let name = subject["name"].as_str().unwrap_or_default();
            match subject["kind"].as_str() {
                Some("ServiceAccount") => {
                    let namespace = subject["namespace"].as_str().unwrap_or_default();
                    user == format!("system:serviceaccount:{namespace}:{name}")
                }
                Some("User") => user == name,
                Some("Group") => groups.contains(&name),
                _ => false,
            }
        })
}

fn rule_allows(rule: &Value, attributes: &Value) -> bool {
    let has = |list: &str, wanted: &str| {
        strings(&rule[list])
            .iter()
            .any(|v| *v == "*" || *v == wanted)
    };
    let resource = match attributes["subresource"].as_str() {
        Some(sub) if !sub.is_empty() => {
            format!(
                "{}/{sub}",
                attributes["resource"].as_str().unwrap_or_default()
            )
        }
        _ => attributes["resource"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    };
    let names = strings(&rule["resourceNames"]);
    let name = attributes["name"].as_str().unwrap_or_default();
    has(
        "apiGroups",
        attributes["group"].as_str().unwrap_or_default(),
    ) && has("resources", &resource)
        && has("verbs", attributes["verb"].as_str().unwrap_or_default())
        && (names.is_empty() || names.contains(&name))
}

/// The review with its `status.allowed`.
pub fn review<'a>(
    objects: impl Iterator<Item = (&'a Key, &'a Value)> + Clone,
    body: &Value,
) -> Value {
    let spec = &body["spec"];
    let user = spec["user"].as_str().unwrap_or_default();
    let groups = strings(&spec["groups"]);
    let attributes = &spec["resourceAttributes"];
    let namespace = attributes["namespace"].as_str().unwrap_or_default();
    let role = |kind: &str, role_namespace: &str, name: &str| {
        let plural = if kind == "ClusterRole" {
            "clusterroles"
        } else {
            "roles"
        };
        objects
            .clone()
            .find(|((g, p, ns, n), _)| {
                g == "rbac.authorization.k8s.io" && p == plural && ns == role_namespace && n == name
            })
            .map(|(_, role)| role.clone())
    };
    let allowed = objects
        .clone()
        .any(|((group, plural, binding_namespace, _), binding)| {
            if group != "rbac.authorization.k8s.io" || !binds(binding, user, &groups) {
                return false;
            }
            let role_kind = binding["roleRef"]["kind"].as_str().unwrap_or_default();
            let role_name = binding["roleRef"]["name"].as_str().unwrap_or_default();
            let rules = match plural.as_str() {
                "clusterrolebindings" => role("ClusterRole", "", role_name),
                // A RoleBinding grants only in its own namespace.
                "rolebindings" if binding_namespace == namespace => {
                    if role_kind == "ClusterRole" {
                        role("ClusterRole", "", role_name)
                    } else {
                        role("Role", binding_namespace, role_name)
                    }
                }
                _ => None,
            };
            rules.is_some_and(|role| {
                role["rules"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|rule| rule_allows(rule, attributes))
            })
        });
    let mut answer = body.clone();
    answer["apiVersion"] = json!("authorization.k8s.io/v1");
    answer["kind"] = json!("SubjectAccessReview");
    answer["status"] = json!({ "allowed": allowed });
    answer
}
