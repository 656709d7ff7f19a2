//! The CRDs generated from the API types, and their `drover crds` output forms.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::CustomResourceExt;
use serde_json::{Value, json};

use crate::{Environment, Infrastructure, WorkloadCluster};

/// The CRDs of all drover kinds, in a stable order (Infrastructure, Environment, WorkloadCluster).
pub fn crds() -> Vec<CustomResourceDefinition> {
    vec![
        Infrastructure::crd(),
        Environment::crd(),
        WorkloadCluster::crd(),
    ]
}

/// The CRDs as JSON values, in the order of [`crds`].
pub fn crd_values() -> Vec<Value> {
    crds()
        .iter()
        .map(|crd| {
            // k8s-openapi types always serialize (string keys, finite numbers), as `crd()` relies on too.
            serde_json::to_value(crd).expect("a CustomResourceDefinition serializes to JSON")
        })
        .collect()
}

/// All CRDs as one multi-document YAML stream (`---` between documents), for `kubectl apply -f -`.
///
/// Deterministic: the same build always writes byte-identical text.
pub fn crds_yaml() -> String {
    drover_yaml::to_yaml_documents(&crd_values())
}

/// All CRDs as a pretty-printed JSON `v1` `List` (`{"apiVersion":"v1","kind":"List","items":[...]}`),
/// ending in a newline.
pub fn crds_json() -> String {
    let list = json!({
        "apiVersion": "v1",
        "kind": "List",
        "items": crd_values(),
    });
    format!("{list:#}\n")
}
