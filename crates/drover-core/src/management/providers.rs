//! The one table of Cluster API providers drover renders for: which provider serves each CRD kind
//! of [`crate::render::order::KINDS`], at which pinned release, installed in which namespace,
//! configured by which credential variables. `drover bootstrap` turns it into CAPI Operator
//! objects, `drover preflight` and the controller name the provider behind a missing CRD.
//!
//! The versions are the releases whose CRDs drover's rendered objects are tested against
//! (`../shared/crds/SOURCES.tsv`; a test keeps the two in step).

/// The CAPI Operator kind that installs a provider (`operator.cluster.x-k8s.io/v1alpha2`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProviderType {
    /// `CoreProvider`: Cluster API itself.
    Core,
    /// `BootstrapProvider`.
    Bootstrap,
    /// `ControlPlaneProvider`.
    ControlPlane,
    /// `InfrastructureProvider`.
    Infrastructure,
    /// `AddonProvider`.
    Addon,
}

impl ProviderType {
    /// The operator's kind.
    pub fn operator_kind(self) -> &'static str {
        match self {
            Self::Core => "CoreProvider",
            Self::Bootstrap => "BootstrapProvider",
            Self::ControlPlane => "ControlPlaneProvider",
            Self::Infrastructure => "InfrastructureProvider",
            Self::Addon => "AddonProvider",
        }
    }

    /// clusterctl's flag for this type (`--infrastructure`, ...), for messages.
    pub fn clusterctl_flag(self) -> &'static str {
        match self {
            Self::Core => "--core",
            Self::Bootstrap => "--bootstrap",
            Self::ControlPlane => "--control-plane",
            Self::Infrastructure => "--infrastructure",
            Self::Addon => "--addon",
        }
    }
}

/// The variables a provider reads from its operator `configSecret` (clusterctl's variable
/// names): the platform team creates the Secret; drover names it and never sees its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfigSecret {
    /// The Secret's name, in the provider's namespace.
    pub name: &'static str,
    /// The keys it must hold.
    pub keys: &'static [&'static str],
    /// How to obtain the values.
    pub hint: &'static str,
}

/// One Cluster API provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapiProvider {
    /// The name the CAPI Operator and clusterctl know it by (`kubevirt`, `kubeadm`, ...); the
    /// operator fetches its release by this name and type.
    pub name: &'static str,
    /// Its type.
    pub provider_type: ProviderType,
    /// The pinned release.
    pub version: &'static str,
    /// The GitHub repository it is released from (`owner/name`).
    pub repository: &'static str,
    /// The namespace clusterctl installs it in; the operator object lives there too.
    pub namespace: &'static str,
    /// The kinds of [`crate::render::order::KINDS`] whose CRDs it installs.
    pub kinds: &'static [&'static str],
    /// Credential variables, for providers that call a cloud or hypervisor API.
    pub config_secret: Option<ConfigSecret>,
}

impl CapiProvider {
    /// `Type/name`, e.g. `InfrastructureProvider/kubevirt`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.provider_type.operator_kind(), self.name)
    }
}

const CAPI_VERSION: &str = "v1.14.0";
const CAPI_REPOSITORY: &str = "kubernetes-sigs/cluster-api";

