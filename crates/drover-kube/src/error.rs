//! The error of a reconcile: one variant per stage, each wrapping that stage's own error type,
//! plus the classification [`crate::error_policy`] needs (is it the API server asking us to slow
//! down, and for how long).
//!
//! None of these errors carries credentials: stage errors name objects, never their content.

use std::fmt;
use std::time::Duration;

use crate::apply::ApplyError;
use crate::build::BuildError;
use crate::deletion::DeletionError;
use crate::dereference::DereferenceError;
use crate::finalizer::FinalizerError;
use crate::pause::PauseError;
use crate::prune::PruneError;
use crate::status::StatusError;

/// The stages of a reconcile, for metrics and logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// Reading the claim's references and the live objects.
    Dereference,
    /// Rendering the desired objects.
    Build,
    /// Adding or removing the claim's finalizer.
    Finalizer,
    /// Pausing or releasing the CAPI Cluster.
    Pause,
    /// Server-side apply of the desired objects.
    Apply,
    /// Deleting objects no longer desired.
    Prune,
    /// Writing the claim's status and events.
    Status,
    /// Tearing the cluster down after the claim was deleted.
    Deletion,
}

impl Stage {
    /// Every stage, in reconcile order.
    pub const ALL: [Stage; 8] = [
        Stage::Dereference,
        Stage::Build,
        Stage::Finalizer,
        Stage::Pause,
        Stage::Apply,
        Stage::Prune,
        Stage::Status,
        Stage::Deletion,
    ];

    /// Lowercase name, as a metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Dereference => "dereference",
            Stage::Build => "build",
            Stage::Finalizer => "finalizer",
            Stage::Pause => "pause",
            Stage::Apply => "apply",
            Stage::Prune => "prune",
            Stage::Status => "status",
            Stage::Deletion => "deletion",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a reconcile failed. Invalid claims are not errors: they are reported in the claim's status.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// The claim object lacks a name or namespace (never true for objects from the API server).
    #[error("the WorkloadCluster has no {0}")]
    MissingMetadata(&'static str),
    /// Reading failed.
    #[error("dereference: {0}")]
    Dereference(#[from] DereferenceError),
    /// Rendering failed.
    #[error("build: {0}")]
    Build(#[from] BuildError),
    /// The finalizer could not be added or removed.
    #[error("finalizer: {0}")]
    Finalizer(#[from] FinalizerError),
    /// Pausing or releasing the CAPI Cluster failed.
    #[error("pause: {0}")]
    Pause(#[from] PauseError),
    /// An apply failed.
    #[error("apply: {0}")]
    Apply(#[from] ApplyError),
    /// A prune failed.
    #[error("prune: {0}")]
    Prune(#[from] PruneError),
    /// The status could not be written.
    #[error("status: {0}")]
    Status(#[from] StatusError),
    /// A deletion step failed.
    #[error("deletion: {0}")]
    Deletion(#[from] DeletionError),
}

impl ReconcileError {
    /// The stage that failed.
    pub fn stage(&self) -> Stage {
        match self {
            ReconcileError::MissingMetadata(_) | ReconcileError::Dereference(_) => {
                Stage::Dereference
            }
            ReconcileError::Build(_) => Stage::Build,
            ReconcileError::Finalizer(_) => Stage::Finalizer,
            ReconcileError::Pause(_) => Stage::Pause,
            ReconcileError::Apply(_) => Stage::Apply,
            ReconcileError::Prune(_) => Stage::Prune,
            ReconcileError::Status(_) => Stage::Status,
            ReconcileError::Deletion(_) => Stage::Deletion,
        }
    }

    /// The API error behind this error, if any.
    pub fn kube_error(&self) -> Option<&kube::Error> {
        match self {
            ReconcileError::MissingMetadata(_) | ReconcileError::Build(_) => None,
            ReconcileError::Dereference(e) => e.kube_error(),
            ReconcileError::Finalizer(e) => e.kube_error(),
            ReconcileError::Pause(e) => Some(e.kube_error()),
            ReconcileError::Apply(e) => e.kube_error(),
            ReconcileError::Prune(e) => Some(e.kube_error()),
            ReconcileError::Status(e) => Some(e.kube_error()),
            ReconcileError::Deletion(e) => e.kube_error(),
        }
    }

    /// HTTP status code of the API error, if any.
    pub fn http_status(&self) -> Option<u16> {
        match self.kube_error()? {
            kube::Error::Api(status) => Some(status.code),
            _ => None,
        }
    }

    /// How long the API server asked us to wait (`429`/`503` with `retryAfterSeconds`).
    pub fn retry_after(&self) -> Option<Duration> {
        retry_after(self.kube_error()?)
    }
}

/// How long the API server asked us to wait in `error` (`429`/`503` with `retryAfterSeconds`).
pub(crate) fn retry_after(error: &kube::Error) -> Option<Duration> {
    match error {
        kube::Error::Api(status) if matches!(status.code, 429 | 503) => status
            .details
            .as_ref()
            .map(|d| d.retry_after_seconds)
            .filter(|s| *s > 0)
            .map(|s| Duration::from_secs(u64::from(s))),
        _ => None,
    }
}
