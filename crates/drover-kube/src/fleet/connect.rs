//! A client for the management cluster, configured as kubectl would be: `--kubeconfig FILE`
//! (else `$KUBECONFIG`, else `~/.kube/config`), `--context NAME` (else the current context),
//! and the in-cluster service account when there is no kubeconfig and no flag asks for one.

use std::path::PathBuf;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

/// Where the connection settings come from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnectOptions {
    /// A kubeconfig file instead of the default ones.
    pub kubeconfig: Option<PathBuf>,
    /// A context of the kubeconfig instead of its current context.
    pub context: Option<String>,
}

/// The client could not be configured. kube's configuration errors repeat their causes in their
/// messages, so they are part of these messages and not `source()`s (`{:#}` would repeat them).
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The kubeconfig file given could not be read or parsed.
    #[error("reading kubeconfig {}: {error}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        error: kube::config::KubeconfigError,
    },
    /// The kubeconfig does not give a usable configuration (unknown context, no cluster, ...).
    #[error("kubeconfig{}: {error}", context.as_ref().map(|c| format!(" context {c}")).unwrap_or_default())]
    Kubeconfig {
        /// The context asked for.
        context: Option<String>,
        /// What went wrong.
        error: kube::config::KubeconfigError,
    },
    /// Neither a kubeconfig nor an in-cluster service account.
    #[error("no kubeconfig found and not running in a cluster: {0}")]
    Infer(kube::config::InferConfigError),
    /// The configuration is unusable for a client (e.g. bad TLS data).
    #[error("creating the API client: {0}")]
    Client(kube::Error),
}

/// The configuration for `options`.
pub async fn config(options: &ConnectOptions) -> Result<Config, ConnectError> {
    let kube_options = KubeConfigOptions {
        context: options.context.clone(),
        ..KubeConfigOptions::default()
    };
    let kubeconfig_error = |error| ConnectError::Kubeconfig {
        context: options.context.clone(),
        error,
    };
    match (&options.kubeconfig, &options.context) {
        (Some(path), _) => {
            let file = Kubeconfig::read_from(path).map_err(|error| ConnectError::Read {
                path: path.clone(),
                error,
            })?;
            Config::from_custom_kubeconfig(file, &kube_options)
                .await
                .map_err(kubeconfig_error)
        }
        (None, Some(_)) => Config::from_kubeconfig(&kube_options)
            .await
            .map_err(kubeconfig_error),
        (None, None) => Config::infer().await.map_err(ConnectError::Infer),
    }
}

/// A client for `options`.
pub async fn connect(options: &ConnectOptions) -> Result<Client, ConnectError> {
    Client::try_from(config(options).await?).map_err(ConnectError::Client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kubeconfig_file(text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("drover-connect-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join(format!("{}.yaml", text.len()));
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        path
    }

    const TWO_CONTEXTS: &str = "apiVersion: v1\nkind: Config\nclusters:\n- name: mgmt\n  cluster: {server: 'https://10.0.0.1:6443'}\n- name: other\n  cluster: {server: 'https://10.0.0.2:6443'}\nusers:\n- name: me\n  user: {token: abc}\ncontexts:\n- name: mgmt\n  context: {cluster: mgmt, user: me}\n- name: other\n  context: {cluster: other, user: me}\ncurrent-context: mgmt\n";

    #[tokio::test]
    async fn the_context_flag_picks_the_cluster() {
        let path = kubeconfig_file(TWO_CONTEXTS);
        let current = config(&ConnectOptions {
            kubeconfig: Some(path.clone()),
            context: None,
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(current.cluster_url.to_string(), "https://10.0.0.1:6443/");
        let other = config(&ConnectOptions {
            kubeconfig: Some(path.clone()),
            context: Some("other".to_owned()),
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(other.cluster_url.to_string(), "https://10.0.0.2:6443/");
        let missing = config(&ConnectOptions {
            kubeconfig: Some(path),
            context: Some("nope".to_owned()),
        })
        .await;
        let message = missing.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.starts_with("kubeconfig context nope:"), "{message}");
    }

    #[tokio::test]
    async fn an_unreadable_kubeconfig_names_the_file() {
        let path = PathBuf::from("/nonexistent/drover/kubeconfig");
        let error = config(&ConnectOptions {
            kubeconfig: Some(path),
            context: None,
        })
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(
            error.starts_with("reading kubeconfig /nonexistent/drover/kubeconfig:"),
            "{error}"
        );
    }
}
