//! Leader election on a `coordination.k8s.io/v1` Lease, as client-go's `leaderelection` does it:
//! only the instance holding the Lease reconciles; the others stand by and take over once the
//! holder stops renewing.
//!
//! - Every write is a `PUT` carrying the `resourceVersion` just read, so two candidates that
//!   race for an expired Lease cannot both win: the API server answers the loser `409 Conflict`.
//! - Whether a Lease expired is judged by this instance's own clock: from the moment it last saw
//!   the Lease's holder or renew time change, plus `leaseDurationSeconds`. Clock skew between
//!   nodes does not matter.
//! - The leader renews every `retry_period`. If it cannot renew within `renew_deadline` (shorter
//!   than the lease duration, so it stops before anyone else may take over), or it finds another
//!   holder, it has lost: [`hold`] returns and the process exits non-zero.
//! - On shutdown the leader releases the Lease (empty holder, 1 s duration) so a standby takes over
//!   at once.

use std::future::Future;
use std::time::Duration;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use k8s_openapi::jiff::Timestamp;
use kube::Client;
use kube::api::{Api, PostParams};
use tokio::time::{Instant, sleep, timeout_at};

use super::health::{Health, Leadership};

/// Timing and identity of the election. [`LeaseSettings::new`] gives client-go's defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseSettings {
    /// Namespace of the Lease.
    pub namespace: String,
    /// Name of the Lease.
    pub name: String,
    /// This instance's identity in `holderIdentity` (unique per process).
    pub identity: String,
    /// How long a Lease is valid after its last renewal (`leaseDurationSeconds`).
    pub lease_duration: Duration,
    /// How long the leader keeps trying to renew before it gives up leading.
    pub renew_deadline: Duration,
    /// How often candidates try to acquire and the leader renews.
    pub retry_period: Duration,
}

impl LeaseSettings {
    /// Lease `namespace/name` held as `identity`: 15 s duration, 10 s renew deadline, 2 s retry.
    pub fn new(
        namespace: impl Into<String>,
        name: impl Into<String>,
        identity: impl Into<String>,
    ) -> Self {
        Self {
            namespace: namespace.into(),
            name: name.into(),
            identity: identity.into(),
            lease_duration: Duration::from_secs(15),
            renew_deadline: Duration::from_secs(10),
            retry_period: Duration::from_secs(2),
        }
    }
}

/// Leader election failed or ended.
#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    /// A request about the Lease failed.
    #[error("{action} Lease {namespace}/{name}: {source}")]
    Api {
        /// What was being done.
        action: &'static str,
        /// Namespace of the Lease.
        namespace: String,
        /// Name of the Lease.
        name: String,
        /// The API error.
        #[source]
        source: kube::Error,
    },
    /// The leader lost the Lease.
    #[error("lost Lease {namespace}/{name}: {reason}")]
    Lost {
        /// Namespace of the Lease.
        namespace: String,
        /// Name of the Lease.
        name: String,
        /// Why: another holder, or no renewal within the renew deadline.
        reason: String,
    },
}

/// The outcome of one try to acquire or renew.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// This instance holds the Lease (acquired or renewed).
    Acquired,
    /// Another instance holds an unexpired Lease.
    HeldBy(String),
    /// The write lost a race (`409`): read again and retry.
    Conflict,
}

/// The Lease as last seen, and when (by the local clock) it last changed.
#[derive(Clone, Debug)]
struct Observed {
    holder: Option<String>,
    renew_time: Option<MicroTime>,
    duration: Duration,
    changed_at: Instant,
}

/// One candidate's view of the Lease.
pub struct LeaseLock {
    api: Api<Lease>,
    settings: LeaseSettings,
    observed: Option<Observed>,
}

impl LeaseLock {
    /// A candidate for the Lease in `settings`.
    pub fn new(client: Client, settings: LeaseSettings) -> Self {
        Self {
            api: Api::namespaced(client, &settings.namespace),
            settings,
            observed: None,
        }
    }

