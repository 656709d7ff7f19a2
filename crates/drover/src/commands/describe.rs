//! `drover describe cluster NAME`.

use std::process::ExitCode;
use std::time::SystemTime;

use drover_core::fleetview::{DescribeOptions, describe};
use drover_kube::fleet::{DEFAULT_PAGE_SIZE, cluster_details, connect, find_claim};

use super::fleet_client::{block_on, options, structured};
use crate::cli::{DescribeArgs, DescribeClusterArgs, DescribeFormat, DescribeWhat};

pub fn run(args: &DescribeArgs) -> anyhow::Result<ExitCode> {
    match &args.what {
        DescribeWhat::Cluster(args) => cluster(args),
    }
}

fn cluster(args: &DescribeClusterArgs) -> anyhow::Result<ExitCode> {
    let (claim, details) = block_on(async {
        let client = connect(&options(&args.access)).await?;
        let claim = find_claim(&client, &args.name, args.namespace.as_deref()).await?;
        let details = cluster_details(&client, &claim, DEFAULT_PAGE_SIZE).await?;
        anyhow::Ok((claim, details))
    })??;
    let description = describe(
        &details.input(&claim),
        DescribeOptions {
            show_all_conditions: args.show_conditions,
            expand_machines: args.expand_machines,
        },
    );
    match args.output {
        DescribeFormat::Text => print!("{}", description.render_text(SystemTime::now())),
        DescribeFormat::Json => print!("{}", structured(&description, false)?),
        DescribeFormat::Yaml => print!("{}", structured(&description, true)?),
    }
    Ok(ExitCode::SUCCESS)
}
