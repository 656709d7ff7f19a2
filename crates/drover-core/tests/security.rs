//! The security baseline per provider: each setting appears where that provider reads it, what a
//! provider cannot honour is refused at the claim's field, every secured cluster conforms to the
//! upstream schemas, and no secret material is in any rendered object.

#[path = "common/cloud.rs"]
mod cloud;
#[path = "common/docker.rs"]
mod docker;
#[path = "common/onprem.rs"]
mod onprem;
#[path = "common/vcluster.rs"]
mod vcluster;

use std::path::Path;

use drover_api::security::{AuditLevel, ConfigMapKeyRef, SecuritySpec};
use drover_api::workload_cluster::{Addon, Cni, NetworkSpec};
use drover_core::fixtures::{self, claim, eks_security, environment, full_security};
use drover_core::render::{RenderedCluster, render_cluster};
use saphyr::{LoadableYamlNode, Scalar, Yaml};
use serde_json::Value;

fn secured(
    mut wc: drover_api::WorkloadCluster,
    security: SecuritySpec,
) -> drover_api::WorkloadCluster {
    wc.spec.security = Some(security);
    wc
}

fn object<'a>(rendered: &'a RenderedCluster, kind: &str) -> &'a Value {
    let found: Vec<&Value> = rendered
        .objects
        .iter()
        .filter(|o| o.kind() == kind)
        .map(|o| &o.0)
        .collect();
    assert_eq!(found.len(), 1, "one {kind}");
    found[0]
}

