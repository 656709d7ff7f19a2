//! A fake Kubernetes API server behind `tower_test::mock::pair()` (the kube-rs ApiServerVerifier
//! pattern), stateful so multi-step scenarios run against what earlier reconciles wrote.
//!
//! It serves GET, LIST (label selectors, `metadata.name`/`metadata.namespace` field selectors,
//! `limit`/`continue` pagination), PATCH (server-side apply with field managers, JSON patch,
//! merge patch; `/status`; `dryRun=All` answers without storing anything), DELETE (UID
//! preconditions, finalizers) and event POSTs, records every request, and answers requests to
//! kinds it does not serve with 404. Anything else drover should never send (PUT, POST of
//! objects, a patch without field manager, an unknown content type) is recorded as a violation,
//! which [`FakeApi::assert_clean`] turns into a test failure; tests assert the exact sequence of
//! writes.
//!
//! Like a real API server it also
//! - answers watches (`GET` of a collection with `watch=true`) with a streaming body of
//!   newline-separated watch events, from a history of changes (every change gets a new global
//!   `resourceVersion`), so `kube::runtime::watcher`, `metadata_watcher` and `Controller` work
//!   against it (see `watch.rs`);
//! - answers metadata-only requests (`Accept: ...;as=PartialObjectMetadata[List]`) with
//!   `meta.k8s.io/v1` `PartialObjectMetadata` objects;
//! - counts requests by verb and kind ([`FakeApi::counts`]), as `apiserver_request_total` does;
//! - treats a PATCH or DELETE that changes nothing as a no-op (no new resourceVersion, no event);
//! - answers API discovery (`/api`, `/apis`, `/apis/GROUP/VERSION`) from what it serves, and
//!   `SubjectAccessReview`s with an RBAC authorizer over its stored roles and bindings.
//!
//! [`FakeApi::on_change`] hooks see every change synchronously, for tests feeding a cache directly.

mod authz;
mod discovery;
mod handle;
pub mod route;
pub mod ssa;
mod watch;

use std::cell::Cell;
use std::collections::{BTreeMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard};

use http::{Request, Response};
use http_body_util::combinators::BoxBody;
use hyper::body::Bytes;
use kube::Client;
use kube::client::Body;
use serde_json::Value;

use route::Served;
#[allow(unused_imports)] // Not every includer names them.
pub use watch::{Change, ChangeEvent};

/// The fake's responses: a full JSON body, or a stream of watch events.
pub type Reply = Response<BoxBody<Bytes, Infallible>>;

/// A hook called on every change (see [`FakeApi::on_change`]).
type Hook = dyn Fn(&Change) + Send + Sync;

/// One request the fake received.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// The Kubernetes verb: `get`, `list`, `watch`, `apply`, `patch`, `delete`, `create`, ...
    pub verb: String,
    /// The Kind served at the path (`WorkloadCluster`; `WorkloadCluster/status` for the status
    /// subresource), or the URL's plural for resources the fake does not serve.
    pub kind: String,
    pub path: String,
    pub query: BTreeMap<String, String>,
    pub content_type: String,
    pub body: Value,
}

impl Recorded {
    /// Whether this changes anything (events excluded).
    pub fn is_write(&self) -> bool {
        self.method != "GET" && !self.is_event()
    }

    /// Whether this publishes an event.
    pub fn is_event(&self) -> bool {
        self.method == "POST" && self.path.contains("/events")
            || self.path.starts_with("/apis/events.k8s.io")
    }

    /// Whether this is a server-side apply.
    pub fn is_apply(&self) -> bool {
        self.method == "PATCH" && self.content_type == "application/apply-patch+yaml"
    }

