//! A small fake API server (tower-test) for the runtime: Leases with resourceVersion-checked
//! writes, lists and never-ending watches of the watched collections, events, and 404 for
//! everything else. It records every request.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use http::{Request, Response};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt as _, Full, StreamBody};
use hyper::body::{Bytes, Frame};
use kube::Client;
use kube::client::Body;
use serde_json::{Value, json};

type Reply = Response<BoxBody<Bytes, Infallible>>;
type Hook = Box<dyn FnOnce(&mut Value) + Send>;

/// Collections the controller lists and watches.
pub const COLLECTIONS: &[&str] = &[
    "/apis/drover.dev/v1alpha1/workloadclusters",
    "/apis/drover.dev/v1alpha1/environments",
    "/apis/drover.dev/v1alpha1/infrastructures",
    "/apis/cluster.x-k8s.io/v1beta2/clusters",
    "/apis/controlplane.cluster.x-k8s.io/v1beta2/kubeadmcontrolplanes",
    "/apis/cluster.x-k8s.io/v1beta2/machinedeployments",
];

const LEASES: &str = "/apis/coordination.k8s.io/v1/namespaces/";

#[derive(Default)]
struct State {
    leases: BTreeMap<String, Value>,
    items: BTreeMap<String, Vec<Value>>,
    version: u64,
    log: Vec<String>,
    failures: Vec<(String, u16, u32)>,
    before_put: Option<Hook>,
}

/// The fake. Cheap to clone; clones share the state.
#[derive(Clone, Default)]
pub struct Fake {
    state: Arc<Mutex<State>>,
}

fn status(code: u16, reason: &str, message: &str) -> (u16, Value) {
    (
        code,
        json!({ "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": message, "reason": reason, "code": code }),
    )
}

fn full(code: u16, body: &Value) -> Reply {
    let bytes = Bytes::from(serde_json::to_vec(body).expect("serializes"));
    Response::builder()
        .status(code)
        .header("content-type", "application/json")
        .body(Full::new(bytes).boxed())
        .expect("response")
}

/// A watch that sends nothing and never ends.
fn pending_watch() -> Reply {
    let stream = futures::stream::pending::<Result<Frame<Bytes>, Infallible>>();
    Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(StreamBody::new(stream).boxed())
        .expect("response")
}

