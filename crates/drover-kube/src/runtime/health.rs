//! What `/healthz`, `/readyz` and the runtime part of `/metrics` report: leadership, whether the
//! watch caches have synced, what they hold and how many watch errors occurred.
//!
//! Readiness is read from the caches themselves ([`Caches::is_synced`]) at every request, not
//! copied into a flag by a task waiting on them: a copy could be missed or set late (a race
//! that kept `/readyz` at 503 for a whole run while reconciles went on).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::cache::Caches;

/// Where this instance stands in leader election.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leadership {
    /// Leader election is off: this instance always reconciles.
    Disabled,
    /// Leader election is on and the Lease has not been read yet.
    Candidate,
    /// Another instance holds the Lease; this one waits to take over.
    StandingBy,
    /// This instance holds the Lease and reconciles.
    Leading,
    /// This instance held the Lease and lost it; it stops.
    Lost,
}

impl Leadership {
    const ALL: [Leadership; 5] = [
        Leadership::Disabled,
        Leadership::Candidate,
        Leadership::StandingBy,
        Leadership::Leading,
        Leadership::Lost,
    ];

    fn index(self) -> u8 {
        match self {
            Leadership::Disabled => 0,
            Leadership::Candidate => 1,
            Leadership::StandingBy => 2,
            Leadership::Leading => 3,
            Leadership::Lost => 4,
        }
    }

    /// Lowercase name, for logs and `/readyz`.
    pub fn as_str(self) -> &'static str {
        match self {
            Leadership::Disabled => "disabled",
            Leadership::Candidate => "candidate",
            Leadership::StandingBy => "standing by",
            Leadership::Leading => "leading",
            Leadership::Lost => "lost",
        }
    }
}

/// Shared state of the running controller, read by the HTTP endpoints.
#[derive(Debug)]
pub struct Health {
    leadership: AtomicU8,
    watch_errors: AtomicU64,
    caches: Mutex<Option<Arc<Caches>>>,
}

impl Health {
    /// The state at start: a candidate with leader election, else not yet synced.
    pub fn new(leader_election: bool) -> Self {
        let leadership = if leader_election {
            Leadership::Candidate
        } else {
            Leadership::Disabled
        };
        Self {
            leadership: AtomicU8::new(leadership.index()),
            watch_errors: AtomicU64::new(0),
            caches: Mutex::new(None),
        }
    }

    /// Records a change of leadership.
    pub fn set_leadership(&self, leadership: Leadership) {
        self.leadership.store(leadership.index(), Ordering::SeqCst);
    }

    /// The current leadership.
    pub fn leadership(&self) -> Leadership {
        let index = self.leadership.load(Ordering::SeqCst);
        Leadership::ALL
            .into_iter()
            .find(|l| l.index() == index)
            .unwrap_or(Leadership::Lost)
    }

    /// The caches of the running controller (`None` once it stopped).
    pub fn set_caches(&self, caches: Option<Arc<Caches>>) {
        *self.caches.lock().unwrap_or_else(PoisonError::into_inner) = caches;
    }

