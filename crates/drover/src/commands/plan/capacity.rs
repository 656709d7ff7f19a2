//! `drover plan --capacity`: per infrastructure, the host and environment tables, the claims that
//! do not fit, the N+1 check and the headroom; `--svg` writes the chart.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use comfy_table::{CellAlignment, Table, presets};
use drover_core::capacity::{
    self, CapacityPlan, CapacityReport, Resources, describe, format_bytes, format_cpu, reason_text,
};
use drover_core::fleet::Fleet;
use drover_core::resolve::ResolvedCluster;
use serde_json::json;

use crate::cli::{PlanArgs, ReportFormat};

pub fn run(
    args: &PlanArgs,
    fleet: &Fleet,
    clusters: &[ResolvedCluster],
) -> anyhow::Result<ExitCode> {
    let mut plans = Vec::new();
    for infrastructure in &fleet.infrastructures {
        plans.push(capacity::plan(&infrastructure.object, clusters)?);
    }
    let (night, sleeping) = capacity::with_hibernating_asleep(clusters);
    let mut night_plans = Vec::new();
    for infrastructure in &fleet.infrastructures {
        night_plans.push(capacity::plan(&infrastructure.object, &night)?);
    }
    let reclaimable = reclaimable(&plans, &night_plans);
    let fits = plans.iter().all(|plan| match plan {
        CapacityPlan::Planned(report) => report.fits,
        CapacityPlan::NotPlanned { .. } => true,
    });
    match args.output {
        ReportFormat::Json => {
            let report = json!({
                "fits": fits,
                "infrastructures": plans,
                "hibernated": {
                    "clusters": sleeping,
                    "infrastructures": night_plans,
                    "reclaimable": reclaimable,
                },
            });
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        ReportFormat::Text => {
            print!("{}", text(&plans));
            print!("{}", night_text(sleeping, &reclaimable));
        }
    }
    if let Some(svg) = &args.svg {
        write_charts(svg, &plans)?;
    }
    Ok(if fits {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Per planned infrastructure, what its clusters request (surge included) awake and with the
/// hibernating clusters asleep.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Reclaimable {
    infrastructure: String,
    awake: Resources,
    asleep: Resources,
    freed: Resources,
}

fn requested(report: &CapacityReport) -> Resources {
    report.totals.requested.plus(report.totals.surge)
}

fn reclaimable(awake: &[CapacityPlan], asleep: &[CapacityPlan]) -> Vec<Reclaimable> {
    awake
        .iter()
        .zip(asleep)
        .filter_map(|pair| match pair {
            (CapacityPlan::Planned(day), CapacityPlan::Planned(night)) => {
                let (awake, asleep) = (requested(day), requested(night));
                Some(Reclaimable {
                    infrastructure: day.infrastructure.clone(),
                    awake,
                    asleep,
                    freed: awake.minus(asleep),
                })
            }
            _ => None,
        })
        .collect()
}

/// The "while hibernating clusters sleep" section of the text report.
fn night_text(sleeping: usize, reclaimable: &[Reclaimable]) -> String {
    let mut out = String::new();
    if reclaimable.is_empty() || sleeping == 0 {
        return out;
    }
    let _ = writeln!(
        out,
        "\nWhile the {sleeping} cluster(s) with a hibernation schedule or request sleep (worker pools at their provider's minimum):\n"
    );
    let mut rows = table(&["infrastructure", "awake", "asleep", "reclaimable"], &[]);
    for row in reclaimable {
        rows.add_row(vec![
            row.infrastructure.clone(),
            describe(row.awake),
            describe(row.asleep),
            short(row.freed),
        ]);
    }
    let _ = writeln!(out, "{rows}");
    out
}

fn write_charts(file: &Path, plans: &[CapacityPlan]) -> anyhow::Result<()> {
    let reports: Vec<&CapacityReport> = plans
        .iter()
        .filter_map(|plan| match plan {
            CapacityPlan::Planned(report) => Some(report.as_ref()),
            CapacityPlan::NotPlanned { .. } => None,
        })
        .collect();
    if reports.is_empty() {
        anyhow::bail!(
            "--svg {}: no infrastructure lists hosts, nothing to draw",
            file.display()
        );
    }
    for report in &reports {
        let path = if reports.len() == 1 {
            file.to_owned()
        } else {
            chart_path(file, &report.infrastructure)
        };
        std::fs::write(&path, capacity::svg::render(report))
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// `chart.svg` + `metal` → `chart-metal.svg`.
fn chart_path(file: &Path, infrastructure: &str) -> PathBuf {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "capacity".to_owned());
    let extension = file
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_else(|| "svg".to_owned());
    file.with_file_name(format!("{stem}-{infrastructure}.{extension}"))
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        "-".to_owned()
    } else {
        format!("{:.0}%", part as f64 * 100.0 / whole as f64)
    }
}

fn cpu_of(used: Resources, total: Resources) -> String {
    format!(
        "{} / {} ({})",
        format_cpu(used.cpu_millis),
        format_cpu(total.cpu_millis),
        percent(used.cpu_millis, total.cpu_millis)
    )
}

fn memory_of(used: Resources, total: Resources) -> String {
    format!(
        "{} / {} ({})",
        format_bytes(used.memory_bytes),
        format_bytes(total.memory_bytes),
        percent(used.memory_bytes, total.memory_bytes)
    )
}

fn short(resources: Resources) -> String {
    if resources.is_zero() {
        "-".to_owned()
    } else {
        describe(resources)
    }
}

fn table(header: &[&str], right: &[usize]) -> Table {
    let mut table = Table::new();
    table.load_style(presets::ASCII_MARKDOWN);
    table.set_header(header.to_vec());
    for index in right {
        if let Some(column) = table.column_mut(*index) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}

/// The text report of every infrastructure.
pub fn text(plans: &[CapacityPlan]) -> String {
    let mut out = String::new();
    for (index, plan) in plans.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        match plan {
            CapacityPlan::NotPlanned {
                infrastructure,
                reason,
            } => {
                let _ = writeln!(out, "Infrastructure {infrastructure}: capacity {reason}");
            }
            CapacityPlan::Planned(report) => report_text(&mut out, report),
        }
    }
    out
}

fn report_text(out: &mut String, report: &CapacityReport) {
    let verdict = if report.fits {
        "every claim fits".to_owned()
    } else {
        format!("{} claim(s) do not fit", report.unfit.len())
    };
    let drain = if report.n_plus_one {
        "N+1 holds (every host can be drained)"
    } else {
        "N+1 fails (some hosts cannot be drained)"
    };
    let _ = writeln!(
        out,
        "Infrastructure {}: {} hosts, overcommit CPU ×{}, memory ×{}; {} clusters, {} VMs + {} surge VMs: {verdict}; {drain}",
        report.infrastructure,
        report.hosts.len(),
        report.overcommit.cpu,
        report.overcommit.memory,
        report.totals.clusters,
        report.totals.vms,
        report.totals.clusters,
    );
    let _ = writeln!(out, "Placement: {}.\n", report.strategy.describe());

    let mut hosts = table(
        &[
            "host",
            "CPU (vCPU)",
            "memory",
            "surge reserved",
            "VMs",
            "drain",
        ],
        &[1, 2, 4],
    );
    for host in &report.hosts {
        let used = host.allocated.plus(host.reserved);
        hosts.add_row(vec![
            host.host.name.clone(),
            cpu_of(used, host.host.capacity),
            memory_of(used, host.host.capacity),
            short(host.reserved),
            host.vms.iter().filter(|vm| !vm.surge).count().to_string(),
            if host.drain.drainable {
                "ok".to_owned()
            } else {
                format!("blocked: {}", host.drain.stranded.join(", "))
            },
        ]);
    }
    let totals = &report.totals;
    let used = report.hosts.iter().fold(Resources::default(), |s, h| {
        s.plus(h.allocated).plus(h.reserved)
    });
    hosts.add_row(vec![
        "total".to_owned(),
        cpu_of(used, totals.capacity),
        memory_of(used, totals.capacity),
        short(
            report
                .hosts
                .iter()
                .fold(Resources::default(), |s, h| s.plus(h.reserved)),
        ),
        report
            .hosts
            .iter()
            .map(|h| h.vms.iter().filter(|vm| !vm.surge).count())
            .sum::<usize>()
            .to_string(),
        String::new(),
    ]);
    let _ = writeln!(out, "{hosts}\n");

    let mut environments = table(
        &[
            "environment",
            "clusters",
            "VMs",
            "requested",
            "surge",
            "available",
            "not placed",
        ],
        &[1, 2],
    );
    for env in &report.environments {
        environments.add_row(vec![
            env.environment.clone(),
            env.clusters.to_string(),
            env.vms.to_string(),
            describe(env.requested),
            describe(env.surge),
            describe(env.available),
            short(env.not_placed),
        ]);
    }
    let _ = writeln!(out, "{environments}");

    if !totals.shortfall.is_zero() {
        let _ = writeln!(
            out,
            "\nRequested with surge: {} of {} capacity; short by {} in total.",
            describe(totals.requested.plus(totals.surge)),
            describe(totals.capacity),
            describe(totals.shortfall)
        );
    }
    if !report.unfit.is_empty() {
        let _ = writeln!(
            out,
            "\nDoes not fit (each claim tried whole, biggest first, on the room the ones before it left; the\ncontroller refuses these claims, and nothing of them is placed above):"
        );
        for short in &report.unfit {
            let _ = writeln!(
                out,
                "  {}/{} ({}): asks for {}; {} VM(s) find no host, {} missing",
                short.claim_namespace,
                short.cluster,
                short.environment,
                describe(short.requested),
                short.vms.len(),
                describe(short.missing)
            );
            for vm in &short.vms {
                let _ = writeln!(out, "    {}: {}", vm.vm, reason_text(vm));
            }
        }
    }
    if !report.headroom.is_empty() {
        let mut headroom = table(&["size", "VM", "largest new cluster that fits"], &[]);
        for room in &report.headroom {
            headroom.add_row(vec![
                room.size.clone(),
                describe(room.resources),
                match room.max_workers {
                    Some(1) => "1 control plane + 1 worker".to_owned(),
                    Some(workers) => format!("1 control plane + {workers} workers"),
                    None => "none".to_owned(),
                },
            ]);
        }
        let _ = writeln!(
            out,
            "\nHeadroom (a new cluster of one size, with its surge VM, on what is left):\n{headroom}"
        );
    }
}
