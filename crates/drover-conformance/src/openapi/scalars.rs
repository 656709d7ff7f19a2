//! String and number keywords: lengths, `pattern`, `format`, bounds, `multipleOf`, ranges.

use serde_json::{Map, Number, Value};

use super::{MAX_JSON_INTEGER_FLOAT, Validator, count_of, flag, number_of, shorten};
use crate::formats::{self, Verdict};

impl Validator<'_> {
    pub(super) fn string(&mut self, s: &Map<String, Value>, text: &str, path: &str) {
        let length = text.chars().count();
        if let Some(min) = count_of(s, "minLength")
            && length < min
        {
            self.report(
                path,
                format!("must be at least {min} characters long, is {length}"),
            );
        }
        if let Some(max) = count_of(s, "maxLength")
            && length > max
        {
            self.report(
                path,
                format!("must be at most {max} characters long, is {length}"),
            );
        }
        if let Some(pattern) = s.get("pattern").and_then(Value::as_str) {
            match self.regexes.get(pattern) {
                Ok(re) if re.is_match(text) => {}
                Ok(_) => self.report(
                    path,
                    format!(
                        "{} does not match the pattern {pattern:?}",
                        shorten(&Value::from(text))
                    ),
                ),
                Err(e) => self.report(
                    path,
                    format!(
                        "pattern {pattern:?} cannot be checked by the conformance checker: {e}"
                    ),
                ),
            }
        }
        // The API server checks string formats only on string-typed (or untyped) schemas.
        let string_schema = match s.get("type") {
            None => true,
            Some(Value::String(t)) => t == "string",
            Some(_) => false,
        };
        if let (Some(format), true) = (s.get("format").and_then(Value::as_str), string_schema) {
            match formats::check(format, text) {
                Verdict::Ok => {}
                Verdict::Invalid => self.report(path, format!("{} is not a valid {format}", shorten(&Value::from(text)))),
                Verdict::Unimplemented => self.report(
                    path,
                    format!("format {format:?} is validated by the API server but not implemented by the conformance checker"),
                ),
            }
        }
    }

    pub(super) fn number(&mut self, s: &Map<String, Value>, n: &Number, path: &str) {
        let Some(x) = n.as_f64() else { return };
        if let Some(min) = number_of(s, "minimum") {
            if flag(s, "exclusiveMinimum") && x <= min {
                self.report(path, format!("must be greater than {min}, is {n}"));
            } else if x < min {
                self.report(
                    path,
                    format!("must be greater than or equal to {min}, is {n}"),
                );
            }
        }
        if let Some(max) = number_of(s, "maximum") {
            if flag(s, "exclusiveMaximum") && x >= max {
                self.report(path, format!("must be less than {max}, is {n}"));
            } else if x > max {
                self.report(path, format!("must be less than or equal to {max}, is {n}"));
            }
        }
        if let Some(factor) = number_of(s, "multipleOf") {
            let quotient = if factor < 1.0 {
                1.0 / factor * x
            } else {
                x / factor
            };
            let integral = quotient.is_finite()
                && quotient.abs() <= MAX_JSON_INTEGER_FLOAT
                && (quotient - quotient.round()).abs() <= 1e-9 * quotient.abs().max(1.0);
            if factor <= 0.0 || !integral {
                self.report(path, format!("must be a multiple of {factor}, is {n}"));
            }
        }
        let ty = s.get("type").and_then(Value::as_str);
        match (ty, s.get("format").and_then(Value::as_str)) {
            (Some("integer"), Some("int32"))
                if !(f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&x) =>
            {
                self.report(path, format!("{n} is out of the int32 range"));
            }
            (Some("integer"), Some("int64"))
                if n.as_i64().is_none()
                    && !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&x) =>
            {
                self.report(path, format!("{n} is out of the int64 range"));
            }
            (Some("number"), Some("float")) if x.abs() > f64::from(f32::MAX) => {
                self.report(path, format!("{n} is out of the float range"));
            }
            _ => {}
        }
    }
}
