//! `drover hibernate NAME` / `drover wake NAME`: the break-glass way to put a cluster to sleep
//! or wake it now. It sets `spec.hibernated` by server-side apply with its own field manager
//! ([`CLI_FIELD_MANAGER`]), and stamps the request time
//! ([`drover_api::labels::HIBERNATION_REQUESTED_AT`]) so that asking again after a schedule edge
//! ended an earlier request counts as a new request. The GitOps way is to commit the field.

use std::time::SystemTime;

use drover_api::{WorkloadCluster, labels};
use k8s_openapi::jiff::Timestamp;
use kube::Client;
use kube::api::{Api, Patch, PatchParams};
use serde_json::json;

use super::FleetError;

/// The field manager of drover's command line writes.
pub const CLI_FIELD_MANAGER: &str = "drover-cli";

/// Asks the controller to put `claim` to sleep (`hibernated: true`) or wake it (`false`), as of
/// `now`. `force` takes `spec.hibernated` over from another field manager (a GitOps tool that
/// applied it), which will set it back on its next sync unless the repository changes too.
pub async fn request_hibernation(
    client: &Client,
    claim: &WorkloadCluster,
    hibernated: bool,
    now: SystemTime,
    force: bool,
) -> Result<WorkloadCluster, FleetError> {
    let now = Timestamp::try_from(now).unwrap_or(Timestamp::UNIX_EPOCH);
    let name = claim.metadata.name.as_deref().unwrap_or_default();
    let namespace = claim.metadata.namespace.as_deref().unwrap_or_default();
    let body = json!({
        "apiVersion": drover_api::API_VERSION,
        "kind": "WorkloadCluster",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "annotations": { labels::HIBERNATION_REQUESTED_AT: now.to_string() },
        },
        "spec": { "hibernated": hibernated },
    });
    let mut params = PatchParams::apply(CLI_FIELD_MANAGER);
    if force {
        params = params.force();
    }
    let api: Api<WorkloadCluster> = Api::namespaced(client.clone(), namespace);
    let action = format!(
        "set spec.hibernated={hibernated} on WorkloadCluster {namespace}/{name} (server-side apply, field manager {CLI_FIELD_MANAGER})"
    );
    api.patch(name, &params, &Patch::Apply(body))
        .await
        .map_err(|error| match &error {
            kube::Error::Api(status) if status.code == 409 => FleetError::Conflict {
                action,
                message: status.message.clone(),
            },
            _ => FleetError::from_kube(action, "workloadclusters.drover.dev", error),
        })
}
