//! Deletion of a claim (it carries drover's finalizer and a deletion timestamp), in steps; each
//! starts only once the previous step's objects are gone, checked by GET or list on every pass:
//!
//! 1. unregister: delete the Argo CD cluster Secret;
//! 2. delete the CAPI `Cluster` and wait until CAPI has torn the machines down and it is gone;
//! 3. delete the remaining inventory objects (KCCM, add-ons, templates...) in reverse apply
//!    order, then the Namespace, and wait until they are gone;
//! 4. (the caller) remove the finalizer.
//!
//! A claim whose objects were never created passes all steps at once.

use drover_api::WorkloadCluster;
use drover_core::naming;
use kube::api::{Api, DynamicObject};

use crate::context::Context;
use crate::dereference::{DereferenceError, LiveSecret, argocd_namespace, read_argocd_secret};
use crate::inventory::{self, InventoryError, LiveObject, ObjectKey};
use crate::prune::{Deleted, PruneError, delete_by_key, delete_object};
use crate::registration::is_managed_by_drover;
use crate::resources::{apply_rank, kind_info};

/// A deletion step failed.
#[derive(Debug, thiserror::Error)]
pub enum DeletionError {
    /// Reading the Argo CD Secret failed.
    #[error(transparent)]
    Read(#[from] DereferenceError),
    /// Reading the CAPI Cluster failed.
    #[error("reading CAPI Cluster {namespace}/{name}: {source}")]
    Cluster {
        /// Its namespace.
        namespace: String,
        /// Its name.
        name: String,
        /// The API error.
        #[source]
        source: kube::Error,
    },
    /// Listing the remaining objects failed.
    #[error(transparent)]
    Inventory(#[from] InventoryError),
    /// A delete failed.
    #[error(transparent)]
    Delete(#[from] PruneError),
}

impl DeletionError {
    /// The API error, if any.
    pub fn kube_error(&self) -> Option<&kube::Error> {
        match self {
            DeletionError::Read(e) => e.kube_error(),
            DeletionError::Cluster { source, .. } => Some(source),
            DeletionError::Inventory(e) => Some(&e.source),
            DeletionError::Delete(e) => Some(e.kube_error()),
        }
    }
}

/// Where the deletion stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Waiting for objects to go; the message says which.
    Waiting(String),
    /// Everything is gone: the finalizer can be removed.
    Done,
}

fn is_deleting(object: &serde_json::Value) -> bool {
    !object["metadata"]["deletionTimestamp"].is_null()
}

/// Runs the deletion steps as far as they go in this pass.
pub async fn run(
    ctx: &Context,
    claim: &WorkloadCluster,
    name: &str,
) -> Result<Progress, DeletionError> {
    if let Some(waiting) = unregister(ctx, claim, name).await? {
        return Ok(Progress::Waiting(waiting));
    }
    if let Some(waiting) = delete_capi_cluster(ctx, name).await? {
        return Ok(Progress::Waiting(waiting));
    }
    delete_inventory(ctx, name).await
}

/// Step 1.
async fn unregister(
    ctx: &Context,
    claim: &WorkloadCluster,
    name: &str,
) -> Result<Option<String>, DeletionError> {
    let namespace = argocd_namespace(claim);
    let Some(LiveSecret(secret)) = read_argocd_secret(ctx, &namespace, name).await? else {
        return Ok(None);
    };
    if !is_managed_by_drover(&secret) {
        return Ok(None);
    }
    let key = ObjectKey {
        kind: "Secret".to_owned(),
        namespace,
        name: secret["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    };
    let deleted = if is_deleting(&secret) {
        Deleted::Pending
    } else {
        let uid = secret["metadata"]["uid"].as_str();
        delete_by_key(ctx.client(), &key, "v1", "secrets", uid).await?
    };
    tracing::info!(object = %key, ?deleted, "unregistering from Argo CD");
    Ok((deleted == Deleted::Pending).then(|| format!("waiting for {key} to be deleted")))
}

/// Step 2.
async fn delete_capi_cluster(ctx: &Context, name: &str) -> Result<Option<String>, DeletionError> {
    let namespace = naming::cluster_namespace(name);
    let Some(info) = kind_info("Cluster") else {
        return Ok(None);
    };
    let api: Api<DynamicObject> =
        Api::namespaced_with(ctx.client().clone(), &namespace, &info.api_resource());
    let cluster = api
        .get_opt(name)
        .await
        .map_err(|source| DeletionError::Cluster {
            namespace: namespace.clone(),
            name: name.to_owned(),
            source,
        })?;
    let Some(cluster) = cluster else {
        return Ok(None);
    };
    let key = ObjectKey {
        kind: "Cluster".to_owned(),
        namespace,
        name: name.to_owned(),
    };
    let object = serde_json::to_value(&cluster).unwrap_or_default();
    let deleted = if is_deleting(&object) {
        Deleted::Pending
    } else {
        delete_object(ctx.client(), &key, &LiveObject { info, object }).await?
    };
    tracing::info!(object = %key, ?deleted, "deleting the CAPI Cluster");
    Ok((deleted == Deleted::Pending).then(|| format!("waiting for CAPI to tear down {key}")))
}

/// Step 3.
async fn delete_inventory(ctx: &Context, name: &str) -> Result<Progress, DeletionError> {
    let inventory = inventory::read(ctx, name).await?;
    let mut remaining: Vec<(&ObjectKey, &LiveObject)> = inventory.iter().collect();
    // Reverse apply order; the Namespace is first in apply order, so it comes last.
    remaining.sort_by_key(|(key, _)| std::cmp::Reverse(apply_rank(&key.kind)));
    let mut waiting = Vec::new();
    for (key, live) in remaining {
        if key.kind == "Namespace" && !waiting.is_empty() {
            break;
        }
        let deleted = if is_deleting(&live.object) {
            Deleted::Pending
        } else {
            delete_object(ctx.client(), key, live).await?
        };
        tracing::info!(object = %key, ?deleted, "deleting");
        if deleted == Deleted::Pending {
            waiting.push(key.to_string());
        }
    }
    Ok(if waiting.is_empty() {
        Progress::Done
    } else {
        Progress::Waiting(format!("waiting for {} to be deleted", waiting.join(", ")))
    })
}
