//! Signs that machines failed during an upgrade, from the live CAPI objects:
//!
//! - the KubeadmControlPlane's `status.lastRemediation` (KCP replaced a control-plane machine),
//! - a Machine with an `OwnerRemediated` condition, or `HealthCheckSucceeded=False` (its
//!   MachineHealthCheck found it unhealthy and asked its owner to replace it),
//! - a MachineHealthCheck with `RemediationAllowed=False` (so many machines are unhealthy that it
//!   stopped remediating).
//!
//! Only what happened at or after the upgrade started counts (when the object says when).

use jiff::Timestamp;
use serde_json::Value;

use crate::contract::status::condition;

/// The first sign of remediation since `started`, described, or `None`.
pub fn remediation_since(
    started: Timestamp,
    control_plane: Option<&Value>,
    machines: &[&Value],
    health_checks: &[&Value],
) -> Option<String> {
    let since = |time: Option<&str>| {
        time.and_then(|t| t.parse::<Timestamp>().ok())
            .is_none_or(|t| t >= started)
    };
    if let Some(cp) = control_plane {
        let last = &cp["status"]["lastRemediation"];
        if let Some(machine) = last["machine"].as_str()
            && since(last["time"].as_str())
        {
            return Some(format!(
                "control-plane machine {machine} was remediated (replaced) by {} {}",
                cp["kind"].as_str().unwrap_or("the control plane"),
                cp["metadata"]["name"].as_str().unwrap_or_default()
            ));
        }
    }
    for machine in machines {
        let name = machine["metadata"]["name"].as_str().unwrap_or_default();
        let flagged = machine_condition(machine, "OwnerRemediated")
            .or_else(|| {
                machine_condition(machine, "HealthCheckSucceeded").filter(|c| c.0 == "False")
            })
            .filter(|c| since(c.2.as_deref()));
        if let Some((_, message, _)) = flagged {
            let detail = if message.is_empty() {
                String::new()
            } else {
                format!(": {message}")
            };
            return Some(format!(
                "machine {name} failed its health check and is being remediated{detail}"
            ));
        }
    }
    for check in health_checks {
        let name = check["metadata"]["name"].as_str().unwrap_or_default();
        let stopped = machine_condition(check, "RemediationAllowed")
            .filter(|c| c.0 == "False" && since(c.2.as_deref()));
        if stopped.is_some() {
            let status = &check["status"];
            return Some(format!(
                "MachineHealthCheck {name} stopped remediating: {} of {} machines healthy",
                status["currentHealthy"].as_i64().unwrap_or(0),
                status["expectedMachines"].as_i64().unwrap_or(0)
            ));
        }
    }
    None
}

/// (status, message, lastTransitionTime) of condition `type_`.
fn machine_condition(object: &Value, type_: &str) -> Option<(String, String, Option<String>)> {
    let found = condition(object, type_)?;
    let time = object["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"].as_str() == Some(type_))
        .and_then(|c| c["lastTransitionTime"].as_str())
        .map(str::to_owned);
    Some((found.status, found.message, time))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(text: &str) -> Timestamp {
        text.parse().expect("time")
    }

    #[test]
    fn control_plane_remediation_after_the_start_counts() {
        let kcp = json!({
            "kind": "KubeadmControlPlane", "metadata": { "name": "p-control-plane" },
            "status": { "lastRemediation": { "machine": "p-cp-abc", "time": "2026-01-01T10:00:00Z", "retryCount": 0 } },
        });
        let found = remediation_since(at("2026-01-01T09:00:00Z"), Some(&kcp), &[], &[]);
        assert_eq!(
            found.as_deref(),
            Some(
                "control-plane machine p-cp-abc was remediated (replaced) by KubeadmControlPlane p-control-plane"
            )
        );
        assert_eq!(
            remediation_since(at("2026-01-01T11:00:00Z"), Some(&kcp), &[], &[]),
            None,
            "before the upgrade"
        );
    }

    #[test]
    fn machines_flagged_by_health_checks_count() {
        let machine = json!({
            "metadata": { "name": "p-md-0-xyz" },
            "status": { "conditions": [
                { "type": "HealthCheckSucceeded", "status": "False", "reason": "UnhealthyNode",
                  "message": "Node p-md-0-xyz has been NotReady for 5m", "lastTransitionTime": "2026-01-01T10:05:00Z" },
                { "type": "OwnerRemediated", "status": "False", "reason": "WaitingForRemediation",
                  "message": "", "lastTransitionTime": "2026-01-01T10:05:00Z" },
            ]},
        });
        let healthy = json!({ "metadata": { "name": "ok" }, "status": { "conditions": [
            { "type": "HealthCheckSucceeded", "status": "True", "reason": "Healthy", "lastTransitionTime": "2026-01-01T10:05:00Z" } ] } });
        let started = at("2026-01-01T10:00:00Z");
        assert_eq!(remediation_since(started, None, &[&healthy], &[]), None);
        assert_eq!(
            remediation_since(started, None, &[&healthy, &machine], &[]).as_deref(),
            Some("machine p-md-0-xyz failed its health check and is being remediated")
        );
        let check = json!({
            "metadata": { "name": "p-md-0" },
            "status": { "currentHealthy": 1, "expectedMachines": 5, "conditions": [
                { "type": "RemediationAllowed", "status": "False", "reason": "TooManyUnhealthy",
                  "lastTransitionTime": "2026-01-01T10:07:00Z" } ] },
        });
        assert_eq!(
            remediation_since(started, None, &[], &[&check]).as_deref(),
            Some("MachineHealthCheck p-md-0 stopped remediating: 1 of 5 machines healthy")
        );
    }
}
