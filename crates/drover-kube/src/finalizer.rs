//! The claim's finalizer `drover.dev/cleanup`, added before anything is created and removed when
//! the cluster is gone.
//!
//! Both are JSON patches guarded by a `test` operation, never a server-side apply of
//! `metadata.finalizers` (which could drop other controllers' finalizers) nor a blind replace: if
//! the list changed since the claim was read, the patch fails with a conflict and the reconcile is
//! retried with the fresh object.

use drover_api::WorkloadCluster;
use drover_api::labels::FINALIZER;
use kube::api::{Api, Patch, PatchParams};
use serde_json::{Value, json};

/// Changing the finalizers failed.
#[derive(Debug, thiserror::Error)]
pub enum FinalizerError {
    /// The patch could not be built (never expected).
    #[error("building the finalizer patch: {0}")]
    Patch(#[source] serde_json::Error),
    /// The API server refused it.
    #[error("updating the finalizers of WorkloadCluster {namespace}/{name}: {source}")]
    Api {
        /// The claim's namespace.
        namespace: String,
        /// The claim's name.
        name: String,
        /// The API error.
        #[source]
        source: kube::Error,
    },
}

impl FinalizerError {
    /// The API error, if any.
    pub fn kube_error(&self) -> Option<&kube::Error> {
        match self {
            FinalizerError::Patch(_) => None,
            FinalizerError::Api { source, .. } => Some(source),
        }
    }
}

/// Whether `claim` carries drover's finalizer.
pub fn has_finalizer(claim: &WorkloadCluster) -> bool {
    claim
        .metadata
        .finalizers
        .as_ref()
        .is_some_and(|f| f.iter().any(|x| x == FINALIZER))
}

/// The JSON patch adding drover's finalizer to `current` (the claim's finalizers).
pub fn add_patch(current: Option<&[String]>) -> Value {
    match current {
        None | Some([]) => json!([
            { "op": "test", "path": "/metadata/finalizers", "value": current.map(|_| json!([])).unwrap_or(Value::Null) },
            { "op": "add", "path": "/metadata/finalizers", "value": [FINALIZER] },
        ]),
        Some(list) => json!([
            { "op": "test", "path": "/metadata/finalizers", "value": list },
            { "op": "add", "path": "/metadata/finalizers/-", "value": FINALIZER },
        ]),
    }
}

/// The JSON patch removing drover's finalizer at `index` (checked by a `test`).
pub fn remove_patch(index: usize) -> Value {
    let path = format!("/metadata/finalizers/{index}");
    json!([
        { "op": "test", "path": path, "value": FINALIZER },
        { "op": "remove", "path": path },
    ])
}

async fn patch(
    claim: &WorkloadCluster,
    api: &Api<WorkloadCluster>,
    ops: Value,
) -> Result<WorkloadCluster, FinalizerError> {
    let ops: json_patch::Patch = serde_json::from_value(ops).map_err(FinalizerError::Patch)?;
    let name = claim.metadata.name.clone().unwrap_or_default();
    api.patch(&name, &PatchParams::default(), &Patch::Json::<()>(ops))
        .await
        .map_err(|source| FinalizerError::Api {
            namespace: claim.metadata.namespace.clone().unwrap_or_default(),
            name,
            source,
        })
}

/// Adds the finalizer unless present. Returns the patched claim when it patched.
pub async fn ensure(
    api: &Api<WorkloadCluster>,
    claim: &WorkloadCluster,
) -> Result<Option<WorkloadCluster>, FinalizerError> {
    if has_finalizer(claim) {
        return Ok(None);
    }
    let patched = patch(claim, api, add_patch(claim.metadata.finalizers.as_deref())).await?;
    tracing::info!("finalizer added");
    Ok(Some(patched))
}

/// Removes the finalizer if present.
pub async fn remove(
    api: &Api<WorkloadCluster>,
    claim: &WorkloadCluster,
) -> Result<(), FinalizerError> {
    let index = claim
        .metadata
        .finalizers
        .as_ref()
        .and_then(|f| f.iter().position(|x| x == FINALIZER));
    if let Some(index) = index {
        patch(claim, api, remove_patch(index)).await?;
        tracing::info!("finalizer removed");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_tests_the_current_list_and_appends() {
        let others = ["other.io/keep".to_owned()];
        assert_eq!(
            add_patch(Some(&others)),
            json!([
                { "op": "test", "path": "/metadata/finalizers", "value": ["other.io/keep"] },
                { "op": "add", "path": "/metadata/finalizers/-", "value": "drover.dev/cleanup" },
            ])
        );
        assert_eq!(add_patch(None)[0]["value"], Value::Null);
        assert_eq!(add_patch(None)[1]["value"], json!(["drover.dev/cleanup"]));
    }

    #[test]
    fn patches_parse_as_json_patches() {
        for ops in [add_patch(None), add_patch(Some(&[])), remove_patch(1)] {
            assert!(serde_json::from_value::<json_patch::Patch>(ops).is_ok());
        }
    }
}
