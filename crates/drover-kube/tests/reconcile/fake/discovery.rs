//! API discovery of the fake (`/api`, `/api/v1`, `/apis`, `/apis/GROUP/VERSION`), answered from
//! the resources it serves, as `kubectl api-resources` and `drover preflight` read it.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Reply;
use super::handle::{respond, status_body};
use super::route::Served;

/// The discovery answer for `path`, or `None` if `path` is not a discovery path.
pub fn answer(served: &[Served], path: &str) -> Option<Reply> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["api"] => Some(respond(
            200,
            &json!({ "kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [] }),
        )),
        ["api", version] => Some(resources(served, "", version)),
        ["apis"] => Some(groups(served)),
        ["apis", group, version] => Some(resources(served, group, version)),
        _ => None,
    }
}

fn groups(served: &[Served]) -> Reply {
    let mut versions: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for s in served.iter().filter(|s| !s.group.is_empty()) {
        let list = versions.entry(&s.group).or_default();
        if !list.contains(&s.version.as_str()) {
            list.push(&s.version);
        }
    }
    let groups: Vec<Value> = versions
        .into_iter()
        .map(|(group, versions)| {
            let entries: Vec<Value> = versions
                .iter()
                .map(|v| json!({ "groupVersion": format!("{group}/{v}"), "version": v }))
                .collect();
            json!({ "name": group, "versions": entries, "preferredVersion": entries[0] })
        })
        .collect();
    respond(
        200,
        &json!({ "kind": "APIGroupList", "apiVersion": "v1", "groups": groups }),
    )
}

fn resources(served: &[Served], group: &str, version: &str) -> Reply {
    let list: Vec<Value> = served
        .iter()
        .filter(|s| s.group == group && s.version == version)
        .map(|s| {
            json!({
                "name": s.plural,
                "singularName": s.kind.to_lowercase(),
                "namespaced": s.namespaced,
                "kind": s.kind,
                "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
            })
        })
        .collect();
    if list.is_empty() {
        return respond(
            404,
            &status_body(
                404,
                "NotFound",
                "the server could not find the requested resource",
            ),
        );
    }
    let group_version = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    respond(
        200,
        &json!({ "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": list }),
    )
}
