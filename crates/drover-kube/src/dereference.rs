//! Dereference stage: reads everything a reconcile decides on, and writes nothing.
//!
//! From the watch caches ([`crate::cache`]), without a request:
//! - the claim's Environment and Infrastructure (cluster-scoped; absent is not an error, the
//!   validate stage reports it),
//! - the cluster's [`Inventory`] (every object with its inventory labels, which includes the CAPI
//!   `Cluster`, the control plane it references and the MachineDeployments).
//!
//! By name, remembered between reconciles ([`crate::cache::secrets`]; the controller may not
//! list or watch Secrets):
//! - CAPI's `<cluster>-kubeconfig` Secret (only its `value`, held redacted),
//! - the live Argo CD cluster Secret, to compare with the desired one.
//!
//! By a list, only while an upgrade runs (the claim's `status.upgrade`): the cluster's CAPI
//! Machines, whose health-check conditions tell whether machines were remediated during the
//! upgrade.

use std::fmt;
use std::time::Instant;

use drover_api::{Environment, Infrastructure, WorkloadCluster};
use drover_core::contract::status as contract;
use drover_core::naming;
use drover_core::resolve::DEFAULT_ARGOCD_NAMESPACE;
use drover_core::status;
use drover_core::upgrade::ObservedParts;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, DynamicObject};
use serde_json::Value;

use crate::cache::secrets::Freshness;
use crate::context::Context;
use crate::finalizer;
use crate::inventory::{Inventory, ObjectKey, list_all};
use crate::registration::{
    KUBECONFIG_KEY, KubeconfigSecret, argocd_secret_name, kubeconfig_secret_name,
};
use crate::resources::resource;

/// Why reading failed.
#[derive(Debug, thiserror::Error)]
pub enum DereferenceError {
    /// Reading the Environment failed (other than not found).
    #[error("reading Environment {name}: {source}")]
    Environment {
        /// Its name.
        name: String,
        /// The API error.
        #[source]
        source: kube::Error,
    },
    /// Reading the Infrastructure failed (other than not found).
    #[error("reading Infrastructure {name}: {source}")]
    Infrastructure {
        /// Its name.
        name: String,
        /// The API error.
        #[source]
        source: kube::Error,
    },
    /// Listing the cluster's Machines failed (other than the kind not being served).
    #[error("listing the Machines of cluster {cluster}: {source}")]
    Machines {
        /// The cluster.
        cluster: String,
        /// The API error.
        #[source]
        source: kube::Error,
    },
    /// Reading a Secret failed (other than not found).
    #[error("reading Secret {namespace}/{name}: {source}")]
    Secret {
        /// Its namespace.
        namespace: String,
        /// Its name.
        name: String,
        /// The API error.
        #[source]
        source: kube::Error,
    },
}

impl DereferenceError {
    /// The API error behind this one.
    pub fn kube_error(&self) -> Option<&kube::Error> {
        match self {
            DereferenceError::Environment { source, .. }
            | DereferenceError::Infrastructure { source, .. }
            | DereferenceError::Secret { source, .. }
            | DereferenceError::Machines { source, .. } => Some(source),
        }
    }
}

/// A live Secret (the Argo CD cluster Secret) as JSON; `Debug` is redacted.
#[derive(Clone, PartialEq)]
pub struct LiveSecret(pub Value);

impl fmt::Debug for LiveSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "LiveSecret({:?}, <redacted>)",
            self.0["metadata"]["name"]
        )
    }
}

/// What the reconcile observed.
#[derive(Debug, Default)]
pub struct Observed {
    /// The claim's name: the cluster's name.
    pub cluster_name: String,
    /// The claim's Environment, if it exists.
    pub environment: Option<Environment>,
    /// The claim's Infrastructure, if it exists.
    pub infrastructure: Option<Infrastructure>,
    /// The cluster's live objects.
    pub inventory: Inventory,
    /// CAPI's kubeconfig of the cluster, once written.
    pub kubeconfig: Option<KubeconfigSecret>,
    /// The live Argo CD cluster Secret, if any.
    pub argocd_secret: Option<LiveSecret>,
    /// The cluster's CAPI Machines, read only while an upgrade runs.
    pub machines: Vec<Value>,
}

impl Observed {
    /// The CAPI `Cluster`.
    pub fn capi_cluster(&self) -> Option<&Value> {
        let key = ObjectKey {
            kind: "Cluster".to_owned(),
            namespace: naming::cluster_namespace(&self.cluster_name),
            name: self.cluster_name.clone(),
        };
        self.inventory.get(&key).map(|live| &live.object)
    }

