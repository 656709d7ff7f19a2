//! Pausing: `spec.paused: true` on a claim stops every write for its cluster, except pausing the
//! CAPI `Cluster` itself, so CAPI stops too.
//!
//! The pause is written by its own field manager, `drover-pause`, never by `drover`: a
//! server-side apply by `drover` of just `spec.paused` would make `drover`'s managed set that one
//! field and the API server would remove every other field drover applied to the Cluster. With a
//! separate manager, unpausing is the server-side-apply way of dropping a field: `drover-pause`
//! applies an object without `spec.paused`, gives up the field, and as nobody else owns it, the API
//! server removes it. drover's rendered Cluster never contains `spec.paused`, so the normal apply
//! neither fights the pause nor needs to know about it. A Cluster paused by someone else (owned by
//! another manager) is left alone and counts as paused: drover writes nothing to it.

use kube::Client;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use serde_json::{Value, json};

use crate::resources::resource;

/// Field manager of the pause.
pub const PAUSE_MANAGER: &str = "drover-pause";

/// Writing the pause failed.
#[derive(Debug, thiserror::Error)]
#[error("{action} CAPI Cluster {namespace}/{name}: {source}")]
pub struct PauseError {
    /// `pausing` or `unpausing`.
    pub action: &'static str,
    /// The Cluster's namespace.
    pub namespace: String,
    /// The Cluster's name.
    pub name: String,
    /// The API error.
    #[source]
    pub source: kube::Error,
}

impl PauseError {
    /// The API error.
    pub fn kube_error(&self) -> &kube::Error {
        &self.source
    }
}

/// Whether the live CAPI Cluster has `spec.paused: true`.
pub use drover_core::contract::status::is_paused;

/// Whether `spec.paused` of the live Cluster is owned by [`PAUSE_MANAGER`].
pub fn paused_by_drover(cluster: &Value) -> bool {
    cluster["metadata"]["managedFields"]
        .as_array()
        .is_some_and(|entries| {
            entries.iter().any(|e| {
                e["manager"].as_str() == Some(PAUSE_MANAGER)
                    && e["fieldsV1"]["f:spec"].get("f:paused").is_some()
            })
        })
}

fn identity(cluster: &Value) -> (String, String, String) {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    (
        text(&cluster["apiVersion"]),
        text(&cluster["metadata"]["namespace"]),
        text(&cluster["metadata"]["name"]),
    )
}

async fn apply(
    client: &Client,
    cluster: &Value,
    body_spec: Option<Value>,
    action: &'static str,
) -> Result<(), PauseError> {
    let (api_version, namespace, name) = identity(cluster);
    let mut body = json!({
        "apiVersion": api_version,
        "kind": "Cluster",
        "metadata": { "name": name, "namespace": namespace },
    });
    if let Some(spec) = body_spec {
        body["spec"] = spec;
    }
    let api: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        &namespace,
        &resource(&api_version, "Cluster", "clusters"),
    );
    // Force: whoever set `paused: false` before, the claim's pause wins.
    let params = PatchParams::apply(PAUSE_MANAGER).force();
    api.patch(&name, &params, &Patch::Apply(&body))
        .await
        .map_err(|source| PauseError {
            action,
            namespace,
            name,
            source,
        })?;
    Ok(())
}

/// Sets `spec.paused: true` on the live Cluster (one server-side apply by `drover-pause`).
pub async fn pause(client: &Client, cluster: &Value) -> Result<(), PauseError> {
    apply(client, cluster, Some(json!({ "paused": true })), "pausing").await
}

/// Gives up `drover-pause`'s `spec.paused`, which removes it.
pub async fn release(client: &Client, cluster: &Value) -> Result<(), PauseError> {
    apply(client, cluster, None, "unpausing").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ownership_of_the_pause_is_read_from_managed_fields() {
        let mut cluster = json!({ "spec": { "paused": true }, "metadata": { "managedFields": [
            { "manager": "drover", "operation": "Apply", "fieldsV1": { "f:spec": { "f:clusterNetwork": {} } } },
        ] } });
        assert!(is_paused(&cluster));
        assert!(!paused_by_drover(&cluster), "paused by someone else");
        if let Some(entries) = cluster["metadata"]["managedFields"].as_array_mut() {
            entries.push(json!({
                "manager": "drover-pause", "operation": "Apply", "fieldsV1": { "f:spec": { "f:paused": {} } },
            }));
        }
        assert!(paused_by_drover(&cluster));
    }
}
