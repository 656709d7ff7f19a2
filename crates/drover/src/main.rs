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

/// Exit code of a command-line usage error (BSD `EX_USAGE`). clap's default, 2, would read as
/// "changes" from `drover plan`.
const USAGE_ERROR: u8 = 64;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // --help and --version are not errors; they print to standard output.
            let code = if error.use_stderr() { USAGE_ERROR } else { 0 };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    match commands::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(1)
        }
    }
}
