//! The fake API server itself, against kube-runtime and kube's `Api`: watches (label-selected,
//! metadata-only, from a resourceVersion, expired), a `Controller`, request counts by verb and
//! kind, and change hooks.

use std::convert::Infallible;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{Stream, StreamExt as _};
use k8s_openapi::api::core::v1::Secret;
use kube::ResourceExt as _;
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, GroupVersionKind, ListParams, Patch,
    PatchParams, PostParams, WatchEvent, WatchParams,
};
use kube::core::PartialObjectMeta;
use kube::runtime::controller::{Action, Controller};
use kube::runtime::watcher::{self, Event, watcher};
use serde_json::{Value, json};
use tokio::time::timeout;

use crate::fake::{ChangeEvent, FakeApi};

/// Longest wait for something that should happen at once.
const WAIT: Duration = Duration::from_secs(1);
/// How long to wait for something that should not happen.
const QUIET: Duration = Duration::from_millis(50);

/// A Secret `namespace/name` labelled `team=team`.
fn secret(namespace: &str, name: &str, team: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": { "name": name, "namespace": namespace, "labels": { "team": team } },
        "data": { "key": "c2VjcmV0" },
    })
}

fn claims(fake: &FakeApi) -> Api<DynamicObject> {
    let gvk = GroupVersionKind::gvk("drover.dev", "v1alpha1", "WorkloadCluster");
    let resource = ApiResource::from_gvk_with_plural(&gvk, "workloadclusters");
    Api::namespaced_with(fake.client(), "team-a", &resource)
}

/// The claim `team-a/web` as applied.
fn web(status: Option<Value>) -> Patch<Value> {
    let mut claim = json!({
        "apiVersion": "drover.dev/v1alpha1", "kind": "WorkloadCluster",
        "metadata": { "name": "web", "namespace": "team-a" },
        "spec": { "environment": "dev" },
    });
    if let Some(status) = status {
        claim["status"] = status;
    }
    Patch::Apply(claim)
}

fn version_of(fake: &FakeApi, kind: &str, namespace: &str, name: &str) -> String {
    let object = fake.get(kind, namespace, name).expect("stored");
    object["metadata"]["resourceVersion"]
        .as_str()
        .expect("resourceVersion")
        .to_owned()
}

/// The next item of `stream`, failing the test after [`WAIT`].
async fn next<T, E: Debug>(stream: &mut (impl Stream<Item = Result<T, E>> + Unpin)) -> T {
    timeout(WAIT, stream.next())
        .await
        .expect("an event within a second")
        .expect("the stream goes on")
        .expect("no error")
}

/// Polls `stream` for a moment, asserting it yields nothing (this also lets a watcher that
/// finished its list start its watch).
async fn quiet<S: Stream + Unpin>(stream: &mut S)
where
    S::Item: Debug,
{
    if let Ok(item) = timeout(QUIET, stream.next()).await {
        panic!("unexpected {item:?}");
    }
}

fn describe<K: kube::Resource>(event: &Event<K>) -> String {
    match event {
        Event::Init => "Init".to_owned(),
        Event::InitApply(o) => format!("InitApply({})", o.name_any()),
        Event::InitDone => "InitDone".to_owned(),
        Event::Apply(o) => format!("Apply({})", o.name_any()),
        Event::Delete(o) => format!("Delete({})", o.name_any()),
    }
}

fn describe_watch<K: kube::Resource>(event: &WatchEvent<K>) -> String {
    match event {
        WatchEvent::Added(o) => format!("Added({})", o.name_any()),
        WatchEvent::Modified(o) => format!("Modified({})", o.name_any()),
        WatchEvent::Deleted(o) => format!("Deleted({})", o.name_any()),
        WatchEvent::Bookmark(b) => format!("Bookmark({})", b.metadata.resource_version),
        WatchEvent::Error(status) => format!("Error({})", status.code),
    }
}

