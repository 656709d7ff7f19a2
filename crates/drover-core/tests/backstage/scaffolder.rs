//! What Backstage's Scaffolder does with a template's `${{ ... }}` expressions, for the parts the
//! generated template uses (NunjucksWorkflowRunner's `render`): a string that is one expression
//! keeps the value's type (an empty result removes the key); other strings are interpolated; an
//! `if:` runs the step when the result is truthy. Expressions: `parameters.x`, `user.ref`,
//! string literals, `==`, `!=`, `and`, `or` and parentheses (Nunjucks' syntax).

use serde_json::{Map, Value};

/// The template context: the form's values and the user.
pub struct Context<'a> {
    pub parameters: &'a Map<String, Value>,
    pub user_ref: &'a str,
}

/// Renders `value` like Backstage renders a step's input: `None` when it is removed.
pub fn render(value: &Value, context: &Context<'_>) -> Option<Value> {
    match value {
        Value::String(text) => render_string(text, context),
        Value::Array(items) => Some(Value::Array(
            items
                .iter()
                .filter_map(|item| render(item, context))
                .collect(),
        )),
        Value::Object(fields) => Some(Value::Object(
            fields
                .iter()
                .filter_map(|(key, value)| Some((key.clone(), render(value, context)?)))
                .collect(),
        )),
        other => Some(other.clone()),
    }
}

/// Whether a step with this `if:` runs.
pub fn runs(condition: Option<&Value>, context: &Context<'_>) -> bool {
    match condition {
        None => true,
        Some(Value::Bool(flag)) => *flag,
        Some(value) => render(value, context).is_some_and(|v| truthy(&v)),
    }
}

fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(flag) => *flag,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

fn render_string(text: &str, context: &Context<'_>) -> Option<Value> {
    let trimmed = text.trim();
    if let Some(inner) = trimmed
        .strip_prefix("${{")
        .and_then(|rest| rest.strip_suffix("}}"))
        && !inner.contains("${{")
        && text == trimmed
    {
        // One expression: its value, type kept; nothing (undefined) removes the key.
        return evaluate(inner, context);
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 3..];
        let end = after.find("}}").expect("closed expression");
        match evaluate(&after[..end], context) {
            Some(Value::String(s)) => out.push_str(&s),
            Some(Value::Null) | None => {}
            Some(other) => out.push_str(&other.to_string()),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    (!out.is_empty()).then_some(Value::String(out))
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Path(String),
    Literal(String),
    Eq,
    Ne,
    And,
    Or,
    Open,
    Close,
}

fn tokens(expression: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = expression.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            tokens.push(Token::Open);
            i += 1;
        } else if c == ')' {
            tokens.push(Token::Close);
            i += 1;
        } else if c == '\'' {
            let end = chars[i + 1..]
                .iter()
                .position(|&d| d == '\'')
                .expect("closed string")
                + i
                + 1;
            tokens.push(Token::Literal(chars[i + 1..end].iter().collect()));
            i = end + 1;
        } else if chars[i..].starts_with(&['=', '=']) {
            tokens.push(Token::Eq);
            i += 2;
        } else if chars[i..].starts_with(&['!', '=']) {
            tokens.push(Token::Ne);
            i += 2;
        } else {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '.' | '_'))
            {
                i += 1;
            }
            assert!(i > start, "unexpected `{c}` in `{expression}`");
            let word: String = chars[start..i].iter().collect();
            tokens.push(match word.as_str() {
                "and" => Token::And,
                "or" => Token::Or,
                _ => Token::Path(word),
            });
        }
    }
    tokens
}

/// Evaluates one expression; `None` is Nunjucks' undefined.
fn evaluate(expression: &str, context: &Context<'_>) -> Option<Value> {
    let tokens = tokens(expression);
    let mut parser = Parser {
        tokens: &tokens,
        at: 0,
        context,
    };
    let value = parser.or();
    assert_eq!(parser.at, tokens.len(), "unparsed rest of `{expression}`");
    value
}

struct Parser<'t, 'c> {
    tokens: &'t [Token],
    at: usize,
    context: &'c Context<'c>,
}

impl Parser<'_, '_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn or(&mut self) -> Option<Value> {
        let mut left = self.and();
        while self.peek() == Some(&Token::Or) {
            self.at += 1;
            let right = self.and();
            left = Some(Value::Bool(
                left.as_ref().is_some_and(truthy) || right.as_ref().is_some_and(truthy),
            ));
        }
        left
    }

    fn and(&mut self) -> Option<Value> {
        let mut left = self.comparison();
        while self.peek() == Some(&Token::And) {
            self.at += 1;
            let right = self.comparison();
            left = Some(Value::Bool(
                left.as_ref().is_some_and(truthy) && right.as_ref().is_some_and(truthy),
            ));
        }
        left
    }

    fn comparison(&mut self) -> Option<Value> {
        let left = self.primary();
        match self.peek() {
            Some(Token::Eq) => {
                self.at += 1;
                let right = self.primary();
                Some(Value::Bool(left == right))
            }
            Some(Token::Ne) => {
                self.at += 1;
                let right = self.primary();
                Some(Value::Bool(left != right))
            }
            _ => left,
        }
    }

    fn primary(&mut self) -> Option<Value> {
        let token = self.tokens.get(self.at).cloned().expect("an operand");
        self.at += 1;
        match token {
            Token::Open => {
                let value = self.or();
                assert_eq!(self.peek(), Some(&Token::Close), "unclosed (");
                self.at += 1;
                value
            }
            Token::Literal(text) => Some(Value::String(text)),
            Token::Path(path) => match path.split_once('.') {
                Some(("parameters", name)) => self.context.parameters.get(name).cloned(),
                Some(("user", "ref")) => Some(Value::String(self.context.user_ref.to_owned())),
                _ => panic!("the emulation does not know `{path}`"),
            },
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn the_emulation_keeps_types_interpolates_and_drops_undefined() {
    let parameters: Map<String, Value> =
        serde_json::from_str(r#"{"name": "a", "count": 3, "list": ["x"], "env": "dev"}"#)
            .expect("json");
    let context = Context {
        parameters: &parameters,
        user_ref: "user:default/me",
    };
    let input: Value = serde_json::from_str(
        r#"{"n": "${{ parameters.count }}", "l": "${{ parameters.list }}",
            "s": "clusters/${{ parameters.name }}.yaml", "gone": "${{ parameters.missing }}",
            "u": "by ${{ user.ref }}"}"#,
    )
    .expect("json");
    let rendered = render(&input, &context).expect("object");
    assert_eq!(
        rendered,
        serde_json::json!({"n": 3, "l": ["x"], "s": "clusters/a.yaml", "u": "by user:default/me"})
    );
    let yes = Value::String(
        "${{ (parameters.env == 'dev' and parameters.name != 'b') or parameters.env == 'x' }}"
            .into(),
    );
    let no = Value::String(
        "${{ (parameters.env == 'prod' and parameters.name == 'a') or (parameters.env == 'x') }}"
            .into(),
    );
    assert!(runs(Some(&yes), &context));
    assert!(!runs(Some(&no), &context));
}
