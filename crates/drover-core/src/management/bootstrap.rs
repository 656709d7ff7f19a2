//! `drover bootstrap`: the CAPI Operator objects that install, for one fleet, every Cluster API
//! provider its Infrastructures and rendered clusters need, at the pinned versions of
//! [`super::providers::PROVIDERS`], with the feature gates drover's kinds need; the namespaces
//! they live in; and the list of what only the platform team can provide (credentials, the
//! operator itself, Argo CD).

use std::collections::{BTreeMap, BTreeSet};

use drover_api::infrastructure::AwsMode;
use serde_json::{Value, json};

use super::providers::{self, CapiProvider, FEATURE_GATES, ProviderType};
use crate::fleet::Fleet;
use crate::render::{RenderError, render_cluster};
use crate::resolve::{ProviderSpec, ResolvedCluster};

/// The CAPI Operator's API version (the CRDs of release v0.28).
pub const OPERATOR_API_VERSION: &str = "operator.cluster.x-k8s.io/v1alpha2";
/// The CAPI Operator release whose CRDs the objects are tested against.
pub const OPERATOR_VERSION: &str = "v0.28.0";
/// Label on every object `drover bootstrap` writes (not `managed-by: drover`: the controller's
/// inventory must not see them).
pub const PART_OF: (&str, &str) = ("app.kubernetes.io/part-of", "drover-bootstrap");
/// Annotation saying which Infrastructures or kinds need a provider.
pub const NEEDED_BY: &str = "drover.dev/needed-by";

/// One provider to install.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedProvider {
    /// The table entry.
    pub provider: &'static CapiProvider,
    /// Feature gates to turn on, sorted.
    pub feature_gates: BTreeSet<&'static str>,
    /// Why it is needed (`Infrastructure aws-eu-west-1`, `HelmChartProxy`), sorted.
    pub needed_by: BTreeSet<String>,
}

/// Something only the platform team can create, named by drover.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Prerequisite {
    /// Kind of the object (`Secret`, `AWSClusterRoleIdentity`, ...).
    pub kind: String,
    /// Its namespace; `None` for cluster-scoped objects and for Secrets needed in every
    /// cluster namespace (then [`Prerequisite::in_cluster_namespaces`] lists them).
    pub namespace: Option<String>,
    /// Its name.
    pub name: String,
    /// The keys a Secret must hold.
    pub keys: Vec<String>,
    /// Who reads it and what goes in.
    pub purpose: String,
    /// For Secrets read from each cluster's own namespace: those namespaces (drover creates
    /// them; the Secret must follow before the provider needs it).
    pub in_cluster_namespaces: Vec<String>,
}

impl Prerequisite {
    /// Whether a pre-flight can look for it: a namespaced object at a fixed place.
    pub fn fixed_secret(&self) -> Option<(&str, &str)> {
        (self.kind == "Secret")
            .then_some(())
            .and(self.namespace.as_deref())
            .map(|ns| (ns, self.name.as_str()))
    }
}

/// Everything `drover bootstrap` produces for a fleet.
#[derive(Clone, Debug, PartialEq)]
pub struct Bootstrap {
    /// Providers in install order (core, bootstrap, control plane, infrastructure, add-on).
    pub providers: Vec<PlannedProvider>,
    /// The objects to apply: Namespaces, then one operator object per provider.
    pub objects: Vec<Value>,
    /// What the platform team must create, sorted.
    pub prerequisites: Vec<Prerequisite>,
    /// The Argo CD namespaces claims register their clusters in.
    pub argocd_namespaces: BTreeSet<String>,
}

