//! YAML (via `saphyr`) to `serde_json::Value`, for the CRD files.

use saphyr::{LoadableYamlNode, Scalar, Yaml};
use serde_json::{Map, Number, Value};

/// Parses every document of a YAML stream into JSON values.
pub(crate) fn parse_documents(text: &str) -> Result<Vec<Value>, String> {
    let docs = Yaml::load_from_str(text).map_err(|e| e.to_string())?;
    docs.iter().map(to_json).collect()
}

fn to_json(node: &Yaml<'_>) -> Result<Value, String> {
    match node {
        Yaml::Value(scalar) => scalar_to_json(scalar),
        Yaml::Representation(repr, style, tag) => {
            let scalar = Scalar::parse_from_cow_and_metadata(repr.clone(), *style, tag.as_ref())
                .ok_or_else(|| format!("invalid scalar {repr:?}"))?;
            scalar_to_json(&scalar)
        }
        Yaml::Sequence(items) => items
            .iter()
            .map(to_json)
            .collect::<Result<_, _>>()
            .map(Value::Array),
        Yaml::Mapping(entries) => {
            let mut map = Map::with_capacity(entries.len());
            for (key, value) in entries {
                let key = key_to_string(key)?;
                if map.insert(key.clone(), to_json(value)?).is_some() {
                    return Err(format!("duplicate key {key:?}"));
                }
            }
            Ok(Value::Object(map))
        }
        Yaml::Tagged(tag, inner) => {
            // `!!str 123` and friends: only the core string tag changes the meaning of a scalar.
            if tag.is_yaml_core_schema()
                && tag.suffix == "str"
                && let Some(text) = scalar_text(inner)
            {
                return Ok(Value::String(text));
            }
            to_json(inner)
        }
        Yaml::Alias(_) => Err("YAML aliases are not supported".to_owned()),
        Yaml::BadValue => Err("invalid YAML value".to_owned()),
    }
}

fn scalar_to_json(scalar: &Scalar<'_>) -> Result<Value, String> {
    Ok(match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::Number(Number::from(*i)),
        Scalar::FloatingPoint(f) => Value::Number(
            Number::from_f64(f.into_inner()).ok_or_else(|| format!("non-finite number {f}"))?,
        ),
        Scalar::String(s) => Value::String(s.to_string()),
    })
}

fn scalar_text(node: &Yaml<'_>) -> Option<String> {
    match node {
        Yaml::Representation(repr, _, _) => Some(repr.to_string()),
        Yaml::Value(Scalar::String(s)) => Some(s.to_string()),
        _ => None,
    }
}

/// Mapping keys become strings, as `sigs.k8s.io/yaml` does.
fn key_to_string(key: &Yaml<'_>) -> Result<String, String> {
    match to_json(key)? {
        Value::String(s) => Ok(s),
        Value::Null => Ok("null".to_owned()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(format!("unsupported mapping key {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_and_nesting() {
        let docs = parse_documents("a: 1\nb: [x, 'y', true, null, 1.5]\n---\nc: {d: e}\n")
            .expect("valid yaml");
        assert_eq!(docs.len(), 2);
        assert_eq!(
            docs[0],
            serde_json::json!({"a": 1, "b": ["x", "y", true, null, 1.5]})
        );
        assert_eq!(docs[1], serde_json::json!({"c": {"d": "e"}}));
    }

    #[test]
    fn duplicate_keys_are_errors() {
        assert!(parse_documents("a: 1\na: 2\n").is_err());
    }
}
