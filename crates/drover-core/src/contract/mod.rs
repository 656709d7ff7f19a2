//! The one place that reads Cluster API objects' untyped fields, as CAPI's own topology
//! controller keeps its `contract` package: the status the controller reports on ([`status`])
//! and the machine groups capacity, plan and upgrade count ([`machines`]). The objects may be
//! rendered or live (as the API server returned them); a missing field reads as CAPI's default
//! or as absent, never as an error, since a freshly created object has no status and defaulted
//! fields may be omitted.

pub mod machines;
pub mod status;
