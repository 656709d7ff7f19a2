//! Reading the credentials out of CAPI's kubeconfig. Pure: text in, [`Credentials`] out.
//!
//! Credentials never leave this module in readable form except through
//! [`Credentials::argocd_config`], which builds the one place they are meant to go (the Argo CD
//! cluster Secret). `Debug` is redacted and errors never quote the kubeconfig.

use std::fmt;

use kube::config::{AuthInfo, Kubeconfig};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value, json};

/// Why a kubeconfig could not be turned into Argo CD credentials. Messages never contain any
/// part of the kubeconfig beyond names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KubeconfigError {
    /// The text is not UTF-8 or not a kubeconfig (the parser's message is dropped: it may quote
    /// the text).
    #[error("the kubeconfig Secret does not hold a readable kubeconfig")]
    Unreadable,
    /// No context to use: no `current-context` and not exactly one context.
    #[error("the kubeconfig has no current-context and not exactly one context")]
    NoContext,
    /// The context names a cluster that is not in the file.
    #[error("the kubeconfig's context refers to cluster `{0}`, which it does not define")]
    NoCluster(String),
    /// The cluster has no `server`.
    #[error("the kubeconfig's cluster `{0}` has no server")]
    NoServer(String),
    /// The user is missing or has neither client certificate data nor a token.
    #[error("the kubeconfig's user `{0}` has neither client certificate data nor a token")]
    NoCredentials(String),
    /// The kubeconfig points at files, which mean nothing outside the machine that wrote it.
    #[error(
        "the kubeconfig refers to credential files (`{0}`); only inline data can be registered"
    )]
    FileReference(&'static str),
}

/// Server URL and credentials of one cluster.
#[derive(Clone)]
pub struct Credentials {
    /// API server URL.
    pub server: String,
    ca_data: Option<String>,
    cert_data: Option<String>,
    key_data: Option<SecretString>,
    token: Option<SecretString>,
    insecure: bool,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("server", &self.server)
            .field("credentials", &"<redacted>")
            .finish()
    }
}

impl Credentials {
    /// Argo CD's cluster `config` JSON: `{"tlsClientConfig":{"caData","certData","keyData"}}`
    /// (base64, as in the kubeconfig) and `bearerToken` for token users.
    pub fn argocd_config(&self) -> String {
        let mut tls = Map::new();
        if self.insecure {
            tls.insert("insecure".to_owned(), json!(true));
        }
        if let Some(ca) = &self.ca_data {
            tls.insert("caData".to_owned(), json!(ca));
        }
        if let Some(cert) = &self.cert_data {
            tls.insert("certData".to_owned(), json!(cert));
        }
        if let Some(key) = &self.key_data {
            tls.insert("keyData".to_owned(), json!(key.expose_secret()));
        }
        let mut config = Map::new();
        if let Some(token) = &self.token {
            config.insert("bearerToken".to_owned(), json!(token.expose_secret()));
        }
        config.insert("tlsClientConfig".to_owned(), Value::Object(tls));
        Value::Object(config).to_string()
    }
}

/// Parses `text` and returns the server and credentials of its current context (or its only
/// context).
pub fn parse(text: &str) -> Result<Credentials, KubeconfigError> {
    let config = Kubeconfig::from_yaml(text).map_err(|_| KubeconfigError::Unreadable)?;
    let context = match &config.current_context {
        Some(name) => config.contexts.iter().find(|c| &c.name == name),
        None if config.contexts.len() == 1 => config.contexts.first(),
        None => None,
    };
    let context = context
        .and_then(|c| c.context.as_ref())
        .ok_or(KubeconfigError::NoContext)?;
    let cluster = config
        .clusters
        .iter()
        .find(|c| c.name == context.cluster)
        .and_then(|c| c.cluster.as_ref())
        .ok_or_else(|| KubeconfigError::NoCluster(context.cluster.clone()))?;
    let server = cluster
        .server
        .clone()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| KubeconfigError::NoServer(context.cluster.clone()))?;
    if cluster.certificate_authority.is_some() && cluster.certificate_authority_data.is_none() {
        return Err(KubeconfigError::FileReference("certificate-authority"));
    }
    let user_name = context.user.clone().unwrap_or_default();
    let user = config
        .auth_infos
        .iter()
        .find(|u| u.name == user_name)
        .and_then(|u| u.auth_info.as_ref())
        .ok_or_else(|| KubeconfigError::NoCredentials(user_name.clone()))?;
    check_user(user, &user_name)?;
    Ok(Credentials {
        server,
        ca_data: cluster.certificate_authority_data.clone(),
        cert_data: user.client_certificate_data.clone(),
        key_data: user.client_key_data.clone(),
        token: user.token.clone(),
        insecure: cluster.insecure_skip_tls_verify == Some(true),
    })
}

