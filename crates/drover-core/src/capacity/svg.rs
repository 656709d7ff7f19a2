//! The capacity chart (`drover plan --capacity --svg FILE`): one pair of stacked bars per host
//! (CPU and memory, each as a share of the host's capacity) coloured by environment, with surge
//! reservations hatched and free room left white; below, the whole infrastructure's requests per
//! environment against its capacity (placed solid, not placed faded), so a shortfall shows as
//! bars running past the capacity line.
//!
//! Written as text, deterministically: the same report gives the same bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::report::CapacityReport;
use super::{Resources, format_bytes, format_cpu};

/// Colours of the usual environments (the seed's matrix); others take the palette in name order.
const KNOWN: [(&str, &str); 6] = [
    ("dev", "#4e79a7"),
    ("staging", "#f28e2b"),
    ("uat", "#76b7b2"),
    ("preprod", "#b07aa1"),
    ("production", "#59a14f"),
    ("sandbox", "#edc948"),
];
const PALETTE: [&str; 6] = [
    "#e15759", "#9c755f", "#ff9da7", "#bab0ac", "#17becf", "#8c564b",
];
const UNKNOWN_COLOUR: &str = "#777777";
/// Opacity of the part of an environment's request that found no host.
const NOT_PLACED_OPACITY: &str = "0.3";

const MIN_WIDTH: f64 = 800.0;
const BAR: f64 = 28.0;
const BAR_GAP: f64 = 4.0;
const MIN_GROUP: f64 = 2.0 * BAR + BAR_GAP + 28.0;
const CHART_HEIGHT: f64 = 220.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 60.0;
const SUMMARY_BAR: f64 = 18.0;
const SUMMARY_ROW: f64 = SUMMARY_BAR + 34.0;
const LEGEND_ROW: f64 = 20.0;
/// Rough width of one character of the 11px sans-serif text, for laying out the legend.
const CHAR_WIDTH: f64 = 6.5;

