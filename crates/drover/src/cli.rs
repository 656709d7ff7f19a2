//! Command-line arguments.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

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
    /// Show what a render would change (against a previous render or the management cluster)
    /// and its impact on machines; or, with --capacity, whether the clusters fit their hosts.
    ///
    /// Exit codes: 0 no changes, 2 changes, 1 errors (invalid fleet, refused version step, an
    /// object the API server refuses). With --capacity: 0 everything fits, 1 some claim does not
    /// (or errors). Usage errors exit 64.
    Plan(PlanArgs),
    /// Print drover's CustomResourceDefinitions.
    Crds(CrdsArgs),
    /// Run the controller: reconcile WorkloadClusters in the management cluster.
    Controller(Box<ControllerArgs>),
    /// Print the manifests that install the controller (`drover install | kubectl apply -f -`).
    Install(InstallArgs),
    /// List the fleet's clusters or environments (from a management cluster).
    Get(GetArgs),
    /// Show one cluster and everything below it (from a management cluster).
    Describe(DescribeArgs),
    /// Wait until a cluster is Ready or deleted (from a management cluster).
    Wait(WaitArgs),
    /// Print or write a workload cluster's kubeconfig (from a management cluster).
    Kubeconfig(KubeconfigArgs),
    /// Put a cluster's worker pools to sleep now (break-glass: sets `spec.hibernated: true`;
    /// the GitOps way is to commit it). Wins over its schedule until the schedule's next edge.
    Hibernate(HibernateArgs),
    /// Wake a hibernated cluster now (break-glass: sets `spec.hibernated: false`). Wins over its
    /// schedule until the schedule's next edge.
    Wake(HibernateArgs),
    /// Generate Backstage catalog entities for the fleet and a Scaffolder template that writes
    /// valid claims. Exit 1 (nothing written) when the fleet is invalid.
    Backstage(BackstageArgs),
    /// Render the CAPI Operator objects that install the Cluster API providers a fleet needs
    /// (pinned versions, feature gates, namespaces), and say what is left to do by hand.
    Bootstrap(BootstrapArgs),
    /// Check a management cluster for a fleet: CRDs served, namespaces, CAAPH, the controller's
    /// RBAC, credentials. Exit 1 on any failed check.
    Preflight(PreflightArgs),
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

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    Text,
    /// One JSON object per line, with the span fields (claim, stage) flattened in.
    Json,
}

