//! `drover preflight`: checks a live management cluster against what a fleet needs
//! ([`drover_core::management::Requirements`]) and reports a checklist, each failed check with
//! its fix:
//!
//! - every CRD-served kind drover writes or reads is served at the version drover uses
//!   (discovery: `/apis` once, then `/apis/GROUP/VERSION` per needed group version);
//! - CAAPH serves `HelmChartProxy` when clusters have add-ons;
//! - the Argo CD namespaces claims name exist;
//! - the controller's service account may do what the controller does (the rules `drover
//!   install` grants, derived from the code) — asked with `SubjectAccessReview`s for that
//!   service account, see [`rbac`];
//! - provider prerequisites only the cluster can tell: KubeVirt and CDI served for KubeVirt
//!   Infrastructures, the credential Secrets providers read from fixed places present (metadata
//!   only: their content is never read).
//!
//! Reads only (discovery, GETs, and reviews that store nothing).

mod discovery;
pub mod rbac;

use drover_core::management::requirements::{HELM_CHART_PROXY, KUBEVIRT_KINDS, Requirements};
use k8s_openapi::api::core::v1::{Namespace, Secret};
use kube::{Api, Client};
use serde::Serialize;
use serde_json::{Value, json};

use discovery::Discovery;

/// A request the checks could not make (other than "not found", which is a failed check).
#[derive(Debug, thiserror::Error)]
#[error("{what}: {source}")]
pub struct PreflightError {
    /// What was being asked.
    pub what: String,
    /// The API error.
    #[source]
    pub source: kube::Error,
}

/// Part of the checklist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Section {
    /// Kinds and versions served.
    Crds,
    /// CAAPH for add-ons.
    Addons,
    /// Argo CD namespaces.
    ArgoCd,
    /// The controller's permissions.
    Rbac,
    /// Provider prerequisites.
    Providers,
}

impl Section {
    fn heading(self) -> &'static str {
        match self {
            Self::Crds => "CRDs: every kind drover writes or reads, at the version it uses",
            Self::Addons => "Add-ons",
            Self::ArgoCd => "Argo CD namespaces named by claims",
            Self::Rbac => "The controller's permissions (SubjectAccessReview)",
            Self::Providers => "Provider prerequisites",
        }
    }
}

/// One line of the checklist.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Its section.
    pub section: Section,
    /// What was checked.
    pub title: String,
    /// Whether it holds.
    pub ok: bool,
    /// What was found, when it does not hold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// How to fix it, when it does not hold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Check {
    fn pass(section: Section, title: impl Into<String>) -> Self {
        Self {
            section,
            title: title.into(),
            ok: true,
            detail: None,
            fix: None,
        }
    }

    fn fail(
        section: Section,
        title: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            section,
            title: title.into(),
            ok: false,
            detail: Some(detail.into()),
            fix: Some(fix.into()),
        }
    }
}

/// The checklist.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Every check, by section.
    pub checks: Vec<Check>,
}

impl Report {
    /// Whether every check holds.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }

    /// The failed checks.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.ok)
    }

    /// The checklist for people: ✓/✗ per check, with detail and fix under each ✗.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let mut section = None;
        for check in &self.checks {
            if section != Some(check.section) {
                section = Some(check.section);
                out.push_str(check.section.heading());
                out.push('\n');
            }
            let mark = if check.ok { '✓' } else { '✗' };
            out.push_str(&format!("  {mark} {}\n", check.title));
            if let Some(detail) = &check.detail {
                out.push_str(&format!("      {detail}\n"));
            }
            if let Some(fix) = &check.fix {
                out.push_str(&format!("      fix: {fix}\n"));
            }
        }
        let failed = self.failures().count();
        out.push_str(&format!(
            "{} checks, {} failed{}\n",
            self.checks.len(),
            failed,
            if failed == 0 {
                ": the management cluster is ready for this fleet"
            } else {
                ""
            }
        ));
        out
    }

    /// The checklist as JSON (`passed`, `checks`).
    pub fn json(&self) -> Value {
        json!({ "passed": self.passed(), "checks": self.checks })
    }
}

/// What to check besides the fleet's requirements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreflightOptions {
    /// The controller's namespace (`drover install --namespace`).
    pub controller_namespace: String,
    /// The controller's leader-election Lease.
    pub lease_name: String,
    /// The fleet directory, as the user named it (for fixes that run `drover bootstrap`).
    pub fleet_dir: String,
}

