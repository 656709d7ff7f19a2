//! Read-only views of the Cluster API objects the status is computed from.
//!
//! The controller hands over the live objects as JSON (`serde_json::Value`) exactly as the API
//! server returned them; these views pick out the few `cluster.x-k8s.io/v1beta2` fields drover
//! reports on and tolerate everything else being absent (a freshly created object has no status).

use serde_json::Value;

/// A condition as CAPI v1beta2 writes it (`metav1.Condition`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CapiCondition {
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// CamelCase reason.
    pub reason: String,
    /// Human-readable message.
    pub message: String,
}

impl CapiCondition {
    /// Whether the condition is `True`.
    pub fn is_true(&self) -> bool {
        self.status == "True"
    }
}

/// The condition of type `type_` in `object.status.conditions`, if reported.
pub fn condition(object: &Value, type_: &str) -> Option<CapiCondition> {
    object["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"].as_str() == Some(type_))
        .map(|c| CapiCondition {
            status: c["status"].as_str().unwrap_or("Unknown").to_owned(),
            reason: c["reason"].as_str().unwrap_or_default().to_owned(),
            message: c["message"].as_str().unwrap_or_default().to_owned(),
        })
}

fn int(value: &Value) -> Option<i32> {
    value.as_i64().and_then(|n| i32::try_from(n).ok())
}

/// The CAPI `Cluster`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ClusterView {
    /// `status.initialization.infrastructureProvisioned`.
    pub infrastructure_provisioned: bool,
    /// `status.initialization.controlPlaneInitialized`.
    pub control_plane_initialized: bool,
    /// Condition `InfrastructureReady`.
    pub infrastructure_ready: Option<CapiCondition>,
    /// Condition `ControlPlaneAvailable`.
    pub control_plane_available: Option<CapiCondition>,
    /// Condition `WorkersAvailable`.
    pub workers_available: Option<CapiCondition>,
    /// `https://host:port` from `spec.controlPlaneEndpoint`, once CAPI knows it.
    pub endpoint: Option<String>,
    /// `spec.paused`.
    pub paused: bool,
}

impl ClusterView {
    /// Reads a Cluster object.
    pub fn from_object(object: &Value) -> Self {
        let init = &object["status"]["initialization"];
        Self {
            infrastructure_provisioned: init["infrastructureProvisioned"].as_bool() == Some(true),
            control_plane_initialized: init["controlPlaneInitialized"].as_bool() == Some(true),
            infrastructure_ready: condition(object, "InfrastructureReady"),
            control_plane_available: condition(object, "ControlPlaneAvailable"),
            workers_available: condition(object, "WorkersAvailable"),
            endpoint: endpoint(&object["spec"]["controlPlaneEndpoint"]),
            paused: is_paused(object),
        }
    }
}

/// A reference the CAPI Cluster holds to an object in its own namespace (v1beta2:
/// `{apiGroup, kind, name}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClusterReference<'a> {
    /// API group.
    pub api_group: &'a str,
    /// Kind.
    pub kind: &'a str,
    /// Name.
    pub name: &'a str,
}

fn reference(value: &Value) -> Option<ClusterReference<'_>> {
    Some(ClusterReference {
        api_group: value["apiGroup"].as_str().unwrap_or_default(),
        kind: value["kind"].as_str()?,
        name: value["name"].as_str()?,
    })
}

/// The Cluster's `spec.controlPlaneRef`.
pub fn control_plane_ref(cluster: &Value) -> Option<ClusterReference<'_>> {
    reference(&cluster["spec"]["controlPlaneRef"])
}

/// The Cluster's `spec.infrastructureRef`.
pub fn infrastructure_ref(cluster: &Value) -> Option<ClusterReference<'_>> {
    reference(&cluster["spec"]["infrastructureRef"])
}

/// Whether the Cluster has `spec.paused: true`.
pub fn is_paused(cluster: &Value) -> bool {
    cluster["spec"]["paused"].as_bool() == Some(true)
}

/// Whether CAPI has written the Cluster's control-plane endpoint (without one, no kubeconfig
/// exists).
pub fn has_endpoint(cluster: &Value) -> bool {
    endpoint(&cluster["spec"]["controlPlaneEndpoint"]).is_some()
}

/// `https://host:port` (IPv6 hosts in brackets; port 6443 when CAPI gives none).
fn endpoint(value: &Value) -> Option<String> {
    let host = value["host"].as_str().filter(|h| !h.is_empty())?;
    let port = int(&value["port"]).filter(|p| *p > 0).unwrap_or(6443);
    if host.contains(':') && !host.starts_with('[') {
        Some(format!("https://[{host}]:{port}"))
    } else {
        Some(format!("https://{host}:{port}"))
    }
}