impl Fake {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A client talking to this fake.
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
                reply.send_response(fake.handle(&parts, &bytes));
            }
        });
        Client::new(service, "default")
    }

    /// Adds an object to a watched collection (e.g. a claim).
    pub fn add(&self, collection: &str, object: Value) {
        self.lock()
            .items
            .entry(collection.to_owned())
            .or_default()
            .push(object);
    }

    /// The stored Lease `namespace/name`.
    pub fn lease(&self, namespace: &str, name: &str) -> Option<Value> {
        self.lock()
            .leases
            .get(&format!("{namespace}/{name}"))
            .cloned()
    }

    /// Stores a Lease as another instance would write it.
    pub fn put_lease(&self, namespace: &str, name: &str, spec: Value) {
        let mut state = self.lock();
        state.version += 1;
        let lease = json!({
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": { "name": name, "namespace": namespace,
                          "resourceVersion": state.version.to_string() },
            "spec": spec,
        });
        state.leases.insert(format!("{namespace}/{name}"), lease);
    }

    /// Changes a stored Lease as another instance would (bumps its resourceVersion).
    pub fn edit_lease(&self, namespace: &str, name: &str, change: impl FnOnce(&mut Value)) {
        let mut state = self.lock();
        state.version += 1;
        let version = state.version.to_string();
        let lease = state
            .leases
            .get_mut(&format!("{namespace}/{name}"))
            .expect("lease exists");
        change(lease);
        lease["metadata"]["resourceVersion"] = Value::from(version);
    }

    /// Runs `change` on the stored Lease (bumping its resourceVersion) right before the next PUT
    /// is handled: another instance writing between this one's read and write.
    pub fn before_next_put(&self, change: impl FnOnce(&mut Value) + Send + 'static) {
        self.lock().before_put = Some(Box::new(change));
    }

    /// Makes the next `count` requests with `method` fail with `code`.
    pub fn fail(&self, method: &str, code: u16, count: u32) {
        self.lock().failures.push((method.to_owned(), code, count));
    }

    /// `METHOD path?query` of every request so far.
    pub fn requests(&self) -> Vec<String> {
        self.lock().log.clone()
    }

    fn handle(&self, parts: &http::request::Parts, body: &[u8]) -> Reply {
        let mut state = self.lock();
        let method = parts.method.as_str().to_owned();
        let path = parts.uri.path().to_owned();
        let query = parts.uri.query().unwrap_or_default().to_owned();
        state.log.push(format!("{method} {path}?{query}"));
        if let Some(failure) = state.failures.iter_mut().find(|f| f.0 == method && f.2 > 0) {
            failure.2 -= 1;
            let reason = match failure.1 {
                404 => "NotFound",
                409 => "Conflict",
                _ => "InternalError",
            };
            let (code, body) = status(failure.1, reason, "injected failure");
            return full(code, &body);
        }
        if COLLECTIONS.contains(&path.as_str()) && method == "GET" {
            if query
                .split('&')
                .any(|p| p == "watch=true" || p == "watch=1")
            {
                return pending_watch();
            }
            let items = state.items.get(&path).cloned().unwrap_or_default();
            let list = json!({ "apiVersion": "v1", "kind": "List",
                               "metadata": { "resourceVersion": state.version.to_string() },
                               "items": items });
            return full(200, &list);
        }
        if path.starts_with("/apis/events.k8s.io/") && method == "POST" {
            let event: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            return full(201, &event);
        }
        if let Some(rest) = path.strip_prefix(LEASES) {
            let (code, body) = state.lease_request(&method, rest, body);
            return full(code, &body);
        }
        let (code, body) = status(404, "NotFound", "not served by the fake");
        full(code, &body)
    }
}

impl State {
    fn lease_request(&mut self, method: &str, rest: &str, body: &[u8]) -> (u16, Value) {
        let segments: Vec<&str> = rest.split('/').collect();
        let parsed: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        match (method, segments.as_slice()) {
            ("GET", [namespace, "leases", name]) => {
                match self.leases.get(&format!("{namespace}/{name}")) {
                    Some(lease) => (200, lease.clone()),
                    None => status(404, "NotFound", "lease not found"),
                }
            }
            ("POST", [namespace, "leases"]) => {
                let name = parsed["metadata"]["name"].as_str().unwrap_or_default();
                let key = format!("{namespace}/{name}");
                if self.leases.contains_key(&key) {
                    return status(409, "AlreadyExists", "lease already exists");
                }
                self.version += 1;
                let mut lease = parsed.clone();
                lease["metadata"]["resourceVersion"] = Value::from(self.version.to_string());
                self.leases.insert(key, lease.clone());
                (201, lease)
            }
            ("PUT", [namespace, "leases", name]) => {
                let key = format!("{namespace}/{name}");
                if let Some(hook) = self.before_put.take()
                    && let Some(stored) = self.leases.get_mut(&key)
                {
                    hook(stored);
                    self.version += 1;
                    stored["metadata"]["resourceVersion"] = Value::from(self.version.to_string());
                }
                let Some(stored) = self.leases.get(&key) else {
                    return status(404, "NotFound", "lease not found");
                };
                if parsed["metadata"]["resourceVersion"] != stored["metadata"]["resourceVersion"] {
                    return status(409, "Conflict", "the object has been modified");
                }
                self.version += 1;
                let mut lease = parsed.clone();
                lease["metadata"]["resourceVersion"] = Value::from(self.version.to_string());
                self.leases.insert(key, lease.clone());
                (200, lease)
            }
            _ => status(405, "MethodNotAllowed", "not supported by the fake"),
        }
    }
}
