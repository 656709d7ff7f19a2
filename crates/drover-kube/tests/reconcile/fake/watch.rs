//! Watches of the fake API server, and the changes they (and change hooks) see.
//!
//! Every change to the stored objects goes through `State::commit`, which gives it a new global
//! resourceVersion (the fake's counter), appends it to a bounded history, sends it to every open
//! watch it concerns and calls the change hooks, all under the fake's lock. A watch request
//! registers a [`Watcher`] (under the same lock, so no change is missed or seen twice): it first
//! gets the history after the requested resourceVersion (or, with `sendInitialEvents=true`, the
//! current objects and an initial-events-end bookmark), then every later change. Its response
//! body streams what an unbounded channel receives, one JSON watch event per line, and stays open
//! until the client drops it (`timeoutSeconds` is ignored, which is allowed: the server may end a
//! watch earlier or later).

use std::collections::BTreeMap;

use http::Response;
use http_body_util::{BodyExt as _, StreamBody};
use hyper::body::{Bytes, Frame};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::handle::{partial, respond, status_body};
use super::route::{Route, Served, fields_match, selector_matches};
use super::{Key, Reply, State};

/// How many changes the fake remembers for watches from a resourceVersion; a watch from a
/// version older than that is answered `410 Expired`, as by a real API server after compaction.
pub const HISTORY_LIMIT: usize = 10_000;

/// What happened to a stored object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(dead_code)]
pub enum ChangeEvent {
    Added,
    Modified,
    Deleted,
}

/// One change to a stored object, as [`super::FakeApi::on_change`] hooks see it.
#[derive(Clone, Debug)]
#[allow(dead_code)]
pub struct Change {
    pub kind: String,
    pub api_version: String,
    pub event: ChangeEvent,
    /// The full object as stored (for a deletion: its last state), with apiVersion, kind and its
    /// new resourceVersion.
    pub object: Value,
}

/// A change in the history.
pub(super) struct Logged {
    /// The change's resourceVersion.
    pub version: u64,
    pub key: Key,
    /// The labels before a modification (to tell label-selected watches the object left or
    /// entered their selection).
    pub old_labels: Option<Value>,
    pub change: Change,
}

/// Whether a collection GET is a watch.
pub(super) fn is_watch(query: &BTreeMap<String, String>) -> bool {
    query.get("watch").is_some_and(|w| w == "true" || w == "1")
}

/// One line of a watch response.
fn event_line(kind: &str, object: &Value) -> Bytes {
    let mut line = json!({ "type": kind, "object": object }).to_string();
    line.push('\n');
    Bytes::from(line)
}

/// An open watch.
pub(super) struct Watcher {
    group: String,
    plural: String,
    namespace: Option<String>,
    labels: String,
    fields: String,
    metadata_only: bool,
    /// Changes up to this version are not sent (a watch from a future version).
    since: u64,
    sender: mpsc::UnboundedSender<Bytes>,
}

impl Watcher {
    fn selects(&self, key: &Key, object: &Value) -> bool {
        key.0 == self.group
            && key.1 == self.plural
            && self.namespace.as_ref().is_none_or(|ns| *ns == key.2)
            && fields_match(&self.fields, object)
    }

    /// The watch event `logged` makes for this watch, if any.
    fn event_of(&self, logged: &Logged) -> Option<Bytes> {
        let object = &logged.change.object;
        if logged.version <= self.since || !self.selects(&logged.key, object) {
            return None;
        }
        let now = selector_matches(&self.labels, &object["metadata"]["labels"]);
        let before = logged
            .old_labels
            .as_ref()
            .is_some_and(|labels| selector_matches(&self.labels, labels));
        // As the API server's filtered watches: an object entering the selection is ADDED,
        // one leaving it DELETED.
        let kind = match (logged.change.event, before, now) {
            (ChangeEvent::Added, _, true) | (ChangeEvent::Modified, false, true) => "ADDED",
            (ChangeEvent::Modified, true, true) => "MODIFIED",
            (ChangeEvent::Deleted, _, true) | (ChangeEvent::Modified, true, false) => "DELETED",
            _ => return None,
        };
        Some(self.line(kind, object))
    }