/// `extraArgs` of a kubeadm control plane as (name, value) pairs.
fn kubeadm_args(kcp: &Value) -> Vec<(String, String)> {
    kcp["spec"]["kubeadmConfigSpec"]["clusterConfiguration"]["apiServer"]["extraArgs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|arg| {
            (
                arg["name"].as_str().unwrap_or_default().to_owned(),
                arg["value"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn arg<'a>(args: &'a [(String, String)], name: &str) -> Option<&'a str> {
    args.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn file<'a>(kcp: &'a Value, path: &str) -> &'a Value {
    kcp["spec"]["kubeadmConfigSpec"]["files"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("no file {path}"))
}

/// What every kubeadm provider must render for the full baseline.
fn assert_kubeadm_baseline(rendered: &RenderedCluster) {
    let kcp = object(rendered, "KubeadmControlPlane");
    let args = kubeadm_args(kcp);
    assert_eq!(
        arg(&args, "oidc-issuer-url"),
        Some("https://sso.example.com/realms/platform")
    );
    assert_eq!(arg(&args, "oidc-client-id"), Some("kubernetes"));
    assert_eq!(arg(&args, "oidc-groups-claim"), Some("groups"));
    assert_eq!(arg(&args, "oidc-username-prefix"), Some("oidc:"));
    assert_eq!(
        arg(&args, "audit-policy-file"),
        Some("/etc/kubernetes/security/audit-policy.yaml")
    );
    assert_eq!(arg(&args, "audit-log-maxage"), Some("30"));
    assert_eq!(arg(&args, "audit-log-maxbackup"), Some("10"));
    assert_eq!(arg(&args, "audit-log-maxsize"), Some("100"));
    assert_eq!(
        arg(&args, "admission-control-config-file"),
        Some("/etc/kubernetes/security/admission-configuration.yaml")
    );
    assert_eq!(
        arg(&args, "encryption-provider-config"),
        Some("/etc/kubernetes/security/encryption-configuration.yaml")
    );
    let policy = file(kcp, "/etc/kubernetes/security/audit-policy.yaml")["content"]
        .as_str()
        .unwrap_or_default();
    assert!(policy.contains("kind: Policy") && policy.contains("level: Request"));
    let admission = file(kcp, "/etc/kubernetes/security/admission-configuration.yaml")["content"]
        .as_str()
        .unwrap_or_default();
    assert!(admission.contains("enforce: restricted"), "{admission}");
    let encryption = file(
        kcp,
        "/etc/kubernetes/security/encryption-configuration.yaml",
    );
    assert_eq!(
        encryption["contentFrom"]["secret"]["name"],
        format!("{}-encryption-config", rendered.name)
    );
    assert!(encryption.get("content").is_none());
    // The files reach the API server pod through host volumes.
    let volumes: Vec<&str> = kcp["spec"]["kubeadmConfigSpec"]["clusterConfiguration"]["apiServer"]
        ["extraVolumes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["mountPath"].as_str())
        .collect();
    assert_eq!(
        volumes,
        ["/etc/kubernetes/security", "/var/log/kubernetes/audit"]
    );
    assert_cilium_and_default_deny(rendered);
}

fn assert_cilium_and_default_deny(rendered: &RenderedCluster) {
    let cilium = rendered
        .objects
        .iter()
        .find(|o| o.kind() == "HelmChartProxy" && o.0["spec"]["chartName"] == "cilium")
        .unwrap_or_else(|| panic!("cilium add-on"));
    let values = cilium.0["spec"]["valuesTemplate"]
        .as_str()
        .unwrap_or_default();
    assert!(
        values.contains("encryption:\n  enabled: true\n  type: wireguard\n"),
        "{values}"
    );
    assert!(values.contains("hubble:\n  enabled: true\n"), "{values}");
    let config_map = &rendered
        .objects
        .iter()
        .find(|o| {
            o.kind() == "ConfigMap"
                && o.0["metadata"]["name"] == format!("{}-default-deny", rendered.name)
        })
        .unwrap_or_else(|| panic!("the default-deny ConfigMap"))
        .0;
    let policy = config_map["data"]["default-deny.yaml"]
        .as_str()
        .unwrap_or_default();
    assert!(policy.contains("kind: CiliumClusterwideNetworkPolicy"));
    let resource_sets: Vec<&Value> = rendered
        .objects
        .iter()
        .filter(|o| o.kind() == "ClusterResourceSet")
        .map(|o| &o.0)
        .filter(|o| o["spec"]["resources"][0]["kind"] == "ConfigMap")
        .collect();
    assert_eq!(resource_sets.len(), 1);
    assert_eq!(
        resource_sets[0]["spec"]["resources"][0]["name"],
        config_map["metadata"]["name"]
    );
}

fn full_baseline_clusters() -> Vec<RenderedCluster> {
    let mut kubevirt = fixtures::with_control_plane(claim("team-a", "kv-prod", "production"), 3);
    kubevirt.spec.addons = Some(vec![Addon::Cilium]);
    let mut production = environment("production", "v1.32.1");
    production.spec.security = Some(full_security());
    let kubevirt = render_cluster(&fixtures::resolved(
        &kubevirt,
        &production,
        &fixtures::kubevirt_infrastructure(),
    ))
    .expect("renders");

    let mut docker_claim = docker::claim("ci-prod", "production");
    docker_claim.spec.addons = Some(vec![Addon::Cilium]);
    let docker = docker::render(
        &secured(docker_claim, full_security()),
        "production",
        &docker::infrastructure(),
    );

    let mut vsphere_claim = onprem::prod_claim(onprem::VSPHERE, "erp-prod");
    vsphere_claim.spec.addons = Some(vec![Addon::Cilium]);
    let vsphere = onprem::render(
        &secured(vsphere_claim, full_security()),
        &onprem::vsphere_infrastructure(),
    );

    let mut ec2 = cloud::claim("team-a", "ec2-prod", "production", "aws-eu-west-1");
    ec2.spec.addons = Some(vec![Addon::Cilium]);
    let ec2 = cloud::render(
        &secured(ec2, full_security()),
        &cloud::production(),
        &cloud::aws_kubeadm(),
    );
    vec![kubevirt, docker, vsphere, ec2]
}

#[test]
fn kubeadm_providers_put_every_setting_where_kubeadm_reads_it() {
    let clusters = full_baseline_clusters();
    for rendered in &clusters {
        assert_kubeadm_baseline(rendered);
    }
    onprem::assert_conformant(&clusters);
}

fn talos_cluster() -> RenderedCluster {
    let mut wc = onprem::prod_claim(onprem::PROXMOX, "edge-prod");
    wc.spec.addons = Some(vec![Addon::Cilium]);
    let mut security = full_security();
    if let Some(encryption) = security.encryption_at_rest.as_mut() {
        encryption.resources = None;
    }
    onprem::render(&secured(wc, security), &onprem::proxmox_infrastructure())
}

#[test]
fn talos_gets_the_baseline_in_its_machine_configuration() {
    let rendered = talos_cluster();
    let control_plane = object(&rendered, "TalosControlPlane");
    let patch_text =
        control_plane["spec"]["controlPlaneConfig"]["controlplane"]["strategicPatches"][0]
            .as_str()
            .unwrap_or_default();
    let patch = yaml_value(patch_text);
    let api_server = &patch["cluster"]["apiServer"];
    assert_eq!(
        api_server["extraArgs"]["oidc-issuer-url"],
        "https://sso.example.com/realms/platform"
    );
    assert_eq!(api_server["extraArgs"]["audit-log-maxage"], "30");
    assert_eq!(api_server["auditPolicy"]["kind"], "Policy");
    assert_eq!(api_server["admissionControl"][0]["name"], "PodSecurity");
    assert_eq!(
        api_server["admissionControl"][0]["configuration"]["defaults"]["enforce"],
        "restricted"
    );
    // Workers run no API server: their patch has none of it.
    let worker = object_named(&rendered, "TalosConfigTemplate");
    let worker_patch = worker["spec"]["template"]["spec"]["strategicPatches"][0]
        .as_str()
        .unwrap_or_default();
    assert!(!worker_patch.contains("apiServer"), "{worker_patch}");
    assert_cilium_and_default_deny(&rendered);
    onprem::assert_conformant(&[rendered]);
}

fn object_named<'a>(rendered: &'a RenderedCluster, kind: &str) -> &'a Value {
    &rendered
        .objects
        .iter()
        .find(|o| o.kind() == kind)
        .unwrap_or_else(|| panic!("{kind}"))
        .0
}

