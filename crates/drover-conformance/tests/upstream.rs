//! The checker against the real upstream CRDs (`../shared/crds`): valid objects pass, and each
//! class of violation is found at its exact path.

use drover_conformance::{Catalog, UNKNOWN_FIELD, Violation, catalog_or_skip, format_violations};
use serde_json::{Value, json};

fn assert_passes(catalog: &Catalog, object: &Value) {
    if let Err(violations) = catalog.check(object) {
        panic!(
            "expected no violation, got:\n{}",
            format_violations(&violations)
        );
    }
}

/// The violations of `object`, which must have some.
fn violations(catalog: &Catalog, object: &Value) -> Vec<Violation> {
    match catalog.check(object) {
        Ok(()) => panic!("expected violations, got none for {object:#}"),
        Err(violations) => violations,
    }
}

/// Asserts that the only violation is at `path` and its message contains `needle`.
fn assert_single(catalog: &Catalog, object: &Value, path: &str, needle: &str) {
    let found = violations(catalog, object);
    assert!(
        found.len() == 1 && found[0].path == path && found[0].message.contains(needle),
        "expected one violation at {path} containing {needle:?}, got:\n{}",
        format_violations(&found)
    );
}

fn cluster() -> Value {
    json!({
        "apiVersion": "cluster.x-k8s.io/v1beta2",
        "kind": "Cluster",
        "metadata": {
            "name": "tenant-a-dev",
            "namespace": "tenant-a",
            "labels": {"drover.dev/workload-cluster": "dev", "cluster.x-k8s.io/cluster-name": "tenant-a-dev"},
            "annotations": {"drover.dev/source": "fleet/tenant-a/dev.yaml"}
        },
        "spec": {
            "clusterNetwork": {
                "pods": {"cidrBlocks": ["10.244.0.0/16"]},
                "services": {"cidrBlocks": ["10.96.0.0/12"]},
                "serviceDomain": "cluster.local"
            },
            "controlPlaneRef": {
                "apiGroup": "controlplane.cluster.x-k8s.io",
                "kind": "KubeadmControlPlane",
                "name": "tenant-a-dev-control-plane"
            },
            "infrastructureRef": {
                "apiGroup": "infrastructure.cluster.x-k8s.io",
                "kind": "KubevirtCluster",
                "name": "tenant-a-dev"
            }
        }
    })
}

fn kubevirt_machine_template() -> Value {
    json!({
        "apiVersion": "infrastructure.cluster.x-k8s.io/v1alpha1",
        "kind": "KubevirtMachineTemplate",
        "metadata": {"name": "tenant-a-dev-md-0", "namespace": "tenant-a"},
        "spec": {"template": {"spec": {
            "virtualMachineBootstrapCheck": {"checkStrategy": "ssh"},
            "virtualMachineTemplate": {
                "metadata": {"namespace": "tenant-a", "labels": {"anything": "goes here"}},
                "spec": {
                    "runStrategy": "Always",
                    "template": {
                        "metadata": {"labels": {"kubevirt.io/vm": "tenant-a-dev-md-0"}},
                        "spec": {
                            "domain": {
                                "cpu": {"cores": 2},
                                "memory": {"guest": "4Gi"},
                                "devices": {
                                    "disks": [{"name": "containervolume", "disk": {"bus": "virtio"}}],
                                    "networkInterfaceMultiqueue": true
                                }
                            },
                            "evictionStrategy": "External",
                            "volumes": [{
                                "name": "containervolume",
                                "containerDisk": {"image": "quay.io/capk/ubuntu-2204-container-disk:v1.30.1"}
                            }]
                        }
                    }
                }
            }
        }}}
    })
}

