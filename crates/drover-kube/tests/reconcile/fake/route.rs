//! Parsing request URLs of the fake API server, and the resources it serves.

use std::collections::BTreeMap;

use drover_kube::resources::inventory_kinds;

/// One resource the fake serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Served {
    pub group: String,
    pub version: String,
    pub plural: String,
    pub kind: String,
    pub namespaced: bool,
}

impl Served {
    pub fn new(api_version: &str, kind: &str, plural: &str, namespaced: bool) -> Self {
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        Self {
            group: group.to_owned(),
            version: version.to_owned(),
            plural: plural.to_owned(),
            kind: kind.to_owned(),
            namespaced,
        }
    }

    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

/// Kinds of a management cluster with CAPI core, kubeadm, CAPK and CAAPH installed: the
/// Kubernetes built-ins and those providers' kinds. Other providers' kinds (and the Prometheus
/// operator's ServiceMonitor) are not served, as on a real KubeVirt management cluster.
const INSTALLED: &[&str] = &[
    "Namespace",
    "ServiceAccount",
    "Role",
    "RoleBinding",
    "ConfigMap",
    "NetworkPolicy",
    "KubeadmConfigTemplate",
    "KubevirtMachineTemplate",
    "KubevirtCluster",
    "KubeadmControlPlane",
    "Cluster",
    "MachineDeployment",
    "MachinePool",
    "MachineHealthCheck",
    "Deployment",
    "Service",
    "Ingress",
    "PodDisruptionBudget",
    "HelmChartProxy",
];

/// The resources served by default.
pub fn default_served() -> Vec<Served> {
    let mut served: Vec<Served> = inventory_kinds()
        .filter(|info| INSTALLED.contains(&info.kind))
        .map(|info| Served::new(info.api_version, info.kind, info.plural, info.namespaced))
        .collect();
    served.extend([
        Served::new("cluster.x-k8s.io/v1beta2", "Machine", "machines", true),
        Served::new("v1", "Secret", "secrets", true),
        // Not rendered by drover, but read by the fleet view (`describe cluster`).
        Served::new("cluster.x-k8s.io/v1beta2", "Machine", "machines", true),
        Served::new("events.k8s.io/v1", "Event", "events", true),
        Served::new(
            "drover.dev/v1alpha1",
            "WorkloadCluster",
            "workloadclusters",
            true,
        ),
        Served::new("drover.dev/v1alpha1", "Environment", "environments", false),
        // RBAC: what `SubjectAccessReview`s are decided by.
        Served::new(
            "rbac.authorization.k8s.io/v1",
            "ClusterRole",
            "clusterroles",
            false,
        ),
        Served::new(
            "rbac.authorization.k8s.io/v1",
            "ClusterRoleBinding",
            "clusterrolebindings",
            false,
        ),
        Served::new(
            "drover.dev/v1alpha1",
            "Infrastructure",
            "infrastructures",
            false,
        ),
    ]);
    served
}

/// A parsed request path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub group: String,
    pub version: String,
    pub namespace: Option<String>,
    pub plural: String,
    pub name: Option<String>,
    pub subresource: Option<String>,
}

/// Parses `/api/v1/...` and `/apis/GROUP/VERSION/...`.
pub fn parse_path(path: &str) -> Option<Route> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (group, version, rest) = match segments.as_slice() {
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return None,
    };
    let (namespace, rest) = match rest {
        ["namespaces", namespace, rest @ ..] if !rest.is_empty() => (Some(*namespace), rest),
        _ => (None, rest),
    };
    let (plural, name, subresource) = match rest {
        [plural] => (*plural, None, None),
        [plural, name] => (*plural, Some(*name), None),
        [plural, name, sub] => (*plural, Some(*name), Some(*sub)),
        _ => return None,
    };
    Some(Route {
        group: group.to_owned(),
        version: version.to_owned(),
        namespace: namespace.map(str::to_owned),
        plural: plural.to_owned(),
        name: name.map(str::to_owned),
        subresource: subresource.map(str::to_owned),
    })
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses a query string into a map (last value wins; empty keys dropped).
pub fn parse_query(query: Option<&str>) -> BTreeMap<String, String> {
    query
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(pair), String::new()),
        })
        .collect()
}

/// Whether `object` matches a field selector on `metadata.name` / `metadata.namespace` (the
/// fields every resource supports); other fields are not filtered on.
pub fn fields_match(selector: &str, object: &serde_json::Value) -> bool {
    selector.split(',').filter(|t| !t.is_empty()).all(|term| {
        let (field, want, equal) = match term.split_once("!=") {
            Some((f, v)) => (f, v, false),
            None => match term.split_once("==").or_else(|| term.split_once('=')) {
                Some((f, v)) => (f, v, true),
                None => return true,
            },
        };
        let have = match field.trim() {
            "metadata.name" => object["metadata"]["name"].as_str(),
            "metadata.namespace" => object["metadata"]["namespace"].as_str(),
            _ => return true,
        };
        (have == Some(want.trim())) == equal
    })
}

/// Whether `labels` match an equality-based selector (`k=v`, `k==v`, `k!=v`, `k`, `!k`).
pub fn selector_matches(selector: &str, labels: &serde_json::Value) -> bool {
    selector.split(',').filter(|t| !t.is_empty()).all(|term| {
        if let Some((k, v)) = term.split_once("!=") {
            labels[k.trim()].as_str() != Some(v.trim())
        } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
            labels[k.trim()].as_str() == Some(v.trim())
        } else if let Some(k) = term.strip_prefix('!') {
            labels.get(k.trim()).is_none()
        } else {
            labels.get(term.trim()).is_some()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let ns = parse_path("/api/v1/namespaces/payments-cluster").expect("route");
        assert_eq!(
            (ns.plural.as_str(), ns.name.as_deref(), ns.namespace),
            ("namespaces", Some("payments-cluster"), None)
        );
        let secret = parse_path("/api/v1/namespaces/argocd/secrets/drover-x").expect("route");
        assert_eq!(
            (secret.namespace.as_deref(), secret.plural.as_str()),
            (Some("argocd"), "secrets")
        );
        let status = parse_path("/apis/drover.dev/v1alpha1/namespaces/a/workloadclusters/p/status")
            .expect("route");
        assert_eq!(status.subresource.as_deref(), Some("status"));
        let list = parse_path("/apis/cluster.x-k8s.io/v1beta2/namespaces/p-cluster/clusters")
            .expect("route");
        assert_eq!((list.name, list.group.as_str()), (None, "cluster.x-k8s.io"));
    }

    #[test]
    fn queries_and_selectors() {
        let q = parse_query(Some("&labelSelector=a%2Fb%3Dc%2Cd%3De&limit=2"));
        assert_eq!(
            q.get("labelSelector").map(String::as_str),
            Some("a/b=c,d=e")
        );
        let labels = serde_json::json!({ "a/b": "c", "d": "e" });
        assert!(selector_matches("a/b=c,d=e", &labels));
        assert!(!selector_matches("a/b=x", &labels));
        assert!(selector_matches("d,!z", &labels));
    }
}
