//! Apply stage: server-side apply of the desired objects with the one field manager `drover`,
//! skipping every object whose cached live version already matches ([`diff::needs_apply`]). A
//! reconcile that changes nothing makes no write request.
//!
//! Objects go phase by phase in apply order ([`crate::resources::Phase`]: namespace,
//! prerequisites, templates, infrastructure cluster, control plane, Cluster, workers, ...); the
//! objects of one phase do not reference each other and are applied concurrently. A failure
//! stops the stage after its phase: later phases may reference the object that failed (a
//! MachineDeployment its new template), and the next reconcile resumes.
//!
//! Each object is applied [`diff::stamped`] with the hash of its render, and each apply's
//! response — the stored object — goes into the inventory index at once, so a reconcile that
//! runs before the watch reports the write already sees it.

pub mod diff;

use drover_api::labels::MANAGER;
use drover_core::render::Manifest;
use futures::future::join_all;
use kube::Client;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use serde_json::Value;

use crate::cache::InventoryIndex;
use crate::inventory::{Inventory, ObjectKey};
use crate::resources::{KindInfo, SECRET, kind_info, resource};

/// Why applying failed.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The renderer emitted a kind the resource table does not know.
    #[error("{object}: kind {kind} is not in drover's resource table")]
    UnknownKind {
        /// The object.
        object: String,
        /// Its kind.
        kind: String,
    },
    /// The API server refused the apply.
    #[error("server-side apply of {object}: {source}")]
    Patch {
        /// The object.
        object: String,
        /// The API error.
        #[source]
        source: kube::Error,
    },
}

impl ApplyError {
    /// The API error, if any.
    pub fn kube_error(&self) -> Option<&kube::Error> {
        match self {
            ApplyError::UnknownKind { .. } => None,
            ApplyError::Patch { source, .. } => Some(source),
        }
    }
}

/// The parameters of every apply: field manager `drover`, and `force`. drover is the single owner
/// of the fields it renders: a conflict means someone edited a drover-rendered field by hand (or
/// another tool claimed it), and the claim, not the edit, is the source of truth, so drover takes
/// the field back. Fields drover does not render are never in its apply and stay with their owners.
pub fn apply_params() -> PatchParams {
    PatchParams::apply(MANAGER).force()
}

/// Applies every object of `objects` (in apply order) whose live version in `inventory` differs,
/// phase by phase, and records each response in `index`. Returns the keys of the objects
/// written, in apply order.
pub async fn apply_objects(
    client: &Client,
    objects: &[Manifest],
    inventory: &Inventory,
    index: &InventoryIndex,
) -> Result<Vec<ObjectKey>, ApplyError> {
    let mut pending = Vec::new();
    for manifest in objects {
        let key = ObjectKey::of(manifest);
        let info = kind_info(manifest.kind()).ok_or_else(|| ApplyError::UnknownKind {
            object: key.to_string(),
            kind: manifest.kind().to_owned(),
        })?;
        let body = diff::stamped(&manifest.0);
        let live = inventory.get(&key).map(|l| &l.object);
        if diff::needs_apply(&body, live) {
            pending.push((key, info, manifest, body));
        }
    }
    let mut written = Vec::new();
    let mut rest = pending.as_slice();
    while let Some((_, first, _, _)) = rest.first() {
        let phase = first.phase;
        let end = rest
            .iter()
            .position(|(_, info, _, _)| info.phase != phase)
            .unwrap_or(rest.len());
        let (batch, after) = rest.split_at(end);
        rest = after;
        let results = join_all(batch.iter().map(|(key, info, manifest, body)| async move {
            let stored = server_side_apply(client, manifest, info, body)
                .await
                .map_err(|source| ApplyError::Patch {
                    object: key.to_string(),
                    source,
                })?;
            index.apply(info, &stored);
            tracing::info!(object = %key, "applied");
            Ok::<_, ApplyError>(key.clone())
        }))
        .await;
        let mut failed = None;
        for result in results {
            match result {
                Ok(key) => written.push(key),
                Err(error) => {
                    failed.get_or_insert(error);
                }
            }
        }
        if let Some(error) = failed {
            return Err(error);
        }
    }
    Ok(written)
}

/// Applies the Argo CD cluster Secret when it differs from `live`. Returns the stored Secret
/// when it was written. Server-side apply only: no last-applied annotation ever holds the
/// credentials.
pub async fn apply_secret(
    client: &Client,
    secret: &Manifest,
    live: Option<&Value>,
) -> Result<Option<Value>, ApplyError> {
    let body = diff::stamped(&secret.0);
    if !diff::needs_apply(&body, live) {
        return Ok(None);
    }
    let key = ObjectKey::of(secret);
    let stored = server_side_apply(client, secret, &SECRET, &body)
        .await
        .map_err(|source| ApplyError::Patch {
            object: key.to_string(),
            source,
        })?;
    tracing::info!(object = %key, "applied");
    Ok(Some(stored))
}

/// Applies `body` (the stamped `manifest`); returns the stored object with apiVersion and kind.
async fn server_side_apply(
    client: &Client,
    manifest: &Manifest,
    info: &KindInfo,
    body: &Value,
) -> Result<Value, kube::Error> {
    let resource = resource(manifest.api_version(), manifest.kind(), info.plural);
    let api: Api<DynamicObject> = if info.namespaced {
        Api::namespaced_with(client.clone(), manifest.namespace(), &resource)
    } else {
        Api::all_with(client.clone(), &resource)
    };
    let stored = api
        .patch(manifest.name(), &apply_params(), &Patch::Apply(body))
        .await?;
    let mut stored = serde_json::to_value(&stored).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut stored {
        map.insert("apiVersion".to_owned(), Value::from(manifest.api_version()));
        map.insert("kind".to_owned(), Value::from(manifest.kind()));
    }
    Ok(stored)
}
