//! `drover backstage`: the catalog entities and the Scaffolder template generated from a fleet.
//!
//! - conformance: every document validates against Backstage's own JSON Schemas;
//! - the template: every combination its form allows, rendered as Backstage renders the steps,
//!   is a claim `drover validate` accepts; what an environment forbids is not offered;
//! - names, owners, determinism and bad input.

mod form;
mod scaffolder;
mod schemas;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use drover_core::backstage::{self, Document, Options, Scm, names};
use drover_core::fleet::{self, Fleet, load_dir, load_str};
use drover_core::pipeline::{self, Validation};
use serde_json::{Map, Value, json};

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/fleet")
}

fn example() -> (Fleet, Validation) {
    let fleet = load_dir(&example_dir()).expect("example fleet loads");
    let validation = pipeline::validate(&fleet);
    assert!(validation.is_valid(), "{:?}", validation.diagnostics);
    (fleet, validation)
}

fn generate(options: &Options) -> Vec<Document> {
    let (fleet, validation) = example();
    backstage::generate(&fleet, &validation, options).expect("generates")
}

fn template(documents: &[Document]) -> &Value {
    &documents
        .iter()
        .find(|d| d.entity["kind"] == "Template")
        .expect("a Template")
        .entity
}

#[test]
fn the_example_fleet_gives_every_entity_the_issue_names() {
    let (fleet, validation) = example();
    let documents = generate(&Options::default());
    let count = |kind: &str, kind_type: Option<&str>| {
        documents
            .iter()
            .filter(|d| d.entity["kind"] == kind)
            .filter(|d| kind_type.is_none_or(|t| d.entity["spec"]["type"] == t))
            .count()
    };
    assert_eq!(
        count("Resource", Some("kubernetes-cluster")),
        validation.clusters.len()
    );
    assert_eq!(
        count("Resource", Some("kubernetes-infrastructure")),
        fleet.infrastructures.len()
    );
    assert_eq!(count("System", None), fleet.environments.len());
    assert_eq!(count("Domain", None), 1);
    assert_eq!(count("Template", None), 1);
    assert_eq!(count("Location", None), 1);
    // The Location comes first and lists every other file.
    assert_eq!(documents[0].path, backstage::LOCATION_FILE);
    let targets: Vec<String> = documents[1..]
        .iter()
        .map(|d| format!("./{}", d.path))
        .collect();
    assert_eq!(documents[0].entity["spec"]["targets"], json!(targets));
}

