//! What `describe cluster` reads beyond the claim: the CAPI Cluster in `<name>-cluster`, the
//! infrastructure and control-plane objects it references, the cluster's MachineDeployments,
//! MachinePools and Machines (by CAPI's cluster-name label), whether the Argo CD cluster Secret
//! exists (a metadata-only GET: the credentials in it are never transferred), the Environment
//! and the claims of the fleet (for the environment's counts).
//!
//! Parts RBAC does not let the caller read are left out and named in the warnings; kinds the API
//! server does not serve (MachinePools without the feature, a provider not installed) are left
//! out silently, except the CAPI Cluster itself. Other errors fail the description.

use drover_api::labels::CAPI_CLUSTER_NAME;
use drover_api::{Environment, WorkloadCluster};
use drover_core::fleetview::{ClusterObjects, DescribeInput, RegistrationState, argocd_namespace};
use drover_core::naming::cluster_namespace;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, ApiResource, DynamicObject};
use kube::core::GroupVersionKind;
use kube::{Client, discovery};
use serde_json::Value;

use super::claims::{get_environment, list_claims};
use super::{FleetError, Scope, is_unserved, list_all};
use crate::registration::{ARGOCD_SECRET_TYPE, argocd_secret_name};
use crate::resources::{KindResource as _, kind_info, resource};

/// Everything `describe` needs besides the claim.
#[derive(Clone, Debug)]
pub struct ClusterDetails {
    /// The claim's Environment, when it exists and could be read.
    pub environment: Option<Environment>,
    /// The claims of the fleet (only the described one when they could not be listed).
    pub fleet: Vec<WorkloadCluster>,
    /// The CAPI objects.
    pub objects: ClusterObjects,
    /// The Argo CD Secret's state.
    pub registration: RegistrationState,
    /// What could not be read.
    pub warnings: Vec<String>,
}

impl ClusterDetails {
    /// The input of [`drover_core::fleetview::describe()`] for `claim`.
    pub fn input<'a>(&'a self, claim: &'a WorkloadCluster) -> DescribeInput<'a> {
        DescribeInput {
            claim,
            environment: self.environment.as_ref(),
            fleet: &self.fleet,
            objects: &self.objects,
            registration: &self.registration,
            warnings: &self.warnings,
        }
    }
}

/// The `Machine` resource (CAPI core; drover does not render Machines, so it is not in the
/// resource table).
pub fn machine_resource() -> ApiResource {
    resource("cluster.x-k8s.io/v1beta2", "Machine", "machines")
}

/// Reads everything `describe` shows about `claim`.
pub async fn cluster_details(
    client: &Client,
    claim: &WorkloadCluster,
    page_size: u32,
) -> Result<ClusterDetails, FleetError> {
    let name = claim.metadata.name.clone().unwrap_or_default();
    let namespace = cluster_namespace(&name);
    let mut reader = Reader {
        client,
        warnings: Vec::new(),
    };

    let environment = match get_environment(client, &claim.spec.environment).await {
        Ok(Some(environment)) => Some(environment),
        Ok(None) => {
            reader.warnings.push(format!(
                "Environment {} does not exist",
                claim.spec.environment
            ));
            None
        }
        Err(error) if error.is_forbidden() => {
            reader.warnings.push(error.to_string());
            None
        }
        Err(error) => return Err(error),
    };
    let fleet = match list_claims(client, &Scope::All, None, page_size).await {
        Ok(claims) => claims,
        Err(error) if error.is_forbidden() => {
            reader.warnings.push(format!(
                "{error}; the environment's cluster counts include only this claim"
            ));
            vec![claim.clone()]
        }
        Err(error) => return Err(error),
    };

    let mut objects = ClusterObjects::default();
    if let Some(info) = kind_info("Cluster") {
        objects.cluster = reader
            .get(&info.api_resource(), &namespace, &name, true)
            .await?;
    }
    if let Some(cluster) = objects.cluster.clone() {
        objects.infrastructure = reader
            .referenced(&cluster["spec"]["infrastructureRef"], &namespace)
            .await?;
        objects.control_plane = reader
            .referenced(&cluster["spec"]["controlPlaneRef"], &namespace)
            .await?;
    }
    let selector = format!("{CAPI_CLUSTER_NAME}={name}");
    for (kind, into) in [
        ("MachineDeployment", &mut objects.machine_deployments),
        ("MachinePool", &mut objects.machine_pools),
    ] {
        if let Some(info) = kind_info(kind) {
            *into = reader
                .list(&info.api_resource(), &namespace, &selector, page_size)
                .await?;
        }
    }
    objects.machines = reader
        .list(&machine_resource(), &namespace, &selector, page_size)
        .await?;

    let registration = registration(client, claim, &name).await?;
    Ok(ClusterDetails {
        environment,
        fleet,
        objects,
        registration,
        warnings: reader.warnings,
    })
}

