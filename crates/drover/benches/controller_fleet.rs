//! Controller benchmark: the real `drover controller` (the release binary, a child process)
//! against the fake Kubernetes API server of drover-kube's reconcile tests, served over HTTP/1.1
//! on 127.0.0.1, for a fleet of N claims (default 1,000).
//!
//! Every figure is measured from outside the controller: requests are those the fake received,
//! counted by verb and kind as a real kube-apiserver counts them (`apiserver_request_total`),
//! times are wall-clock, memory is the controller process's peak RSS (`VmHWM`).
//!
//! Phases:
//! 1. baseline: what `drover render --stdout | kubectl apply --server-side -f -` needs: the same
//!    objects applied one after another through a rate-limited client, to a fresh fake;
//! 2. create: a fresh fake holding the Environment, the Infrastructure and N claims; the
//!    controller starts and creates every rendered object;
//! 3. settle: the bench plays CAPI (clusters ready, kubeconfig Secrets) until every claim is Ready;
//! 4. resync: two resync periods of a settled fleet (expected: no request at all);
//! 5. a new claim in the settled fleet: time until its objects exist;
//! 6. the controller's peak RSS.
//!
//! ```sh
//! cargo bench -p drover --bench controller_fleet                      # 1,000 claims
//! cargo bench -p drover --bench controller_fleet -- 10000             # another size
//! cargo bench -p drover --bench controller_fleet -- --qps 50 --burst 300   # the defaults
//! ```
//!
//! `--qps`/`--burst` apply to the baseline client and the controller alike (default 1000/2000,
//! not the controller's 50/300, so 1,000 claims take seconds rather than minutes; the ratio of
//! the two is what matters). `--timeout-mins M` bounds every wait (default 15): on a timeout the
//! bench prints what it saw and the controller log's tail, and exits 1.
//!
//! The fake runs at fleet scale ([`fake::FakeApi::at_fleet_scale`]): it keeps no request bodies
//! and a watch history of a million changes (one global window; a real API server keeps one per
//! resource and sends bookmarks). It shares the machine's cores with the controller, so the
//! controller's wall times are pessimistic.

#[allow(dead_code, unused_imports)]
#[path = "../../drover-kube/tests/reconcile/fake/mod.rs"]
mod fake;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use drover_api::{Infrastructure, WorkloadCluster, labels};
use drover_core::fixtures as core;
use drover_core::render::{Manifest, render_cluster};
use drover_kube::resources::{kind_info, resource};
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use fake::FakeApi;

/// Namespaces the claims are spread over.
const NAMESPACES: usize = 10;
/// The controller's resync period, and how long the resync phase watches (two periods + jitter).
const RESYNC: &str = "20s";
const RESYNC_WINDOW: Duration = Duration::from_secs(45);
/// No request for this long: the controller is done with a phase.
const QUIET: Duration = Duration::from_secs(3);
const POLL: Duration = Duration::from_millis(50);

struct Options {
    claims: usize,
    qps: f64,
    burst: u32,
    timeout: Duration,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        claims: 1000,
        qps: 1000.0,
        burst: 2000,
        timeout: Duration::from_secs(15 * 60),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--bench" => {}
            "--qps" => options.qps = value("--qps")?.parse().map_err(|e| format!("--qps: {e}"))?,
            "--burst" => {
                options.burst = value("--burst")?
                    .parse()
                    .map_err(|e| format!("--burst: {e}"))?;
            }
            "--timeout-mins" => {
                let minutes: u64 = value("--timeout-mins")?
                    .parse()
                    .map_err(|e| format!("--timeout-mins: {e}"))?;
                options.timeout = Duration::from_secs(minutes * 60);
            }
            other => {
                options.claims = other
                    .parse()
                    .map_err(|_| format!("unknown argument `{other}`"))?;
            }
        }
    }
    Ok(options)
}

/// One claim of the fleet and what drover renders for it (served kinds only).
struct Claim {
    value: Value,
    objects: Vec<Manifest>,
}

/// The infrastructure: the fixtures' KubeVirt one without hosts (so no capacity admission: 1,000
/// clusters would not fit its three hosts).
fn infrastructure() -> Infrastructure {
    let mut infrastructure = core::kubevirt_infrastructure();
    if let Some(kubevirt) = infrastructure.spec.kubevirt.as_mut() {
        kubevirt.hosts = None;
    }
    infrastructure
}