#[test]
fn every_document_conforms_to_the_backstage_schemas() {
    let Some(schemas) = schemas::load_or_skip() else {
        return;
    };
    for options in [
        Options::default(),
        Options {
            scm: Scm::Gitlab,
            repo_url: Some("gitlab.com?owner=acme&repo=fleet".into()),
            fleet_path: "fleet".into(),
            argocd_url: Some("https://argocd.example.com".into()),
            management_cluster: Some("management".into()),
            ..Options::default()
        },
    ] {
        let documents = generate(&options);
        let failures: Vec<String> = documents
            .iter()
            .flat_map(|d| {
                schemas
                    .violations(&d.entity)
                    .into_iter()
                    .map(move |v| format!("{}: {v}", d.path))
            })
            .collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
    // The schemas are strict enough to notice a broken entity.
    let mut broken = generate(&Options::default())[1].entity.clone();
    broken["spec"]
        .as_object_mut()
        .expect("spec")
        .remove("owner");
    assert!(!schemas.violations(&broken).is_empty());
}

#[test]
fn names_labels_and_tags_follow_backstages_rules() {
    for document in generate(&Options::default()) {
        let metadata = &document.entity["metadata"];
        let name = metadata["name"].as_str().expect("name");
        assert!(
            names::is_entity_name(name),
            "{}: name {name}",
            document.path
        );
        for (key, value) in metadata["labels"].as_object().into_iter().flatten() {
            let value = value.as_str().expect("string label");
            assert!(names::is_key(key), "{}: label key {key}", document.path);
            assert!(
                names::is_entity_name(value),
                "{}: label {key}={value}",
                document.path
            );
        }
        for key in metadata["annotations"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
        {
            assert!(
                names::is_key(key),
                "{}: annotation key {key}",
                document.path
            );
        }
        for tag in metadata["tags"].as_array().into_iter().flatten() {
            let tag = tag.as_str().expect("string tag");
            assert!(names::is_tag(tag), "{}: tag {tag}", document.path);
        }
    }
}

#[test]
fn output_is_deterministic() {
    let first = backstage::stream(&generate(&Options::default()));
    let second = backstage::stream(&generate(&Options::default()));
    assert_eq!(first, second);
}

#[test]
fn a_cluster_resource_carries_what_catalog_queries_and_plugins_read() {
    let documents = generate(&Options {
        argocd_url: Some("https://argocd.example.com/".into()),
        management_cluster: Some("management".into()),
        ..Options::default()
    });
    let prod = &documents
        .iter()
        .find(|d| d.path == "clusters/payments-prod.yaml")
        .expect("payments-prod")
        .entity;
    assert_eq!(prod["spec"]["type"], "kubernetes-cluster");
    assert_eq!(prod["spec"]["system"], "system:production");
    assert_eq!(
        prod["spec"]["dependsOn"],
        json!(["resource:baremetal-kubevirt"])
    );
    // No owner annotation on the example claim: the namespace's team.
    assert_eq!(prod["spec"]["owner"], "group:payments");
    let labels = &prod["metadata"]["labels"];
    assert_eq!(labels["drover.dev/environment"], "production");
    assert_eq!(labels["drover.dev/infrastructure"], "baremetal-kubevirt");
    assert_eq!(labels["drover.dev/provider"], "kubevirt");
    assert_eq!(labels["drover.dev/kubernetes-version"], "v1.32.1");
    assert_eq!(labels["drover.dev/size"], "2xlarge");
    assert_eq!(labels["drover.dev/worker-replicas"], "5");
    assert_eq!(labels["drover.dev/control-plane-replicas"], "3");
    let annotations = &prod["metadata"]["annotations"];
    assert_eq!(
        annotations["backstage.io/kubernetes-label-selector"],
        "drover.dev/cluster=payments-prod"
    );
    assert_eq!(
        annotations["backstage.io/kubernetes-namespace"],
        "payments-prod-cluster"
    );
    assert_eq!(annotations["backstage.io/kubernetes-cluster"], "management");
    assert_eq!(
        annotations["argocd/app-selector"],
        "drover.dev/cluster=payments-prod"
    );
    assert_eq!(
        prod["metadata"]["links"][0]["url"],
        "https://argocd.example.com/applications?labels=drover.dev%2Fcluster%3Dpayments-prod"
    );
    // Its address is not known before it runs; an infrastructure-assigned VIP is.
    assert!(annotations.get("kubernetes.io/api-server").is_none());
    let edge = &documents
        .iter()
        .find(|d| d.path == "clusters/edge-staging.yaml")
        .expect("edge-staging")
        .entity;
    assert_eq!(
        edge["metadata"]["annotations"]["kubernetes.io/api-server"],
        "https://192.168.50.20:6443"
    );
    // A virtual cluster has no worker machines to count.
    let preview = &documents
        .iter()
        .find(|d| d.path == "clusters/web-preview.yaml")
        .expect("web-preview")
        .entity;
    assert_eq!(
        preview["metadata"]["labels"]["drover.dev/worker-replicas"],
        "0"
    );
    assert!(
        preview["metadata"]["annotations"]
            .get("drover.dev/worker-pools")
            .is_none()
    );
    // A cluster without Argo CD registration gets no Argo CD annotation.
    let smoke = &documents
        .iter()
        .find(|d| d.path == "clusters/ci-smoke.yaml")
        .expect("ci-smoke")
        .entity;
    assert!(
        smoke["metadata"]["annotations"]
            .get("argocd/app-selector")
            .is_none()
    );
    // The bare-metal infrastructure lists hosts: its capacity is there.
    let bare_metal = &documents
        .iter()
        .find(|d| d.path == "infrastructures/baremetal-kubevirt.yaml")
        .expect("infrastructure")
        .entity;
    assert_eq!(
        bare_metal["metadata"]["annotations"]["drover.dev/hosts"],
        "6"
    );
    assert_eq!(
        bare_metal["metadata"]["annotations"]["drover.dev/capacity"],
        "768 vCPU, 3Ti"
    );
    // The production System names its promotion source.
    let production = &documents
        .iter()
        .find(|d| d.path == "systems/production.yaml")
        .expect("system")
        .entity;
    let description = production["metadata"]["description"]
        .as_str()
        .expect("text");
    assert!(
        description.contains("promoted from preprod after a 72h soak"),
        "{description}"
    );
}

/// The example fleet's files, as (label, text), the way `drover validate` reads them.
fn fleet_files() -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    let mut stack = vec![example_dir()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                let label = path
                    .strip_prefix(example_dir())
                    .expect("inside")
                    .to_path_buf();
                files.push((label, std::fs::read_to_string(&path).expect("text")));
            }
        }
    }
    files.sort();
    files
}

