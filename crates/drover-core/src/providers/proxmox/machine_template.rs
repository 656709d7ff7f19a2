//! `ProxmoxMachineTemplate` (`v1alpha2`): the VM every machine of a group is cloned from.

use drover_api::infrastructure::ProxmoxInfrastructure;
use serde_json::{Map, Value, json};

use super::CAPMOX_V1ALPHA2;
use crate::objects::hash::hashed_name;
use crate::objects::meta::{MetaBuilder, object};
use crate::providers::vm_size::{cpus, disk_gib, memory_mib};
use crate::resolve::{ResolvedCluster, ResolvedSize};

/// Proxmox disk device resized to the size's disk unless the Infrastructure says otherwise.
pub const DEFAULT_BOOT_DISK: &str = "scsi0";
/// CAPMOX's name for a VM's first network device, the one its default IP config goes to.
const DEFAULT_NETWORK_DEVICE: &str = "net0";

/// The machine template `<base>-<content hash>` for VMs of `size`.
pub fn machine_template(
    cluster: &ResolvedCluster,
    settings: &ProxmoxInfrastructure,
    base_name: &str,
    size: &ResolvedSize,
) -> Value {
    let mut vm = Map::new();
    vm.insert("sourceNode".to_owned(), json!(settings.source_node));
    vm.insert("templateID".to_owned(), json!(settings.template_id));
    // A full clone (CAPMOX's default, stated): the VM owns its disk, which can then be resized
    // and placed on `storage`.
    vm.insert("full".to_owned(), json!(true));
    if let Some(storage) = &settings.storage {
        vm.insert("storage".to_owned(), json!(storage));
    }
    vm.insert("numSockets".to_owned(), json!(1));
    vm.insert("numCores".to_owned(), json!(cpus(size)));
    // CAPMOX wants whole MiB in multiples of 8.
    vm.insert("memoryMiB".to_owned(), json!(memory_mib(size, 8)));
    vm.insert(
        "disks".to_owned(),
        json!({ "bootVolume": {
            "disk": settings.boot_disk.as_deref().unwrap_or(DEFAULT_BOOT_DISK),
            "sizeGb": disk_gib(size),
        }}),
    );
    vm.insert(
        "network".to_owned(),
        json!({ "networkDevices": [ {
            "name": DEFAULT_NETWORK_DEVICE,
            "bridge": settings.bridge,
            "model": "virtio",
            // The ProxmoxCluster's ipv4Config (the node pool) goes to this device.
            "defaultIPv4": true,
        } ] }),
    );
    // Talos has no cloud-init to report status; the qemu guest agent comes from a Talos system
    // extension that images may lack. Neither gates a Talos machine.
    vm.insert(
        "checks".to_owned(),
        json!({ "skipCloudInitStatus": true, "skipQemuGuestAgent": true }),
    );
    // `provider-id: proxmox://<uuid>` in the nocloud metadata: the Talos cloud controller copies
    // it to the Node, where CAPI matches it with the Machine.
    vm.insert(
        "metadataSettings".to_owned(),
        json!({ "providerIDInjection": true }),
    );
    let spec = json!({ "template": { "spec": vm } });
    let name = hashed_name(base_name, &spec);
    object(
        CAPMOX_V1ALPHA2,
        "ProxmoxMachineTemplate",
        MetaBuilder::namespaced(cluster, name),
        json!({ "spec": spec }),
    )
}