impl Bootstrap {
    /// What `drover bootstrap` cannot do for the platform team, as steps in order, each one
    /// line: the operator, the credentials (named), Argo CD.
    pub fn manual_steps(&self) -> Vec<String> {
        let mut steps = vec![format!(
            "install cert-manager and the Cluster API Operator {OPERATOR_VERSION} (its CRDs serve {OPERATOR_API_VERSION}) before applying these objects"
        )];
        for prerequisite in &self.prerequisites {
            let place = match (
                &prerequisite.namespace,
                prerequisite.in_cluster_namespaces.as_slice(),
            ) {
                (Some(namespace), _) => format!("{namespace}/{}", prerequisite.name),
                (None, []) if prerequisite.kind != "Secret" => prerequisite.name.clone(),
                (None, []) => format!("{} in each cluster namespace", prerequisite.name),
                (None, namespaces) => {
                    format!("{} in {}", prerequisite.name, namespaces.join(", "))
                }
            };
            let keys = if prerequisite.keys.is_empty() {
                String::new()
            } else {
                format!(" with keys {}", prerequisite.keys.join(", "))
            };
            steps.push(format!(
                "create {} {place}{keys}: {}",
                prerequisite.kind, prerequisite.purpose
            ));
        }
        if self.providers.iter().any(|p| p.provider.name == "kubevirt") {
            steps.push(
                "install KubeVirt and CDI on the management cluster (CAPK runs the clusters' VMs there; their DataVolumes need CDI)"
                    .to_owned(),
            );
        }
        if !self.argocd_namespaces.is_empty() {
            let namespaces: Vec<&str> = self.argocd_namespaces.iter().map(String::as_str).collect();
            steps.push(format!(
                "install Argo CD in {} (claims register their clusters there); then `drover install --argocd-namespace` for each",
                namespaces.join(", ")
            ));
        }
        steps
    }
}

/// The kinds an Infrastructure's clusters are rendered with (before any claim uses it), so a
/// provider is planned for an Infrastructure without clusters too. Rendered clusters add their
/// actual kinds (add-ons, for example).
pub fn infrastructure_kinds(spec: &ProviderSpec) -> &'static [&'static str] {
    const KUBEADM: [&str; 2] = ["KubeadmControlPlane", "KubeadmConfigTemplate"];
    match spec {
        ProviderSpec::Kubevirt(_) => &[
            "Cluster",
            "MachineDeployment",
            "MachineHealthCheck",
            "KubevirtCluster",
            "KubevirtMachineTemplate",
            KUBEADM[0],
            KUBEADM[1],
        ],
        ProviderSpec::Vcluster(_) => &["Cluster", "VCluster"],
        ProviderSpec::Docker(_) => &[
            "Cluster",
            "MachineDeployment",
            "MachineHealthCheck",
            "DevCluster",
            "DevMachineTemplate",
            KUBEADM[0],
            KUBEADM[1],
        ],
        ProviderSpec::Proxmox(_) => &[
            "Cluster",
            "MachineDeployment",
            "MachineHealthCheck",
            "ProxmoxCluster",
            "ProxmoxMachineTemplate",
            "TalosControlPlane",
            "TalosConfigTemplate",
        ],
        // The vSphere cloud provider comes through CAAPH, its credentials through a
        // ClusterResourceSet.
        ProviderSpec::Vsphere(_) => &[
            "Cluster",
            "MachineDeployment",
            "MachineHealthCheck",
            "VSphereCluster",
            "VSphereMachineTemplate",
            KUBEADM[0],
            KUBEADM[1],
            "HelmChartProxy",
            "ClusterResourceSet",
        ],
        ProviderSpec::Aws(aws) if aws.mode == Some(AwsMode::Kubeadm) => &[
            "Cluster",
            "MachineDeployment",
            "MachineHealthCheck",
            "AWSCluster",
            "AWSMachineTemplate",
            KUBEADM[0],
            KUBEADM[1],
        ],
        ProviderSpec::Aws(_) => &[
            "Cluster",
            "MachinePool",
            "AWSManagedCluster",
            "AWSManagedControlPlane",
            "AWSManagedMachinePool",
        ],
        ProviderSpec::Azure(_) => &[
            "Cluster",
            "MachinePool",
            "AzureASOManagedCluster",
            "AzureASOManagedControlPlane",
            "AzureASOManagedMachinePool",
        ],
        ProviderSpec::Gcp(_) => &[
            "Cluster",
            "MachinePool",
            "GCPManagedCluster",
            "GCPManagedControlPlane",
            "GCPManagedMachinePool",
        ],
    }
}

