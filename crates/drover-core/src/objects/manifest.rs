//! A rendered Kubernetes object and the few accessors the engine and writers need.

use serde_json::Value;

/// One rendered object, as JSON in the exact field order it is written out.
#[derive(Clone, Debug, PartialEq)]
pub struct Manifest(pub Value);

impl Manifest {
    /// `apiVersion`.
    pub fn api_version(&self) -> &str {
        self.0["apiVersion"].as_str().unwrap_or_default()
    }

    /// `kind`.
    pub fn kind(&self) -> &str {
        self.0["kind"].as_str().unwrap_or_default()
    }

    /// `metadata.name`.
    pub fn name(&self) -> &str {
        self.0["metadata"]["name"].as_str().unwrap_or_default()
    }

    /// `metadata.namespace`, empty for cluster-scoped objects.
    pub fn namespace(&self) -> &str {
        self.0["metadata"]["namespace"].as_str().unwrap_or_default()
    }

    /// The API group (`""` for the core group).
    pub fn group(&self) -> &str {
        self.api_version()
            .rsplit_once('/')
            .map(|(group, _)| group)
            .unwrap_or_default()
    }

    /// `Kind/name` for messages and file names.
    pub fn describe(&self) -> String {
        format!("{}/{}", self.kind(), self.name())
    }
}

/// A reference to an object by API group, kind and name, as CAPI v1beta2 references are written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypedRef {
    /// API group (`infrastructure.cluster.x-k8s.io`).
    pub api_group: String,
    /// Kind.
    pub kind: String,
    /// Name.
    pub name: String,
}

impl TypedRef {
    /// The reference to a rendered object.
    pub fn to(manifest: &Manifest) -> Self {
        Self {
            api_group: manifest.group().to_owned(),
            kind: manifest.kind().to_owned(),
            name: manifest.name().to_owned(),
        }
    }

    /// The reference to an object still being assembled (as built by [`crate::objects::meta::object`]).
    pub fn of(object: &Value) -> Self {
        let api_version = object["apiVersion"].as_str().unwrap_or_default();
        Self {
            api_group: api_version
                .rsplit_once('/')
                .map(|(group, _)| group)
                .unwrap_or_default()
                .to_owned(),
            kind: object["kind"].as_str().unwrap_or_default().to_owned(),
            name: object["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        }
    }

    /// As JSON (`{apiGroup, kind, name}`).
    pub fn to_json(&self) -> Value {
        serde_json::json!({ "apiGroup": self.api_group, "kind": self.kind, "name": self.name })
    }
}
