//! The API client of the controller: where the kubeconfig comes from, and the client-side rate
//! limit under it.

use std::path::PathBuf;

use kube::client::ClientBuilder;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use super::rate_limit::{RateLimitError, RateLimitLayer};

/// How to reach the API server.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientOptions {
    /// A kubeconfig file; `None` infers: `$KUBECONFIG` or `~/.kube/config`, else the in-cluster
    /// service account.
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use instead of its current context.
    pub context: Option<String>,
    /// Requests a second, on average.
    pub qps: f64,
    /// Requests that may be sent at once after a quiet period.
    pub burst: u32,
}

/// Default `--qps`: kubectl's. The controller reads from watch caches, so its requests are
/// writes (and a few Secret reads); the API server's priority and fairness protects itself from
/// any one client, and a wave of new claims should be applied as fast as `kubectl apply` would.
pub const DEFAULT_QPS: f64 = 50.0;
/// Default `--burst`: kubectl's.
pub const DEFAULT_BURST: u32 = 300;

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            kubeconfig: None,
            context: None,
            qps: DEFAULT_QPS,
            burst: DEFAULT_BURST,
        }
    }
}

/// Why no client could be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The kubeconfig file could not be read or used.
    #[error("kubeconfig {path}: {source}")]
    Kubeconfig {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: kube::config::KubeconfigError,
    },
    /// The kubeconfig context could not be loaded.
    #[error("kubeconfig context {context}: {source}")]
    Context {
        /// The context.
        context: String,
        /// What went wrong.
        #[source]
        source: kube::config::KubeconfigError,
    },
    /// Neither a kubeconfig nor an in-cluster service account was found.
    #[error("no kubeconfig and not in a cluster: {0}")]
    Infer(#[from] kube::config::InferConfigError),
    /// The HTTP client could not be built (TLS material, proxy).
    #[error("building the API client: {0}")]
    Build(#[source] kube::Error),
    /// `--qps` or `--burst` is out of range.
    #[error(transparent)]
    RateLimit(#[from] RateLimitError),
}

/// The client configuration [`ClientOptions`] select.
pub async fn config(options: &ClientOptions) -> Result<Config, ClientError> {
    let kube_options = KubeConfigOptions {
        context: options.context.clone(),
        ..KubeConfigOptions::default()
    };
    match (&options.kubeconfig, &options.context) {
        (Some(path), _) => {
            let error = |source| ClientError::Kubeconfig {
                path: path.clone(),
                source,
            };
            let kubeconfig = Kubeconfig::read_from(path).map_err(error)?;
            Config::from_custom_kubeconfig(kubeconfig, &kube_options)
                .await
                .map_err(error)
        }
        (None, Some(context)) => Config::from_kubeconfig(&kube_options)
            .await
            .map_err(|source| ClientError::Context {
                context: context.clone(),
                source,
            }),
        (None, None) => Ok(Config::infer().await?),
    }
}

/// A client for `config`, rate limited by `qps` and `burst`.
pub fn client(config: Config, qps: f64, burst: u32) -> Result<Client, ClientError> {
    let limit = RateLimitLayer::new(qps, burst)?;
    let builder = ClientBuilder::try_from(config).map_err(ClientError::Build)?;
    Ok(builder.with_layer(&limit).build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    const KUBECONFIG: &str = "apiVersion: v1\nkind: Config\nclusters:\n- name: one\n  cluster:\n    server: https://one.example:6443\n- name: two\n  cluster:\n    server: https://two.example:6443\ncontexts:\n- name: one\n  context: { cluster: one, user: admin, namespace: ops }\n- name: two\n  context: { cluster: two, user: admin }\ncurrent-context: one\nusers:\n- name: admin\n  user: { token: not-a-real-token }\n";

    fn kubeconfig_file() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("scratch dir");
        let path = dir.path().join("config");
        let mut file = std::fs::File::create(&path).expect("create");
        file.write_all(KUBECONFIG.as_bytes()).expect("write");
        (dir, path)
    }

    #[tokio::test]
    async fn a_kubeconfig_file_and_context_are_used() {
        let (_dir, path) = kubeconfig_file();
        let mut options = ClientOptions {
            kubeconfig: Some(path.clone()),
            ..ClientOptions::default()
        };
        let current = config(&options).await.expect("current context");
        assert_eq!(current.cluster_url.to_string(), "https://one.example:6443/");
        assert_eq!(current.default_namespace, "ops");
        options.context = Some("two".to_owned());
        let two = config(&options).await.expect("context two");
        assert_eq!(two.cluster_url.to_string(), "https://two.example:6443/");
        assert_eq!(two.default_namespace, "default");
        options.context = Some("three".to_owned());
        assert!(config(&options).await.is_err());
    }

    #[tokio::test]
    async fn a_missing_kubeconfig_names_the_file() {
        let options = ClientOptions {
            kubeconfig: Some(PathBuf::from("/nonexistent/drover/kubeconfig")),
            ..ClientOptions::default()
        };
        let error = config(&options).await.expect_err("no file");
        assert!(
            error.to_string().contains("/nonexistent/drover/kubeconfig"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn bad_rate_limits_are_refused() {
        let (_dir, path) = kubeconfig_file();
        let options = ClientOptions {
            kubeconfig: Some(path),
            ..ClientOptions::default()
        };
        let loaded = config(&options).await.expect("config");
        assert!(matches!(
            client(loaded.clone(), 0.0, 10),
            Err(ClientError::RateLimit(_))
        ));
        assert!(client(loaded, 5.0, 10).is_ok());
    }
}
