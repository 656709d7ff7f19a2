//! Reconcile scenarios against a fake API server (tower-test): create, capacity admission,
//! no-op, update, invalid input, pause, transient errors, Argo CD registration, deletion order, upgrades with
//! promotion across environments, and the live plan (dry-run applies); and the fake itself
//! (watches, request counts, change hooks).

mod fake;
mod fixtures;

mod budget;
mod capacity;
mod controller;
mod create;
mod deletion;
mod errors;
mod hibernation;
mod invalid;
mod noop;
mod pause;
mod plan;
mod promotion;
mod rbac;
mod registration;
mod update;
mod watch;
