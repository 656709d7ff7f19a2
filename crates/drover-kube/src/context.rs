//! What every reconcile shares: the client, the event recorder, settings, metrics and the
//! little state kept between reconciles (error backoff per claim, kinds the server does not serve).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use k8s_openapi::jiff::Timestamp;
use kube::Client;
use kube::runtime::events::{Recorder, Reporter};

use crate::metrics::Metrics;

/// Requeue intervals and limits. [`Settings::default`] gives safe values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Requeue of a Ready (or paused) cluster, as a safety net beside the watches.
    pub resync_interval: Duration,
    /// Spread of that requeue, in percent either way: each resync waits a random time in
    /// `resync_interval ± resync_jitter_percent %`, so claims created together do not resync
    /// together. 0 (the default) waits exactly `resync_interval`; the controller uses 10.
    pub resync_jitter_percent: u8,
    /// Requeue while the cluster is still provisioning, upgrading or not ready.
    pub provisioning_requeue: Duration,
    /// Requeue of a claim whose Environment or Infrastructure does not exist (the watches on those
    /// kinds requeue it as soon as they appear).
    pub missing_reference_requeue: Duration,
    /// How often deletion checks whether CAPI finished tearing the cluster down.
    pub deletion_poll: Duration,
    /// First retry after an error; doubles with each consecutive failure of the same claim.
    pub error_backoff_base: Duration,
    /// Longest retry interval after errors.
    pub error_backoff_max: Duration,
    /// Page size of list requests.
    pub list_page_size: u32,
    /// How long a kind the API server answered 404 for (its CRD is not installed) is not listed.
    pub unserved_kind_ttl: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            resync_interval: Duration::from_secs(600),
            resync_jitter_percent: 0,
            provisioning_requeue: Duration::from_secs(30),
            missing_reference_requeue: Duration::from_secs(300),
            deletion_poll: Duration::from_secs(10),
            error_backoff_base: Duration::from_secs(5),
            error_backoff_max: Duration::from_secs(300),
            list_page_size: 250,
            unserved_kind_ttl: Duration::from_secs(600),
        }
    }
}

/// `base` moved by up to `percent` % either way: `unit` (in `[0, 1]`) 0 gives the shortest,
/// 0.5 exactly `base`, 1 the longest. `percent` above 100 counts as 100 (never negative).
pub fn jitter(base: Duration, percent: u8, unit: f64) -> Duration {
    let spread = f64::from(percent.min(100)) / 100.0;
    let factor = 1.0 + spread * (2.0 * unit.clamp(0.0, 1.0) - 1.0);
    base.mul_f64(factor)
}

type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// Shared state of the WorkloadCluster controller, passed to [`crate::reconcile()`] and
/// [`crate::error_policy`].
pub struct Context {
    client: Client,
    recorder: Recorder,
    settings: Settings,
    metrics: Arc<Metrics>,
    failures: Mutex<HashMap<String, u32>>,
    unserved: Mutex<HashMap<&'static str, Instant>>,
    clock: Clock,
}

impl Context {
    /// A context for the controller. `reporter` names the controller in events (e.g.
    /// `Reporter { controller: "drover".into(), instance: pod_name }`).
    pub fn new(client: Client, reporter: Reporter, settings: Settings) -> Self {
        Self {
            recorder: Recorder::new(client.clone(), reporter),
            client,
            settings,
            metrics: Arc::new(Metrics::default()),
            failures: Mutex::new(HashMap::new()),
            unserved: Mutex::new(HashMap::new()),
            clock: Arc::new(Timestamp::now),
        }
    }

    /// Replaces the clock (tests use a fixed time so status bodies are predictable).
    pub fn with_clock(mut self, clock: impl Fn() -> Timestamp + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The API client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The requeue after a reconcile of a Ready (or paused) claim: [`Settings::resync_interval`]
    /// spread by [`Settings::resync_jitter_percent`].
    pub fn resync_requeue(&self) -> Duration {
        jitter(
            self.settings.resync_interval,
            self.settings.resync_jitter_percent,
            fastrand::f64(),
        )
    }

    /// Reconcile metrics, for the binary's `/metrics` endpoint.
    pub fn metrics(&self) -> Arc<Metrics> {
        Arc::clone(&self.metrics)
    }

    pub(crate) fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    /// Now, as RFC 3339 with second precision (the format of `metav1.Time`).
    pub(crate) fn now(&self) -> String {
        self.now_timestamp()
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    }

    /// Now, truncated to the second like every time drover writes.
    pub(crate) fn now_timestamp(&self) -> Timestamp {
        let now = (self.clock)();
        Timestamp::from_second(now.as_second()).unwrap_or(now)
    }

    /// Records a failed reconcile of `key` and returns how many failed in a row.
    pub(crate) fn record_failure(&self, key: &str) -> u32 {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        let count = failures.entry(key.to_owned()).or_insert(0);
        *count = count.saturating_add(1);
        *count
    }

    /// Forgets the failures of `key` after a successful reconcile.
    pub(crate) fn record_success(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
    }

    /// Whether `kind` was found unserved less than [`Settings::unserved_kind_ttl`] ago.
    pub(crate) fn is_unserved(&self, kind: &'static str) -> bool {
        let mut unserved = self.unserved.lock().unwrap_or_else(PoisonError::into_inner);
        match unserved.get(kind) {
            Some(since) if since.elapsed() < self.settings.unserved_kind_ttl => true,
            Some(_) => {
                unserved.remove(kind);
                false
            }
            None => false,
        }
    }

    /// Remembers that the API server does not serve `kind`.
    pub(crate) fn mark_unserved(&self, kind: &'static str) {
        self.unserved
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(kind, Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_the_percentage() {
        let base = Duration::from_secs(600);
        assert_eq!(jitter(base, 10, 0.0), Duration::from_secs(540));
        assert_eq!(jitter(base, 10, 0.5), base);
        assert_eq!(jitter(base, 10, 1.0), Duration::from_secs(660));
        assert_eq!(jitter(base, 0, 0.9), base);
        assert_eq!(jitter(base, 250, 0.0), Duration::ZERO);
        assert_eq!(jitter(base, 10, 7.0), Duration::from_secs(660));
        for _ in 0..1000 {
            let d = jitter(base, 10, fastrand::f64());
            assert!((540..=660).contains(&d.as_secs()), "{d:?}");
        }
    }

    #[test]
    fn jitter_spreads_requeues() {
        let spread: std::collections::BTreeSet<u64> = (0..200)
            .map(|_| jitter(Duration::from_secs(600), 10, fastrand::f64()).as_secs())
            .collect();
        assert!(spread.len() > 20, "{spread:?}");
    }
}