/// Every provider drover renders for.
pub const PROVIDERS: &[CapiProvider] = &[
    CapiProvider {
        name: "cluster-api",
        provider_type: ProviderType::Core,
        version: CAPI_VERSION,
        repository: CAPI_REPOSITORY,
        namespace: "capi-system",
        kinds: &[
            "Cluster",
            "MachineDeployment",
            "MachinePool",
            "MachineHealthCheck",
            "ClusterResourceSet",
        ],
        config_secret: None,
    },
    CapiProvider {
        name: "kubeadm",
        provider_type: ProviderType::Bootstrap,
        version: CAPI_VERSION,
        repository: CAPI_REPOSITORY,
        namespace: "capi-kubeadm-bootstrap-system",
        kinds: &["KubeadmConfigTemplate"],
        config_secret: None,
    },
    CapiProvider {
        name: "kubeadm",
        provider_type: ProviderType::ControlPlane,
        version: CAPI_VERSION,
        repository: CAPI_REPOSITORY,
        namespace: "capi-kubeadm-control-plane-system",
        kinds: &["KubeadmControlPlane"],
        config_secret: None,
    },
    CapiProvider {
        name: "talos",
        provider_type: ProviderType::Bootstrap,
        version: "v0.6.12",
        repository: "siderolabs/cluster-api-bootstrap-provider-talos",
        namespace: "cabpt-system",
        kinds: &["TalosConfigTemplate"],
        config_secret: None,
    },
    CapiProvider {
        name: "talos",
        provider_type: ProviderType::ControlPlane,
        version: "v0.5.12",
        repository: "siderolabs/cluster-api-control-plane-provider-talos",
        namespace: "cacppt-system",
        kinds: &["TalosControlPlane"],
        config_secret: None,
    },
    CapiProvider {
        name: "kubevirt",
        provider_type: ProviderType::Infrastructure,
        version: "v0.11.2",
        repository: "kubernetes-sigs/cluster-api-provider-kubevirt",
        namespace: "capk-system",
        kinds: &["KubevirtMachineTemplate", "KubevirtCluster"],
        config_secret: None,
    },
    CapiProvider {
        name: "vcluster",
        provider_type: ProviderType::Infrastructure,
        version: "v0.2.2",
        repository: "loft-sh/cluster-api-provider-vcluster",
        namespace: "cluster-api-provider-vcluster-system",
        kinds: &["VCluster"],
        config_secret: None,
    },
    CapiProvider {
        name: "docker",
        provider_type: ProviderType::Infrastructure,
        version: CAPI_VERSION,
        repository: CAPI_REPOSITORY,
        namespace: "capd-system",
        kinds: &["DevMachineTemplate", "DevCluster"],
        config_secret: None,
    },
    CapiProvider {
        name: "proxmox",
        provider_type: ProviderType::Infrastructure,
        version: "v0.9.0",
        repository: "ionos-cloud/cluster-api-provider-proxmox",
        namespace: "capmox-system",
        kinds: &["ProxmoxMachineTemplate", "ProxmoxCluster"],
        config_secret: Some(ConfigSecret {
            name: "proxmox-variables",
            keys: &["PROXMOX_URL", "PROXMOX_TOKEN", "PROXMOX_SECRET"],
            hint: "a Proxmox VE API token of the user CAPMOX acts as",
        }),
    },
    CapiProvider {
        name: "vsphere",
        provider_type: ProviderType::Infrastructure,
        version: "v1.16.1",
        repository: "kubernetes-sigs/cluster-api-provider-vsphere",
        namespace: "capv-system",
        kinds: &["VSphereMachineTemplate", "VSphereCluster"],
        config_secret: Some(ConfigSecret {
            name: "vsphere-variables",
            keys: &["VSPHERE_USERNAME", "VSPHERE_PASSWORD"],
            hint: "the vCenter user CAPV acts as when an Infrastructure names no identity",
        }),
    },
    CapiProvider {
        name: "aws",
        provider_type: ProviderType::Infrastructure,
        version: "v2.11.1",
        repository: "kubernetes-sigs/cluster-api-provider-aws",
        namespace: "capa-system",
        kinds: &[
            "EKSConfigTemplate",
            "AWSMachineTemplate",
            "AWSCluster",
            "AWSManagedCluster",
            "AWSManagedControlPlane",
            "AWSManagedMachinePool",
        ],
        config_secret: Some(ConfigSecret {
            name: "aws-variables",
            keys: &["AWS_B64ENCODED_CREDENTIALS"],
            hint: "`clusterawsadm bootstrap credentials encode-as-profile`",
        }),
    },
    CapiProvider {
        name: "azure",
        provider_type: ProviderType::Infrastructure,
        version: "v1.26.0",
        repository: "kubernetes-sigs/cluster-api-provider-azure",
        namespace: "capz-system",
        kinds: &[
            "AzureASOManagedCluster",
            "AzureASOManagedControlPlane",
            "AzureASOManagedMachinePool",
        ],
        // ASO reads its credential per namespace (the Infrastructure's `credentialSecret`) or
        // from its own global settings: nothing for the operator's config Secret.
        config_secret: None,
    },
    CapiProvider {
        name: "gcp",
        provider_type: ProviderType::Infrastructure,
        version: "v1.12.0",
        repository: "kubernetes-sigs/cluster-api-provider-gcp",
        namespace: "capg-system",
        kinds: &[
            "GCPManagedCluster",
            "GCPManagedControlPlane",
            "GCPManagedMachinePool",
        ],
        config_secret: Some(ConfigSecret {
            name: "gcp-variables",
            keys: &["GCP_B64ENCODED_CREDENTIALS"],
            hint: "a service-account key, base64-encoded (`base64 -w0 key.json`)",
        }),
    },
    CapiProvider {
        name: "helm",
        provider_type: ProviderType::Addon,
        version: "v0.6.4",
        repository: "kubernetes-sigs/cluster-api-addon-provider-helm",
        namespace: "caaph-system",
        kinds: &["HelmChartProxy"],
        config_secret: None,
    },
];

/// Kinds drover may render whose CRDs no Cluster API provider installs, and what does.
pub const OTHER_CRD_SOURCES: &[(&str, &str)] = &[(
    "ServiceMonitor",
    "the Prometheus Operator (only for `vcluster.serviceMonitor: true`)",
)];

