//! What the commands reading a management cluster share: an async runtime, the connection, and
//! JSON/YAML output of their models.

use std::future::Future;

use anyhow::Context as _;
use drover_kube::fleet::ConnectOptions;
use serde::Serialize;

use crate::cli::ClusterAccess;

/// Runs `future` on a single-threaded runtime (the commands make one request at a time).
pub fn block_on<F: Future>(future: F) -> anyhow::Result<F::Output> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    Ok(runtime.block_on(future))
}

/// The connection settings of `access`.
pub fn options(access: &ClusterAccess) -> ConnectOptions {
    ConnectOptions {
        kubeconfig: access.kubeconfig.clone(),
        context: access.context.clone(),
    }
}

/// `value` as pretty JSON or YAML, ending in a newline.
pub fn structured<T: Serialize>(value: &T, yaml: bool) -> anyhow::Result<String> {
    let json = serde_json::to_value(value).context("serializing the output")?;
    Ok(if yaml {
        drover_yaml::to_yaml(&json)
    } else {
        let mut text = serde_json::to_string_pretty(&json).context("serializing the output")?;
        text.push('\n');
        text
    })
}