/// Arguments of `drover controller`. Every flag can also be set by the environment variable
/// named in its help.
#[derive(Debug, clap::Args)]
pub struct ControllerArgs {
    /// Kubeconfig file. Default: $KUBECONFIG or ~/.kube/config, else the in-cluster service
    /// account.
    #[arg(long, env = "DROVER_KUBECONFIG", value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context to use instead of the current one.
    #[arg(long, env = "DROVER_CONTEXT", value_name = "NAME")]
    pub context: Option<String>,
    /// Reconciles running at once, at most (never two of one claim).
    #[arg(long, env = "DROVER_CONCURRENCY",
          default_value_t = drover_kube::runtime::DEFAULT_CONCURRENCY,
          value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: u16,
    /// API requests a second, on average (client-side token bucket). Reconciles read from watch
    /// caches, so this budget is spent on writes; see docs/controller.md for sizing.
    #[arg(long, env = "DROVER_QPS",
          default_value_t = drover_kube::runtime::client::DEFAULT_QPS, value_parser = positive_f64)]
    pub qps: f64,
    /// API requests that may be sent at once after a quiet period (the bucket's size).
    #[arg(long, env = "DROVER_BURST",
          default_value_t = drover_kube::runtime::client::DEFAULT_BURST,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub burst: u32,
    /// How often a Ready claim is reconciled again without any change (e.g. `10m`, `1h`), ±10%
    /// at random so claims spread out. A resync reads the watch caches and sends no request.
    #[arg(long, env = "DROVER_RESYNC_PERIOD", default_value = "10m", value_name = "DURATION",
          value_parser = positive_duration)]
    pub resync_period: Duration,
    /// Address of the /metrics, /healthz and /readyz HTTP server.
    #[arg(
        long,
        env = "DROVER_METRICS_BIND",
        default_value = "0.0.0.0:8080",
        value_name = "ADDR"
    )]
    pub metrics_bind: SocketAddr,
    /// Elect a leader through a coordination.k8s.io Lease: only the leader reconciles. Turn off
    /// only with exactly one replica.
    #[arg(long, env = "DROVER_LEADER_ELECTION", default_value_t = true,
          action = clap::ArgAction::Set, value_name = "BOOL")]
    pub leader_election: bool,
    /// Namespace of the Lease. Default: the pod's namespace (in a cluster), else the kubeconfig
    /// context's namespace.
    #[arg(
        long,
        env = "DROVER_LEADER_ELECTION_NAMESPACE",
        value_name = "NAMESPACE"
    )]
    pub leader_election_namespace: Option<String>,
    /// Name of the Lease.
    #[arg(
        long,
        env = "DROVER_LEADER_ELECTION_LEASE_NAME",
        default_value = "drover-controller",
        value_name = "NAME"
    )]
    pub leader_election_lease_name: String,
    /// Name of this instance in events and the Lease holder. Default: the host name (the pod
    /// name).
    #[arg(long, env = "DROVER_INSTANCE_NAME", value_name = "NAME")]
    pub instance_name: Option<String>,
    /// Log line format.
    #[arg(long, env = "DROVER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Log filter, in RUST_LOG syntax (`info`, `drover_kube=debug,info`). Default: $RUST_LOG,
    /// else `info`.
    #[arg(long, env = "DROVER_LOG_LEVEL", value_name = "FILTER")]
    pub log_level: Option<String>,
}

fn positive_f64(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() && value > 0.0 => Ok(value),
        _ => Err(format!("`{text}` is not a positive number")),
    }
}

fn positive_duration(text: &str) -> Result<Duration, String> {
    match drover_core::duration::parse_duration(text)? {
        Duration::ZERO => Err("the resync period must be longer than 0s".to_owned()),
        duration => Ok(duration),
    }
}

/// Arguments of `drover install`.
#[derive(Debug, clap::Args)]
pub struct InstallArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ManifestFormat::Yaml)]
    pub output: ManifestFormat,
    /// Namespace of the controller (created).
    #[arg(long, default_value = drover_kube::install::DEFAULT_NAMESPACE)]
    pub namespace: String,
    /// Controller image. Default: ghcr.io/drover-dev/drover:<this version>, the tag the
    /// Containerfile's documented build produces.
    #[arg(long)]
    pub image: Option<String>,
    /// Namespace where drover writes Argo CD cluster Secrets; repeatable, must exist. A claim
    /// whose spec.gitops.argocd.namespace is not listed cannot be registered.
    #[arg(long = "argocd-namespace", value_name = "NAMESPACE",
          default_value = drover_kube::install::DEFAULT_ARGOCD_NAMESPACE)]
    pub argocd_namespaces: Vec<String>,
    /// Controller replicas; all but the leader stand by.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(i32).range(1..))]
    pub replicas: i32,
    /// Write the manifests as numbered files and a kustomization.yaml into DIR instead (for
    /// GitOps; the repository's deploy/ is `drover install --out deploy`). DIR is replaced as a
    /// whole, and only if empty or an earlier drover output.
    #[arg(long, value_name = "DIR", conflicts_with = "output")]
    pub out: Option<PathBuf>,
}

/// Arguments of `drover bootstrap`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["out", "stdout"])))]
pub struct BootstrapArgs {
    /// The fleet directory.
    pub dir: PathBuf,
    /// Write the objects as numbered files and a kustomization.yaml into OUT (replaced as a
    /// whole, and only if empty or an earlier drover output).
    #[arg(long, value_name = "OUT")]
    pub out: Option<PathBuf>,
    /// Write one multi-document YAML stream to standard output instead.
    #[arg(long)]
    pub stdout: bool,
}

