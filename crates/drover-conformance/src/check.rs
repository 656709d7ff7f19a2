//! `Catalog::check`: picking the schema of an object and running the checks.

use serde_json::{Map, Value};

use crate::catalog::{Catalog, Crd, CrdVersion, Scope};
use crate::metadata::{self, MetaRules, NameRule};
use crate::openapi::{Validator, check_type_meta};
use crate::{Violation, core_kinds};

impl Catalog {
    /// Checks one rendered object as a real API server would on create: `Ok(())` if it would be
    /// accepted unchanged, otherwise every rejection and every silent change (pruned field,
    /// dropped `status`, cleared namespace, ...) found.
    ///
    /// The schema is picked by the object's `apiVersion` (group and version) and `kind`: the
    /// upstream CRD of that group and kind, whose version must exist and be served, else one of
    /// the built-in kinds ([`CORE_KINDS`](crate::CORE_KINDS)). Any other kind is a violation.
    pub fn check(&self, object: &Value) -> Result<(), Vec<Violation>> {
        let violations = self.violations(object);
        if violations.is_empty() {
            Ok(())
        } else {
            Err(violations)
        }
    }

    fn violations(&self, object: &Value) -> Vec<Violation> {
        let Some(map) = object.as_object() else {
            return vec![Violation::new("", "an object must be a JSON object")];
        };
        let mut out = Vec::new();
        check_type_meta(map, "", &mut out);
        let (Some(api_version), Some(kind)) = (
            map.get("apiVersion").and_then(Value::as_str),
            map.get("kind").and_then(Value::as_str),
        ) else {
            return out;
        };
        if !out.is_empty() {
            return out;
        }
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        if let Some(crd) = self.crd(group, kind) {
            self.check_custom_resource(crd, version, object, map, &mut out);
        } else if let Some(found) = core_kinds::check(group, version, kind, object) {
            out.extend(found);
        } else {
            out.push(Violation::new(
                "kind",
                &format!("no schema known for {kind} ({api_version})"),
            ));
        }
        out
    }

    fn check_custom_resource(
        &self,
        crd: &Crd,
        version: &str,
        object: &Value,
        map: &Map<String, Value>,
        out: &mut Vec<Violation>,
    ) {
        let Some(crd_version) = crd.version(version) else {
            let known: Vec<&str> = crd.versions.iter().map(|v| v.name.as_str()).collect();
            out.push(Violation::new(
                "apiVersion",
                &format!(
                    "{}/{version} is not a version of {}: the CRD defines {}",
                    crd.group,
                    crd.kind,
                    known.join(", ")
                ),
            ));
            return;
        };
        if !crd_version.served {
            out.push(Violation::new(
                "apiVersion",
                &format!(
                    "{}/{version} of {} is not served by the API server",
                    crd.group, crd.kind
                ),
            ));
            return;
        }
        let mut validator = Validator::new(&self.regexes);
        if crd_version.status_subresource && map.contains_key("status") {
            out.push(Violation::new(
                "status",
                "the status subresource is enabled: a real API server drops status on create and update, do not render it",
            ));
            let mut without_status = map.clone();
            without_status.remove("status");
            validator.validate_root(&crd_version.schema, &Value::Object(without_status));
        } else {
            validator.validate_root(&crd_version.schema, object);
        }
        out.append(&mut validator.out);
        let rules = MetaRules {
            name_rule: NameRule::Dns1123Subdomain,
            namespaced: Some(crd.scope == Scope::Namespaced),
            top_level: true,
        };
        metadata::check(map.get("metadata"), "metadata", rules, out);
        check_scale_replicas(crd_version, object, out);
    }
}

/// The scale subresource's `specReplicasPath`, when set, must hold an integer in 0..=2^31-1.
fn check_scale_replicas(version: &CrdVersion, object: &Value, out: &mut Vec<Violation>) {
    let Some(path) = &version.spec_replicas_path else {
        return;
    };
    let path = path.trim_start_matches('.');
    let mut value = object;
    for segment in path.split('.') {
        match value.get(segment) {
            Some(next) => value = next,
            None => return,
        }
    }
    let ok = match value {
        // Decoded as Go int64: an integral float such as `3.0` does not count.
        Value::Number(n) => n
            .as_i64()
            .is_some_and(|i| (0..=i64::from(i32::MAX)).contains(&i)),
        _ => false,
    };
    if !ok {
        out.push(Violation::new(
            path,
            "the scale subresource needs a non-negative integer at most 2147483647 here",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::path::PathBuf;

    fn catalog(scope: Scope) -> Catalog {
        let schema = json!({"type": "object", "properties": {
            "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"},
            "spec": {"type": "object", "properties": {"replicas": {"type": "integer", "format": "int32"}}},
            "status": {"type": "object", "properties": {"ready": {"type": "boolean"}}}}});
        let version = |name: &str, served: bool| CrdVersion {
            name: name.to_owned(),
            served,
            storage: served,
            status_subresource: true,
            spec_replicas_path: Some(".spec.replicas".to_owned()),
            schema: schema.clone(),
        };
        let mut catalog = Catalog::default();
        let crd = Crd {
            group: "example.com".to_owned(),
            kind: "Widget".to_owned(),
            scope,
            versions: vec![version("v1", true), version("v0", false)],
            file: PathBuf::from("widgets.yaml"),
        };
        catalog.insert(crd).expect("one CRD");
        catalog
    }

    fn paths(catalog: &Catalog, object: Value) -> Vec<String> {
        match catalog.check(&object) {
            Ok(()) => Vec::new(),
            Err(violations) => violations.into_iter().map(|v| v.path).collect(),
        }
    }

    #[test]
    fn scale_status_scope_and_versions() {
        let namespaced = catalog(Scope::Namespaced);
        let widget = |spec: Value| {
            json!({"apiVersion": "example.com/v1", "kind": "Widget",
                   "metadata": {"name": "w", "namespace": "n"}, "spec": spec})
        };
        assert!(paths(&namespaced, widget(json!({"replicas": 3}))).is_empty());
        assert_eq!(
            paths(&namespaced, widget(json!({"replicas": -1}))),
            ["spec.replicas"]
        );
        assert_eq!(
            paths(&namespaced, widget(json!({"replicas": 3.0}))),
            ["spec.replicas"]
        );

        let mut with_status = widget(json!({}));
        with_status["status"] = json!({"ready": "yes"});
        assert_eq!(
            paths(&namespaced, with_status),
            ["status"],
            "status is reported once, not validated"
        );

        let cluster_scoped = catalog(Scope::Cluster);
        assert_eq!(
            paths(&cluster_scoped, widget(json!({}))),
            ["metadata.namespace"]
        );

        let mut old = widget(json!({}));
        old["apiVersion"] = json!("example.com/v0");
        assert_eq!(paths(&namespaced, old), ["apiVersion"]);

        assert_eq!(
            paths(&namespaced, json!({"kind": "Widget"})),
            ["apiVersion"]
        );
        assert_eq!(paths(&namespaced, json!([])), [""]);
    }
}