/// The file the template's steps write for `parameters`: exactly one claim step runs.
fn written_claim(template: &Value, parameters: &Map<String, Value>) -> (String, Value) {
    let context = scaffolder::Context {
        parameters,
        user_ref: "user:default/someone",
    };
    let mut written = Vec::new();
    for step in template["spec"]["steps"].as_array().expect("steps") {
        if step["action"] != "catalog:write" || !scaffolder::runs(step.get("if"), &context) {
            continue;
        }
        let input = scaffolder::render(&step["input"], &context).expect("input");
        // What `catalog:write` adds when the task knows its template (recent Backstage).
        let mut entity = input["entity"].clone();
        entity["metadata"]["annotations"]["backstage.io/source-template"] =
            json!("template:default/workload-cluster");
        written.push((
            input["filePath"].as_str().expect("filePath").to_owned(),
            entity,
        ));
    }
    assert_eq!(written.len(), 1, "steps writing a claim for {parameters:?}");
    written.remove(0)
}

fn fixed_parameters() -> Map<String, Value> {
    let mut fixed = Map::new();
    fixed.insert("name".into(), json!("new-cluster"));
    fixed.insert("owner".into(), json!("group:default/payments"));
    fixed.insert("repoUrl".into(), json!("github.com?owner=acme&repo=fleet"));
    fixed
}

/// Page validators as Backstage runs them on the submitted values (draft 7, `dependencies`).
fn page_validators(template: &Value) -> Vec<jsonschema::Validator> {
    template["spec"]["parameters"]
        .as_array()
        .expect("pages")
        .iter()
        .map(|page| jsonschema::draft7::new(page).expect("page schema compiles"))
        .collect()
}

fn form_accepts(pages: &[jsonschema::Validator], values: &Map<String, Value>) -> bool {
    let values = Value::Object(values.clone());
    pages.iter().all(|page| page.is_valid(&values))
}