/// The colour of each environment of `report`.
pub fn environment_colours(report: &CapacityReport) -> BTreeMap<String, String> {
    let mut others = PALETTE.iter().cycle();
    report
        .environments
        .iter()
        .map(|env| {
            let colour = KNOWN
                .iter()
                .find(|(name, _)| *name == env.environment)
                .map(|(_, colour)| *colour)
                .or_else(|| others.next().copied())
                .unwrap_or(UNKNOWN_COLOUR);
            (env.environment.clone(), colour.to_owned())
        })
        .collect()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Which of a host's resources a bar shows.
#[derive(Clone, Copy)]
enum Axis {
    Cpu,
    Memory,
}

impl Axis {
    fn of(self, resources: Resources) -> u64 {
        match self {
            Self::Cpu => resources.cpu_millis,
            Self::Memory => resources.memory_bytes,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Cpu => "CPU",
            Self::Memory => "MEM",
        }
    }

    fn amount(self, value: u64) -> String {
        match self {
            Self::Cpu => format!("{} vCPU", format_cpu(value)),
            Self::Memory => format_bytes(value),
        }
    }
}

/// The legend's entries: (label, fill, class, opacity).
fn legend_entries(
    report: &CapacityReport,
    colours: &BTreeMap<String, String>,
) -> Vec<(String, String, &'static str, &'static str)> {
    let mut entries: Vec<_> = report
        .environments
        .iter()
        .map(|env| {
            (
                env.environment.clone(),
                colours
                    .get(&env.environment)
                    .cloned()
                    .unwrap_or_else(|| UNKNOWN_COLOUR.to_owned()),
                "environment",
                "1",
            )
        })
        .collect();
    entries.push((
        "surge reservation".to_owned(),
        "url(#surge)".to_owned(),
        "surge",
        "1",
    ));
    entries.push(("free".to_owned(), "#ffffff".to_owned(), "free", "1"));
    if report.environments.iter().any(|e| !e.not_placed.is_zero()) {
        entries.push((
            "not placed (faded)".to_owned(),
            "#777777".to_owned(),
            "not-placed",
            NOT_PLACED_OPACITY,
        ));
    }
    entries
}

/// Lays the legend out in rows of at most `width`: the x of each entry and its row.
fn legend_layout(labels: &[String], width: f64) -> Vec<(f64, usize)> {
    let mut x = LEFT;
    let mut row = 0;
    labels
        .iter()
        .map(|label| {
            let entry = 30.0 + CHAR_WIDTH * label.chars().count() as f64;
            if x + entry > width - RIGHT && x > LEFT {
                x = LEFT;
                row += 1;
            }
            let at = (x, row);
            x += entry;
            at
        })
        .collect()
}

/// Draws the chart of `report`.
pub fn render(report: &CapacityReport) -> String {
    let colours = environment_colours(report);
    let hosts = report.hosts.len().max(1) as f64;
    let width = (LEFT + hosts * MIN_GROUP + RIGHT).max(MIN_WIDTH);
    let chart_width = width - LEFT - RIGHT;
    let group = chart_width / hosts;
    let summary_top = TOP + CHART_HEIGHT + 78.0;
    let legend_top = summary_top + 2.0 * SUMMARY_ROW + 8.0;
    let entries = legend_entries(report, &colours);
    let labels: Vec<String> = entries.iter().map(|e| e.0.clone()).collect();
    let layout = legend_layout(&labels, width);
    let rows = layout.iter().map(|(_, row)| row + 1).max().unwrap_or(1);
    let height = legend_top + rows as f64 * LEGEND_ROW + 12.0;

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="sans-serif" font-size="11">"#
    );
    svg.push_str(
        "<defs><pattern id=\"surge\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" patternTransform=\"rotate(45)\">\
         <rect width=\"6\" height=\"6\" fill=\"#eeeeee\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#999999\" stroke-width=\"2\"/></pattern></defs>\n",
    );
    let _ = writeln!(
        svg,
        r##"<rect width="100%" height="100%" fill="#ffffff"/>"##
    );
    let verdict = match (report.fits, report.n_plus_one) {
        (true, true) => "every claim fits; every host can be drained (N+1)".to_owned(),
        (true, false) => "every claim fits; some hosts cannot be drained".to_owned(),
        (false, _) => format!(
            "{} of {} claims do not fit",
            report.unfit.len(),
            report.totals.clusters
        ),
    };
    let _ = writeln!(
        svg,
        r#"<text x="{LEFT}" y="24" font-size="15" font-weight="bold">Capacity of {}: {}</text>"#,
        escape(&report.infrastructure),
        escape(&verdict)
    );
    let _ = writeln!(
        svg,
        r##"<text x="{LEFT}" y="42" fill="#555555">Per host: CPU and memory used by each environment; hatched: kept free for surge VMs. Overcommit: CPU ×{}, memory ×{}.</text>"##,
        report.overcommit.cpu, report.overcommit.memory
    );
    for (fraction, label) in [(0.0, "0%"), (0.5, "50%"), (1.0, "100%")] {
        let y = TOP + CHART_HEIGHT * (1.0 - fraction);
        let _ = writeln!(
            svg,
            r##"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#dddddd"/><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#555555">{label}</text>"##,
            LEFT - 4.0,
            LEFT + chart_width,
            LEFT - 8.0,
            y + 4.0
        );
    }
    for (index, host) in report.hosts.iter().enumerate() {
        let centre = LEFT + (index as f64 + 0.5) * group;
        let x = centre - BAR - BAR_GAP / 2.0;
        host_bars(&mut svg, host, &colours, x);
        let _ = writeln!(
            svg,
            r#"<text x="{centre:.1}" y="{:.1}" text-anchor="middle" font-weight="bold">{}</text>"#,
            TOP + CHART_HEIGHT + 28.0,
            escape(&host.host.name)
        );
        let capacity = format!(
            "{} · {}",
            Axis::Cpu.amount(host.host.capacity.cpu_millis),
            Axis::Memory.amount(host.host.capacity.memory_bytes)
        );
        let _ = writeln!(
            svg,
            r##"<text x="{centre:.1}" y="{:.1}" text-anchor="middle" font-size="9" fill="#555555">{}</text>"##,
            TOP + CHART_HEIGHT + 40.0,
            escape(&capacity)
        );
        if !host.drain.drainable {
            let _ = writeln!(
                svg,
                r##"<text x="{centre:.1}" y="{:.1}" text-anchor="middle" font-size="9" fill="#c0392b">cannot be drained</text>"##,
                TOP + CHART_HEIGHT + 52.0
            );
        }
        svg.push_str("</g>\n");
    }
    summary(&mut svg, report, &colours, summary_top, chart_width);
    let _ = writeln!(svg, r#"<g class="legend">"#);
    for ((name, fill, class, opacity), (x, row)) in entries.iter().zip(layout) {
        let y = legend_top + row as f64 * LEGEND_ROW;
        let _ = writeln!(
            svg,
            r##"<rect class="legend-{class}" data-name="{}" x="{x:.1}" y="{y:.1}" width="12" height="12" fill="{fill}" fill-opacity="{opacity}" stroke="#333333"/><text x="{:.1}" y="{:.1}">{}</text>"##,
            escape(name),
            x + 16.0,
            y + 10.0,
            escape(name)
        );
    }
    svg.push_str("</g>\n</svg>\n");
    svg
}

/// Opens the host's group and draws its CPU and memory bars from `x`.
fn host_bars(
    svg: &mut String,
    host: &super::HostReport,
    colours: &BTreeMap<String, String>,
    x: f64,
) {
    let _ = writeln!(
        svg,
        r#"<g class="host" data-host="{}">"#,
        escape(&host.host.name)
    );
    for (column, axis) in [Axis::Cpu, Axis::Memory].into_iter().enumerate() {
        let bar_x = x + column as f64 * (BAR + BAR_GAP);
        let total = axis.of(host.host.capacity);
        let mut y = TOP + CHART_HEIGHT;
        let mut segment = |value: u64, fill: &str, class: &str, title: String, svg: &mut String| {
            let h = CHART_HEIGHT * share(value, total).min(1.0);
            if h <= 0.0 {
                return;
            }
            y -= h;
            let _ = writeln!(
                svg,
                r#"<rect class="{class}" x="{bar_x:.1}" y="{y:.1}" width="{BAR:.1}" height="{h:.1}" fill="{fill}"><title>{}</title></rect>"#,
                escape(&title)
            );
        };
        for (environment, used) in &host.by_environment {
            let colour = colours
                .get(environment)
                .map_or(UNKNOWN_COLOUR, String::as_str);
            segment(
                axis.of(*used),
                colour,
                "used",
                format!(
                    "{} {}: {environment} {}",
                    host.host.name,
                    axis.label(),
                    axis.amount(axis.of(*used))
                ),
                svg,
            );
        }
        segment(
            axis.of(host.reserved),
            "url(#surge)",
            "surge",
            format!(
                "{} {}: surge reservations {}",
                host.host.name,
                axis.label(),
                axis.amount(axis.of(host.reserved))
            ),
            svg,
        );
        let used = axis.of(host.allocated.plus(host.reserved));
        let _ = writeln!(
            svg,
            r##"<rect x="{bar_x:.1}" y="{TOP:.1}" width="{BAR:.1}" height="{CHART_HEIGHT:.1}" fill="none" stroke="#333333"><title>{}</title></rect>"##,
            escape(&format!(
                "{} {}: {} of {}",
                host.host.name,
                axis.label(),
                axis.amount(used),
                axis.amount(total)
            ))
        );
        let _ = writeln!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="9" fill="#555555">{}</text>"##,
            bar_x + BAR / 2.0,
            TOP + CHART_HEIGHT + 12.0,
            axis.label()
        );
    }
}