/// One YAML document (a patch or file drover wrote) as JSON.
fn yaml_value(text: &str) -> Value {
    let docs = Yaml::load_from_str(text).unwrap_or_else(|e| panic!("{e}"));
    to_json(&docs[0])
}

fn to_json(node: &Yaml<'_>) -> Value {
    match node {
        Yaml::Value(scalar) => scalar_to_json(scalar),
        Yaml::Representation(repr, style, tag) => scalar_to_json(
            &Scalar::parse_from_cow_and_metadata(repr.clone(), *style, tag.as_ref())
                .unwrap_or_else(|| panic!("scalar {repr:?}")),
        ),
        Yaml::Sequence(items) => Value::Array(items.iter().map(to_json).collect()),
        Yaml::Mapping(entries) => Value::Object(
            entries
                .iter()
                .map(|(key, value)| match to_json(key) {
                    Value::String(key) => (key, to_json(value)),
                    other => panic!("non-string key {other}"),
                })
                .collect(),
        ),
        other => panic!("unexpected YAML node {other:?}"),
    }
}

fn scalar_to_json(scalar: &Scalar<'_>) -> Value {
    match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::from(*i),
        Scalar::FloatingPoint(f) => Value::from(f.into_inner()),
        Scalar::String(s) => Value::String(s.to_string()),
    }
}