fn make_claim(index: usize, served: &BTreeSet<String>, skipped: &mut BTreeSet<String>) -> Claim {
    let namespace = format!("team-{:02}", index % NAMESPACES);
    let name = format!("c{index:05}");
    let claim: WorkloadCluster = core::with_workers(
        core::claim(&namespace, &name, "dev"),
        &[("md-0", 2, "small")],
    );
    let cluster = core::resolved(
        &claim,
        &core::environment("dev", "v1.32.1"),
        &infrastructure(),
    );
    let objects = render_cluster(&cluster)
        .expect("renders")
        .objects
        .into_iter()
        .filter(|m| {
            let ok = served.contains(m.kind());
            if !ok {
                skipped.insert(m.kind().to_owned());
            }
            ok
        })
        .collect();
    Claim {
        value: serde_json::to_value(&claim).expect("serializes"),
        objects,
    }
}

/// A fake API server listening on 127.0.0.1 (served by a task of the current runtime).
async fn serve(fake: &FakeApi) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds 127.0.0.1");
    let address = listener.local_addr().expect("local address");
    let fake = fake.clone();
    tokio::spawn(async move { fake.serve_http(listener).await });
    address
}

fn seed(fake: &FakeApi) {
    fake.insert(serde_json::to_value(core::environment("dev", "v1.32.1")).expect("serializes"));
    fake.insert(serde_json::to_value(infrastructure()).expect("serializes"));
}

/// Phase 1: server-side apply of every object, one after another, as kubectl does.
async fn baseline(claims: &[Claim], qps: f64, burst: u32) -> Result<(Duration, Counts), String> {
    let fake = FakeApi::new().at_fleet_scale();
    seed(&fake);
    let address = serve(&fake).await;
    let uri: http::Uri = format!("http://{address}").parse().expect("uri");
    let client = drover_kube::runtime::client::client(kube::Config::new(uri), qps, burst)
        .map_err(|e| format!("baseline client: {e}"))?;
    let params = PatchParams::apply("kubectl");
    let start = Instant::now();
    for claim in claims {
        for object in &claim.objects {
            let info = kind_info(object.kind()).expect("known kind");
            let ar = resource(object.api_version(), object.kind(), info.plural);
            let api: Api<DynamicObject> = if info.namespaced {
                Api::namespaced_with(client.clone(), object.namespace(), &ar)
            } else {
                Api::all_with(client.clone(), &ar)
            };
            api.patch(object.name(), &params, &Patch::Apply(&object.0))
                .await
                .map_err(|e| format!("baseline apply of {}: {e}", object.describe()))?;
        }
    }
    let elapsed = start.elapsed();
    fake.assert_clean();
    Ok((elapsed, Counts::full(&fake)))
}

/// What the waits look at, kept up to date by a change hook of the fake (so the waits do not
/// take the fake's lock to scan its objects): which objects exist, and each claim's phase.
#[derive(Clone, Default)]
struct Observer(Arc<Mutex<Observed>>);

#[derive(Default)]
struct Observed {
    present: HashSet<(String, String, String)>,
    phases: HashMap<String, String>,
}

impl Observer {
    fn watch(fake: &FakeApi) -> Self {
        let observer = Self::default();
        let shared = Arc::clone(&observer.0);
        fake.on_change(move |change| {
            let meta = &change.object["metadata"];
            let namespace = meta["namespace"].as_str().unwrap_or_default().to_owned();
            let name = meta["name"].as_str().unwrap_or_default().to_owned();
            let mut observed = shared.lock().unwrap_or_else(PoisonError::into_inner);
            let deleted = matches!(change.event, fake::ChangeEvent::Deleted);
            if change.kind == "WorkloadCluster" {
                let key = format!("{namespace}/{name}");
                if deleted {
                    observed.phases.remove(&key);
                } else {
                    let phase = change.object["status"]["phase"].as_str().unwrap_or("-");
                    observed.phases.insert(key, phase.to_owned());
                }
            }
            let key = (change.kind.clone(), namespace, name);
            if deleted {
                observed.present.remove(&key);
            } else {
                observed.present.insert(key);
            }
        });
        observer
    }

