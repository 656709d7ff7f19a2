//! Reconcile scenarios against a fake API server (tower-test): create, no-op, update, invalid
//! input, pause, transient errors, Argo CD registration, deletion order, and upgrades with
//! promotion across environments.

mod fake;
mod fixtures;

mod create;
mod deletion;
mod errors;
mod invalid;
mod noop;
mod pause;
mod rbac;
mod promotion;
mod registration;
mod update;
