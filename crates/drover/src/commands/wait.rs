//! `drover wait cluster NAME --for ready|deleted --timeout 30m`: a spinner with the phase and
//! machine counts on a terminal, one line per change otherwise. Exit 0 when reached, 1 on timeout
//! (printing the last status), 2 when the cluster cannot get there.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use drover_core::fleetview::age::human_duration;
use drover_core::fleetview::{Goal, Progress};
use drover_kube::fleet::{FleetError, WaitOutcome, connect, find_claim, wait_for, watch_claim};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::fleet_client::{block_on, options};
use crate::cli::{WaitArgs, WaitClusterArgs, WaitFor, WaitWhat};

pub fn run(args: &WaitArgs) -> anyhow::Result<ExitCode> {
    match &args.what {
        WaitWhat::Cluster(args) => cluster(args),
    }
}

/// Shows progress: a spinner on a terminal, plain lines otherwise.
enum Display {
    Spinner(ProgressBar),
    Lines,
}

impl Display {
    fn new(name: &str) -> Self {
        if !std::io::stdout().is_terminal() {
            return Self::Lines;
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stdout());
        let style = ProgressStyle::with_template("{spinner} {prefix}: {wide_msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style);
        bar.set_prefix(name.to_owned());
        bar.set_message("waiting for the first status");
        bar.enable_steady_tick(Duration::from_millis(120));
        Self::Spinner(bar)
    }

    fn update(&self, name: &str, progress: &Progress) {
        match self {
            Self::Spinner(bar) => bar.set_message(progress.to_string()),
            Self::Lines => println!("{name}: {progress}"),
        }
    }

    /// Ends the display: the spinner gives way to the last status seen (lines mode printed it
    /// already), then `line` when there is one.
    fn finish(&self, name: &str, last: Option<&Progress>, line: Option<&str>) {
        if let Self::Spinner(bar) = self {
            bar.finish_and_clear();
            if let Some(progress) = last {
                println!("{name}: {progress}");
            }
        }
        if let Some(line) = line {
            println!("{line}");
        }
    }
}

fn cluster(args: &WaitClusterArgs) -> anyhow::Result<ExitCode> {
    let goal = match args.state {
        WaitFor::Ready => Goal::Ready,
        WaitFor::Deleted => Goal::Deleted,
    };
    let name = args.name.as_str();
    block_on(async {
        let client = connect(&options(&args.access)).await?;
        let claim = match find_claim(&client, name, args.namespace.as_deref()).await {
            Ok(claim) => claim,
            Err(FleetError::ClaimNotFound { .. }) if goal == Goal::Deleted => {
                println!("{name} is deleted");
                return Ok(ExitCode::SUCCESS);
            }
            Err(error) => return Err(error.into()),
        };
        let namespace = claim.metadata.namespace.clone().unwrap_or_default();
        let display = Display::new(name);
        let events = watch_claim(&client, &namespace, name);
        let outcome = wait_for(events, &namespace, name, goal, args.timeout, |progress| {
            display.update(name, progress)
        })
        .await;
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(error) => {
                display.finish(name, None, None);
                return Err(error.into());
            }
        };
        Ok(match outcome {
            WaitOutcome::Done(progress) => {
                let line = match goal {
                    Goal::Ready => format!("{name} is ready"),
                    Goal::Deleted => format!("{name} is deleted"),
                };
                display.finish(name, Some(&progress), Some(&line));
                ExitCode::SUCCESS
            }
            WaitOutcome::Hopeless { reason, last } => {
                display.finish(name, Some(&last), None);
                eprintln!("error: {name} will not become ready: {reason}");
                ExitCode::from(2)
            }
            WaitOutcome::TimedOut { last, error } => {
                display.finish(name, last.as_ref(), None);
                let waited =
                    human_duration(i64::try_from(args.timeout.as_secs()).unwrap_or(i64::MAX));
                match error {
                    Some(error) => {
                        eprintln!("error: timed out after {waited} (last watch error: {error})");
                    }
                    None => eprintln!("error: timed out after {waited}"),
                }
                ExitCode::from(1)
            }
        })
    })?
}
