//! `drover wait cluster NAME`: follows one claim with a kube-runtime watcher (which lists, then
//! watches, and re-lists after a watch expires or the connection drops) and decides after every
//! event, with [`drover_core::fleetview::decide`], whether the wait is over.
//!
//! [`wait_for`] takes any stream of watcher events, so the loop is tested with a scripted
//! sequence; [`watch_claim`] makes the real one.

use std::time::Duration;

use drover_api::WorkloadCluster;
use drover_core::fleetview::{Decision, Goal, Progress, decide};
use futures::{Stream, StreamExt};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use kube::{Api, Client};

/// How a wait ended (other than by an error).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WaitOutcome {
    /// The goal was reached.
    Done(Progress),
    /// The claim will not get there without a change: why, and how it was last seen.
    Hopeless {
        /// Why.
        reason: String,
        /// The claim as last seen.
        last: Progress,
    },
    /// The time ran out.
    TimedOut {
        /// The claim as last seen (`None`: the watch never completed its first list).
        last: Option<Progress>,
        /// The last watch error, if the watch was failing.
        error: Option<String>,
    },
}

/// The watch failed in a way retrying does not fix.
#[derive(Debug, thiserror::Error)]
pub enum WaitError {
    /// RBAC refused listing or watching the claim.
    #[error("not allowed to watch WorkloadCluster {namespace}/{name}: {message}")]
    Forbidden {
        /// The claim's namespace.
        namespace: String,
        /// The claim.
        name: String,
        /// The API server's message.
        message: String,
    },
    /// The API server does not serve WorkloadClusters (any more): drover's CRDs are missing.
    #[error("the API server does not serve workloadclusters.drover.dev: {message}")]
    NotServed {
        /// The API server's answer.
        message: String,
    },
    /// The watch stream ended (it does not on its own: the watcher restarts).
    #[error("the watch of WorkloadCluster {namespace}/{name} ended")]
    Ended {
        /// The claim's namespace.
        namespace: String,
        /// The claim.
        name: String,
    },
}

/// The watcher events of the claim `namespace/name` (a field-selected watch), with the default
/// backoff between restarts.
pub fn watch_claim(
    client: &Client,
    namespace: &str,
    name: &str,
) -> impl Stream<Item = Result<Event<WorkloadCluster>, watcher::Error>> + Send + use<> {
    let api: Api<WorkloadCluster> = Api::namespaced(client.clone(), namespace);
    let config = watcher::Config::default().fields(&format!("metadata.name={name}"));
    watcher(api, config).default_backoff()
}

use watcher::watcher;

/// What is known of the claim from the events so far.
#[derive(Default)]
struct Tracker {
    /// The claim, once a list completed.
    current: Option<WorkloadCluster>,
    /// Whether a list completed (before that, absence means nothing).
    listed: bool,
    /// The claim seen during a (re-)list in progress.
    relist: Option<Option<WorkloadCluster>>,
}

impl Tracker {
    /// Applies `event`; returns whether the state may have changed.
    fn apply(&mut self, event: Event<WorkloadCluster>, name: &str) -> bool {
        let ours = |claim: &WorkloadCluster| claim.metadata.name.as_deref() == Some(name);
        match event {
            Event::Init => {
                self.relist = Some(None);
                false
            }
            Event::InitApply(claim) => {
                if ours(&claim) {
                    self.relist = Some(Some(claim));
                }
                false
            }
            Event::InitDone => {
                self.current = self.relist.take().flatten();
                self.listed = true;
                true
            }
            Event::Apply(claim) if ours(&claim) => {
                self.current = Some(claim);
                true
            }
            Event::Delete(claim) if ours(&claim) => {
                self.current = None;
                true
            }
            Event::Apply(_) | Event::Delete(_) => false,
        }
    }
}

/// Follows `events` of the claim `namespace/name` until `goal` is reached, cannot be, or
/// `timeout` passes. `on_progress` is called whenever what the claim shows changes.
pub async fn wait_for<S>(
    events: S,
    namespace: &str,
    name: &str,
    goal: Goal,
    timeout: Duration,
    mut on_progress: impl FnMut(&Progress),
) -> Result<WaitOutcome, WaitError>
where
    S: Stream<Item = Result<Event<WorkloadCluster>, watcher::Error>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    let mut events = std::pin::pin!(events);
    let mut tracker = Tracker::default();
    let mut last: Option<Progress> = None;
    let mut last_error: Option<String> = None;
    loop {
        let next = match tokio::time::timeout_at(deadline, events.next()).await {
            Ok(next) => next,
            Err(_) => {
                return Ok(WaitOutcome::TimedOut {
                    last,
                    error: last_error,
                });
            }
        };
        let event = match next {
            None => {
                return Err(WaitError::Ended {
                    namespace: namespace.to_owned(),
                    name: name.to_owned(),
                });
            }
            Some(Err(error)) => {
                match fatal(&error) {
                    Some(Fatal::Forbidden(message)) => {
                        return Err(WaitError::Forbidden {
                            namespace: namespace.to_owned(),
                            name: name.to_owned(),
                            message,
                        });
                    }
                    Some(Fatal::NotServed(message)) => {
                        return Err(WaitError::NotServed { message });
                    }
                    None => {}
                }
                last_error = Some(error.to_string());
                continue;
            }
            Some(Ok(event)) => event,
        };
        last_error = None;
        if !tracker.apply(event, name) || !tracker.listed {
            continue;
        }
        let progress = Progress::of(tracker.current.as_ref());
        if last.as_ref() != Some(&progress) {
            on_progress(&progress);
        }
        last = Some(progress.clone());
        match decide(goal, tracker.current.as_ref()) {
            Decision::Done => return Ok(WaitOutcome::Done(progress)),
            Decision::Hopeless(reason) => {
                return Ok(WaitOutcome::Hopeless {
                    reason,
                    last: progress,
                });
            }
            Decision::Waiting => {}
        }
    }
}

/// Watch errors that retrying does not fix.
enum Fatal {
    /// RBAC refused: the API server's message.
    Forbidden(String),
    /// The resource is not served: the API server's answer.
    NotServed(String),
}

/// Whether `error` is one retrying does not fix.
fn fatal(error: &watcher::Error) -> Option<Fatal> {
    let status = match error {
        watcher::Error::InitialListFailed(kube::Error::Api(status))
        | watcher::Error::WatchStartFailed(kube::Error::Api(status))
        | watcher::Error::WatchFailed(kube::Error::Api(status))
        | watcher::Error::WatchError(status) => status,
        _ => return None,
    };
    if status.is_forbidden() {
        Some(Fatal::Forbidden(status.message.clone()))
    } else if super::is_unserved(status) {
        Some(Fatal::NotServed(status.message.clone()))
    } else {
        None
    }
}
