//! `drover plan --kubeconfig`: what applying a render would change on the management cluster.
//!
//! For each rendered cluster: its inventory is listed by label (as the reconcile does), every
//! rendered object is server-side applied with `dryRun=All` (field manager `drover`, forced, as
//! the apply stage does) so the answer includes the server's defaulting and mutating webhooks,
//! and the dry-run results are compared with the live objects by the pure core
//! ([`drover_core::plan::compare_cluster`]). Inventory objects not rendered any more are the ones
//! the prune stage would delete. Nothing is written: a dry-run request is never persisted.
//!
//! Objects in a namespace that does not exist yet cannot be dry-run (the server answers 404 for
//! the namespace); they are compared as rendered. A dry run the server refuses (a validating
//! webhook, a schema error) or a kind it does not serve is reported as a problem of the plan;
//! other API errors end the plan.

use std::path::Path;

use drover_core::diagnostics::{Diagnostic, ObjectRef};
use drover_core::plan::{ClusterPlan, Plan, compare_cluster, live::comparable};
use drover_core::render::{Manifest, RenderedCluster};
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use serde_json::Value;

use crate::apply::diff::stamped;
use crate::inventory::{self, InventoryError, ObjectKey};
use crate::prune;
use crate::resources::{KindResource as _, kind_info, resource};