    /// `METHOD path`.
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// A canned failure for the next `count` requests matching method and path suffix.
#[derive(Clone, Debug)]
pub struct Failure {
    pub method: String,
    pub path_suffix: String,
    pub status: u16,
    pub body: Value,
    pub count: u32,
    /// Only requests whose query has this parameter (e.g. `continue`) fail.
    pub query_key: Option<String>,
}

/// Objects by (group, plural, namespace, name).
type Key = (String, String, String, String);

#[derive(Default)]
pub struct State {
    served: Vec<Served>,
    objects: BTreeMap<Key, Value>,
    log: Vec<Recorded>,
    failures: Vec<Failure>,
    violations: Vec<String>,
    /// The global resourceVersion: the version of the last change.
    counter: u64,
    /// The last [`watch::HISTORY_LIMIT`] changes, oldest first, for watches from a version.
    history: VecDeque<watch::Logged>,
    /// The version of the newest change dropped from `history` (a watch from an older version
    /// is answered `410 Expired`).
    compacted: u64,
    /// Open watches.
    watchers: Vec<watch::Watcher>,
    hooks: Vec<Arc<Hook>>,
    /// At fleet scale (benchmarks): request bodies are not kept and the watch history is longer.
    fleet_scale: bool,
}

impl State {
    fn history_limit(&self) -> usize {
        if self.fleet_scale {
            watch::HISTORY_LIMIT * 100
        } else {
            watch::HISTORY_LIMIT
        }
    }
}

thread_local! {
    /// Set while change hooks run (under the fake's lock), to turn a re-entrant call into a
    /// clear panic instead of a deadlock.
    static IN_HOOK: Cell<bool> = const { Cell::new(false) };
}

/// The fake API server. Cheap to clone; all clones share the state.
#[derive(Clone)]
pub struct FakeApi {
    state: Arc<Mutex<State>>,
}

impl FakeApi {
    /// A fake serving the built-ins, CAPI core, kubeadm, CAPK, CAAPH and drover's kinds.
    pub fn new() -> Self {
        let state = State {
            served: route::default_served(),
            ..State::default()
        };
        Self {
            state: Arc::new(Mutex::new(state)),
        }
    }