/// Runs every check.
pub async fn preflight(
    client: &Client,
    requirements: &Requirements,
    options: &PreflightOptions,
) -> Result<Report, PreflightError> {
    let discovery = Discovery::load(client, requirements).await?;
    let mut checks = Vec::new();
    for kind in &requirements.kinds {
        let served = discovery.serves(kind.group(), kind.version(), &kind.kind);
        let (section, title) = if kind.kind == HELM_CHART_PROXY {
            (
                Section::Addons,
                format!(
                    "CAAPH serves {} {} (add-ons of {} cluster(s); {} needed by {})",
                    kind.kind,
                    kind.api_version,
                    requirements.addon_clusters.len(),
                    kind.kind,
                    list(&kind.needed_by)
                ),
            )
        } else {
            (
                Section::Crds,
                format!("{} {} ({})", kind.kind, kind.api_version, kind.crd_name()),
            )
        };
        checks.push(match served {
            Ok(()) => Check::pass(section, title),
            Err(found) => Check::fail(
                section,
                title,
                format!("{found}; needed by {}", list(&kind.needed_by)),
                install_fix(&kind.installed_by, &options.fleet_dir),
            ),
        });
    }

    let namespaces = Api::<Namespace>::all(client.clone());
    for (namespace, claims) in &requirements.argocd_namespaces {
        let title = format!(
            "namespace {namespace} exists ({} claim(s) register there)",
            claims.len()
        );
        let found = namespaces
            .get_metadata_opt(namespace)
            .await
            .map_err(|source| PreflightError {
                what: format!("reading namespace {namespace}"),
                source,
            })?;
        checks.push(match found {
            Some(_) => Check::pass(Section::ArgoCd, title),
            None => Check::fail(
                Section::ArgoCd,
                title,
                format!("no namespace {namespace}; claims naming it: {}", list(claims)),
                format!(
                    "install Argo CD into {namespace}, then `drover install --argocd-namespace {namespace} | kubectl apply -f -`"
                ),
            ),
        });
    }

    let argocd: Vec<String> = requirements.argocd_namespaces.keys().cloned().collect();
    checks.extend(rbac::check(client, options, &argocd).await?);

    if requirements.kubevirt {
        for (kind, api_version, _) in KUBEVIRT_KINDS {
            let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
            let title = format!("KubeVirt Infrastructures: {kind} {api_version} served");
            checks.push(match discovery.serves(group, version, kind) {
                Ok(()) => Check::pass(Section::Providers, title),
                Err(found) => Check::fail(
                    Section::Providers,
                    title,
                    found,
                    "install KubeVirt and CDI on the management cluster (CAPK creates the VMs there)",
                ),
            });
        }
    }
    for secret in &requirements.secrets {
        let title = format!("Secret {}/{} exists", secret.namespace, secret.name);
        let found = Api::<Secret>::namespaced(client.clone(), &secret.namespace)
            .get_metadata_opt(&secret.name)
            .await
            .map_err(|source| PreflightError {
                what: format!("reading Secret {}/{}", secret.namespace, secret.name),
                source,
            })?;
        checks.push(match found {
            Some(_) => Check::pass(Section::Providers, title),
            None => Check::fail(
                Section::Providers,
                title,
                format!("not found; it holds the {}", secret.purpose),
                format!(
                    "create it in {} (see `drover bootstrap {} --stdout` for its keys)",
                    secret.namespace, options.fleet_dir
                ),
            ),
        });
    }
    checks.sort_by_key(|c| c.section);
    Ok(Report { checks })
}

fn list(items: &std::collections::BTreeSet<String>) -> String {
    const SHOWN: usize = 5;
    let mut shown: Vec<&str> = items.iter().take(SHOWN).map(String::as_str).collect();
    let more = items.len().saturating_sub(SHOWN);
    let more_text = format!("and {more} more");
    if more > 0 {
        shown.push(&more_text);
    }
    shown.join(", ")
}

fn install_fix(installed_by: &str, fleet_dir: &str) -> String {
    if installed_by == "drover install" {
        "install drover's CRDs: `drover install | kubectl apply -f -` (or `kubectl apply -k deploy/`)"
            .to_owned()
    } else if installed_by.contains("Provider/") {
        format!(
            "install {installed_by}: `drover bootstrap {fleet_dir} --stdout | kubectl apply -f -` with the Cluster API Operator running"
        )
    } else {
        format!("install {installed_by}")
    }
}
