//! What a change does to a cluster's machines: which groups roll (and why: a new machine
//! template, bootstrap config or Kubernetes version), how many machines each replaces, how many
//! surge machines the rollout needs at once, which groups scale, and whether the change is a
//! Kubernetes version step — refused when it skips a minor version or goes backwards.
//!
//! Machine groups are the control plane (`KubeadmControlPlane`, `TalosControlPlane`; cloud
//! control planes are upgraded by the cloud and only count for the version) and the worker pools
//! (`MachineDeployment`; `MachinePool`, whose nodes the provider replaces itself). drover rolls
//! one group at a time, control plane first, then each worker pool in order, so
//! [`Impact::surge_vms`] is the largest surge of one step; [`Impact::surge_vms_concurrent`] is
//! what the steps would need if they all ran at once.

use serde::Serialize;
use serde_json::Value;

use super::diff::same;
use super::objects::ObjectKey;
use crate::contract::machines::MachineGroup;
use crate::diagnostics::{Diagnostic, ObjectRef};

/// The impact of one cluster's change.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Impact {
    /// The Kubernetes version step, when the version changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<VersionStep>,
    /// Groups whose machines are replaced, in the order they roll.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rollouts: Vec<Rollout>,
    /// Groups whose machine count changes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scaling: Vec<Scaling>,
    /// The most surge machines one rollout step needs at once.
    pub surge_vms: i64,
    /// Surge machines if every rolling group rolled at the same time.
    pub surge_vms_concurrent: i64,
    /// For a created or deleted cluster: its machine groups and their counts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub machines: Vec<GroupCount>,
}

/// A Kubernetes version change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionStep {
    /// The version before.
    pub from: String,
    /// The version after.
    pub to: String,
    /// What kind of step.
    pub kind: StepKind,
    /// Whether drover refuses it.
    pub refused: bool,
}

/// Kinds of version step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepKind {
    /// Same minor, newer patch.
    Patch,
    /// The next minor version.
    Minor,
    /// More than one minor version at once (refused).
    SkipsMinor,
    /// An older version (refused).
    Downgrade,
    /// Another major version (refused).
    Major,
}

/// One machine group that rolls.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rollout {
    /// `control plane` or `worker pool md-0`.
    pub group: String,
    /// `KubeadmControlPlane payments-control-plane`.
    pub object: String,
    /// Machines replaced.
    pub machines: i64,
    /// Surge machines during the roll (`None` when the provider replaces nodes itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_surge: Option<i64>,
    /// Why it rolls.
    pub reasons: Vec<String>,
}

/// A group whose machine count changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Scaling {
    /// `control plane` or `worker pool md-0`.
    pub group: String,
    /// Machines before.
    pub from: i64,
    /// Machines after.
    pub to: i64,
}

/// A machine group and its size.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupCount {
    /// `control plane` or `worker pool md-0`.
    pub group: String,
    /// Machines.
    pub machines: i64,
}

/// `control plane` or `worker pool md-0` (a pool object's name minus `<cluster>-`).
fn group_label(group: &MachineGroup, cluster: &str) -> String {
    if group.is_control_plane() {
        return "control plane".to_owned();
    }
    let name = group.name();
    let pool = name
        .strip_prefix(cluster)
        .and_then(|rest| rest.strip_prefix('-'))
        .unwrap_or(name);
    format!("worker pool {pool}")
}

/// The groups of `objects` that count machines or nodes, in object order.
fn counted_groups(objects: &[Value]) -> impl Iterator<Item = MachineGroup<'_>> {
    objects
        .iter()
        .filter_map(MachineGroup::of)
        .filter(MachineGroup::has_replicas)
}

/// The machine groups of a cluster's objects, in object order (control plane first).
pub(crate) fn groups(objects: &[Value], cluster: &str) -> Vec<GroupCount> {
    let mut groups: Vec<(bool, GroupCount)> = counted_groups(objects)
        .map(|group| {
            (
                !group.is_control_plane(),
                GroupCount {
                    group: group_label(&group, cluster),
                    machines: group.replicas(),
                },
            )
        })
        .collect();
    groups.sort_by_key(|(worker, _)| *worker);
    groups.into_iter().map(|(_, g)| g).collect()
}

