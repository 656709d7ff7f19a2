//! Deletion of a claim (it carries drover's finalizer and a deletion timestamp), in steps; each
//! starts only once the previous step's objects are gone, as the watch cache shows them (the
//! watches wake the claim when they go; the Argo CD Secret, which is not watched, is read by
//! GET):
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

use crate::context::Context;
use crate::dereference::{DereferenceError, LiveSecret, argocd_namespace, read_argocd_secret};
use crate::inventory::{LiveObject, ObjectKey};
use crate::prune::{Deleted, PruneError, delete_by_key, delete_object};
use crate::registration::{argocd_secret_name, is_managed_by_drover};
use crate::resources::apply_rank;

/// A deletion step failed.
#[derive(Debug, thiserror::Error)]
pub enum DeletionError {
    /// Reading the Argo CD Secret failed.
    #[error(transparent)]
    Read(#[from] DereferenceError),
    /// A delete failed.
    #[error(transparent)]
    Delete(#[from] PruneError),
}

impl DeletionError {
    /// The API error, if any.
    pub fn kube_error(&self) -> Option<&kube::Error> {
        match self {
            DeletionError::Read(e) => e.kube_error(),
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
    // Deletion reads the Secret afresh: what is remembered may be an hour old.
    ctx.caches()
        .secrets()
        .forget(&namespace, &argocd_secret_name(name));
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
    if deleted == Deleted::Gone {
        ctx.caches().secrets().forget(&key.namespace, &key.name);
    }
    tracing::info!(object = %key, ?deleted, "unregistering from Argo CD");
    Ok((deleted == Deleted::Pending).then(|| format!("waiting for {key} to be deleted")))
}

/// Step 2.
async fn delete_capi_cluster(ctx: &Context, name: &str) -> Result<Option<String>, DeletionError> {
    let key = ObjectKey {
        kind: "Cluster".to_owned(),
        namespace: naming::cluster_namespace(name),
        name: name.to_owned(),
    };
    let index = ctx.caches().inventory();
    let Some(live) = index.get(name, &key) else {
        return Ok(None);
    };
    let deleted = if is_deleting(&live.object) {
        Deleted::Pending
    } else {
        delete_object(ctx.client(), &key, &live).await?
    };
    if deleted == Deleted::Gone {
        index.remove(name, &key);
    }
    tracing::info!(object = %key, ?deleted, "deleting the CAPI Cluster");
    Ok((deleted == Deleted::Pending).then(|| format!("waiting for CAPI to tear down {key}")))
}

/// Step 3.
async fn delete_inventory(ctx: &Context, name: &str) -> Result<Progress, DeletionError> {
    let index = ctx.caches().inventory();
    let inventory = index.inventory(name);
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
        if deleted == Deleted::Gone {
            index.remove(name, key);
        }
        tracing::info!(object = %key, ?deleted, "deleting");
        if deleted == Deleted::Pending {
            waiting.push(key.to_string());
        }
    }
    Ok(if waiting.is_empty() {
        let secrets = ctx.caches().secrets();
        secrets.forget_namespace(&naming::cluster_namespace(name));
        Progress::Done
    } else {
        Progress::Waiting(format!("waiting for {} to be deleted", waiting.join(", ")))
    })
}
