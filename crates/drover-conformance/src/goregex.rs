//! Go (RE2) regular expressions, as the API server evaluates `pattern`, on top of the `regex` crate.
//!
//! The two dialects agree on most syntax, but not on these points, which [`translate`] rewrites:
//! - Go's `\d`, `\s`, `\w` and `\b` are ASCII-only; the `regex` crate's are Unicode-aware.
//! - Inside a Go character class, `[` is an ordinary character (unless it starts `[:name:]`) and
//!   `&&`, `--`, `~~` have no meaning; the `regex` crate reads nested classes and set operations.
//! - Go supports `\Q...\E` literal text.
//!
//! Anything else that Go accepts but the `regex` crate does not is reported as an error by the
//! caller (a failed check, never a silent pass).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use regex::Regex;

/// Compiled patterns, shared by every check of a catalog.
#[derive(Debug, Default)]
pub(crate) struct RegexCache {
    compiled: Mutex<HashMap<String, Result<Arc<Regex>, String>>>,
}

impl RegexCache {
    /// The compiled form of the Go pattern `pattern`, or why it cannot be compiled.
    pub(crate) fn get(&self, pattern: &str) -> Result<Arc<Regex>, String> {
        let mut map = self
            .compiled
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(found) = map.get(pattern) {
            return found.clone();
        }
        let compiled = translate(pattern)
            .and_then(|rust| Regex::new(&rust).map_err(|e| e.to_string()))
            .map(Arc::new);
        map.insert(pattern.to_owned(), compiled.clone());
        compiled
    }
}

const GO_SPACE: &str = r"\t\n\x0C\r ";
const GO_WORD: &str = "0-9A-Za-z_";

