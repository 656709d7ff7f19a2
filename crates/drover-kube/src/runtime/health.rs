//! What `/healthz`, `/readyz` and the runtime part of `/metrics` report: leadership, whether the
//! watch caches have synced, how many claims are cached and how many watch errors occurred.

use std::fmt::Write as _;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};

use drover_api::WorkloadCluster;
use kube::runtime::reflector::Store;

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
    synced: AtomicBool,
    watch_errors: AtomicU64,
    claims: OnceLock<Store<WorkloadCluster>>,
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
            synced: AtomicBool::new(false),
            watch_errors: AtomicU64::new(0),
            claims: OnceLock::new(),
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

    /// Records that the watch caches have (or have not) finished their initial list.
    pub fn set_synced(&self, synced: bool) {
        self.synced.store(synced, Ordering::SeqCst);
    }

    /// Whether the watch caches have synced.
    pub fn is_synced(&self) -> bool {
        self.synced.load(Ordering::SeqCst)
    }

    /// Counts one error of a watch (it is retried with backoff).
    pub fn record_watch_error(&self) {
        self.watch_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// Lets `/metrics` report the number of cached claims.
    pub fn set_claim_store(&self, store: Store<WorkloadCluster>) {
        let _ = self.claims.set(store);
    }

    /// `Ok` when ready to serve, else why not: a leader (or an instance without leader
    /// election) is ready once its caches have synced, a standby as soon as it knows who leads.
    pub fn readiness(&self) -> Result<(), String> {
        match self.leadership() {
            Leadership::StandingBy => Ok(()),
            Leadership::Leading | Leadership::Disabled if self.is_synced() => Ok(()),
            Leadership::Leading | Leadership::Disabled => {
                Err("watch caches have not synced yet".to_owned())
            }
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
        if let Some(store) = self.claims.get() {
            gauge(
                &mut out,
                "drover_claims",
                "WorkloadClusters in the watch cache.",
                store.len() as u64,
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

    #[test]
    fn without_leader_election_ready_once_synced() {
        let health = Health::new(false);
        assert_eq!(health.leadership(), Leadership::Disabled);
        assert!(health.readiness().is_err());
        health.set_synced(true);
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
        health.set_synced(true);
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
