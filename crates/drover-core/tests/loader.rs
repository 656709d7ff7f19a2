//! The fleet loader end to end: clean files load with the lines of their fields, and every class
//! of mistake is reported with its exact file, line, object and field path, all of them at once.

use std::fs;
use std::path::Path;

use drover_core::Diagnostics;
use drover_core::fleet::{Fleet, load_dir, load_files, load_str};

/// The diagnostics of loading `text` as `fleet/clusters.yaml`, as printed.
fn errors(text: &str) -> Vec<String> {
    match load_str(Path::new("fleet/clusters.yaml"), text) {
        Ok(fleet) => panic!("expected errors, loaded {fleet:?}"),
        Err(Diagnostics(list)) => list.iter().map(ToString::to_string).collect(),
    }
}

fn loads(text: &str) -> Fleet {
    match load_str(Path::new("fleet.yaml"), text) {
        Ok(fleet) => fleet,
        Err(diagnostics) => panic!("expected a clean load, got:\n{diagnostics}"),
    }
}

const CLEAN: &str = r#"# The whole fleet in one file.
apiVersion: drover.dev/v1alpha1
kind: WorkloadCluster
metadata:
  name: web
  namespace: team-web
  labels:
    app.kubernetes.io/name: web
spec:
  environment: production
  infrastructure: baremetal-kubevirt
  workers:
    - name: md-0
      replicas: 5
      size: xlarge
---
apiVersion: drover.dev/v1alpha1
kind: WorkloadCluster
metadata: { name: payments, namespace: team-payments }
spec:
  environment: production
  infrastructure: baremetal-kubevirt
  controlPlane: { replicas: 3 }
  workers: [ { name: md-0, replicas: 5, size: xlarge } ]
  network: { podCIDR: 10.243.0.0/16, serviceCIDR: 10.95.0.0/16, cni: cilium }
  externalAccess: { type: LoadBalancer }
  addons: [ cilium ]
  gitops: { argocd: { namespace: argocd, labels: { team: payments } } }
  paused: false
---
# an empty document is skipped
---
apiVersion: drover.dev/v1alpha1
kind: Environment
metadata: { name: production }
spec:
  kubernetesVersion: v1.32.1
  promotion: { from: preprod, soak: 24h }
  maintenanceWindow: { days: [Sat, Sun], start: "02:00", duration: 4h }
  defaults: { controlPlaneReplicas: 3, workerReplicas: 5, size: xlarge }
  policy:
    allowedInfrastructures: [baremetal-kubevirt, aws-eu-west-1]
    minControlPlaneReplicas: 3
    maxWorkerReplicas: 50
    allowedNamespaces: [team-*]
---
apiVersion: drover.dev/v1alpha1
kind: Infrastructure
metadata:
  name: baremetal-kubevirt
spec:
  kubevirt:
    storageClass: nfs-client
    nodeImage: quay.io/capk/ubuntu-2404-container-disk:{{version}}
    liveMigration: true
    managementNetwork: { keepsPodIPOnMigration: true }
    controlPlaneService: LoadBalancer
    hosts:
      - { name: server1, cpu: 32, memory: 128Gi }
  sizes:
    small:  { cpu: 4,  memory: 16Gi,  disk: 100Gi }
    x.large: { cpu: 16, memory: 64Gi, disk: 100Gi }
"#;