/// Requests per environment against the whole capacity, CPU and memory.
fn summary(
    svg: &mut String,
    report: &CapacityReport,
    colours: &BTreeMap<String, String>,
    top: f64,
    chart_width: f64,
) {
    let _ = writeln!(
        svg,
        r#"<text x="{LEFT}" y="{:.1}" font-weight="bold">Whole infrastructure: what each environment asks for (with surge VMs) against the capacity line</text>"#,
        top - 12.0
    );
    let totals = &report.totals;
    for (row, axis) in [Axis::Cpu, Axis::Memory].into_iter().enumerate() {
        let y = top + row as f64 * SUMMARY_ROW;
        let capacity = axis.of(totals.capacity);
        let requested = axis.of(totals.requested.plus(totals.surge));
        let unit = chart_width / capacity.max(requested).max(1) as f64;
        let _ = writeln!(svg, r#"<g class="summary" data-axis="{}">"#, axis.label());
        let mut x = LEFT;
        for env in &report.environments {
            let colour = colours
                .get(&env.environment)
                .map_or(UNKNOWN_COLOUR, String::as_str);
            let asked = axis.of(env.requested.plus(env.surge));
            let missing = axis.of(env.not_placed);
            for (value, opacity, what) in [
                (asked.saturating_sub(missing), "1", "placed"),
                (missing, NOT_PLACED_OPACITY, "not placed"),
            ] {
                let w = value as f64 * unit;
                if w <= 0.0 {
                    continue;
                }
                let _ = writeln!(
                    svg,
                    r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{SUMMARY_BAR:.1}" fill="{colour}" fill-opacity="{opacity}"><title>{}</title></rect>"#,
                    escape(&format!(
                        "{} {}: {} {what}",
                        env.environment,
                        axis.label(),
                        axis.amount(value)
                    ))
                );
                x += w;
            }
        }
        let cap_x = LEFT + capacity as f64 * unit;
        let _ = writeln!(
            svg,
            r##"<line x1="{cap_x:.1}" y1="{:.1}" x2="{cap_x:.1}" y2="{:.1}" stroke="#c0392b" stroke-width="2"/><text x="{:.1}" y="{:.1}" text-anchor="end" font-size="9" fill="#c0392b">capacity</text>"##,
            y - 4.0,
            y + SUMMARY_BAR + 4.0,
            cap_x - 3.0,
            y - 2.0
        );
        let short = requested.saturating_sub(capacity);
        let mut text = format!(
            "{}: {} asked of {} capacity",
            axis.label(),
            axis.amount(requested),
            axis.amount(capacity)
        );
        if short > 0 {
            let _ = write!(text, ", short by {}", axis.amount(short));
        }
        let _ = writeln!(
            svg,
            r##"<text x="{LEFT}" y="{:.1}" fill="#333333">{}</text>"##,
            y + SUMMARY_BAR + 14.0,
            escape(&text)
        );
        svg.push_str("</g>\n");
    }
}
