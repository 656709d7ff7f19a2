//! # drover-conformance
//!
//! An offline stand-in for a kube-apiserver, for tests: it checks a rendered Kubernetes object
//! (`serde_json::Value`) against the upstream schema of its kind and reports everything a real
//! API server would **reject** and everything it would **silently change** (prune, drop, clear).
//! A false "pass" is the failure this crate is built to avoid: what it cannot check it reports.
//!
//! ```no_run
//! let Some(catalog) = drover_conformance::catalog_or_skip() else { return };
//! let object = serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}});
//! if let Err(violations) = catalog.check(&object) {
//!     panic!("{}", drover_conformance::format_violations(&violations));
//! }
//! ```
//!
//! ## Where the schemas come from
//!
//! Custom resources are checked against the upstream `CustomResourceDefinition` files in the
//! `shared/crds/` folder beside the repository (see its README). They are data: never copied into
//! the project. [`locate_crds_dir`] finds the folder (`DROVER_CRDS_DIR`, else
//! `<workspace>/../shared/crds`), [`Catalog::load`] parses every CRD in it (with `saphyr`) and
//! indexes `(group, kind, version)` to the version's `openAPIV3Schema` and served flag, and
//! [`catalog_or_skip`] loads it once per test process, or skips with a message when the folder is
//! absent (never in CI: there a missing folder fails the test).
//!
//! Built-in kinds ([`CORE_KINDS`]: Namespace, ServiceAccount, ConfigMap, Secret, Service, the
//! four RBAC kinds, Deployment, NetworkPolicy, Ingress, PodDisruptionBudget, Lease) are checked
//! through their `k8s-openapi` (v1.34) types. Any other kind is a violation.
//!
//! ## What is checked
//!
//! Custom resources (the CRD's version must exist and be served):
//! - pruning: a field the structural schema does not declare, at a level without
//!   `x-kubernetes-preserve-unknown-fields` or `additionalProperties`, is reported as "unknown
//!   field (a real API server would prune it)"; preserve-unknown-fields allows any field at that
//!   level (declared fields below it are still checked);
//! - `null` where the schema is not `nullable` (the API server drops or rejects it);
//! - `type` (object, array, string, integer, number, boolean; integral floats count as integers,
//!   as in Go), `x-kubernetes-int-or-string`, `enum`, `required` (a missing field with a `default`
//!   passes, since the API server defaults before validating);
//! - strings: `minLength`, `maxLength` (in characters), `pattern` (Go RE2 semantics: ASCII `\d`
//!   `\s` `\w`, literal `[` in classes, `\Q..\E`), and every `format` the API server validates
//!   (byte, date-time, date, duration, uri, cidr, ipv4, ipv6, hostname, uuid*, quantity,
//!   k8s-short-name, k8s-long-name, ...; the few it does not implement — email, mac, isbn*,
//!   creditcard, ssn, rgbcolor — are reported, not passed);
//! - numbers: `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`, and the
//!   `int32` / `int64` / `float` ranges;
//! - arrays and objects: `minItems`, `maxItems`, `uniqueItems`, `minProperties`,
//!   `maxProperties`, `x-kubernetes-list-type: set` (unique items) and `map` (items unique by
//!   `x-kubernetes-list-map-keys`);
//! - `allOf`, `anyOf`, `oneOf`, `not`, with plain JSON-schema semantics inside them;
//! - `x-kubernetes-embedded-resource` (apiVersion and kind required, metadata as ObjectMeta);
//! - `status` on a kind with the status subresource (dropped by the API server), the scale
//!   subresource's replicas field;
//! - any schema keyword this checker does not know is reported, not ignored.
//!
//! Every top-level object: `apiVersion` and `kind`; `metadata` holds only ObjectMeta fields a
//! client may set (name, generateName, namespace, labels, annotations, finalizers,
//! ownerReferences; server-managed ones such as uid or creationTimestamp are reported), with
//! the API server's rules: the kind's name rule (DNS-1123 subdomain for custom resources and most
//! kinds, DNS-1123 label for Namespace, DNS-1035 label for Service, path segment for RBAC),
//! qualified-name label and annotation keys, label values, annotation size, finalizer names,
//! owner references, and no namespace on a cluster-scoped kind (the API server clears it).
//!
//! Built-in kinds: typed decoding (wrong types, with the exact path), unknown fields (input keys
//! that do not survive a round trip through the `k8s-openapi` type), `null` values, required
//! fields and quantity syntax (from the type's OpenAPI schema), `status`, and ConfigMap and
//! Secret data keys.
//!
//! ## What is not checked
//!
//! - CEL rules (`x-kubernetes-validations`) are not evaluated; [`Catalog::cel_rules`] lists them
//!   for callers to inspect or test by other means.
//! - Admission webhooks (validating or mutating, e.g. Cluster API's own webhooks) and
//!   admission policies.
//! - Defaulting: defaults are not applied (a missing required field with a default passes, and a
//!   list-map key uses its default), and defaulted values are not validated.
//! - Updates: immutability, ratcheting and other rules that compare with the stored object.
//! - For built-in kinds, the API server's hand-written validation beyond the items listed above
//!   (e.g. selector matching template labels, port ranges, enum-like string fields).
//! - References between objects (that a referenced object exists).