    /// The control-plane object the CAPI Cluster references (`spec.controlPlaneRef`).
    pub fn control_plane(&self) -> Option<&Value> {
        let reference = contract::control_plane_ref(self.capi_cluster()?)?;
        let key = ObjectKey {
            kind: reference.kind.to_owned(),
            namespace: naming::cluster_namespace(&self.cluster_name),
            name: reference.name.to_owned(),
        };
        self.inventory.get(&key).map(|live| &live.object)
    }

    /// The cluster's MachineDeployments.
    pub fn machine_deployments(&self) -> Vec<&Value> {
        self.inventory.of_kind("MachineDeployment").collect()
    }

    /// The cluster's worker pools: MachineDeployments and MachinePools.
    pub fn worker_pools(&self) -> Vec<&Value> {
        self.inventory
            .of_kind("MachineDeployment")
            .chain(self.inventory.of_kind("MachinePool"))
            .collect()
    }

    /// The cluster's MachineHealthChecks.
    pub fn machine_health_checks(&self) -> Vec<&Value> {
        self.inventory.of_kind("MachineHealthCheck").collect()
    }

    /// The versions of the control plane and worker pools, for the upgrade decision.
    pub fn parts(&self) -> ObservedParts {
        ObservedParts::from_objects(
            &self.cluster_name,
            self.control_plane(),
            &self.worker_pools(),
        )
    }

    /// The CAPI objects in the shape the pure status computation takes.
    pub fn for_status(&self) -> status::Observed<'_> {
        status::Observed {
            cluster: self.capi_cluster(),
            control_plane: self.control_plane(),
            machine_deployments: self.machine_deployments(),
            kubeconfig_exported: self.kubeconfig.is_some(),
        }
    }
}

/// Argo CD's namespace for `claim` (its `gitops.argocd.namespace`, default `argocd`).
pub fn argocd_namespace(claim: &WorkloadCluster) -> String {
    claim
        .spec
        .gitops
        .as_ref()
        .and_then(|g| g.argocd.as_ref())
        .and_then(|a| a.namespace.clone())
        .unwrap_or_else(|| DEFAULT_ARGOCD_NAMESPACE.to_owned())
}

/// Reads everything about `claim` (named `name`).
pub async fn dereference(
    ctx: &Context,
    claim: &WorkloadCluster,
    name: &str,
) -> Result<Observed, DereferenceError> {
    let caches = ctx.caches();
    let spec = &claim.spec;
    let inventory = caches.inventory().inventory(name);
    // A claim never created (no finalizer, nothing in the cache) has no kubeconfig yet (CAPI
    // writes it for an existing Cluster) and no Argo CD Secret (deletion removes it before the
    // finalizer): no need to ask.
    let never_created = inventory.is_empty() && !finalizer::has_finalizer(claim);
    let (kubeconfig, argocd_secret) = if never_created {
        (None, None)
    } else {
        // CAPI writes a kubeconfig only once the Cluster has its control-plane endpoint.
        let kubeconfig = if has_endpoint(name, &inventory) {
            let fingerprint = kubeconfig_fingerprint(name, &inventory);
            read_kubeconfig(ctx, name, &fingerprint).await?
        } else {
            None
        };
        let argocd_secret = read_argocd_secret(ctx, &argocd_namespace(claim), name).await?;
        (kubeconfig, argocd_secret)
    };
    let upgrading = claim.status.as_ref().is_some_and(|s| s.upgrade.is_some());
    let machines = if upgrading {
        read_machines(ctx, name).await?
    } else {
        Vec::new()
    };
    Ok(Observed {
        cluster_name: name.to_owned(),
        environment: caches.environment(&spec.environment),
        infrastructure: caches.infrastructure(&spec.infrastructure),
        inventory,
        kubeconfig,
        argocd_secret,
        machines,
    })
}

fn capi_cluster<'a>(name: &str, inventory: &'a Inventory) -> Option<&'a Value> {
    let key = ObjectKey {
        kind: "Cluster".to_owned(),
        namespace: naming::cluster_namespace(name),
        name: name.to_owned(),
    };
    inventory.get(&key).map(|live| &live.object)
}

/// Whether the CAPI Cluster has its control-plane endpoint (without one, no kubeconfig exists).
fn has_endpoint(name: &str, inventory: &Inventory) -> bool {
    capi_cluster(name, inventory).is_some_and(contract::has_endpoint)
}

