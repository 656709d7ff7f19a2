//! `drover preflight` end to end: against an empty management cluster (a loopback server that
//! serves no API group, no namespace, no Secret, and denies every review) every check fails with
//! its fix and the exit code is 1; an invalid fleet is not checked at all.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::thread;

use serde_json::{Value, json};

fn drover(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_drover"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .output()
        .expect("drover runs")
}

/// An empty management cluster: `/apis` lists no group, everything else is NotFound, and every
/// SubjectAccessReview is denied.
fn empty_cluster() -> String {
    let routes: HashMap<&str, Value> = HashMap::from([
        (
            "/apis",
            json!({ "kind": "APIGroupList", "apiVersion": "v1", "groups": [] }),
        ),
        (
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            json!({ "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                    "spec": {}, "status": { "allowed": false } }),
        ),
    ]);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let address = listener.local_addr().expect("address");
    thread::spawn(move || {
        for stream in listener.incoming().take(2_000) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut length = 0;
            loop {
                let mut header = String::new();
                match reader.read_line(&mut header) {
                    Ok(0) | Err(_) => break,
                    Ok(_) if header == "\r\n" => break,
                    Ok(_) => {
                        if let Some(value) =
                            header.to_ascii_lowercase().strip_prefix("content-length:")
                        {
                            length = value.trim().parse().unwrap_or(0);
                        }
                    }
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let target = request_line.split_whitespace().nth(1).unwrap_or("/");
            let path = target.split('?').next().unwrap_or("/");
            let (status, body) = match routes.get(path) {
                Some(body) => (200, body.to_string()),
                None => (
                    404,
                    json!({ "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                            "reason": "NotFound", "code": 404, "message": format!("{path} not found") })
                    .to_string(),
                ),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
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

#[test]
fn an_empty_management_cluster_fails_every_check_with_a_fix() {
    let tmp = tempfile::tempdir().expect("tmp");
    let config = kubeconfig(tmp.path(), &empty_cluster());
    let config = config.to_string_lossy();
    let output = drover(&[
        "preflight",
        "examples/fleet",
        "--kubeconfig",
        &config,
        "--context",
        "mgmt",
    ]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!text.contains('✓'), "{text}");
    assert!(
        text.contains("  ✗ Cluster cluster.x-k8s.io/v1beta2 (clusters.cluster.x-k8s.io)"),
        "{text}"
    );
    assert!(
        text.contains("the API group cluster.x-k8s.io is not served"),
        "{text}"
    );
    assert!(text.contains("  ✗ namespace argocd exists"), "{text}");
    assert!(
        text.contains("  ✗ Secret capa-system/aws-variables exists"),
        "{text}"
    );
    // Every permission of the ClusterRole is denied (however many the table of kinds makes).
    let denied = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("denied "))
        .and_then(|rest| rest.split_once(':'))
        .map(|(counts, _)| counts.split(" of ").map(str::to_owned).collect::<Vec<_>>())
        .expect("a denied line");
    assert_eq!(denied.len(), 2, "{text}");
    assert_eq!(denied[0], denied[1], "{text}");
    let checks = text.lines().filter(|l| l.starts_with("  ✗ ")).count();
    let fixes = text
        .lines()
        .filter(|l| l.starts_with("      fix: "))
        .count();
    assert_eq!(checks, fixes, "a fix for every ✗");

    let output = drover(&[
        "preflight",
        "examples/fleet",
        "--kubeconfig",
        &config,
        "-o",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(report["passed"], false);
    let all = report["checks"].as_array().expect("checks");
    assert_eq!(all.len(), checks);
    assert!(all.iter().all(|c| c["ok"] == false && c["fix"].is_string()));
}

#[test]
fn an_invalid_fleet_is_not_checked() {
    let output = drover(&[
        "preflight",
        "examples/invalid",
        "--kubeconfig",
        "/nonexistent/kubeconfig",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let errors = String::from_utf8_lossy(&output.stderr);
    assert!(errors.contains("unknown-field.yaml:"), "{errors}");
    assert!(errors.contains("nothing checked"), "{errors}");
}