/// Replica counts of a control plane or MachineDeployment (v1beta2 status).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Replicas {
    /// `spec.replicas`.
    pub desired: i32,
    /// `status.replicas`.
    pub current: i32,
    /// `status.readyReplicas`.
    pub ready: i32,
    /// `status.availableReplicas`.
    pub available: i32,
    /// `status.upToDateReplicas`.
    pub up_to_date: i32,
}

impl Replicas {
    /// Reads the replica fields of `object`.
    pub fn from_object(object: &Value) -> Self {
        let status = &object["status"];
        Self {
            desired: int(&object["spec"]["replicas"]).unwrap_or(0),
            current: int(&status["replicas"]).unwrap_or(0),
            ready: int(&status["readyReplicas"]).unwrap_or(0),
            available: int(&status["availableReplicas"]).unwrap_or(0),
            up_to_date: int(&status["upToDateReplicas"]).unwrap_or(0),
        }
    }
}

impl std::ops::Add for Replicas {
    type Output = Replicas;

    /// The counts of two groups together.
    fn add(self, other: Replicas) -> Replicas {
        Replicas {
            desired: self.desired + other.desired,
            current: self.current + other.current,
            ready: self.ready + other.ready,
            available: self.available + other.available,
            up_to_date: self.up_to_date + other.up_to_date,
        }
    }
}

/// The control-plane object (KubeadmControlPlane and alike).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ControlPlaneView {
    /// Replica counts.
    pub replicas: Replicas,
    /// `status.version`: the version the control plane runs.
    pub version: Option<String>,
}

impl ControlPlaneView {
    /// Reads a control-plane object.
    pub fn from_object(object: &Value) -> Self {
        Self {
            replicas: Replicas::from_object(object),
            version: object["status"]["version"]
                .as_str()
                .filter(|v| !v.is_empty())
                .map(str::to_owned),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_v1beta2_cluster_fields() {
        let cluster = json!({
            "spec": { "controlPlaneEndpoint": { "host": "192.168.0.225", "port": 6443 }, "paused": true },
            "status": {
                "initialization": { "infrastructureProvisioned": true },
                "conditions": [
                    { "type": "ControlPlaneAvailable", "status": "False", "reason": "NotAvailable", "message": "0 of 1" },
                ],
            },
        });
        let view = ClusterView::from_object(&cluster);
        assert!(view.infrastructure_provisioned);
        assert!(!view.control_plane_initialized);
        assert!(view.paused);
        assert_eq!(view.endpoint.as_deref(), Some("https://192.168.0.225:6443"));
        let available = view.control_plane_available.unwrap_or_default();
        assert_eq!(
            (available.status.as_str(), available.reason.as_str()),
            ("False", "NotAvailable")
        );
        assert_eq!(view.workers_available, None);
    }

    #[test]
    fn reads_the_cluster_references() {
        let cluster = json!({ "spec": {
            "controlPlaneRef": { "apiGroup": "controlplane.cluster.x-k8s.io", "kind": "KubeadmControlPlane", "name": "p-control-plane" },
            "infrastructureRef": { "kind": "KubevirtCluster", "name": "p" },
            "controlPlaneEndpoint": { "host": "", "port": 6443 },
        }});
        let control_plane = control_plane_ref(&cluster).map(|r| (r.api_group, r.kind, r.name));
        assert_eq!(
            control_plane,
            Some((
                "controlplane.cluster.x-k8s.io",
                "KubeadmControlPlane",
                "p-control-plane"
            ))
        );
        assert_eq!(infrastructure_ref(&cluster).map(|r| r.name), Some("p"));
        assert!(!has_endpoint(&cluster) && !is_paused(&cluster));
        assert_eq!(control_plane_ref(&json!({})), None);
    }

    #[test]
    fn endpoint_brackets_ipv6_and_defaults_port() {
        assert_eq!(
            endpoint(&json!({ "host": "fd00::1" })).as_deref(),
            Some("https://[fd00::1]:6443")
        );
        assert_eq!(endpoint(&json!({ "host": "" })), None);
        assert_eq!(endpoint(&json!({})), None);
    }

    #[test]
    fn empty_objects_read_as_zero() {
        assert_eq!(Replicas::from_object(&json!({})), Replicas::default());
        assert_eq!(
            ControlPlaneView::from_object(&json!({ "status": { "version": "" } })).version,
            None
        );
    }
}
