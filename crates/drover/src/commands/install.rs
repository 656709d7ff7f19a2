//! `drover install`.

use std::process::ExitCode;

use drover_kube::install::{self, InstallOptions};

use crate::cli::{InstallArgs, ManifestFormat};

pub fn run(args: &InstallArgs) -> anyhow::Result<ExitCode> {
    let options = InstallOptions {
        namespace: args.namespace.clone(),
        image: args.image.clone().unwrap_or_else(install::default_image),
        argocd_namespaces: args.argocd_namespaces.clone(),
        replicas: args.replicas,
        ..InstallOptions::default()
    };
    if let Some(out) = &args.out {
        let mut writer = drover_core::output::TreeWriter::create(out)?;
        writer.write_files(&install::manifest_files(&options)?)?;
        writer.finish()?;
        eprintln!("wrote the install manifests into {}", out.display());
        return Ok(ExitCode::SUCCESS);
    }
    let text = match args.output {
        ManifestFormat::Yaml => install::manifests_yaml(&options)?,
        ManifestFormat::Json => install::manifests_json(&options)?,
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}
