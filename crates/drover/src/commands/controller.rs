//! `drover controller`: flags to [`RuntimeConfig`], logging, the tokio runtime; the rest is
//! `drover_kube::runtime`.

use std::process::ExitCode;

use anyhow::Context as _;
use drover_kube::runtime::client::ClientOptions;
use drover_kube::runtime::{self, LeaderElection, LeaseTiming, RuntimeConfig};
use tracing_subscriber::EnvFilter;

use crate::cli::{ControllerArgs, LogFormat};

pub fn run(args: &ControllerArgs) -> anyhow::Result<ExitCode> {
    init_logging(args)?;
    let config = runtime_config(args);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    match runtime.block_on(runtime::run(config)) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(error) => {
            tracing::error!(%error, "controller stopped");
            Err(error.into())
        }
    }
}

/// The runtime configuration the flags describe.
pub fn runtime_config(args: &ControllerArgs) -> RuntimeConfig {
    let mut config = RuntimeConfig::new();
    config.client = ClientOptions {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
        qps: args.qps,
        burst: args.burst,
    };
    config.concurrency = args.concurrency;
    config.settings.resync_interval = args.resync_period;
    config.metrics_bind = args.metrics_bind;
    config.leader_election = args.leader_election.then(|| LeaderElection {
        namespace: args.leader_election_namespace.clone(),
        lease_name: args.leader_election_lease_name.clone(),
        timing: LeaseTiming::default(),
    });
    config.instance = args.instance_name.clone();
    config
}

/// Logs to standard error: `--log-level`, else `RUST_LOG`, else `info`.
fn init_logging(args: &ControllerArgs) -> anyhow::Result<()> {
    let filter = match &args.log_level {
        Some(level) => {
            EnvFilter::try_new(level).with_context(|| format!("--log-level `{level}`"))?
        }
        None => EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let installed = match args.log_format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
    installed.map_err(|error| anyhow::anyhow!("installing the logger: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;
    use std::time::Duration;

    fn parse(args: &[&str]) -> RuntimeConfig {
        let mut argv = vec!["drover", "controller"];
        argv.extend_from_slice(args);
        match Cli::parse_from(argv).command {
            Command::Controller(args) => runtime_config(&args),
            other => panic!("parsed {other:?}"),
        }
    }

    #[test]
    fn defaults_are_the_runtime_defaults() {
        assert_eq!(parse(&[]), RuntimeConfig::new());
        assert_eq!(parse(&[]).settings.resync_jitter_percent, 10);
    }

    #[test]
    fn flags_reach_the_runtime() {
        let config = parse(&[
            "--resync-period=30m",
            "--qps=5",
            "--burst=7",
            "--concurrency=2",
            "--leader-election-namespace=ops",
        ]);
        assert_eq!(config.settings.resync_interval, Duration::from_secs(1800));
        assert_eq!((config.client.qps, config.client.burst), (5.0, 7));
        assert_eq!(config.concurrency, 2);
        assert_eq!(
            config.leader_election,
            Some(LeaderElection {
                namespace: Some("ops".to_owned()),
                lease_name: "drover-controller".to_owned(),
                timing: LeaseTiming::default(),
            })
        );
        assert_eq!(parse(&["--leader-election=false"]).leader_election, None);
    }

    #[test]
    fn the_installed_deployment_passes_valid_flags() {
        let options = drover_kube::install::InstallOptions::default();
        let objects = drover_kube::install::manifests(&options).expect("manifests");
        let deployment = objects
            .iter()
            .find(|o| o["kind"] == "Deployment")
            .expect("Deployment");
        let container = &deployment["spec"]["template"]["spec"]["containers"][0];
        let args: Vec<&str> = container["args"]
            .as_array()
            .expect("args")
            .iter()
            .filter_map(|a| a.as_str())
            .collect();
        let mut argv = vec!["drover"];
        argv.extend(&args);
        let parsed = Cli::try_parse_from(argv).expect("the Deployment's args parse");
        let Command::Controller(args) = parsed.command else {
            panic!("the Deployment runs `drover controller`");
        };
        assert!(args.leader_election);
        assert_eq!(args.log_format, LogFormat::Json);
        assert_eq!(args.metrics_bind.port(), drover_kube::install::METRICS_PORT);
        // The environment variables it sets are flags too.
        let env: Vec<&str> = container["env"]
            .as_array()
            .expect("env")
            .iter()
            .filter_map(|e| e["name"].as_str())
            .collect();
        assert_eq!(
            env,
            [
                "DROVER_LEADER_ELECTION_NAMESPACE",
                "DROVER_INSTANCE_NAME",
                "RUST_LOG"
            ]
        );
    }
}