/// Plans the providers of `fleet` (every Infrastructure, used or not) and of its valid
/// `clusters` (rendered, for the kinds they actually use).
pub fn plan(fleet: &Fleet, clusters: &[ResolvedCluster]) -> Result<Bootstrap, RenderError> {
    // kind → why it is needed.
    let mut kinds: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for infrastructure in &fleet.infrastructures {
        let Some(spec) = ProviderSpec::from_spec(&infrastructure.object.spec) else {
            continue;
        };
        let name = infrastructure
            .object
            .metadata
            .name
            .clone()
            .unwrap_or_default();
        for kind in infrastructure_kinds(&spec) {
            kinds
                .entry(kind)
                .or_default()
                .insert(format!("Infrastructure {name}"));
        }
    }
    let mut rendered_kinds: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for cluster in clusters {
        for object in render_cluster(cluster)?.objects {
            rendered_kinds
                .entry(object.kind().to_owned())
                .or_default()
                .insert(format!("cluster {}", cluster.name));
        }
    }
    for (kind, users) in &rendered_kinds {
        kinds
            .entry(kind.as_str())
            .or_default()
            .extend(users.iter().cloned());
    }

    let mut planned: BTreeMap<(ProviderType, &str), PlannedProvider> = BTreeMap::new();
    for (kind, users) in &kinds {
        let Some(provider) = providers::provider_of_kind(kind) else {
            continue;
        };
        let entry = planned
            .entry((provider.provider_type, provider.name))
            .or_insert_with(|| PlannedProvider {
                provider,
                feature_gates: BTreeSet::new(),
                needed_by: BTreeSet::new(),
            });
        entry.needed_by.extend(users.iter().cloned());
    }
    for kind in kinds.keys() {
        for gate in FEATURE_GATES.iter().filter(|g| g.kind == *kind) {
            if let Some(target) = planned.get_mut(&gate.provider) {
                target.feature_gates.insert(gate.gate);
            }
        }
    }
    let providers: Vec<PlannedProvider> = planned.into_values().collect();

    let mut objects = Vec::new();
    let namespaces: BTreeSet<&str> = providers.iter().map(|p| p.provider.namespace).collect();
    for namespace in namespaces {
        objects.push(json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": { "name": namespace, "labels": { PART_OF.0: PART_OF.1 } },
        }));
    }
    objects.extend(providers.iter().map(operator_object));

    let mut prerequisites: Vec<Prerequisite> = providers
        .iter()
        .filter_map(|p| {
            let secret = p.provider.config_secret?;
            Some(Prerequisite {
                kind: "Secret".to_owned(),
                namespace: Some(p.provider.namespace.to_owned()),
                name: secret.name.to_owned(),
                keys: secret.keys.iter().map(|k| (*k).to_owned()).collect(),
                purpose: format!(
                    "credentials of {} (the operator's configSecret): {}",
                    p.provider.id(),
                    secret.hint
                ),
                in_cluster_namespaces: Vec::new(),
            })
        })
        .collect();
    prerequisites.extend(infrastructure_prerequisites(fleet, clusters));
    prerequisites.sort();
    prerequisites.dedup();
    let argocd_namespaces = clusters
        .iter()
        .filter_map(|c| c.argocd.as_ref().map(|a| a.namespace.clone()))
        .collect();
    Ok(Bootstrap {
        providers,
        objects,
        prerequisites,
        argocd_namespaces,
    })
}

/// The operator object of one provider.
fn operator_object(planned: &PlannedProvider) -> Value {
    let provider = planned.provider;
    let mut spec = json!({ "version": provider.version });
    if !planned.feature_gates.is_empty() {
        let gates: serde_json::Map<String, Value> = planned
            .feature_gates
            .iter()
            .map(|gate| ((*gate).to_owned(), Value::Bool(true)))
            .collect();
        spec["manager"] = json!({ "featureGates": gates });
    }
    if let Some(secret) = provider.config_secret {
        spec["configSecret"] = json!({ "name": secret.name });
    }
    let needed_by: Vec<&str> = planned.needed_by.iter().map(String::as_str).collect();
    json!({
        "apiVersion": OPERATOR_API_VERSION,
        "kind": provider.provider_type.operator_kind(),
        "metadata": {
            "name": provider.name,
            "namespace": provider.namespace,
            "labels": { PART_OF.0: PART_OF.1 },
            "annotations": { NEEDED_BY: needed_by.join(", ") },
        },
        "spec": spec,
    })
}

