//! Access checks shared by providers whose API endpoint is a fixed VIP held by the control-plane
//! nodes (Proxmox + Talos, vSphere with kube-vip): only `LoadBalancer` (the VIP itself) fits.

use drover_api::workload_cluster::ExternalAccessType;

use super::Issue;
use crate::resolve::ResolvedCluster;

/// Issues for `Ingress`/`NodePort` access and for a host name. `endpoint` says how the API is
/// reached instead (`the cluster's control-plane VIP`).
pub fn vip_only(cluster: &ResolvedCluster, provider: &str, endpoint: &str) -> Vec<Issue> {
    let mut issues = Vec::new();
    let refused = match cluster.external_access {
        Some(ExternalAccessType::Ingress) => Some("Ingress"),
        Some(ExternalAccessType::NodePort) => Some("NodePort"),
        Some(ExternalAccessType::LoadBalancer) | None => None,
    };
    if let Some(name) = refused {
        issues.push(Issue::new(
            "spec.externalAccess.type",
            format!(
                "`{name}` access is not supported by provider `{provider}`: the API server is reached on {endpoint} (use LoadBalancer)"
            ),
        ));
    }
    if cluster.external_host.is_some() {
        issues.push(Issue::new(
            "spec.externalAccess.host",
            format!("a host name is only used with Ingress access, which provider `{provider}` does not support"),
        ));
    }
    issues
}
