//! What a provider contributes to a cluster's object graph, in named slots: the infrastructure
//! cluster, the control plane (with its machine template), one part per worker pool (the CAPI
//! object that scales it and the templates it clones), and the provider's own workloads. The
//! render engine reads the slots: which references the CAPI Cluster gets, which machines get
//! health checks, and in what order the objects go.

use drover_api::security::PodSecurityLevel;
use serde_json::Value;

use crate::objects::TypedRef;
use crate::objects::capi::{self, PoolBootstrap};
use crate::objects::kubeadm::{self, KubeadmNodeSettings};
use crate::resolve::{ResolvedCluster, WorkerGroup};

/// Knobs a provider sets for the add-ons of its clusters.
#[derive(Clone, Debug, Default)]
pub struct AddonSettings {
    /// Let Cilium replace kube-proxy (the provider then skips kube-proxy).
    pub kube_proxy_replacement: bool,
    /// Host and port Cilium agents reach the API server on, when not the Cluster's
    /// control-plane endpoint (Talos: KubePrism, `localhost:7445`, on every node).
    pub cilium_api_server: Option<(String, u16)>,
    /// Extra top-level Helm values for Cilium that the node OS needs (YAML, appended to drover's
    /// values; must not repeat their keys).
    pub extra_cilium_values: Option<String>,
    /// Cilium encapsulates pod traffic (VXLAN, UDP 8472) instead of routing it natively: needed
    /// where nodes do not share one L2 segment or the network drops packets from addresses it
    /// does not know (cloud VPCs).
    pub cilium_tunnel: bool,
}

/// The object the CAPI Cluster's `controlPlaneRef` points at.
#[derive(Clone, Debug)]
pub enum ControlPlanePart {
    /// A control plane of machines (KubeadmControlPlane, TalosControlPlane) cloned from a
    /// machine template; CAPI health checks watch the machines.
    Machines {
        /// The control-plane object.
        control_plane: Value,
        /// The infrastructure template its machines are cloned from.
        machine_template: Value,
    },
    /// A control plane the cloud runs (EKS, AKS, GKE): no machines to check.
    Managed(Value),
    /// The infrastructure cluster object is the control plane too (vcluster).
    InfrastructureCluster,
}

/// One worker pool's objects, in the pool order of [`ResolvedCluster::workers`].
#[derive(Clone, Debug)]
pub enum PoolPart {
    /// A MachineDeployment of machines cloned from a machine template and bootstrapped from a
    /// config template; CAPI health checks watch the machines.
    Machines {
        /// The infrastructure machine template.
        machine_template: Value,
        /// The bootstrap config template (kubeadm, Talos).
        bootstrap_template: Value,
        /// The MachineDeployment pointing at both.
        machine_deployment: Value,
    },
    /// A MachinePool of nodes the cloud manages and repairs (EKS managed node group, AKS agent
    /// pool, GKE node pool).
    Managed {
        /// The provider's machine-pool object (`AWSManagedMachinePool`, ...).
        managed_pool: Value,
        /// The MachinePool pointing at it.
        machine_pool: Value,
    },
}

impl PoolPart {
    /// A pool of machines: the MachineDeployment for `pool` over the two templates.
    pub fn machines(
        cluster: &ResolvedCluster,
        pool: &WorkerGroup,
        machine_template: Value,
        bootstrap_template: Value,
    ) -> Self {
        let machine_deployment = capi::machine_deployment(
            cluster,
            pool,
            &TypedRef::of(&bootstrap_template),
            &TypedRef::of(&machine_template),
        );
        Self::Machines {
            machine_template,
            bootstrap_template,
            machine_deployment,
        }
    }

    /// A cloud-managed pool: the MachinePool for `pool` over the provider's pool object, with no
    /// bootstrap data (the cloud bootstraps its nodes).
    pub fn managed(cluster: &ResolvedCluster, pool: &WorkerGroup, managed_pool: Value) -> Self {
        let machine_pool = capi::machine_pool(
            cluster,
            pool,
            &PoolBootstrap::Managed,
            &TypedRef::of(&managed_pool),
        );
        Self::Managed {
            managed_pool,
            machine_pool,
        }
    }

    /// Whether CAPI health checks watch this pool's machines.
    pub fn has_machines(&self) -> bool {
        matches!(self, Self::Machines { .. })
    }

