//! The fleet view's reads (`drover get/describe/wait/kubeconfig`) against the fake API server of
//! the reconcile scenarios: pagination, selectors, finding a claim by name, the objects
//! `describe` collects, RBAC refusals turned into clear messages, and the wait loop.

#[allow(dead_code)]
#[path = "../reconcile/fake/mod.rs"]
mod fake;

mod claims;
mod details;
mod hibernate;
mod kubeconfig;
mod wait;

use serde_json::{Value, json};

/// A claim `namespace/name` in `environment`, with `labels` and a status of `phase`.
pub fn claim(namespace: &str, name: &str, environment: &str, phase: Option<&str>) -> Value {
    let mut claim = json!({
        "apiVersion": "drover.dev/v1alpha1",
        "kind": "WorkloadCluster",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": { "team": namespace.trim_start_matches("team-") },
            "creationTimestamp": "2026-01-05T09:12:00Z",
        },
        "spec": { "environment": environment, "infrastructure": "baremetal-kubevirt" },
    });
    if let Some(phase) = phase {
        claim["status"] = json!({ "phase": phase, "observedGeneration": 1 });
    }
    claim
}

/// A `Status` failure body.
pub fn status(code: u16, reason: &str, message: &str) -> Value {
    json!({ "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code })
}
