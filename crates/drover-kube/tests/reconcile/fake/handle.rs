//! Request handling of the fake API server.

use std::collections::BTreeMap;

use http::request::Parts;
use http::{Response, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use serde_json::{Value, json};

use super::route::{Route, Served, fields_match, parse_path, parse_query, selector_matches};
use super::watch::{self, Change, ChangeEvent};
use super::{IN_HOOK, Key, Recorded, Reply, State, ssa};

pub(super) fn respond(status: u16, body: &Value) -> Reply {
    let response = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())).boxed());
    response.unwrap_or_else(|_| Response::new(Full::new(Bytes::new()).boxed()))
}

/// Whether the `Accept` header asks for metadata only (`as=PartialObjectMetadata` or
/// `as=PartialObjectMetadataList`), as `kube::Api::get_metadata`/`list_metadata`/
/// `watch_metadata` send it.
fn wants_metadata(parts: &Parts) -> bool {
    parts
        .headers
        .get_all(http::header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split([',', ';']))
        .any(|param| {
            matches!(
                param.trim(),
                "as=PartialObjectMetadata" | "as=PartialObjectMetadataList"
            )
        })
}

/// `object` as a `meta.k8s.io/v1` `PartialObjectMetadata`.
pub(super) fn partial(object: &Value) -> Value {
    json!({
        "apiVersion": "meta.k8s.io/v1",
        "kind": "PartialObjectMetadata",
        "metadata": object["metadata"],
    })
}

/// The Kubernetes verb of a request (as in `apiserver_request_total`).
fn verb_of(
    method: &str,
    route: Option<&Route>,
    query: &BTreeMap<String, String>,
    content_type: &str,
) -> String {
    let named = route.is_some_and(|r| r.name.is_some());
    let verb = match method {
        "GET" if named => "get",
        "GET" if watch::is_watch(query) => "watch",
        "GET" => "list",
        "PATCH" if content_type == "application/apply-patch+yaml" => "apply",
        "PATCH" => "patch",
        "DELETE" if named => "delete",
        "DELETE" => "deletecollection",
        "POST" => "create",
        "PUT" => "update",
        other => return other.to_lowercase(),
    };
    verb.to_owned()
}

