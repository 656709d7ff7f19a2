//! The controller process: `drover controller` calls [`run`].
//!
//! ```text
//! signals ─► shutdown ──────────────────────────────────────────────┐
//! HTTP :8080  /metrics /healthz /readyz  ◄── Health, Metrics          │
//! client (kubeconfig or in-cluster, token-bucket rate limit)          │
//!   └─ leader election (Lease) ─ leading ─► Controller<WorkloadCluster> ◄┘
//!                 │ lost: stop reconciling, exit non-zero
//! ```
//!
//! | module | owns |
//! |---|---|
//! | [`client`] | kubeconfig / in-cluster configuration, the client |
//! | [`rate_limit`] | the `--qps`/`--burst` token bucket under the client |
//! | [`controller`] | the kube-runtime Controllers and what wakes them |
//! | [`watch`] | the watches feeding the inventory cache, the CRD watch |
//! | [`leader`] | Lease-based leader election |
//! | [`health`] | leadership and readiness state, runtime gauges |
//! | [`http`] | the `/metrics`, `/healthz`, `/readyz` server |
//! | [`shutdown`] | SIGTERM / SIGINT handling |

pub mod client;
pub mod controller;
pub mod health;
pub mod http;
pub mod leader;
pub mod rate_limit;
pub mod shutdown;
pub mod watch;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use kube::runtime::events::Reporter;

use crate::cache::{Caches, Writers};
use crate::context::{Context, Settings};
use client::{ClientError, ClientOptions};
use health::{Health, Leadership};
use http::{BindError, Endpoints};
use leader::{LeaseError, LeaseLock, LeaseSettings};
use shutdown::{Shutdown, Stage};

/// Name of the controller in events, and the default Lease name.
pub const CONTROLLER_NAME: &str = "drover-controller";
/// Default reconciles at once per controller. Reconciles read from caches, so they wait only on
/// their writes; 16 keeps the client's request budget busy while a wave of new claims is applied.
pub const DEFAULT_CONCURRENCY: u16 = 16;
/// Default spread of the resync requeue, in percent either way.
pub const RESYNC_JITTER_PERCENT: u8 = 10;

/// Leader election settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaderElection {
    /// Namespace of the Lease; `None` uses the client's namespace (the pod's namespace in a
    /// cluster, the kubeconfig context's namespace outside).
    pub namespace: Option<String>,
    /// Name of the Lease.
    pub lease_name: String,
    /// Lease duration, renew deadline and retry period ([`LeaseSettings::new`]'s by default).
    pub timing: LeaseTiming,
}

/// How long a Lease lasts, how long the leader tries to renew it, how often candidates retry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeaseTiming {
    /// `leaseDurationSeconds` (whole seconds, at least 1).
    pub lease_duration: Duration,
    /// The leader gives up after this long without a successful renewal.
    pub renew_deadline: Duration,
    /// Interval of acquire and renew attempts.
    pub retry_period: Duration,
}

impl LeaseTiming {
    /// Whether the leader gives up before anyone else may take over, and retries before it
    /// gives up.
    pub fn is_safe(&self) -> bool {
        self.lease_duration >= Duration::from_secs(1)
            && self.lease_duration.subsec_nanos() == 0
            && self.renew_deadline < self.lease_duration
            && self.retry_period < self.renew_deadline
            && !self.retry_period.is_zero()
    }
}

impl Default for LeaseTiming {
    fn default() -> Self {
        let defaults = LeaseSettings::new("", "", "");
        Self {
            lease_duration: defaults.lease_duration,
            renew_deadline: defaults.renew_deadline,
            retry_period: defaults.retry_period,
        }
    }
}

/// Everything [`run`] needs.
#[derive(Clone, Debug, PartialEq)]
pub struct RuntimeConfig {
    /// How to reach the API server.
    pub client: ClientOptions,
    /// Reconciles running at once, at most.
    pub concurrency: u16,
    /// Requeue intervals (the resync period with its jitter among them).
    pub settings: Settings,
    /// Address of the `/metrics`, `/healthz` and `/readyz` server.
    pub metrics_bind: SocketAddr,
    /// Leader election; `None` reconciles without it (one replica only!).
    pub leader_election: Option<LeaderElection>,
    /// Name of this instance in events and the Lease; `None` uses the host name (the pod name).
    pub instance: Option<String>,
}