#[tokio::test]
async fn a_label_selected_watcher_sees_the_objects_then_every_change_in_order() {
    let fake = FakeApi::new();
    fake.insert(secret("team-a", "one", "a"));
    fake.insert(secret("team-a", "two", "b"));
    fake.insert(secret("team-b", "three", "a"));
    let api: Api<Secret> = Api::namespaced(fake.client(), "team-a");
    let mut events = watcher(api, watcher::Config::default().labels("team=a")).boxed();
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(describe(&next(&mut events).await));
    }
    assert_eq!(seen, ["Init", "InitApply(one)", "InitDone"]);
    quiet(&mut events).await;
    assert_eq!(
        (fake.count("list"), fake.count("watch")),
        (1, 1),
        "the watch is open"
    );

    fake.insert(secret("team-a", "four", "a"));
    fake.insert(secret("team-a", "five", "b"));
    fake.insert(secret("team-b", "six", "a"));
    fake.update("Secret", "team-a", "one", |o| {
        o["data"]["key"] = json!("Y2hhbmdlZA==");
    });
    fake.remove("Secret", "team-a", "four");
    // `two` enters the selection, then leaves it.
    fake.update("Secret", "team-a", "two", |o| {
        o["metadata"]["labels"]["team"] = json!("a");
    });
    fake.update("Secret", "team-a", "two", |o| {
        o["metadata"]["labels"]["team"] = json!("c");
    });
    let mut seen = Vec::new();
    let mut versions = Vec::new();
    for _ in 0..5 {
        let event = next(&mut events).await;
        seen.push(describe(&event));
        if let Event::Apply(o) | Event::Delete(o) = &event {
            versions.push(o.resource_version().expect("resourceVersion"));
            if o.name_any() == "one" {
                let data = o.data.as_ref().expect("data");
                assert_eq!(data["key"].0, b"changed", "the updated object");
                assert_eq!(
                    o.resource_version(),
                    Some(version_of(&fake, "Secret", "team-a", "one"))
                );
            }
        }
    }
    assert_eq!(
        seen,
        [
            "Apply(four)",
            "Apply(one)",
            "Delete(four)",
            "Apply(two)",
            "Delete(two)"
        ]
    );
    let numbers: Vec<u64> = versions.iter().map(|v| v.parse().expect("n")).collect();
    assert!(numbers.is_sorted() && numbers[0] > 3, "{numbers:?}");
    quiet(&mut events).await;
    assert_eq!(fake.count("watch"), 1, "one long-running watch");
}

#[tokio::test]
async fn a_metadata_watcher_gets_metadata_only() {
    let fake = FakeApi::new();
    fake.insert(secret("team-a", "one", "a"));
    let client = fake.client();
    // What `metadata_watcher` (deprecated) now is: a watcher of `PartialObjectMeta`s.
    let resource = ApiResource::erase::<Secret>(&());
    let meta: Api<PartialObjectMeta<DynamicObject>> =
        Api::namespaced_with(client.clone(), "team-a", &resource);
    let mut events = watcher(meta, watcher::Config::default()).boxed();
    assert_eq!(describe(&next(&mut events).await), "Init");
    let Event::InitApply(one) = next(&mut events).await else {
        panic!("InitApply");
    };
    assert_eq!(
        (one.name_any(), one.labels()["team"].as_str()),
        ("one".to_owned(), "a")
    );
    assert_eq!(describe(&next(&mut events).await), "InitDone");
    quiet(&mut events).await;
    fake.insert(secret("team-a", "two", "a"));
    let Event::Apply(two) = next(&mut events).await else {
        panic!("Apply");
    };
    let types = two.types.expect("types");
    assert_eq!(
        (
            types.api_version.as_str(),
            types.kind.as_str(),
            two.metadata.name.as_deref()
        ),
        ("meta.k8s.io/v1", "PartialObjectMetadata", Some("two"))
    );

    let api: Api<Secret> = Api::namespaced(client.clone(), "team-a");
    let list = api
        .list_metadata(&ListParams::default())
        .await
        .expect("list");
    assert_eq!(list.types.kind, "PartialObjectMetadataList");
    assert_eq!(list.items.len(), 2);
    // The raw answers hold metadata only; a plain GET still has the data.
    let raw = |accept: &str| {
        let request = http::Request::get("/api/v1/namespaces/team-a/secrets/one")
            .header(http::header::ACCEPT, accept)
            .body(Vec::new())
            .expect("request");
        let client = client.clone();
        async move {
            let text = client.request_text(request).await.expect("get");
            serde_json::from_str::<Value>(&text).expect("json")
        }
    };
    let partial = raw("application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1").await;
    assert_eq!(partial["kind"], "PartialObjectMetadata");
    assert_eq!(partial["metadata"]["name"], "one");
    assert!(partial.get("data").is_none(), "{partial}");
    let full = raw("application/json").await;
    assert_eq!(full["data"]["key"], "c2VjcmV0", "{full}");
}

