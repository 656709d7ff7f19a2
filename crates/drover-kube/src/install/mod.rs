//! The manifests that install the controller in a management cluster (`drover install`): the
//! CRDs, the namespace, the service account and its least-privilege RBAC ([`rbac`]), the
//! Deployment and the metrics Service ([`workload`]).
//!
//! Pure: builds JSON values, reads and writes nothing.

pub mod rbac;
pub mod workload;

use drover_core::naming::is_dns_label;
use serde_json::{Value, json};

use crate::runtime::CONTROLLER_NAME;

/// Name of the controller's ServiceAccount, ClusterRole, Roles, bindings, Deployment and Service.
pub const NAME: &str = "drover";
/// Default namespace of the controller.
pub const DEFAULT_NAMESPACE: &str = "drover-system";
/// Default Argo CD namespace (where cluster registration Secrets are written).
pub const DEFAULT_ARGOCD_NAMESPACE: &str = "argocd";
/// Port of `/metrics`, `/healthz` and `/readyz`.
pub const METRICS_PORT: u16 = 8080;

/// The default image: `ghcr.io/drover-dev/drover:<this version>`.
pub fn default_image() -> String {
    format!("ghcr.io/drover-dev/drover:{}", env!("CARGO_PKG_VERSION"))
}

/// What to install.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstallOptions {
    /// The controller's namespace (created).
    pub namespace: String,
    /// The controller's image.
    pub image: String,
    /// Namespaces where drover may write Argo CD cluster Secrets (they must exist).
    pub argocd_namespaces: Vec<String>,
    /// Replicas of the controller; more than one stand by for the leader (leader election).
    pub replicas: i32,
    /// Name of the leader-election Lease.
    pub lease_name: String,
}

impl Default for InstallOptions {
    fn default() -> Self {
        Self {
            namespace: DEFAULT_NAMESPACE.to_owned(),
            image: default_image(),
            argocd_namespaces: vec![DEFAULT_ARGOCD_NAMESPACE.to_owned()],
            replicas: 2,
            lease_name: CONTROLLER_NAME.to_owned(),
        }
    }
}

/// Options that cannot make valid manifests.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstallError {
    /// A namespace that is not a DNS label.
    #[error(
        "{flag} `{value}` is not a valid namespace name (lowercase letters, digits and `-`, at most 63)"
    )]
    Namespace {
        /// The flag.
        flag: &'static str,
        /// The value.
        value: String,
    },
    /// An empty image or one with whitespace.
    #[error("--image `{0}` is not an image reference")]
    Image(String),
    /// Fewer than one replica.
    #[error("--replicas must be at least 1, got {0}")]
    Replicas(i32),
    /// No Argo CD namespace.
    #[error("at least one --argocd-namespace is needed")]
    NoArgoCdNamespace,
    /// An invalid Lease name.
    #[error("--leader-election-lease-name `{0}` is not a valid name")]
    LeaseName(String),
}

impl InstallOptions {
    /// Checks the options.
    pub fn validate(&self) -> Result<(), InstallError> {
        if !is_dns_label(&self.namespace) {
            return Err(InstallError::Namespace {
                flag: "--namespace",
                value: self.namespace.clone(),
            });
        }
        if self.argocd_namespaces.is_empty() {
            return Err(InstallError::NoArgoCdNamespace);
        }
        if let Some(bad) = self.argocd_namespaces.iter().find(|n| !is_dns_label(n)) {
            return Err(InstallError::Namespace {
                flag: "--argocd-namespace",
                value: bad.clone(),
            });
        }
        if self.image.is_empty() || self.image.chars().any(char::is_whitespace) {
            return Err(InstallError::Image(self.image.clone()));
        }
        if self.replicas < 1 {
            return Err(InstallError::Replicas(self.replicas));
        }
        if !is_dns_label(&self.lease_name) {
            return Err(InstallError::LeaseName(self.lease_name.clone()));
        }
        Ok(())
    }
}

/// Every object to apply, in apply order: CRDs, Namespace, ServiceAccount, ClusterRole and
/// binding, the Lease Role and binding, a Role and binding per Argo CD namespace, Service,
/// Deployment.
pub fn manifests(options: &InstallOptions) -> Result<Vec<Value>, InstallError> {
    options.validate()?;
    let mut objects = drover_api::crd_values();
    objects.push(workload::namespace(&options.namespace));
    objects.push(workload::service_account(&options.namespace));
    objects.push(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": { "name": NAME, "labels": workload::labels() },
        "rules": rbac::cluster_rules(),
    }));
    objects.push(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": { "name": NAME, "labels": workload::labels() },
        "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": NAME },
        "subjects": [workload::subject(&options.namespace)],
    }));
    let leader_role = format!("{NAME}-leader-election");
    objects.extend(role_and_binding(
        &options.namespace,
        &leader_role,
        &options.namespace,
        rbac::lease_rules(&options.lease_name),
    ));
    for argocd in &options.argocd_namespaces {
        objects.extend(role_and_binding(
            argocd,
            &format!("{NAME}-argocd-clusters"),
            &options.namespace,
            rbac::argocd_rules(),
        ));
    }
    objects.push(workload::service(&options.namespace));
    objects.push(workload::deployment(options));
    Ok(objects)
}

fn role_and_binding(
    namespace: &str,
    name: &str,
    subject_namespace: &str,
    rules: Vec<k8s_openapi::api::rbac::v1::PolicyRule>,
) -> [Value; 2] {
    let metadata = json!({ "name": name, "namespace": namespace, "labels": workload::labels() });
    [
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": metadata,
            "rules": rules,
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": metadata,
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name },
            "subjects": [workload::subject(subject_namespace)],
        }),
    ]
}

/// The manifests as one multi-document YAML stream, for `kubectl apply -f -`.
pub fn manifests_yaml(options: &InstallOptions) -> Result<String, InstallError> {
    Ok(drover_yaml::to_yaml_documents(&manifests(options)?))
}

/// The manifests as the files of a folder (numbered files in apply order and a
/// `kustomization.yaml`): `drover install --out DIR`, and the repository's `deploy/` (checked
/// by a test to be current).
pub fn manifest_files(options: &InstallOptions) -> Result<Vec<(String, String)>, InstallError> {
    Ok(drover_core::output::object_files(&manifests(options)?))
}

/// The manifests as a pretty-printed JSON `v1` `List`, ending in a newline.
pub fn manifests_json(options: &InstallOptions) -> Result<String, InstallError> {
    let list = json!({ "apiVersion": "v1", "kind": "List", "items": manifests(options)? });
    Ok(format!("{list:#}\n"))
}
