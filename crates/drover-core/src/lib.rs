//! drover's pure core: fleet loading, resolve and validate, rendering and planning.
//!
//! Nothing here talks to an API server or the network, and nothing is async: the same code runs in
//! the offline CLI (`drover validate/render/plan`) and inside the controller, so what `plan`
//! shows is what the controller applies. The only I/O is reading a fleet directory
//! ([`fleet::load_dir`]) and, in `render`'s writer, writing files.

pub mod backstage;
pub mod capacity;
pub mod contract;
pub mod diagnostics;
#[cfg(any(test, feature = "test-fixtures"))]
pub mod fixtures;
pub mod fleet;
pub mod fleetview;
pub mod hibernation;
pub mod management;

pub use diagnostics::{Diagnostic, Diagnostics, Location, ObjectRef};
pub mod duration;
pub mod naming;
pub mod objects;
pub mod output;
pub mod pipeline;
pub mod plan;
pub mod promotion;
pub mod providers;
pub mod quantity;
pub mod render;
pub mod resolve;
pub mod status;
pub mod upgrade;
pub mod version;
pub mod window;