#[test]
fn clean_multi_document_file_loads_with_field_lines() {
    let fleet = loads(CLEAN);
    let names: Vec<String> = fleet
        .clusters
        .iter()
        .map(|c| {
            format!(
                "{}/{}",
                c.object.metadata.namespace.as_deref().unwrap_or("-"),
                c.object.metadata.name.as_deref().unwrap_or("-")
            )
        })
        .collect();
    // Sorted by namespace, then name (the file has them the other way round).
    assert_eq!(names, vec!["team-payments/payments", "team-web/web"]);
    assert_eq!(fleet.environments.len(), 1);
    assert_eq!(fleet.infrastructures.len(), 1);

    let web = &fleet.clusters[1];
    assert_eq!(web.source.file.as_deref(), Some(Path::new("fleet.yaml")));
    assert_eq!(web.source.line, 2);
    let line = |field: &str| web.source.fields.get(field).copied();
    assert_eq!(line("apiVersion"), Some(2));
    assert_eq!(line("metadata.name"), Some(5));
    assert_eq!(line("metadata.labels[\"app.kubernetes.io/name\"]"), Some(8));
    assert_eq!(line("spec.workers"), Some(12));
    assert_eq!(line("spec.workers[0]"), Some(13));
    assert_eq!(line("spec.workers[0].size"), Some(15));
    assert_eq!(
        web.source
            .locate("spec.workers[0].nodeLabels")
            .map(|l| l.line),
        Some(13),
        "an unwritten field points at its nearest written parent"
    );

    let payments = &fleet.clusters[0];
    assert_eq!(payments.source.line, 17);
    assert_eq!(
        payments.source.fields.get("spec.workers[0].size"),
        Some(&24)
    );
    assert_eq!(payments.source.fields.get("spec.paused"), Some(&29));
    assert_eq!(payments.object.spec.paused, Some(false));

    let environment = &fleet.environments[0];
    assert_eq!(environment.source.line, 33);
    assert_eq!(
        environment
            .source
            .fields
            .get("spec.maintenanceWindow.start"),
        Some(&39)
    );
    assert_eq!(
        environment
            .object
            .spec
            .maintenance_window
            .as_ref()
            .map(|w| w.start.as_str()),
        Some("02:00")
    );

    let infrastructure = &fleet.infrastructures[0];
    assert_eq!(infrastructure.source.line, 47);
    assert_eq!(
        infrastructure
            .source
            .fields
            .get("spec.sizes[\"x.large\"].cpu"),
        Some(&62)
    );
    assert_eq!(
        infrastructure
            .source
            .fields
            .get("spec.kubevirt.hosts[0].cpu"),
        Some(&59)
    );
    assert!(infrastructure.object.spec.sizes.contains_key("x.large"));
}

#[test]
fn empty_files_and_empty_values_are_fine() {
    let empty = loads("");
    assert!(empty.clusters.is_empty() && empty.environments.is_empty());
    loads("# nothing but a comment\n---\n---\n");
    // null, {} and [] that the types drop are not unknown fields.
    let fleet = loads(
        "apiVersion: drover.dev/v1alpha1\nkind: WorkloadCluster\nmetadata: {name: a, namespace: b, labels: {}}\n\
         spec: {environment: e, infrastructure: i, addons: [], network: {}, gitops: ~, workers: null}\n",
    );
    assert_eq!(fleet.clusters.len(), 1);
}

#[test]
fn yaml_1_2_scalars_stay_strings() {
    let fleet = loads(
        "apiVersion: drover.dev/v1alpha1\nkind: WorkloadCluster\nmetadata: {name: a, namespace: b}\n\
         spec:\n  environment: yes\n  infrastructure: 'on'\n  kubernetesVersion: \"v1.32\"\n  \
         workers: [{name: no, size: v1.32, nodeLabels: {enabled: 'true'}}]\n",
    );
    let spec = &fleet.clusters[0].object.spec;
    assert_eq!(spec.environment, "yes");
    assert_eq!(spec.infrastructure, "on");
    assert_eq!(spec.kubernetes_version.as_deref(), Some("v1.32"));
    let pool = &spec.workers.as_ref().expect("workers")[0];
    assert_eq!(pool.name, "no");
    assert_eq!(pool.size.as_deref(), Some("v1.32"));
}

