//! `drover plan DIR [--against RENDERED_DIR | --kubeconfig FILE]` and `drover plan --capacity`.
//!
//! Exit codes, like `terraform plan -detailed-exitcode`: 0 no changes, 2 changes, 1 errors (an
//! invalid fleet, an unreadable previous render, a refused version step, an object the API
//! server refuses). `--capacity`: 0 when every claim fits, 1 when one does not.

mod capacity;
mod changes;

use std::process::ExitCode;

use anyhow::Context as _;
use drover_core::plan::{self, Plan, RenderSet};
use drover_core::render::render_cluster;

use super::validate;
use crate::cli::PlanArgs;

/// Page size of inventory lists in a live plan (the controller's default).
const LIST_PAGE_SIZE: u32 = 250;

pub fn run(args: &PlanArgs) -> anyhow::Result<ExitCode> {
    let outcome = validate::check(&args.dir);
    if !outcome.problems.is_empty() {
        for problem in &outcome.problems {
            eprintln!("{problem}");
        }
        eprintln!("nothing planned: {} problem(s)", outcome.problems.len());
        return Ok(ExitCode::from(1));
    }
    let Some((fleet, validation)) = outcome.validated else {
        return Ok(ExitCode::from(1));
    };
    if args.capacity {
        return capacity::run(args, &fleet, &validation.clusters);
    }
    let selected = validate::select(&validation, &args.clusters, &args.environments, &args.dir)?;
    let rendered = selected
        .iter()
        .map(|cluster| render_cluster(cluster))
        .collect::<Result<Vec<_>, _>>()?;

    if let Some(kubeconfig) = &args.kubeconfig {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        let live = runtime.block_on(async {
            let client = drover_kube::plan::connect(kubeconfig, args.context.as_deref()).await?;
            drover_kube::plan::live_plan(&client, &rendered, LIST_PAGE_SIZE).await
        })?;
        let against = match &args.context {
            Some(context) => {
                format!("the management cluster (context {context}), server-side dry run")
            }
            None => format!(
                "the management cluster of {}, server-side dry run",
                kubeconfig.display()
            ),
        };
        return changes::report(args.output, &live.plan, &live.problems, &against);
    }

    let after = plan::from_rendered(&rendered);
    let (plan, against) = match &args.against {
        Some(dir) => {
            let mut before = plan::read_render_dir(dir)?;
            keep_selected(&mut before, args);
            (
                plan::compare(&before, &after),
                format!("{} (a previous render)", dir.display()),
            )
        }
        None => (
            plan::create_all(&after),
            "nothing (every object is new)".to_owned(),
        ),
    };
    changes::report(args.output, &plan, &[], &against)
}

/// Drops the clusters of a previous render that `--cluster`/`--environment` leave out.
fn keep_selected(before: &mut RenderSet, args: &PlanArgs) {
    before.retain(|name, cluster| {
        (args.clusters.is_empty() || args.clusters.contains(name))
            && (args.environments.is_empty() || args.environments.contains(&cluster.environment))
    });
}

/// Exit code of a plan: 1 with problems, 2 with changes, else 0.
fn exit_code(plan: &Plan, problems: usize) -> ExitCode {
    if problems > 0 {
        ExitCode::from(1)
    } else if plan.has_changes() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}
