//! Builders for drover objects in tests and benches (built with the `test-fixtures` feature, which
//! only dev-dependencies enable, so the library never ships them): a realistic
//! KubeVirt infrastructure, environments and claims, each adjustable field by field.

use std::collections::BTreeMap;

use drover_api::environment::{ClusterDefaults, Policy};
use drover_api::infrastructure::{Host, KubevirtInfrastructure, ManagementNetwork, Size};
use drover_api::security::{
    Audit, AuditLevel, AuditRetention, Authentication, CniEncryption, CniSecurity,
    EncryptionAtRest, NetworkPolicyDefault, Oidc, PodSecurity, PodSecurityLevel, SecuritySpec,
};
use drover_api::workload_cluster::{ControlPlaneSpec, WorkerPool};
use drover_api::{
    Environment, EnvironmentSpec, Infrastructure, InfrastructureSpec, WorkloadCluster,
    WorkloadClusterSpec,
};

use crate::fleet::{Fleet, Source, Sourced};
use crate::resolve::{ClaimContext, ResolvedCluster, resolve_claim};

/// A size with cpu, memory and disk.
pub fn size(cpu: u32, memory: &str, disk: &str) -> Size {
    Size {
        cpu: Some(cpu),
        memory: Some(memory.to_owned()),
        disk: Some(disk.to_owned()),
        instance_type: None,
    }
}

/// `baremetal-kubevirt`: KubeVirt with live migration, sizes small/medium/xlarge, three hosts.
pub fn kubevirt_infrastructure() -> Infrastructure {
    Infrastructure::new(
        "baremetal-kubevirt",
        InfrastructureSpec {
            kubevirt: Some(KubevirtInfrastructure {
                storage_class: "nfs-client".to_owned(),
                node_image: "quay.io/capk/ubuntu-2404-container-disk:{{version}}".to_owned(),
                live_migration: Some(true),
                management_network: Some(ManagementNetwork {
                    pod_cidr: Some("10.244.0.0/16".to_owned()),
                    service_cidr: Some("10.96.0.0/12".to_owned()),
                    keeps_pod_ip_on_migration: Some(true),
                }),
                hosts: Some(
                    (1..=3)
                        .map(|i| Host {
                            name: format!("server{i}"),
                            cpu: 32,
                            memory: "128Gi".to_owned(),
                            ..Host::default()
                        })
                        .collect(),
                ),
                ..KubevirtInfrastructure::default()
            }),
            sizes: BTreeMap::from([
                ("small".to_owned(), size(4, "16Gi", "50Gi")),
                ("medium".to_owned(), size(8, "32Gi", "100Gi")),
                ("xlarge".to_owned(), size(32, "128Gi", "500Gi")),
            ]),
            ..InfrastructureSpec::default()
        },
    )
}

/// An environment at `version` with defaults 1 control plane, 2 workers of size `small`.
pub fn environment(name: &str, version: &str) -> Environment {
    Environment::new(
        name,
        EnvironmentSpec {
            kubernetes_version: version.to_owned(),
            defaults: Some(ClusterDefaults {
                control_plane_replicas: Some(1),
                worker_replicas: Some(2),
                size: Some("small".to_owned()),
                control_plane_size: None,
            }),
            policy: Some(Policy::default()),
            ..EnvironmentSpec::default()
        },
    )
}

/// A claim `namespace/name` in `environment` on `baremetal-kubevirt`, everything else defaulted.
pub fn claim(namespace: &str, name: &str, environment: &str) -> WorkloadCluster {
    let mut claim = WorkloadCluster::new(
        name,
        WorkloadClusterSpec {
            environment: environment.to_owned(),
            infrastructure: "baremetal-kubevirt".to_owned(),
            ..WorkloadClusterSpec::default()
        },
    );
    claim.metadata.namespace = Some(namespace.to_owned());
    claim
}

/// Sets control-plane replicas.
pub fn with_control_plane(mut claim: WorkloadCluster, replicas: i32) -> WorkloadCluster {
    claim.spec.control_plane = Some(ControlPlaneSpec {
        replicas: Some(replicas),
        size: None,
    });
    claim
}

