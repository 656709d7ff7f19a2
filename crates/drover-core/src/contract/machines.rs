//! Machine groups: the control plane and worker-pool objects of a cluster, read the same way
//! whether rendered or live. Which kinds are groups, and of what sort, comes from the table of
//! kinds ([`crate::render::order::KINDS`]); where each kind keeps its replicas, version, machine
//! template, bootstrap config and surge is written here once.

use serde_json::Value;

pub use crate::render::order::MachineGroupKind;
use crate::render::order::kind_info;

/// A reference from a group to the template its machines are cloned from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TemplateRef<'a> {
    /// Kind of the template.
    pub kind: &'a str,
    /// Name of the template (same namespace as the group).
    pub name: &'a str,
}

/// A control plane or worker pool object.
#[derive(Clone, Copy, Debug)]
pub struct MachineGroup<'a> {
    /// What sort of group.
    pub kind: MachineGroupKind,
    /// The object.
    pub object: &'a Value,
}

/// JSON pointers of a group kind's fields.
struct Fields {
    /// The Kubernetes version the group runs at.
    version: &'static str,
    /// The machine template reference (`kind`, `name`; absent for managed control planes).
    machine_template: Option<&'static str>,
    /// The name of the bootstrap config template of the group's machines.
    bootstrap_config: Option<&'static str>,
    /// `rollingUpdate.maxSurge`.
    max_surge: Option<&'static str>,
}

const KUBEADM_CONTROL_PLANE: Fields = Fields {
    version: "/spec/version",
    machine_template: Some("/spec/machineTemplate/spec/infrastructureRef"),
    bootstrap_config: None,
    max_surge: Some("/spec/rollout/strategy/rollingUpdate/maxSurge"),
};

const TALOS_CONTROL_PLANE: Fields = Fields {
    version: "/spec/version",
    machine_template: Some("/spec/infrastructureTemplate"),
    bootstrap_config: None,
    max_surge: Some("/spec/rolloutStrategy/rollingUpdate/maxSurge"),
};

const MANAGED_CONTROL_PLANE: Fields = Fields {
    version: "/spec/version",
    machine_template: None,
    bootstrap_config: None,
    max_surge: None,
};

const MACHINE_DEPLOYMENT: Fields = Fields {
    version: "/spec/template/spec/version",
    machine_template: Some("/spec/template/spec/infrastructureRef"),
    bootstrap_config: Some("/spec/template/spec/bootstrap/configRef/name"),
    max_surge: Some("/spec/rollout/strategy/rollingUpdate/maxSurge"),
};

/// A MachinePool's provider object replaces the nodes: no surge drover could count.
const MACHINE_POOL: Fields = Fields {
    max_surge: None,
    ..MACHINE_DEPLOYMENT
};

impl<'a> MachineGroup<'a> {
    /// `object` as a machine group, `None` for other kinds.
    pub fn of(object: &'a Value) -> Option<Self> {
        let kind = kind_info(object["kind"].as_str()?)?.machines?;
        Some(Self { kind, object })
    }

    fn fields(&self) -> &'static Fields {
        match self.kind {
            MachineGroupKind::MachineControlPlane if self.kind_name() == "TalosControlPlane" => {
                &TALOS_CONTROL_PLANE
            }
            MachineGroupKind::MachineControlPlane => &KUBEADM_CONTROL_PLANE,
            MachineGroupKind::ManagedControlPlane => &MANAGED_CONTROL_PLANE,
            MachineGroupKind::MachineDeployment => &MACHINE_DEPLOYMENT,
            MachineGroupKind::MachinePool => &MACHINE_POOL,
        }
    }

    /// The object's kind.
    pub fn kind_name(&self) -> &'a str {
        self.object["kind"].as_str().unwrap_or_default()
    }

    /// The object's name.
    pub fn name(&self) -> &'a str {
        self.object["metadata"]["name"].as_str().unwrap_or_default()
    }

    /// The object's namespace.
    pub fn namespace(&self) -> &'a str {
        self.object["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
    }

    /// Whether this is the control plane.
    pub fn is_control_plane(&self) -> bool {
        matches!(
            self.kind,
            MachineGroupKind::MachineControlPlane | MachineGroupKind::ManagedControlPlane
        )
    }

    /// Whether the group counts machines or nodes (all but cloud-run control planes).
    pub fn has_replicas(&self) -> bool {
        self.kind != MachineGroupKind::ManagedControlPlane
    }

    /// `spec.replicas`; CAPI defaults an unset count to 1.
    pub fn replicas(&self) -> i64 {
        self.object["spec"]["replicas"].as_i64().unwrap_or(1)
    }

    /// The Kubernetes version the group is set to.
    pub fn version(&self) -> Option<&'a str> {
        self.text(self.fields().version)
    }

    /// The template the group's machines are cloned from.
    pub fn machine_template(&self) -> Option<TemplateRef<'a>> {
        let reference = self.object.pointer(self.fields().machine_template?)?;
        Some(TemplateRef {
            kind: reference["kind"].as_str()?,
            name: reference["name"].as_str()?,
        })
    }

    /// Machines CAPI adds at once while rolling the group (CAPI's default: one); `None` where
    /// the provider replaces nodes itself or the cloud runs the control plane.
    pub fn max_surge(&self) -> Option<i64> {
        let pointer = self.fields().max_surge?;
        Some(
            self.object
                .pointer(pointer)
                .and_then(Value::as_i64)
                .unwrap_or(1),
        )
    }

    /// Pointer to the version field.
    pub fn version_pointer(&self) -> &'static str {
        self.fields().version
    }

    /// Pointer to the machine template's name.
    pub fn machine_template_pointer(&self) -> Option<String> {
        self.fields()
            .machine_template
            .map(|reference| format!("{reference}/name"))
    }

    /// Pointer to the bootstrap config template's name.
    pub fn bootstrap_config_pointer(&self) -> Option<&'static str> {
        self.fields().bootstrap_config
    }

    fn text(&self, pointer: &str) -> Option<&'a str> {
        self.object.pointer(pointer).and_then(Value::as_str)
    }
}