/// A `Status` failure body.
pub fn status_body(code: u16, reason: &str, message: &str) -> Value {
    json!({ "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code })
}

fn not_found(route: &Route) -> Reply {
    let name = route.name.clone().unwrap_or_default();
    respond(
        404,
        &status_body(
            404,
            "NotFound",
            &format!("{} \"{name}\" not found", route.plural),
        ),
    )
}

impl State {
    fn served(&self, group: &str, plural: &str) -> Option<&Served> {
        self.served
            .iter()
            .find(|s| s.group == group && s.plural == plural)
    }

    /// The store key of an object, from its apiVersion and kind.
    pub(super) fn key_of(&self, object: &Value) -> Option<Key> {
        let api_version = object["apiVersion"].as_str()?;
        let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
        let kind = object["kind"].as_str()?;
        let served = self
            .served
            .iter()
            .find(|s| s.group == group && s.kind == kind)?;
        let namespace = if served.namespaced {
            object["metadata"]["namespace"].as_str().unwrap_or_default()
        } else {
            ""
        };
        Some((
            group.to_owned(),
            served.plural.clone(),
            namespace.to_owned(),
            object["metadata"]["name"].as_str()?.to_owned(),
        ))
    }

    pub(super) fn key_for_kind(&self, kind: &str, namespace: &str, name: &str) -> Option<Key> {
        let served = self.served.iter().find(|s| s.kind == kind)?;
        let namespace = if served.namespaced { namespace } else { "" };
        Some((
            served.group.clone(),
            served.plural.clone(),
            namespace.to_owned(),
            name.to_owned(),
        ))
    }

    fn next_version(&mut self) -> String {
        self.counter += 1;
        self.counter.to_string()
    }

    /// Stores `object` under `key` (or removes `key`, with `object` as its last state, when
    /// `remove`) with a new resourceVersion, and records the change: history, watches, hooks.
    /// Every change to `objects` goes through here. Returns the object with its new version.
    pub(super) fn commit(&mut self, key: Key, mut object: Value, remove: bool) -> Value {
        let version = self.next_version();
        object["metadata"]["resourceVersion"] = json!(version);
        if let Some(served) = self.served(&key.0, &key.1) {
            if object.get("apiVersion").is_none_or(Value::is_null) {
                object["apiVersion"] = json!(served.api_version());
            }
            if object.get("kind").is_none_or(Value::is_null) {
                object["kind"] = json!(served.kind);
            }
        }
        let old = if remove {
            self.objects.remove(&key)
        } else {
            self.objects.insert(key.clone(), object.clone())
        };
        let event = match (remove, &old) {
            (true, _) => ChangeEvent::Deleted,
            (false, None) => ChangeEvent::Added,
            (false, Some(_)) => ChangeEvent::Modified,
        };
        let change = Change {
            kind: object["kind"].as_str().unwrap_or_default().to_owned(),
            api_version: object["apiVersion"].as_str().unwrap_or_default().to_owned(),
            event,
            object: object.clone(),
        };
        let logged = watch::Logged {
            version: self.counter,
            key,
            old_labels: old.map(|o| o["metadata"]["labels"].clone()),
            change,
        };
        self.watchers.retain(|w| w.send_change(&logged));
        if !self.hooks.is_empty() {
            struct Reset;
            impl Drop for Reset {
                fn drop(&mut self) {
                    IN_HOOK.set(false);
                }
            }
            IN_HOOK.set(true);
            let _reset = Reset;
            for hook in &self.hooks {
                hook(&logged.change);
            }
        }
        self.history.push_back(logged);
        while self.history.len() > self.history_limit() {
            if let Some(dropped) = self.history.pop_front() {
                self.compacted = dropped.version;
            }
        }
        object
    }

    pub(super) fn handle(&mut self, parts: &Parts, bytes: &[u8]) -> Reply {
        let path = parts.uri.path().to_owned();
        let query = parse_query(parts.uri.query());
        let content_type = parts
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body: Value = serde_json::from_slice(bytes).unwrap_or(Value::Null);
        let method = parts.method.as_str().to_owned();
        let metadata_only = wants_metadata(parts);
        let parsed = parse_path(&path);
        let served = parsed
            .as_ref()
            .and_then(|route| self.served(&route.group, &route.plural))
            .cloned();
        let kind = match (&parsed, &served) {
            (Some(route), Some(served)) => match &route.subresource {
                Some(sub) => format!("{}/{sub}", served.kind),
                None => served.kind.clone(),
            },
            (Some(route), None) => route.plural.clone(),
            (None, _) => path.clone(),
        };
        self.log.push(Recorded {
            method: method.clone(),
            verb: verb_of(&method, parsed.as_ref(), &query, &content_type),
            kind,
            path: path.clone(),
            query: query.clone(),
            content_type: content_type.clone(),
            body: if self.fleet_scale {
                Value::Null
            } else {
                body.clone()
            },
        });

        if let Some(index) = self.failures.iter().position(|f| {
            f.method == method
                && path.ends_with(&f.path_suffix)
                && f.query_key
                    .as_ref()
                    .is_none_or(|key| query.contains_key(key))
        }) {
            let failure = self.failures[index].clone();
            if failure.count <= 1 {
                self.failures.remove(index);
            } else {
                self.failures[index].count -= 1;
            }
            return respond(failure.status, &failure.body);
        }

        if method == "GET"
            && let Some(reply) = super::discovery::answer(&self.served, &path)
        {
            return reply;
        }
        if method == "POST" && path == "/apis/authorization.k8s.io/v1/subjectaccessreviews" {
            return respond(201, &super::authz::review(self.objects.iter(), &body));
        }
        let Some(route) = parsed else {
            self.violations
                .push(format!("unparsable path {method} {path}"));
            return respond(404, &status_body(404, "NotFound", "bad path"));
        };
        let Some(served) = served else {
            // As a real API server for a resource it does not serve.
            return Response::builder()
                .status(StatusCode::NOT_FOUND)
                .body(Full::new(Bytes::from_static(b"404 page not found")).boxed())
                .unwrap_or_else(|_| Response::new(Full::new(Bytes::new()).boxed()));
        };
        match (method.as_str(), route.name.is_some()) {
            ("GET", false) if watch::is_watch(&query) => {
                self.watch(&route, &served, &query, metadata_only)
            }
            ("GET", false) => self.list(&route, &served, &query, metadata_only),
            ("GET", true) => self.get(&route, metadata_only),
            ("PATCH", true) => self.patch(&route, &served, &query, &content_type, &body),
            ("DELETE", true) => self.delete(&route, &body),
            ("POST", false) if served.kind == "Event" => respond(201, &body),
            _ => {
                self.violations
                    .push(format!("unexpected request {method} {path}"));
                respond(
                    405,
                    &status_body(405, "MethodNotAllowed", "not supported by the fake"),
                )
            }
        }
    }

    fn key(route: &Route) -> Key {
        (
            route.group.clone(),
            route.plural.clone(),
            route.namespace.clone().unwrap_or_default(),
            route.name.clone().unwrap_or_default(),
        )
    }

    fn get(&self, route: &Route, metadata_only: bool) -> Reply {
        match self.objects.get(&Self::key(route)) {
            Some(object) if metadata_only => respond(200, &partial(object)),
            Some(object) => respond(200, object),
            None => not_found(route),
        }
    }

    fn list(
        &mut self,
        route: &Route,
        served: &Served,
        query: &BTreeMap<String, String>,
        metadata_only: bool,
    ) -> Reply {
        let selector = query.get("labelSelector").cloned().unwrap_or_default();
        let fields = query.get("fieldSelector").cloned().unwrap_or_default();
        let mut items: Vec<Value> = self
            .objects
            .iter()
            .filter(|((g, p, _, _), _)| *g == route.group && *p == route.plural)
            .filter(|((_, _, ns, _), _)| route.namespace.as_ref().is_none_or(|want| want == ns))
            .filter(|(_, o)| selector_matches(&selector, &o["metadata"]["labels"]))
            .filter(|(_, o)| fields_match(&fields, o))
            .map(|(_, o)| o.clone())
            .collect();
        if metadata_only {
            items = items.iter().map(partial).collect();
        } else if route.group.is_empty() {
            // Lists of built-in kinds carry no apiVersion/kind per item.
            for item in &mut items {
                if let Some(map) = item.as_object_mut() {
                    map.remove("apiVersion");
                    map.remove("kind");
                }
            }
        }
        let offset: usize = query
            .get("continue")
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let limit: usize = query
            .get("limit")
            .and_then(|l| l.parse().ok())
            .unwrap_or(usize::MAX);
        let end = offset.saturating_add(limit).min(items.len());
        let page: Vec<Value> = items
            .get(offset.min(items.len())..end)
            .unwrap_or_default()
            .to_vec();
        let mut metadata = json!({ "resourceVersion": self.counter.to_string() });
        if end < items.len() {
            metadata["continue"] = json!(end.to_string());
        }
        let (api_version, kind) = if metadata_only {
            (
                "meta.k8s.io/v1".to_owned(),
                "PartialObjectMetadataList".to_owned(),
            )
        } else {
            (served.api_version(), format!("{}List", served.kind))
        };
        respond(
            200,
            &json!({
                "apiVersion": api_version,
                "kind": kind,
                "metadata": metadata,
                "items": page,
            }),
        )
    }

    fn patch(
        &mut self,
        route: &Route,
        served: &Served,
        query: &BTreeMap<String, String>,
        content_type: &str,
        body: &Value,
    ) -> Reply {
        let key = Self::key(route);
        let subresource = route.subresource.as_deref();
        let existing = self.objects.get(&key).cloned();
        let mut object = match content_type {
            "application/apply-patch+yaml" => {
                let Some(manager) = query.get("fieldManager").filter(|m| !m.is_empty()) else {
                    self.violations.push(format!(
                        "server-side apply without fieldManager: PATCH {}",
                        route.plural
                    ));
                    return respond(
                        422,
                        &status_body(422, "Invalid", "fieldManager is required"),
                    );
                };
                if body["kind"] != served.kind.as_str()
                    || body["metadata"]["name"] != route.name.as_deref().unwrap_or_default()
                {
                    self.violations.push(format!(
                        "apply body does not match the URL: {} {:?}",
                        served.kind, route.name
                    ));
                }
                let mut object = match (existing, subresource) {
                    (Some(object), _) => object,
                    (None, Some(_)) => return not_found(route),
                    (None, None) => {
                        let uid = format!("uid-{}", self.next_version());
                        json!({
                            "apiVersion": body["apiVersion"],
                            "kind": served.kind,
                            "metadata": {
                                "name": route.name, "namespace": route.namespace, "uid": uid,
                                "generation": 1, "creationTimestamp": "2026-01-01T00:00:00Z",
                            },
                        })
                    }
                };
                let force = query.get("force").is_some_and(|f| f == "true");
                if let Err(conflict) = ssa::apply(&mut object, body, manager, force, subresource) {
                    return respond(
                        409,
                        &status_body(409, "Conflict", &format!("conflict: {}", conflict.0)),
                    );
                }
                object
            }
            "application/json-patch+json" | "application/merge-patch+json" => {
                let Some(mut object) = existing else {
                    return not_found(route);
                };
                if content_type == "application/merge-patch+json" {
                    json_patch::merge(&mut object, body);
                } else {
                    // Kubernetes (evanphx/json-patch) lets `test` with value null pass on a
                    // missing path; RFC 6902 (the json_patch crate) does not.
                    let ops: Vec<Value> = body
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter(|op| {
                            let path = op["path"].as_str().unwrap_or_default();
                            !(op["op"] == "test"
                                && op["value"].is_null()
                                && object.pointer(path).is_none())
                        })
                        .cloned()
                        .collect();
                    let Ok(ops) = serde_json::from_value::<json_patch::Patch>(Value::Array(ops))
                    else {
                        return respond(400, &status_body(400, "BadRequest", "not a JSON patch"));
                    };
                    if json_patch::patch(&mut object, &ops).is_err() {
                        return respond(
                            422,
                            &status_body(422, "Invalid", "the JSON patch test failed"),
                        );
                    }
                }
                object
            }
            other => {
                self.violations
                    .push(format!("unexpected patch content type {other}"));
                return respond(415, &status_body(415, "UnsupportedMediaType", other));
            }
        };
        if subresource.is_none() {
            ssa::default_fields(&mut object);
        }
        if query.get("dryRun").is_some_and(|d| d == "All") {
            // A dry run answers with the object as it would be stored, and stores nothing.
            return respond(200, &object);
        }
        let deleting = !object["metadata"]["deletionTimestamp"].is_null();
        let finalizers = object["metadata"]["finalizers"]
            .as_array()
            .is_some_and(|f| !f.is_empty());
        if deleting && !finalizers {
            // The last finalizer is gone: the object is removed.
            let last = self.commit(key, object, true);
            return respond(200, &last);
        }
        if self.objects.get(&key) == Some(&object) {
            // As a real API server: a patch changing nothing writes nothing (same
            // resourceVersion, no watch event).
            return respond(200, &object);
        }
        let stored = self.commit(key, object, false);
        respond(200, &stored)
    }

    fn delete(&mut self, route: &Route, body: &Value) -> Reply {
        let key = Self::key(route);
        let Some(object) = self.objects.get(&key).cloned() else {
            return not_found(route);
        };
        if let Some(uid) = body["preconditions"]["uid"].as_str()
            && object["metadata"]["uid"] != uid
        {
            return respond(
                409,
                &status_body(409, "Conflict", "uid precondition failed"),
            );
        }
        let finalizers = object["metadata"]["finalizers"]
            .as_array()
            .is_some_and(|f| !f.is_empty());
        let namespace = object["kind"] == "Namespace";
        if finalizers || namespace {
            let mut stored = object.clone();
            if stored["metadata"]["deletionTimestamp"].is_null() {
                stored["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
            }
            if namespace {
                stored["status"] = json!({ "phase": "Terminating" });
            }
            if stored == object {
                // Already being deleted: nothing changes.
                return respond(200, &stored);
            }
            let stored = self.commit(key, stored, false);
            return respond(200, &stored);
        }
        self.commit(key, object.clone(), true);
        respond(
            200,
            &json!({ "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                              "details": { "name": route.name, "kind": route.plural, "uid": object["metadata"]["uid"] } }),
        )
    }
}
