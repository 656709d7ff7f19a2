//! Argo CD registration: the declarative cluster Secret built from CAPI's kubeconfig, and the
//! kubeconfig hash that restarts the workloads reading it.
//!
//! Everything here is pure. The Secret is written by the apply stage with server-side apply only:
//! client-side apply would copy the whole object, credentials included, into the
//! `kubectl.kubernetes.io/last-applied-configuration` annotation. Credentials are held in types
//! whose `Debug` is redacted and appear nowhere but in the Secret body.

pub mod kubeconfig;

use std::collections::BTreeMap;
use std::fmt;

use drover_api::labels;
use drover_core::objects::meta::inventory_labels;
use drover_core::render::Manifest;
use drover_core::resolve::{ArgoCdRegistration, ResolvedCluster};
use k8s_openapi::ByteString;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub use kubeconfig::{Credentials, KubeconfigError};

/// Key of the kubeconfig in CAPI's `<cluster>-kubeconfig` Secret.
pub const KUBECONFIG_KEY: &str = "value";
/// Label that makes a Secret an Argo CD cluster.
pub const ARGOCD_SECRET_TYPE: &str = "argocd.argoproj.io/secret-type";
/// Pod-template annotation carrying [`KubeconfigSecret::hash`], so workloads that read the
/// kubeconfig only at start (the KCCM) restart when it rotates.
pub const KUBECONFIG_HASH_ANNOTATION: &str = "drover.dev/kubeconfig-hash";

/// Name of CAPI's kubeconfig Secret of `cluster`.
pub fn kubeconfig_secret_name(cluster: &str) -> String {
    format!("{cluster}-kubeconfig")
}

/// Name of the Argo CD cluster Secret of `cluster`.
pub fn argocd_secret_name(cluster: &str) -> String {
    format!("drover-{cluster}")
}

/// The content of CAPI's kubeconfig Secret (key `value`). `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct KubeconfigSecret(Vec<u8>);

impl fmt::Debug for KubeconfigSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KubeconfigSecret(<{} bytes redacted>)", self.0.len())
    }
}

impl KubeconfigSecret {
    /// Wraps the Secret's `value`.
    pub fn new(value: Vec<u8>) -> Self {
        Self(value)
    }

    /// First 16 hex digits of the SHA-256 of the content: changes when the kubeconfig rotates,
    /// reveals nothing about it.
    pub fn hash(&self) -> String {
        Sha256::digest(&self.0)
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The server and credentials in it.
    pub fn credentials(&self) -> Result<Credentials, KubeconfigError> {
        let text = std::str::from_utf8(&self.0).map_err(|_| KubeconfigError::Unreadable)?;
        kubeconfig::parse(text)
    }
}

/// The Argo CD cluster Secret of `cluster`: name `drover-<cluster>` in Argo CD's namespace,
/// labelled as an Argo CD cluster with the claim's labels and the inventory labels, data `name`,
/// `server` and `config` (base64 in `data`, so the live object compares equal to the desired one).
pub fn argocd_secret(
    cluster: &ResolvedCluster,
    registration: &ArgoCdRegistration,
    credentials: &Credentials,
) -> Manifest {
    let mut secret_labels: BTreeMap<String, String> = registration.labels.clone();
    secret_labels.extend(inventory_labels(cluster));
    secret_labels.insert(ARGOCD_SECRET_TYPE.to_owned(), "cluster".to_owned());
    let data = |text: &str| json!(ByteString(text.as_bytes().to_vec()));
    Manifest(json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": argocd_secret_name(&cluster.name),
            "namespace": registration.namespace,
            "labels": secret_labels,
        },
        "type": "Opaque",
        "data": {
            "name": data(&cluster.name),
            "server": data(&credentials.server),
            "config": data(&credentials.argocd_config()),
        },
    }))
}

/// Adds the kubeconfig hash to the pod template of every Deployment that mounts the cluster's
/// kubeconfig Secret (the KCCM), so a rotated kubeconfig rolls them.
pub fn annotate_kubeconfig_readers(objects: &mut [Manifest], cluster: &str, hash: &str) {
    let secret = kubeconfig_secret_name(cluster);
    for object in objects.iter_mut().filter(|o| o.kind() == "Deployment") {
        let Some(template) = object
            .0
            .pointer_mut("/spec/template")
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        let mounts_kubeconfig = template
            .get("spec")
            .and_then(|spec| spec["volumes"].as_array())
            .is_some_and(|volumes| {
                volumes
                    .iter()
                    .any(|v| v["secret"]["secretName"].as_str() == Some(secret.as_str()))
            });
        if !mounts_kubeconfig {
            continue;
        }
        let annotations =
            object_entry(template, "metadata").and_then(|m| object_entry(m, "annotations"));
        if let Some(annotations) = annotations {
            annotations.insert(KUBECONFIG_HASH_ANNOTATION.to_owned(), Value::from(hash));
        }
    }
}

