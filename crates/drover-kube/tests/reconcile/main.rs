//! Reconcile scenarios against a fake API server (tower-test): create, no-op, update, invalid
//! input, pause, transient errors, Argo CD registration and deletion order.

mod fake;
mod fixtures;

mod create;
mod deletion;
mod errors;
mod invalid;
mod noop;
mod pause;
mod rbac;
mod registration;
mod update;
