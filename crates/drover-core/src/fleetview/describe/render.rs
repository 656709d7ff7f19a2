//! `describe cluster` as text: a block of `Field: value` lines about the claim, its Argo CD
//! registration and its environment's promotion, then the object tree as a table with tree
//! branches (`├─`, `└─`) in the NAME column, then what could not be read.

use std::fmt::Write as _;
use std::time::SystemTime;

use super::tree::{Node, replicas_text};
use super::{Description, RegistrationState};
use crate::fleetview::age::{UNKNOWN, since};
use crate::fleetview::clusters::counts_text;
use crate::fleetview::environments::Gate;
use crate::fleetview::table::Table;

impl Description {
    /// The description as text, ages relative to `now`.
    pub fn render_text(&self, now: SystemTime) -> String {
        let mut fields: Vec<(&str, String)> = Vec::new();
        let row = &self.summary.row;
        let or_unknown = |value: &Option<String>| value.clone().unwrap_or_else(|| UNKNOWN.into());
        fields.push(("Name", row.name.clone()));
        fields.push(("Namespace", row.namespace.clone()));
        fields.push(("Environment", row.environment.clone()));
        fields.push(("Infrastructure", row.infrastructure.clone()));
        let mut phase = row.phase_text();
        if !row.synced && row.phase.is_some() {
            phase.push_str(" (status is of an earlier generation)");
        }
        fields.push(("Phase", phase));
        fields.push(("Version", row.version_text()));
        fields.push(("Endpoint", or_unknown(&row.endpoint)));
        fields.push(("Control plane", ready_text(row.control_plane)));
        fields.push(("Workers", ready_text(row.workers)));
        fields.push(("CAPI namespace", self.summary.capi_namespace.clone()));
        fields.push(("Argo CD", registration_text(&self.registration, now)));
        self.promotion_fields(&mut fields);
        fields.push((
            "Created",
            match &row.created {
                Some(created) => format!("{created} ({} ago)", since(Some(created), now)),
                None => UNKNOWN.to_owned(),
            },
        ));

        // `Key:` and at least two spaces before every value.
        let width = fields.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 3;
        let mut out = String::new();
        for (key, value) in &fields {
            let _ = writeln!(out, "{:<width$}{value}", format!("{key}:"));
        }
        out.push('\n');
        if !self.security.is_empty() {
            out.push_str("Security baseline:\n");
            let width = self
                .security
                .iter()
                .map(|s| s.setting.len())
                .max()
                .unwrap_or(0)
                + 3;
            for setting in &self.security {
                let _ = writeln!(
                    out,
                    "  {:<width$}{}",
                    format!("{}:", setting.setting),
                    setting.value
                );
            }
            out.push('\n');
        }

        let mut table = Table::new([
            "NAME", "READY", "REPLICAS", "VERSION", "SINCE", "REASON", "MESSAGE",
        ]);
        add_rows(&mut table, &self.tree, "", "", now);
        out.push_str(&table.render());

        if !self.warnings.is_empty() {
            out.push_str("\nWarnings:\n");
            for warning in &self.warnings {
                let _ = writeln!(out, "  {warning}");
            }
        }
        out
    }

    fn promotion_fields(&self, fields: &mut Vec<(&'static str, String)>) {
        let Some(promotion) = &self.promotion else {
            fields.push((
                "Promotion",
                format!(
                    "unknown (Environment {} not read)",
                    self.summary.row.environment
                ),
            ));
            return;
        };
        let env = &promotion.environment;
        let gate = match (&env.promotion_from, env.gate) {
            (None, _) => "none: follows the environment's version directly".to_owned(),
            (Some(from), gate) => {
                let soak = env
                    .soak
                    .as_ref()
                    .map(|s| format!(" after {s} soak"))
                    .unwrap_or_default();
                format!("from {from}{soak}; gate {}", gate_word(gate))
            }
        };
        fields.push(("Promotion", gate));
        if let Some(blocked_by) = &env.blocked_by {
            fields.push(("Blocked by", blocked_by.clone()));
        }
        let at_target = env
            .clusters
            .at_target
            .map(|n| format!(", {n}/{} clusters there", env.clusters.total))
            .unwrap_or_default();
        fields.push((
            "Target",
            match &env.target_version {
                Some(target) => format!("{target} (environment spec {}{at_target})", env.version),
                None => format!("{UNKNOWN} (environment spec {})", env.version),
            },
        ));
        fields.push((
            "Window",
            env.window.clone().unwrap_or_else(|| "any time".to_owned()),
        ));
    }
}

fn gate_word(gate: Gate) -> &'static str {
    match gate {
        Gate::None => "none",
        Gate::Blocked => "blocked",
        Gate::Passed => "passed",
        Gate::Unknown => "not reported yet",
    }
}

fn ready_text(counts: Option<drover_api::workload_cluster::ReplicaCounts>) -> String {
    match counts {
        Some(_) => format!("{} ready", counts_text(counts)),
        None => UNKNOWN.to_owned(),
    }
}

fn registration_text(registration: &RegistrationState, now: SystemTime) -> String {
    match registration {
        RegistrationState::Disabled => "disabled for this claim".to_owned(),
        RegistrationState::Registered {
            namespace,
            name,
            created,
        } => {
            let age = created
                .as_deref()
                .map(|c| format!(", created {} ago", since(Some(c), now)))
                .unwrap_or_default();
            format!("registered (Secret {namespace}/{name}{age})")
        }
        RegistrationState::Missing { namespace, name } => {
            format!("not registered (no Secret {namespace}/{name})")
        }
        RegistrationState::Unknown {
            namespace,
            name,
            reason,
        } => format!("unknown (Secret {namespace}/{name}: {reason})"),
    }
}

fn add_rows(table: &mut Table, node: &Node, branch: &str, indent: &str, now: SystemTime) {
    table.row([
        format!("{branch}{}", node.name),
        node.ready.clone().unwrap_or_default(),
        replicas_text(node),
        node.version.clone().unwrap_or_default(),
        node.last_transition_time
            .as_deref()
            .map(|t| since(Some(t), now))
            .unwrap_or_default(),
        node.reason.clone().unwrap_or_default(),
        node.message.clone().unwrap_or_default(),
    ]);
    let count = node.children.len();
    for (index, child) in node.children.iter().enumerate() {
        let last = index + 1 == count;
        let child_branch = format!("{indent}{}", if last { "└─" } else { "├─" });
        let child_indent = format!("{indent}{}", if last { "  " } else { "│ " });
        add_rows(table, child, &child_branch, &child_indent, now);
    }
}
