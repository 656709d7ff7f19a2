//! `drover get clusters` and `drover get environments`.

use std::process::ExitCode;
use std::time::SystemTime;

use drover_core::fleetview::{cluster_rows, clusters_table, environment_rows, environments_table};
use drover_kube::fleet::{DEFAULT_PAGE_SIZE, Scope, connect, list_claims, list_environments};

use super::fleet_client::{block_on, options, structured};
use crate::cli::{GetArgs, GetClustersArgs, GetEnvironmentsArgs, GetWhat, ListFormat};

pub fn run(args: &GetArgs) -> anyhow::Result<ExitCode> {
    match &args.what {
        GetWhat::Clusters(args) => clusters(args),
        GetWhat::Environments(args) => environments(args),
    }
}

fn clusters(args: &GetClustersArgs) -> anyhow::Result<ExitCode> {
    let scope = match &args.namespace {
        Some(namespace) => Scope::Namespace(namespace.clone()),
        None => Scope::All,
    };
    let claims = block_on(async {
        let client = connect(&options(&args.access)).await?;
        anyhow::Ok(list_claims(&client, &scope, args.selector.as_deref(), DEFAULT_PAGE_SIZE).await?)
    })??;
    let rows = cluster_rows(&claims, &args.environments);
    match args.output {
        ListFormat::Text | ListFormat::Wide if rows.is_empty() => {
            eprintln!("No clusters found {scope}.");
        }
        ListFormat::Text | ListFormat::Wide => print!(
            "{}",
            clusters_table(&rows, args.output == ListFormat::Wide, SystemTime::now())
        ),
        ListFormat::Json => print!("{}", structured(&rows, false)?),
        ListFormat::Yaml => print!("{}", structured(&rows, true)?),
    }
    Ok(ExitCode::SUCCESS)
}

fn environments(args: &GetEnvironmentsArgs) -> anyhow::Result<ExitCode> {
    let (environments, claims) = block_on(async {
        let client = connect(&options(&args.access)).await?;
        let environments = list_environments(&client, DEFAULT_PAGE_SIZE).await?;
        let claims = match list_claims(&client, &Scope::All, None, DEFAULT_PAGE_SIZE).await {
            Ok(claims) => claims,
            Err(error) if error.is_forbidden() => {
                eprintln!("warning: {error}; CLUSTERS counts only what could be read");
                Vec::new()
            }
            Err(error) => return Err(error.into()),
        };
        anyhow::Ok((environments, claims))
    })??;
    let rows = environment_rows(&environments, &claims);
    match args.output {
        ListFormat::Text | ListFormat::Wide if rows.is_empty() => {
            eprintln!("No environments found.");
        }
        ListFormat::Text | ListFormat::Wide => print!(
            "{}",
            environments_table(&rows, args.output == ListFormat::Wide, SystemTime::now())
        ),
        ListFormat::Json => print!("{}", structured(&rows, false)?),
        ListFormat::Yaml => print!("{}", structured(&rows, true)?),
    }
    Ok(ExitCode::SUCCESS)
}
