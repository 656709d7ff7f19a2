//! CAPI's MachineHealthCheck short-circuit, computed as CAPI computes it, and the machines a
//! rendered health check targets: so tests can check that a check can remediate at all.

#![allow(dead_code)]

use serde_json::Value;

/// CAPI's default `unhealthyLessThanOrEqualTo` (`defaultMaxUnhealthy`).
const DEFAULT_MAX_UNHEALTHY: &str = "100%";

/// Whether CAPI lets the health check `check` remediate when `unhealthy` of its `expected`
/// machines are not healthy. Mirrors CAPI v1.14 `isAllowedRemediation` and `getMaxUnhealthy`
/// (internal/controllers/machinehealthcheck/machinehealthcheck_controller.go):
/// `unhealthyInRange` "[min-max]" takes precedence; otherwise remediation is allowed while
/// `unhealthy <= GetScaledValueFromIntOrPercent(unhealthyLessThanOrEqualTo, expected, false)`
/// (rounding down), and an error (a string that is not a percentage) allows nothing.
pub fn capi_remediation_allowed(check: &Value, expected: i64, unhealthy: i64) -> bool {
    let trigger = &check["spec"]["remediation"]["triggerIf"];
    if let Some(range) = trigger["unhealthyInRange"]
        .as_str()
        .filter(|r| !r.is_empty())
    {
        let bounds = range
            .trim_start_matches('[')
            .trim_end_matches(']')
            .split_once('-')
            .and_then(|(min, max)| Some((min.parse::<u32>().ok()?, max.parse::<u32>().ok()?)));
        return bounds.is_some_and(|(min, max)| {
            max >= min && unhealthy >= i64::from(min) && unhealthy <= i64::from(max)
        });
    }
    let limit = match &trigger["unhealthyLessThanOrEqualTo"] {
        Value::Null => Value::from(DEFAULT_MAX_UNHEALTHY),
        limit => limit.clone(),
    };
    capi_max_unhealthy(&limit, expected).is_ok_and(|max| unhealthy <= max)
}

/// `intstr.GetScaledValueFromIntOrPercent(limit, total, roundUp=false)` (k8s.io/apimachinery
/// pkg/util/intstr/intstr.go), as `getMaxUnhealthy` calls it: an integer is taken as is; a
/// string must be an integer followed by `%` and scales to
/// `int(math.Floor(float64(value) * float64(total) / 100))`; anything else is an error.
pub fn capi_max_unhealthy(limit: &Value, total: i64) -> Result<i64, String> {
    match limit {
        Value::Number(n) => n.as_i64().ok_or_else(|| format!("not an int32: {n}")),
        Value::String(s) => {
            let percent = s
                .strip_suffix('%')
                .ok_or_else(|| format!("invalid type: string is not a percentage: {s}"))?;
            let value: i64 = percent.parse().map_err(|e| format!("{s}: {e}"))?;
            Ok((value as f64 * total as f64 / 100.0).floor() as i64)
        }
        other => Err(format!("not an int-or-string: {other}")),
    }
}

/// How many machines the rendered health check `check` targets among `objects` (the cluster's
/// rendered objects) when every group has its desired replicas, or `None` when its selector
/// matches no machine group at all. A MachineDeployment's machines carry its template labels
/// plus the cluster-name and deployment-name labels CAPI sets; a control plane's
/// (`controlplane.cluster.x-k8s.io`) carry the cluster-name and control-plane labels. CAPI adds
/// the cluster-name label to every selector (`getMachinesFromMHC`).
pub fn targeted_machines<'a>(
    objects: impl IntoIterator<Item = &'a Value>,
    check: &Value,
) -> Option<i64> {
    let cluster = check["spec"]["clusterName"].as_str()?;
    let selector = check["spec"]["selector"]["matchLabels"].as_object()?;
    let mut total = None;
    for object in objects {
        let api_version = object["apiVersion"].as_str().unwrap_or_default();
        let mut labels = serde_json::Map::new();
        if object["kind"] == "MachineDeployment" {
            if let Some(template) = object["spec"]["template"]["metadata"]["labels"].as_object() {
                labels.extend(template.clone());
            }
            labels.insert(
                "cluster.x-k8s.io/deployment-name".to_owned(),
                object["metadata"]["name"].clone(),
            );
        } else if api_version.starts_with("controlplane.cluster.x-k8s.io/") {
            labels.insert("cluster.x-k8s.io/control-plane".to_owned(), Value::from(""));
        } else {
            continue;
        }
        labels.insert(
            "cluster.x-k8s.io/cluster-name".to_owned(),
            Value::from(cluster),
        );
        if selector.iter().all(|(k, v)| labels.get(k) == Some(v)) {
            let replicas = object["spec"]["replicas"].as_i64().unwrap_or(1);
            *total.get_or_insert(0) += replicas;
        }
    }
    total
}

/// Every MachineHealthCheck among `objects`, with the machines it targets: panics (naming the
/// check) when a selector matches no machine group.
pub fn health_checks_with_targets<'a>(objects: &[&'a Value]) -> Vec<(&'a Value, i64)> {
    objects
        .iter()
        .filter(|o| o["kind"] == "MachineHealthCheck")
        .map(|check| {
            let targets = targeted_machines(objects.iter().copied(), check).unwrap_or_else(|| {
                panic!(
                    "MachineHealthCheck {} selects no machines",
                    check["metadata"]["name"]
                )
            });
            (*check, targets)
        })
        .collect()
}
