//! `drover controller` and `drover install` as a user runs them: help, flag errors from the
//! environment, the install manifests, and a real process that serves its endpoints and stops
//! on SIGTERM with exit 0.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn drover(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_drover"));
    command.args(args);
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("drover runs")
}

#[test]
fn help_documents_every_flag_with_its_environment_variable() {
    let output = drover(&["controller", "--help"], &[]);
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8_lossy(&output.stdout);
    for (flag, env) in [
        ("--kubeconfig", "DROVER_KUBECONFIG"),
        ("--context", "DROVER_CONTEXT"),
        ("--concurrency", "DROVER_CONCURRENCY"),
        ("--qps", "DROVER_QPS"),
        ("--burst", "DROVER_BURST"),
        ("--resync-period", "DROVER_RESYNC_PERIOD"),
        ("--metrics-bind", "DROVER_METRICS_BIND"),
        ("--leader-election", "DROVER_LEADER_ELECTION"),
        (
            "--leader-election-namespace",
            "DROVER_LEADER_ELECTION_NAMESPACE",
        ),
        (
            "--leader-election-lease-name",
            "DROVER_LEADER_ELECTION_LEASE_NAME",
        ),
        ("--log-format", "DROVER_LOG_FORMAT"),
        ("--log-level", "DROVER_LOG_LEVEL"),
    ] {
        assert!(help.contains(flag), "{flag} missing:\n{help}");
        assert!(
            help.contains(&format!("[env: {env}=")),
            "{env} missing:\n{help}"
        );
    }
}

#[test]
fn bad_values_from_the_environment_are_refused_as_usage_errors() {
    for (key, value) in [
        ("DROVER_CONCURRENCY", "0"),
        ("DROVER_RESYNC_PERIOD", "soon"),
        ("DROVER_QPS", "-1"),
    ] {
        let output = drover(&["controller"], &[(key, value)]);
        // Usage errors exit 64, apart from `plan`'s 0/1/2 (see main.rs).
        assert_eq!(output.status.code(), Some(64), "{key}={value}");
        let error = String::from_utf8_lossy(&output.stderr);
        assert!(error.contains(value), "{key}={value}: {error}");
    }
}

#[test]
fn a_missing_kubeconfig_is_an_error_naming_it() {
    let output = drover(
        &[
            "controller",
            "--kubeconfig",
            "/nonexistent/kubeconfig",
            "--metrics-bind=127.0.0.1:0",
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(1));
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("/nonexistent/kubeconfig"), "{error}");
}

#[test]
fn install_prints_the_manifests_as_yaml_or_json() {
    let yaml = drover(
        &[
            "install",
            "--argocd-namespace=argo",
            "--image=registry.example/drover:1",
        ],
        &[],
    );
    assert_eq!(yaml.status.code(), Some(0));
    let text = String::from_utf8_lossy(&yaml.stdout);
    assert!(
        text.starts_with("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n")
    );
    assert!(
        text.contains("image: registry.example/drover:1\n"),
        "{text}"
    );
    assert!(text.contains("  namespace: argo\n"), "{text}");
    let json = drover(&["install", "-o", "json"], &[]);
    let list: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(list["kind"], "List");
    let bad = drover(&["install", "--namespace=Bad_Name"], &[]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(bad.stdout.is_empty(), "nothing printed on error");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("Bad_Name"));
}

fn http_get(port: u16, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .expect("writes");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("reads");
    let code = response
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (code, body)
}

#[test]
fn the_controller_serves_its_endpoints_and_exits_0_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    // An API server that refuses connections: the controller keeps trying to read its Lease.
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: { server: \"http://127.0.0.1:1\" }\ncontexts:\n- name: c\n  context: { cluster: c, user: u, namespace: ops }\ncurrent-context: c\nusers:\n- name: u\n  user: { token: t }\n",
    )
    .expect("kubeconfig");
    let mut child = Command::new(env!("CARGO_BIN_EXE_drover"))
        .args([
            "controller",
            "--metrics-bind=127.0.0.1:0",
            "--log-format=json",
        ])
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let stderr = child.stderr.take().expect("stderr");
    let (lines_tx, lines_rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut port = None;
    let mut log = Vec::new();
    while port.is_none() {
        let line = lines_rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("no address logged: {log:#?}"));
        let event: serde_json::Value = serde_json::from_str(&line).expect("JSON log line");
        port = event["address"]
            .as_str()
            .and_then(|a| a.rsplit(':').next())
            .and_then(|p| p.parse::<u16>().ok());
        log.push(line);
    }
    let port = port.expect("port");
    assert_eq!(http_get(port, "/healthz"), (200, "ok\n".to_owned()));
    let (code, reason) = http_get(port, "/readyz");
    assert_eq!(
        (code, reason.as_str()),
        (503, "leader election has not read the Lease yet\n")
    );
    assert!(http_get(port, "/metrics").1.contains("drover_leader 0\n"));

    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let status = child.wait().expect("exits");
    assert_eq!(status.code(), Some(0), "graceful stop on SIGTERM");
    let rest: Vec<String> = lines_rx.try_iter().collect();
    assert!(
        rest.iter().any(|l| l.contains("SIGTERM")),
        "the signal is logged: {rest:#?}"
    );
}
