//! Checks of Environments and Infrastructures on their own (claims are checked in `claim`).

use std::collections::BTreeSet;

use drover_api::infrastructure::{AwsMode, KubevirtInfrastructure};
use drover_api::{Environment, Infrastructure};
use glob::Pattern;

use super::report::Report;
use crate::diagnostics::{Diagnostic, ObjectRef};
use crate::duration::parse_duration;
use crate::fleet::Source;
use crate::hibernation;
use crate::quantity::Quantity;
use crate::version::KubeVersion;
use crate::window::time_zone;

/// Checks one Environment: version, promotion source (exists, no cycle), durations, window
/// (including its IANA time zone), upgrade policy, policy references.
pub fn check_environment(
    environment: &Environment,
    source: &Source,
    all: &[&Environment],
    infrastructures: &[&str],
) -> Vec<Diagnostic> {
    let name = environment.metadata.name.clone().unwrap_or_default();
    let mut report = Report::new(ObjectRef::new("Environment", None, &name), source);
    let spec = &environment.spec;
    if let Err(message) = spec.kubernetes_version.parse::<KubeVersion>() {
        report.error("spec.kubernetesVersion", message);
    }
    if let Some(promotion) = &spec.promotion {
        let by_name = |n: &str| all.iter().find(|e| e.metadata.name.as_deref() == Some(n));
        if promotion.from == name {
            report.error(
                "spec.promotion.from",
                "an environment cannot promote from itself",
            );
        } else if by_name(&promotion.from).is_none() {
            report.error(
                "spec.promotion.from",
                format!("Environment `{}` does not exist", promotion.from),
            );
        } else {
            // Follow the chain; coming back to `name` is a cycle.
            let mut seen = BTreeSet::from([name.clone()]);
            let mut next = Some(promotion.from.clone());
            while let Some(current) = next {
                if !seen.insert(current.clone()) {
                    report.error(
                        "spec.promotion.from",
                        format!("promotion chain loops back through `{current}`"),
                    );
                    break;
                }
                next = by_name(&current)
                    .and_then(|e| e.spec.promotion.as_ref())
                    .map(|p| p.from.clone());
            }
        }
        if let Some(soak) = &promotion.soak
            && let Err(message) = parse_duration(soak)
        {
            report.error("spec.promotion.soak", message);
        }
    }
    if let Some(hibernation) = &spec.hibernation
        && let Err(errors) =
            hibernation::parse_schedules(&hibernation.schedules, "spec.hibernation.schedules")
    {
        for (field, message) in errors {
            report.error(&field, message);
        }
    }
    if let Some(window) = &spec.maintenance_window {
        if !is_clock_time(&window.start) {
            report.error(
                "spec.maintenanceWindow.start",
                format!("`{}` is not a time of day (HH:MM, 24 h)", window.start),
            );
        }
        match parse_duration(&window.duration) {
            Ok(d) if d.as_secs() == 0 || d.as_secs() > 7 * 86_400 => {
                report.error(
                    "spec.maintenanceWindow.duration",
                    "must be longer than 0 and at most 7d",
                );
            }
            Ok(_) => {}
            Err(message) => report.error("spec.maintenanceWindow.duration", message),
        }
        if window.days.is_empty() {
            report.error("spec.maintenanceWindow.days", "at least one day is needed");
        }
        if let Some(zone) = &window.time_zone
            && let Err(message) = time_zone(zone)
        {
            report.error("spec.maintenanceWindow.timeZone", message);
        }
    }
    if let Some(upgrade) = &spec.upgrade {
        if let Some(max) = upgrade.max_concurrent
            && max < 1
        {
            report.error(
                "spec.upgrade.maxConcurrent",
                format!("{max}: at least 1 cluster must be allowed to upgrade"),
            );
        }
        if let Some(deadline) = &upgrade.progress_deadline {
            match parse_duration(deadline) {
                Ok(d) if d.as_secs() == 0 => {
                    report.error("spec.upgrade.progressDeadline", "must be longer than 0");
                }
                Ok(_) => {}
                Err(message) => report.error("spec.upgrade.progressDeadline", message),
            }
        }
    }
    if let Some(defaults) = &spec.defaults
        && let Some(replicas) = defaults.control_plane_replicas
        && ![1, 3, 5, 7].contains(&replicas)
    {
        report.error(
            "spec.defaults.controlPlaneReplicas",
            format!("{replicas}: must be 1, 3, 5 or 7"),
        );
    }
    if let Some(security) = &spec.security {
        for (field, message) in super::security::check_security_spec("spec.security", security) {
            report.error(&field, message);
        }
    }
    if let Some(policy) = &spec.policy {
        for (index, infra) in policy.allowed_infrastructures.iter().flatten().enumerate() {
            if !infrastructures.contains(&infra.as_str()) {
                report.error(
                    &format!("spec.policy.allowedInfrastructures[{index}]"),
                    format!("Infrastructure `{infra}` does not exist"),
                );
            }
        }
        for (index, pattern) in policy.allowed_namespaces.iter().flatten().enumerate() {
            if let Err(error) = Pattern::new(pattern) {
                report.error(
                    &format!("spec.policy.allowedNamespaces[{index}]"),
                    format!("`{pattern}` is not a valid glob: {error}"),
                );
            }
        }
        if let (Some(min), Some(defaults)) = (policy.min_control_plane_replicas, &spec.defaults)
            && defaults.control_plane_replicas.is_some_and(|r| r < min)
        {
            report.error(
                "spec.defaults.controlPlaneReplicas",
                format!("below the policy's minControlPlaneReplicas ({min})"),
            );
        }
    }
    report.into_diagnostics()
}

