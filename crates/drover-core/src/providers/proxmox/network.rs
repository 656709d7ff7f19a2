//! The node network of a Proxmox cluster: its node address pool and its control-plane VIP, and
//! the checks that keep the two apart (Talos announces the VIP on the nodes' layer-2 network, so
//! it must sit in their subnet, and CAPMOX's IPAM must never hand it to a node).

use std::net::Ipv4Addr;

use drover_api::infrastructure::ProxmoxInfrastructure;
use ipnet::Ipv4Net;

use crate::providers::Issue;
use crate::resolve::ResolvedCluster;

/// The claim field the cluster-specific network settings hang off: they are keyed by the
/// cluster's name in its Infrastructure.
const FIELD: &str = "spec.infrastructure";

/// The node address ranges of `cluster`: its `nodeAddresses` entry, or the shared pool.
pub fn node_addresses<'a>(
    settings: &'a ProxmoxInfrastructure,
    cluster: &ResolvedCluster,
) -> Result<&'a [String], Issue> {
    match &settings.node_addresses {
        Some(per_cluster) => per_cluster
            .get(&cluster.name)
            .map(Vec::as_slice)
            .filter(|addresses| !addresses.is_empty())
            .ok_or_else(|| {
                Issue::new(
                    FIELD,
                    format!(
                        "Infrastructure `{}` lists node addresses per cluster (proxmox.nodeAddresses) but none for cluster `{}` (provider `proxmox`)",
                        cluster.infrastructure, cluster.name
                    ),
                )
            }),
        None => Ok(&settings.ip_pool.addresses),
    }
}

/// The control-plane VIP of `cluster`, checked against the node network.
pub fn control_plane_vip(
    settings: &ProxmoxInfrastructure,
    cluster: &ResolvedCluster,
) -> Result<Ipv4Addr, Issue> {
    let issue = |message: String| Issue::new(FIELD, message);
    let text = settings
        .control_plane_endpoints
        .get(&cluster.name)
        .ok_or_else(|| {
            issue(format!(
                "Infrastructure `{}` has no control-plane VIP for cluster `{}` (add it to proxmox.controlPlaneEndpoints; provider `proxmox` needs one per cluster)",
                cluster.infrastructure, cluster.name
            ))
        })?;
    let vip: Ipv4Addr = text.parse().map_err(|_| {
        issue(format!(
            "control-plane VIP `{text}` of cluster `{}` is not an IPv4 address (provider `proxmox`: Talos announces the VIP by ARP)",
            cluster.name
        ))
    })?;
    let gateway: Option<Ipv4Addr> = settings.ip_pool.gateway.parse().ok();
    let prefix = u8::try_from(settings.ip_pool.prefix).ok();
    if let (Some(gateway), Some(prefix)) = (gateway, prefix)
        && let Ok(subnet) = Ipv4Net::new(gateway, prefix)
        && !subnet.trunc().contains(&vip)
    {
        return Err(issue(format!(
            "control-plane VIP {vip} of cluster `{}` is outside the node subnet {} (provider `proxmox`: Talos announces the VIP on the nodes' network)",
            cluster.name,
            subnet.trunc()
        )));
    }
    // Every range of the node network: this cluster's, other clusters', the shared pool.
    let ranges = settings.ip_pool.addresses.iter().chain(
        settings
            .node_addresses
            .iter()
            .flat_map(|m| m.values().flatten()),
    );
    for range in ranges {
        if range_contains(range, vip) {
            return Err(issue(format!(
                "control-plane VIP {vip} of cluster `{}` lies in the node address range `{range}`, so CAPMOX could give it to a node (provider `proxmox`)",
                cluster.name
            )));
        }
    }
    if let Some(other) = settings
        .control_plane_endpoints
        .iter()
        .find(|(name, address)| **name != cluster.name && address.parse() == Ok(vip))
        .map(|(name, _)| name)
    {
        return Err(issue(format!(
            "control-plane VIP {vip} of cluster `{}` is also cluster `{other}`'s (provider `proxmox`)",
            cluster.name
        )));
    }
    Ok(vip)
}

/// Whether a CAPMOX address entry (`10.0.0.10-10.0.0.50`, `10.0.1.0/25` or one address)
/// contains `ip`. Entries that do not parse contain nothing.
fn range_contains(range: &str, ip: Ipv4Addr) -> bool {
    let range = range.trim();
    if let Some((first, last)) = range.split_once('-') {
        return match (
            first.trim().parse::<Ipv4Addr>(),
            last.trim().parse::<Ipv4Addr>(),
        ) {
            (Ok(first), Ok(last)) => first <= ip && ip <= last,
            _ => false,
        };
    }
    if let Ok(net) = range.parse::<Ipv4Net>() {
        return net.contains(&ip);
    }
    range.parse::<Ipv4Addr>() == Ok(ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cidrs_and_single_addresses() {
        let ip: Ipv4Addr = "10.0.0.20".parse().expect("ip");
        assert!(range_contains("10.0.0.10-10.0.0.50", ip));
        assert!(range_contains("10.0.0.10 - 10.0.0.20", ip));
        assert!(!range_contains("10.0.0.21-10.0.0.50", ip));
        assert!(range_contains("10.0.0.0/27", ip));
        assert!(!range_contains("10.0.0.0/28", ip));
        assert!(range_contains("10.0.0.20", ip));
        assert!(!range_contains("not-an-address", ip));
    }
}