impl RuntimeConfig {
    /// The defaults of `drover controller`'s flags.
    pub fn new() -> Self {
        Self {
            client: ClientOptions::default(),
            concurrency: DEFAULT_CONCURRENCY,
            settings: Settings {
                resync_jitter_percent: RESYNC_JITTER_PERCENT,
                ..Settings::default()
            },
            metrics_bind: SocketAddr::from(([0, 0, 0, 0], 8080)),
            leader_election: Some(LeaderElection {
                namespace: None,
                lease_name: CONTROLLER_NAME.to_owned(),
                timing: LeaseTiming::default(),
            }),
            instance: None,
        }
    }
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// Why the controller stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// No client could be built.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The HTTP endpoints could not listen.
    #[error(transparent)]
    Bind(#[from] BindError),
    /// The signal handlers could not be installed.
    #[error("installing the SIGTERM/SIGINT handlers: {0}")]
    Signals(#[source] std::io::Error),
    /// `--concurrency 0`.
    #[error("--concurrency must be at least 1")]
    Concurrency,
    /// Lease timings that could let two leaders overlap.
    #[error(
        "leader election needs retry period < renew deadline < lease duration (whole seconds, at least 1 s), got {0:?}"
    )]
    LeaseTiming(LeaseTiming),
    /// This instance led and lost the Lease: it stopped reconciling (restart it).
    #[error("leader election: {0}")]
    LeadershipLost(#[source] LeaseError),
    /// A second signal stopped the process before running reconciles finished.
    #[error("stopped by a second signal before running reconciles finished")]
    Forced,
}

/// Runs the controller until SIGTERM/SIGINT (`Ok`), or until it loses the leader Lease
/// (`Err(RuntimeError::LeadershipLost)`: exit non-zero so the Deployment restarts it).
pub async fn run(config: RuntimeConfig) -> Result<(), RuntimeError> {
    if config.concurrency == 0 {
        return Err(RuntimeError::Concurrency);
    }
    let kube_config = client::config(&config.client).await?;
    let default_namespace = kube_config.default_namespace.clone();
    tracing::info!(server = %kube_config.cluster_url, "connecting to the API server");
    let client = client::client(kube_config, config.client.qps, config.client.burst)?;
    let listener = http::bind(config.metrics_bind).await?;
    let shutdown = shutdown::on_signals().map_err(RuntimeError::Signals)?;
    run_with(
        Parts {
            client,
            default_namespace,
            listener,
            shutdown,
        },
        &config,
    )
    .await
}

/// What [`run`] builds from the configuration and the process; tests build them themselves.
pub struct Parts {
    /// The API client.
    pub client: kube::Client,
    /// Namespace of the Lease when [`LeaderElection::namespace`] is `None`.
    pub default_namespace: String,
    /// Listener of the HTTP endpoints.
    pub listener: tokio::net::TcpListener,
    /// When to stop.
    pub shutdown: Shutdown,
}

/// [`run`] with a given client, listener and shutdown (`config.client` and
/// `config.metrics_bind` are not used).
pub async fn run_with(parts: Parts, config: &RuntimeConfig) -> Result<(), RuntimeError> {
    let Parts {
        client,
        default_namespace,
        listener,
        shutdown,
    } = parts;
    if config.concurrency == 0 {
        return Err(RuntimeError::Concurrency);
    }
    if let Some(election) = &config.leader_election
        && !election.timing.is_safe()
    {
        return Err(RuntimeError::LeaseTiming(election.timing));
    }
    let instance = config.instance.clone().unwrap_or_else(host_name);
    let reporter = Reporter {
        controller: CONTROLLER_NAME.to_owned(),
        instance: Some(instance.clone()),
    };
    let (caches, writers) = Caches::new();
    let context = Arc::new(Context::new(
        client.clone(),
        reporter,
        config.settings.clone(),
        Arc::new(caches),
    ));
    let health = Arc::new(Health::new(config.leader_election.is_some()));
    if let Ok(address) = listener.local_addr() {
        tracing::info!(%address, "serving /metrics, /healthz and /readyz");
    }
    let endpoints = Endpoints {
        metrics: context.metrics(),
        health: Arc::clone(&health),
    };
    let server = tokio::spawn(http::serve(
        listener,
        endpoints,
        shutdown.clone().reached(Stage::Forced),
    ));

    let work = async {
        match &config.leader_election {
            None => {
                tracing::warn!("leader election is off: run exactly one replica of the controller");
                controller::run(
                    client,
                    context,
                    writers,
                    config.concurrency,
                    health,
                    shutdown.graceful(),
                )
                .await;
                Ok(())
            }
            Some(election) => {
                let namespace = election.namespace.clone().unwrap_or(default_namespace);
                let settings = LeaseSettings {
                    lease_duration: election.timing.lease_duration,
                    renew_deadline: election.timing.renew_deadline,
                    retry_period: election.timing.retry_period,
                    ..LeaseSettings::new(
                        namespace,
                        election.lease_name.clone(),
                        leader::identity(&instance),
                    )
                };
                let lock = LeaseLock::new(client.clone(), settings);
                let run = (client, context, writers);
                lead(lock, run, config.concurrency, health, &shutdown).await
            }
        }
    };
    // Forced first: when a forced stop arrives the graceful one has too, and it wins.
    let result = tokio::select! {
        biased;
        () = shutdown.clone().reached(Stage::Forced) => Err(RuntimeError::Forced),
        result = work => result,
    };
    server.abort();
    result
}

/// With leader election: stand by until leading, reconcile while leading, release on shutdown.
async fn lead(
    mut lock: LeaseLock,
    (client, context, writers): (kube::Client, Arc<Context>, Writers),
    concurrency: u16,
    health: Arc<Health>,
    shutdown: &Shutdown,
) -> Result<(), RuntimeError> {
    if !leader::acquire(&mut lock, &health, shutdown.graceful()).await {
        return Ok(());
    }
    let lost = {
        let reconciling = controller::run(
            client,
            context,
            writers,
            concurrency,
            Arc::clone(&health),
            shutdown.graceful(),
        );
        let renewing = leader::hold(&mut lock);
        tokio::select! {
            () = reconciling => None,
            lost = renewing => Some(lost),
        }
    };
    if let Some(lost) = lost {
        // Dropping the controller above aborted its running reconciles.
        health.set_leadership(Leadership::Lost);
        tracing::error!(error = %lost, "lost leadership: stopped reconciling");
        return Err(RuntimeError::LeadershipLost(lost));
    }
    match tokio::time::timeout(Duration::from_secs(5), lock.release()).await {
        Ok(Ok(())) => tracing::info!("released the leader Lease"),
        Ok(Err(error)) => tracing::warn!(%error, "releasing the leader Lease"),
        Err(_) => tracing::warn!("releasing the leader Lease timed out"),
    }
    Ok(())
}

/// The host name (the pod name in a pod), else `drover`.
fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "drover".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_lease_timing_is_client_gos_and_safe() {
        let timing = LeaseTiming::default();
        assert_eq!(timing.lease_duration, Duration::from_secs(15));
        assert_eq!(timing.renew_deadline, Duration::from_secs(10));
        assert_eq!(timing.retry_period, Duration::from_secs(2));
        assert!(timing.is_safe());
        let unsafe_timings = [
            LeaseTiming {
                renew_deadline: Duration::from_secs(15),
                ..timing
            },
            LeaseTiming {
                retry_period: Duration::from_secs(10),
                ..timing
            },
            LeaseTiming {
                lease_duration: Duration::from_millis(1500),
                ..timing
            },
            LeaseTiming {
                retry_period: Duration::ZERO,
                ..timing
            },
        ];
        for bad in unsafe_timings {
            assert!(!bad.is_safe(), "{bad:?}");
        }
    }
}