/// What changes when CAPI first writes a cluster's kubeconfig or the cluster is replaced: the
/// CAPI Cluster's uid, control-plane endpoint and whether its control plane is initialized.
pub fn kubeconfig_fingerprint(name: &str, inventory: &Inventory) -> String {
    let Some(cluster) = capi_cluster(name, inventory) else {
        return String::new();
    };
    format!(
        "{}|{}|{}",
        cluster["metadata"]["uid"].as_str().unwrap_or_default(),
        cluster["spec"]["controlPlaneEndpoint"],
        cluster["status"]["initialization"]["controlPlaneInitialized"],
    )
}

/// CAPI's Machines of cluster `name` (label `cluster.x-k8s.io/cluster-name`), none when the
/// API server does not serve the kind.
pub async fn read_machines(ctx: &Context, name: &str) -> Result<Vec<Value>, DereferenceError> {
    let api: Api<DynamicObject> = Api::namespaced_with(
        ctx.client().clone(),
        &naming::cluster_namespace(name),
        &resource(MACHINE_API_VERSION, "Machine", "machines"),
    );
    let selector = format!("{}={name}", drover_api::labels::CAPI_CLUSTER_NAME);
    match list_all(&api, &selector, ctx.settings().list_page_size).await {
        Ok(machines) => Ok(machines
            .iter()
            .map(|m| serde_json::to_value(m).unwrap_or(Value::Null))
            .collect()),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(Vec::new()),
        Err(source) => Err(DereferenceError::Machines {
            cluster: name.to_owned(),
            source,
        }),
    }
}

/// apiVersion drover lists CAPI Machines at.
pub const MACHINE_API_VERSION: &str = "cluster.x-k8s.io/v1beta2";

/// A Secret by name, from [`crate::cache::SecretCache`] while its read is fresh for
/// `fingerprint`, else by a GET (remembered).
async fn read_secret(
    ctx: &Context,
    namespace: &str,
    name: &str,
    fingerprint: &str,
    freshness: Freshness,
) -> Result<Option<Value>, DereferenceError> {
    let secrets = ctx.caches().secrets();
    let now = Instant::now();
    if let Some(remembered) = secrets.lookup(namespace, name, fingerprint, freshness, now) {
        return Ok(remembered);
    }
    let api: Api<DynamicObject> = Api::namespaced_with(
        ctx.client().clone(),
        namespace,
        &resource("v1", "Secret", "secrets"),
    );
    let secret = api
        .get_opt(name)
        .await
        .map_err(|source| DereferenceError::Secret {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            source,
        })?
        .map(|s| {
            let mut value = serde_json::to_value(&s).unwrap_or(Value::Null);
            if let Value::Object(map) = &mut value {
                map.insert("apiVersion".to_owned(), Value::from("v1"));
                map.insert("kind".to_owned(), Value::from("Secret"));
            }
            value
        });
    secrets.remember(namespace, name, fingerprint, secret.clone(), now);
    Ok(secret)
}

/// CAPI's kubeconfig of cluster `name`, if written (see [`kubeconfig_fingerprint`]).
pub async fn read_kubeconfig(
    ctx: &Context,
    name: &str,
    fingerprint: &str,
) -> Result<Option<KubeconfigSecret>, DereferenceError> {
    let namespace = naming::cluster_namespace(name);
    let settings = ctx.settings();
    let freshness = Freshness {
        present: settings.secret_refresh,
        absent: settings.missing_secret_refresh,
    };
    let secret_name = kubeconfig_secret_name(name);
    let secret = read_secret(ctx, &namespace, &secret_name, fingerprint, freshness).await?;
    Ok(secret
        .and_then(|s| serde_json::from_value::<Secret>(s).ok())
        .and_then(|s| s.data)
        .and_then(|mut data| data.remove(KUBECONFIG_KEY))
        .map(|value| KubeconfigSecret::new(value.0)))
}

/// The live Argo CD cluster Secret of cluster `name` in `namespace`, if any.
pub async fn read_argocd_secret(
    ctx: &Context,
    namespace: &str,
    name: &str,
) -> Result<Option<LiveSecret>, DereferenceError> {
    if !naming::is_dns_label(namespace) {
        return Ok(None);
    }
    // Only drover writes it (and remembers its writes): its absence is as trustworthy as a read.
    let refresh = ctx.settings().secret_refresh;
    let freshness = Freshness {
        present: refresh,
        absent: refresh,
    };
    let secret = read_secret(ctx, namespace, &argocd_secret_name(name), "", freshness).await?;
    Ok(secret.map(LiveSecret))
}
