//! The Scaffolder form (`spec.parameters`): JSON Schema pages whose `dependencies`/`oneOf`
//! narrow the choices as the user picks an environment, then an infrastructure.

use serde_json::{Map, Value, json};

use super::choices::{Counts, EnvironmentChoices, Leaf};
use crate::resolve::addon_name;
use drover_api::workload_cluster::MAX_NAME_LEN;

/// Form field names; the steps refer to them as `parameters.<name>`.
pub mod fields {
    /// The claim's name.
    pub const NAME: &str = "name";
    /// The owner (an entity reference, from the OwnerPicker).
    pub const OWNER: &str = "owner";
    /// The claim's namespace.
    pub const NAMESPACE: &str = "namespace";
    /// The Environment.
    pub const ENVIRONMENT: &str = "environment";
    /// The Infrastructure.
    pub const INFRASTRUCTURE: &str = "infrastructure";
    /// The size of the worker pool (or of the control plane, without workers).
    pub const SIZE: &str = "size";
    /// Worker replicas.
    pub const WORKER_REPLICAS: &str = "workerReplicas";
    /// Control-plane replicas.
    pub const CONTROL_PLANE_REPLICAS: &str = "controlPlaneReplicas";
    /// Add-ons.
    pub const ADDONS: &str = "addons";
    /// The Kubernetes version.
    pub const VERSION: &str = "kubernetesVersion";
    /// The fleet repository, when the template does not name it.
    pub const REPO_URL: &str = "repoUrl";
}

/// The form's pages.
pub fn parameters(environments: &[EnvironmentChoices], repo_host: Option<&str>) -> Value {
    let mut cluster_page = json!({
        "title": "Cluster",
        "required": [fields::NAME, fields::OWNER],
        "properties": {
            fields::NAME: {
                "title": "Name",
                "type": "string",
                "description": format!("The cluster's name: a lowercase DNS label of at most {MAX_NAME_LEN} characters, unique in the fleet."),
                "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
                "maxLength": MAX_NAME_LEN,
                "ui:autofocus": true,
            },
            fields::OWNER: {
                "title": "Owner",
                "type": "string",
                "description": "The team that owns the cluster (shown in the catalog).",
                "ui:field": "OwnerPicker",
                "ui:options": { "catalogFilter": { "kind": "Group" } },
            },
        },
    });
    if let Some(host) = repo_host {
        if let Some(required) = cluster_page["required"].as_array_mut() {
            required.push(json!(fields::REPO_URL));
        }
        cluster_page["properties"][fields::REPO_URL] = json!({
            "title": "Fleet repository",
            "type": "string",
            "description": "The repository holding the fleet directory; the claim arrives there as a pull request.",
            "ui:field": "RepoUrlPicker",
            "ui:options": { "allowedHosts": [host] },
        });
    }
    let placement_page = json!({
        "title": "Placement and size",
        "required": [fields::ENVIRONMENT],
        "properties": {
            fields::ENVIRONMENT: {
                "title": "Environment",
                "type": "string",
                "description": "The stage: its policy decides what else may be chosen.",
                "oneOf": environments.iter().map(|env| json!({
                    "const": env.name,
                    "title": format!("{} (Kubernetes {})", env.name, env.version),
                })).collect::<Vec<_>>(),
            },
        },
        "dependencies": {
            fields::ENVIRONMENT: {
                "oneOf": environments.iter().map(environment_branch).collect::<Vec<_>>(),
            },
        },
    });
    json!([cluster_page, placement_page])
}