#[test]
fn eks_gets_the_baseline_in_its_own_fields() {
    let wc = secured(
        cloud::claim("team-a", "eks-prod", "production", "aws-eu-west-1"),
        eks_security(),
    );
    let rendered = cloud::render(&wc, &cloud::production(), &cloud::aws_eks());
    let spec = &object(&rendered, "AWSManagedControlPlane")["spec"];
    assert_eq!(
        spec["oidcIdentityProviderConfig"]["issuerUrl"],
        "https://sso.example.com/realms/platform"
    );
    assert_eq!(spec["oidcIdentityProviderConfig"]["clientId"], "kubernetes");
    assert_eq!(spec["oidcIdentityProviderConfig"]["groupsClaim"], "groups");
    assert_eq!(spec["logging"]["audit"], true);
    assert_eq!(
        spec["encryptionConfig"]["provider"],
        "arn:aws:kms:eu-west-1:111122223333:alias/eks-secrets"
    );
    assert_eq!(spec["encryptionConfig"]["resources"][0], "secrets");
    cloud::assert_conforms(
        &rendered,
        &[("controlplane.cluster.x-k8s.io", "AWSManagedControlPlane")],
    );
}

#[test]
fn what_a_provider_cannot_honour_is_refused_at_the_field() {
    let full = || full_security();
    // EKS: no cluster-wide Pod Security defaults, no policy of drover's, no Cilium.
    let eks = cloud::issues(
        &secured(
            cloud::claim("team-a", "eks", "production", "aws-eu-west-1"),
            full(),
        ),
        &cloud::production(),
        &cloud::aws_eks(),
    );
    for field in [
        "spec.security.podSecurity",
        "spec.security.audit",
        "spec.security.audit.retention",
        "spec.security.encryptionAtRest.resources",
        "spec.security.networkPolicy",
        "spec.security.cni.encryption",
        "spec.security.cni.hubble",
    ] {
        assert!(
            cloud::issue_at(&eks, field).starts_with("not supported by provider `aws` (EKS): "),
            "{field}"
        );
    }
    // AKS and GKE: no OIDC issuer of drover's choosing.
    let mut aks_claim = cloud::claim("team-a", "aks", "production", "azure-westeurope");
    aks_claim.spec.security = Some(full());
    let aks = cloud::issues(&aks_claim, &cloud::production(), &cloud::azure());
    assert!(cloud::issue_at(&aks, "spec.security.authentication.oidc").contains("Entra ID"));
    assert!(cloud::issue_at(&aks, "spec.security.audit").contains("Azure Monitor"));
    let gke = cloud::issues(
        &secured(
            cloud::claim("team-a", "gke", "production", "gcp-europe-west1"),
            full(),
        ),
        &cloud::production(),
        &cloud::gcp(),
    );
    assert!(
        cloud::issue_at(&gke, "spec.security.authentication.oidc").contains("Identity Service")
    );
    assert!(cloud::issue_at(&gke, "spec.security.podSecurity").contains("label namespaces"));
    // vcluster: its audit log is the container log, kept by the management cluster; no Cilium.
    let vc = vcluster::resolve(
        &secured(vcluster::claim("vc", "dev"), full()),
        "dev",
        &vcluster::infrastructure(),
    );
    let vc_issues = drover_core::providers::provider_for(&vc.provider).check(&vc);
    let fields: Vec<&str> = vc_issues.iter().map(|i| i.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "spec.security.audit.retention",
            "spec.security.networkPolicy",
            "spec.security.cni.encryption",
            "spec.security.cni.hubble",
        ]
    );
    // Talos encrypts Secrets only; kubeadm nodes cannot read ConfigMaps.
    let mut talos = onprem::prod_claim(onprem::PROXMOX, "edge-prod");
    talos.spec.addons = Some(vec![Addon::Cilium]);
    let talos = onprem::issues(&secured(talos, full()), &onprem::proxmox_infrastructure());
    assert_eq!(
        talos,
        [
            "spec.security.encryptionAtRest.resources: not supported by provider `proxmox` (Talos): Talos encrypts Secrets (with the secretbox key of the cluster's secrets bundle) and nothing else"
        ]
    );
    let mut with_references = full();
    if let Some(audit) = with_references.audit.as_mut() {
        audit.level = None;
        audit.resources = None;
        audit.policy = Some(ConfigMapKeyRef {
            name: "audit".to_owned(),
            key: "policy.yaml".to_owned(),
        });
    }
    if let Some(oidc) = with_references
        .authentication
        .as_mut()
        .and_then(|a| a.oidc.as_mut())
    {
        oidc.certificate_authority = Some(ConfigMapKeyRef {
            name: "sso-ca".to_owned(),
            key: "ca.crt".to_owned(),
        });
    }
    let mut kubevirt = claim("team-a", "kv", "dev");
    kubevirt.spec.addons = Some(vec![Addon::Cilium]);
    let kubevirt = fixtures::resolved(
        &secured(kubevirt, with_references),
        &environment("dev", "v1.32.1"),
        &fixtures::kubevirt_infrastructure(),
    );
    let fields: Vec<String> = drover_core::providers::provider_for(&kubevirt.provider)
        .check(&kubevirt)
        .into_iter()
        .map(|i| i.field)
        .collect();
    assert_eq!(
        fields,
        [
            "spec.security.authentication.oidc.certificateAuthority",
            "spec.security.audit.policy"
        ]
    );
}

