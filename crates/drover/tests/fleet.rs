//! `drover get/describe/wait/kubeconfig` end to end: the binary against a small HTTP server on
//! loopback playing a management cluster's API server (canned answers by path; unknown core
//! objects answer NotFound, other unknown paths as an unserved resource does: a plain-text 404).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::thread;

use serde_json::{Value, json};

/// Most connections one test server accepts before it stops (the tests make a few dozen).
const MAX_CONNECTIONS: usize = 500;

/// Starts the server with `routes` (path → status and body); returns its URL.
fn serve(routes: HashMap<String, (u16, Value)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let address = listener.local_addr().expect("address");
    thread::spawn(move || {
        for stream in listener.incoming().take(MAX_CONNECTIONS) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            loop {
                let mut header = String::new();
                match reader.read_line(&mut header) {
                    Ok(0) | Err(_) => break,
                    Ok(_) if header == "\r\n" => break,
                    Ok(_) => {}
                }
            }
            let target = request_line.split_whitespace().nth(1).unwrap_or("/");
            let path = target.split('?').next().unwrap_or("/");
            let (status, content_type, body) = match routes.get(path) {
                Some((status, body)) => (*status, "application/json", body.to_string()),
                // The core group is always served: an unknown object is a NotFound Status.
                None if path.starts_with("/api/v1/") => (
                    404,
                    "application/json",
                    json!({ "kind": "Status", "apiVersion": "v1", "metadata": {},
                            "status": "Failure", "reason": "NotFound", "code": 404,
                            "message": format!("{path} not found") })
                    .to_string(),
                ),
                None => (404, "text/plain", "404 page not found".to_owned()),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{address}")
}

fn kubeconfig(dir: &Path, server: &str) -> PathBuf {
    let path = dir.join("kubeconfig");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: mgmt\n  cluster: {{server: '{server}'}}\nusers:\n- name: me\n  user: {{token: t}}\ncontexts:\n- name: mgmt\n  context: {{cluster: mgmt, user: me}}\ncurrent-context: mgmt\n"
        ),
    )
    .expect("write kubeconfig");
    path
}

fn claim(namespace: &str, name: &str, environment: &str, phase: &str, ready: &str) -> Value {
    json!({
        "apiVersion": "drover.dev/v1alpha1", "kind": "WorkloadCluster",
        "metadata": { "name": name, "namespace": namespace, "generation": 1,
                      "resourceVersion": "7", "creationTimestamp": "2026-01-05T09:12:00Z" },
        "spec": { "environment": environment, "infrastructure": "baremetal-kubevirt" },
        "status": {
            "phase": phase, "observedGeneration": 1, "kubernetesVersion": "v1.32.4",
            "controlPlane": { "ready": 3, "desired": 3 }, "workers": { "ready": 5, "desired": 5 },
            "conditions": [
                { "type": "Valid", "status": if phase == "Failed" { "False" } else { "True" },
                  "reason": "Invalid", "message": "spec.workers[0].replicas: too many",
                  "lastTransitionTime": "2026-01-05T09:12:01Z" },
                { "type": "Ready", "status": ready, "reason": "Ready", "message": "",
                  "lastTransitionTime": "2026-01-05T09:30:00Z" },
            ],
        },
    })
}

fn list(kind: &str, items: Vec<Value>) -> (u16, Value) {
    (
        200,
        json!({ "apiVersion": "drover.dev/v1alpha1", "kind": format!("{kind}List"),
                "metadata": { "resourceVersion": "7" }, "items": items }),
    )
}

fn management_cluster() -> String {
    let claims = vec![
        claim("team-payments", "payments", "production", "Ready", "True"),
        claim("sandbox-risk", "risk", "production", "Failed", "False"),
    ];
    let environment = json!({
        "apiVersion": "drover.dev/v1alpha1", "kind": "Environment",
        "metadata": { "name": "production", "creationTimestamp": "2025-11-03T08:00:00Z" },
        "spec": { "kubernetesVersion": "v1.33.2", "promotion": { "from": "staging", "soak": "72h" } },
        "status": { "targetVersion": "v1.32.4", "blockedBy": "staging is not soaked yet" },
    });
    let mut routes = HashMap::from([
        (
            "/apis/drover.dev/v1alpha1/workloadclusters".to_owned(),
            list("WorkloadCluster", claims.clone()),
        ),
        (
            "/apis/drover.dev/v1alpha1/namespaces/team-payments/workloadclusters".to_owned(),
            list("WorkloadCluster", vec![claims[0].clone()]),
        ),
        (
            "/apis/drover.dev/v1alpha1/namespaces/sandbox-risk/workloadclusters".to_owned(),
            list("WorkloadCluster", vec![claims[1].clone()]),
        ),
        (
            "/apis/drover.dev/v1alpha1/environments".to_owned(),
            list("Environment", vec![environment.clone()]),
        ),
        (
            "/apis/drover.dev/v1alpha1/environments/production".to_owned(),
            (200, environment),
        ),
        (
            "/api/v1/namespaces/payments-cluster/secrets/payments-kubeconfig".to_owned(),
            (
                200,
                json!({ "apiVersion": "v1", "kind": "Secret",
                        "metadata": { "name": "payments-kubeconfig", "namespace": "payments-cluster" },
                        "data": { "value": "a2luZDogQ29uZmlnCg==" } }),
            ),
        ),
        (
            "/api/v1/namespaces/risk-cluster/secrets/risk-kubeconfig".to_owned(),
            (
                403,
                json!({ "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                        "reason": "Forbidden", "code": 403,
                        "message": "secrets \"risk-kubeconfig\" is forbidden: User \"dev\" cannot get resource \"secrets\"" }),
            ),
        ),
    ]);
    for claim in &claims {
        let namespace = claim["metadata"]["namespace"].as_str().unwrap_or_default();
        let name = claim["metadata"]["name"].as_str().unwrap_or_default();
        routes.insert(
            format!("/apis/drover.dev/v1alpha1/namespaces/{namespace}/workloadclusters/{name}"),
            (200, claim.clone()),
        );
    }
    serve(routes)
}

fn drover(kubeconfig: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_drover"))
        .args(args)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .env_remove("KUBECONFIG")
        .output()
        .expect("drover runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn get_clusters_lists_every_namespace_and_filters() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = kubeconfig(dir.path(), &management_cluster());
    let output = drover(&config, &["get", "clusters"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(
        lines[0].starts_with("NAME      NAMESPACE      ENVIRONMENT  INFRASTRUCTURE"),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with(
            "risk      sandbox-risk   production   baremetal-kubevirt  v1.32.4  Failed"
        ),
        "{stdout}"
    );
    assert!(lines[2].starts_with("payments  team-payments  production   baremetal-kubevirt  v1.32.4  Ready   3/3            5/5"), "{stdout}");

    let output = drover(
        &config,
        &["get", "clusters", "-n", "team-payments", "-o", "json"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let rows: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(rows.as_array().map(Vec::len), Some(1));
    assert_eq!(rows[0]["name"], "payments");

    let output = drover(&config, &["get", "clusters", "--environment", "staging"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(text(&output.stdout), "");
    assert_eq!(
        text(&output.stderr),
        "No clusters found in all namespaces.\n"
    );

    let output = drover(&config, &["get", "environments", "-o", "yaml"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let yaml = text(&output.stdout);
    assert!(yaml.starts_with("- name: production\n"), "{yaml}");
    assert!(yaml.contains("  gate: blocked\n"), "{yaml}");
}

#[test]
fn describe_shows_the_claim_even_without_capi() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = kubeconfig(dir.path(), &management_cluster());
    let output = drover(&config, &["describe", "cluster", "risk"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.starts_with("Name:            risk\nNamespace:       sandbox-risk\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\nBlocked by:      staging is not soaked yet\n"),
        "{stdout}"
    );
    assert!(stdout.contains("\n├─Valid "), "{stdout}");
    assert!(
        stdout.contains("Warnings:\n  the API server does not serve clusters.cluster.x-k8s.io: is Cluster API installed?\n"),
        "{stdout}"
    );

    let output = drover(&config, &["describe", "cluster", "nosuch"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr),
        "error: no WorkloadCluster named `nosuch` in all namespaces\n"
    );
}

#[test]
fn wait_exits_0_when_ready_2_when_hopeless_1_on_timeout() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = kubeconfig(dir.path(), &management_cluster());
    let output = drover(&config, &["wait", "cluster", "payments", "--for", "ready"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout),
        "payments: Ready · control plane 3/3 · workers 5/5 · v1.32.4\npayments is ready\n"
    );

    let output = drover(&config, &["wait", "cluster", "risk", "--for", "ready"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).starts_with("error: risk will not become ready: the claim is Failed: Valid: spec.workers[0].replicas: too many"),
        "{}",
        text(&output.stderr)
    );

    // Still there after 2s: the watch after the first list fails (this server cannot watch).
    let output = drover(
        &config,
        &[
            "wait",
            "cluster",
            "payments",
            "--for",
            "deleted",
            "--timeout",
            "2s",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).starts_with("error: timed out after 2s"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(
        text(&output.stdout),
        "payments: Ready · control plane 3/3 · workers 5/5 · v1.32.4\n"
    );

    let output = drover(&config, &["wait", "cluster", "gone", "--for", "deleted"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(text(&output.stdout), "gone is deleted\n");
}

#[test]
fn kubeconfig_is_printed_or_written_privately() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = kubeconfig(dir.path(), &management_cluster());
    let output = drover(&config, &["kubeconfig", "payments"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "kind: Config\n");

    let file = dir.path().join("payments.kubeconfig");
    let output = drover(
        &config,
        &[
            "kubeconfig",
            "payments",
            "--output-file",
            file.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "");
    assert_eq!(
        std::fs::read_to_string(&file).expect("written"),
        "kind: Config\n"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let output = drover(&config, &["kubeconfig", "risk"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr),
        "error: not allowed to read Secret risk-cluster/risk-kubeconfig: reading a cluster's kubeconfig needs `get` on secrets in namespace risk-cluster (secrets \"risk-kubeconfig\" is forbidden: User \"dev\" cannot get resource \"secrets\")\n"
    );
}

#[test]
fn kubeconfig_oidc_signs_in_through_the_environments_provider() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Without an OIDC provider there is nothing to sign in with.
    let config = kubeconfig(dir.path(), &management_cluster());
    let output = drover(&config, &["kubeconfig", "payments", "--oidc"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr),
        "error: cluster payments has no OIDC provider: neither Environment production nor the claim sets spec.security.authentication.oidc\n"
    );

    let claim = claim("team-payments", "payments", "production", "Ready", "True");
    let environment = json!({
        "apiVersion": "drover.dev/v1alpha1", "kind": "Environment",
        "metadata": { "name": "production" },
        "spec": { "kubernetesVersion": "v1.33.2", "security": { "authentication": { "oidc": {
            "issuerUrl": "https://sso.example.com/realms/platform", "clientId": "kubernetes" } } } },
    });
    // apiVersion: v1 / kind: Config / clusters: [payments at https://10.0.0.5:6443, CA "CA"] /
    // users: [admin with client-key-data "KEY"].
    let encoded = "YXBpVmVyc2lvbjogdjEKa2luZDogQ29uZmlnCmNsdXN0ZXJzOgotIG5hbWU6IHBheW1lbnRzCiAgY2x1c3RlcjoKICAgIHNlcnZlcjogaHR0cHM6Ly8xMC4wLjAuNTo2NDQzCiAgICBjZXJ0aWZpY2F0ZS1hdXRob3JpdHktZGF0YTogUTBFPQp1c2VyczoKLSBuYW1lOiBhZG1pbgogIHVzZXI6CiAgICBjbGllbnQta2V5LWRhdGE6IFMwVloK";
    let routes = HashMap::from([
        (
            "/apis/drover.dev/v1alpha1/namespaces/team-payments/workloadclusters/payments"
                .to_owned(),
            (200, claim),
        ),
        (
            "/apis/drover.dev/v1alpha1/environments/production".to_owned(),
            (200, environment),
        ),
        (
            "/api/v1/namespaces/payments-cluster/secrets/payments-kubeconfig".to_owned(),
            (
                200,
                json!({ "apiVersion": "v1", "kind": "Secret",
                        "metadata": { "name": "payments-kubeconfig", "namespace": "payments-cluster" },
                        "data": { "value": encoded } }),
            ),
        ),
    ]);
    let config = kubeconfig(dir.path(), &serve(routes));
    let output = drover(
        &config,
        &["kubeconfig", "payments", "-n", "team-payments", "--oidc"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let written = text(&output.stdout);
    assert!(
        written.contains("server: https://10.0.0.5:6443\n    certificate-authority-data: Q0E=\n"),
        "{written}"
    );
    assert!(written.contains("      command: kubectl\n      args:\n      - oidc-login\n      - get-token\n      - --oidc-issuer-url=https://sso.example.com/realms/platform\n      - --oidc-client-id=kubernetes\n"), "{written}");
    assert!(
        !written.contains("client-key-data") && !written.contains("S0VZ"),
        "{written}"
    );
}
