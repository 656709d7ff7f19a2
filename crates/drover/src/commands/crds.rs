//! `drover crds`.

use std::process::ExitCode;

use crate::cli::{CrdsArgs, ManifestFormat};

pub fn run(args: &CrdsArgs) -> anyhow::Result<ExitCode> {
    let text = match args.output {
        ManifestFormat::Yaml => drover_api::crds_yaml(),
        ManifestFormat::Json => drover_api::crds_json(),
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}
