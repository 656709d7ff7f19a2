//! `drover hibernate NAME` / `drover wake NAME`: set `spec.hibernated` on one claim (server-side
//! apply, field manager `drover-cli`). A break-glass: the GitOps way is to commit the field.

use std::process::ExitCode;
use std::time::SystemTime;

use drover_kube::fleet::{connect, find_claim, request_hibernation};

use super::fleet_client::{block_on, options};
use crate::cli::HibernateArgs;

pub fn run(args: &HibernateArgs, hibernated: bool) -> anyhow::Result<ExitCode> {
    let stored = block_on(async {
        let client = connect(&options(&args.access)).await?;
        let claim = find_claim(&client, &args.name, args.namespace.as_deref()).await?;
        let stored =
            request_hibernation(&client, &claim, hibernated, SystemTime::now(), args.force).await?;
        anyhow::Ok(stored)
    })??;
    let namespace = stored.metadata.namespace.as_deref().unwrap_or_default();
    let name = stored.metadata.name.as_deref().unwrap_or_default();
    let what = if hibernated {
        "the controller scales its worker pools down to the provider's minimum; the control plane keeps running"
    } else {
        "the controller scales its worker pools back to the claim's replicas, if they fit"
    };
    println!("{namespace}/{name}: spec.hibernated: {hibernated} ({what}).");
    if stored.spec.hibernation.is_some() || stored.spec.environment.is_empty() {
        println!("It wins over the cluster's hibernation schedule until the schedule's next edge.");
    } else {
        println!(
            "It wins over any schedule of Environment {} until the schedule's next edge.",
            stored.spec.environment
        );
    }
    println!(
        "`drover get clusters` shows the state; commit the field to the fleet repository to keep it."
    );
    Ok(ExitCode::SUCCESS)
}