#[test]
fn syntax_errors_have_file_and_line_and_earlier_documents_are_still_checked() {
    let found = errors(
        "apiVersion: drover.dev/v1alpha1\nkind: Environment\nmetadata: {name: dev}\nspec: {kubernetesVersion: v1.32.1, polcy: {}}\n\
         ---\napiVersion: drover.dev/v1alpha1\nkind: Environment\nmetadata: {name: prod\nspec: {}\n",
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    // `polcy: {}` is empty, so harmless; the syntax error is what remains.
    assert!(
        found[0].starts_with("fleet/clusters.yaml:9: invalid YAML: "),
        "{found:#?}"
    );

    let found = errors(
        "apiVersion: drover.dev/v1alpha1\nkind: Environment\nmetadata: {name: dev}\nspec: {kubernetesVersion: v1.32.1, polcy: {a: 1}}\n\
         ---\napiVersion: a: b\n",
    );
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(
        found[0],
        "fleet/clusters.yaml:4: Environment dev: spec.polcy: unknown field (did you mean `policy`?)"
    );
    assert!(
        found[1].starts_with("fleet/clusters.yaml:6: invalid YAML: "),
        "{found:#?}"
    );
}

#[test]
fn duplicate_keys_are_rejected() {
    assert_eq!(
        errors(
            "apiVersion: drover.dev/v1alpha1\nkind: Environment\nmetadata:\n  name: dev\nspec:\n  kubernetesVersion: v1.32.1\n  kubernetesVersion: v1.33.0\n"
        ),
        vec![
            "fleet/clusters.yaml:7: duplicate key `kubernetesVersion` in a mapping (a key may appear once)"
        ]
    );
}

#[test]
fn documents_that_are_not_drover_objects() {
    let found = errors(
        r#"apiVersion: v1
kind: ConfigMap
metadata: { name: settings, namespace: default }
data: { a: b }
---
apiVersion: drover.dev/v1beta1
kind: Environment
metadata: { name: dev }
---
apiVersion: drover.dev/v1alpha1
kind: Cluster
metadata: { name: dev }
---
kind: Environment
metadata: { name: staging }
---
apiVersion: drover.dev/v1alpha1
metadata: { name: staging }
---
- just
- a list
---
just a string
"#,
    );
    assert_eq!(
        found,
        vec![
            "fleet/clusters.yaml:1: ConfigMap default/settings: apiVersion: `v1 ConfigMap` is not a drover object; a fleet directory holds only drover.dev/v1alpha1 WorkloadCluster, Environment or Infrastructure",
            "fleet/clusters.yaml:6: Environment dev: apiVersion: `drover.dev/v1beta1` is not a version this drover reads; use `drover.dev/v1alpha1`",
            "fleet/clusters.yaml:11: Cluster dev: kind: unknown kind `Cluster`; drover.dev/v1alpha1 has WorkloadCluster, Environment, Infrastructure",
            "fleet/clusters.yaml:14: Environment staging: apiVersion: missing; expected `drover.dev/v1alpha1`",
            "fleet/clusters.yaml:17: kind: missing; expected one of WorkloadCluster, Environment, Infrastructure",
            "fleet/clusters.yaml:20: document is a list, expected a drover object (a mapping with apiVersion and kind: drover.dev/v1alpha1 WorkloadCluster, Environment or Infrastructure)",
            "fleet/clusters.yaml:23: document is a string, expected a drover object (a mapping with apiVersion and kind: drover.dev/v1alpha1 WorkloadCluster, Environment or Infrastructure)",
        ]
    );
}

#[test]
fn type_errors_carry_field_paths() {
    let found = errors(
        r#"apiVersion: drover.dev/v1alpha1
kind: WorkloadCluster
metadata: { name: payments, namespace: team-payments }
spec:
  environment: production
  infrastructure: baremetal-kubevirt
  kubernetesVersion: 1.32
  controlPlane:
    replicas: three
  workers:
    - name: md-0
      replicas: 5
    - name: md-1
      replicas: [5]
  addons: [cilium, flannel]
  network: { cni: weave }
"#,
    );
    assert_eq!(
        found,
        vec![
            "fleet/clusters.yaml:7: WorkloadCluster team-payments/payments: spec.kubernetesVersion: invalid type: floating point `1.32`, expected a string (quote the value to make it a string)",
            "fleet/clusters.yaml:9: WorkloadCluster team-payments/payments: spec.controlPlane.replicas: invalid type: string \"three\", expected i32",
            "fleet/clusters.yaml:14: WorkloadCluster team-payments/payments: spec.workers[1].replicas: invalid type: sequence, expected i32",
            "fleet/clusters.yaml:15: WorkloadCluster team-payments/payments: spec.addons[1]: unknown variant `flannel`, expected one of `cilium`, `calico`, `metrics-server`",
            "fleet/clusters.yaml:16: WorkloadCluster team-payments/payments: spec.network.cni: unknown variant `weave`, expected one of `cilium`, `calico`, `provider`",
        ]
    );
}

#[test]
fn missing_required_fields_and_misspelt_ones_are_both_named() {
    let found = errors(
        r#"apiVersion: drover.dev/v1alpha1
kind: WorkloadCluster
metadata: { name: payments, namespace: team-payments }
spec:
  enviroment: production
  infrastructure: baremetal-kubevirt
  workers:
    - name: md-0
      replica: 5
"#,
    );
    assert_eq!(
        found,
        vec![
            "fleet/clusters.yaml:4: WorkloadCluster team-payments/payments: spec.environment: missing; this field is required",
            "fleet/clusters.yaml:5: WorkloadCluster team-payments/payments: spec.enviroment: unknown field (did you mean `environment`?)",
            "fleet/clusters.yaml:9: WorkloadCluster team-payments/payments: spec.workers[0].replica: unknown field (did you mean `replicas`?)",
        ]
    );
}

#[test]
fn unknown_fields_everywhere_each_with_its_line() {
    let found = errors(
        r#"apiVersion: drover.dev/v1alpha1
kind: WorkloadCluster
metdata: { name: x }
metadata:
  name: payments
  namespace: team-payments
  lables: { team: payments }
spec:
  environment: production
  infrastructure: baremetal-kubevirt
  workrs:
    - name: md-0
  workers:
    - name: md-0
      sise: xlarge
      nodeLabels: { "node.kubernetes.io/role": worker }
  gitops: { argocd: { enabled: true, namepsace: argocd } }
  frobnicate: 3
"#,
    );
    assert_eq!(
        found,
        vec![
            "fleet/clusters.yaml:3: WorkloadCluster team-payments/payments: metdata: unknown field (did you mean `metadata`?)",
            "fleet/clusters.yaml:7: WorkloadCluster team-payments/payments: metadata.lables: unknown field (did you mean `labels`?)",
            "fleet/clusters.yaml:11: WorkloadCluster team-payments/payments: spec.workrs: unknown field (did you mean `workers`?)",
            "fleet/clusters.yaml:15: WorkloadCluster team-payments/payments: spec.workers[0].sise: unknown field (did you mean `size`?)",
            "fleet/clusters.yaml:17: WorkloadCluster team-payments/payments: spec.gitops.argocd.namepsace: unknown field (did you mean `namespace`?)",
            "fleet/clusters.yaml:18: WorkloadCluster team-payments/payments: spec.frobnicate: unknown field",
        ]
    );
}

#[test]
fn metadata_rules() {
    let found = errors(
        r#"apiVersion: drover.dev/v1alpha1
kind: WorkloadCluster
metadata:
  name: Payments_Prod
spec: { environment: production, infrastructure: baremetal-kubevirt }
---
apiVersion: drover.dev/v1alpha1
kind: Environment
metadata:
  name: production
  namespace: default
  uid: 0d5c7f4e-0000-0000-0000-000000000000
  resourceVersion: "4711"
  creationTimestamp: "2025-01-01T00:00:00Z"
  generation: 3
  managedFields: []
spec: { kubernetesVersion: v1.32.1 }
status: { targetVersion: v1.32.1 }
---
apiVersion: drover.dev/v1alpha1
kind: Infrastructure
metadata: { labels: { a: b } }
spec: { docker: {} }
---
apiVersion: drover.dev/v1alpha1
kind: Infrastructure
spec: { docker: {} }
"#,
    );
    assert_eq!(
        found,
        vec![
            "fleet/clusters.yaml:3: WorkloadCluster Payments_Prod: metadata.namespace: missing; a WorkloadCluster in a fleet directory must name its namespace (there is no default namespace)",
            "fleet/clusters.yaml:4: WorkloadCluster Payments_Prod: metadata.name: `Payments_Prod` is not a valid name: use lowercase letters, digits and '-', starting and ending with a letter or digit (a DNS-1123 label)",
            "fleet/clusters.yaml:11: Environment production: metadata.namespace: Environment is cluster-scoped and takes no namespace; remove it",
            "fleet/clusters.yaml:12: Environment production: metadata.uid: is written by the API server and does not belong in a fleet file; remove it",
            "fleet/clusters.yaml:13: Environment production: metadata.resourceVersion: is written by the API server and does not belong in a fleet file; remove it",
            "fleet/clusters.yaml:14: Environment production: metadata.creationTimestamp: is written by the API server and does not belong in a fleet file; remove it",
            "fleet/clusters.yaml:15: Environment production: metadata.generation: is written by the API server and does not belong in a fleet file; remove it",
            "fleet/clusters.yaml:16: Environment production: metadata.managedFields: is written by the API server and does not belong in a fleet file; remove it",
            "fleet/clusters.yaml:18: Environment production: status: is written by the controller only and does not belong in a fleet file; remove it",
            "fleet/clusters.yaml:22: metadata.name: missing; every object needs a name",
            "fleet/clusters.yaml:25: metadata: missing; every object needs metadata.name",
        ]
    );
}

#[test]
fn many_errors_in_one_file_are_all_reported() {
    let found = errors(
        r#"apiVersion: drover.dev/v1alpha1
kind: Environment
metadata: { name: dev }
spec:
  kubernetesVersion: v1.32.1
  defaults: { controlPlaneReplicas: one, workerReplica: 2 }
  maintenanceWindow: { days: [Sat, Sonntag], start: "02:00", duration: 4h }
---
apiVersion: drover.dev/v1alpha1
kind: Environment
metadata: { name: dev }
spec: { kubernetesVersion: v1.32.1 }
---
apiVersion: drover.dev/v1alpha1
kind: Infrastructure
metadata: { name: kubevirt }
spec:
  kubevirt: { storageClass: nfs, nodeImage: img, hosts: [ { name: s1, cpu: many, memory: 1Gi } ] }
  sizes: { small: { cpu: 4, memroy: 16Gi } }
"#,
    );
    assert_eq!(
        found,
        vec![
            "fleet/clusters.yaml:6: Environment dev: spec.defaults.controlPlaneReplicas: invalid type: string \"one\", expected i32",
            "fleet/clusters.yaml:6: Environment dev: spec.defaults.workerReplica: unknown field (did you mean `workerReplicas`?)",
            "fleet/clusters.yaml:7: Environment dev: spec.maintenanceWindow.days[1]: unknown variant `Sonntag`, expected one of `Mon`, `Tue`, `Wed`, `Thu`, `Fri`, `Sat`, `Sun`",
            "fleet/clusters.yaml:11: Environment dev: metadata.name: duplicate Environment dev: already defined at fleet/clusters.yaml:3",
            "fleet/clusters.yaml:18: Infrastructure kubevirt: spec.kubevirt.hosts[0].cpu: invalid type: string \"many\", expected u32",
            "fleet/clusters.yaml:19: Infrastructure kubevirt: spec.sizes.small.memroy: unknown field (did you mean `memory`?)",
        ]
    );
}

#[test]
fn yaml_level_problems_name_their_object() {
    let found = errors(
        "apiVersion: drover.dev/v1alpha1\nkind: WorkloadCluster\nmetadata: {name: a, namespace: b}\n\
         spec:\n  environment: e\n  infrastructure: i\n  workers:\n    - name: md-0\n      nodeLabels: {80: x}\n  <<: {paused: true}\n",
    );
    assert_eq!(
        found,
        vec![
            "fleet/clusters.yaml:9: WorkloadCluster b/a: spec.workers[0].nodeLabels: mapping key is integer `80`, keys must be strings (quote it)",
            "fleet/clusters.yaml:10: WorkloadCluster b/a: spec[\"<<\"]: YAML merge keys (`<<`) are not supported; write the fields out",
        ]
    );
}

fn write(dir: &Path, file: &str, text: &str) {
    let path = dir.join(file);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create dir");
    }
    fs::write(path, text).expect("write file");
}

