//! The controller runtime against a fake API server: leader election on a Lease (acquire, renew,
//! stand by, take over, lose on conflict, release) and the whole process (`run_with`): watches,
//! readiness, metrics over HTTP, graceful shutdown.

mod fake;
mod lease;
mod process;