#[tokio::test]
async fn a_watch_from_a_resource_version_replays_the_changes_after_it() {
    let fake = FakeApi::new();
    fake.insert(secret("team-a", "one", "a"));
    let from = version_of(&fake, "Secret", "team-a", "one");
    fake.insert(secret("team-a", "two", "a"));
    fake.update("Secret", "team-a", "one", |o| {
        o["data"]["more"] = json!("bW9yZQ==");
    });
    fake.remove("Secret", "team-a", "two");
    let api: Api<Secret> = Api::namespaced(fake.client(), "team-a");

    let mut replay = api
        .watch(&WatchParams::default(), &from)
        .await
        .expect("watch")
        .boxed();
    let mut seen = Vec::new();
    let mut versions = Vec::new();
    for _ in 0..3 {
        let event = next(&mut replay).await;
        seen.push(describe_watch(&event));
        if let WatchEvent::Added(o) | WatchEvent::Modified(o) | WatchEvent::Deleted(o) = &event {
            let version: u64 = o.resource_version().expect("rv").parse().expect("number");
            versions.push(version);
        }
        if let WatchEvent::Deleted(two) = &event {
            assert_eq!(two.labels()["team"], "a", "the last state");
        }
    }
    assert_eq!(seen, ["Added(two)", "Modified(one)", "Deleted(two)"]);
    let from: u64 = from.parse().expect("number");
    assert!(
        versions.is_sorted() && versions[0] > from,
        "{versions:?} after {from}"
    );
    quiet(&mut replay).await;

    // From "0" (and without a version): only what happens from now on.
    let mut live = api
        .watch(&WatchParams::default(), "0")
        .await
        .expect("watch")
        .boxed();
    quiet(&mut live).await;
    fake.insert(secret("team-a", "three", "a"));
    assert_eq!(describe_watch(&next(&mut live).await), "Added(three)");
    assert_eq!(describe_watch(&next(&mut replay).await), "Added(three)");
}

#[tokio::test]
async fn a_watch_from_a_forgotten_resource_version_is_expired() {
    let fake = FakeApi::new();
    fake.insert(secret("team-a", "one", "a"));
    let from = version_of(&fake, "Secret", "team-a", "one");
    // More changes than the fake remembers.
    for i in 0..10_001 {
        fake.update("Secret", "team-a", "one", |o| o["data"]["i"] = json!(i));
    }
    let api: Api<Secret> = Api::namespaced(fake.client(), "team-a");
    let mut expired = api
        .watch(&WatchParams::default(), &from)
        .await
        .expect("watch")
        .boxed();
    assert_eq!(describe_watch(&next(&mut expired).await), "Error(410)");
    let end = timeout(WAIT, expired.next()).await.expect("ends");
    assert!(end.is_none(), "the stream ends after the error");
    let recent = version_of(&fake, "Secret", "team-a", "one");
    let mut fine = api
        .watch(&WatchParams::default(), &recent)
        .await
        .expect("watch")
        .boxed();
    quiet(&mut fine).await;
}

#[tokio::test]
async fn a_controller_reconciles_the_objects_and_their_changes() {
    let fake = FakeApi::new();
    fake.insert(secret("team-a", "one", "a"));
    let api: Api<Secret> = Api::namespaced(fake.client(), "team-a");
    let (sender, mut reconciled) = tokio::sync::mpsc::unbounded_channel::<String>();
    let controller = Controller::new(api, watcher::Config::default())
        .run(
            |secret: Arc<Secret>, sender: Arc<tokio::sync::mpsc::UnboundedSender<String>>| async move {
                let _ = sender.send(secret.name_any());
                Ok::<_, Infallible>(Action::await_change())
            },
            |_, _, _| Action::await_change(),
            Arc::new(sender),
        )
        .for_each(|_| async {});
    let task = tokio::spawn(controller);
    let mut names = Vec::new();
    names.push(timeout(WAIT, reconciled.recv()).await.expect("reconciled"));
    fake.insert(secret("team-a", "two", "a"));
    names.push(timeout(WAIT, reconciled.recv()).await.expect("reconciled"));
    fake.update("Secret", "team-a", "one", |o| {
        o["data"]["k"] = json!("dg==")
    });
    names.push(timeout(WAIT, reconciled.recv()).await.expect("reconciled"));
    task.abort();
    let names: Vec<&str> = names.iter().flatten().map(String::as_str).collect();
    assert_eq!(names, ["one", "two", "one"]);
}

