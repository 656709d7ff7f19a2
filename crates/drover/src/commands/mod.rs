//! One module per subcommand.

mod backstage;
mod bootstrap;
mod controller;
mod crds;
mod describe;
mod fleet_client;
mod get;
mod hibernate;
mod install;
mod kubeconfig;
mod plan;
mod preflight;
mod render;
mod validate;
mod wait;

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
        Command::Get(args) => get::run(&args),
        Command::Describe(args) => describe::run(&args),
        Command::Wait(args) => wait::run(&args),
        Command::Kubeconfig(args) => kubeconfig::run(&args),
        Command::Hibernate(args) => hibernate::run(&args, true),
        Command::Wake(args) => hibernate::run(&args, false),
        Command::Backstage(args) => backstage::run(&args),
        Command::Bootstrap(args) => bootstrap::run(&args),
        Command::Preflight(args) => preflight::run(&args),
    }
}