    fn lock(&self) -> MutexGuard<'_, Observed> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn phases(&self) -> BTreeMap<String, usize> {
        let mut phases = BTreeMap::new();
        for phase in self.lock().phases.values() {
            *phases.entry(phase.clone()).or_default() += 1;
        }
        phases
    }
}

/// Requests by (verb, kind).
#[derive(Clone, Default)]
struct Counts(
    BTreeMap<(String, String), u64>,
    /// One request path of each (verb, kind), when known.
    BTreeMap<(String, String), String>,
);

impl Counts {
    /// The counts only (cheaper).
    fn of(fake: &FakeApi) -> Self {
        Self(fake.counts(), BTreeMap::new())
    }

    /// The counts and an example path of each.
    fn full(fake: &FakeApi) -> Self {
        let mut counts = Self::default();
        for request in fake.requests() {
            let key = (request.verb.clone(), request.kind.clone());
            *counts.0.entry(key.clone()).or_default() += 1;
            counts.1.entry(key).or_insert(request.path);
        }
        counts
    }

    fn total(&self) -> u64 {
        self.0.values().sum()
    }

    fn by_verb(&self) -> BTreeMap<String, u64> {
        let mut verbs = BTreeMap::new();
        for ((verb, _), count) in &self.0 {
            *verbs.entry(verb.clone()).or_default() += count;
        }
        verbs
    }

