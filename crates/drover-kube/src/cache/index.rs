//! The inventory index: every live object drover rendered (label `app.kubernetes.io/managed-by=
//! drover`), grouped by cluster, fed by one watch per kind and by drover's own writes. It is a
//! plain synchronous structure — no I/O — so reconciles read it without a request and tests feed
//! it directly.
//!
//! Objects are kept compact: `metadata.managedFields` is dropped from every object (but for the
//! entry of the pause manager, [`crate::pause::PAUSE_MANAGER`], which says who paused a CAPI
//! Cluster) and `status`
//! from kinds whose status drover never reads ([`Cached`]), and each object is stored as its
//! JSON text, parsed again only when its cluster is reconciled. At fleet scale (tens of
//! thousands of objects) that is several times smaller than holding parsed JSON.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{PoisonError, RwLock};

use drover_api::labels;
use serde_json::Value;

use crate::inventory::{Inventory, LiveObject, ObjectKey};
use crate::pause::PAUSE_MANAGER;
use crate::resources::{Cached, KindInfo};

/// One cached object.
#[derive(Clone, Debug)]
struct Entry {
    info: &'static KindInfo,
    resource_version: Option<u64>,
    json: Box<str>,
}

impl Entry {
    fn new(info: &'static KindInfo, object: &Value) -> Self {
        let compact = compact(info, object);
        Self {
            info,
            resource_version: resource_version(object),
            json: compact.to_string().into_boxed_str(),
        }
    }
}

/// The cluster an object of drover's belongs to: its `drover.dev/cluster` label.
pub fn cluster_of(object: &Value) -> Option<&str> {
    object["metadata"]["labels"][labels::CLUSTER].as_str()
}

/// `metadata.resourceVersion` as a number. The API server documents it as opaque; every
/// kube-apiserver backed by etcd sends the etcd revision, a number. It is only used to not let an
/// older copy replace a newer one (drover's own writes race with the watch that reports them);
/// where it is not a number, the newest arrival wins.
pub fn resource_version(object: &Value) -> Option<u64> {
    object["metadata"]["resourceVersion"]
        .as_str()
        .and_then(|rv| rv.parse().ok())
}

