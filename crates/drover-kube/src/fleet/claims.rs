//! WorkloadClusters and Environments: listing them (label selectors, pagination) and finding
//! one claim by name. A claim's name is unique in the fleet (its CAPI objects live in the
//! namespace `<name>-cluster`), so a name alone finds it; `-n` narrows or disambiguates.

use drover_api::{Environment, WorkloadCluster};
use kube::{Api, Client};

use super::{FleetError, Scope, list_all};

const CLAIMS: &str = "workloadclusters.drover.dev";
const ENVIRONMENTS: &str = "environments.drover.dev";

fn claims_api(client: &Client, scope: &Scope) -> Api<WorkloadCluster> {
    match scope {
        Scope::All => Api::all(client.clone()),
        Scope::Namespace(namespace) => Api::namespaced(client.clone(), namespace),
    }
}

/// The claims in `scope` matching the label `selector` (all when `None`), in the order the API
/// server lists them.
pub async fn list_claims(
    client: &Client,
    scope: &Scope,
    selector: Option<&str>,
    page_size: u32,
) -> Result<Vec<WorkloadCluster>, FleetError> {
    list_all(&claims_api(client, scope), selector, None, page_size)
        .await
        .map_err(|e| FleetError::from_kube(format!("list WorkloadClusters {scope}"), CLAIMS, e))
}

/// Every Environment.
pub async fn list_environments(
    client: &Client,
    page_size: u32,
) -> Result<Vec<Environment>, FleetError> {
    list_all(
        &Api::<Environment>::all(client.clone()),
        None,
        None,
        page_size,
    )
    .await
    .map_err(|e| FleetError::from_kube("list Environments", ENVIRONMENTS, e))
}

/// The Environment `name`; `None` when it does not exist.
pub async fn get_environment(
    client: &Client,
    name: &str,
) -> Result<Option<Environment>, FleetError> {
    Api::<Environment>::all(client.clone())
        .get_opt(name)
        .await
        .map_err(|e| FleetError::from_kube(format!("get Environment {name}"), ENVIRONMENTS, e))
}

/// The claim named `name`: in `namespace` when given, else wherever it is (a field-selected
/// list across namespaces). Errors when there is none, or several and no namespace was given.
pub async fn find_claim(
    client: &Client,
    name: &str,
    namespace: Option<&str>,
) -> Result<WorkloadCluster, FleetError> {
    if let Some(namespace) = namespace {
        let scope = Scope::Namespace(namespace.to_owned());
        return claims_api(client, &scope)
            .get_opt(name)
            .await
            .map_err(|e| {
                FleetError::from_kube(format!("get WorkloadCluster {namespace}/{name}"), CLAIMS, e)
            })?
            .ok_or_else(|| FleetError::ClaimNotFound {
                name: name.to_owned(),
                scope,
            });
    }
    let field = format!("metadata.name={name}");
    let found = list_all(&claims_api(client, &Scope::All), None, Some(&field), 50)
        .await
        .map_err(|e| {
            match FleetError::from_kube(
                format!("list WorkloadClusters named {name} in all namespaces"),
                CLAIMS,
                e,
            ) {
                FleetError::Forbidden { action, message } => FleetError::Forbidden {
                    action,
                    message: format!("{message}; name the namespace with -n"),
                },
                other => other,
            }
        })?;
    // The field selector already did this on a real API server.
    let mut found: Vec<WorkloadCluster> = found
        .into_iter()
        .filter(|c| c.metadata.name.as_deref() == Some(name))
        .collect();
    match found.len() {
        0 => Err(FleetError::ClaimNotFound {
            name: name.to_owned(),
            scope: Scope::All,
        }),
        1 => Ok(found.remove(0)),
        _ => {
            let mut namespaces: Vec<String> = found
                .iter()
                .filter_map(|c| c.metadata.namespace.clone())
                .collect();
            namespaces.sort();
            Err(FleetError::Ambiguous {
                name: name.to_owned(),
                namespaces,
            })
        }
    }
}
