//! Where each kind drover renders lives in the API, from the one table of kinds
//! ([`drover_core::render::order::KINDS`]): group, version, plural, scope, apply phase and what
//! the controller caches. No discovery round-trip is needed to address them; whether the API
//! server serves them is what [`crate::cache`] finds out by watching.

use kube::core::{ApiResource, GroupVersionKind};

pub use drover_core::render::order::{Cached, KINDS, KindInfo, Phase, apply_rank, kind_info};

/// The [`ApiResource`] of a table entry, at the entry's version.
pub trait KindResource {
    /// The [`ApiResource`] at this entry's version.
    fn api_resource(&self) -> ApiResource;
}

impl KindResource for KindInfo {
    fn api_resource(&self) -> ApiResource {
        resource(self.api_version, self.kind, self.plural)
    }
}

/// Every kind drover renders, in apply order: what the controller watches, prunes and deletes.
pub fn inventory_kinds() -> impl DoubleEndedIterator<Item = &'static KindInfo> {
    KINDS.iter()
}

/// The [`ApiResource`] for an object of `kind` written at `api_version` (`group/version`).
pub fn resource(api_version: &str, kind: &str, plural: &str) -> ApiResource {
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural)
}

/// Secrets are never rendered; the Argo CD cluster Secret is applied and deleted through this
/// entry (it is not watched: the controller may not list Secrets).
pub const SECRET: KindInfo = KindInfo {
    kind: "Secret",
    api_version: "v1",
    plural: "secrets",
    namespaced: true,
    phase: Phase::Prerequisites,
    cached: Cached::Spec,
    machines: None,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_versions_match_what_the_renderer_writes() {
        use drover_core::fixtures;
        let claim = fixtures::claim("team-a", "payments", "dev");
        let cluster = fixtures::resolved(
            &fixtures::with_workers(claim, &[("md-0", 2, "small")]),
            &fixtures::environment("dev", "v1.32.1"),
            &fixtures::kubevirt_infrastructure(),
        );
        let rendered = drover_core::render::render_cluster(&cluster);
        let rendered = rendered.unwrap_or_else(|e| panic!("render: {e}"));
        for object in &rendered.objects {
            let info = kind_info(object.kind());
            assert_eq!(
                info.map(|i| i.api_version),
                Some(object.api_version()),
                "{}",
                object.kind()
            );
        }
    }

    #[test]
    fn core_group_resources_have_an_empty_group() {
        let namespace = kind_info("Namespace").map(KindResource::api_resource);
        let namespace = namespace.unwrap_or_else(|| panic!("Namespace missing"));
        assert_eq!(
            (namespace.group.as_str(), namespace.api_version.as_str()),
            ("", "v1")
        );
        let kcp = resource(
            "controlplane.cluster.x-k8s.io/v1beta2",
            "KubeadmControlPlane",
            "x",
        );
        assert_eq!(kcp.group, "controlplane.cluster.x-k8s.io");
        assert_eq!(kcp.version, "v1beta2");
    }
}