    /// The objects, templates first.
    pub fn into_objects(self) -> Vec<Value> {
        match self {
            Self::Machines {
                machine_template,
                bootstrap_template,
                machine_deployment,
            } => vec![machine_template, bootstrap_template, machine_deployment],
            Self::Managed {
                managed_pool,
                machine_pool,
            } => vec![managed_pool, machine_pool],
        }
    }
}

/// Every worker pool of `cluster` as kubeadm machines: `machine_template` builds each pool's
/// infrastructure template.
pub fn kubeadm_pools(
    cluster: &ResolvedCluster,
    settings: &KubeadmNodeSettings,
    mut machine_template: impl FnMut(&WorkerGroup) -> Value,
) -> Vec<PoolPart> {
    cluster
        .workers
        .iter()
        .map(|pool| {
            let template = machine_template(pool);
            let bootstrap = kubeadm::worker_config_template(cluster, pool, settings);
            PoolPart::machines(cluster, pool, template, bootstrap)
        })
        .collect()
}

/// Every worker pool of `cluster` as a cloud-managed pool: `managed_pool` builds each pool's
/// provider object.
pub fn managed_pools(
    cluster: &ResolvedCluster,
    mut managed_pool: impl FnMut(usize, &WorkerGroup) -> Value,
) -> Vec<PoolPart> {
    cluster
        .workers
        .iter()
        .enumerate()
        .map(|(index, pool)| PoolPart::managed(cluster, pool, managed_pool(index, pool)))
        .collect()
}

/// What a provider contributes to a cluster's object graph.
#[derive(Clone, Debug)]
pub struct ProviderParts {
    /// The object the CAPI Cluster's `infrastructureRef` points at.
    pub infrastructure_cluster: Value,
    /// The control plane.
    pub control_plane: ControlPlanePart,
    /// One part per worker pool, in pool order.
    pub pools: Vec<PoolPart>,
    /// The provider's other objects: cloud controllers, policies, monitoring (any order; the
    /// engine orders them).
    pub workloads: Vec<Value>,
    /// Pod Security level of the cluster's namespace on the management cluster.
    pub pod_security: PodSecurityLevel,
    /// Settings for the add-ons.
    pub addons: AddonSettings,
}

impl ProviderParts {
    /// A cluster with `infrastructure_cluster` and `control_plane`, no pools or workloads, a
    /// `restricted` namespace and default add-on settings.
    pub fn new(infrastructure_cluster: Value, control_plane: ControlPlanePart) -> Self {
        Self {
            infrastructure_cluster,
            control_plane,
            pools: Vec::new(),
            workloads: Vec::new(),
            pod_security: PodSecurityLevel::Restricted,
            addons: AddonSettings::default(),
        }
    }

    /// The reference of the CAPI Cluster's `infrastructureRef`.
    pub fn infrastructure_ref(&self) -> TypedRef {
        TypedRef::of(&self.infrastructure_cluster)
    }

    /// The reference of the CAPI Cluster's `controlPlaneRef`.
    pub fn control_plane_ref(&self) -> TypedRef {
        match &self.control_plane {
            ControlPlanePart::Machines { control_plane, .. }
            | ControlPlanePart::Managed(control_plane) => TypedRef::of(control_plane),
            ControlPlanePart::InfrastructureCluster => self.infrastructure_ref(),
        }
    }

    /// Whether CAPI health checks watch the control plane's machines.
    pub fn control_plane_has_machines(&self) -> bool {
        matches!(self.control_plane, ControlPlanePart::Machines { .. })
    }

    /// All provider objects in slot order: infrastructure cluster, control plane (template
    /// first), pools, workloads.
    pub fn into_objects(self) -> Vec<Value> {
        let mut objects = vec![self.infrastructure_cluster];
        match self.control_plane {
            ControlPlanePart::Machines {
                control_plane,
                machine_template,
            } => objects.extend([machine_template, control_plane]),
            ControlPlanePart::Managed(control_plane) => objects.push(control_plane),
            ControlPlanePart::InfrastructureCluster => {}
        }
        objects.extend(self.pools.into_iter().flat_map(PoolPart::into_objects));
        objects.extend(self.workloads);
        objects
    }
}