fn check_user(user: &AuthInfo, name: &str) -> Result<(), KubeconfigError> {
    if user.client_certificate.is_some() && user.client_certificate_data.is_none() {
        return Err(KubeconfigError::FileReference("client-certificate"));
    }
    if user.client_key.is_some() && user.client_key_data.is_none() {
        return Err(KubeconfigError::FileReference("client-key"));
    }
    let certificate = user.client_certificate_data.is_some() && user.client_key_data.is_some();
    if certificate || user.token.is_some() {
        Ok(())
    } else {
        Err(KubeconfigError::NoCredentials(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape CAPI writes (`<cluster>-kubeconfig`, key `value`).
    pub(crate) fn capi_kubeconfig(server: &str, key: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: payments\n  cluster:\n    server: {server}\n    certificate-authority-data: Q0EtREFUQQ==\ncontexts:\n- name: payments-admin@payments\n  context:\n    cluster: payments\n    user: payments-admin\ncurrent-context: payments-admin@payments\nusers:\n- name: payments-admin\n  user:\n    client-certificate-data: Q0VSVA==\n    client-key-data: {key}\n"
        )
    }

    #[test]
    fn reads_server_and_inline_credentials() {
        let text = capi_kubeconfig("https://10.0.0.5:6443", "S0VZLVNFQ1JFVA==");
        let credentials = parse(&text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(credentials.server, "https://10.0.0.5:6443");
        assert_eq!(
            credentials.argocd_config(),
            r#"{"tlsClientConfig":{"caData":"Q0EtREFUQQ==","certData":"Q0VSVA==","keyData":"S0VZLVNFQ1JFVA=="}}"#
        );
    }

    #[test]
    fn debug_does_not_show_credentials() {
        let text = capi_kubeconfig("https://10.0.0.5:6443", "S0VZLVNFQ1JFVA==");
        let credentials = parse(&text).unwrap_or_else(|e| panic!("{e}"));
        let debug = format!("{credentials:?}");
        assert!(
            !debug.contains("S0VZ") && !debug.contains("Q0VSVA"),
            "{debug}"
        );
    }

    #[test]
    fn token_users_get_a_bearer_token() {
        let text = "clusters:\n- name: c\n  cluster:\n    server: https://h:6443\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\nusers:\n- name: u\n  user:\n    token: abc\n";
        let credentials = parse(text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            credentials.argocd_config(),
            r#"{"bearerToken":"abc","tlsClientConfig":{}}"#
        );
    }

    #[test]
    fn broken_kubeconfigs_are_refused_without_quoting_them() {
        let garbage = "clusters: [ {name: SECRET-IN-TEXT";
        let error = parse(garbage).err();
        assert_eq!(error, Some(KubeconfigError::Unreadable));
        assert!(
            !error
                .map(|e| e.to_string())
                .unwrap_or_default()
                .contains("SECRET")
        );

        let no_user =
            capi_kubeconfig("https://h:6443", "x").replace("    client-key-data: x\n", "");
        assert_eq!(
            parse(&no_user).err(),
            Some(KubeconfigError::NoCredentials("payments-admin".into()))
        );

        let files = "clusters:\n- name: c\n  cluster:\n    server: https://h\n    certificate-authority: /tmp/ca\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\nusers:\n- name: u\n  user: {token: t}\n";
        assert_eq!(
            parse(files).err(),
            Some(KubeconfigError::FileReference("certificate-authority"))
        );

        let no_server = capi_kubeconfig("''", "x");
        assert_eq!(
            parse(&no_server).err(),
            Some(KubeconfigError::NoServer("payments".into()))
        );
    }
}
