//! The template's steps: write the claim into the workspace, then open a pull (or merge)
//! request against the fleet repository so its CI runs `drover validate`.
//!
//! The claim is written with the built-in `catalog:write` action, which serialises its `entity`
//! input as YAML at `filePath` (any object, not only catalog entities). Its values are single
//! `${{ parameters.x }}` expressions, which Backstage evaluates keeping the parameter's type
//! (numbers stay numbers, the add-on list stays a list). Claims of different shape (a worker
//! pool or none, control-plane replicas or not, a pinned version or the environment's) are
//! different steps, each with an `if:` naming the environment/infrastructure pairs it serves.

use std::collections::BTreeMap;

use drover_api::labels;
use serde_json::{Value, json};

use super::choices::{EnvironmentChoices, Leaf, POOL_NAME};
use super::form::fields;
use crate::backstage::Scm;
use crate::resolve::cni_name;

/// `${{ parameters.<field> }}`.
pub fn parameter(field: &str) -> String {
    format!("${{{{ parameters.{field} }}}}")
}

/// The id of the publishing step (its output names the pull request).
pub const PUBLISH_STEP: &str = "publish";

/// Where the claim and its pull request go.
pub struct Target<'a> {
    /// Pull request or merge request.
    pub scm: Scm,
    /// Backstage `repoUrl` of the fleet repository (`github.com?owner=o&repo=r`); `None` asks.
    pub repo_url: Option<&'a str>,
    /// The fleet directory inside the repository (`.` for its root).
    pub fleet_path: &'a str,
    /// The claim's folder inside the fleet directory.
    pub claims_dir: &'a str,
}

/// Every step: one `catalog:write` per claim shape, then the pull request.
pub fn steps(environments: &[EnvironmentChoices], target: &Target<'_>) -> Vec<Value> {
    // Claim content → the (environment, infrastructure, version) cases that write it.
    let mut variants: BTreeMap<String, (Value, Vec<String>)> = BTreeMap::new();
    for env in environments {
        for leaf in &env.infrastructures {
            for version in &leaf.versions {
                let pinned = *version != env.version;
                let claim = claim(leaf, pinned);
                let key = serde_json::to_string(&claim).unwrap_or_default();
                let mut condition = vec![
                    format!("parameters.{} == '{}'", fields::ENVIRONMENT, env.name),
                    format!(
                        "parameters.{} == '{}'",
                        fields::INFRASTRUCTURE,
                        leaf.infrastructure
                    ),
                ];
                if leaf.versions.len() > 1 || pinned {
                    condition.push(format!("parameters.{} == '{version}'", fields::VERSION));
                }
                variants
                    .entry(key)
                    .or_insert_with(|| (claim, Vec::new()))
                    .1
                    .push(format!("({})", condition.join(" and ")));
            }
        }
    }
    let file = format!(
        "{}/{}.yaml",
        target.claims_dir.trim_end_matches('/'),
        parameter(fields::NAME)
    );
    let mut steps: Vec<Value> = variants
        .into_values()
        .enumerate()
        .map(|(index, (claim, cases))| {
            json!({
                "id": format!("claim-{}", index + 1),
                "name": format!("Write the WorkloadCluster ({})", describe(&claim)),
                "if": format!("${{{{ {} }}}}", cases.join(" or ")),
                "action": "catalog:write",
                "input": { "filePath": file, "entity": claim },
            })
        })
        .collect();
    steps.push(publish(target));
    steps
}