#[test]
fn cilium_options_bring_the_cilium_add_on_and_need_cilium_as_the_cni() {
    let wc = secured(claim("team-a", "kv", "dev"), full_security());
    let env = environment("dev", "v1.32.1");
    let infra = fixtures::kubevirt_infrastructure();
    // A Cilium cluster (the default CNI on KubeVirt) gets the add-on without listing it.
    let cluster = fixtures::resolved(&wc, &env, &infra);
    assert!(
        cluster.addons.contains(&Addon::Cilium),
        "{:?}",
        cluster.addons
    );
    assert!(
        drover_core::providers::check_cluster(&cluster).is_empty(),
        "{:?}",
        drover_core::providers::check_cluster(&cluster)
    );
    // A Calico cluster cannot have them: each setting is refused at its field.
    let mut calico = wc.clone();
    calico.spec.network = Some(NetworkSpec {
        cni: Some(Cni::Calico),
        ..NetworkSpec::default()
    });
    calico.spec.addons = Some(vec![Addon::Calico]);
    let cluster = fixtures::resolved(&calico, &env, &infra);
    assert!(!cluster.addons.contains(&Addon::Cilium));
    let fields: Vec<String> = drover_core::providers::check_cluster(&cluster)
        .into_iter()
        .map(|i| i.field)
        .collect();
    assert_eq!(
        fields,
        [
            "spec.security.networkPolicy",
            "spec.security.cni.encryption",
            "spec.security.cni.hubble"
        ]
    );
}

#[test]
fn audit_levels_never_log_secret_bodies() {
    let mut security = full_security();
    if let Some(audit) = security.audit.as_mut() {
        audit.level = Some(AuditLevel::RequestResponse);
        audit.resources = None;
    }
    let mut wc = claim("team-a", "kv", "dev");
    wc.spec.addons = Some(vec![Addon::Cilium]);
    let rendered = render_cluster(&fixtures::resolved(
        &secured(wc, security),
        &environment("dev", "v1.32.1"),
        &fixtures::kubevirt_infrastructure(),
    ))
    .expect("renders");
    let kcp = object(&rendered, "KubeadmControlPlane");
    let policy = yaml_value(
        file(kcp, "/etc/kubernetes/security/audit-policy.yaml")["content"]
            .as_str()
            .unwrap_or_default(),
    );
    let rules = policy["rules"].as_array().cloned().unwrap_or_default();
    let secrets_rule = rules
        .iter()
        .position(|r| r.to_string().contains("\"secrets\""))
        .unwrap_or_else(|| panic!("a rule for secrets"));
    let catch_all = rules
        .iter()
        .position(|r| r["level"] == "RequestResponse")
        .unwrap_or_else(|| panic!("the chosen level"));
    assert_eq!(rules[secrets_rule]["level"], "Metadata");
    assert!(secrets_rule < catch_all, "the first matching rule wins");
}

