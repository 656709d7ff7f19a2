//! `drover backstage DIR --out OUT | --stdout`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use drover_core::backstage::{self, Options, Scm};
use drover_core::output::TreeWriter;

use super::validate;
use crate::cli::{BackstageArgs, ScmKind};

pub fn run(args: &BackstageArgs) -> anyhow::Result<ExitCode> {
    let outcome = validate::check(&args.dir);
    if !outcome.problems.is_empty() {
        for problem in &outcome.problems {
            eprintln!("{problem}");
        }
        eprintln!("nothing generated: {} problem(s)", outcome.problems.len());
        return Ok(ExitCode::from(1));
    }
    let Some((fleet, validation)) = outcome.validated else {
        return Ok(ExitCode::from(1));
    };
    let options = Options {
        domain: args.domain.clone().unwrap_or_else(|| fleet_name(&args.dir)),
        owner: args.owner.clone(),
        scm: match args.scm {
            ScmKind::Github => Scm::Github,
            ScmKind::Gitlab => Scm::Gitlab,
        },
        repo_url: args.repo_url.clone(),
        fleet_path: args.fleet_path.clone(),
        claims_dir: args.claims_dir.clone(),
        argocd_url: args.argocd_url.clone(),
        management_cluster: args.management_cluster.clone(),
    };
    let documents = match backstage::generate(&fleet, &validation, &options) {
        Ok(documents) => documents,
        Err(problems) => {
            for problem in &problems {
                eprintln!("{problem}");
            }
            eprintln!("nothing generated: {} problem(s)", problems.len());
            return Ok(ExitCode::from(1));
        }
    };
    if let Some(out) = &args.out {
        let mut writer = TreeWriter::create(out)?;
        for document in &documents {
            writer.write_file(
                Path::new(&document.path),
                &drover_yaml::to_yaml(&document.entity),
            )?;
        }
        writer.finish()?;
        eprintln!(
            "wrote {} Backstage entities into {} (register {}/{})",
            documents.len(),
            out.display(),
            out.display(),
            backstage::LOCATION_FILE
        );
    } else {
        std::io::stdout()
            .lock()
            .write_all(backstage::stream(&documents).as_bytes())
            .context("writing to standard output")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The fleet directory's own name (`examples/fleet` → `fleet`), as the default Domain.
fn fleet_name(dir: &Path) -> String {
    dir.canonicalize()
        .ok()
        .and_then(|path| path.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "fleet".to_owned())
}