    fn line(&self, kind: &str, object: &Value) -> Bytes {
        if self.metadata_only {
            event_line(kind, &partial(object))
        } else {
            event_line(kind, object)
        }
    }

    /// Sends the event of `logged` if it concerns this watch; false once the client is gone.
    pub(super) fn send_change(&self, logged: &Logged) -> bool {
        match self.event_of(logged) {
            Some(line) => self.sender.send(line).is_ok(),
            None => !self.sender.is_closed(),
        }
    }
}

/// A response streaming what `receiver` receives; it ends when every sender is dropped.
fn streaming(mut receiver: mpsc::UnboundedReceiver<Bytes>) -> Reply {
    let stream = futures::stream::poll_fn(move |cx| {
        receiver
            .poll_recv(cx)
            .map(|line| line.map(|line| Ok(Frame::data(line))))
    });
    Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(StreamBody::new(stream).boxed())
        .unwrap_or_else(|_| respond(500, &status_body(500, "InternalError", "response")))
}

impl State {
    /// Starts a watch of the collection at `route`.
    pub(super) fn watch(
        &mut self,
        route: &Route,
        served: &Served,
        query: &BTreeMap<String, String>,
        metadata_only: bool,
    ) -> Reply {
        let version = query
            .get("resourceVersion")
            .map(String::as_str)
            .filter(|v| !v.is_empty());
        let since = match version.map(str::parse::<u64>) {
            None | Some(Ok(0)) => self.counter,
            Some(Ok(version)) => version,
            Some(Err(_)) => {
                return respond(
                    400,
                    &status_body(400, "BadRequest", "invalid resourceVersion"),
                );
            }
        };
        let (sender, receiver) = mpsc::unbounded_channel();
        let mut watcher = Watcher {
            group: route.group.clone(),
            plural: route.plural.clone(),
            namespace: route.namespace.clone(),
            labels: query.get("labelSelector").cloned().unwrap_or_default(),
            fields: query.get("fieldSelector").cloned().unwrap_or_default(),
            metadata_only,
            since,
            sender,
        };
        if query.get("sendInitialEvents").is_some_and(|s| s == "true") {
            // A streaming list: the current objects, then a bookmark marking their end.
            let current: Vec<Value> = self
                .objects
                .iter()
                .filter(|(key, object)| {
                    watcher.selects(key, object)
                        && selector_matches(&watcher.labels, &object["metadata"]["labels"])
                })
                .map(|(_, object)| object.clone())
                .collect();
            for object in &current {
                let _ = watcher.sender.send(watcher.line("ADDED", object));
            }
            let (api_version, kind) = if metadata_only {
                (
                    "meta.k8s.io/v1".to_owned(),
                    "PartialObjectMetadata".to_owned(),
                )
            } else {
                (served.api_version(), served.kind.clone())
            };
            let bookmark = json!({
                "apiVersion": api_version, "kind": kind,
                "metadata": {
                    "resourceVersion": self.counter.to_string(),
                    "annotations": { "k8s.io/initial-events-end": "true" },
                },
            });
            let _ = watcher.sender.send(event_line("BOOKMARK", &bookmark));
            watcher.since = self.counter;
        } else if since < self.compacted {
            // Changes after `since` were forgotten: as after an etcd compaction.
            let message = format!("too old resource version: {since} ({})", self.compacted);
            let _ = watcher
                .sender
                .send(event_line("ERROR", &status_body(410, "Expired", &message)));
            // The stream ends after the error (the watcher is not kept).
            return streaming(receiver);
        } else {
            for logged in &self.history {
                if let Some(line) = watcher.event_of(logged) {
                    let _ = watcher.sender.send(line);
                }
            }
        }
        self.watchers.push(watcher);
        streaming(receiver)
    }
}
