//! What a management cluster needs for a fleet: the Cluster API providers at the versions drover
//! renders for ([`providers`], the one table), their CAPI Operator objects (`drover bootstrap`,
//! [`bootstrap`]), the things only the platform team can provide (credentials), and what a
//! live management cluster must serve for it (`drover preflight`, [`requirements`]).
//!
//! Pure: computed from a validated fleet, reads and writes nothing.

pub mod bootstrap;
pub mod providers;
pub mod requirements;

pub use bootstrap::{Bootstrap, PlannedProvider, Prerequisite, plan};
pub use providers::{CapiProvider, PROVIDERS, ProviderType, crd_source, provider_of_kind};
pub use requirements::{Requirements, describe_crd, requirements};