    /// For benchmarks with tens of thousands of objects: keeps no request bodies (only verb, kind
    /// and path are counted) and a watch history of a million changes, as a real API server's
    /// watch cache would not expire a watch that keeps up.
    #[allow(dead_code)]
    pub fn at_fleet_scale(self) -> Self {
        self.lock().fleet_scale = true;
        self
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        assert!(
            !IN_HOOK.get(),
            "a FakeApi::on_change hook called back into the fake: hooks run under its lock"
        );
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A client talking to this fake (spawns the serving task on the current runtime).
    pub fn client(&self) -> Client {
        let (service, mut handle) = tower_test::mock::pair::<Request<Body>, Reply>();
        let fake = self.clone();
        tokio::spawn(async move {
            while let Some((request, reply)) = handle.next_request().await {
                let (parts, body) = request.into_parts();
                let bytes = body
                    .collect_bytes()
                    .await
                    .map(|b| b.to_vec())
                    .unwrap_or_default();
                let response = fake.lock().handle(&parts, &bytes);
                reply.send_response(response);
            }
        });
        Client::new(service, "default")
    }

    /// Serves this fake over HTTP/1.1 on `listener` until the task is dropped (for a process
    /// under test, e.g. `drover controller` with a kubeconfig naming `http://127.0.0.1:PORT`).
    /// Each connection runs on its own task; watch responses stream as over the mock client.
    #[allow(dead_code)]
    pub async fn serve_http(&self, listener: tokio::net::TcpListener) {
        use http_body_util::BodyExt as _;
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let fake = self.clone();
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
                        let fake = fake.clone();
                        async move {
                            let (parts, body) = request.into_parts();
                            let bytes = body
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            Ok::<_, Infallible>(fake.lock().handle(&parts, &bytes))
                        }
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    }

    /// Serves `kind` at `api_version` from now on, instead of any version it served before (an
    /// installed CRD, or one upgraded to another version).
    #[allow(dead_code)]
    pub fn serve(&self, api_version: &str, kind: &str, plural: &str, namespaced: bool) {
        let mut state = self.lock();
        state.served.retain(|s| s.kind != kind);
        state
            .served
            .push(route::Served::new(api_version, kind, plural, namespaced));
    }

    /// Stops serving `kind` (its CRD deleted): requests to it get 404, discovery omits it.
    #[allow(dead_code)]
    pub fn unserve(&self, kind: &str) {
        self.lock().served.retain(|s| s.kind != kind);
    }

    /// Stores `object` (apiVersion, kind, metadata.name required), adding uid and resourceVersion
    /// (replacing an object stored under the same name). Always a change (ADDED or MODIFIED).
    pub fn insert(&self, mut object: Value) {
        let mut state = self.lock();
        let key = state
            .key_of(&object)
            .unwrap_or_else(|| panic!("fake does not serve {object}"));
        let meta = &mut object["metadata"];
        if meta.get("uid").is_none() {
            meta["uid"] = Value::from(format!("uid-{}", state.counter + 1));
        }
        if meta.get("generation").is_none() {
            meta["generation"] = Value::from(1);
        }
        state.commit(key, object, false);
    }

    /// The stored object of `kind` (served kinds only).
    pub fn get(&self, kind: &str, namespace: &str, name: &str) -> Option<Value> {
        let state = self.lock();
        let key = state.key_for_kind(kind, namespace, name)?;
        state.objects.get(&key).cloned()
    }

    /// Changes a stored object (simulating another controller or a user). Always a change
    /// (MODIFIED, new resourceVersion), even if `change` changes nothing.
    pub fn update(&self, kind: &str, namespace: &str, name: &str, change: impl FnOnce(&mut Value)) {
        let mut state = self.lock();
        let key = state
            .key_for_kind(kind, namespace, name)
            .unwrap_or_else(|| panic!("{kind} not served"));
        let mut object = state
            .objects
            .get(&key)
            .cloned()
            .unwrap_or_else(|| panic!("no {kind} {namespace}/{name}"));
        change(&mut object);
        state.commit(key, object, false);
    }

    /// Removes a stored object (simulating a controller finishing its deletion): a DELETED
    /// change carrying its last state. Nothing happens if it is not stored.
    pub fn remove(&self, kind: &str, namespace: &str, name: &str) {
        let mut state = self.lock();
        if let Some(key) = state.key_for_kind(kind, namespace, name)
            && let Some(object) = state.objects.get(&key).cloned()
        {
            state.commit(key, object, true);
        }
    }

    /// All stored objects of `kind`.
    pub fn all(&self, kind: &str) -> Vec<Value> {
        let state = self.lock();
        state
            .objects
            .values()
            .filter(|o| o["kind"] == kind)
            .cloned()
            .collect()
    }

    /// Every stored object (each with apiVersion and kind).
    #[allow(dead_code)]
    pub fn all_objects(&self) -> Vec<Value> {
        self.lock().objects.values().cloned().collect()
    }

    /// Calls `hook` on every change from now on (several hooks may be registered): every
    /// `insert`, `update`, `remove`, and every PATCH or DELETE request that changes or removes
    /// an object, in order, synchronously, before the request that caused it is answered; the
    /// same changes watches see.
    ///
    /// A hook runs under the fake's lock: it must not call back into the fake (that panics), nor
    /// block on something that does.
    #[allow(dead_code)]
    pub fn on_change(&self, hook: impl Fn(&Change) + Send + Sync + 'static) {
        self.lock().hooks.push(Arc::new(hook));
    }

    /// The number of requests by (verb, kind) since the last [`FakeApi::clear_requests`], as
    /// the API server's `apiserver_request_total{verb,resource}` counts them (failed ones too).
    #[allow(dead_code)]
    pub fn counts(&self) -> BTreeMap<(String, String), u64> {
        let mut counts = BTreeMap::new();
        for request in &self.lock().log {
            *counts
                .entry((request.verb.clone(), request.kind.clone()))
                .or_default() += 1;
        }
        counts
    }

    /// The number of requests since the last [`FakeApi::clear_requests`] (cheap: no copy).
    #[allow(dead_code)]
    pub fn request_count(&self) -> usize {
        self.lock().log.len()
    }

    /// The number of requests with `verb` (all kinds) since the last [`FakeApi::clear_requests`].
    #[allow(dead_code)]
    pub fn count(&self, verb: &str) -> u64 {
        self.lock().log.iter().filter(|r| r.verb == verb).count() as u64
    }

    /// Makes the next `count` requests with `method` whose path ends with `path_suffix` fail.
    pub fn fail(&self, method: &str, path_suffix: &str, status: u16, body: Value, count: u32) {
        self.lock().failures.push(Failure {
            method: method.to_owned(),
            path_suffix: path_suffix.to_owned(),
            status,
            body,
            count,
            query_key: None,
        });
    }

    /// As [`FakeApi::fail`], for requests whose query carries the parameter `query_key` only
    /// (e.g. list pages after the first: `continue`). Used by the fleet tests, which share the fake.
    #[allow(dead_code)]
    pub fn fail_with_query(
        &self,
        method: &str,
        path_suffix: &str,
        query_key: &str,
        status: u16,
        body: Value,
        count: u32,
    ) {
        self.lock().failures.push(Failure {
            method: method.to_owned(),
            path_suffix: path_suffix.to_owned(),
            status,
            body,
            count,
            query_key: Some(query_key.to_owned()),
        });
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().log.clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.lock().log.clear();
    }

    /// The write requests so far (events excluded).
    pub fn writes(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(Recorded::is_write)
            .collect()
    }

    /// The events published so far.
    pub fn events(&self) -> Vec<Value> {
        self.requests()
            .into_iter()
            .filter(Recorded::is_event)
            .map(|r| r.body)
            .collect()
    }

    /// Fails the test if a request drover should never make was received.
    pub fn assert_clean(&self) {
        let violations = self.lock().violations.clone();
        assert!(
            violations.is_empty(),
            "protocol violations:\n{}",
            violations.join("\n")
        );
    }
}
