//! `drover backstage`: the fleet as Backstage catalog entities, and a Scaffolder template whose
//! choices are exactly what the fleet's policy allows.
//!
//! Pure: from a validated fleet to a list of [`Document`]s (file path and content), the same for
//! the same fleet and options. The CLI writes them (atomically) or prints them.
//!
//! - [`names`]: Backstage's naming rules and a sanitizer;
//! - [`entities`]: Resources per cluster and Infrastructure, Systems, Domain, Location;
//! - [`template`]: the Scaffolder template.

pub mod entities;
pub mod names;
pub mod template;

use std::collections::BTreeMap;

use drover_api::labels;
use serde_json::Value;

use crate::diagnostics::{Diagnostic, ObjectRef};
use crate::fleet::Fleet;
use crate::pipeline::Validation;

/// Where the template opens its change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scm {
    /// `publish:github:pull-request`.
    Github,
    /// `publish:gitlab:merge-request`.
    Gitlab,
}

/// What the fleet directory does not say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// The fleet's name: its Domain, and the prefix of the Location.
    pub domain: String,
    /// Owner (entity reference) of the Domain, Systems, Infrastructure Resources and Template.
    pub owner: String,
    /// Pull or merge request.
    pub scm: Scm,
    /// Backstage `repoUrl` of the fleet repository; `None`: the form asks for it.
    pub repo_url: Option<String>,
    /// The fleet directory inside its repository (`.` for the root).
    pub fleet_path: String,
    /// Folder of the fleet directory the template writes claims into.
    pub claims_dir: String,
    /// Argo CD's web UI, for links.
    pub argocd_url: Option<String>,
    /// The management cluster's name in Backstage's Kubernetes configuration.
    pub management_cluster: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            domain: "fleet".to_owned(),
            owner: "group:platform-team".to_owned(),
            scm: Scm::Github,
            repo_url: None,
            fleet_path: ".".to_owned(),
            claims_dir: "clusters".to_owned(),
            argocd_url: None,
            management_cluster: None,
        }
    }
}

/// One generated file.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// Path relative to the output folder (`clusters/payments-prod.yaml`).
    pub path: String,
    /// The entity.
    pub entity: Value,
}

/// File of the Location that lists the others.
pub const LOCATION_FILE: &str = "catalog-info.yaml";

/// Every document for a valid fleet: the Location first, then Domain, Systems,
/// Infrastructures, clusters and the Template, each group in name order.
///
/// # Errors
/// Problems the fleet's validation cannot see: an owner annotation that is not an entity
/// reference, or two objects whose entity names collide.
pub fn generate(
    fleet: &Fleet,
    validation: &Validation,
    options: &Options,
) -> Result<Vec<Document>, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let mut documents = vec![Document {
        path: "domain.yaml".to_owned(),
        entity: entities::domain(options, fleet.environments.len(), validation.clusters.len()),
    }];
    for environment in &fleet.environments {
        let entity = entities::environment(&environment.object, &validation.clusters, options);
        documents.push(Document {
            path: format!("systems/{}.yaml", entity_name_of(&entity)),
            entity,
        });
    }
    for infrastructure in &fleet.infrastructures {
        let entity =
            entities::infrastructure(&infrastructure.object, &validation.clusters, options);
        documents.push(Document {
            path: format!("infrastructures/{}.yaml", entity_name_of(&entity)),
            entity,
        });
    }
    for cluster in &validation.clusters {
        let Some(claim) = fleet.clusters.iter().find(|c| {
            c.object.metadata.name.as_deref() == Some(&cluster.name)
                && c.object.metadata.namespace.as_deref() == Some(&cluster.claim_namespace)
        }) else {
            continue;
        };
        let owner = entities::cluster_owner(&claim.object);
        if !entities::is_entity_ref(&owner) {
            let field = format!("metadata.annotations[\"{}\"]", labels::OWNER);
            let mut problem = Diagnostic::new(format!(
                "`{owner}` is not a Backstage entity reference (e.g. `group:default/payments` or `payments`)"
            ))
            .object(ObjectRef::new(
                "WorkloadCluster",
                Some(&cluster.claim_namespace),
                &cluster.name,
            ))
            .field(&field);
            problem.location = claim.source.locate(&field);
            problems.push(problem);
            continue;
        }
        let entity = entities::cluster(cluster, &claim.object, options);
        documents.push(Document {
            path: format!("clusters/{}.yaml", entity_name_of(&entity)),
            entity,
        });
    }
    let choices = template::choices::environment_choices(fleet);
    documents.push(Document {
        path: format!("templates/{}.yaml", template::TEMPLATE_NAME),
        entity: template::template(&choices, options),
    });
    problems.extend(collisions(&documents));
    if !problems.is_empty() {
        problems.sort();
        return Err(problems);
    }
    let targets: Vec<String> = documents.iter().map(|d| d.path.clone()).collect();
    documents.insert(
        0,
        Document {
            path: LOCATION_FILE.to_owned(),
            entity: entities::location(options, &targets),
        },
    );
    Ok(documents)
}

fn entity_name_of(entity: &Value) -> String {
    entity["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Two entities of one kind with one name would replace each other in the catalog.
fn collisions(documents: &[Document]) -> Vec<Diagnostic> {
    let mut seen: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut problems = Vec::new();
    for document in documents {
        let kind = document.entity["kind"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let name = entity_name_of(&document.entity);
        let title = document.entity["metadata"]["title"]
            .as_str()
            .unwrap_or(&name)
            .to_owned();
        if let Some(first) = seen.insert((kind.clone(), name.clone()), title.clone()) {
            problems.push(Diagnostic::new(format!(
                "`{first}` and `{title}` would both be the Backstage {kind} `{name}`; rename one"
            )));
        }
    }
    problems
}

/// The documents as one multi-document YAML stream, each headed by its path.
pub fn stream(documents: &[Document]) -> String {
    let mut out = String::new();
    for document in documents {
        out.push_str(&format!("---\n# {}\n", document.path));
        drover_yaml::write_yaml(&document.entity, &mut out);
    }
    out
}
