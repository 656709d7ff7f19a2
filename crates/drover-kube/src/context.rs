//! What every reconcile shares: the client, the watch caches, the event recorder, settings,
//! metrics and the little state kept between reconciles (error backoff per claim).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use k8s_openapi::jiff::Timestamp;
use kube::Client;
use kube::runtime::events::{Recorder, Reporter};

use crate::cache::Caches;
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
    /// Safety requeue while the cluster is still provisioning, upgrading or not ready: the
    /// watches on the CAPI objects wake the claim as soon as they change.
    pub provisioning_requeue: Duration,
    /// Requeue of a claim whose Environment or Infrastructure does not exist (the watches on those
    /// kinds requeue it as soon as they appear).
    pub missing_reference_requeue: Duration,
    /// Safety requeue while deletion waits for CAPI to tear the cluster down (the watches wake
    /// the claim when objects go).
    pub deletion_poll: Duration,
    /// First retry after an error; doubles with each consecutive failure of the same claim.
    pub error_backoff_base: Duration,
    /// Longest retry interval after errors.
    pub error_backoff_max: Duration,
    /// Page size of list requests (the watches' initial lists, the CLI's reads).
    pub list_page_size: u32,
    /// How often the watch of a kind the API server does not serve (its CRD is not installed) is
    /// retried, besides right after any CRD changes.
    pub unserved_kind_ttl: Duration,
    /// How long a Secret read by name (CAPI's kubeconfig, the Argo CD cluster Secret) is trusted
    /// (see [`crate::cache::secrets`]).
    pub secret_refresh: Duration,
    /// How long "the Secret does not exist yet" is trusted.
    pub missing_secret_refresh: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            resync_interval: Duration::from_secs(600),
            resync_jitter_percent: 0,
            provisioning_requeue: Duration::from_secs(300),
            missing_reference_requeue: Duration::from_secs(300),
            deletion_poll: Duration::from_secs(60),
            error_backoff_base: Duration::from_secs(5),
            error_backoff_max: Duration::from_secs(300),
            list_page_size: 250,
            unserved_kind_ttl: Duration::from_secs(600),
            secret_refresh: Duration::from_secs(3600),
            missing_secret_refresh: Duration::from_secs(30),
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
    caches: Arc<Caches>,
    failures: Mutex<HashMap<String, u32>>,
    clock: Clock,
}

impl Context {
    /// A context for the controller, reading from `caches`. `reporter` names the controller in
    /// events (e.g. `Reporter { controller: "drover".into(), instance: pod_name }`).
    pub fn new(
        client: Client,
        reporter: Reporter,
        settings: Settings,
        caches: Arc<Caches>,
    ) -> Self {
        Self {
            recorder: Recorder::new(client.clone(), reporter),
            client,
            settings,
            metrics: Arc::new(Metrics::default()),
            caches,
            failures: Mutex::new(HashMap::new()),
            clock: Arc::new(Timestamp::now),
        }
    }

    /// The watch caches.
    pub fn caches(&self) -> &Caches {
        &self.caches
    }

    /// The watch caches, shared.
    pub fn caches_arc(&self) -> Arc<Caches> {
        Arc::clone(&self.caches)
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