/// Every rendered object of every provider with the baseline, and of the example fleet.
fn everything_rendered() -> Vec<RenderedCluster> {
    let mut all = full_baseline_clusters();
    all.push(talos_cluster());
    all.push(cloud::render(
        &secured(
            cloud::claim("team-a", "eks-prod", "production", "aws-eu-west-1"),
            eks_security(),
        ),
        &cloud::production(),
        &cloud::aws_eks(),
    ));
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/fleet");
    let fleet = drover_core::fleet::load_dir(&dir).expect("example fleet loads");
    let validation = drover_core::pipeline::validate(&fleet);
    all.extend(
        validation
            .clusters
            .iter()
            .map(|c| render_cluster(c).expect("renders")),
    );
    all
}

#[test]
fn no_secret_material_in_any_rendered_object() {
    let rendered = everything_rendered();
    let mut encrypted = 0;
    for cluster in &rendered {
        for object in &cluster.objects {
            let text = object.0.to_string();
            assert_ne!(object.kind(), "Secret", "{}", object.describe());
            for marker in [
                "EncryptionConfiguration",
                "aescbc",
                "aesgcm",
                "secretbox",
                "secretboxEncryptionSecret",
                "BEGIN PRIVATE KEY",
                "BEGIN RSA PRIVATE KEY",
                "client-secret",
                "clientSecret",
            ] {
                assert!(
                    !text.contains(marker),
                    "{}/{}: {} contains `{marker}`",
                    cluster.environment,
                    cluster.name,
                    object.describe()
                );
            }
            if text.contains("encryption-provider-config") {
                encrypted += 1;
            }
        }
    }
    assert!(
        encrypted >= 4,
        "the scan saw encrypted clusters: {encrypted}"
    );
}

#[test]
fn validate_refuses_a_claim_weaker_than_its_environment() {
    let text = "\
apiVersion: drover.dev/v1alpha1
kind: Environment
metadata: { name: production }
spec:
  kubernetesVersion: v1.32.1
  defaults: { controlPlaneReplicas: 3, workerReplicas: 2, size: small }
  security:
    podSecurity: { enforce: restricted }
    audit: { retention: { maxAgeDays: 30 } }
---
apiVersion: drover.dev/v1alpha1
kind: WorkloadCluster
metadata: { name: shop, namespace: team-shop }
spec:
  environment: production
  infrastructure: baremetal-kubevirt
  security:
    podSecurity:
      enforce: baseline
    audit:
      retention: { maxAgeDays: 7 }
";
    let mut fleet = drover_core::fleet::load_str(Path::new("fleet.yaml"), text)
        .unwrap_or_else(|e| panic!("{e}"));
    let infrastructure = fixtures::kubevirt_infrastructure();
    fleet.infrastructures.push(drover_core::fleet::Sourced {
        object: infrastructure,
        source: drover_core::fleet::Source::default(),
    });
    let validation = drover_core::pipeline::validate(&fleet);
    let messages: Vec<String> = validation
        .diagnostics
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        messages,
        [
            "fleet.yaml:19: WorkloadCluster team-shop/shop: spec.security.podSecurity.enforce: `baseline` is weaker than Environment `production`'s `restricted`",
            "fleet.yaml:21: WorkloadCluster team-shop/shop: spec.security.audit.retention.maxAgeDays: `7` is weaker than Environment `production`'s `30`",
        ]
    );
    assert!(validation.clusters.is_empty());
}

#[test]
fn unknown_security_fields_are_errors() {
    let text = "\
apiVersion: drover.dev/v1alpha1
kind: Environment
metadata: { name: production }
spec:
  kubernetesVersion: v1.32.1
  security:
    podSecurity: { enforce: restricted, enforse: baseline }
    audit: { retension: { maxAgeDays: 30 } }
";
    let error = drover_core::fleet::load_str(Path::new("env.yaml"), text)
        .err()
        .unwrap_or_else(|| panic!("unknown fields are refused"));
    let messages: Vec<String> = error.0.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "env.yaml:7: Environment production: spec.security.podSecurity.enforse: unknown field (did you mean `enforce`?)",
            "env.yaml:8: Environment production: spec.security.audit.retension: unknown field (did you mean `retention`?)",
        ]
    );
}

