//! Command-line arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// drover: Kubernetes clusters as a service on top of Cluster API.
///
/// Offline, drover validates, renders and plans a fleet directory (WorkloadClusters,
/// Environments and Infrastructures as YAML files).
#[derive(Debug, Parser)]
#[command(name = "drover", version, about, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a fleet directory: every problem with file, line, object and field. Exit 1 on any.
    Validate(ValidateArgs),
    /// Render the CAPI objects of every cluster in a fleet directory.
    Render(RenderArgs),
    /// Show what a render would change (against a previous render or the management cluster)
    /// and its impact on machines; or, with --capacity, whether the clusters fit their hosts.
    ///
    /// Exit codes: 0 no changes, 2 changes, 1 errors (invalid fleet, refused version step, an
    /// object the API server refuses). With --capacity: 0 everything fits, 1 some claim does not
    /// (or errors). Usage errors exit 64.
    Plan(PlanArgs),
    /// Print drover's CustomResourceDefinitions.
    Crds(CrdsArgs),
}

/// Output format of reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// For people.
    Text,
    /// For CI and bots.
    Json,
}

/// Arguments of `drover validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// The fleet directory (all *.yaml / *.yml files below it are read).
    pub dir: PathBuf,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Text)]
    pub output: ReportFormat,
}

/// Arguments of `drover render`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["out", "stdout"])))]
pub struct RenderArgs {
    /// The fleet directory.
    pub dir: PathBuf,
    /// Write `OUT/<environment>/<cluster>/` folders (numbered files in apply order and a
    /// kustomization.yaml). OUT is replaced as a whole, and only if empty or an earlier render.
    #[arg(long, value_name = "OUT")]
    pub out: Option<PathBuf>,
    /// Write one multi-document YAML stream to standard output instead.
    #[arg(long)]
    pub stdout: bool,
    /// Render only this cluster (repeatable).
    #[arg(long = "cluster", value_name = "NAME")]
    pub clusters: Vec<String>,
    /// Render only clusters of this environment (repeatable).
    #[arg(long = "environment", value_name = "ENV")]
    pub environments: Vec<String>,
}

/// Arguments of `drover plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The fleet directory.
    pub dir: PathBuf,
    /// Compare with a previous render (a folder written by `drover render --out`, e.g. the main
    /// branch's). Without it and without --kubeconfig, every object is to be created.
    #[arg(long, value_name = "RENDERED_DIR", conflicts_with_all = ["kubeconfig", "capacity"])]
    pub against: Option<PathBuf>,
    /// Compare with the management cluster of this kubeconfig: every object is server-side
    /// applied with dryRun=All (defaulting and webhooks included, nothing stored), and the
    /// inventory objects that would be pruned are listed.
    #[arg(long, value_name = "FILE", conflicts_with = "capacity")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context (default: its current context).
    #[arg(long, value_name = "NAME", requires = "kubeconfig")]
    pub context: Option<String>,
    /// Plan capacity instead: place every VM of every cluster on the hosts of each KubeVirt
    /// infrastructure (surge VMs, anti-affinity, overcommit, N+1).
    #[arg(long)]
    pub capacity: bool,
    /// With --capacity: draw a per-host chart coloured by environment as SVG (with several
    /// planned infrastructures, one file each: FILE's name plus `-<infrastructure>`).
    #[arg(long, value_name = "FILE", requires = "capacity")]
    pub svg: Option<PathBuf>,
    /// Plan only this cluster (repeatable).
    #[arg(long = "cluster", value_name = "NAME", conflicts_with = "capacity")]
    pub clusters: Vec<String>,
    /// Plan only clusters of this environment (repeatable).
    #[arg(long = "environment", value_name = "ENV", conflicts_with = "capacity")]
    pub environments: Vec<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Text)]
    pub output: ReportFormat,
}

/// Arguments of `drover crds`.
#[derive(Debug, clap::Args)]
pub struct CrdsArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ManifestFormat::Yaml)]
    pub output: ManifestFormat,
}

/// Output format of manifests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ManifestFormat {
    /// Multi-document YAML.
    Yaml,
    /// A JSON `List`.
    Json,
}