const ENV: &str = "apiVersion: drover.dev/v1alpha1\nkind: Environment\nmetadata: {name: dev}\nspec: {kubernetesVersion: v1.32.1}\n";

fn cluster(namespace: &str, name: &str) -> String {
    format!(
        "apiVersion: drover.dev/v1alpha1\nkind: WorkloadCluster\nmetadata:\n  name: {name}\n  namespace: {namespace}\nspec: {{environment: dev, infrastructure: docker}}\n"
    )
}

#[test]
fn load_dir_reads_nested_files_relative_and_sorted() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "environments/dev.yaml", ENV);
    write(dir.path(), "clusters/team-b.yml", &cluster("team-b", "api"));
    write(
        dir.path(),
        "clusters/team-a.yaml",
        &cluster("team-a", "web"),
    );
    write(dir.path(), ".github/workflows/ci.yaml", "on: push\n");
    write(dir.path(), "README.md", "# fleet\n");
    let fleet = load_dir(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let files: Vec<String> = fleet
        .clusters
        .iter()
        .map(|c| {
            c.source
                .file
                .as_deref()
                .map(|f| f.display().to_string())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(files, vec!["clusters/team-a.yaml", "clusters/team-b.yml"]);
    assert_eq!(fleet.environments.len(), 1);
}

#[test]
fn load_dir_reports_duplicates_across_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "a.yaml",
        &format!("{ENV}---\n{}", cluster("team-a", "web")),
    );
    write(
        dir.path(),
        "b/more.yaml",
        &format!("{}---\n{ENV}", cluster("team-b", "web")),
    );
    write(dir.path(), "c.yaml", &cluster("team-a", "web"));
    let Err(Diagnostics(found)) = load_dir(dir.path()) else {
        panic!("duplicates must fail")
    };
    let shown: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        vec![
            "b/more.yaml:4: WorkloadCluster team-b/web: metadata.name: WorkloadCluster name `web` is already used by WorkloadCluster team-a/web at a.yaml:9; cluster names must be unique across namespaces, since they name the cluster fleet-wide (its Argo CD cluster and its management namespace)",
            "b/more.yaml:10: Environment dev: metadata.name: duplicate Environment dev: already defined at a.yaml:3",
            "c.yaml:4: WorkloadCluster team-a/web: metadata.name: duplicate WorkloadCluster team-a/web: already defined at a.yaml:9",
        ]
    );
}

