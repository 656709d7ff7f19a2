//! `drover preflight DIR`: the fleet's requirements (drover-core) checked against the management
//! cluster (drover-kube); a checklist, exit 1 on any ✗.

use std::process::ExitCode;

use drover_core::management::requirements;
use drover_kube::fleet::connect;
use drover_kube::install::InstallOptions;
use drover_kube::preflight::{PreflightOptions, preflight};

use super::fleet_client::{block_on, options};
use super::validate;
use crate::cli::{PreflightArgs, ReportFormat};

pub fn run(args: &PreflightArgs) -> anyhow::Result<ExitCode> {
    let outcome = validate::check(&args.dir);
    if !outcome.problems.is_empty() {
        for problem in &outcome.problems {
            eprintln!("{problem}");
        }
        eprintln!(
            "nothing checked: {} problem(s) in the fleet",
            outcome.problems.len()
        );
        return Ok(ExitCode::from(1));
    }
    let Some((fleet, validation)) = outcome.validated else {
        return Ok(ExitCode::from(1));
    };
    let needs = requirements(&fleet, &validation.clusters)?;
    let preflight_options = PreflightOptions {
        controller_namespace: args.namespace.clone(),
        lease_name: InstallOptions::default().lease_name,
        fleet_dir: args.dir.display().to_string(),
    };
    let report = block_on(async {
        let client = connect(&options(&args.access)).await?;
        anyhow::Ok(preflight(&client, &needs, &preflight_options).await?)
    })??;
    match args.output {
        ReportFormat::Text => print!("{}", report.text()),
        ReportFormat::Json => println!("{:#}", report.json()),
    }
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