/// `object` reduced to what the controller reads of a kind: no managed fields, no status unless
/// read, only metadata for metadata-only kinds. apiVersion and kind are set from the table (list
/// items of built-in kinds come without them).
pub fn compact(info: &KindInfo, object: &Value) -> Value {
    let mut out = serde_json::Map::new();
    out.insert("apiVersion".to_owned(), Value::from(info.api_version));
    out.insert("kind".to_owned(), Value::from(info.kind));
    let Some(fields) = object.as_object() else {
        return Value::Object(out);
    };
    for (key, value) in fields {
        match key.as_str() {
            "apiVersion" | "kind" => {}
            "metadata" => {
                let mut metadata = value.clone();
                if let Some(map) = metadata.as_object_mut()
                    && let Some(Value::Array(entries)) = map.remove("managedFields")
                {
                    let pause: Vec<Value> = entries
                        .into_iter()
                        .filter(|e| e["manager"].as_str() == Some(PAUSE_MANAGER))
                        .collect();
                    if !pause.is_empty() {
                        map.insert("managedFields".to_owned(), Value::Array(pause));
                    }
                }
                out.insert(key.clone(), metadata);
            }
            "status" if info.cached != Cached::Full => {}
            _ if info.cached == Cached::Metadata => {}
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    Value::Object(out)
}

/// A relist in progress for one kind (after a watch (re)started).
#[derive(Default)]
struct Relist {
    objects: Vec<(ObjectKey, String, Entry)>,
}

#[derive(Default)]
struct State {
    by_cluster: HashMap<String, BTreeMap<ObjectKey, Entry>>,
    relists: HashMap<&'static str, Relist>,
}

/// The index. Shared by reference; every method takes `&self`.
#[derive(Default)]
pub struct InventoryIndex {
    state: RwLock<State>,
}

fn key_of(info: &KindInfo, object: &Value) -> ObjectKey {
    let metadata = &object["metadata"];
    ObjectKey {
        kind: info.kind.to_owned(),
        namespace: if info.namespaced {
            metadata["namespace"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        } else {
            String::new()
        },
        name: metadata["name"].as_str().unwrap_or_default().to_owned(),
    }
}

impl InventoryIndex {
    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores `object` (added or changed) unless the index holds a newer version. Returns its
    /// cluster when something changed; objects without the cluster label are ignored.
    pub fn apply(&self, info: &'static KindInfo, object: &Value) -> Option<String> {
        let cluster = cluster_of(object)?.to_owned();
        let key = key_of(info, object);
        let entry = Entry::new(info, object);
        let mut state = self.write();
        let objects = state.by_cluster.entry(cluster.clone()).or_default();
        if let Some(existing) = objects.get(&key)
            && let (Some(have), Some(new)) = (existing.resource_version, entry.resource_version)
            && have >= new
        {
            return None;
        }
        objects.insert(key, entry);
        Some(cluster)
    }

    /// Forgets `object` (deleted). Returns its cluster when it was held.
    pub fn delete(&self, info: &'static KindInfo, object: &Value) -> Option<String> {
        let cluster = cluster_of(object)?.to_owned();
        self.remove(&cluster, &key_of(info, object))
            .then_some(cluster)
    }

    /// Forgets the object `key` of `cluster` (drover deleted it and it is gone). Whether it was
    /// held.
    pub fn remove(&self, cluster: &str, key: &ObjectKey) -> bool {
        let mut state = self.write();
        let Some(objects) = state.by_cluster.get_mut(cluster) else {
            return false;
        };
        let removed = objects.remove(key).is_some();
        if objects.is_empty() {
            state.by_cluster.remove(cluster);
        }
        removed
    }

    /// A watch of `info`'s kind (re)started: objects listed until [`Self::finish_relist`]
    /// replace every cached object of the kind.
    pub fn begin_relist(&self, info: &'static KindInfo) {
        self.write().relists.insert(info.kind, Relist::default());
    }

    /// One object of a relist.
    pub fn relist_object(&self, info: &'static KindInfo, object: &Value) {
        let Some(cluster) = cluster_of(object) else {
            return;
        };
        let item = (
            key_of(info, object),
            cluster.to_owned(),
            Entry::new(info, object),
        );
        self.write()
            .relists
            .entry(info.kind)
            .or_default()
            .objects
            .push(item);
    }

    /// The relist of `info`'s kind is complete: its objects replace the kind's cached ones.
    /// Returns the clusters whose objects of the kind changed (appeared, changed or went while the
    /// watch was down).
    pub fn finish_relist(&self, info: &'static KindInfo) -> BTreeSet<String> {
        let mut state = self.write();
        let relist = state.relists.remove(info.kind).unwrap_or_default();
        let mut fresh: HashMap<String, BTreeMap<ObjectKey, Entry>> = HashMap::new();
        for (key, cluster, entry) in relist.objects {
            fresh.entry(cluster).or_default().insert(key, entry);
        }
        let mut changed = BTreeSet::new();
        for (cluster, objects) in &mut state.by_cluster {
            let before = objects.len();
            let new = fresh.remove(cluster).unwrap_or_default();
            let mut differs = false;
            objects.retain(|key, entry| {
                if entry.info.kind != info.kind {
                    return true;
                }
                let kept = new.get(key).is_some_and(|n| n.json == entry.json);
                differs |= !kept;
                kept
            });
            for (key, entry) in new {
                if let std::collections::btree_map::Entry::Vacant(slot) = objects.entry(key) {
                    differs = true;
                    slot.insert(entry);
                }
            }
            if differs || objects.len() != before {
                changed.insert(cluster.clone());
            }
        }
        for (cluster, objects) in fresh {
            changed.insert(cluster.clone());
            state.by_cluster.insert(cluster, objects);
        }
        state.by_cluster.retain(|_, objects| !objects.is_empty());
        changed
    }

    /// Forgets every object of `info`'s kind (its CRD went away). Returns the clusters that had
    /// some.
    pub fn forget_kind(&self, info: &'static KindInfo) -> BTreeSet<String> {
        self.begin_relist(info);
        self.finish_relist(info)
    }

    /// The live objects of `cluster`, parsed, for one reconcile.
    pub fn inventory(&self, cluster: &str) -> Inventory {
        let state = self.read();
        let Some(objects) = state.by_cluster.get(cluster) else {
            return Inventory::default();
        };
        Inventory::from_objects(objects.iter().filter_map(|(key, entry)| {
            let object = serde_json::from_str(&entry.json).ok()?;
            Some((
                key.clone(),
                LiveObject {
                    info: entry.info,
                    object,
                },
            ))
        }))
    }

    /// The live object `key` of `cluster`, parsed.
    pub fn get(&self, cluster: &str, key: &ObjectKey) -> Option<LiveObject> {
        let state = self.read();
        let entry = state.by_cluster.get(cluster)?.get(key)?;
        Some(LiveObject {
            info: entry.info,
            object: serde_json::from_str(&entry.json).ok()?,
        })
    }

    /// Number of cached objects and the bytes of their JSON text (for `/metrics`).
    pub fn size(&self) -> (usize, usize) {
        let state = self.read();
        state
            .by_cluster
            .values()
            .flat_map(BTreeMap::values)
            .fold((0, 0), |(n, bytes), entry| {
                (n + 1, bytes + entry.json.len())
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::kind_info;
    use serde_json::json;

    fn info(kind: &str) -> &'static KindInfo {
        kind_info(kind).unwrap_or_else(|| panic!("{kind}"))
    }

    fn object(kind: &str, name: &str, cluster: &str, rv: u64) -> Value {
        json!({
            "apiVersion": info(kind).api_version, "kind": kind,
            "metadata": { "name": name, "namespace": format!("{cluster}-cluster"),
                          "resourceVersion": rv.to_string(),
                          "labels": { labels::CLUSTER: cluster, labels::MANAGED_BY: labels::MANAGER },
                          "managedFields": [ { "manager": "drover" } ] },
            "spec": { "replicas": 2 },
            "status": { "ready": true },
        })
    }

    #[test]
    fn objects_are_grouped_by_cluster_and_stripped() {
        let index = InventoryIndex::default();
        let cluster = info("Cluster");
        let template = info("KubevirtMachineTemplate");
        assert_eq!(
            index
                .apply(cluster, &object("Cluster", "a", "a", 1))
                .as_deref(),
            Some("a")
        );
        index.apply(template, &object("KubevirtMachineTemplate", "t", "a", 2));
        index.apply(cluster, &object("Cluster", "b", "b", 3));
        let a = index.inventory("a");
        assert_eq!(a.len(), 2);
        let capi = a.of_kind("Cluster").next().cloned().unwrap_or_default();
        assert_eq!(capi["status"]["ready"], true, "Cluster status is kept");
        assert!(capi["metadata"].get("managedFields").is_none());
        let template = a
            .of_kind("KubevirtMachineTemplate")
            .next()
            .cloned()
            .unwrap_or_default();
        assert!(template.get("status").is_none(), "template status dropped");
        assert_eq!(template["spec"]["replicas"], 2);
        assert_eq!(index.inventory("b").len(), 1);
        assert!(index.inventory("c").is_empty());
    }

    #[test]
    fn only_the_pause_managers_entry_of_managed_fields_is_kept() {
        let mut cluster = object("Cluster", "a", "a", 1);
        cluster["metadata"]["managedFields"] = json!([
            { "manager": "drover", "fieldsV1": { "f:spec": {} } },
            { "manager": PAUSE_MANAGER, "fieldsV1": { "f:spec": { "f:paused": {} } } },
        ]);
        let kept = compact(info("Cluster"), &cluster);
        assert_eq!(
            kept["metadata"]["managedFields"],
            json!([{ "manager": PAUSE_MANAGER, "fieldsV1": { "f:spec": { "f:paused": {} } } }])
        );
        assert!(
            compact(info("Cluster"), &object("Cluster", "a", "a", 1))["metadata"]
                .get("managedFields")
                .is_none()
        );
    }

    #[test]
    fn namespaces_keep_metadata_only() {
        let namespace = json!({ "metadata": { "name": "a-cluster", "labels": { labels::CLUSTER: "a" } },
                                "spec": { "finalizers": ["kubernetes"] }, "status": { "phase": "Active" } });
        let index = InventoryIndex::default();
        index.apply(info("Namespace"), &namespace);
        let inventory = index.inventory("a");
        let (key, live) = inventory.iter().next().unwrap_or_else(|| panic!("cached"));
        assert_eq!(key.namespace, "", "cluster-scoped");
        assert_eq!(
            live.object,
            json!({ "apiVersion": "v1", "kind": "Namespace",
                    "metadata": { "name": "a-cluster", "labels": { labels::CLUSTER: "a" } } })
        );
    }

    #[test]
    fn an_older_copy_does_not_replace_a_newer_one() {
        let index = InventoryIndex::default();
        let cluster = info("Cluster");
        let mut newer = object("Cluster", "a", "a", 7);
        newer["spec"]["replicas"] = json!(3);
        index.apply(cluster, &newer);
        assert_eq!(index.apply(cluster, &object("Cluster", "a", "a", 5)), None);
        let a = index.inventory("a");
        assert_eq!(
            a.of_kind("Cluster")
                .next()
                .map(|c| c["spec"]["replicas"].clone()),
            Some(json!(3))
        );
    }

    #[test]
    fn unlabelled_objects_are_ignored_and_deletes_forget() {
        let index = InventoryIndex::default();
        let cluster = info("Cluster");
        assert_eq!(
            index.apply(cluster, &json!({ "metadata": { "name": "x" } })),
            None
        );
        index.apply(cluster, &object("Cluster", "a", "a", 1));
        assert_eq!(
            index
                .delete(cluster, &object("Cluster", "a", "a", 2))
                .as_deref(),
            Some("a")
        );
        assert!(index.inventory("a").is_empty());
        assert_eq!(index.delete(cluster, &object("Cluster", "a", "a", 3)), None);
    }

    #[test]
    fn a_relist_replaces_the_kind_and_names_changed_clusters() {
        let index = InventoryIndex::default();
        let cluster = info("Cluster");
        let template = info("KubevirtMachineTemplate");
        index.apply(cluster, &object("Cluster", "a", "a", 1));
        index.apply(cluster, &object("Cluster", "b", "b", 2));
        index.apply(template, &object("KubevirtMachineTemplate", "t", "b", 3));
        // While the watch was down: `a` changed, `b`'s Cluster went, `c` appeared.
        index.begin_relist(cluster);
        let mut changed_a = object("Cluster", "a", "a", 9);
        changed_a["spec"]["replicas"] = json!(5);
        index.relist_object(cluster, &changed_a);
        index.relist_object(cluster, &object("Cluster", "c", "c", 10));
        assert_eq!(
            index.inventory("c").len(),
            0,
            "not visible before the relist ends"
        );
        let changed = index.finish_relist(cluster);
        assert_eq!(changed.into_iter().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(index.inventory("b").len(), 1, "other kinds stay");
        assert_eq!(index.inventory("c").len(), 1);
        // An identical relist changes nothing.
        index.begin_relist(cluster);
        index.relist_object(cluster, &changed_a);
        index.relist_object(cluster, &object("Cluster", "c", "c", 10));
        assert!(index.finish_relist(cluster).is_empty());
        assert_eq!(index.size().0, 3);
    }
}