mod catalog;
mod check;
mod core_kinds;
mod formats;
mod goregex;
mod metadata;
mod openapi;
mod path;
mod quantity;
mod yaml;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub use catalog::{Catalog, Crd, CrdVersion, Error, Scope};
pub use core_kinds::CORE_KINDS;

/// One reason a real API server would reject or silently change an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Where, as a field path: `spec.template.spec.containers[0].name`, `metadata.labels[key]`;
    /// empty for the object itself.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl Violation {
    pub(crate) fn new(path: &str, message: &str) -> Self {
        Violation {
            path: path.to_owned(),
            message: message.to_owned(),
        }
    }

    pub(crate) fn unknown_field(path: &str) -> Self {
        Violation::new(path, UNKNOWN_FIELD)
    }
}

/// The message of a field that the schema does not declare.
pub const UNKNOWN_FIELD: &str = "unknown field (a real API server would prune it)";

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// One violation a line, for test failure messages.
pub fn format_violations(violations: &[Violation]) -> String {
    violations.iter().map(|v| format!("  {v}\n")).collect()
}

/// The upstream CRD folder: `$DROVER_CRDS_DIR` if set, else `<workspace root>/../shared/crds`
/// (the workspace root as of compile time). `None` if that is not a folder.
pub fn locate_crds_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("DROVER_CRDS_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/crds"),
    };
    dir.is_dir().then_some(dir)
}

/// The message printed when the CRD folder is absent.
pub const SKIP_MESSAGE: &str = "SKIPPED upstream conformance: ../shared/crds not found (set DROVER_CRDS_DIR); CI always has it";

/// The catalog for tests, loaded once per process.
///
/// When the CRD folder is absent, prints [`SKIP_MESSAGE`] to stderr and returns `None`, except
/// in CI (`CI` set in the environment), where it panics: CI always has the folder. It also panics
/// when `DROVER_CRDS_DIR` is set but is not a folder, and when the folder cannot be loaded.
pub fn catalog_or_skip() -> Option<&'static Catalog> {
    static CATALOG: OnceLock<Option<Catalog>> = OnceLock::new();
    let catalog = CATALOG.get_or_init(|| {
        let Some(dir) = locate_crds_dir() else {
            if let Some(set) = std::env::var_os("DROVER_CRDS_DIR") {
                panic!("DROVER_CRDS_DIR={} is not a folder", Path::new(&set).display());
            }
            if std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false") {
                panic!("upstream CRDs not found beside the repository (../shared/crds), and CI always has them");
            }
            return None;
        };
        match Catalog::load(&dir) {
            Ok(catalog) => Some(catalog),
            Err(e) => panic!("loading the upstream CRDs from {}: {e}", dir.display()),
        }
    });
    if catalog.is_none() {
        eprintln!("{SKIP_MESSAGE}");
    }
    catalog.as_ref()
}

/// Checks `object` with [`catalog_or_skip`] and panics with every violation; does nothing when
/// the CRD folder is absent (outside CI). For tests of rendered output.
pub fn assert_conforms(object: &serde_json::Value) {
    let Some(catalog) = catalog_or_skip() else {
        return;
    };
    if let Err(violations) = catalog.check(object) {
        let id = |key: &str| {
            object
                .get(key)
                .and_then(serde_json::Value::as_str)
                .unwrap_or("?")
        };
        let name = object
            .pointer("/metadata/name")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("?");
        panic!(
            "{} {} {name} does not conform to its upstream schema:\n{}",
            id("apiVersion"),
            id("kind"),
            format_violations(&violations)
        );
    }
}