    /// `apply 3.00, get 1.02, ...` per claim.
    fn per_claim(&self, claims: usize) -> String {
        let verbs = self.by_verb();
        if verbs.is_empty() {
            return "0".to_owned();
        }
        verbs
            .iter()
            .map(|(verb, count)| format!("{verb} {:.2}", *count as f64 / claims as f64))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn print(&self, title: &str, claims: usize) {
        println!(
            "  {title}: {} requests ({:.2} per claim)",
            self.total(),
            self.total() as f64 / claims as f64
        );
        for ((verb, kind), count) in &self.0 {
            let example = self
                .1
                .get(&(verb.clone(), kind.clone()))
                .map_or(String::new(), |path| format!("  e.g. {path}"));
            println!(
                "    {verb:<8} {kind:<32} {count:>8}  ({:>5.2}/claim){example}",
                *count as f64 / claims as f64
            );
        }
    }
}

/// Something went wrong: what to print before exiting non-zero.
type Outcome<T> = Result<T, String>;

/// Waits until every object in `wanted` exists in `fake`; prints progress every 10 s.
async fn wait_objects(
    observer: &Observer,
    wanted: &[(String, String, String)],
    since: Instant,
    timeout: Duration,
) -> Outcome<Duration> {
    let mut remaining: Vec<&(String, String, String)> = wanted.iter().collect();
    let mut last_report = Instant::now();
    loop {
        {
            let observed = observer.lock();
            remaining.retain(|key| !observed.present.contains(*key));
        }
        if remaining.is_empty() {
            return Ok(since.elapsed());
        }
        if since.elapsed() > timeout {
            let sample: Vec<String> = remaining
                .iter()
                .take(10)
                .map(|(k, ns, n)| format!("{k} {ns}/{n}"))
                .collect();
            return Err(format!(
                "timeout: {} of {} objects still missing after {:?}, e.g.\n  {}",
                remaining.len(),
                wanted.len(),
                since.elapsed(),
                sample.join("\n  ")
            ));
        }
        if last_report.elapsed() > Duration::from_secs(10) {
            last_report = Instant::now();
            println!(
                "  ... {:>6.1} s: {} of {} objects exist",
                since.elapsed().as_secs_f64(),
                wanted.len() - remaining.len(),
                wanted.len()
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Waits until no request arrives for [`QUIET`]; the time of the last request (from `since`).
async fn wait_quiet(fake: &FakeApi, since: Instant, timeout: Duration) -> Outcome<Duration> {
    let mut last_total = fake.request_count();
    let mut last_change = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let total = fake.request_count();
        if total != last_total {
            last_total = total;
            last_change = Instant::now();
        } else if last_change.elapsed() >= QUIET {
            return Ok(last_change.duration_since(since));
        }
        if since.elapsed() > timeout {
            return Err(format!(
                "timeout: requests still arriving after {:?}",
                since.elapsed()
            ));
        }
    }
}

/// Waits until every claim is Ready.
async fn wait_ready(
    observer: &Observer,
    metrics: SocketAddr,
    since: Instant,
    timeout: Duration,
) -> Outcome<Duration> {
    let mut last_report = Instant::now();
    loop {
        let phases = observer.phases();
        if phases.keys().all(|p| p == "Ready") {
            return Ok(since.elapsed());
        }
        if since.elapsed() > timeout {
            let (count, failures, _) = reconciles(metrics).await;
            return Err(format!(
                "timeout: claims by phase after {:?}: {phases:?}; the controller ran {count} \
                 reconciles so far ({failures} failed)",
                since.elapsed()
            ));
        }
        if last_report.elapsed() > Duration::from_secs(10) {
            last_report = Instant::now();
            let (count, _, _) = reconciles(metrics).await;
            println!(
                "  ... {:>6.1} s: claims by phase {phases:?}, {count} reconciles since start",
                since.elapsed().as_secs_f64()
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The events published since the last clear, by reason; and the requests about claim `name`.
fn details(fake: &FakeApi, name: &str) {
    let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
    for event in fake.events() {
        let reason = event["reason"].as_str().unwrap_or("-").to_owned();
        *reasons.entry(reason).or_default() += 1;
    }
    if !reasons.is_empty() {
        println!("  events by reason: {reasons:?}");
    }
    let marker = format!("/{name}");
    let mut lines = Vec::new();
    for request in fake.requests() {
        let about = request.path.contains(&marker)
            || request
                .path
                .contains(&format!("/namespaces/{name}-cluster/"))
            || request.body["regarding"]["name"] == name
            || request.body["metadata"]["name"]
                .as_str()
                .is_some_and(|n| n.starts_with(&format!("{name}.")));
        if about {
            lines.push(format!(
                "    {:<6} {:<8} {}",
                request.verb, request.method, request.path
            ));
        }
    }
    println!("  requests about {name} ({}):", lines.len());
    for line in lines {
        println!("{line}");
    }
}

/// `GET path` on 127.0.0.1; the status code.
async fn http_status(address: SocketAddr, path: &str) -> Option<u16> {
    http_get(address, path).await.map(|(status, _)| status)
}

/// `GET path` on 127.0.0.1; the status code and the whole response (headers and body).
async fn http_get(address: SocketAddr, path: &str) -> Option<(u16, String)> {
    let mut stream = tokio::net::TcpStream::connect(address).await.ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await.ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, response))
}

/// The controller's reconcile counters from /metrics: (reconciles, failures, seconds spent).
async fn reconciles(metrics: SocketAddr) -> (f64, f64, f64) {
    let text = http_get(metrics, "/metrics")
        .await
        .map(|(_, text)| text)
        .unwrap_or_default();
    let sum = |prefix: &str| -> f64 {
        text.lines()
            .filter(|line| line.starts_with(prefix))
            .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    };
    (
        sum("drover_reconciles_total "),
        sum("drover_reconcile_failures_total"),
        sum("drover_reconcile_duration_seconds_sum "),
    )
}

/// Plays CAPI for `claim`: Cluster, control plane and MachineDeployments ready, kubeconfig Secret.
fn capi_ready(fake: &FakeApi, claim: &Claim) {
    for object in &claim.objects {
        let (kind, namespace, name) = (object.kind(), object.namespace(), object.name());
        match kind {
            "Cluster" => fake.update(kind, namespace, name, |cluster| {
                cluster["spec"]["controlPlaneEndpoint"] =
                    json!({ "host": "192.168.0.225", "port": 6443 });
                cluster["status"] = json!({
                    "initialization": { "infrastructureProvisioned": true, "controlPlaneInitialized": true },
                    "conditions": [
                        { "type": "InfrastructureReady", "status": "True", "reason": "Ready" },
                        { "type": "ControlPlaneAvailable", "status": "True", "reason": "Available" },
                        { "type": "WorkersAvailable", "status": "True", "reason": "Available" },
                    ],
                });
            }),
            "KubeadmControlPlane" => fake.update(kind, namespace, name, |kcp| {
                let replicas = kcp["spec"]["replicas"].clone();
                kcp["status"] = json!({ "replicas": replicas, "readyReplicas": replicas,
                    "availableReplicas": replicas, "upToDateReplicas": replicas, "version": "v1.32.1" });
            }),
            "MachineDeployment" => fake.update(kind, namespace, name, |md| {
                let replicas = md["spec"]["replicas"].clone();
                md["status"] = json!({ "replicas": replicas, "readyReplicas": replicas,
                    "availableReplicas": replicas, "upToDateReplicas": replicas });
            }),
            _ => {}
        }
    }
    let cluster = claim
        .objects
        .iter()
        .find(|o| o.kind() == "Cluster")
        .expect("a Cluster is rendered");
    let (namespace, name) = (cluster.namespace(), cluster.name());
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: {name}\n  cluster:\n    server: https://192.168.0.225:6443\n    certificate-authority-data: Q0EtREFUQQ==\ncontexts:\n- name: {name}-admin@{name}\n  context:\n    cluster: {name}\n    user: {name}-admin\ncurrent-context: {name}-admin@{name}\nusers:\n- name: {name}-admin\n  user:\n    client-certificate-data: Q0VSVA==\n    client-key-data: S0VZ\n"
    );
    fake.insert(json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": { "name": format!("{name}-kubeconfig"), "namespace": namespace,
                      "labels": { labels::CAPI_CLUSTER_NAME: name } },
        "type": "cluster.x-k8s.io/secret",
        "data": { "value": k8s_openapi::ByteString(kubeconfig.into_bytes()) },
    }));
}

fn peak_rss_mib(pid: u32) -> Option<(f64, f64)> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}

fn cpu_seconds(pid: u32) -> Option<f64> {
    // utime and stime, fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 a second).
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn log_tail(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

fn stop(child: &mut Child) {
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn secs(duration: Duration) -> String {
    format!("{:.2} s", duration.as_secs_f64())
}

struct Figures {
    objects: usize,
    baseline: Duration,
    baseline_counts: Counts,
    created: Duration,
    create_counts_at_created: Counts,
    create_quiet: Duration,
    create_counts: Counts,
    readyz: Option<Duration>,
    settled: Duration,
    settle_quiet: Duration,
    settle_counts: Counts,
    resync_counts: Counts,
    new_claim: Duration,
    new_claim_counts: Counts,
    peak_rss: Option<(f64, f64)>,
    cpu: Option<f64>,
    stored: usize,
    /// CPU seconds by phase: (phase, controller, bench process = fake API server + bench).
    cpu_phases: Vec<(&'static str, f64, f64)>,
    /// Reconciles by phase (from /metrics): (phase, reconciles, failures, seconds in reconciles).
    reconcile_phases: Vec<(&'static str, f64, f64, f64)>,
}

/// Records and prints the reconciles since `from` (from the controller's /metrics).
async fn reconcile_phase(
    phases: &mut Vec<(&'static str, f64, f64, f64)>,
    name: &'static str,
    from: (f64, f64, f64),
    metrics: SocketAddr,
    claims: usize,
) -> (f64, f64, f64) {
    let now = reconciles(metrics).await;
    let (count, failures, seconds) = (now.0 - from.0, now.1 - from.1, now.2 - from.2);
    println!(
        "  reconciles: {count} ({:.2} per claim), {failures} failed, mean {:.1} ms",
        count / claims as f64,
        if count > 0.0 {
            seconds * 1000.0 / count
        } else {
            0.0
        }
    );
    phases.push((name, count, failures, seconds));
    now
}

/// CPU seconds used so far by the controller and by this process.
fn cpu_now(pid: Option<u32>) -> (f64, f64) {
    (
        pid.and_then(cpu_seconds).unwrap_or(0.0),
        cpu_seconds(std::process::id()).unwrap_or(0.0),
    )
}

/// Records and prints the CPU used since `from`.
fn cpu_phase(
    phases: &mut Vec<(&'static str, f64, f64)>,
    name: &'static str,
    from: (f64, f64),
    pid: Option<u32>,
) -> (f64, f64) {
    let now = cpu_now(pid);
    let (controller, bench) = (now.0 - from.0, now.1 - from.1);
    println!("  CPU: controller {controller:.1} s, bench process (fake API server) {bench:.1} s");
    phases.push((name, controller, bench));
    now
}

#[allow(clippy::too_many_lines)]
async fn run(options: &Options, log: &Path, kubeconfig: &Path) -> Outcome<Figures> {
    let served: BTreeSet<String> = fake::route::default_served()
        .into_iter()
        .map(|s| s.kind)
        .collect();
    let mut skipped = BTreeSet::new();
    let claims: Vec<Claim> = (0..options.claims)
        .map(|i| make_claim(i, &served, &mut skipped))
        .collect();
    let objects: usize = claims.iter().map(|c| c.objects.len()).sum();
    println!(
        "{} claims (KubeVirt, one pool md-0 of 2 small, {NAMESPACES} namespaces), {objects} objects \
         ({} per claim){}",
        claims.len(),
        claims.first().map_or(0, |c| c.objects.len()),
        if skipped.is_empty() {
            String::new()
        } else {
            format!(", kinds not served left out: {skipped:?}")
        }
    );
    println!(
        "client rate limit (baseline and controller): --qps {} --burst {} (the controller's \
         defaults are 50/300)\n",
        options.qps, options.burst
    );

    let mut cpu_phases = Vec::new();
    let cpu = cpu_now(None);
    // 1. Baseline.
    println!("1. baseline: server-side apply of every object, one after another (kubectl)");
    let (baseline, baseline_counts) = baseline(&claims, options.qps, options.burst).await?;
    println!(
        "  {} for {objects} objects ({:.0} objects/s)",
        secs(baseline),
        objects as f64 / baseline.as_secs_f64()
    );
    baseline_counts.print("requests", claims.len());
    cpu_phase(&mut cpu_phases, "baseline", cpu, None);

    // 2. Create.
    println!("\n2. create: drover controller against a fake holding the claims");
    let fake = FakeApi::new().at_fleet_scale();
    let observer = Observer::watch(&fake);
    seed(&fake);
    for claim in &claims {
        fake.insert(claim.value.clone());
    }
    let address = serve(&fake).await;
    fs::write(
        kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: http://{address}\ncontexts:\n- name: fake\n  context: {{ cluster: fake, user: bench, namespace: default }}\ncurrent-context: fake\nusers:\n- name: bench\n  user: {{}}\n"
        ),
    )
    .map_err(|e| format!("writing the kubeconfig: {e}"))?;
    let metrics = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
        listener.local_addr().expect("address")
    };
    let log_file = fs::File::create(log).map_err(|e| format!("log file: {e}"))?;
    let stderr = log_file.try_clone().map_err(|e| format!("log file: {e}"))?;
    fake.clear_requests();
    let cpu = cpu_now(None);
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_drover"))
        .arg("controller")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(["--qps", &options.qps.to_string()])
        .args(["--burst", &options.burst.to_string()])
        .args(["--resync-period", RESYNC])
        .args(["--metrics-bind", &metrics.to_string()])
        .args(["--leader-election", "false"])
        .args(["--instance-name", "bench"])
        .env("RUST_LOG", "warn")
        .env_remove("KUBECONFIG")
        .env_remove("DROVER_LOG_LEVEL")
        .stdin(Stdio::null())
        .stdout(log_file)
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("starting drover controller: {e}"))?;
    let mut child = Guard(child);
    let pid = child.0.id();
    let readyz = tokio::spawn(async move {
        loop {
            if http_status(metrics, "/readyz").await == Some(200) {
                return started.elapsed();
            }
            tokio::time::sleep(POLL).await;
        }
    });
    let wanted: Vec<(String, String, String)> = claims
        .iter()
        .flat_map(|c| &c.objects)
        .map(|o| {
            (
                o.kind().to_owned(),
                o.namespace().to_owned(),
                o.name().to_owned(),
            )
        })
        .collect();
    let result = tokio::select! {
        result = wait_objects(&observer, &wanted, started, options.timeout) => result,
        status = wait_exit(&mut child.0) => Err(format!("the controller exited: {status}")),
    };
    let created = result?;
    let create_counts_at_created = Counts::of(&fake);
    println!(
        "  every object exists after {} (baseline {}: ratio {:.2})",
        secs(created),
        secs(baseline),
        created.as_secs_f64() / baseline.as_secs_f64()
    );
    create_counts_at_created.print("requests until then", claims.len());
    let create_quiet = wait_quiet(&fake, started, options.timeout).await?;
    let create_counts = Counts::full(&fake);
    println!(
        "  last request at {}; claims by phase: {:?}",
        secs(create_quiet),
        observer.phases()
    );
    create_counts.print("requests until quiet", claims.len());
    details(&fake, "c00000");
    let readyz = if readyz.is_finished() {
        readyz.await.ok()
    } else {
        readyz.abort();
        None
    };
    println!(
        "  /readyz answered 200 after {}",
        readyz.map_or("never (so far)".to_owned(), secs)
    );

    let cpu = cpu_phase(&mut cpu_phases, "create", cpu, Some(pid));
    let mut reconcile_phases = Vec::new();
    let n = claims.len();
    let recs = reconcile_phase(&mut reconcile_phases, "create", (0.0, 0.0, 0.0), metrics, n).await;

    // 3. Settle.
    println!("\n3. settle: CAPI reports every cluster ready and writes its kubeconfig");
    fake.clear_requests();
    let since = Instant::now();
    for claim in &claims {
        capi_ready(&fake, claim);
    }
    println!("  (CAPI played in {})", secs(since.elapsed()));
    let settled = wait_ready(&observer, metrics, since, options.timeout).await?;
    println!("  every claim Ready after {}", secs(settled));
    let settle_quiet = wait_quiet(&fake, since, options.timeout).await?;
    let settle_counts = Counts::full(&fake);
    println!("  last request at {}", secs(settle_quiet));
    settle_counts.print("requests", claims.len());
    details(&fake, "c00000");

    let cpu = cpu_phase(&mut cpu_phases, "settle", cpu, Some(pid));
    let recs = reconcile_phase(&mut reconcile_phases, "settle", recs, metrics, n).await;

    // 4. Resync.
    println!(
        "\n4. resync: {} s of a settled fleet (resync period {RESYNC} ±10%)",
        RESYNC_WINDOW.as_secs()
    );
    fake.clear_requests();
    tokio::time::sleep(RESYNC_WINDOW).await;
    let resync_counts = Counts::full(&fake);
    resync_counts.print("requests", claims.len());
    if resync_counts.total() > 0 {
        for request in fake.requests().iter().take(20) {
            println!(
                "    e.g. {} ({} {})",
                request.line(),
                request.verb,
                request.kind
            );
        }
    }

    let cpu = cpu_phase(&mut cpu_phases, "resync", cpu, Some(pid));
    let recs = reconcile_phase(&mut reconcile_phases, "resync", recs, metrics, n).await;

    // 5. A new claim.
    println!("\n5. a new claim in the settled fleet");
    let mut unused = BTreeSet::new();
    let extra = make_claim(claims.len(), &served, &mut unused);
    fake.clear_requests();
    let since = Instant::now();
    fake.insert(extra.value.clone());
    let wanted: Vec<(String, String, String)> = extra
        .objects
        .iter()
        .map(|o| {
            (
                o.kind().to_owned(),
                o.namespace().to_owned(),
                o.name().to_owned(),
            )
        })
        .collect();
    let new_claim = wait_objects(&observer, &wanted, since, options.timeout).await?;
    println!(
        "  its {} objects exist after {}",
        wanted.len(),
        secs(new_claim)
    );
    wait_quiet(&fake, since, options.timeout).await?;
    let new_claim_counts = Counts::full(&fake);
    new_claim_counts.print("requests until quiet", 1);
    details(&fake, &format!("c{:05}", claims.len()));

    cpu_phase(&mut cpu_phases, "new claim", cpu, Some(pid));
    reconcile_phase(&mut reconcile_phases, "new claim", recs, metrics, 1).await;

    // 6. Memory.
    let peak_rss = peak_rss_mib(pid);
    let cpu = cpu_seconds(pid);
    let stored = fake.all_objects().len();
    println!(
        "\n6. controller peak RSS (VmHWM) {}, RSS now {}, CPU (user+sys) {}; the fake stores {stored} objects",
        peak_rss.map_or("?".to_owned(), |(hwm, _)| format!("{hwm:.1} MiB")),
        peak_rss.map_or("?".to_owned(), |(_, rss)| format!("{rss:.1} MiB")),
        cpu.map_or("?".to_owned(), |c| format!("{c:.1} s")),
    );
    fake.assert_clean();
    stop(&mut child.0);
    Ok(Figures {
        objects,
        baseline,
        baseline_counts,
        created,
        create_counts_at_created,
        create_quiet,
        create_counts,
        readyz,
        settled,
        settle_quiet,
        settle_counts,
        resync_counts,
        new_claim,
        new_claim_counts,
        peak_rss,
        cpu,
        stored,
        cpu_phases,
        reconcile_phases,
    })
}

/// Stops the controller whatever happens.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            stop(&mut self.0);
        }
    }
}

async fn wait_exit(child: &mut Child) -> String {
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.to_string(),
            Ok(None) => tokio::time::sleep(Duration::from_millis(200)).await,
            Err(error) => return error.to_string(),
        }
    }
}

