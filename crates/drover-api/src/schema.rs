//! Helpers that shape the derived OpenAPI schemas of the CRDs.

use schemars::Schema;

/// `#[schemars(transform = ...)]` for enums: drops the type's own description and title.
///
/// kube folds an `Option<Enum>` field's schema into the field and lets the enum's description win
/// over the field's doc comment; without the type's text, every such field keeps its own. Rust
/// docs of the enum are unaffected.
pub(crate) fn field_describes_enum(schema: &mut Schema) {
    schema.remove("description");
    schema.remove("title");
}