/// Why a control plane or pool rolls from `before` to `after` (the same group's object).
fn roll_reasons(before: &Value, after: &MachineGroup) -> Vec<String> {
    let (group, after) = (after, after.object);
    let mut reasons = Vec::new();
    let changed = |pointer: &str| match (before.pointer(pointer), after.pointer(pointer)) {
        (None, None) => false,
        (Some(a), Some(b)) => !same(a, b),
        _ => true,
    };
    let renamed = |pointer: &str, what: &str, reasons: &mut Vec<String>| {
        let old = before.pointer(pointer).and_then(Value::as_str);
        let new = after.pointer(pointer).and_then(Value::as_str);
        if old != new {
            reasons.push(format!(
                "{what} {} → {}",
                old.unwrap_or("(none)"),
                new.unwrap_or("(none)")
            ));
        }
    };
    let rename_template = |reasons: &mut Vec<String>| {
        if let Some(pointer) = group.machine_template_pointer() {
            renamed(&pointer, "machine template", reasons);
        }
    };
    match group.kind_name() {
        "KubeadmControlPlane" => {
            renamed(group.version_pointer(), "version", &mut reasons);
            rename_template(&mut reasons);
            // The API server's flags, volumes and files (the security baseline) restart it on
            // new machines: name that, rather than kubeadm configuration in general.
            let api_server = changed("/spec/kubeadmConfigSpec/clusterConfiguration/apiServer")
                || changed("/spec/kubeadmConfigSpec/files");
            if api_server {
                reasons.push("API server configuration changed".to_owned());
            }
            let mut others = before.pointer("/spec/kubeadmConfigSpec").cloned();
            let mut new_others = after.pointer("/spec/kubeadmConfigSpec").cloned();
            for spec in [others.as_mut(), new_others.as_mut()].into_iter().flatten() {
                if let Some(spec) = spec.as_object_mut() {
                    spec.remove("files");
                    if let Some(config) = spec
                        .get_mut("clusterConfiguration")
                        .and_then(Value::as_object_mut)
                    {
                        config.remove("apiServer");
                    }
                    if spec
                        .get("clusterConfiguration")
                        .and_then(Value::as_object)
                        .is_some_and(serde_json::Map::is_empty)
                    {
                        spec.remove("clusterConfiguration");
                    }
                }
            }
            let other_changed = match (&others, &new_others) {
                (Some(a), Some(b)) => !same(a, b),
                (None, None) => false,
                _ => true,
            };
            if other_changed {
                reasons.push("kubeadm configuration changed".to_owned());
            }
        }
        "TalosControlPlane" => {
            renamed(group.version_pointer(), "version", &mut reasons);
            rename_template(&mut reasons);
            if changed("/spec/controlPlaneConfig") {
                reasons.push("Talos configuration changed".to_owned());
            }
        }
        _ => {
            if !changed("/spec/template") {
                return reasons;
            }
            renamed(group.version_pointer(), "version", &mut reasons);
            rename_template(&mut reasons);
            if let Some(pointer) = group.bootstrap_config_pointer() {
                renamed(pointer, "bootstrap config", &mut reasons);
            }
            if reasons.is_empty() {
                reasons.push("machine template spec changed".to_owned());
            }
        }
    }
    reasons
}

/// The cluster's Kubernetes version: the control plane's, else the first pool's.
fn version(objects: &[Value]) -> Option<(MachineGroup<'_>, &str)> {
    let groups: Vec<MachineGroup> = objects.iter().filter_map(MachineGroup::of).collect();
    let control_plane = groups.iter().find(|group| group.is_control_plane());
    if let Some(version) = control_plane.and_then(MachineGroup::version) {
        return control_plane.map(|group| (*group, version));
    }
    groups
        .iter()
        .filter(|group| !group.is_control_plane())
        .find_map(|group| group.version().map(|version| (*group, version)))
}

/// `v1.32.1` or `v1.32` (EKS) → (major, minor, patch).
fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let mut parts = text.strip_prefix('v').unwrap_or(text).split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let patch = match parts.next() {
        Some(p) => p.parse().ok()?,
        None => 0,
    };
    parts.next().is_none().then_some((major, minor, patch))
}

fn version_step(from: &str, to: &str) -> Option<VersionStep> {
    let (old, new) = (parse_version(from)?, parse_version(to)?);
    if old == new {
        return None;
    }
    let kind = if new < old {
        StepKind::Downgrade
    } else if new.0 != old.0 {
        StepKind::Major
    } else if new.1 == old.1 {
        StepKind::Patch
    } else if new.1 == old.1 + 1 {
        StepKind::Minor
    } else {
        StepKind::SkipsMinor
    };
    Some(VersionStep {
        from: from.to_owned(),
        to: to.to_owned(),
        kind,
        refused: matches!(
            kind,
            StepKind::SkipsMinor | StepKind::Downgrade | StepKind::Major
        ),
    })
}

