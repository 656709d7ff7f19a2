//! The live objects of one cluster: everything of a kind drover renders that carries the
//! cluster's inventory labels.
//!
//! In the controller the inventory comes from the watch cache ([`crate::cache::InventoryIndex`])
//! and serves three stages: apply compares desired objects with their live versions from it, prune
//! deletes what it holds beyond the desired set, and status reads the CAPI objects from it.
//! Outside the controller (`drover plan --kubeconfig`) [`read_with_client`] lists it kind by kind
//! with label selectors and pagination; kinds the API server does not serve are skipped.

use std::collections::BTreeMap;

use drover_api::labels;
use drover_core::naming;
use drover_core::render::Manifest;
use kube::Client;
use kube::api::{Api, DynamicObject, ListParams};
use serde_json::Value;

use crate::resources::{KindInfo, KindResource as _, inventory_kinds};

/// Identifies an object of a cluster: kind, namespace (empty when cluster-scoped) and name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey {
    /// Kind.
    pub kind: String,
    /// Namespace, empty for cluster-scoped objects.
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl ObjectKey {
    /// The key of a rendered object.
    pub fn of(manifest: &Manifest) -> Self {
        Self {
            kind: manifest.kind().to_owned(),
            namespace: manifest.namespace().to_owned(),
            name: manifest.name().to_owned(),
        }
    }
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{} {}", self.kind, self.name)
        } else {
            write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// One live object and where it lives in the API.
#[derive(Clone, Debug)]
pub struct LiveObject {
    /// The kind's table entry.
    pub info: &'static KindInfo,
    /// The object as the API server returned it.
    pub object: Value,
}

/// The live objects of one cluster, by key.
#[derive(Clone, Debug, Default)]
pub struct Inventory {
    objects: BTreeMap<ObjectKey, LiveObject>,
}

impl Inventory {
    /// An inventory of the given objects (tests and callers that listed themselves).
    pub fn from_objects(objects: impl IntoIterator<Item = (ObjectKey, LiveObject)>) -> Self {
        Self {
            objects: objects.into_iter().collect(),
        }
    }

    /// The live object with `key`.
    pub fn get(&self, key: &ObjectKey) -> Option<&LiveObject> {
        self.objects.get(key)
    }

    /// Every object, by key.
    pub fn iter(&self) -> impl Iterator<Item = (&ObjectKey, &LiveObject)> {
        self.objects.iter()
    }

    /// The objects of `kind`.
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.objects
            .iter()
            .filter(move |(k, _)| k.kind == kind)
            .map(|(_, live)| &live.object)
    }

    /// Whether nothing of the cluster exists.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// Number of objects.
    pub fn len(&self) -> usize {
        self.objects.len()
    }
}

/// The label selector of a cluster's inventory.
pub fn selector(cluster: &str) -> String {
    format!(
        "{}={},{}={cluster}",
        labels::MANAGED_BY,
        labels::MANAGER,
        labels::CLUSTER
    )
}

/// Listing one kind failed.
#[derive(Debug, thiserror::Error)]
#[error("listing {kind} objects of cluster {cluster}: {source}")]
pub struct InventoryError {
    /// The kind.
    pub kind: &'static str,
    /// The cluster.
    pub cluster: String,
    /// The API error.
    #[source]
    pub source: kube::Error,
}

/// Lists every object of cluster `cluster` with `client`, outside the controller (`drover plan
/// --kubeconfig`): every kind is asked, those not served are skipped.
pub async fn read_with_client(
    client: &Client,
    cluster: &str,
    page_size: u32,
) -> Result<Inventory, InventoryError> {
    list_kinds(client, cluster, page_size).await
}

async fn list_kinds(
    client: &Client,
    cluster: &str,
    page_size: u32,
) -> Result<Inventory, InventoryError> {
    let namespace = naming::cluster_namespace(cluster);
    let selector = selector(cluster);
    let mut inventory = Inventory::default();
    for info in inventory_kinds() {
        let resource = info.api_resource();
        let api: Api<DynamicObject> = if info.namespaced {
            Api::namespaced_with(client.clone(), &namespace, &resource)
        } else {
            Api::all_with(client.clone(), &resource)
        };
        let objects = match list_all(&api, &selector, page_size).await {
            Ok(objects) => objects,
            Err(kube::Error::Api(status)) if status.code == 404 => continue,
            Err(source) => {
                return Err(InventoryError {
                    kind: info.kind,
                    cluster: cluster.to_owned(),
                    source,
                });
            }
        };
        for object in objects {
            let key = ObjectKey {
                kind: info.kind.to_owned(),
                namespace: object.metadata.namespace.clone().unwrap_or_default(),
                name: object.metadata.name.clone().unwrap_or_default(),
            };
            let mut object = serde_json::to_value(&object).unwrap_or(Value::Null);
            // List items of built-in kinds come without apiVersion and kind.
            if let Value::Object(map) = &mut object {
                map.insert("apiVersion".to_owned(), Value::from(info.api_version));
                map.insert("kind".to_owned(), Value::from(info.kind));
            }
            inventory.objects.insert(key, LiveObject { info, object });
        }
    }
    Ok(inventory)
}

/// Lists all objects matching `selector`, page by page.
pub(crate) async fn list_all(
    api: &Api<DynamicObject>,
    selector: &str,
    page_size: u32,
) -> Result<Vec<DynamicObject>, kube::Error> {
    let mut params = ListParams::default().labels(selector).limit(page_size);
    let mut objects = Vec::new();
    loop {
        let page = api.list(&params).await?;
        objects.extend(page.items);
        match page.metadata.continue_.filter(|token| !token.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => return Ok(objects),
        }
    }
}