#[test]
fn vcluster_trusts_the_oidc_provider_through_its_api_server_flags() {
    let security = SecuritySpec {
        authentication: full_security().authentication,
        ..SecuritySpec::default()
    };
    let rendered = vcluster::render(
        &secured(vcluster::claim("vc", "dev"), security),
        "dev",
        &vcluster::infrastructure(),
    );
    let values = vcluster::values(&rendered);
    let args = &values["controlPlane"]["distro"]["k8s"]["apiServer"]["extraArgs"];
    assert_eq!(
        args[0],
        "--oidc-issuer-url=https://sso.example.com/realms/platform"
    );
    assert_eq!(args[1], "--oidc-client-id=kubernetes");
    assert_eq!(args[4], "--oidc-groups-claim=groups");
}

#[test]
fn vcluster_configures_its_virtual_api_server_through_flags_and_volumes() {
    let mut security = full_security();
    security.network_policy = None;
    security.cni = None;
    if let Some(audit) = security.audit.as_mut() {
        audit.retention = None;
    }
    if let Some(oidc) = security
        .authentication
        .as_mut()
        .and_then(|a| a.oidc.as_mut())
    {
        oidc.certificate_authority = Some(ConfigMapKeyRef {
            name: "sso-ca".to_owned(),
            key: "ca.crt".to_owned(),
        });
    }
    let rendered = vcluster::render(
        &secured(vcluster::claim("vc", "dev"), security),
        "dev",
        &vcluster::infrastructure(),
    );
    let values = vcluster::values(&rendered);
    let args: Vec<&str> = values["controlPlane"]["distro"]["k8s"]["apiServer"]["extraArgs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for expected in [
        "--oidc-issuer-url=https://sso.example.com/realms/platform",
        "--oidc-ca-file=/etc/kubernetes/oidc/ca.crt",
        "--audit-log-path=-",
        "--audit-policy-file=/etc/kubernetes/security/audit-policy.yaml",
        "--admission-control-config-file=/etc/kubernetes/security/admission-configuration.yaml",
        "--encryption-provider-config=/etc/kubernetes/encryption/encryption-configuration.yaml",
    ] {
        assert!(args.contains(&expected), "{expected} in {args:?}");
    }
    let persistence = &values["controlPlane"]["statefulSet"]["persistence"];
    let volumes: Vec<String> = persistence["addVolumes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| {
            format!(
                "{}:{}",
                v["name"].as_str().unwrap_or_default(),
                v["configMap"]["name"]
                    .as_str()
                    .or(v["secret"]["secretName"].as_str())
                    .unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        volumes,
        [
            "encryption-config:vc-encryption-config",
            "apiserver-security:vc-apiserver-security",
            "oidc-ca:sso-ca"
        ]
    );
    assert_eq!(
        persistence["addVolumeMounts"].as_array().map(Vec::len),
        Some(3)
    );
    let config_map = &rendered
        .objects
        .iter()
        .find(|o| o.kind() == "ConfigMap" && o.0["metadata"]["name"] == "vc-apiserver-security")
        .unwrap_or_else(|| panic!("the API server's ConfigMap"))
        .0;
    let admission = config_map["data"]["admission-configuration.yaml"]
        .as_str()
        .unwrap_or_default();
    assert!(admission.contains("enforce: restricted"), "{admission}");
    assert!(
        config_map["data"]["audit-policy.yaml"]
            .as_str()
            .unwrap_or_default()
            .contains("kind: Policy")
    );
    // Prometheus' ServiceMonitor has no upstream schema in the catalog; everything else does.
    let mut checked = rendered.clone();
    checked.objects.retain(|o| o.kind() != "ServiceMonitor");
    onprem::assert_conformant(&[checked]);
}
