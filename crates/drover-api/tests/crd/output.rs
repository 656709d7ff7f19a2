//! `drover crds` output: YAML and JSON forms of the CRDs.

use serde_json::json;

use crate::support::yaml_documents;

#[test]
fn yaml_reads_back_as_the_crds() {
    let text = drover_api::crds_yaml();
    assert_eq!(yaml_documents(&text), drover_api::crd_values());
    assert!(
        text.starts_with("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n")
    );
    assert_eq!(text.lines().filter(|l| *l == "---").count(), 2);
    assert!(text.ends_with('\n') && !text.ends_with("\n\n"));
}

#[test]
fn json_is_a_v1_list_of_the_crds() {
    let text = drover_api::crds_json();
    let list: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        list,
        json!({ "apiVersion": "v1", "kind": "List", "items": drover_api::crd_values() })
    );
    assert!(text.ends_with("}\n"));
}

#[test]
fn output_is_deterministic() {
    assert_eq!(drover_api::crds_yaml(), drover_api::crds_yaml());
    assert_eq!(drover_api::crds_json(), drover_api::crds_json());
    let names: Vec<String> = drover_api::crd_values()
        .iter()
        .map(|c| {
            c["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(
        names,
        [
            "infrastructures.drover.dev",
            "environments.drover.dev",
            "workloadclusters.drover.dev"
        ]
    );
}
