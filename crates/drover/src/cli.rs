//! Command-line arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// drover: Kubernetes clusters as a service on top of Cluster API.
///
/// Offline, drover validates, renders and plans a fleet directory (WorkloadClusters,
/// Environments and Infrastructures as YAML files). Against a management cluster, `get`,
/// `describe`, `wait` and `kubeconfig` show the live fleet.
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
    /// Print drover's CustomResourceDefinitions.
    Crds(CrdsArgs),
    /// List the fleet's clusters or environments (from a management cluster).
    Get(GetArgs),
    /// Show one cluster and everything below it (from a management cluster).
    Describe(DescribeArgs),
    /// Wait until a cluster is Ready or deleted (from a management cluster).
    Wait(WaitArgs),
    /// Print or write a workload cluster's kubeconfig (from a management cluster).
    Kubeconfig(KubeconfigArgs),
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

/// How to reach the management cluster (as kubectl: `$KUBECONFIG` or `~/.kube/config` by
/// default, the in-cluster service account when there is neither).
#[derive(Debug, Clone, clap::Args)]
pub struct ClusterAccess {
    /// The kubeconfig file to use.
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use (default: the current context).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
}

/// Output format of fleet listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// A table.
    Text,
    /// A table with more columns.
    Wide,
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

/// Output format of `describe`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DescribeFormat {
    /// Fields and a tree.
    Text,
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

/// Arguments of `drover get`.
#[derive(Debug, clap::Args)]
pub struct GetArgs {
    /// What to list.
    #[command(subcommand)]
    pub what: GetWhat,
}

/// What `drover get` lists.
#[derive(Debug, Subcommand)]
pub enum GetWhat {
    /// Every WorkloadCluster: environment, infrastructure, version (current → target), phase,
    /// control plane and workers ready/desired, age.
    #[command(visible_aliases = ["cluster", "wc", "workloadclusters"])]
    Clusters(GetClustersArgs),
    /// Every Environment: version, target, promotion gate, clusters, maintenance window.
    #[command(visible_aliases = ["environment", "env", "envs"])]
    Environments(GetEnvironmentsArgs),
}

/// Arguments of `drover get clusters`.
#[derive(Debug, clap::Args)]
pub struct GetClustersArgs {
    /// Only claims in this namespace (default: all namespaces).
    #[arg(short, long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// All namespaces (the default; for kubectl habits).
    #[arg(short = 'A', long, conflicts_with = "namespace")]
    pub all_namespaces: bool,
    /// Only claims whose labels match this selector (`team=payments,tier!=test`).
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,
    /// Only clusters of this environment (repeatable).
    #[arg(long = "environment", value_name = "ENV")]
    pub environments: Vec<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ListFormat::Text)]
    pub output: ListFormat,
    /// Connection.
    #[command(flatten)]
    pub access: ClusterAccess,
}

/// Arguments of `drover get environments`.
#[derive(Debug, clap::Args)]
pub struct GetEnvironmentsArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ListFormat::Text)]
    pub output: ListFormat,
    /// Connection.
    #[command(flatten)]
    pub access: ClusterAccess,
}

/// Arguments of `drover describe`.
#[derive(Debug, clap::Args)]
pub struct DescribeArgs {
    /// What to describe.
    #[command(subcommand)]
    pub what: DescribeWhat,
}

/// What `drover describe` shows.
#[derive(Debug, Subcommand)]
pub enum DescribeWhat {
    /// A cluster: claim → CAPI Cluster → control plane → worker pools → Machines, with
    /// conditions, its Argo CD registration and its environment's promotion state.
    #[command(visible_aliases = ["clusters", "wc"])]
    Cluster(DescribeClusterArgs),
}

/// Arguments of `drover describe cluster`.
#[derive(Debug, clap::Args)]
pub struct DescribeClusterArgs {
    /// The cluster (WorkloadCluster) name; unique in the fleet.
    pub name: String,
    /// The claim's namespace (default: found by name).
    #[arg(short, long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// Show every condition of the claim, not only those that do not hold.
    #[arg(long)]
    pub show_conditions: bool,
    /// List every Machine instead of grouping more than three ready ones of a pool.
    #[arg(long)]
    pub expand_machines: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = DescribeFormat::Text)]
    pub output: DescribeFormat,
    /// Connection.
    #[command(flatten)]
    pub access: ClusterAccess,
}

/// Arguments of `drover wait`.
#[derive(Debug, clap::Args)]
pub struct WaitArgs {
    /// What to wait for.
    #[command(subcommand)]
    pub what: WaitWhat,
}

/// What `drover wait` waits for.
#[derive(Debug, Subcommand)]
pub enum WaitWhat {
    /// A cluster. Exit 0 when reached, 1 on timeout (with the last status), 2 when the cluster
    /// cannot get there (Failed, deleted while waiting for ready).
    #[command(visible_aliases = ["clusters", "wc"])]
    Cluster(WaitClusterArgs),
}

/// The state `drover wait cluster` waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WaitFor {
    /// Phase Ready at the claim's current generation.
    Ready,
    /// The claim is gone.
    Deleted,
}

/// Arguments of `drover wait cluster`.
#[derive(Debug, clap::Args)]
pub struct WaitClusterArgs {
    /// The cluster (WorkloadCluster) name.
    pub name: String,
    /// The claim's namespace (default: found by name).
    #[arg(short, long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// The state to wait for.
    #[arg(long = "for", value_enum, value_name = "STATE")]
    pub state: WaitFor,
    /// How long to wait (`90s`, `30m`, `1h30m`).
    #[arg(long, value_name = "DURATION", default_value = "30m", value_parser = parse_timeout)]
    pub timeout: std::time::Duration,
    /// Connection.
    #[command(flatten)]
    pub access: ClusterAccess,
}

fn parse_timeout(text: &str) -> Result<std::time::Duration, String> {
    drover_core::duration::parse_duration(text)
}

/// Arguments of `drover kubeconfig`.
#[derive(Debug, clap::Args)]
pub struct KubeconfigArgs {
    /// The cluster (WorkloadCluster) name.
    pub name: String,
    /// The claim's namespace (only used to explain a missing kubeconfig).
    #[arg(short, long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// Write the kubeconfig to this file (mode 0600, replaced atomically) instead of printing it.
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Connection.
    #[command(flatten)]
    pub access: ClusterAccess,
}