/// Sets the worker pools as (name, replicas, size).
pub fn with_workers(mut claim: WorkloadCluster, pools: &[(&str, i32, &str)]) -> WorkloadCluster {
    claim.spec.workers = Some(
        pools
            .iter()
            .map(|(name, replicas, size)| WorkerPool {
                name: (*name).to_owned(),
                replicas: Some(*replicas),
                size: Some((*size).to_owned()),
                node_labels: None,
            })
            .collect(),
    );
    claim
}

/// A fleet of the given objects, none with a source file.
pub fn fleet(
    infrastructures: Vec<Infrastructure>,
    environments: Vec<Environment>,
    clusters: Vec<WorkloadCluster>,
) -> Fleet {
    fn sourced<T>(objects: Vec<T>) -> Vec<Sourced<T>> {
        objects
            .into_iter()
            .map(|object| Sourced {
                object,
                source: Source::default(),
            })
            .collect()
    }
    Fleet {
        infrastructures: sourced(infrastructures),
        environments: sourced(environments),
        clusters: sourced(clusters),
    }
}

/// Resolves `claim` against `environment` and `infrastructure`, panicking on problems (tests only).
pub fn resolved(
    claim: &WorkloadCluster,
    environment: &Environment,
    infrastructure: &Infrastructure,
) -> ResolvedCluster {
    let source = Source::default();
    let context = ClaimContext {
        environment: Some((environment, &source)),
        infrastructure: Some((infrastructure, &source)),
    };
    match resolve_claim(claim, &source, &context) {
        Ok(cluster) => cluster,
        Err(problems) => panic!("fixture claim does not resolve:\n{problems}"),
    }
}

/// The full security baseline of a production environment, as the example fleet's: SSO through
/// Keycloak, audit log with request bodies of workloads and 30 days of retention, Secrets and
/// ConfigMaps encrypted, Pod Security `restricted`, default-deny network policy, WireGuard and
/// Hubble.
pub fn full_security() -> SecuritySpec {
    SecuritySpec {
        authentication: Some(Authentication {
            oidc: Some(Oidc {
                issuer_url: "https://sso.example.com/realms/platform".to_owned(),
                client_id: "kubernetes".to_owned(),
                username_claim: Some("email".to_owned()),
                username_prefix: Some("oidc:".to_owned()),
                groups_claim: Some("groups".to_owned()),
                groups_prefix: Some("oidc:".to_owned()),
                certificate_authority: None,
            }),
        }),
        audit: Some(Audit {
            enabled: Some(true),
            level: Some(AuditLevel::Request),
            resources: Some(vec!["pods".to_owned(), "deployments.apps".to_owned()]),
            policy: None,
            retention: Some(AuditRetention {
                max_age_days: Some(30),
                max_size_mb: Some(100),
                max_backups: Some(10),
            }),
        }),
        encryption_at_rest: Some(EncryptionAtRest {
            secrets: Some(true),
            resources: Some(vec!["configmaps".to_owned()]),
            kms_key: None,
        }),
        pod_security: Some(PodSecurity {
            enforce: Some(PodSecurityLevel::Restricted),
            audit: Some(PodSecurityLevel::Restricted),
            warn: Some(PodSecurityLevel::Restricted),
            exempt_namespaces: Some(vec!["kube-system".to_owned()]),
        }),
        network_policy: Some(NetworkPolicyDefault::DefaultDeny),
        cni: Some(CniSecurity {
            encryption: Some(CniEncryption::Wireguard),
            hubble: Some(true),
        }),
    }
}

/// The part of [`full_security`] EKS honours, with a customer-managed KMS key: SSO, the audit
/// log (AWS's policy and retention) and envelope encryption of Secrets.
pub fn eks_security() -> SecuritySpec {
    let full = full_security();
    SecuritySpec {
        authentication: full.authentication,
        audit: Some(Audit {
            enabled: Some(true),
            ..Audit::default()
        }),
        encryption_at_rest: Some(EncryptionAtRest {
            secrets: Some(true),
            resources: None,
            kms_key: Some("arn:aws:kms:eu-west-1:111122223333:alias/eks-secrets".to_owned()),
        }),
        ..SecuritySpec::default()
    }
}