    fn caches(&self) -> Option<Arc<Caches>> {
        self.caches
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Whether the running controller's watch caches have synced.
    pub fn is_synced(&self) -> bool {
        self.caches().is_some_and(|caches| caches.is_synced())
    }

    /// Counts one error of a watch (it is retried with backoff).
    pub fn record_watch_error(&self) {
        self.watch_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// `Ok` when ready to serve, else why not: a leader (or an instance without leader
    /// election) is ready once its caches have synced, a standby as soon as it knows who leads.
    pub fn readiness(&self) -> Result<(), String> {
        match self.leadership() {
            Leadership::StandingBy => Ok(()),
            Leadership::Leading | Leadership::Disabled => match self.caches() {
                Some(caches) if caches.is_synced() => Ok(()),
                Some(caches) => Err(format!(
                    "watch caches have not synced yet: {}",
                    caches.syncing().join(", ")
                )),
                None => Err("the controller is not running".to_owned()),
            },
            Leadership::Candidate => Err("leader election has not read the Lease yet".to_owned()),
            Leadership::Lost => Err("lost the leader election Lease".to_owned()),
        }
    }

    /// The runtime gauges in the Prometheus text format.
    pub fn render_prometheus(&self) -> String {
        let mut out = String::new();
        let leadership = self.leadership();
        let gauge = |out: &mut String, name: &str, help: &str, value: u64| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} gauge");
            let _ = writeln!(out, "{name} {value}");
        };
        gauge(
            &mut out,
            "drover_leader",
            "1 while this instance reconciles (holds the Lease, or leader election is off).",
            u64::from(matches!(
                leadership,
                Leadership::Leading | Leadership::Disabled
            )),
        );
        gauge(
            &mut out,
            "drover_ready",
            "1 when /readyz answers 200.",
            u64::from(self.readiness().is_ok()),
        );
        gauge(
            &mut out,
            "drover_caches_synced",
            "1 once the watch caches finished their initial list.",
            u64::from(self.is_synced()),
        );
        if let Some(caches) = self.caches() {
            gauge(
                &mut out,
                "drover_claims",
                "WorkloadClusters in the watch cache.",
                caches.claims().len() as u64,
            );
            let (objects, bytes) = caches.inventory().size();
            gauge(
                &mut out,
                "drover_cached_objects",
                "Objects of drover's clusters in the watch cache.",
                objects as u64,
            );
            gauge(
                &mut out,
                "drover_cached_object_bytes",
                "Bytes of JSON the watch cache holds for those objects.",
                bytes as u64,
            );
            gauge(
                &mut out,
                "drover_kinds_not_served",
                "Kinds drover renders whose CRD the API server does not serve.",
                caches.not_served().len() as u64,
            );
        }
        let _ = writeln!(
            out,
            "# HELP drover_watch_errors_total Errors of the watches (each retried with backoff)."
        );
        let _ = writeln!(out, "# TYPE drover_watch_errors_total counter");
        let _ = writeln!(
            out,
            "drover_watch_errors_total {}",
            self.watch_errors.load(Ordering::Relaxed)
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::cache::Feeder;

    fn synced_caches() -> Arc<Caches> {
        let (caches, writers) = Caches::new();
        Feeder::new(writers).mark_synced(&caches, &[]);
        Arc::new(caches)
    }

    #[test]
    fn without_leader_election_ready_once_synced() {
        let health = Health::new(false);
        assert_eq!(health.leadership(), Leadership::Disabled);
        assert!(health.readiness().is_err());
        let (caches, writers) = Caches::new();
        let caches = Arc::new(caches);
        health.set_caches(Some(Arc::clone(&caches)));
        let message = health.readiness().err().unwrap_or_default();
        assert!(message.contains("not synced yet: AWSCluster,"), "{message}");
        assert!(message.contains(", WorkloadCluster"), "{message}");
        Feeder::new(writers).mark_synced(&caches, &[]);
        assert_eq!(health.readiness(), Ok(()));
        assert!(health.render_prometheus().contains("drover_leader 1\n"));
    }

    #[test]
    fn with_leader_election_readiness_follows_the_lease() {
        let health = Health::new(true);
        assert_eq!(
            health.readiness(),
            Err("leader election has not read the Lease yet".to_owned())
        );
        health.set_leadership(Leadership::StandingBy);
        assert_eq!(health.readiness(), Ok(()), "a standby is ready");
        assert!(health.render_prometheus().contains("drover_leader 0\n"));
        health.set_leadership(Leadership::Leading);
        assert!(health.readiness().is_err(), "a new leader syncs first");
        health.set_caches(Some(synced_caches()));
        assert_eq!(health.readiness(), Ok(()));
        let text = health.render_prometheus();
        assert!(text.contains("drover_leader 1\n"), "{text}");
        assert!(text.contains("drover_ready 1\n"), "{text}");
        health.set_leadership(Leadership::Lost);
        assert!(health.readiness().is_err());
        assert!(health.render_prometheus().contains("drover_ready 0\n"));
    }

    #[test]
    fn watch_errors_are_counted() {
        let health = Health::new(false);
        health.record_watch_error();
        health.record_watch_error();
        assert!(
            health
                .render_prometheus()
                .contains("drover_watch_errors_total 2\n")
        );
    }
}
