//! `drover render DIR --out OUT | --stdout`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use drover_core::output::{self, TreeWriter};
use drover_core::render::render_cluster;

use super::validate;
use crate::cli::RenderArgs;

pub fn run(args: &RenderArgs) -> anyhow::Result<ExitCode> {
    let outcome = validate::check(&args.dir);
    if !outcome.problems.is_empty() {
        for problem in &outcome.problems {
            eprintln!("{problem}");
        }
        eprintln!("nothing rendered: {} problem(s)", outcome.problems.len());
        return Ok(ExitCode::from(1));
    }
    let Some((_, validation)) = outcome.validated else {
        return Ok(ExitCode::from(1));
    };
    let selected = validate::select(&validation, &args.clusters, &args.environments, &args.dir)?;

    if let Some(out) = &args.out {
        let mut writer = TreeWriter::create(out)?;
        for cluster in &selected {
            let rendered = render_cluster(cluster)?;
            writer.write_cluster(&rendered)?;
        }
        writer.finish()?;
        eprintln!(
            "rendered {} clusters into {}",
            selected.len(),
            out.display()
        );
    } else {
        let stdout = std::io::stdout();
        let mut stdout = stdout.lock();
        for cluster in &selected {
            let mut text = String::new();
            output::cluster_stream(&render_cluster(cluster)?, &mut text);
            stdout
                .write_all(text.as_bytes())
                .context("writing to standard output")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