/// The Argo CD cluster Secret's state, from its metadata alone.
async fn registration(
    client: &Client,
    claim: &WorkloadCluster,
    cluster: &str,
) -> Result<RegistrationState, FleetError> {
    let Some(namespace) = argocd_namespace(claim) else {
        return Ok(RegistrationState::Disabled);
    };
    let name = argocd_secret_name(cluster);
    let api: Api<Secret> = Api::namespaced(client.clone(), &namespace);
    Ok(match api.get_metadata_opt(&name).await {
        Ok(Some(secret)) => {
            let labels = secret.metadata.labels.unwrap_or_default();
            if labels.get(ARGOCD_SECRET_TYPE).map(String::as_str) == Some("cluster") {
                RegistrationState::Registered {
                    namespace,
                    name,
                    created: secret.metadata.creation_timestamp.map(|t| t.0.to_string()),
                }
            } else {
                RegistrationState::Unknown {
                    namespace,
                    name,
                    reason: format!("exists but is not labelled {ARGOCD_SECRET_TYPE}=cluster"),
                }
            }
        }
        Ok(None) => RegistrationState::Missing { namespace, name },
        // kube's `get_opt` takes only a `NotFound` Status for absence; a bare 404 is one too.
        Err(kube::Error::Api(status)) if status.code == 404 => {
            RegistrationState::Missing { namespace, name }
        }
        Err(kube::Error::Api(status)) if status.is_forbidden() => RegistrationState::Unknown {
            namespace,
            name,
            reason: "not allowed to get Secrets there".to_owned(),
        },
        Err(error) => {
            return Err(FleetError::Api {
                action: format!("get the metadata of Secret {namespace}/{name}"),
                error,
            });
        }
    })
}

/// Reads CAPI objects, turning refusals into warnings.
struct Reader<'a> {
    client: &'a Client,
    warnings: Vec<String>,
}

/// The object as JSON, with the apiVersion and kind that list items of built-in kinds lack.
fn to_value(object: &DynamicObject, resource: &ApiResource) -> Value {
    let mut value = serde_json::to_value(object).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.insert(
            "apiVersion".to_owned(),
            Value::from(resource.api_version.clone()),
        );
        map.insert("kind".to_owned(), Value::from(resource.kind.clone()));
    }
    value
}

impl Reader<'_> {
    /// The object, `None` when absent, refused (warned) or not served (warned when `required`).
    async fn get(
        &mut self,
        resource: &ApiResource,
        namespace: &str,
        name: &str,
        required: bool,
    ) -> Result<Option<Value>, FleetError> {
        let api: Api<DynamicObject> =
            Api::namespaced_with(self.client.clone(), namespace, resource);
        match api.get_opt(name).await {
            Ok(object) => Ok(object.map(|o| to_value(&o, resource))),
            Err(error) => {
                self.tolerate(
                    format!("get {} {namespace}/{name}", resource.kind),
                    resource,
                    error,
                    required,
                )?;
                Ok(None)
            }
        }
    }

    /// The objects matching `selector`, empty when refused (warned) or not served.
    async fn list(
        &mut self,
        resource: &ApiResource,
        namespace: &str,
        selector: &str,
        page_size: u32,
    ) -> Result<Vec<Value>, FleetError> {
        let api: Api<DynamicObject> =
            Api::namespaced_with(self.client.clone(), namespace, resource);
        match list_all(&api, Some(selector), None, page_size).await {
            Ok(objects) => Ok(objects.iter().map(|o| to_value(o, resource)).collect()),
            Err(error) => {
                self.tolerate(
                    format!("list {}s in {namespace}", resource.kind),
                    resource,
                    error,
                    false,
                )?;
                Ok(Vec::new())
            }
        }
    }

    /// The object a CAPI reference (`{apiGroup, kind, name}`, or v1beta1's
    /// `{apiVersion, kind, name}`) points at, in `namespace`.
    async fn referenced(
        &mut self,
        reference: &Value,
        namespace: &str,
    ) -> Result<Option<Value>, FleetError> {
        let (Some(kind), Some(name)) = (reference["kind"].as_str(), reference["name"].as_str())
        else {
            return Ok(None);
        };
        let resource = if let Some(api_version) = reference["apiVersion"].as_str() {
            let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
            match kind_info(kind).filter(|info| info.api_version == api_version) {
                Some(info) => info.api_resource(),
                None => ApiResource::from_gvk(&GroupVersionKind::gvk(group, version, kind)),
            }
        } else {
            let group = reference["apiGroup"].as_str().unwrap_or_default();
            let known = kind_info(kind)
                .filter(|info| info.api_version.rsplit_once('/').map(|(g, _)| g) == Some(group));
            match known {
                Some(info) => info.api_resource(),
                None => match self.discover(group, kind).await? {
                    Some(resource) => resource,
                    None => return Ok(None),
                },
            }
        };
        self.get(&resource, namespace, name, false).await
    }

    /// The preferred version of `group`'s `kind`, by API discovery.
    async fn discover(
        &mut self,
        group: &str,
        kind: &str,
    ) -> Result<Option<ApiResource>, FleetError> {
        match discovery::group(self.client, group).await {
            Ok(api_group) => Ok(api_group
                .recommended_kind(kind)
                .map(|(resource, _)| resource)),
            Err(error) => {
                let resource = ApiResource::from_gvk(&GroupVersionKind::gvk(group, "", kind));
                self.tolerate(
                    format!("discover the API of {kind}.{group}"),
                    &resource,
                    error,
                    false,
                )?;
                Ok(None)
            }
        }
    }

    /// `Ok` (after noting a warning) for refusals and unserved kinds; the error otherwise.
    fn tolerate(
        &mut self,
        action: String,
        resource: &ApiResource,
        error: kube::Error,
        required: bool,
    ) -> Result<(), FleetError> {
        let plural = if resource.group.is_empty() {
            resource.plural.clone()
        } else {
            format!("{}.{}", resource.plural, resource.group)
        };
        match error {
            kube::Error::Api(status) if status.is_forbidden() => {
                self.warnings
                    .push(format!("not allowed to {action} ({})", status.message));
                Ok(())
            }
            kube::Error::Api(status) if is_unserved(&status) => {
                if required {
                    self.warnings.push(format!(
                        "the API server does not serve {plural}: is Cluster API installed?"
                    ));
                }
                Ok(())
            }
            error => Err(FleetError::Api { action, error }),
        }
    }
}
