//! `drover bootstrap DIR --out OUT | --stdout`.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use drover_core::management::bootstrap;
use drover_core::output::{self, TreeWriter};

use super::validate;
use crate::cli::BootstrapArgs;

pub fn run(args: &BootstrapArgs) -> anyhow::Result<ExitCode> {
    let outcome = validate::check(&args.dir);
    if !outcome.problems.is_empty() {
        for problem in &outcome.problems {
            eprintln!("{problem}");
        }
        eprintln!("nothing written: {} problem(s)", outcome.problems.len());
        return Ok(ExitCode::from(1));
    }
    let Some((fleet, validation)) = outcome.validated else {
        return Ok(ExitCode::from(1));
    };
    let plan = bootstrap::plan(&fleet, &validation.clusters)?;

    let target = if let Some(out) = &args.out {
        let mut writer = TreeWriter::create(out)?;
        writer.write_files(&output::object_files(&plan.objects))?;
        writer.finish()?;
        out.display().to_string()
    } else {
        let mut text = String::new();
        for object in &plan.objects {
            text.push_str("---\n");
            drover_yaml::write_yaml(object, &mut text);
        }
        std::io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .context("writing to standard output")?;
        "standard output".to_owned()
    };

    eprintln!(
        "{} provider(s) for {} cluster(s) on {} infrastructure(s) → {target}:",
        plan.providers.len(),
        validation.clusters.len(),
        fleet.infrastructures.len()
    );
    for planned in &plan.providers {
        let gates: Vec<&str> = planned.feature_gates.iter().copied().collect();
        let gates = if gates.is_empty() {
            String::new()
        } else {
            format!(", feature gates {}", gates.join(", "))
        };
        eprintln!(
            "  {} {} in {}{gates}",
            planned.provider.id(),
            planned.provider.version,
            planned.provider.namespace
        );
    }
    eprintln!("drover cannot do these for you:");
    for (number, step) in plan.manual_steps().iter().enumerate() {
        eprintln!("  {}. {step}", number + 1);
    }
    Ok(ExitCode::SUCCESS)
}