fn environment_branch(env: &EnvironmentChoices) -> Value {
    let mut infrastructure_help = format!(
        "Where the cluster is built (those Environment `{}` allows).",
        env.name
    );
    for (infrastructure, reason) in &env.not_offered {
        infrastructure_help.push_str(&format!(
            " Not offered: `{infrastructure}`, where a new claim does not pass validation ({reason}); ask the platform team."
        ));
    }
    json!({
        "properties": {
            fields::ENVIRONMENT: { "const": env.name },
            fields::NAMESPACE: {
                "title": "Namespace",
                "type": "string",
                "description": format!("The team namespace the claim lives in (those Environment `{}` allows).", env.name),
                "enum": env.namespaces,
            },
            fields::INFRASTRUCTURE: {
                "title": "Infrastructure",
                "type": "string",
                "description": infrastructure_help,
                "enum": env.infrastructures.iter().map(|l| l.infrastructure.as_str()).collect::<Vec<_>>(),
            },
        },
        "required": [fields::NAMESPACE, fields::INFRASTRUCTURE],
        "dependencies": {
            fields::INFRASTRUCTURE: {
                "oneOf": env.infrastructures.iter().map(|leaf| leaf_branch(env, leaf)).collect::<Vec<_>>(),
            },
        },
    })
}

fn leaf_branch(env: &EnvironmentChoices, leaf: &Leaf) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    properties.insert(
        fields::INFRASTRUCTURE.to_owned(),
        json!({ "const": leaf.infrastructure }),
    );
    if !leaf.sizes.is_empty() {
        let what = if leaf.shape.workers {
            "worker machines"
        } else {
            "the control plane"
        };
        let mut size = json!({
            "title": "Size",
            "type": "string",
            "description": format!("Size of {what}, as Infrastructure `{}` defines them.", leaf.infrastructure),
            "enum": leaf.sizes,
        });
        if let Some(default) = &leaf.default_size {
            size["default"] = json!(default);
        }
        properties.insert(fields::SIZE.to_owned(), size);
        required.push(fields::SIZE);
    }
    if let Some(counts) = &leaf.worker_replicas {
        let mut replicas = json!({
            "title": "Worker replicas",
            "type": "integer",
            "default": counts.default(),
        });
        match counts {
            Counts::Range { min, max, step, .. } => {
                replicas["minimum"] = json!(min);
                replicas["maximum"] = json!(max);
                if *step > 1 {
                    replicas["multipleOf"] = json!(step);
                }
                replicas["description"] = json!(if *step > 1 {
                    format!("{min} to {max}, in steps of {step}.")
                } else {
                    format!("{min} to {max}.")
                });
            }
            Counts::List(values, _) => replicas["enum"] = json!(values),
        }
        properties.insert(fields::WORKER_REPLICAS.to_owned(), replicas);
        required.push(fields::WORKER_REPLICAS);
    }
    if !leaf.control_plane_replicas.is_empty() {
        let mut replicas = json!({
            "title": "Control-plane replicas",
            "type": "integer",
            "description": "Odd, for etcd quorum; 3 or more is highly available.",
            "enum": leaf.control_plane_replicas,
        });
        if let Some(default) = leaf.default_control_plane_replicas {
            replicas["default"] = json!(default);
        }
        properties.insert(fields::CONTROL_PLANE_REPLICAS.to_owned(), replicas);
        required.push(fields::CONTROL_PLANE_REPLICAS);
    }
    if !leaf.addons.is_empty() {
        properties.insert(
            fields::ADDONS.to_owned(),
            json!({
                "title": "Add-ons",
                "type": "array",
                "uniqueItems": true,
                "default": [],
                "items": {
                    "type": "string",
                    "enum": leaf.addons.iter().map(|a| addon_name(*a)).collect::<Vec<_>>(),
                },
                "ui:widget": "checkboxes",
            }),
        );
        required.push(fields::ADDONS);
    }
    if let Some(default) = leaf.versions.first() {
        properties.insert(
            fields::VERSION.to_owned(),
            json!({
                "title": "Kubernetes version",
                "type": "string",
                "description": format!("{} is the environment's: the cluster then follows its upgrades. Any other is pinned in the claim.", env.version),
                "enum": leaf.versions.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "default": default.to_string(),
            }),
        );
        required.push(fields::VERSION);
    }
    json!({ "properties": properties, "required": required })
}
