//! The controller's Namespace, ServiceAccount, Deployment and metrics Service.
//!
//! The pod runs as a non-root user with a read-only root filesystem, no capabilities and the
//! runtime's seccomp profile (Pod Security `restricted`, which the namespace enforces). With more
//! than one replica the others stand by for the leader; `/readyz` is ready for both, `/healthz`
//! is the liveness probe.

use serde_json::{Value, json};

use super::{InstallOptions, METRICS_PORT, NAME};

/// Labels of every object installed.
pub fn labels() -> Value {
    json!({ "app.kubernetes.io/name": NAME, "app.kubernetes.io/component": "controller" })
}

/// The ServiceAccount as an RBAC subject.
pub fn subject(namespace: &str) -> Value {
    json!({ "kind": "ServiceAccount", "name": NAME, "namespace": namespace })
}

/// The controller's namespace, enforcing Pod Security `restricted`.
pub fn namespace(name: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": name,
            "labels": {
                "app.kubernetes.io/name": NAME,
                "pod-security.kubernetes.io/enforce": "restricted",
            },
        },
    })
}

/// The controller's ServiceAccount.
pub fn service_account(namespace: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": { "name": NAME, "namespace": namespace, "labels": labels() },
    })
}

/// The Service in front of `/metrics` (for a Prometheus scrape config or ServiceMonitor).
pub fn service(namespace: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": { "name": NAME, "namespace": namespace, "labels": labels() },
        "spec": {
            "selector": labels(),
            "ports": [ { "name": "metrics", "port": METRICS_PORT, "targetPort": "metrics", "protocol": "TCP" } ],
        },
    })
}

/// The controller's Deployment.
pub fn deployment(options: &InstallOptions) -> Value {
    let field = |path: &str| json!({ "fieldRef": { "fieldPath": path } });
    let probe = |path: &str, period: u32| {
        json!({
            "httpGet": { "path": path, "port": "metrics" },
            "initialDelaySeconds": 5,
            "periodSeconds": period,
            "failureThreshold": 3,
        })
    };
    let args = vec![
        "controller".to_owned(),
        "--log-format=json".to_owned(),
        format!("--metrics-bind=0.0.0.0:{METRICS_PORT}"),
        // Always on, even with one replica: a rolling update runs two pods for a while.
        "--leader-election=true".to_owned(),
        format!("--leader-election-lease-name={}", options.lease_name),
    ];
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": { "name": NAME, "namespace": options.namespace, "labels": labels() },
        "spec": {
            "replicas": options.replicas,
            "selector": { "matchLabels": labels() },
            "template": {
                "metadata": { "labels": labels() },
                "spec": {
                    "serviceAccountName": NAME,
                    // Running reconciles finish on SIGTERM before the Lease is released.
                    "terminationGracePeriodSeconds": 60,
                    "securityContext": {
                        "runAsNonRoot": true,
                        "runAsUser": 65532,
                        "runAsGroup": 65532,
                        "seccompProfile": { "type": "RuntimeDefault" },
                    },
                    "containers": [ {
                        "name": "controller",
                        "image": options.image,
                        "args": args,
                        "env": [
                            { "name": "DROVER_LEADER_ELECTION_NAMESPACE", "valueFrom": field("metadata.namespace") },
                            { "name": "DROVER_INSTANCE_NAME", "valueFrom": field("metadata.name") },
                            { "name": "RUST_LOG", "value": "info" },
                        ],
                        "ports": [ { "name": "metrics", "containerPort": METRICS_PORT, "protocol": "TCP" } ],
                        "livenessProbe": probe("/healthz", 20),
                        "readinessProbe": probe("/readyz", 10),
                        "resources": {
                            "requests": { "cpu": "100m", "memory": "128Mi" },
                            "limits": { "memory": "512Mi" },
                        },
                        "securityContext": {
                            "allowPrivilegeEscalation": false,
                            "readOnlyRootFilesystem": true,
                            "capabilities": { "drop": ["ALL"] },
                        },
                    } ],
                },
            },
        },
    })
}