/// Arguments of `drover preflight`.
#[derive(Debug, clap::Args)]
pub struct PreflightArgs {
    /// The fleet directory.
    pub dir: PathBuf,
    /// Namespace the controller runs in (as `drover install --namespace`): its service account's
    /// permissions are checked.
    #[arg(long, default_value = drover_kube::install::DEFAULT_NAMESPACE)]
    pub namespace: String,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Text)]
    pub output: ReportFormat,
    /// Connection.
    #[command(flatten)]
    pub access: ClusterAccess,
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
    /// A kubeconfig for people: sign in through the cluster's OIDC provider with the
    /// `kubectl oidc-login` plugin (kubelogin) instead of CAPI's admin credentials.
    #[arg(long)]
    pub oidc: bool,
    /// Connection.
    #[command(flatten)]
    pub access: ClusterAccess,
}

/// Arguments of `drover hibernate` and `drover wake`.
#[derive(Debug, clap::Args)]
pub struct HibernateArgs {
    /// The cluster (WorkloadCluster) name.
    pub name: String,
    /// The claim's namespace (default: found by name across namespaces).
    #[arg(short, long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// Take `spec.hibernated` over from another field manager (a GitOps tool that applied it;
    /// it sets the field back on its next sync unless the repository changes too).
    #[arg(long)]
    pub force: bool,
    /// Connection.
    #[command(flatten)]
    pub access: ClusterAccess,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn controller(args: &[&str]) -> Result<Box<ControllerArgs>, clap::Error> {
        let mut argv = vec!["drover", "controller"];
        argv.extend_from_slice(args);
        match Cli::try_parse_from(argv)?.command {
            Command::Controller(args) => Ok(args),
            other => panic!("parsed {other:?}"),
        }
    }

    #[test]
    fn controller_defaults() {
        let args = controller(&[]).expect("parses");
        assert_eq!(args.kubeconfig, None);
        assert_eq!(args.context, None);
        assert_eq!(args.concurrency, 16);
        assert_eq!(args.qps, 50.0);
        assert_eq!(args.burst, 300);
        assert_eq!(args.resync_period, Duration::from_secs(600));
        assert_eq!(args.metrics_bind, SocketAddr::from(([0, 0, 0, 0], 8080)));
        assert!(args.leader_election);
        assert_eq!(args.leader_election_namespace, None);
        assert_eq!(args.leader_election_lease_name, "drover-controller");
        assert_eq!(args.log_format, LogFormat::Text);
        assert_eq!(args.log_level, None);
    }

    #[test]
    fn controller_flags() {
        let args = controller(&[
            "--kubeconfig=/tmp/kc",
            "--context=mgmt",
            "--concurrency=16",
            "--qps=50.5",
            "--burst=100",
            "--resync-period=1h30m",
            "--metrics-bind=127.0.0.1:9090",
            "--leader-election=false",
            "--leader-election-namespace=ops",
            "--leader-election-lease-name=drover-b",
            "--instance-name=pod-1",
            "--log-format=json",
            "--log-level=debug",
        ])
        .expect("parses");
        assert_eq!(args.kubeconfig, Some(PathBuf::from("/tmp/kc")));
        assert_eq!(args.context.as_deref(), Some("mgmt"));
        assert_eq!(args.concurrency, 16);
        assert_eq!(args.qps, 50.5);
        assert_eq!(args.burst, 100);
        assert_eq!(args.resync_period, Duration::from_secs(5400));
        assert_eq!(args.metrics_bind, SocketAddr::from(([127, 0, 0, 1], 9090)));
        assert!(!args.leader_election);
        assert_eq!(args.leader_election_namespace.as_deref(), Some("ops"));
        assert_eq!(args.leader_election_lease_name, "drover-b");
        assert_eq!(args.instance_name.as_deref(), Some("pod-1"));
        assert_eq!(args.log_format, LogFormat::Json);
        assert_eq!(args.log_level.as_deref(), Some("debug"));
    }

