//! Reconcile metrics: counts, durations and failures by stage, kept in atomics the binary reads
//! (through [`Metrics::snapshot`] or [`Metrics::render_prometheus`]) for its `/metrics` endpoint.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::error::Stage;

/// Upper bounds (seconds) of the reconcile duration histogram.
pub const DURATION_BUCKETS: [f64; 8] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Counters of the controller's reconciles.
#[derive(Debug, Default)]
pub struct Metrics {
    reconciles: AtomicU64,
    failures: [AtomicU64; Stage::ALL.len()],
    duration_micros: AtomicU64,
    buckets: [AtomicU64; DURATION_BUCKETS.len()],
    objects_applied: AtomicU64,
    objects_pruned: AtomicU64,
    in_flight: AtomicU64,
}

/// Counts one reconcile as running until dropped ([`Metrics::reconcile_started`]).
#[derive(Debug)]
pub struct InFlight<'a>(&'a Metrics);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A copy of the counters at one moment.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MetricsSnapshot {
    /// Reconciles run (successful or not).
    pub reconciles: u64,
    /// Failed reconciles, by the stage that failed.
    pub failures: BTreeMap<Stage, u64>,
    /// Sum of reconcile durations, in seconds.
    pub duration_seconds_sum: f64,
    /// Cumulative histogram: reconciles that took at most each bound of [`DURATION_BUCKETS`].
    pub duration_buckets: Vec<(f64, u64)>,
    /// Objects written by server-side apply.
    pub objects_applied: u64,
    /// Objects deleted by pruning.
    pub objects_pruned: u64,
    /// Reconciles running now.
    pub in_flight: u64,
}

fn stage_index(stage: Stage) -> usize {
    Stage::ALL.iter().position(|s| *s == stage).unwrap_or(0)
}

impl Metrics {
    /// Marks a reconcile as running until the returned guard is dropped.
    pub fn reconcile_started(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self)
    }

    /// Records one reconcile that took `duration` and failed in `failed`, if it failed.
    pub fn record_reconcile(&self, duration: Duration, failed: Option<Stage>) {
        self.reconciles.fetch_add(1, Ordering::Relaxed);
        if let Some(stage) = failed {
            self.failures[stage_index(stage)].fetch_add(1, Ordering::Relaxed);
        }
        let micros = u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
        self.duration_micros.fetch_add(micros, Ordering::Relaxed);
        let seconds = duration.as_secs_f64();
        for (bound, bucket) in DURATION_BUCKETS.iter().zip(&self.buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Records objects written by apply and deleted by prune.
    pub fn record_writes(&self, applied: usize, pruned: usize) {
        self.objects_applied
            .fetch_add(applied as u64, Ordering::Relaxed);
        self.objects_pruned
            .fetch_add(pruned as u64, Ordering::Relaxed);
    }

    /// The current values.
    pub fn snapshot(&self) -> MetricsSnapshot {
        MetricsSnapshot {
            reconciles: self.reconciles.load(Ordering::Relaxed),
            failures: Stage::ALL
                .iter()
                .map(|s| (*s, self.failures[stage_index(*s)].load(Ordering::Relaxed)))
                .collect(),
            duration_seconds_sum: self.duration_micros.load(Ordering::Relaxed) as f64 / 1e6,
            duration_buckets: DURATION_BUCKETS
                .iter()
                .zip(&self.buckets)
                .map(|(bound, count)| (*bound, count.load(Ordering::Relaxed)))
                .collect(),
            objects_applied: self.objects_applied.load(Ordering::Relaxed),
            objects_pruned: self.objects_pruned.load(Ordering::Relaxed),
            in_flight: self.in_flight.load(Ordering::Relaxed),
        }
    }

    /// The counters in the Prometheus text format (metric names prefixed `drover_`).
    pub fn render_prometheus(&self) -> String {
        let s = self.snapshot();
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP drover_reconciles_total Reconciles run, successful or not."
        );
        let _ = writeln!(out, "# TYPE drover_reconciles_total counter");
        let _ = writeln!(out, "drover_reconciles_total {}", s.reconciles);
        let _ = writeln!(
            out,
            "# HELP drover_reconcile_failures_total Failed reconciles by the stage that failed."
        );
        let _ = writeln!(out, "# TYPE drover_reconcile_failures_total counter");
        for (stage, count) in &s.failures {
            let _ = writeln!(
                out,
                "drover_reconcile_failures_total{{stage=\"{stage}\"}} {count}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP drover_reconcile_duration_seconds How long reconciles took."
        );
        let _ = writeln!(out, "# TYPE drover_reconcile_duration_seconds histogram");
        for (bound, count) in &s.duration_buckets {
            let _ = writeln!(
                out,
                "drover_reconcile_duration_seconds_bucket{{le=\"{bound}\"}} {count}"
            );
        }
        let _ = writeln!(
            out,
            "drover_reconcile_duration_seconds_bucket{{le=\"+Inf\"}} {}",
            s.reconciles
        );
        let _ = writeln!(
            out,
            "drover_reconcile_duration_seconds_sum {}",
            s.duration_seconds_sum
        );
        let _ = writeln!(
            out,
            "drover_reconcile_duration_seconds_count {}",
            s.reconciles
        );
        let _ = writeln!(
            out,
            "# HELP drover_objects_applied_total Objects written by server-side apply."
        );
        let _ = writeln!(out, "# TYPE drover_objects_applied_total counter");
        let _ = writeln!(out, "drover_objects_applied_total {}", s.objects_applied);
        let _ = writeln!(
            out,
            "# HELP drover_objects_pruned_total Objects deleted because no longer desired."
        );
        let _ = writeln!(out, "# TYPE drover_objects_pruned_total counter");
        let _ = writeln!(out, "drover_objects_pruned_total {}", s.objects_pruned);
        let _ = writeln!(
            out,
            "# HELP drover_reconciles_in_flight Reconciles running now (at most --concurrency)."
        );
        let _ = writeln!(out, "# TYPE drover_reconciles_in_flight gauge");
        let _ = writeln!(out, "drover_reconciles_in_flight {}", s.in_flight);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_flight_counts_running_reconciles() {
        let metrics = Metrics::default();
        let first = metrics.reconcile_started();
        let second = metrics.reconcile_started();
        assert_eq!(metrics.snapshot().in_flight, 2);
        drop(first);
        assert_eq!(metrics.snapshot().in_flight, 1);
        drop(second);
        assert_eq!(metrics.snapshot().in_flight, 0);
        assert!(
            metrics
                .render_prometheus()
                .contains("drover_reconciles_in_flight 0\n")
        );
    }

    #[test]
    fn records_counts_failures_and_buckets() {
        let metrics = Metrics::default();
        metrics.record_reconcile(Duration::from_millis(30), None);
        metrics.record_reconcile(Duration::from_secs(3), Some(Stage::Apply));
        let s = metrics.snapshot();
        assert_eq!(s.reconciles, 2);
        assert_eq!(s.failures.get(&Stage::Apply), Some(&1));
        assert_eq!(s.failures.get(&Stage::Prune), Some(&0));
        assert_eq!(s.duration_buckets.first(), Some(&(0.05, 1)));
        assert_eq!(s.duration_buckets.last(), Some(&(10.0, 2)));
        let text = metrics.render_prometheus();
        assert!(
            text.contains("drover_reconcile_failures_total{stage=\"apply\"} 1"),
            "{text}"
        );
    }
}
