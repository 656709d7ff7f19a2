//! `VSphereMachineTemplate` (`v1beta2`): the VM every machine of a group is cloned from.

use drover_api::infrastructure::VsphereInfrastructure;
use serde_json::{Map, Value, json};

use super::CAPV_V1BETA2;
use crate::objects::hash::hashed_name;
use crate::objects::meta::{MetaBuilder, object};
use crate::providers::vm_size::{cpus, disk_gib, memory_mib};
use crate::resolve::{ResolvedCluster, ResolvedSize};
use crate::version::KubeVersion;

/// The machine template `<base>-<content hash>` for VMs of `size`, cloned from the VM template
/// of `version` (the control plane's or the pool's).
pub fn machine_template(
    cluster: &ResolvedCluster,
    settings: &VsphereInfrastructure,
    base_name: &str,
    size: &ResolvedSize,
    version: KubeVersion,
) -> Value {
    let mut vm = Map::new();
    vm.insert("server".to_owned(), json!(settings.server));
    if let Some(thumbprint) = &settings.thumbprint {
        vm.insert("thumbprint".to_owned(), json!(thumbprint));
    }
    vm.insert("datacenter".to_owned(), json!(settings.datacenter));
    vm.insert("datastore".to_owned(), json!(settings.datastore));
    if let Some(folder) = &settings.folder {
        vm.insert("folder".to_owned(), json!(folder));
    }
    if let Some(pool) = &settings.resource_pool {
        vm.insert("resourcePool".to_owned(), json!(pool));
    }
    vm.insert(
        "template".to_owned(),
        json!(
            settings
                .template
                .replace("{{version}}", &version.to_string())
        ),
    );
    // Full clones: a linked clone ignores diskGiB (its disk cannot grow), so the size's disk
    // would silently not apply.
    vm.insert("cloneMode".to_owned(), json!("fullClone"));
    vm.insert("numCPUs".to_owned(), json!(cpus(size)));
    vm.insert("memoryMiB".to_owned(), json!(memory_mib(size, 1)));
    vm.insert("diskGiB".to_owned(), json!(disk_gib(size)));
    vm.insert("os".to_owned(), json!("Linux"));
    // Shut the guest down cleanly on deletion, halting it if that takes too long.
    vm.insert("powerOffMode".to_owned(), json!("trySoft"));
    vm.insert(
        "network".to_owned(),
        json!({ "devices": [ { "networkName": settings.network, "dhcp4": true } ] }),
    );
    let spec = json!({ "template": { "spec": vm } });
    let name = hashed_name(base_name, &spec);
    object(
        CAPV_V1BETA2,
        "VSphereMachineTemplate",
        MetaBuilder::namespaced(cluster, name),
        json!({ "spec": spec }),
    )
}