    #[test]
    fn controller_rejects_bad_values() {
        for bad in [
            "--concurrency=0",
            "--qps=0",
            "--qps=-3",
            "--qps=fast",
            "--burst=0",
            "--resync-period=0s",
            "--resync-period=10 minutes",
            "--metrics-bind=8080",
            "--leader-election=maybe",
            "--log-format=xml",
        ] {
            let error = controller(&[bad]).expect_err(bad);
            assert!(
                matches!(
                    error.kind(),
                    clap::error::ErrorKind::ValueValidation | clap::error::ErrorKind::InvalidValue
                ),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn install_defaults_and_repeatable_argocd_namespaces() {
        let parse = |args: &[&str]| {
            let mut argv = vec!["drover", "install"];
            argv.extend_from_slice(args);
            match Cli::try_parse_from(argv).expect("parses").command {
                Command::Install(args) => args,
                other => panic!("parsed {other:?}"),
            }
        };
        let defaults = parse(&[]);
        assert_eq!(defaults.namespace, "drover-system");
        assert_eq!(defaults.argocd_namespaces, ["argocd"]);
        assert_eq!(defaults.image, None);
        assert_eq!(defaults.replicas, 2);
        assert_eq!(defaults.output, ManifestFormat::Yaml);
        let custom = parse(&[
            "--argocd-namespace=argo-a",
            "--argocd-namespace=argo-b",
            "-o",
            "json",
        ]);
        assert_eq!(custom.argocd_namespaces, ["argo-a", "argo-b"]);
        assert_eq!(custom.output, ManifestFormat::Json);
    }
}

/// Where the Scaffolder template opens its change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScmKind {
    /// A GitHub pull request (`publish:github:pull-request`).
    Github,
    /// A GitLab merge request (`publish:gitlab:merge-request`).
    Gitlab,
}

/// Arguments of `drover backstage`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["out", "stdout"])))]
pub struct BackstageArgs {
    /// The fleet directory.
    pub dir: PathBuf,
    /// Write the entities into OUT (catalog-info.yaml, the Location, lists the others). OUT is
    /// replaced as a whole, and only if empty or earlier drover output.
    #[arg(long, value_name = "OUT")]
    pub out: Option<PathBuf>,
    /// Write one multi-document YAML stream to standard output instead.
    #[arg(long)]
    pub stdout: bool,
    /// The fleet's name (its Domain); default: the fleet directory's name.
    #[arg(long, value_name = "NAME")]
    pub domain: Option<String>,
    /// Owner of the Domain, Systems, Infrastructure Resources and Template (entity reference).
    #[arg(long, value_name = "REF", default_value = "group:platform-team")]
    pub owner: String,
    /// Where the template opens its change: a GitHub pull request or a GitLab merge request.
    #[arg(long, value_enum, default_value_t = ScmKind::Github)]
    pub scm: ScmKind,
    /// The fleet repository as Backstage writes it (`github.com?owner=acme&repo=fleet`); without
    /// it, the form asks for the repository.
    #[arg(long, value_name = "REPO_URL")]
    pub repo_url: Option<String>,
    /// The fleet directory inside the repository.
    #[arg(long, value_name = "PATH", default_value = ".")]
    pub fleet_path: String,
    /// The folder of the fleet directory that new claims go into.
    #[arg(long, value_name = "DIR", default_value = "clusters")]
    pub claims_dir: String,
    /// Argo CD's web UI, for links from each cluster.
    #[arg(long, value_name = "URL")]
    pub argocd_url: Option<String>,
    /// The management cluster's name in Backstage's Kubernetes configuration
    /// (`backstage.io/kubernetes-cluster` on each cluster).
    #[arg(long, value_name = "NAME")]
    pub management_cluster: Option<String>,
}
