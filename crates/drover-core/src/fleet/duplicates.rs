//! Objects defined twice in a fleet.
//!
//! The same kind, namespace and name twice is an error at the second occurrence, naming the
//! first. WorkloadCluster names must also be unique across namespaces: the name identifies the
//! cluster fleet-wide (its Argo CD cluster entry and its namespace in the management cluster).

use std::collections::BTreeMap;

use super::document::Identity;
use super::kinds::Kind;
use crate::diagnostics::Diagnostic;

/// Diagnostics for every duplicate in `identities`, given in load order (files sorted, documents
/// in file order): the first occurrence is kept, later ones are reported.
pub(crate) fn check(identities: &[Identity]) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let mut first_by_key: BTreeMap<(Kind, Option<&str>, &str), &Identity> = BTreeMap::new();
    let mut first_cluster_by_name: BTreeMap<&str, &Identity> = BTreeMap::new();
    for identity in identities {
        let key = (
            identity.kind,
            identity.namespace.as_deref(),
            identity.name.as_str(),
        );
        if let Some(first) = first_by_key.get(&key) {
            diagnostics.push(at(
                identity,
                format!(
                    "duplicate {}: already defined{}",
                    identity.object_ref(),
                    where_(first)
                ),
            ));
            continue;
        }
        first_by_key.insert(key, identity);
        if identity.kind == Kind::WorkloadCluster {
            match first_cluster_by_name.get(identity.name.as_str()) {
                Some(first) => diagnostics.push(at(
                    identity,
                    format!(
                        "WorkloadCluster name `{}` is already used by {}{}; cluster names must \
                         be unique across namespaces, since they name the cluster fleet-wide \
                         (its Argo CD cluster and its management namespace)",
                        identity.name,
                        first.object_ref(),
                        where_(first)
                    ),
                )),
                None => {
                    first_cluster_by_name.insert(identity.name.as_str(), identity);
                }
            }
        }
    }
    diagnostics
}

/// Every (kind, namespace, name) defined more than once, and every WorkloadCluster whose name is
/// used in more than one namespace: which definition is meant is unknown, so none is used.
pub(crate) fn ambiguous(
    identities: &[Identity],
) -> std::collections::BTreeSet<(Kind, Option<String>, String)> {
    let mut count: BTreeMap<(Kind, Option<&str>, &str), usize> = BTreeMap::new();
    let mut cluster_namespaces: BTreeMap<&str, std::collections::BTreeSet<Option<&str>>> =
        BTreeMap::new();
    for identity in identities {
        *count
            .entry((
                identity.kind,
                identity.namespace.as_deref(),
                identity.name.as_str(),
            ))
            .or_default() += 1;
        if identity.kind == Kind::WorkloadCluster {
            cluster_namespaces
                .entry(identity.name.as_str())
                .or_default()
                .insert(identity.namespace.as_deref());
        }
    }
    identities
        .iter()
        .filter(|i| {
            count
                .get(&(i.kind, i.namespace.as_deref(), i.name.as_str()))
                .is_some_and(|n| *n > 1)
                || (i.kind == Kind::WorkloadCluster
                    && cluster_namespaces
                        .get(i.name.as_str())
                        .is_some_and(|n| n.len() > 1))
        })
        .map(|i| (i.kind, i.namespace.clone(), i.name.clone()))
        .collect()
}

fn where_(identity: &Identity) -> String {
    identity
        .location
        .as_ref()
        .map(|location| format!(" at {location}"))
        .unwrap_or_default()
}

fn at(identity: &Identity, message: String) -> Diagnostic {
    let mut diagnostic = Diagnostic::new(message)
        .object(identity.object_ref())
        .field("metadata.name");
    diagnostic.location = identity.location.clone();
    diagnostic
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::diagnostics::Location;

    fn id(kind: Kind, namespace: Option<&str>, name: &str, file: &str, line: usize) -> Identity {
        Identity {
            kind,
            namespace: namespace.map(str::to_owned),
            name: name.to_owned(),
            location: Some(Location {
                file: PathBuf::from(file),
                line,
            }),
        }
    }

    #[test]
    fn same_kind_namespace_and_name() {
        let found = check(&[
            id(Kind::Environment, None, "prod", "a.yaml", 3),
            id(Kind::Infrastructure, None, "prod", "a.yaml", 9),
            id(Kind::Environment, None, "prod", "b.yaml", 4),
        ]);
        let shown: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            vec![
                "b.yaml:4: Environment prod: metadata.name: duplicate Environment prod: \
                 already defined at a.yaml:3"
            ]
        );
    }

    #[test]
    fn cluster_names_across_namespaces() {
        let found = check(&[
            id(Kind::WorkloadCluster, Some("team-a"), "web", "a.yaml", 3),
            id(Kind::WorkloadCluster, Some("team-b"), "web", "b.yaml", 5),
            id(Kind::WorkloadCluster, Some("team-a"), "web", "c.yaml", 7),
            id(Kind::WorkloadCluster, Some("team-b"), "api", "c.yaml", 17),
        ]);
        let shown: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            vec![
                "b.yaml:5: WorkloadCluster team-b/web: metadata.name: WorkloadCluster name `web` \
                 is already used by WorkloadCluster team-a/web at a.yaml:3; cluster names must be \
                 unique across namespaces, since they name the cluster fleet-wide (its Argo CD \
                 cluster and its management namespace)",
                "c.yaml:7: WorkloadCluster team-a/web: metadata.name: duplicate WorkloadCluster \
                 team-a/web: already defined at a.yaml:3",
            ]
        );
    }
}
