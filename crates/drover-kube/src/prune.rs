//! Prune stage: deletes the cluster's objects that are no longer desired — an old machine
//! template after a size change, the MachineDeployment of a removed worker pool, the Argo CD
//! Secret once registration is disabled.
//!
//! Pruning runs after the apply stage succeeded, so every referrer (MachineDeployment, control
//! plane) already points at the new objects when the old ones go. Objects are deleted in reverse
//! apply order (referrers before what they reference), with a UID precondition so an object
//! recreated meanwhile is never hit. The Namespace and the CAPI Cluster are never pruned: they are
//! always desired, and only the deletion flow removes them.

use drover_core::render::Manifest;
use kube::Client;
use kube::api::{Api, DeleteParams, DynamicObject, Preconditions};
use std::collections::BTreeSet;

use crate::cache::{InventoryIndex, SecretCache};
use crate::dereference::LiveSecret;
use crate::inventory::{Inventory, LiveObject, ObjectKey};
use crate::registration;
use crate::resources::{apply_rank, resource};

/// A delete failed.
#[derive(Debug, thiserror::Error)]
#[error("deleting {object}: {source}")]
pub struct PruneError {
    /// The object.
    pub object: String,
    /// The API error.
    #[source]
    pub source: kube::Error,
}

impl PruneError {
    /// The API error.
    pub fn kube_error(&self) -> &kube::Error {
        &self.source
    }
}

/// Whether a deleted object is gone or waits for finalizers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deleted {
    /// The API server removed it (or it was already gone).
    Gone,
    /// It has finalizers: it is being deleted.
    Pending,
}

/// The inventory objects not in `desired`, in the order to delete them (reverse apply order).
pub fn stale<'a>(
    inventory: &'a Inventory,
    desired: &[Manifest],
) -> Vec<(&'a ObjectKey, &'a LiveObject)> {
    let wanted: BTreeSet<ObjectKey> = desired.iter().map(ObjectKey::of).collect();
    let mut stale: Vec<_> = inventory
        .iter()
        .filter(|(key, _)| !wanted.contains(*key))
        .filter(|(key, _)| key.kind != "Namespace" && key.kind != "Cluster")
        .filter(|(_, live)| live.object["metadata"]["deletionTimestamp"].is_null())
        .collect();
    stale.sort_by_key(|(key, _)| std::cmp::Reverse(apply_rank(&key.kind)));
    stale
}

/// Deletes the stale objects of `cluster`; those gone leave `index` at once. Returns what was
/// deleted.
pub async fn prune(
    client: &Client,
    cluster: &str,
    inventory: &Inventory,
    desired: &[Manifest],
    index: &InventoryIndex,
) -> Result<Vec<ObjectKey>, PruneError> {
    let mut deleted = Vec::new();
    for (key, live) in stale(inventory, desired) {
        if delete_object(client, key, live).await? == Deleted::Gone {
            index.remove(cluster, key);
        }
        tracing::info!(object = %key, "pruned");
        deleted.push(key.clone());
    }
    Ok(deleted)
}

/// Deletes the Argo CD cluster Secret when registration is disabled and drover's Secret exists,
/// and forgets it in `secrets`.
pub async fn prune_registration(
    client: &Client,
    live: Option<&LiveSecret>,
    secrets: &SecretCache,
) -> Result<Option<ObjectKey>, PruneError> {
    let Some(LiveSecret(secret)) = live else {
        return Ok(None);
    };
    if !registration::is_managed_by_drover(secret) {
        return Ok(None);
    }
    let key = ObjectKey {
        kind: "Secret".to_owned(),
        namespace: secret["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        name: secret["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    };
    delete_by_key(
        client,
        &key,
        "v1",
        "secrets",
        secret["metadata"]["uid"].as_str(),
    )
    .await?;
    secrets.forget(&key.namespace, &key.name);
    tracing::info!(object = %key, "unregistered from Argo CD");
    Ok(Some(key))
}

/// Deletes one inventory object (background propagation, UID precondition).
pub async fn delete_object(
    client: &Client,
    key: &ObjectKey,
    live: &LiveObject,
) -> Result<Deleted, PruneError> {
    let uid = live.object["metadata"]["uid"].as_str();
    delete_by_key(client, key, live.info.api_version, live.info.plural, uid).await
}

/// Deletes the object `key` of the given resource.
pub async fn delete_by_key(
    client: &Client,
    key: &ObjectKey,
    api_version: &str,
    plural: &str,
    uid: Option<&str>,
) -> Result<Deleted, PruneError> {
    let resource = resource(api_version, &key.kind, plural);
    let api: Api<DynamicObject> = if key.namespace.is_empty() {
        Api::all_with(client.clone(), &resource)
    } else {
        Api::namespaced_with(client.clone(), &key.namespace, &resource)
    };
    let params = DeleteParams {
        preconditions: uid.map(|uid| Preconditions {
            uid: Some(uid.to_owned()),
            resource_version: None,
        }),
        ..DeleteParams::background()
    };
    match api.delete(&key.name, &params).await {
        // A returned object still carrying a deletion timestamp or finalizers still exists
        // (a Namespace terminating, an object waiting for its controller); a Status, or the
        // object as it was, means it is gone.
        Ok(either) => Ok(match either.left() {
            Some(object)
                if object.metadata.deletion_timestamp.is_some()
                    || object
                        .metadata
                        .finalizers
                        .as_ref()
                        .is_some_and(|f| !f.is_empty()) =>
            {
                Deleted::Pending
            }
            _ => Deleted::Gone,
        }),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(Deleted::Gone),
        Err(source) => Err(PruneError {
            object: key.to_string(),
            source,
        }),
    }
}
