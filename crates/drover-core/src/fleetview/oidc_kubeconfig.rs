//! `drover kubeconfig NAME --oidc`: a kubeconfig for people, signing in through the cluster's
//! OIDC provider with the `kubectl oidc-login` exec plugin (kubelogin), instead of CAPI's admin
//! credentials. The cluster's server and CA come from CAPI's kubeconfig; its user (client
//! certificate and key) is left out entirely.

use drover_api::security::Oidc;
use drover_api::{Environment, WorkloadCluster};
use serde_json::{Value, json};

use crate::resolve::effective_security;

/// The OIDC provider `claim` trusts (its environment's, or its own), or why there is none.
pub fn claim_oidc(claim: &WorkloadCluster, environment: &Environment) -> Result<Oidc, String> {
    let name = environment.metadata.name.clone().unwrap_or_default();
    let security = effective_security(
        &name,
        environment.spec.security.as_ref(),
        claim.spec.security.as_ref(),
    )
    .map_err(|problems| {
        let (field, message) = problems.into_iter().next().unwrap_or_default();
        format!("the claim's security settings are invalid: {field}: {message}")
    })?;
    security.oidc.ok_or_else(|| {
        format!(
            "cluster {} has no OIDC provider: neither Environment {name} nor the claim sets spec.security.authentication.oidc",
            claim.metadata.name.as_deref().unwrap_or_default()
        )
    })
}

/// The OIDC kubeconfig of cluster `name` from CAPI's admin kubeconfig `admin` (YAML).
pub fn oidc_kubeconfig(name: &str, admin: &str, oidc: &Oidc) -> Result<String, String> {
    let parsed = crate::fleet::yaml::parse(admin);
    let document = parsed
        .documents
        .into_iter()
        .next()
        .map(|d| d.value)
        .filter(|_| parsed.syntax_error.is_none())
        .ok_or_else(|| "the cluster's kubeconfig is not YAML".to_owned())?;
    let cluster = document["clusters"]
        .as_array()
        .and_then(|clusters| clusters.first())
        .map(|entry| &entry["cluster"])
        .filter(|cluster| cluster["server"].is_string())
        .ok_or_else(|| "the cluster's kubeconfig names no cluster server".to_owned())?;
    let mut server = json!({ "server": cluster["server"] });
    for key in ["certificate-authority-data", "tls-server-name"] {
        if let Some(value) = cluster.get(key).filter(|v| v.is_string()) {
            server[key] = value.clone();
        }
    }
    let mut args = vec![
        json!("oidc-login"),
        json!("get-token"),
        json!(format!("--oidc-issuer-url={}", oidc.issuer_url)),
        json!(format!("--oidc-client-id={}", oidc.client_id)),
    ];
    // The ID token carries the e-mail address only when asked for the `email` scope.
    if oidc.username_claim.as_deref() == Some("email") {
        args.push(json!("--oidc-extra-scope=email"));
    }
    let user = format!("{name}-oidc");
    let config = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [ { "name": name, "cluster": server } ],
        "users": [ { "name": user, "user": { "exec": {
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": "kubectl",
            "args": Value::Array(args),
            "interactiveMode": "IfAvailable",
            "installHint": "install kubelogin, the `kubectl oidc-login` plugin: https://github.com/int128/kubelogin",
        } } } ],
        "contexts": [ { "name": user, "context": { "cluster": name, "user": user } } ],
        "current-context": user,
    });
    Ok(drover_yaml::to_yaml(&config))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADMIN: &str = "apiVersion: v1\nkind: Config\nclusters:\n- name: payments\n  cluster:\n    server: https://10.0.0.5:6443\n    certificate-authority-data: Q0EK\nusers:\n- name: payments-admin\n  user:\n    client-certificate-data: Q0VSVAo=\n    client-key-data: S0VZCg==\ncontexts:\n- name: payments-admin@payments\n  context: { cluster: payments, user: payments-admin }\ncurrent-context: payments-admin@payments\n";

    fn oidc() -> Oidc {
        Oidc {
            issuer_url: "https://sso.example.com/realms/platform".to_owned(),
            client_id: "kubernetes".to_owned(),
            username_claim: Some("email".to_owned()),
            ..Oidc::default()
        }
    }

    #[test]
    fn the_oidc_kubeconfig_keeps_the_server_and_drops_the_admin_credentials() {
        let text = oidc_kubeconfig("payments", ADMIN, &oidc()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            text,
            "apiVersion: v1\nkind: Config\nclusters:\n- name: payments\n  cluster:\n    server: https://10.0.0.5:6443\n    certificate-authority-data: Q0EK\nusers:\n- name: payments-oidc\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: kubectl\n      args:\n      - oidc-login\n      - get-token\n      - --oidc-issuer-url=https://sso.example.com/realms/platform\n      - --oidc-client-id=kubernetes\n      - --oidc-extra-scope=email\n      interactiveMode: IfAvailable\n      installHint: \"install kubelogin, the `kubectl oidc-login` plugin: https://github.com/int128/kubelogin\"\ncontexts:\n- name: payments-oidc\n  context:\n    cluster: payments\n    user: payments-oidc\ncurrent-context: payments-oidc\n"
        );
        assert!(!text.contains("client-key-data") && !text.contains("S0VZCg=="));
    }

    #[test]
    fn a_kubeconfig_without_a_server_is_an_error() {
        assert_eq!(
            oidc_kubeconfig("p", "kind: Config\n", &oidc()),
            Err("the cluster's kubeconfig names no cluster server".to_owned())
        );
    }

    #[test]
    fn a_cluster_without_an_oidc_provider_says_so() {
        let claim = crate::fixtures::claim("team-a", "payments", "dev");
        let environment = crate::fixtures::environment("dev", "v1.32.1");
        assert_eq!(
            claim_oidc(&claim, &environment),
            Err("cluster payments has no OIDC provider: neither Environment dev nor the claim sets spec.security.authentication.oidc".to_owned())
        );
        let mut secured = environment.clone();
        secured.spec.security = Some(crate::fixtures::full_security());
        assert_eq!(
            claim_oidc(&claim, &secured).map(|o| o.client_id),
            Ok("kubernetes".to_owned())
        );
    }
}
