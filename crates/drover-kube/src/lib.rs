//! drover's I/O against the management cluster's API server: the reconcile of `WorkloadCluster`
//! claims.
//!
//! A reconcile runs in stages, each a module with its own error type:
//!
//! | stage | module | writes |
//! |---|---|---|
//! | read claim references, inventory (watch caches), kubeconfig | [`dereference`] (+ [`cache`]) | nothing |
//! | resolve + provider checks (pure) | [`validate`] | nothing |
//! | versions: upgrade steps, promotion, window (pure) | [`upgrade`] | nothing |
//! | render + registration Secret (pure) | [`build`] (+ [`registration`]) | nothing |
//! | capacity admission of a new or growing cluster (watch caches) | [`admission`] | nothing |
//! | finalizer before anything is created | [`finalizer`] | claim metadata |
//! | server-side apply of what differs | [`apply`] | rendered objects, Argo CD Secret |
//! | delete what is no longer desired | [`prune`] | deletes |
//! | conditions (pure, in `drover_core::status`) | [`status`] | claim status, events |
//!
//! plus [`pause`] and [`deletion`] for paused and deleted claims, and [`plan`] for `drover plan
//! --kubeconfig` (dry-run applies, nothing written). [`reconcile()`] and
//! [`error_policy`] plug into `kube::runtime::Controller`; [`cache`] holds the watch caches every
//! stage reads; [`watches`] has the mappers from watched objects to what they wake; [`Context`]
//! carries the client, caches, events, settings and [`Metrics`]. [`runtime`] runs all of it as a process (`drover controller`): the kube-runtime
//! Controller and its watches, leader election, the `/metrics` server and signal handling;
//! [`install`] builds the manifests that deploy it (`drover install`).
//!
//! A second, small controller reconciles `Environment`s ([`environment`]): it evaluates the
//! promotion gate and the wave of upgrades from the claims' status and writes the Environment's
//! status, which the claims' versions stage reads ([`reconcile_environment`],
//! [`environment_error_policy`]).
//!
//! Apart from the controllers, [`fleet`] holds the CLI's read-only queries of a management
//! cluster (`drover get`, `describe`, `wait`, `kubeconfig`), and [`preflight`] checks a management
//! cluster for a fleet (`drover preflight`).

pub mod admission;
pub mod apply;
pub mod build;
pub mod cache;
pub mod context;
pub mod deletion;
pub mod dereference;
pub mod environment;
pub mod error;
pub mod finalizer;
pub mod fleet;
pub mod hibernation;
pub mod install;
pub mod inventory;
pub mod metrics;
pub mod pause;
pub mod plan;
pub mod preflight;
pub mod prune;
pub mod reconcile;
pub mod registration;
pub mod resources;
pub mod runtime;
pub mod status;
pub mod upgrade;
pub mod validate;
pub mod watches;

pub use context::{Context, Settings};
pub use environment::{EnvironmentError, environment_error_policy, reconcile_environment};
pub use error::{ReconcileError, Stage};
pub use metrics::{Metrics, MetricsSnapshot};
pub use reconcile::{error_policy, reconcile};
pub use watches::{
    claims_for_environment, claims_for_infrastructure, environments_for_claim, watched_labels,
};
