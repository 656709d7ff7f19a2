//! Every combination a generated form allows, read from its JSON Schema the way the form
//! narrows: environment → its branch (namespace, infrastructure) → the infrastructure's branch
//! (size, replicas, add-ons, version).

use serde_json::{Map, Value, json};

/// The choices of one environment/infrastructure branch: field → every value it may take.
pub struct Branch {
    pub environment: String,
    pub infrastructure: String,
    pub namespaces: Vec<String>,
    pub fields: Vec<(String, Vec<Value>)>,
}

impl Branch {
    /// Every combination of the branch's fields, with the first namespace and `fixed` values.
    pub fn combinations(&self, fixed: &Map<String, Value>) -> Vec<Map<String, Value>> {
        let mut base = fixed.clone();
        base.insert("environment".into(), json!(self.environment));
        base.insert("infrastructure".into(), json!(self.infrastructure));
        base.insert("namespace".into(), json!(self.namespaces[0]));
        let mut all = vec![base];
        for (field, values) in &self.fields {
            all = all
                .into_iter()
                .flat_map(|partial| {
                    values.iter().map(move |value| {
                        let mut next = partial.clone();
                        next.insert(field.clone(), value.clone());
                        next
                    })
                })
                .collect();
        }
        all
    }

    /// The branch's defaults (the first value where no default is given), for each namespace.
    pub fn defaults_per_namespace(
        &self,
        fixed: &Map<String, Value>,
        leaf: &Map<String, Value>,
    ) -> Vec<Map<String, Value>> {
        self.namespaces
            .iter()
            .map(|namespace| {
                let mut values = fixed.clone();
                values.insert("environment".into(), json!(self.environment));
                values.insert("infrastructure".into(), json!(self.infrastructure));
                values.insert("namespace".into(), json!(namespace));
                for (field, choices) in &self.fields {
                    let default = leaf[field.as_str()]
                        .get("default")
                        .cloned()
                        .unwrap_or_else(|| choices[0].clone());
                    values.insert(field.clone(), default);
                }
                values
            })
            .collect()
    }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_str().expect("a string").to_owned())
        .collect()
}

/// The branch whose `properties[field].const` is `value`.
pub fn branch<'a>(dependencies: &'a Value, field: &str, value: &str) -> &'a Value {
    dependencies[field]["oneOf"]
        .as_array()
        .expect("oneOf")
        .iter()
        .find(|b| b["properties"][field]["const"] == json!(value))
        .unwrap_or_else(|| panic!("no branch for {field} {value}"))
}

/// The values one leaf property allows.
pub fn values(schema: &Value) -> Vec<Value> {
    if let Some(values) = schema.get("enum") {
        return values.as_array().expect("enum").clone();
    }
    match schema["type"].as_str() {
        Some("integer") => {
            let min = schema["minimum"].as_i64().expect("minimum");
            let max = schema["maximum"].as_i64().expect("maximum");
            let step = schema
                .get("multipleOf")
                .and_then(Value::as_i64)
                .unwrap_or(1);
            (min..=max)
                .filter(|n| n % step == 0)
                .map(|n| json!(n))
                .collect()
        }
        Some("array") => {
            let items = schema["items"]["enum"].as_array().expect("items.enum");
            assert_eq!(schema["uniqueItems"], json!(true));
            (0..1u32 << items.len())
                .map(|mask| {
                    Value::Array(
                        items
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| mask & (1 << i) != 0)
                            .map(|(_, item)| item.clone())
                            .collect(),
                    )
                })
                .collect()
        }
        other => panic!("no enumeration for a {other:?} field: {schema}"),
    }
}

/// Every environment/infrastructure branch of the form's placement page.
pub fn branches(parameters: &Value) -> Vec<(Branch, Map<String, Value>)> {
    let page = &parameters[1];
    let mut out = Vec::new();
    for environment in page["properties"]["environment"]["oneOf"]
        .as_array()
        .expect("environments")
    {
        let env = environment["const"].as_str().expect("const");
        let env_branch = branch(&page["dependencies"], "environment", env);
        let namespaces = strings(&env_branch["properties"]["namespace"]["enum"]);
        for infra in strings(&env_branch["properties"]["infrastructure"]["enum"]) {
            let leaf = branch(&env_branch["dependencies"], "infrastructure", &infra);
            let properties = leaf["properties"].as_object().expect("properties").clone();
            let fields = properties
                .iter()
                .filter(|(name, _)| name.as_str() != "infrastructure")
                .map(|(name, schema)| (name.clone(), values(schema)))
                .collect();
            out.push((
                Branch {
                    environment: env.to_owned(),
                    infrastructure: infra,
                    namespaces: namespaces.clone(),
                    fields,
                },
                properties,
            ));
        }
    }
    out
}
