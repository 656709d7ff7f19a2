//! Printing a plan: per cluster the objects that change (with their fields) and the impact on
//! machines, then a summary line; or the same as JSON.

use std::fmt::Write as _;
use std::process::ExitCode;

use drover_core::Diagnostic;
use drover_core::plan::{Action, ClusterAction, ClusterPlan, FieldChange, Impact, Plan, StepKind};
use serde_json::{Value, json};

use super::exit_code;
use crate::cli::ReportFormat;

/// Longest value printed in a field change before it is cut.
const MAX_VALUE: usize = 100;

pub fn report(
    format: ReportFormat,
    plan: &Plan,
    extra_problems: &[Diagnostic],
    against: &str,
) -> anyhow::Result<ExitCode> {
    let problems: Vec<&Diagnostic> = plan.problems().chain(extra_problems).collect();
    let code = exit_code(plan, problems.len());
    match format {
        ReportFormat::Json => {
            let report = json!({
                "against": against,
                "changes": plan.has_changes(),
                "summary": plan.summary(),
                "clusters": plan.clusters,
                "problems": problems,
            });
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        ReportFormat::Text => {
            print!("{}", text(plan, against));
            for problem in &problems {
                eprintln!("error: {problem}");
            }
        }
    }
    Ok(code)
}

/// The whole text report.
pub fn text(plan: &Plan, against: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Plan of {} cluster(s) against {against}\n",
        plan.clusters.len()
    );
    for cluster in &plan.clusters {
        cluster_text(&mut out, cluster);
    }
    let s = plan.summary();
    let _ = writeln!(
        out,
        "\nPlan: clusters {} to create, {} to change, {} to delete, {} unchanged; objects {} to create, {} to change, {} to replace, {} to delete; {} machine(s) roll.",
        s.clusters_created,
        s.clusters_changed,
        s.clusters_deleted,
        s.clusters_unchanged,
        s.objects_created,
        s.objects_changed,
        s.objects_replaced,
        s.objects_deleted,
        s.machines_rolling
    );
    out
}

fn cluster_text(out: &mut String, cluster: &ClusterPlan) {
    let title = format!("{}/{}", cluster.environment, cluster.cluster);
    let groups = cluster
        .impact
        .machines
        .iter()
        .map(|g| format!("{} {}", g.group, machines(g.machines)))
        .collect::<Vec<_>>()
        .join(", ");
    match cluster.action {
        ClusterAction::NoChange => {
            let _ = writeln!(out, "{title}: no changes");
            return;
        }
        ClusterAction::Create => {
            let _ = writeln!(
                out,
                "{title}: create {} objects ({groups})",
                cluster.objects.len()
            );
        }
        ClusterAction::Delete => {
            let _ = writeln!(
                out,
                "{title}: delete {} objects ({groups})",
                cluster.objects.len()
            );
        }
        ClusterAction::Change => {
            let count = |action: Action| {
                cluster
                    .objects
                    .iter()
                    .filter(|o| o.action == action)
                    .count()
            };
            let parts: Vec<String> = [
                (Action::Create, "to create"),
                (Action::Change, "to change"),
                (Action::Replace, "to replace"),
                (Action::Delete, "to delete"),
            ]
            .into_iter()
            .filter(|(action, _)| count(*action) > 0)
            .map(|(action, words)| format!("{} {words}", count(action)))
            .collect();
            let _ = writeln!(
                out,
                "{title}: {} ({} unchanged)",
                parts.join(", "),
                cluster.unchanged_objects
            );
        }
    }
    for object in &cluster.objects {
        let _ = write!(out, "  {} {}", object.action.symbol(), object.describe());
        if let Some(old) = &object.replaces {
            let _ = write!(out, ", replacing {old}");
        }
        out.push('\n');
        for field in &object.fields {
            let _ = writeln!(out, "      {}", field_text(field));
        }
    }
    if cluster.action == ClusterAction::Change {
        impact_text(out, &cluster.impact);
    }
}

fn machines(count: i64) -> String {
    if count == 1 {
        "1 machine".to_owned()
    } else {
        format!("{count} machines")
    }
}

fn value_text(value: Option<&Value>) -> String {
    let Some(value) = value else {
        return "(none)".to_owned();
    };
    let text = value.to_string();
    if text.chars().count() > MAX_VALUE {
        let cut: String = text.chars().take(MAX_VALUE).collect();
        format!("{cut}…")
    } else {
        text
    }
}

fn field_text(field: &FieldChange) -> String {
    format!(
        "{}: {} → {}",
        field.path,
        value_text(field.before.as_ref()),
        value_text(field.after.as_ref())
    )
}

fn impact_text(out: &mut String, impact: &Impact) {
    if let Some(step) = &impact.version {
        let kind = match step.kind {
            StepKind::Patch => "patch release",
            StepKind::Minor => "next minor version: control plane first, then each worker pool",
            StepKind::SkipsMinor => "REFUSED: skips a minor version",
            StepKind::Downgrade => "REFUSED: downgrade",
            StepKind::Major => "REFUSED: major version change",
        };
        let _ = writeln!(out, "  version {} → {} ({kind})", step.from, step.to);
    }
    for rollout in &impact.rollouts {
        let surge = match rollout.max_surge {
            Some(1) => ", 1 surge machine".to_owned(),
            Some(n) => format!(", {n} surge machines"),
            None => ", replaced by the provider".to_owned(),
        };
        let _ = writeln!(
            out,
            "  rolls {}: {}{surge} ({})",
            rollout.group,
            machines(rollout.machines),
            rollout.reasons.join("; ")
        );
    }
    for scaling in &impact.scaling {
        let _ = writeln!(
            out,
            "  scales {}: {} → {}",
            scaling.group,
            machines(scaling.from),
            scaling.to
        );
    }
    if !impact.rollouts.is_empty() {
        let _ = write!(
            out,
            "  surge machines at once: {} (one group at a time",
            impact.surge_vms
        );
        if impact.surge_vms_concurrent != impact.surge_vms {
            let _ = write!(
                out,
                "; {} if all rolled together",
                impact.surge_vms_concurrent
            );
        }
        out.push_str(")\n");
    }
}