/// The identities and Secrets the fleet's Infrastructures name.
fn infrastructure_prerequisites(fleet: &Fleet, clusters: &[ResolvedCluster]) -> Vec<Prerequisite> {
    let mut found = Vec::new();
    for infrastructure in &fleet.infrastructures {
        let name = infrastructure
            .object
            .metadata
            .name
            .clone()
            .unwrap_or_default();
        let namespaces: Vec<String> = clusters
            .iter()
            .filter(|c| c.infrastructure == name)
            .map(|c| c.namespace.clone())
            .collect();
        let per_cluster = |secret: &str, keys: &[&str], purpose: String| Prerequisite {
            kind: "Secret".to_owned(),
            namespace: None,
            name: secret.to_owned(),
            keys: keys.iter().map(|k| (*k).to_owned()).collect(),
            purpose,
            in_cluster_namespaces: namespaces.clone(),
        };
        let spec = &infrastructure.object.spec;
        if let Some(aws) = &spec.aws
            && let Some(identity) = &aws.identity_ref
        {
            found.push(Prerequisite {
                kind: identity.kind.clone(),
                namespace: None,
                name: identity.name.clone(),
                keys: Vec::new(),
                purpose: format!("CAPA identity of Infrastructure {name} (spec.aws.identityRef)"),
                in_cluster_namespaces: Vec::new(),
            });
        }
        if let Some(azure) = &spec.azure {
            match &azure.credential_secret {
                Some(secret) => found.push(per_cluster(
                    secret,
                    &[
                        "AZURE_SUBSCRIPTION_ID",
                        "AZURE_TENANT_ID",
                        "AZURE_CLIENT_ID",
                        "AZURE_CLIENT_SECRET",
                    ],
                    format!(
                        "ASO credential of Infrastructure {name} (spec.azure.credentialSecret), read from each cluster's namespace"
                    ),
                )),
                None => found.push(Prerequisite {
                    kind: "Secret".to_owned(),
                    namespace: Some("capz-system".to_owned()),
                    name: "aso-controller-settings".to_owned(),
                    keys: vec![
                        "AZURE_SUBSCRIPTION_ID".to_owned(),
                        "AZURE_TENANT_ID".to_owned(),
                        "AZURE_CLIENT_ID".to_owned(),
                    ],
                    purpose: format!(
                        "ASO's global credential, used by Infrastructure {name} (no spec.azure.credentialSecret)"
                    ),
                    in_cluster_namespaces: Vec::new(),
                }),
            }
        }
        if let Some(gcp) = &spec.gcp
            && let Some(secret) = &gcp.credentials_secret
        {
            found.push(Prerequisite {
                kind: "Secret".to_owned(),
                namespace: Some(
                    gcp.credentials_secret_namespace
                        .clone()
                        .unwrap_or_else(|| "capg-system".to_owned()),
                ),
                name: secret.clone(),
                keys: Vec::new(),
                purpose: format!(
                    "GCP service-account key of Infrastructure {name} (spec.gcp.credentialsSecret, CAPG's credentialsRef)"
                ),
                in_cluster_namespaces: Vec::new(),
            });
        }
        if let Some(proxmox) = &spec.proxmox
            && let Some(secret) = &proxmox.credentials_secret
        {
            found.push(per_cluster(
                secret,
                &[],
                format!(
                    "Proxmox API URL and token of Infrastructure {name} (spec.proxmox.credentialsSecret, CAPMOX's credentialsRef), read from each cluster's namespace"
                ),
            ));
        }
        if let Some(vsphere) = &spec.vsphere {
            if let Some(identity) = &vsphere.identity {
                found.push(Prerequisite {
                    kind: "VSphereClusterIdentity".to_owned(),
                    namespace: None,
                    name: identity.clone(),
                    keys: Vec::new(),
                    purpose: format!(
                        "vCenter identity of Infrastructure {name} (spec.vsphere.identity), with its Secret in capv-system"
                    ),
                    in_cluster_namespaces: Vec::new(),
                });
            }
            if let Some(cpi) = &vsphere.cloud_provider {
                found.push(per_cluster(
                    &cpi.credentials_secret,
                    &["data"],
                    format!(
                        "vSphere cloud provider credentials of Infrastructure {name} (spec.vsphere.cloudProvider.credentialsSecret): type addons.cluster.x-k8s.io/resource-set, read from each cluster's namespace"
                    ),
                ));
            }
        }
    }
    found
}