fn deployment() -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "drover-controller", "namespace": "drover-system", "labels": {"app": "drover"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "drover"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": {"app": "drover"}},
                "spec": {
                    "serviceAccountName": "drover",
                    "containers": [{
                        "name": "controller",
                        "image": "ghcr.io/example/drover:0.1.0",
                        "args": ["controller"],
                        "ports": [{"containerPort": 8080, "name": "metrics"}],
                        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": 268435456}}
                    }]
                }
            }
        }
    })
}

const KVM_CPU: &str = "spec.template.spec.virtualMachineTemplate.spec.template.spec.domain.cpu";

#[test]
fn valid_objects_pass() {
    let Some(catalog) = catalog_or_skip() else {
        return;
    };
    assert_passes(catalog, &cluster());
    assert_passes(catalog, &kubevirt_machine_template());
    assert_passes(catalog, &deployment());
}

#[test]
fn unknown_field_deep_inside_a_capk_template() {
    let Some(catalog) = catalog_or_skip() else {
        return;
    };
    let mut object = kubevirt_machine_template();
    let cpu = object
        .pointer_mut("/spec/template/spec/virtualMachineTemplate/spec/template/spec/domain/cpu");
    cpu.and_then(Value::as_object_mut)
        .map(|cpu| cpu.insert("coresPerSocket".into(), json!(2)));
    assert_single(
        catalog,
        &object,
        &format!("{KVM_CPU}.coresPerSocket"),
        UNKNOWN_FIELD,
    );
}

#[test]
fn wrong_type() {
    let Some(catalog) = catalog_or_skip() else {
        return;
    };
    let mut object = kubevirt_machine_template();
    *object
        .pointer_mut(
            "/spec/template/spec/virtualMachineTemplate/spec/template/spec/domain/cpu/cores",
        )
        .expect("cores") = json!("2");
    assert_single(
        catalog,
        &object,
        &format!("{KVM_CPU}.cores"),
        "must be of type integer, got string",
    );

    let mut object = kubevirt_machine_template();
    *object
        .pointer_mut(
            "/spec/template/spec/virtualMachineTemplate/spec/template/spec/domain/cpu/cores",
        )
        .expect("cores") = json!(1_u64 << 32);
    assert_single(
        catalog,
        &object,
        &format!("{KVM_CPU}.cores"),
        "out of the int32 range",
    );
}

#[test]
fn missing_required_field() {
    let Some(catalog) = catalog_or_skip() else {
        return;
    };
    let mut object = cluster();
    object["spec"]["controlPlaneRef"]
        .as_object_mut()
        .map(|r| r.remove("apiGroup"));
    assert_single(
        catalog,
        &object,
        "spec.controlPlaneRef.apiGroup",
        "required field is missing",
    );

    let mut object = cluster();
    object.as_object_mut().map(|o| o.remove("spec"));
    assert_single(catalog, &object, "spec", "required field is missing");
}

#[test]
fn enum_violation() {
    let Some(catalog) = catalog_or_skip() else {
        return;
    };
    let mut object = cluster();
    object["spec"]["availabilityGates"] =
        json!([{"conditionType": "Ready", "polarity": "Sideways"}]);
    assert_single(
        catalog,
        &object,
        "spec.availabilityGates[0].polarity",
        "unsupported value \"Sideways\"",
    );
}

#[test]
fn pattern_violation() {
    let Some(catalog) = catalog_or_skip() else {
        return;
    };
    let mut object = cluster();
    object["spec"]["infrastructureRef"]["name"] = json!("Tenant_A");
    assert_single(
        catalog,
        &object,
        "spec.infrastructureRef.name",
        "does not match the pattern",
    );
}

#[test]
fn list_map_duplicate_keys() {
    let Some(catalog) = catalog_or_skip() else {
        return;
    };
    let mut object = cluster();
    object["spec"]["availabilityGates"] = json!([{"conditionType": "A"}, {"conditionType": "A"}]);
    assert_single(
        catalog,
        &object,
        "spec.availabilityGates[1]",
        "duplicate entry in a list of type map",
    );
}