/// Rewrites a Go regular expression into the `regex` crate's syntax with the same meaning.
pub(crate) fn translate(go: &str) -> Result<String, String> {
    let chars: Vec<char> = go.chars().collect();
    let mut out = String::with_capacity(go.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                let Some(&next) = chars.get(i + 1) else {
                    return Err("trailing backslash".into());
                };
                i += 2;
                match next {
                    'd' => out.push_str("[0-9]"),
                    'D' => out.push_str("[^0-9]"),
                    's' => out.push_str(&format!("[{GO_SPACE}]")),
                    'S' => out.push_str(&format!("[^{GO_SPACE}]")),
                    'w' => out.push_str(&format!("[{GO_WORD}]")),
                    'W' => out.push_str(&format!("[^{GO_WORD}]")),
                    'b' => out.push_str(r"(?-u:\b)"),
                    'B' => out.push_str(r"(?-u:\B)"),
                    'Q' => {
                        while i < chars.len() {
                            if chars[i] == '\\' && chars.get(i + 1) == Some(&'E') {
                                i += 2;
                                break;
                            }
                            push_literal(&mut out, chars[i]);
                            i += 1;
                        }
                    }
                    other => {
                        out.push('\\');
                        out.push(other);
                    }
                }
            }
            '[' => {
                i = translate_class(&chars, i, &mut out)?;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// Translates the class starting at `chars[start] == '['`; returns the index after its `]`.
fn translate_class(chars: &[char], start: usize, out: &mut String) -> Result<usize, String> {
    let mut i = start + 1;
    out.push('[');
    if chars.get(i) == Some(&'^') {
        out.push('^');
        i += 1;
    }
    let mut first = true;
    loop {
        let Some(&c) = chars.get(i) else {
            return Err("missing closing ] in character class".into());
        };
        if c == ']' && !first {
            out.push(']');
            return Ok(i + 1);
        }
        first = false;
        // POSIX class `[:alpha:]` / `[:^alpha:]`: the regex crate reads it the same way.
        if c == '[' && chars.get(i + 1) == Some(&':') {
            let rest: String = chars[i + 2..].iter().collect();
            if let Some(end) = rest.find(":]") {
                let name: String = rest[..end].to_owned();
                out.push_str(&format!("[:{name}:]"));
                i += 2 + name.chars().count() + 2;
                continue;
            }
        }
        let (lo, next) = class_atom(chars, i, out)?;
        i = next;
        let Some(lo) = lo else { continue };
        // A range `lo-hi`, unless the `-` is the last character of the class.
        if chars.get(i) == Some(&'-') && chars.get(i + 1).is_some_and(|&c| c != ']') {
            let mut scratch = String::new();
            let (hi, next) = class_atom(chars, i + 1, &mut scratch)?;
            let Some(hi) = hi else {
                return Err("invalid character class range".into());
            };
            if hi < lo {
                return Err(format!("invalid character class range {lo}-{hi}"));
            }
            i = next;
            push_literal(out, lo);
            out.push('-');
            push_literal(out, hi);
        } else {
            push_literal(out, lo);
        }
    }
}

/// Reads one item of a class at `chars[i]`. A single character is returned (for the caller to
/// emit, possibly as the start of a range); a class escape (`\d`, `\pL`) is emitted directly.
fn class_atom(chars: &[char], i: usize, out: &mut String) -> Result<(Option<char>, usize), String> {
    let c = chars[i];
    if c != '\\' {
        return Ok((Some(c), i + 1));
    }
    let Some(&e) = chars.get(i + 1) else {
        return Err("trailing backslash".into());
    };
    let after = i + 2;
    let class = |body: &str, negated: bool| {
        if negated {
            format!("[^{body}]")
        } else {
            body.to_owned()
        }
    };
    match e {
        'd' | 'D' => out.push_str(&class("0-9", e == 'D')),
        's' | 'S' => out.push_str(&class(GO_SPACE, e == 'S')),
        'w' | 'W' => out.push_str(&class(GO_WORD, e == 'W')),
        'p' | 'P' => {
            let (name, next) = if chars.get(after) == Some(&'{') {
                let close = chars[after..]
                    .iter()
                    .position(|&c| c == '}')
                    .ok_or("missing } in \\p{...}")?;
                (
                    chars[after..=after + close].iter().collect::<String>(),
                    after + close + 1,
                )
            } else {
                let Some(&letter) = chars.get(after) else {
                    return Err("missing Unicode class name".into());
                };
                (letter.to_string(), after + 1)
            };
            out.push('\\');
            out.push(e);
            out.push_str(&name);
            return Ok((None, next));
        }
        'a' => return Ok((Some('\x07'), after)),
        'f' => return Ok((Some('\x0C'), after)),
        't' => return Ok((Some('\t'), after)),
        'n' => return Ok((Some('\n'), after)),
        'r' => return Ok((Some('\r'), after)),
        'v' => return Ok((Some('\x0B'), after)),
        'x' => return hex_escape(chars, after),
        '0'..='7' => {
            let mut value = 0u32;
            let mut j = i + 1;
            while j < chars.len() && j < i + 4 && chars[j].is_digit(8) {
                value = value * 8 + chars[j].to_digit(8).unwrap_or(0);
                j += 1;
            }
            let c = char::from_u32(value).ok_or("invalid octal escape")?;
            return Ok((Some(c), j));
        }
        p if p.is_ascii_punctuation() => return Ok((Some(p), after)),
        other => return Err(format!("invalid escape \\{other} in character class")),
    }
    Ok((None, after))
}

fn hex_escape(chars: &[char], at: usize) -> Result<(Option<char>, usize), String> {
    let (digits, next): (String, usize) = if chars.get(at) == Some(&'{') {
        let close = chars[at..]
            .iter()
            .position(|&c| c == '}')
            .ok_or("missing } in \\x{...}")?;
        (chars[at + 1..at + close].iter().collect(), at + close + 1)
    } else {
        (
            chars
                .get(at..at + 2)
                .ok_or("short \\x escape")?
                .iter()
                .collect(),
            at + 2,
        )
    };
    let value = u32::from_str_radix(&digits, 16).map_err(|_| "invalid \\x escape".to_owned())?;
    let c = char::from_u32(value).ok_or("invalid \\x escape")?;
    Ok((Some(c), next))
}

fn push_literal(out: &mut String, c: char) {
    if c.is_ascii_alphanumeric() || c == '_' {
        out.push(c);
    } else {
        out.push_str(&format!("\\x{{{:X}}}", c as u32));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, text: &str) -> bool {
        RegexCache::default()
            .get(pattern)
            .expect("compiles")
            .is_match(text)
    }

    #[test]
    fn perl_classes_are_ascii_only() {
        assert!(matches(r"^\d+$", "123"));
        assert!(
            !matches(r"^\d+$", "١٢٣"),
            "Arabic-Indic digits are not Go \\d"
        );
        assert!(!matches(r"^\w+$", "é"));
        assert!(!matches(r"^\s$", "\u{0B}"), "Go \\s has no vertical tab");
        assert!(matches(r"^[\s\d]+$", " 1\t2"));
    }

    #[test]
    fn bracket_inside_class_is_literal() {
        let p = r"[-_[A-Za-z0-9]+@[-_[A-Za-z0-9]+.iam.gserviceaccount.com";
        assert!(matches(p, "my-sa@proj.iam.gserviceaccount.com"));
        assert!(matches(p, "a[b@c.iam.gserviceaccount.com"));
        assert!(!matches(p, "@c.iam.gserviceaccount.com"));
    }

    #[test]
    fn set_operators_are_literal_in_go() {
        assert!(matches(r"^[a&&b]+$", "a&b"));
        // `a-z`, then the range `-`..`x` (Go has no class difference operator).
        assert!(matches(r"^[a-z--x]+$", "a-."));
        assert!(
            RegexCache::default().get(r"[a--]").is_err(),
            "Go rejects the range a..-"
        );
        assert!(matches(r"^[a-z0-9A-Z-_.]+$", "A-_."));
    }

    #[test]
    fn posix_quote_and_unicode() {
        assert!(matches(r"^[[:alpha:]]+$", "abc"));
        assert!(matches(r"^\Qa.b\E$", "a.b"));
        assert!(!matches(r"^\Qa.b\E$", "axb"));
        assert!(matches(r"^[\p{L}]+$", "é"));
        assert!(matches(r"^[^\]]+$", "abc"));
        assert!(matches(r"^[]a]+$", "]a"));
    }

    #[test]
    fn search_is_unanchored_like_go_matchstring() {
        assert!(matches("b", "abc"));
        assert!(matches("^https://", "https://x"));
    }
}