#[test]
fn every_claim_the_form_allows_passes_drover_validate() {
    let documents = generate(&Options::default());
    let template = template(&documents);
    let pages = page_validators(template);
    let files = fleet_files();
    let (base, _) = example();
    let fixed = fixed_parameters();
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut offered: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (branch, leaf) in form::branches(&template["spec"]["parameters"]) {
        offered
            .entry(branch.environment.clone())
            .or_default()
            .push(branch.infrastructure.clone());
        // Each namespace once, with the branch's defaults, through the whole of `validate`:
        // the fleet's files plus the written file, loaded and validated as one fleet.
        for values in branch.defaults_per_namespace(&fixed, &leaf) {
            assert!(
                form_accepts(&pages, &values),
                "the form refuses its defaults {values:?}"
            );
            let (path, claim) = written_claim(template, &values);
            assert_eq!(path, "clusters/new-cluster.yaml");
            let text = drover_yaml::to_yaml(&claim);
            let mut all: Vec<(&Path, &str)> = files
                .iter()
                .map(|(l, t)| (l.as_path(), t.as_str()))
                .collect();
            all.push((Path::new(&path), &text));
            let (fleet, mut problems) = fleet::load_files(all)
                .map_or_else(|d| (Fleet::default(), d.0), |fleet| (fleet, Vec::new()));
            problems.extend(pipeline::validate(&fleet).diagnostics);
            if !problems.is_empty() {
                failures.push(format!("{values:?}:\n{text}{problems:?}"));
            }
            checked += 1;
        }
        // Every combination of the other choices: the written claim added to the loaded fleet.
        for values in branch.combinations(&fixed) {
            assert!(form_accepts(&pages, &values), "the form refuses {values:?}");
            let (path, claim) = written_claim(template, &values);
            let text = drover_yaml::to_yaml(&claim);
            let added = match load_str(Path::new(&path), &text) {
                Ok(added) => added,
                Err(problems) => {
                    failures.push(format!("{values:?}:\n{text}{problems:?}"));
                    continue;
                }
            };
            let mut fleet = base.clone();
            fleet.clusters.extend(added.clusters);
            let validation = pipeline::validate(&fleet);
            if !validation.is_valid() {
                failures.push(format!("{values:?}:\n{text}{:?}", validation.diagnostics));
            }
            checked += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} claims fail:\n{}",
        failures.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(checked > 1000, "only {checked} combinations");
    eprintln!("{checked} claims from the form validated; offered: {offered:?}");
}

#[test]
fn an_environment_offers_no_infrastructure_its_policy_forbids() {
    let (fleet, _) = example();
    let documents = generate(&Options::default());
    let template = template(&documents);
    let pages = page_validators(template);
    let branches = form::branches(&template["spec"]["parameters"]);
    let mut refused = 0;
    for environment in &fleet.environments {
        let env = environment.object.metadata.name.as_deref().expect("name");
        let Some(allowed) = environment
            .object
            .spec
            .policy
            .as_ref()
            .and_then(|p| p.allowed_infrastructures.clone())
            .filter(|l| !l.is_empty())
        else {
            continue;
        };
        let offered: Vec<&str> = branches
            .iter()
            .filter(|(b, _)| b.environment == env)
            .map(|(b, _)| b.infrastructure.as_str())
            .collect();
        for infra in &offered {
            assert!(
                allowed.iter().any(|a| a == infra),
                "{env} offers forbidden {infra}"
            );
        }
        // Submitting a forbidden infrastructure anyway (with values another environment's
        // branch allows for it) is refused by the form's schema.
        for (other, _) in branches
            .iter()
            .filter(|(b, _)| !allowed.contains(&b.infrastructure))
        {
            let mut values = other.combinations(&fixed_parameters()).remove(0);
            values.insert("environment".into(), json!(env));
            assert!(
                !form_accepts(&pages, &values),
                "the form accepts {} in {env}",
                other.infrastructure
            );
            refused += 1;
        }
    }
    assert!(refused > 0, "no forbidden infrastructure was tried");
}

#[test]
fn the_form_refuses_counts_outside_the_policy() {
    let documents = generate(&Options::default());
    let template = template(&documents);
    let pages = page_validators(template);
    let branches = form::branches(&template["spec"]["parameters"]);
    let (prod, _) = branches
        .iter()
        .find(|(b, _)| b.environment == "production" && b.infrastructure == "baremetal-kubevirt")
        .expect("production on bare metal");
    let mut values = prod.combinations(&fixed_parameters()).remove(0);
    assert!(form_accepts(&pages, &values));
    values.insert("workerReplicas".into(), json!(51));
    assert!(
        !form_accepts(&pages, &values),
        "51 workers > production's 50"
    );
    values.insert("workerReplicas".into(), json!(5));
    values.insert("controlPlaneReplicas".into(), json!(1));
    assert!(
        !form_accepts(&pages, &values),
        "1 control plane < production's 3"
    );
    // GKE's regional pools: multiples of 3 only.
    let (gke, leaf) = branches
        .iter()
        .find(|(b, _)| b.infrastructure == "gcp-europe-west1")
        .expect("GKE offered");
    assert_eq!(leaf["workerReplicas"]["multipleOf"], json!(3));
    let mut values = gke.combinations(&fixed_parameters()).remove(0);
    values.insert("workerReplicas".into(), json!(4));
    assert!(!form_accepts(&pages, &values));
}

#[test]
fn the_pull_request_step_follows_the_scm_flag() {
    let github = generate(&Options::default());
    let gitlab = generate(&Options {
        scm: Scm::Gitlab,
        repo_url: Some("gitlab.example.com?owner=platform&repo=fleet".into()),
        fleet_path: "fleet/".into(),
        ..Options::default()
    });
    let publish = |documents: &[Document]| {
        template(documents)["spec"]["steps"]
            .as_array()
            .expect("steps")
            .last()
            .expect("a step")
            .clone()
    };
    let (github, gitlab) = (publish(&github), publish(&gitlab));
    assert_eq!(github["action"], "publish:github:pull-request");
    assert_eq!(github["input"]["repoUrl"], "${{ parameters.repoUrl }}");
    assert!(github["input"].get("targetPath").is_none());
    assert_eq!(gitlab["action"], "publish:gitlab:merge-request");
    assert_eq!(
        gitlab["input"]["repoUrl"],
        "gitlab.example.com?owner=platform&repo=fleet"
    );
    assert_eq!(gitlab["input"]["targetPath"], "fleet");
}

const OWNED: &str = "
apiVersion: drover.dev/v1alpha1
kind: Environment
metadata: { name: dev }
spec: { kubernetesVersion: v1.32.1, defaults: { size: small } }
---
apiVersion: drover.dev/v1alpha1
kind: Infrastructure
metadata: { name: metal }
spec:
  kubevirt: { storageClass: nfs, nodeImage: 'quay.io/capk/ubuntu:{{version}}' }
  sizes: { small: { cpu: 2, memory: 8Gi, disk: 20Gi } }
---
apiVersion: drover.dev/v1alpha1
kind: WorkloadCluster
metadata:
  name: owned
  namespace: team-a
  annotations: { drover.dev/owner: OWNER }
spec: { environment: dev, infrastructure: metal }
";

fn generate_from(text: &str) -> Result<Vec<Document>, Vec<drover_core::Diagnostic>> {
    let fleet = load_str(Path::new("fleet.yaml"), text).expect("loads");
    let validation = pipeline::validate(&fleet);
    assert!(validation.is_valid(), "{:?}", validation.diagnostics);
    backstage::generate(&fleet, &validation, &Options::default())
}

#[test]
fn the_owner_annotation_wins_over_the_namespace() {
    let documents = generate_from(&OWNED.replace("OWNER", "group:default/platform")).expect("ok");
    let cluster = documents
        .iter()
        .find(|d| d.path == "clusters/owned.yaml")
        .expect("cluster");
    assert_eq!(cluster.entity["spec"]["owner"], "group:default/platform");
}

#[test]
fn an_owner_that_is_no_entity_reference_is_reported_at_its_field() {
    let problems = generate_from(&OWNED.replace("OWNER", "'Platform Team'")).expect_err("refused");
    let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        vec![
            "fleet.yaml:19: WorkloadCluster team-a/owned: metadata.annotations[\"drover.dev/owner\"]: `Platform Team` is not a Backstage entity reference (e.g. `group:default/payments` or `payments`)"
        ]
    );
}

