//! Tests of the generated CRDs: shape (descriptions, structural schema, names, columns), CEL rules
//! and their behaviour, the design's examples, the `drover crds` output and the API reference.

mod cel;
mod docs;
mod examples;
mod output;
mod shape;
mod support;
