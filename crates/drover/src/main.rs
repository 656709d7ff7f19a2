//! `drover`: Kubernetes clusters as a service on top of Cluster API.
//!
//! A thin binary: argument parsing and output formatting. All logic lives in `drover-core`
//! (offline: validate, render, plan) and `drover-kube` (the controller's API-server I/O).

mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;

// Rendering a fleet allocates millions of small JSON nodes; mimalloc makes that about twice as
// fast as the system allocator (docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(1)
        }
    }
}