/// Why a live plan could not be made.
#[derive(Debug, thiserror::Error)]
pub enum LivePlanError {
    /// The kubeconfig could not be read or used.
    #[error("kubeconfig {path}: {message}")]
    Kubeconfig {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// Listing the inventory failed.
    #[error(transparent)]
    Inventory(#[from] InventoryError),
    /// A request failed for a reason other than the object itself.
    #[error("dry-run apply of {object}: {source}")]
    Request {
        /// The object.
        object: String,
        /// The API error.
        #[source]
        source: kube::Error,
    },
}

/// A client for the cluster of `kubeconfig` (its current context, or `context`).
///
/// # Errors
/// The file cannot be read, the context does not exist, or the client cannot be built.
pub async fn connect(kubeconfig: &Path, context: Option<&str>) -> Result<Client, LivePlanError> {
    let error = |message: String| LivePlanError::Kubeconfig {
        path: kubeconfig.display().to_string(),
        message,
    };
    let file = Kubeconfig::read_from(kubeconfig).map_err(|e| error(e.to_string()))?;
    let options = KubeConfigOptions {
        context: context.map(str::to_owned),
        ..KubeConfigOptions::default()
    };
    let config = Config::from_custom_kubeconfig(file, &options)
        .await
        .map_err(|e| error(e.to_string()))?;
    Client::try_from(config).map_err(|e| error(e.to_string()))
}

/// The outcome of a live plan.
#[derive(Clone, Debug, Default)]
pub struct LivePlan {
    /// The changes, per cluster.
    pub plan: Plan,
    /// Objects the server refused in the dry run, kinds it does not serve.
    pub problems: Vec<Diagnostic>,
}

/// The dry-run apply parameters: those of the apply stage, not persisted.
pub fn dry_run_params() -> PatchParams {
    let mut params = crate::apply::apply_params();
    params.dry_run = true;
    params
}

fn object_ref(manifest: &Manifest) -> ObjectRef {
    let namespace = (!manifest.namespace().is_empty()).then_some(manifest.namespace());
    ObjectRef::new(manifest.kind(), namespace, manifest.name())
}

/// Plans `clusters` against the management cluster of `client`.
///
/// # Errors
/// Listing an inventory or a request failed for a reason other than the object itself.
pub async fn live_plan(
    client: &Client,
    clusters: &[RenderedCluster],
    page_size: u32,
) -> Result<LivePlan, LivePlanError> {
    let mut result = LivePlan::default();
    for cluster in clusters {
        let (plan, problems) = plan_cluster(client, cluster, page_size).await?;
        result.plan.clusters.push(plan);
        result.problems.extend(problems);
    }
    result
        .plan
        .clusters
        .sort_by(|a, b| (&a.environment, &a.cluster).cmp(&(&b.environment, &b.cluster)));
    Ok(result)
}

async fn plan_cluster(
    client: &Client,
    cluster: &RenderedCluster,
    page_size: u32,
) -> Result<(ClusterPlan, Vec<Diagnostic>), LivePlanError> {
    let inventory = inventory::read_with_client(client, &cluster.name, page_size).await?;
    let mut problems = Vec::new();
    let mut after = Vec::with_capacity(cluster.objects.len());
    let namespaces_present = namespaces(client, &cluster.objects).await?;
    for manifest in &cluster.objects {
        let namespaced = kind_info(manifest.kind()).is_some_and(|info| info.namespaced);
        if namespaced && !namespaces_present.contains(&manifest.namespace().to_owned()) {
            // Its namespace is created by this apply: nothing to dry-run against yet.
            after.push(manifest.0.clone());
            continue;
        }
        match dry_run(client, manifest).await {
            Ok(object) => after.push(comparable(&object)),
            Err(DryRun::Refused(message)) => {
                problems.push(
                    Diagnostic::new(format!("the API server refuses it: {message}"))
                        .object(object_ref(manifest)),
                );
                after.push(manifest.0.clone());
            }
            Err(DryRun::Failed(source)) => {
                return Err(LivePlanError::Request {
                    object: ObjectKey::of(manifest).to_string(),
                    source,
                });
            }
        }
    }
    let wanted: Vec<Manifest> = cluster.objects.clone();
    let stale: Vec<&ObjectKey> = prune::stale(&inventory, &wanted)
        .into_iter()
        .map(|(key, _)| key)
        .collect();
    let before: Vec<Value> = inventory
        .iter()
        .filter(|(key, _)| {
            // Live objects still desired, and those the prune stage would delete; the Namespace
            // and Cluster are never pruned, so one not desired is not part of the plan.
            wanted.iter().any(|m| &ObjectKey::of(m) == *key) || stale.contains(key)
        })
        .map(|(_, live)| comparable(&live.object))
        .collect();
    let plan = compare_cluster(
        &cluster.name,
        &cluster.environment,
        (!inventory.is_empty()).then_some(before.as_slice()),
        Some(&after),
    );
    Ok((plan, problems))
}

/// The namespaces of `objects` that exist on the server.
async fn namespaces(client: &Client, objects: &[Manifest]) -> Result<Vec<String>, LivePlanError> {
    let mut wanted: Vec<String> = objects
        .iter()
        .map(|m| m.namespace().to_owned())
        .filter(|n| !n.is_empty())
        .collect();
    wanted.sort();
    wanted.dedup();
    let Some(info) = kind_info("Namespace") else {
        return Ok(Vec::new());
    };
    let api: Api<DynamicObject> = Api::all_with(client.clone(), &info.api_resource());
    let mut present = Vec::new();
    for namespace in wanted {
        match api.get_opt(&namespace).await {
            Ok(Some(_)) => present.push(namespace),
            Ok(None) => {}
            Err(source) => {
                return Err(LivePlanError::Request {
                    object: format!("Namespace {namespace}"),
                    source,
                });
            }
        }
    }
    Ok(present)
}

enum DryRun {
    /// The server refused the object (validation, webhook, unserved kind).
    Refused(String),
    /// Any other failure.
    Failed(kube::Error),
}

async fn dry_run(client: &Client, manifest: &Manifest) -> Result<Value, DryRun> {
    let Some(info) = kind_info(manifest.kind()) else {
        return Err(DryRun::Refused(format!(
            "kind {} is not in drover's resource table",
            manifest.kind()
        )));
    };
    let resource = resource(manifest.api_version(), manifest.kind(), info.plural);
    let api: Api<DynamicObject> = if info.namespaced {
        Api::namespaced_with(client.clone(), manifest.namespace(), &resource)
    } else {
        Api::all_with(client.clone(), &resource)
    };
    match api
        .patch(
            manifest.name(),
            &dry_run_params(),
            // Exactly what the controller would apply, hash annotation included.
            &Patch::Apply(&stamped(&manifest.0)),
        )
        .await
    {
        Ok(object) => serde_json::to_value(&object)
            .map(|mut value| {
                if let Value::Object(map) = &mut value {
                    map.insert("apiVersion".to_owned(), manifest.0["apiVersion"].clone());
                    map.insert("kind".to_owned(), manifest.0["kind"].clone());
                }
                value
            })
            .map_err(|e| DryRun::Refused(e.to_string())),
        Err(kube::Error::Api(status)) if status.code == 404 => Err(DryRun::Refused(format!(
            "{} is not served (is its provider installed?)",
            info.api_version
        ))),
        Err(kube::Error::Api(status)) if matches!(status.code, 400 | 403 | 409 | 422) => {
            Err(DryRun::Refused(status.message.clone()))
        }
        Err(source) => Err(DryRun::Failed(source)),
    }
}