#[test]
fn version_not_defined_or_not_served() {
    let Some(catalog) = catalog_or_skip() else {
        return;
    };
    let mut object = cluster();
    object["apiVersion"] = json!("cluster.x-k8s.io/v1alpha3");
    assert_single(catalog, &object, "apiVersion", "not a version of Cluster");

    let eks = json!({
        "apiVersion": "bootstrap.cluster.x-k8s.io/v1beta1",
        "kind": "EKSConfig",
        "metadata": {"name": "x", "namespace": "y"},
        "spec": {}
    });
    assert_single(catalog, &eks, "apiVersion", "is not served");
}

#[test]
fn unknown_kind() {
    let Some(catalog) = catalog_or_skip() else {
        return;
    };
    let mut object = cluster();
    object["kind"] = json!("ClusterSet");
    assert_single(
        catalog,
        &object,
        "kind",
        "no schema known for ClusterSet (cluster.x-k8s.io/v1beta2)",
    );

    let stateful =
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "x"}});
    assert_single(
        catalog,
        &stateful,
        "kind",
        "no schema known for StatefulSet (apps/v1)",
    );
}

#[test]
fn core_deployment_violations() {
    let Some(catalog) = catalog_or_skip() else {
        return;
    };
    let mut object = deployment();
    object["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = json!("Always");
    assert_single(
        catalog,
        &object,
        "spec.template.spec.containers[0].imagePullPolicyy",
        UNKNOWN_FIELD,
    );

    let mut object = deployment();
    object["spec"]["replicas"] = json!("2");
    assert_single(
        catalog,
        &object,
        "spec.replicas",
        "invalid type: string \"2\", expected i32",
    );

    let mut object = deployment();
    object["spec"]["template"]["spec"]["containers"][0]
        .as_object_mut()
        .map(|c| c.remove("name"));
    assert_single(
        catalog,
        &object,
        "spec.template.spec.containers[0].name",
        "required field is missing",
    );

    let mut object = deployment();
    object["spec"].as_object_mut().map(|s| s.remove("selector"));
    assert_single(
        catalog,
        &object,
        "spec.selector",
        "required field is missing",
    );

    let mut object = deployment();
    object["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"] =
        json!("100 m");
    assert_single(
        catalog,
        &object,
        "spec.template.spec.containers[0].resources.requests[cpu]",
        "not a valid quantity",
    );
}

#[test]
fn preserve_unknown_fields_allows_arbitrary_keys() {
    let Some(catalog) = catalog_or_skip() else {
        return;
    };
    // AzureASOManagedControlPlane: spec.resources[] are arbitrary ASO objects.
    let aso = json!({
        "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1",
        "kind": "AzureASOManagedControlPlane",
        "metadata": {"name": "cp", "namespace": "tenant-a"},
        "spec": {
            "version": "v1.33.1",
            "resources": [{
                "apiVersion": "containerservice.azure.com/v1api20240901",
                "kind": "ManagedCluster",
                "metadata": {"name": "cp"},
                "spec": {"location": "westeurope", "any": {"deeply": ["nested", 1, true]}}
            }]
        }
    });
    assert_passes(catalog, &aso);

    // Cluster topology variables: `value` is any JSON.
    let mut object = cluster();
    object["spec"]["topology"] = json!({
        "classRef": {"name": "kubevirt-class"},
        "version": "v1.33.1",
        "variables": [{"name": "imageRepository", "value": {"registry": "r.example", "list": [1, 2]}}]
    });
    object["spec"].as_object_mut().map(|s| {
        s.remove("controlPlaneRef");
        s.remove("infrastructureRef")
    });
    assert_passes(catalog, &object);

    // CAAPH HelmChartProxy: valuesTemplate is a plain string, not free-form YAML.
    let mut helm = json!({
        "apiVersion": "addons.cluster.x-k8s.io/v1alpha1",
        "kind": "HelmChartProxy",
        "metadata": {"name": "cilium", "namespace": "tenant-a"},
        "spec": {
            "chartName": "cilium",
            "repoURL": "https://helm.cilium.io/",
            "clusterSelector": {"matchLabels": {"cni": "cilium"}},
            "valuesTemplate": "ipam:\n  mode: kubernetes\n"
        }
    });
    assert_passes(catalog, &helm);
    helm["spec"]["valuesTemplate"] = json!({"ipam": {"mode": "kubernetes"}});
    assert_single(
        catalog,
        &helm,
        "spec.valuesTemplate",
        "must be of type string, got object",
    );
}

#[test]
fn metadata_status_and_nulls() {
    let Some(catalog) = catalog_or_skip() else {
        return;
    };
    let mut object = cluster();
    object["metadata"]["labels"]["bad key!"] = json!("v");
    assert_single(
        catalog,
        &object,
        "metadata.labels",
        "label key \"bad key!\"",
    );

    let mut object = cluster();
    object["metadata"]["creationTimestamp"] = Value::Null;
    assert_single(
        catalog,
        &object,
        "metadata.creationTimestamp",
        "system-managed",
    );

    let mut object = cluster();
    object["metadata"]["name"] = json!("Tenant-A");
    assert_single(catalog, &object, "metadata.name", "DNS-1123 subdomain");

    let mut object = cluster();
    object["status"] = json!({"phase": "Provisioned"});
    assert_single(catalog, &object, "status", "status subresource");

    let mut object = cluster();
    object["spec"]["paused"] = Value::Null;
    assert_single(catalog, &object, "spec.paused", "must not be null");

    let namespace = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x", "namespace": "y"}});
    assert_single(catalog, &namespace, "metadata.namespace", "cluster-scoped");
}

#[test]
fn core_kinds_pass() {
    let Some(catalog) = catalog_or_skip() else {
        return;
    };
    let objects = [
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "tenant-a"}}),
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "drover", "namespace": "d"}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "d"},
               "data": {"config.yaml": "a: 1\n"}}),
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "d"},
               "type": "Opaque", "stringData": {"token": "x"}, "data": {"ca.crt": "aGVsbG8="}}),
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "metrics", "namespace": "d"},
               "spec": {"selector": {"app": "drover"}, "ports": [{"port": 8080, "targetPort": "metrics"}]}}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
               "metadata": {"name": "drover:controller"},
               "rules": [{"apiGroups": ["cluster.x-k8s.io"], "resources": ["clusters"], "verbs": ["get", "list"]}]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
               "metadata": {"name": "drover:controller"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "drover:controller"},
               "subjects": [{"kind": "ServiceAccount", "name": "drover", "namespace": "d"}]}),
        json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "p", "namespace": "d"},
               "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "drover"}}}}),
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "n", "namespace": "d"},
               "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}),
        json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "l", "namespace": "d"},
               "spec": {"holderIdentity": "x", "leaseDurationSeconds": 15}}),
    ];
    for object in &objects {
        assert_passes(catalog, object);
    }
    let bad_role_binding = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "b", "namespace": "d"}, "roleRef": {"kind": "Role", "name": "r"}});
    assert_single(
        catalog,
        &bad_role_binding,
        "roleRef.apiGroup",
        "required field is missing",
    );
    let service_name = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "1metrics", "namespace": "d"}});
    assert_single(catalog, &service_name, "metadata.name", "DNS-1035 label");
}

#[test]
fn cel_rules_are_listed() {
    let Some(catalog) = catalog_or_skip() else {
        return;
    };
    let rules = catalog.cel_rules("cluster.x-k8s.io", "Cluster", "v1beta2");
    assert_eq!(rules.len(), 2, "{rules:#?}");
    assert!(rules.iter().all(|r| r.contains(": ")), "{rules:#?}");
    assert!(
        catalog
            .cel_rules("cluster.x-k8s.io", "Cluster", "v9")
            .is_empty()
    );
}
