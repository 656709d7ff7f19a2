//! Metadata every rendered object carries: name, namespace and the inventory labels.

use std::collections::BTreeMap;

use drover_api::labels;
use serde_json::{Map, Value, json};

use crate::resolve::ResolvedCluster;

/// The inventory label set of a cluster: drover's ownership labels plus CAPI's cluster-name.
/// Pruning and deletion find a cluster's objects by exactly these labels.
pub fn inventory_labels(cluster: &ResolvedCluster) -> BTreeMap<String, String> {
    BTreeMap::from([
        (labels::MANAGED_BY.to_owned(), labels::MANAGER.to_owned()),
        (labels::CLUSTER.to_owned(), cluster.name.clone()),
        (labels::ENVIRONMENT.to_owned(), cluster.environment.clone()),
        (labels::CAPI_CLUSTER_NAME.to_owned(), cluster.name.clone()),
    ])
}

/// Builds `metadata` for an object of `cluster`.
pub struct MetaBuilder {
    name: String,
    namespace: Option<String>,
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
}

impl MetaBuilder {
    /// Metadata for an object named `name` in the cluster's namespace, with the inventory labels.
    pub fn namespaced(cluster: &ResolvedCluster, name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            namespace: Some(cluster.namespace.clone()),
            labels: inventory_labels(cluster),
            annotations: BTreeMap::new(),
        }
    }

    /// Metadata for a cluster-scoped object (the Namespace) with the inventory labels.
    pub fn cluster_scoped(cluster: &ResolvedCluster, name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            namespace: None,
            labels: inventory_labels(cluster),
            annotations: BTreeMap::new(),
        }
    }

    /// Adds a label.
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    /// Adds an annotation.
    pub fn annotation(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.annotations.insert(key.into(), value.into());
        self
    }

    /// The `metadata` object.
    pub fn build(self) -> Value {
        let mut meta = Map::new();
        meta.insert("name".to_owned(), json!(self.name));
        if let Some(namespace) = self.namespace {
            meta.insert("namespace".to_owned(), json!(namespace));
        }
        meta.insert("labels".to_owned(), json!(self.labels));
        if !self.annotations.is_empty() {
            meta.insert("annotations".to_owned(), json!(self.annotations));
        }
        Value::Object(meta)
    }
}

/// `{apiVersion, kind, metadata}` followed by `body`'s fields, in that order.
pub fn object(api_version: &str, kind: &str, metadata: MetaBuilder, body: Value) -> Value {
    let mut object = Map::new();
    object.insert("apiVersion".to_owned(), json!(api_version));
    object.insert("kind".to_owned(), json!(kind));
    object.insert("metadata".to_owned(), metadata.build());
    if let Value::Object(fields) = body {
        object.extend(fields);
    }
    Value::Object(object)
}
