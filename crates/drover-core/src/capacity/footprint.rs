//! The footprint of a set of cluster objects: the vCPU and memory its VMs request, read from the
//! objects themselves (rendered or live), not from a claim.
//!
//! The controller compares the footprint of what it would apply with the footprint of what runs:
//! a cluster "grows" when the desired footprint exceeds the live one in either dimension, and only
//! then does it need admission ([`super::admit`]). Counted: each `KubeadmControlPlane`'s
//! `spec.replicas` and each `MachineDeployment`'s `spec.replicas` (1 when unset, as CAPI defaults
//! them) times the `cpu.cores` and `memory.guest` of the `KubevirtMachineTemplate` it references
//! in the same namespace. A reference to a template that is not in the set counts nothing; other
//! kinds count nothing. Surge VMs of rolling updates are not counted: they are transient, and the
//! same for the desired and the live objects.

use std::collections::BTreeMap;

use serde_json::Value;

use super::model::Resources;
use crate::contract::machines::{KubevirtVm, MachineGroup};
use crate::quantity::Quantity;

/// Total vCPU and memory requested by the VMs of `objects` (see the module documentation).
pub fn footprint<'a>(objects: impl IntoIterator<Item = &'a Value>) -> Resources {
    let objects: Vec<&Value> = objects.into_iter().collect();
    let templates: BTreeMap<(&str, &str), Resources> = objects
        .iter()
        .filter_map(|object| KubevirtVm::of(object))
        .map(|vm| ((vm.namespace, vm.name), vm_resources(&vm)))
        .collect();
    objects
        .iter()
        .filter_map(|object| MachineGroup::of(object))
        .filter_map(|group| {
            let template = group.machine_template()?;
            if template.kind != KubevirtVm::KIND {
                return None;
            }
            let per_vm = templates.get(&(group.namespace(), template.name))?;
            let replicas = u64::try_from(group.replicas()).unwrap_or(0);
            Some(Resources {
                cpu_millis: per_vm.cpu_millis.saturating_mul(replicas),
                memory_bytes: per_vm.memory_bytes.saturating_mul(replicas),
            })
        })
        .fold(Resources::default(), Resources::plus)
}

/// One VM of a template (zero where unreadable).
fn vm_resources(vm: &KubevirtVm) -> Resources {
    let memory = vm
        .memory
        .and_then(|text| Quantity::parse(text).ok())
        .map_or(0, |q| q.bytes());
    Resources::new(vm.cores.unwrap_or(0), memory)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::render::render_cluster;
    use crate::resolve::ResolvedCluster;

    const GI: u64 = 1 << 30;
    const TEMPLATE_KIND: &str = KubevirtVm::KIND;

    fn resolved(control_plane: i32, workers: &[(&str, i32, &str)]) -> ResolvedCluster {
        let claim = fixtures::with_control_plane(
            fixtures::with_workers(fixtures::claim("team-a", "payments", "dev"), workers),
            control_plane,
        );
        fixtures::resolved(
            &claim,
            &fixtures::environment("dev", "v1.32.1"),
            &fixtures::kubevirt_infrastructure(),
        )
    }

    fn of(cluster: &ResolvedCluster) -> Resources {
        let rendered = render_cluster(cluster).expect("renders");
        footprint(rendered.objects.iter().map(|m| &m.0))
    }

    #[test]
    fn counts_control_plane_and_pools_by_their_templates() {
        // Control plane of 3 `small` (4 vCPU, 16Gi), pools of 2 `small` and 1 `medium` (8, 32Gi).
        let cluster = resolved(3, &[("md-0", 2, "small"), ("md-1", 1, "medium")]);
        assert_eq!(
            of(&cluster),
            Resources::new(3 * 4 + 2 * 4 + 8, (48 + 32 + 32) * GI)
        );
    }

    #[test]
    fn growing_shows_in_either_dimension() {
        let small = of(&resolved(1, &[("md-0", 2, "small")]));
        let more = of(&resolved(1, &[("md-0", 3, "small")]));
        let bigger = of(&resolved(1, &[("md-0", 2, "medium")]));
        assert!(!more.within(small) && !bigger.within(small));
        assert!(small.within(more) && small.within(small));
    }

    #[test]
    fn nothing_and_unknown_references_count_nothing() {
        assert_eq!(footprint([]), Resources::default());
        let rendered = render_cluster(&resolved(1, &[("md-0", 2, "small")])).expect("renders");
        // The live set without its templates (pruned, or not created yet): nothing to read.
        let without_templates: Vec<&Value> = rendered
            .objects
            .iter()
            .map(|m| &m.0)
            .filter(|o| o["kind"] != TEMPLATE_KIND)
            .collect();
        assert_eq!(footprint(without_templates), Resources::default());
        // Templates alone are not VMs.
        let templates = rendered
            .objects
            .iter()
            .map(|m| &m.0)
            .filter(|o| o["kind"] == TEMPLATE_KIND);
        assert_eq!(footprint(templates), Resources::default());
    }

    #[test]
    fn unset_replicas_default_to_one_as_in_capi() {
        let rendered = render_cluster(&resolved(3, &[("md-0", 2, "small")])).expect("renders");
        let mut objects: Vec<Value> = rendered.objects.iter().map(|m| m.0.clone()).collect();
        for object in &mut objects {
            let scaled = matches!(
                object["kind"].as_str(),
                Some("KubeadmControlPlane" | "MachineDeployment")
            );
            if let Some(spec) = object["spec"].as_object_mut().filter(|_| scaled) {
                spec.remove("replicas");
            }
        }
        assert_eq!(footprint(&objects), Resources::new(8, 32 * GI));
    }
}