    /// The settings.
    pub fn settings(&self) -> &LeaseSettings {
        &self.settings
    }

    fn error(&self, action: &'static str) -> impl FnOnce(kube::Error) -> LeaseError + '_ {
        move |source| LeaseError::Api {
            action,
            namespace: self.settings.namespace.clone(),
            name: self.settings.name.clone(),
            source,
        }
    }

    fn observe(&mut self, spec: Option<&LeaseSpec>) {
        let holder = spec
            .and_then(|s| s.holder_identity.clone())
            .filter(|h| !h.is_empty());
        let renew_time = spec.and_then(|s| s.renew_time.clone());
        let duration = spec
            .and_then(|s| s.lease_duration_seconds)
            .and_then(|s| u64::try_from(s).ok())
            .map_or(self.settings.lease_duration, Duration::from_secs);
        let unchanged = self
            .observed
            .as_ref()
            .is_some_and(|o| o.holder == holder && o.renew_time == renew_time);
        let changed_at = match &self.observed {
            Some(o) if unchanged => o.changed_at,
            _ => Instant::now(),
        };
        self.observed = Some(Observed {
            holder,
            renew_time,
            duration,
            changed_at,
        });
    }

    fn spec(&self, previous: Option<&LeaseSpec>) -> LeaseSpec {
        let now = MicroTime(Timestamp::now());
        let ours = previous
            .and_then(|s| s.holder_identity.as_deref())
            .is_some_and(|h| h == self.settings.identity);
        let transitions = previous.and_then(|s| s.lease_transitions).unwrap_or(0);
        LeaseSpec {
            holder_identity: Some(self.settings.identity.clone()),
            lease_duration_seconds: Some(
                i32::try_from(self.settings.lease_duration.as_secs()).unwrap_or(i32::MAX),
            ),
            acquire_time: if ours {
                previous.and_then(|s| s.acquire_time.clone())
            } else {
                Some(now.clone())
            },
            renew_time: Some(now),
            lease_transitions: Some(match previous {
                Some(p) if !ours && p.holder_identity.is_some() => transitions.saturating_add(1),
                _ => transitions,
            }),
            ..LeaseSpec::default()
        }
    }

    /// Reads the Lease and takes or renews it when it is free, expired or already ours.
    pub async fn try_acquire_or_renew(&mut self) -> Result<Attempt, LeaseError> {
        let current = self
            .api
            .get_opt(&self.settings.name)
            .await
            .map_err(self.error("reading"))?;
        let Some(mut lease) = current else {
            let lease = Lease {
                metadata: ObjectMeta {
                    name: Some(self.settings.name.clone()),
                    namespace: Some(self.settings.namespace.clone()),
                    ..ObjectMeta::default()
                },
                spec: Some(self.spec(None)),
            };
            return match self.api.create(&PostParams::default(), &lease).await {
                Ok(created) => {
                    self.observe(created.spec.as_ref());
                    Ok(Attempt::Acquired)
                }
                Err(kube::Error::Api(status)) if status.code == 409 => Ok(Attempt::Conflict),
                Err(source) => Err(self.error("creating")(source)),
            };
        };
        self.observe(lease.spec.as_ref());
        if let Some(observed) = &self.observed
            && let Some(holder) = &observed.holder
            && *holder != self.settings.identity
            && observed.changed_at.elapsed() < observed.duration
        {
            return Ok(Attempt::HeldBy(holder.clone()));
        }
        lease.spec = Some(self.spec(lease.spec.as_ref()));
        // `replace` sends the resourceVersion read above: a concurrent write makes this a 409.
        match self
            .api
            .replace(&self.settings.name, &PostParams::default(), &lease)
            .await
        {
            Ok(updated) => {
                self.observe(updated.spec.as_ref());
                Ok(Attempt::Acquired)
            }
            Err(kube::Error::Api(status)) if status.code == 409 => Ok(Attempt::Conflict),
            Err(source) => Err(self.error("updating")(source)),
        }
    }

    /// Gives the Lease up if this instance holds it, so a standby need not wait for it to
    /// expire.
    pub async fn release(&mut self) -> Result<(), LeaseError> {
        let Some(mut lease) = self
            .api
            .get_opt(&self.settings.name)
            .await
            .map_err(self.error("reading"))?
        else {
            return Ok(());
        };
        let spec = lease.spec.get_or_insert_with(LeaseSpec::default);
        if spec.holder_identity.as_deref() != Some(self.settings.identity.as_str()) {
            return Ok(());
        }
        spec.holder_identity = None;
        spec.lease_duration_seconds = Some(1);
        spec.renew_time = Some(MicroTime(Timestamp::now()));
        match self
            .api
            .replace(&self.settings.name, &PostParams::default(), &lease)
            .await
        {
            Ok(_) => Ok(()),
            // Someone wrote it meanwhile: it is no longer ours to release.
            Err(kube::Error::Api(status)) if status.code == 409 => Ok(()),
            Err(source) => Err(self.error("releasing")(source)),
        }
    }

    fn lost(&self, reason: String) -> LeaseError {
        LeaseError::Lost {
            namespace: self.settings.namespace.clone(),
            name: self.settings.name.clone(),
            reason,
        }
    }
}

/// Tries to acquire the Lease every retry period until it does (`true`) or `shutdown` resolves
/// first (`false`). Keeps `health` up to date: standing by while another instance leads.
pub async fn acquire(
    lock: &mut LeaseLock,
    health: &Health,
    shutdown: impl Future<Output = ()>,
) -> bool {
    tokio::pin!(shutdown);
    let mut last_holder: Option<String> = None;
    loop {
        match lock.try_acquire_or_renew().await {
            Ok(Attempt::Acquired) => {
                tracing::info!(lease = %lock.settings.name, identity = %lock.settings.identity, "acquired the leader Lease");
                health.set_leadership(Leadership::Leading);
                return true;
            }
            Ok(Attempt::HeldBy(holder)) => {
                if last_holder.as_ref() != Some(&holder) {
                    tracing::info!(lease = %lock.settings.name, %holder, "another instance leads; standing by");
                    last_holder = Some(holder);
                }
                health.set_leadership(Leadership::StandingBy);
            }
            Ok(Attempt::Conflict) => {
                tracing::debug!(lease = %lock.settings.name, "lost a race for the Lease; retrying");
            }
            Err(error) => tracing::warn!(%error, "leader election"),
        }
        tokio::select! {
            () = &mut shutdown => return false,
            () = sleep(lock.settings.retry_period) => {}
        }
    }
}

/// Renews the Lease every retry period for as long as this instance holds it. Returns (the reason
/// leadership was lost) only when another instance holds the Lease or no renewal succeeded
/// within the renew deadline.
pub async fn hold(lock: &mut LeaseLock) -> LeaseError {
    let mut renewed = Instant::now();
    loop {
        sleep(lock.settings.retry_period).await;
        let deadline = renewed + lock.settings.renew_deadline;
        match timeout_at(deadline, lock.try_acquire_or_renew()).await {
            Ok(Ok(Attempt::Acquired)) => renewed = Instant::now(),
            Ok(Ok(Attempt::HeldBy(holder))) => {
                return lock.lost(format!("{holder} holds it now"));
            }
            Ok(Ok(Attempt::Conflict)) => {
                tracing::debug!(lease = %lock.settings.name, "renewal conflicted; retrying");
            }
            Ok(Err(error)) => tracing::warn!(%error, "renewing the leader Lease"),
            Err(_) => {}
        }
        if Instant::now() >= deadline {
            return lock.lost(format!(
                "not renewed within the renew deadline of {:?}",
                lock.settings.renew_deadline
            ));
        }
    }
}

/// A process-unique identity: `base` (the pod name) and a random suffix, so two processes on
/// one host, or a restarted pod whose old process still runs, never share one.
pub fn identity(base: &str) -> String {
    format!("{base}_{:08x}", fastrand::u32(..))
}