#[test]
fn load_files_merges_several_files() {
    let env = ENV.to_owned();
    let web = cluster("team-a", "web");
    let files = [
        (Path::new("env.yaml"), env.as_str()),
        (Path::new("web.yaml"), web.as_str()),
    ];
    let fleet = load_files(files).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(fleet.environments.len(), 1);
    assert_eq!(fleet.clusters.len(), 1);
    let twice = [
        (Path::new("env.yaml"), env.as_str()),
        (Path::new("env-copy.yaml"), env.as_str()),
    ];
    let Err(Diagnostics(found)) = load_files(twice) else {
        panic!("duplicate must fail")
    };
    assert_eq!(
        found[0].to_string(),
        "env-copy.yaml:3: Environment dev: metadata.name: duplicate Environment dev: already defined at env.yaml:3"
    );
}

#[test]
fn unreadable_paths_are_diagnostics() {
    let Err(Diagnostics(found)) = load_dir(Path::new("/definitely/not/a/fleet")) else {
        panic!("a missing directory must fail")
    };
    assert_eq!(found.len(), 1);
    assert!(
        found[0]
            .message
            .starts_with("cannot read fleet directory `/definitely/not/a/fleet`"),
        "{}",
        found[0]
    );
    assert!(found[0].location.is_none());

    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "ok.yaml", ENV);
    fs::write(dir.path().join("latin1.yaml"), b"# caf\xe9\n").expect("write");
    let Err(Diagnostics(found)) = load_dir(dir.path()) else {
        panic!("invalid UTF-8 must fail")
    };
    let shown: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        vec!["latin1.yaml:1: not valid UTF-8; fleet files must be UTF-8 text"]
    );
}

