//! drover's I/O against the management cluster's API server: the reconcile of `WorkloadCluster`
//! claims.
//!
//! A reconcile runs in stages, each a module with its own error type:
//!
//! | stage | module | writes |
//! |---|---|---|
//! | read claim references, inventory, kubeconfig | [`dereference`] (+ [`inventory`]) | nothing |
//! | resolve + provider checks (pure) | [`validate`] | nothing |
//! | render + registration Secret (pure) | [`build`] (+ [`registration`]) | nothing |
//! | finalizer before anything is created | [`finalizer`] | claim metadata |
//! | server-side apply of what differs | [`apply`] | rendered objects, Argo CD Secret |
//! | delete what is no longer desired | [`prune`] | deletes |
//! | conditions (pure, in `drover_core::status`) | [`status`] | claim status, events |
//!
//! plus [`pause`] and [`deletion`] for paused and deleted claims. [`reconcile()`] and
//! [`error_policy`] plug into `kube::runtime::Controller`; [`watches`] has the selectors and
//! mappers for the secondary watches; [`Context`] carries the client, events, settings and
//! [`Metrics`].
//!
//! Apart from the controller, [`fleet`] holds the CLI's read-only queries of a management
//! cluster (`drover get`, `describe`, `wait`, `kubeconfig`).

pub mod apply;
pub mod build;
pub mod context;
pub mod deletion;
pub mod dereference;
pub mod error;
pub mod finalizer;
pub mod fleet;
pub mod inventory;
pub mod metrics;
pub mod pause;
pub mod prune;
pub mod reconcile;
pub mod registration;
pub mod resources;
pub mod status;
pub mod validate;
pub mod watches;

pub use context::{Context, Settings};
pub use error::{ReconcileError, Stage};
pub use metrics::{Metrics, MetricsSnapshot};
pub use reconcile::{error_policy, reconcile};
pub use watches::{
    KUBECONFIG_SECRET_SELECTOR, claims_for_environment, claims_for_infrastructure,
    claims_for_object, watched_labels,
};