/// A feature gate a provider's manager must have on for a kind drover renders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeatureGate {
    /// The rendered kind that needs it.
    pub kind: &'static str,
    /// The provider (`PROVIDERS` entry by type and name).
    pub provider: (ProviderType, &'static str),
    /// The gate (`--feature-gates=NAME=true`).
    pub gate: &'static str,
}

/// The feature gates drover's rendered kinds need, named as each provider's `feature` package
/// does. Gates that default to on are listed too: the operator object then says why it exists.
pub const FEATURE_GATES: &[FeatureGate] = &[
    // CAPI: MachinePool is beta (on by default since v1.7), ClusterResourceSet on by default.
    gate(
        "MachinePool",
        ProviderType::Core,
        "cluster-api",
        "MachinePool",
    ),
    gate(
        "ClusterResourceSet",
        ProviderType::Core,
        "cluster-api",
        "ClusterResourceSet",
    ),
    // CAPA: EKS (beta, default on) and its own MachinePool gate for managed node groups.
    gate(
        "AWSManagedControlPlane",
        ProviderType::Infrastructure,
        "aws",
        "EKS",
    ),
    gate(
        "AWSManagedMachinePool",
        ProviderType::Infrastructure,
        "aws",
        "MachinePool",
    ),
    // CAPZ: the AzureASOManaged* API (alpha, default on) and MachinePool for node pools.
    gate(
        "AzureASOManagedCluster",
        ProviderType::Infrastructure,
        "azure",
        "ASOAPI",
    ),
    gate(
        "AzureASOManagedMachinePool",
        ProviderType::Infrastructure,
        "azure",
        "MachinePool",
    ),
    // CAPG: GKE is alpha and off by default (EXP_CAPG_GKE); node pools are MachinePools.
    gate(
        "GCPManagedCluster",
        ProviderType::Infrastructure,
        "gcp",
        "GKE",
    ),
    gate(
        "GCPManagedMachinePool",
        ProviderType::Infrastructure,
        "gcp",
        "MachinePool",
    ),
];

const fn gate(
    kind: &'static str,
    provider_type: ProviderType,
    name: &'static str,
    gate: &'static str,
) -> FeatureGate {
    FeatureGate {
        kind,
        provider: (provider_type, name),
        gate,
    }
}

/// The provider whose CRDs serve `kind`, if a Cluster API provider does.
pub fn provider_of_kind(kind: &str) -> Option<&'static CapiProvider> {
    PROVIDERS.iter().find(|p| p.kinds.contains(&kind))
}

/// The provider of `provider_type` called `name`.
pub fn provider(provider_type: ProviderType, name: &str) -> Option<&'static CapiProvider> {
    PROVIDERS
        .iter()
        .find(|p| p.provider_type == provider_type && p.name == name)
}

/// Where the CRD of `kind` comes from, for messages: `InfrastructureProvider/kubevirt v0.11.2`,
/// or what else installs it.
pub fn crd_source(kind: &str) -> Option<String> {
    if let Some(provider) = provider_of_kind(kind) {
        return Some(format!("{} {}", provider.id(), provider.version));
    }
    OTHER_CRD_SOURCES
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, source)| (*source).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::order::KINDS;

    #[test]
    fn every_custom_kind_has_exactly_one_source() {
        for info in KINDS.iter().filter(|info| info.crd_name().is_some()) {
            let providers = PROVIDERS
                .iter()
                .filter(|p| p.kinds.contains(&info.kind))
                .count();
            let other = OTHER_CRD_SOURCES.iter().any(|(k, _)| *k == info.kind);
            assert_eq!(
                providers + usize::from(other),
                1,
                "{}: exactly one provider (or other source) must serve its CRD",
                info.kind
            );
        }
    }

    #[test]
    fn every_listed_kind_is_rendered() {
        for provider in PROVIDERS {
            for kind in provider.kinds {
                assert!(
                    KINDS.iter().any(|info| info.kind == *kind),
                    "{}: {kind} is not in KINDS",
                    provider.id()
                );
            }
        }
    }

    #[test]
    fn gates_name_known_providers_of_their_kind() {
        for gate in FEATURE_GATES {
            let (provider_type, name) = gate.provider;
            assert!(provider(provider_type, name).is_some(), "{gate:?}");
            assert!(KINDS.iter().any(|info| info.kind == gate.kind), "{gate:?}");
        }
    }

    #[test]
    fn crd_sources_name_the_provider_and_version() {
        assert_eq!(
            crd_source("KubevirtCluster").as_deref(),
            Some("InfrastructureProvider/kubevirt v0.11.2")
        );
        assert!(crd_source("ServiceMonitor").is_some_and(|s| s.contains("Prometheus")));
        assert_eq!(crd_source("Deployment"), None);
    }
}