fn summary(options: &Options, f: &Figures) -> String {
    let n = options.claims;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| claims | objects | baseline (kubectl SSA, sequential) | controller: all objects exist | ratio | /readyz | every claim Ready after CAPI | new claim: objects exist | peak RSS |"
    );
    let _ = writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let _ = writeln!(
        out,
        "| {n} | {} | {} | {} | {:.2} | {} | {} | {} | {} |",
        f.objects,
        secs(f.baseline),
        secs(f.created),
        f.created.as_secs_f64() / f.baseline.as_secs_f64(),
        f.readyz.map_or("-".to_owned(), secs),
        secs(f.settled),
        secs(f.new_claim),
        f.peak_rss
            .map_or("?".to_owned(), |(hwm, _)| format!("{hwm:.0} MiB")),
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "| phase | requests | per claim, by verb |");
    let _ = writeln!(out, "|---|---:|---|");
    let rows = [
        ("baseline (kubectl)", &f.baseline_counts, n),
        (
            "create, until every object exists",
            &f.create_counts_at_created,
            n,
        ),
        ("create, until quiet", &f.create_counts, n),
        ("settle (CAPI ready → claim Ready)", &f.settle_counts, n),
        ("resync window (45 s, 2 periods)", &f.resync_counts, n),
        ("one new claim, until quiet", &f.new_claim_counts, 1),
    ];
    for (phase, counts, per) in rows {
        let _ = writeln!(
            out,
            "| {phase} | {} | {} |",
            counts.total(),
            counts.per_claim(per)
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| phase | controller CPU | fake API server + bench CPU | reconciles | failed | mean reconcile |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|");
    for (phase, controller, bench) in &f.cpu_phases {
        let recs = f.reconcile_phases.iter().find(|r| r.0 == *phase);
        let (count, failed, mean) = recs.map_or(
            ("-".to_owned(), "-".to_owned(), "-".to_owned()),
            |(_, count, failed, seconds)| {
                let mean = if *count > 0.0 {
                    seconds * 1000.0 / count
                } else {
                    0.0
                };
                (
                    format!("{count}"),
                    format!("{failed}"),
                    format!("{mean:.1} ms"),
                )
            },
        );
        let _ = writeln!(
            out,
            "| {phase} | {controller:.1} s | {bench:.1} s | {count} | {failed} | {mean} |"
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "qps {} burst {} (baseline client and controller), resync period {RESYNC}; create quiet at {}, settle quiet at {}; controller CPU {}; fake stores {} objects.",
        options.qps,
        options.burst,
        secs(f.create_quiet),
        secs(f.settle_quiet),
        f.cpu.map_or("?".to_owned(), |c| format!("{c:.1} s")),
        f.stored
    );
    out
}

fn main() -> ExitCode {
    let options = match options() {
        Ok(options) => options,
        Err(error) => {
            eprintln!("controller_fleet: {error}");
            return ExitCode::from(64);
        }
    };
    let scratch = tempfile::tempdir().expect("scratch dir");
    let log = scratch.path().join("controller.log");
    let kubeconfig = scratch.path().join("kubeconfig");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let result = runtime.block_on(run(&options, &log, &kubeconfig));
    match result {
        Ok(figures) => {
            println!("\n## Summary\n\n{}", summary(&options, &figures));
            let tail = log_tail(&log);
            if !tail.is_empty() {
                println!("controller log (warnings and errors), last lines:\n{tail}");
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            println!("\nFAILED: {error}");
            println!("controller log, last lines:\n{}", log_tail(&log));
            ExitCode::FAILURE
        }
    }
}