/// A `KubevirtMachineTemplate`'s VM: what capacity counts per machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KubevirtVm<'a> {
    /// Template name.
    pub name: &'a str,
    /// Template namespace.
    pub namespace: &'a str,
    /// `cpu.cores` of the VM's domain.
    pub cores: Option<u64>,
    /// `memory.guest` of the VM's domain (a Kubernetes quantity).
    pub memory: Option<&'a str>,
}

impl<'a> KubevirtVm<'a> {
    /// The template kind.
    pub const KIND: &'static str = "KubevirtMachineTemplate";

    /// `template`'s VM, `None` for other kinds.
    pub fn of(template: &'a Value) -> Option<Self> {
        if template["kind"] != Self::KIND {
            return None;
        }
        let domain = template
            .pointer("/spec/template/spec/virtualMachineTemplate/spec/template/spec/domain");
        Some(Self {
            name: template["metadata"]["name"].as_str().unwrap_or_default(),
            namespace: template["metadata"]["namespace"]
                .as_str()
                .unwrap_or_default(),
            cores: domain.and_then(|d| d["cpu"]["cores"].as_u64()),
            memory: domain.and_then(|d| d["memory"]["guest"].as_str()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kcp() -> Value {
        json!({
            "kind": "KubeadmControlPlane",
            "metadata": { "name": "p-control-plane", "namespace": "team-a" },
            "spec": {
                "replicas": 3,
                "version": "v1.32.1",
                "machineTemplate": { "spec": { "infrastructureRef": {
                    "kind": "KubevirtMachineTemplate", "name": "p-cp-1234"
                } } },
                "rollout": { "strategy": { "rollingUpdate": { "maxSurge": 0 } } },
            },
        })
    }

    #[test]
    fn reads_a_kubeadm_control_plane() {
        let object = kcp();
        let group = MachineGroup::of(&object).expect("a group");
        assert!(group.is_control_plane() && group.has_replicas());
        assert_eq!(group.replicas(), 3);
        assert_eq!(group.version(), Some("v1.32.1"));
        assert_eq!(
            group.machine_template(),
            Some(TemplateRef {
                kind: "KubevirtMachineTemplate",
                name: "p-cp-1234"
            })
        );
        assert_eq!(group.max_surge(), Some(0));
        assert_eq!(group.namespace(), "team-a");
    }

    #[test]
    fn reads_talos_and_managed_control_planes_at_their_own_paths() {
        let talos = json!({
            "kind": "TalosControlPlane",
            "spec": {
                "version": "v1.33.0",
                "infrastructureTemplate": { "kind": "ProxmoxMachineTemplate", "name": "t" },
            },
        });
        let group = MachineGroup::of(&talos).expect("a group");
        assert_eq!(group.machine_template().map(|t| t.name), Some("t"));
        assert_eq!(group.max_surge(), Some(1), "CAPI's default surge");
        let eks = json!({ "kind": "AWSManagedControlPlane", "spec": { "version": "v1.32" } });
        let group = MachineGroup::of(&eks).expect("a group");
        assert!(group.is_control_plane() && !group.has_replicas());
        assert_eq!((group.version(), group.max_surge()), (Some("v1.32"), None));
        assert_eq!(group.machine_template(), None);
    }

    #[test]
    fn worker_pools_default_to_one_replica_and_pools_have_no_surge() {
        let deployment = json!({
            "kind": "MachineDeployment",
            "spec": { "template": { "spec": {
                "version": "v1.32.1",
                "bootstrap": { "configRef": { "name": "b" } },
                "infrastructureRef": { "kind": "KubevirtMachineTemplate", "name": "m" },
            } } },
        });
        let group = MachineGroup::of(&deployment).expect("a group");
        assert!(!group.is_control_plane());
        assert_eq!((group.replicas(), group.max_surge()), (1, Some(1)));
        assert_eq!(group.version(), Some("v1.32.1"));
        let pool = json!({ "kind": "MachinePool", "spec": { "replicas": 4 } });
        let group = MachineGroup::of(&pool).expect("a group");
        assert_eq!((group.replicas(), group.max_surge()), (4, None));
    }

    #[test]
    fn other_kinds_are_not_groups() {
        for kind in [
            "KubevirtMachineTemplate",
            "Cluster",
            "AWSManagedMachinePool",
            "Unknown",
        ] {
            assert!(
                MachineGroup::of(&json!({ "kind": kind })).is_none(),
                "{kind}"
            );
        }
        assert!(MachineGroup::of(&json!({})).is_none());
    }
}