/// The object under `key`, created empty when absent; `None` when `key` holds something else.
fn object_entry<'a>(
    map: &'a mut serde_json::Map<String, Value>,
    key: &str,
) -> Option<&'a mut serde_json::Map<String, Value>> {
    map.entry(key.to_owned())
        .or_insert_with(|| json!({}))
        .as_object_mut()
}

/// Whether `object` carries drover's managed-by label (guards deletions of Argo CD Secrets).
pub fn is_managed_by_drover(object: &Value) -> bool {
    object["metadata"]["labels"][labels::MANAGED_BY].as_str() == Some(labels::MANAGER)
}

#[cfg(test)]
mod tests {
    use super::*;
    use drover_core::fixtures;

    fn cluster() -> ResolvedCluster {
        fixtures::resolved(
            &fixtures::claim("team-a", "payments", "dev"),
            &fixtures::environment("dev", "v1.32.1"),
            &fixtures::kubevirt_infrastructure(),
        )
    }

    fn kubeconfig(key: &str) -> KubeconfigSecret {
        KubeconfigSecret::new(
            format!(
                "clusters:\n- name: p\n  cluster:\n    server: https://10.0.0.5:6443\n    certificate-authority-data: Q0E=\ncontexts:\n- name: p\n  context: {{cluster: p, user: a}}\ncurrent-context: p\nusers:\n- name: a\n  user:\n    client-certificate-data: Q0VSVA==\n    client-key-data: {key}\n"
            )
            .into_bytes(),
        )
    }

    fn decode(value: &Value) -> String {
        let bytes: ByteString = serde_json::from_value(value.clone()).unwrap_or(ByteString(vec![]));
        String::from_utf8(bytes.0).unwrap_or_default()
    }

    #[test]
    fn argocd_secret_has_labels_and_base64_data() {
        let cluster = cluster();
        let registration = cluster
            .argocd
            .clone()
            .unwrap_or_else(|| panic!("registration"));
        let credentials = kubeconfig("S0VZ")
            .credentials()
            .unwrap_or_else(|e| panic!("{e}"));
        let secret = argocd_secret(&cluster, &registration, &credentials).0;
        assert_eq!(secret["metadata"]["name"], "drover-payments");
        assert_eq!(secret["metadata"]["namespace"], "argocd");
        let labels = &secret["metadata"]["labels"];
        assert_eq!(labels[ARGOCD_SECRET_TYPE], "cluster");
        assert_eq!(labels[labels::MANAGED_BY], "drover");
        assert_eq!(labels[labels::CAPI_CLUSTER_NAME], "payments");
        assert_eq!(decode(&secret["data"]["name"]), "payments");
        assert_eq!(decode(&secret["data"]["server"]), "https://10.0.0.5:6443");
        let config: Value =
            serde_json::from_str(&decode(&secret["data"]["config"])).unwrap_or_default();
        assert_eq!(config["tlsClientConfig"]["keyData"], "S0VZ");
        assert_eq!(config["tlsClientConfig"]["caData"], "Q0E=");
        assert!(secret.get("stringData").is_none());
        assert!(
            secret["metadata"].get("annotations").is_none(),
            "no last-applied annotation"
        );
    }

    #[test]
    fn hash_changes_with_the_content_and_debug_is_redacted() {
        let (a, b) = (kubeconfig("S0VZ"), kubeconfig("T1RIRVI="));
        assert_ne!(a.hash(), b.hash());
        assert_eq!(a.hash(), kubeconfig("S0VZ").hash());
        assert_eq!(a.hash().len(), 16);
        assert!(!format!("{a:?}").contains("S0VZ"));
    }

    #[test]
    fn only_deployments_mounting_the_kubeconfig_get_the_hash() {
        let rendered = drover_core::render::render_cluster(&cluster());
        let mut objects = rendered.unwrap_or_else(|e| panic!("{e}")).objects;
        annotate_kubeconfig_readers(&mut objects, "payments", "abc");
        let annotated: Vec<String> = objects
            .iter()
            .filter(|o| {
                !o.0["spec"]["template"]["metadata"]["annotations"][KUBECONFIG_HASH_ANNOTATION]
                    .is_null()
            })
            .map(Manifest::describe)
            .collect();
        assert_eq!(annotated, ["Deployment/payments-kccm"]);
    }
}
