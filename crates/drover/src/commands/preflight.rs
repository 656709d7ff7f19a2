//! `drover preflight DIR`.

use std::process::ExitCode;

use crate::cli::PreflightArgs;

pub fn run(_args: &PreflightArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not yet")
}