#[test]
fn an_allowed_infrastructure_no_new_claim_passes_on_is_explained_not_offered() {
    let documents = generate(&Options::default());
    let parameters = &template(&documents)["spec"]["parameters"];
    let staging = form::branch(&parameters[1]["dependencies"], "environment", "staging");
    let infrastructure = &staging["properties"]["infrastructure"];
    // Staging allows proxmox-talos, but it assigns node addresses per cluster name.
    assert_eq!(infrastructure["enum"], json!(["baremetal-kubevirt"]));
    let help = infrastructure["description"].as_str().expect("description");
    assert!(
        help.contains("Not offered: `proxmox-talos`") && help.contains("new-cluster"),
        "{help}"
    );
}

#[test]
fn the_form_offers_only_namespaces_the_environment_allows() {
    let fleet_text = format!(
        "{}---
apiVersion: drover.dev/v1alpha1
kind: WorkloadCluster
metadata: {{ name: elsewhere, namespace: sandbox-risk }}
spec: {{ environment: open, infrastructure: metal }}
---
apiVersion: drover.dev/v1alpha1
kind: Environment
metadata: {{ name: open }}
spec: {{ kubernetesVersion: v1.32.1, defaults: {{ size: small }} }}
",
        OWNED.replace("OWNER", "group:a").replace(
            "defaults: { size: small } }",
            "defaults: { size: small }, policy: { allowedNamespaces: ['team-*'] } }"
        )
    );
    let documents = generate_from(&fleet_text).expect("generates");
    let parameters = &template(&documents)["spec"]["parameters"];
    let namespaces = |env: &str| {
        form::branch(&parameters[1]["dependencies"], "environment", env)["properties"]["namespace"]
            ["enum"]
            .clone()
    };
    assert_eq!(namespaces("dev"), json!(["team-a"]));
    assert_eq!(namespaces("open"), json!(["sandbox-risk", "team-a"]));
}
