//! Apply stage: server-side apply of the desired objects, in the rendered (apply) order, with
//! the one field manager `drover`, skipping every object whose live version already matches
//! ([`diff::needs_apply`]). A reconcile that changes nothing makes no write request.
//!
//! Objects are applied as `DynamicObject`s at the apiVersion the renderer wrote, with the plural
//! from [`crate::resources`]. The first failure stops the stage: later objects may reference the
//! one that failed (a MachineDeployment its new template), and the next reconcile resumes.

pub mod diff;

use drover_api::labels::MANAGER;
use drover_core::render::Manifest;
use kube::Client;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use serde_json::Value;

use crate::inventory::{Inventory, ObjectKey};
use crate::resources::{KindInfo, kind_info, resource};

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

/// Applies every object of `objects` (in order) whose live version in `inventory` differs.
/// Returns the keys of the objects written.
pub async fn apply_objects(
    client: &Client,
    objects: &[Manifest],
    inventory: &Inventory,
) -> Result<Vec<ObjectKey>, ApplyError> {
    let mut written = Vec::new();
    for manifest in objects {
        let key = ObjectKey::of(manifest);
        let live = inventory.get(&key).map(|l| &l.object);
        if !diff::needs_apply(&manifest.0, live, MANAGER) {
            continue;
        }
        let info = kind_info(manifest.kind()).ok_or_else(|| ApplyError::UnknownKind {
            object: key.to_string(),
            kind: manifest.kind().to_owned(),
        })?;
        server_side_apply(client, manifest, info)
            .await
            .map_err(|source| ApplyError::Patch {
                object: key.to_string(),
                source,
            })?;
        tracing::info!(object = %key, "applied");
        written.push(key);
    }
    Ok(written)
}

/// Secrets are not in the rendered kinds; the Argo CD cluster Secret is applied through this entry.
const SECRET: KindInfo = KindInfo {
    kind: "Secret",
    api_version: "v1",
    plural: "secrets",
    namespaced: true,
};

/// Applies the Argo CD cluster Secret when it differs from `live`. Returns whether it was written.
/// Server-side apply only: no last-applied annotation ever holds the credentials.
pub async fn apply_secret(
    client: &Client,
    secret: &Manifest,
    live: Option<&Value>,
) -> Result<bool, ApplyError> {
    if !diff::needs_apply(&secret.0, live, MANAGER) {
        return Ok(false);
    }
    let key = ObjectKey::of(secret);
    server_side_apply(client, secret, &SECRET)
        .await
        .map_err(|source| ApplyError::Patch {
            object: key.to_string(),
            source,
        })?;
    tracing::info!(object = %key, "applied");
    Ok(true)
}

async fn server_side_apply(
    client: &Client,
    manifest: &Manifest,
    info: &KindInfo,
) -> Result<(), kube::Error> {
    let resource = resource(manifest.api_version(), manifest.kind(), info.plural);
    let api: Api<DynamicObject> = if info.namespaced {
        Api::namespaced_with(client.clone(), manifest.namespace(), &resource)
    } else {
        Api::all_with(client.clone(), &resource)
    };
    api.patch(manifest.name(), &apply_params(), &Patch::Apply(&manifest.0))
        .await?;
    Ok(())
}
