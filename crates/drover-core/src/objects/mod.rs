//! Builders for the objects drover renders: metadata with the inventory labels ([`meta`]),
//! references between objects ([`TypedRef`]), content-hashed names ([`hash`]), the Cluster API
//! core kinds ([`capi`]), kubeadm control planes and bootstrap templates ([`kubeadm`]) and the
//! API server's security files ([`security`]).
//!
//! The providers build their parts from these, and the render engine
//! ([`crate::render`]) assembles the parts: this module depends on neither, so neither depends
//! on the other through it.

pub mod capi;
pub mod hash;
pub mod helm;
pub mod kubeadm;
mod manifest;
pub mod meta;
pub mod security;

pub use manifest::{Manifest, TypedRef};