fn refusal(step: &VersionStep, group: &MachineGroup) -> Diagnostic {
    let message = match step.kind {
        StepKind::SkipsMinor => {
            let (from, to) = (
                parse_version(&step.from).unwrap_or_default(),
                parse_version(&step.to).unwrap_or_default(),
            );
            let skipped: Vec<String> = (from.1 + 1..to.1)
                .map(|minor| format!("v{}.{minor}", from.0))
                .collect();
            format!(
                "version {} → {} skips {}: refused, Kubernetes upgrades one minor version at a time (v{}.{} first)",
                step.from,
                step.to,
                skipped.join(", "),
                from.0,
                from.1 + 1
            )
        }
        StepKind::Downgrade => format!(
            "version {} → {} is a downgrade: refused, Kubernetes cannot go back a version",
            step.from, step.to
        ),
        _ => format!(
            "version {} → {} changes the major version: refused",
            step.from, step.to
        ),
    };
    let key = ObjectKey::of(group.object);
    let namespace = (!key.namespace.is_empty()).then_some(key.namespace.as_str());
    let field = group
        .version_pointer()
        .trim_start_matches('/')
        .replace('/', ".");
    Diagnostic::new(message)
        .object(ObjectRef::new(key.kind.clone(), namespace, key.name))
        .field(field)
}

/// The impact of changing a cluster from `before` to `after` (either absent: created or
/// deleted), with the refused version steps as problems.
pub(crate) fn impact(
    cluster: &str,
    before: Option<&[Value]>,
    after: Option<&[Value]>,
) -> (Impact, Vec<Diagnostic>) {
    let (before, after) = match (before, after) {
        (Some(before), Some(after)) => (before, after),
        (None, Some(objects)) | (Some(objects), None) => {
            return (
                Impact {
                    machines: groups(objects, cluster),
                    ..Impact::default()
                },
                Vec::new(),
            );
        }
        (None, None) => return (Impact::default(), Vec::new()),
    };
    let mut impact = Impact::default();
    let mut problems = Vec::new();
    if let (Some((_, from)), Some((group, to))) = (version(before), version(after))
        && let Some(step) = version_step(from, to)
    {
        if step.refused {
            problems.push(refusal(&step, &group));
        }
        impact.version = Some(step);
    }
    let mut rollouts: Vec<(bool, Rollout)> = Vec::new();
    for group in counted_groups(after) {
        let key = ObjectKey::of(group.object);
        let Some(previous) = before
            .iter()
            .find(|o| ObjectKey::of(o) == key)
            .and_then(MachineGroup::of)
        else {
            continue;
        };
        let label = group_label(&group, cluster);
        let (old_count, new_count) = (previous.replicas(), group.replicas());
        if old_count != new_count {
            impact.scaling.push(Scaling {
                group: label.clone(),
                from: old_count,
                to: new_count,
            });
        }
        let reasons = roll_reasons(previous.object, &group);
        if !reasons.is_empty() {
            rollouts.push((
                !group.is_control_plane(),
                Rollout {
                    group: label,
                    object: format!("{} {}", key.kind, key.name),
                    machines: old_count,
                    max_surge: group.max_surge(),
                    reasons,
                },
            ));
        }
    }
    rollouts.sort_by_key(|(worker, _)| *worker);
    impact.rollouts = rollouts.into_iter().map(|(_, r)| r).collect();
    impact.surge_vms = impact
        .rollouts
        .iter()
        .filter_map(|r| r.max_surge)
        .max()
        .unwrap_or(0);
    impact.surge_vms_concurrent = impact.rollouts.iter().filter_map(|r| r.max_surge).sum();
    (impact, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_steps() {
        let kind = |from, to| version_step(from, to).map(|s| (s.kind, s.refused));
        assert_eq!(kind("v1.32.1", "v1.32.1"), None);
        assert_eq!(kind("v1.32.1", "v1.32.4"), Some((StepKind::Patch, false)));
        assert_eq!(kind("v1.32.1", "v1.33.0"), Some((StepKind::Minor, false)));
        assert_eq!(
            kind("v1.32.1", "v1.34.0"),
            Some((StepKind::SkipsMinor, true))
        );
        assert_eq!(
            kind("v1.32.1", "v1.31.9"),
            Some((StepKind::Downgrade, true))
        );
        assert_eq!(
            kind("v1.32.4", "v1.32.1"),
            Some((StepKind::Downgrade, true))
        );
        assert_eq!(kind("v1.32.1", "v2.0.0"), Some((StepKind::Major, true)));
        assert_eq!(kind("v1.32", "v1.33"), Some((StepKind::Minor, false)));
    }

    #[test]
    fn the_refusal_names_the_skipped_minors() {
        let step = version_step("v1.31.2", "v1.34.0").unwrap_or_else(|| panic!("a step"));
        let object = serde_json::json!({
            "apiVersion": "controlplane.cluster.x-k8s.io/v1beta2", "kind": "KubeadmControlPlane",
            "metadata": { "name": "p-control-plane", "namespace": "p-cluster" },
        });
        let group = MachineGroup::of(&object).unwrap_or_else(|| panic!("a group"));
        let problem = refusal(&step, &group);
        assert_eq!(
            problem.to_string(),
            "KubeadmControlPlane p-cluster/p-control-plane: spec.version: version v1.31.2 → v1.34.0 skips v1.32, v1.33: refused, Kubernetes upgrades one minor version at a time (v1.32 first)"
        );
    }
}
