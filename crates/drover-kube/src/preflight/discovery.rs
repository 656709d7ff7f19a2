//! API discovery for the pre-flight: which group versions and kinds the server serves.

use std::collections::{BTreeMap, BTreeSet};

use drover_core::management::requirements::{KUBEVIRT_KINDS, Requirements};
use kube::Client;

use super::PreflightError;

/// The served versions of each group, and the kinds of each needed group version.
pub struct Discovery {
    versions: BTreeMap<String, Vec<String>>,
    kinds: BTreeMap<(String, String), BTreeSet<String>>,
}

impl Discovery {
    /// `/apis` once, then `/apis/GROUP/VERSION` for each group version `requirements` names
    /// that the server serves.
    pub async fn load(
        client: &Client,
        requirements: &Requirements,
    ) -> Result<Self, PreflightError> {
        let groups = client
            .list_api_groups()
            .await
            .map_err(|source| PreflightError {
                what: "discovering API groups (GET /apis)".to_owned(),
                source,
            })?;
        let versions: BTreeMap<String, Vec<String>> = groups
            .groups
            .into_iter()
            .map(|g| (g.name, g.versions.into_iter().map(|v| v.version).collect()))
            .collect();
        let mut wanted: BTreeSet<(String, String)> = requirements
            .kinds
            .iter()
            .map(|k| (k.group().to_owned(), k.version().to_owned()))
            .collect();
        if requirements.kubevirt {
            for (_, api_version, _) in KUBEVIRT_KINDS {
                if let Some((group, version)) = api_version.split_once('/') {
                    wanted.insert((group.to_owned(), version.to_owned()));
                }
            }
        }
        let mut kinds = BTreeMap::new();
        for (group, version) in wanted {
            if !versions.get(&group).is_some_and(|v| v.contains(&version)) {
                continue;
            }
            let resources = client
                .list_api_group_resources(&format!("{group}/{version}"))
                .await
                .map_err(|source| PreflightError {
                    what: format!("discovering {group}/{version}"),
                    source,
                })?;
            let served = resources
                .resources
                .into_iter()
                .filter(|r| !r.name.contains('/'))
                .map(|r| r.kind)
                .collect();
            kinds.insert((group, version), served);
        }
        Ok(Self { versions, kinds })
    }

    /// `Ok` if `kind` is served at `group/version`, else what the server serves instead.
    pub fn serves(&self, group: &str, version: &str, kind: &str) -> Result<(), String> {
        let Some(versions) = self.versions.get(group) else {
            return Err(format!("the API group {group} is not served"));
        };
        match self.kinds.get(&(group.to_owned(), version.to_owned())) {
            Some(kinds) if kinds.contains(kind) => Ok(()),
            Some(_) => Err(format!("{group}/{version} is served, but not {kind}")),
            None => Err(format!(
                "{group} serves {}, not {version}",
                versions.join(", ")
            )),
        }
    }
}