#[test]
fn a_single_file_can_be_loaded_as_the_fleet() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "fleet.yaml", ENV);
    let fleet = load_dir(&dir.path().join("fleet.yaml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(fleet.environments.len(), 1);
}

mod no_panics {
    use proptest::prelude::*;

    use super::*;

    /// Words a fleet file uses, so generated documents get past the first checks often.
    const WORDS: &[&str] = &[
        "apiVersion",
        "drover.dev/v1alpha1",
        "drover.dev/v1beta1",
        "v1",
        "kind",
        "WorkloadCluster",
        "Environment",
        "Infrastructure",
        "metadata",
        "name",
        "namespace",
        "labels",
        "uid",
        "spec",
        "status",
        "environment",
        "infrastructure",
        "kubernetesVersion",
        "controlPlane",
        "replicas",
        "workers",
        "size",
        "sizes",
        "kubevirt",
        "docker",
        "hosts",
        "cpu",
        "memory",
        "addons",
        "cilium",
        "network",
        "cni",
        "maintenanceWindow",
        "days",
        "Sat",
        "policy",
        "x.y/z",
        "<<",
        "3",
        "-1",
        "1.5",
        "true",
        "yes",
        "~",
        "''",
        "\"a:b\"",
        ".inf",
        "*a",
        "&a x",
        "!!int x",
        "!t x",
    ];

    fn word() -> impl Strategy<Value = String> {
        prop_oneof![
            proptest::sample::select(WORDS).prop_map(str::to_owned),
            "[a-zA-Z0-9 :#&*!|>'\"{}\\[\\],.-]{0,12}",
        ]
    }

    #[derive(Clone, Debug)]
    enum Node {
        Scalar(String),
        List(Vec<Node>),
        Map(Vec<(String, Node)>),
    }

    fn node() -> impl Strategy<Value = Node> {
        word()
            .prop_map(Node::Scalar)
            .prop_recursive(5, 48, 6, |inner| {
                prop_oneof![
                    proptest::collection::vec(inner.clone(), 0..5).prop_map(Node::List),
                    proptest::collection::vec((word(), inner), 0..6).prop_map(Node::Map),
                ]
            })
    }

    /// Renders block or flow style YAML (not always valid, on purpose).
    fn render(node: &Node, indent: usize, flow: bool, out: &mut String) {
        let pad = " ".repeat(indent);
        match node {
            Node::Scalar(s) => out.push_str(s),
            Node::List(items) if flow || items.is_empty() => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    render(item, 0, true, out);
                }
                out.push(']');
            }
            Node::Map(entries) if flow || entries.is_empty() => {
                out.push('{');
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(key);
                    out.push_str(": ");
                    render(value, 0, true, out);
                }
                out.push('}');
            }
            Node::List(items) => {
                for item in items {
                    out.push('\n');
                    out.push_str(&pad);
                    out.push_str("- ");
                    render(item, indent + 2, indent % 4 == 2, out);
                }
            }
            Node::Map(entries) => {
                for (key, value) in entries {
                    out.push('\n');
                    out.push_str(&pad);
                    out.push_str(key);
                    out.push(':');
                    out.push(' ');
                    render(value, indent + 2, false, out);
                }
            }
        }
    }

    fn document() -> impl Strategy<Value = String> {
        (
            proptest::sample::select(&["WorkloadCluster", "Environment", "Infrastructure", "Foo"]),
            proptest::collection::vec((word(), node()), 0..6),
        )
            .prop_map(|(kind, entries)| {
                let mut out = format!(
                    "apiVersion: drover.dev/v1alpha1\nkind: {kind}\nmetadata: {{name: a, namespace: b}}"
                );
                render(&Node::Map(entries), 0, false, &mut out);
                out.push('\n');
                out
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_text_never_panics(text in any::<String>()) {
            let _ = load_str(Path::new("x.yaml"), &text);
        }

        #[test]
        fn yaml_ish_text_never_panics(text in "[a-z:{}\\[\\], \n\t#&*!|>'\"-]{0,200}") {
            let _ = load_str(Path::new("x.yaml"), &text);
        }

        #[test]
        fn generated_documents_never_panic(docs in proptest::collection::vec(document(), 1..4)) {
            let text = docs.join("---\n");
            match load_str(Path::new("x.yaml"), &text) {
                Ok(_) => {}
                Err(Diagnostics(list)) => {
                    prop_assert!(!list.is_empty());
                    for diagnostic in &list {
                        // Every problem inside a file is pinned to a line of it.
                        let location = diagnostic.location.as_ref();
                        prop_assert!(location.is_some(), "{diagnostic}");
                        let line = location.map_or(0, |l| l.line);
                        prop_assert!(line >= 1 && line <= text.lines().count().max(1), "{diagnostic}");
                    }
                }
            }
        }
    }
}
