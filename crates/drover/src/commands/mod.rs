//! One module per subcommand.

mod controller;
mod crds;
mod install;
mod plan;
mod render;
mod validate;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

/// Runs the chosen subcommand and returns its exit code.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Validate(args) => validate::run(&args),
        Command::Render(args) => render::run(&args),
        Command::Plan(args) => plan::run(&args),
        Command::Crds(args) => crds::run(&args),
        Command::Controller(args) => controller::run(&args),
        Command::Install(args) => install::run(&args),
    }
}
