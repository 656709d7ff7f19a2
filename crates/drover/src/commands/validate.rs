//! `drover validate DIR`.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::ExitCode;

use drover_core::Diagnostic;
use drover_core::fleet::{self, Fleet};
use drover_core::pipeline::{self, Validation};
use drover_core::resolve::ResolvedCluster;
use serde_json::json;

use crate::cli::{ReportFormat, ValidateArgs};

pub fn run(args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    let outcome = check(&args.dir);
    match args.output {
        ReportFormat::Text => {
            for problem in &outcome.problems {
                println!("{problem}");
            }
            if outcome.problems.is_empty() {
                println!("{}: valid", outcome.summary());
            } else {
                println!(
                    "{}: {} problem(s)",
                    outcome.summary(),
                    outcome.problems.len()
                );
            }
        }
        ReportFormat::Json => {
            let report = json!({
                "valid": outcome.problems.is_empty(),
                "clusters": outcome.clusters,
                "environments": outcome.environments,
                "infrastructures": outcome.infrastructures,
                "problems": outcome.problems,
            });
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
    }
    Ok(if outcome.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// What `validate` found in a fleet directory.
pub struct Outcome {
    /// Claims read.
    pub clusters: usize,
    /// Environments the claims use (or defined, when there are no claims).
    pub environments: usize,
    /// Infrastructures the claims use (or defined).
    pub infrastructures: usize,
    /// Every problem.
    pub problems: Vec<Diagnostic>,
    /// The fleet and its validation, when it could be loaded.
    pub validated: Option<(Fleet, Validation)>,
}

impl Outcome {
    fn summary(&self) -> String {
        format!(
            "{} clusters in {} environments on {} infrastructures",
            self.clusters, self.environments, self.infrastructures
        )
    }
}

/// Loads and validates `dir`: loading problems and the problems of every object that loaded.
pub fn check(dir: &Path) -> Outcome {
    let (fleet, mut problems) = fleet::load_dir_partial(dir);
    let validation = pipeline::validate(&fleet);
    problems.extend(validation.diagnostics.iter().cloned());
    problems.sort();
    problems.dedup();
    let used = |names: BTreeSet<&str>, defined: usize| {
        if names.is_empty() {
            defined
        } else {
            names.len()
        }
    };
    let environments = used(
        fleet
            .clusters
            .iter()
            .map(|c| c.object.spec.environment.as_str())
            .collect(),
        fleet.environments.len(),
    );
    let infrastructures = used(
        fleet
            .clusters
            .iter()
            .map(|c| c.object.spec.infrastructure.as_str())
            .collect(),
        fleet.infrastructures.len(),
    );
    Outcome {
        clusters: fleet.clusters.len(),
        environments,
        infrastructures,
        problems,
        validated: Some((fleet, validation)),
    }
}

/// The clusters of `validation` named by `--cluster` and in an environment of `--environment`
/// (all when none are given). A name or environment that matches nothing is an error.
pub fn select<'a>(
    validation: &'a Validation,
    clusters: &[String],
    environments: &[String],
    dir: &Path,
) -> anyhow::Result<Vec<&'a ResolvedCluster>> {
    for wanted in clusters {
        if !validation.clusters.iter().any(|c| &c.name == wanted) {
            anyhow::bail!("--cluster {wanted}: no such cluster in {}", dir.display());
        }
    }
    for wanted in environments {
        if !validation.clusters.iter().any(|c| &c.environment == wanted) {
            anyhow::bail!(
                "--environment {wanted}: no cluster of that environment in {}",
                dir.display()
            );
        }
    }
    Ok(validation
        .clusters
        .iter()
        .filter(|c| clusters.is_empty() || clusters.contains(&c.name))
        .filter(|c| environments.is_empty() || environments.contains(&c.environment))
        .collect())
}