/// The claim a leaf writes, with `${{ parameters.x }}` where the form decides.
fn claim(leaf: &Leaf, pinned: bool) -> Value {
    let shape = leaf.shape;
    let mut spec = json!({
        "environment": parameter(fields::ENVIRONMENT),
        "infrastructure": parameter(fields::INFRASTRUCTURE),
    });
    if pinned {
        spec["kubernetesVersion"] = json!(parameter(fields::VERSION));
    }
    let sized = !leaf.sizes.is_empty();
    if shape.control_plane_replicas || (shape.control_plane_size && sized) {
        let mut control_plane = json!({});
        if shape.control_plane_replicas {
            control_plane["replicas"] = json!(parameter(fields::CONTROL_PLANE_REPLICAS));
        }
        if shape.control_plane_size && sized {
            control_plane["size"] = json!(parameter(fields::SIZE));
        }
        spec["controlPlane"] = control_plane;
    }
    if shape.workers {
        let mut pool = json!({
            "name": POOL_NAME,
            "replicas": parameter(fields::WORKER_REPLICAS),
        });
        if sized {
            pool["size"] = json!(parameter(fields::SIZE));
        }
        spec["workers"] = json!([pool]);
    }
    if let Some(cni) = shape.cni {
        spec["network"] = json!({ "cni": cni_name(cni) });
    }
    if !leaf.addons.is_empty() {
        spec["addons"] = json!(parameter(fields::ADDONS));
    }
    json!({
        "apiVersion": "drover.dev/v1alpha1",
        "kind": "WorkloadCluster",
        "metadata": {
            "name": parameter(fields::NAME),
            "namespace": parameter(fields::NAMESPACE),
            "annotations": { labels::OWNER: parameter(fields::OWNER) },
        },
        "spec": spec,
    })
}

/// A few words on what a claim variant sets, for the step's name.
fn describe(claim: &Value) -> String {
    let spec = &claim["spec"];
    let mut parts = Vec::new();
    parts.push(if spec.get("workers").is_some() {
        "a worker pool"
    } else {
        "no worker pool"
    });
    if spec["controlPlane"].get("replicas").is_some() {
        parts.push("control-plane replicas");
    }
    if spec["controlPlane"].get("size").is_some() {
        parts.push("control-plane size");
    }
    if spec.get("network").is_some() {
        parts.push("the CNI");
    }
    parts.push(if spec.get("kubernetesVersion").is_some() {
        "a pinned version"
    } else {
        "the environment's version"
    });
    parts.join(", ")
}

fn publish(target: &Target<'_>) -> Value {
    let repo_url = target
        .repo_url
        .map_or_else(|| parameter(fields::REPO_URL), str::to_owned);
    let title = format!(
        "WorkloadCluster {}/{} ({})",
        parameter(fields::NAMESPACE),
        parameter(fields::NAME),
        parameter(fields::ENVIRONMENT)
    );
    let description = format!(
        "Requested from Backstage by {} for {}. The fleet's CI runs `drover validate` on this change.",
        "${{ user.ref }}",
        parameter(fields::OWNER)
    );
    let branch = format!("drover/{}", parameter(fields::NAME));
    let mut input = json!({
        "repoUrl": repo_url,
        "branchName": branch,
        "title": title,
        "description": description,
    });
    let fleet_path = target.fleet_path.trim_matches('/');
    if !fleet_path.is_empty() && fleet_path != "." {
        input["targetPath"] = json!(fleet_path);
    }
    let action = match target.scm {
        Scm::Github => "publish:github:pull-request",
        Scm::Gitlab => {
            input["commitAction"] = json!("create");
            "publish:gitlab:merge-request"
        }
    };
    json!({
        "id": PUBLISH_STEP,
        "name": match target.scm {
            Scm::Github => "Open a pull request on the fleet repository",
            Scm::Gitlab => "Open a merge request on the fleet repository",
        },
        "action": action,
        "input": input,
    })
}

/// The template's output: a link to the pull or merge request.
pub fn output(scm: Scm) -> Value {
    let (title, field) = match scm {
        Scm::Github => ("Pull request", "remoteUrl"),
        Scm::Gitlab => ("Merge request", "mergeRequestUrl"),
    };
    json!({
        "links": [{
            "title": title,
            "url": format!("${{{{ steps['{PUBLISH_STEP}'].output.{field} }}}}"),
        }],
    })
}