#[tokio::test]
async fn requests_are_counted_by_verb_and_kind() {
    let fake = FakeApi::new();
    fake.insert(secret("team-a", "one", "a"));
    let secrets: Api<Secret> = Api::namespaced(fake.client(), "team-a");
    secrets.get("one").await.expect("get");
    assert!(secrets.get("missing").await.is_err(), "404, counted too");
    secrets.list(&ListParams::default()).await.expect("list");
    let claims = claims(&fake);
    let apply = PatchParams::apply("drover-test");
    claims
        .patch("web", &apply, &web(None))
        .await
        .expect("apply");
    let status = web(Some(json!({ "phase": "Ready" })));
    claims
        .patch_status("web", &apply, &status)
        .await
        .expect("status apply");
    secrets
        .delete("one", &DeleteParams::default())
        .await
        .expect("delete");
    let gvk = GroupVersionKind::gvk("events.k8s.io", "v1", "Event");
    let events: Api<DynamicObject> =
        Api::namespaced_with(fake.client(), "team-a", &ApiResource::from_gvk(&gvk));
    let event = DynamicObject::new("web.1", &ApiResource::from_gvk(&gvk))
        .within("team-a")
        .data(json!({ "reason": "Test", "note": "counted" }));
    events
        .create(&PostParams::default(), &event)
        .await
        .expect("event");
    let gvk = GroupVersionKind::gvk("monitoring.coreos.com", "v1", "ServiceMonitor");
    let monitors: Api<DynamicObject> =
        Api::namespaced_with(fake.client(), "team-a", &ApiResource::from_gvk(&gvk));
    assert!(monitors.get("web").await.is_err(), "not served");

    let counts: Vec<((String, String), u64)> = fake.counts().into_iter().collect();
    let expected: Vec<((String, String), u64)> = [
        ("apply", "WorkloadCluster", 1),
        ("apply", "WorkloadCluster/status", 1),
        ("create", "Event", 1),
        ("delete", "Secret", 1),
        ("get", "Secret", 2),
        ("get", "servicemonitors", 1),
        ("list", "Secret", 1),
    ]
    .into_iter()
    .map(|(verb, kind, n)| ((verb.to_owned(), kind.to_owned()), n))
    .collect();
    assert_eq!(counts, expected);
    assert_eq!(
        (fake.count("get"), fake.count("apply"), fake.count("watch")),
        (3, 2, 0)
    );
    fake.clear_requests();
    assert!(fake.counts().is_empty());
    assert_eq!(fake.count("get"), 0);
}

#[tokio::test]
async fn hooks_see_every_change_in_order_before_the_answer() {
    let fake = FakeApi::new();
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let count: Arc<Mutex<usize>> = Arc::default();
    {
        let seen = Arc::clone(&seen);
        fake.on_change(move |change| {
            let object = &change.object;
            assert_eq!(object["kind"], change.kind.as_str());
            assert_eq!(object["apiVersion"], change.api_version.as_str());
            let line = format!(
                "{:?} {} {} {}",
                change.event,
                change.kind,
                object["metadata"]["name"].as_str().unwrap_or_default(),
                object["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap_or_default(),
            );
            seen.lock().expect("lock").push(line);
        });
        let count = Arc::clone(&count);
        fake.on_change(move |_| *count.lock().expect("lock") += 1);
    }
    let events: Arc<Mutex<Vec<ChangeEvent>>> = Arc::default();
    {
        let events = Arc::clone(&events);
        fake.on_change(move |change| events.lock().expect("lock").push(change.event));
    }
    let seen_now = || seen.lock().expect("lock").clone();

    fake.insert(secret("team-a", "one", "a"));
    assert_eq!(seen_now(), ["Added Secret one 1"]);
    let claims = claims(&fake);
    let apply = PatchParams::apply("drover-test");
    claims
        .patch("web", &apply, &web(None))
        .await
        .expect("apply");
    let web_version = version_of(&fake, "WorkloadCluster", "team-a", "web");
    assert_eq!(
        seen_now().last().map(String::as_str),
        Some(format!("Added WorkloadCluster web {web_version}").as_str()),
        "seen before the answer"
    );
    claims
        .patch("web", &apply, &web(None))
        .await
        .expect("apply");
    assert_eq!(seen_now().len(), 2, "a no-op apply changes nothing");
    assert_eq!(
        version_of(&fake, "WorkloadCluster", "team-a", "web"),
        web_version
    );
    let secrets: Api<Secret> = Api::namespaced(fake.client(), "team-a");
    secrets
        .delete("one", &DeleteParams::default())
        .await
        .expect("delete");
    fake.update("WorkloadCluster", "team-a", "web", |o| {
        o["spec"]["environment"] = json!("prod");
    });
    let seen = seen_now();
    let web_version: u64 = web_version.parse().expect("number");
    assert_eq!(
        seen[2..],
        [
            format!("Deleted Secret one {}", web_version + 1),
            format!("Modified WorkloadCluster web {}", web_version + 2),
        ]
    );
    assert_eq!(*count.lock().expect("lock"), 4, "every hook is called");
    assert_eq!(
        *events.lock().expect("lock"),
        [
            ChangeEvent::Added,
            ChangeEvent::Added,
            ChangeEvent::Deleted,
            ChangeEvent::Modified
        ]
    );
    assert_eq!(fake.all_objects().len(), 1, "only the claim is left");
    assert_eq!(fake.all_objects()[0]["kind"], "WorkloadCluster");
}

#[test]
fn a_hook_calling_back_into_the_fake_panics_instead_of_deadlocking() {
    let fake = FakeApi::new();
    let inner = fake.clone();
    fake.on_change(move |_| {
        let _ = inner.all_objects();
    });
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        fake.insert(secret("team-a", "one", "a"));
    }));
    assert!(result.is_err());
    assert!(
        fake.get("Secret", "team-a", "one").is_some(),
        "the fake works after"
    );
}