/// Checks one Infrastructure: exactly one provider block, parseable sizes and hosts.
pub fn check_infrastructure(infrastructure: &Infrastructure, source: &Source) -> Vec<Diagnostic> {
    let name = infrastructure.metadata.name.clone().unwrap_or_default();
    let mut report = Report::new(ObjectRef::new("Infrastructure", None, &name), source);
    let spec = &infrastructure.spec;
    match spec.providers().as_slice() {
        [_] => {}
        [] => report.error("spec", "no provider block: set exactly one of kubevirt, vcluster, docker, proxmox, vsphere, aws, azure, gcp"),
        several => report.error(
            "spec",
            format!(
                "{} provider blocks ({}): set exactly one",
                several.len(),
                several.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
            ),
        ),
    }
    for (size_name, size) in &spec.sizes {
        let field = format!("spec.sizes.{size_name}");
        for (what, text) in [("memory", &size.memory), ("disk", &size.disk)] {
            if let Some(text) = text
                && let Err(message) = Quantity::parse(text)
            {
                report.error(&format!("{field}.{what}"), message);
            }
        }
        if size.cpu == Some(0) {
            report.error(&format!("{field}.cpu"), "must be at least 1");
        }
    }
    if let Some(kubevirt) = &spec.kubevirt {
        check_kubevirt_network(&mut report, kubevirt);
        if !kubevirt.node_image.contains("{{version}}") {
            report.error(
                "spec.kubevirt.nodeImage",
                format!(
                    "`{}` has no `{{{{version}}}}`: every Kubernetes version would boot the same image (e.g. `quay.io/capk/ubuntu-2404-container-disk:{{{{version}}}}`)",
                    kubevirt.node_image
                ),
            );
        }
        let mut seen = BTreeSet::new();
        for (index, host) in kubevirt.hosts.iter().flatten().enumerate() {
            if !seen.insert(host.name.as_str()) {
                report.error(
                    &format!("spec.kubevirt.hosts[{index}].name"),
                    format!("host `{}` is listed twice", host.name),
                );
            }
            if let Err(message) = Quantity::parse(&host.memory) {
                report.error(&format!("spec.kubevirt.hosts[{index}].memory"), message);
            }
            if let Some(storage) = &host.storage
                && let Err(message) = Quantity::parse(storage)
            {
                report.error(&format!("spec.kubevirt.hosts[{index}].storage"), message);
            }
        }
    }
    if let Some(aws) = &spec.aws
        && let Some(lookup) = &aws.image_lookup
    {
        if aws.mode != Some(AwsMode::Kubeadm) {
            report.error(
                "spec.aws.imageLookup",
                "only kubeadm mode boots AMIs drover chooses; EKS node groups use `amiType` (set `mode: kubeadm` or remove imageLookup)",
            );
        }
        if let Some(format) = &lookup.format
            && !format.contains("{{.K8sVersion}}")
        {
            report.error(
                "spec.aws.imageLookup.format",
                format!(
                    "`{format}` has no `{{{{.K8sVersion}}}}`: every Kubernetes version would boot the same AMI"
                ),
            );
        }
    }
    if let Some(overcommit) = &spec.overcommit {
        for (what, ratio) in [("cpu", overcommit.cpu), ("memory", overcommit.memory)] {
            if ratio.is_some_and(|r| !(1.0..=16.0).contains(&r)) {
                report.error(
                    &format!("spec.overcommit.{what}"),
                    "ratio must be between 1.0 and 16.0",
                );
            }
        }
    }
    report.into_diagnostics()
}

/// The management network block: CIDRs that parse, and live migration only on a management CNI
/// that keeps pod IPs (a migrated VM keeps its guest address; a new pod IP cuts it off).
fn check_kubevirt_network(report: &mut Report<'_>, kubevirt: &KubevirtInfrastructure) {
    let network = kubevirt.management_network.clone().unwrap_or_default();
    for (field, cidr) in [
        ("podCIDR", &network.pod_cidr),
        ("serviceCIDR", &network.service_cidr),
    ] {
        if let Some(cidr) = cidr
            && cidr.parse::<ipnet::IpNet>().is_err()
        {
            report.error(
                &format!("spec.kubevirt.managementNetwork.{field}"),
                format!("`{cidr}` is not a CIDR (e.g. 10.244.0.0/16)"),
            );
        }
    }
    if kubevirt.live_migration == Some(true) && network.keeps_pod_ip_on_migration != Some(true) {
        report.error(
            "spec.kubevirt.liveMigration",
            "live migration needs a management CNI that keeps a pod's IP across migration (Kube-OVN, OVN-Kubernetes): declare it with `managementNetwork.keepsPodIPOnMigration: true`, or set liveMigration to false",
        );
    }
}

fn is_clock_time(text: &str) -> bool {
    let Some((hours, minutes)) = text.split_once(':') else {
        return false;
    };
    hours.len() == 2
        && minutes.len() == 2
        && hours.parse::<u8>().is_ok_and(|h| h < 24)
        && minutes.parse::<u8>().is_ok_and(|m| m < 60)
}
