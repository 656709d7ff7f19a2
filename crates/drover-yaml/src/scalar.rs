//! Scalars: when a string may be written plain, and how it is quoted or blocked otherwise.

use std::fmt::Write as _;

use serde_json::Value;

/// Writes a scalar (or an empty map/list as `{}`/`[]`) without a trailing newline.
pub(crate) fn write_scalar(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(number) => {
            let _ = write!(out, "{number}");
        }
        Value::String(text) => write_string(text, out),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

/// Writes a mapping key.
pub(crate) fn write_key(key: &str, out: &mut String) {
    write_string(key, out);
}

fn write_string(text: &str, out: &mut String) {
    if is_plain_safe(text) {
        out.push_str(text);
    } else {
        write_double_quoted(text, out);
    }
}

/// Writes a multi-line string as a literal block (header, newline, lines at `indent`), or
/// double-quoted when it holds characters a block cannot carry.
pub(crate) fn write_block_or_quoted(text: &str, indent: usize, out: &mut String) {
    // Top-level strings (indent 0) and content a block cannot carry are quoted instead: all
    // newlines, lines starting with a tab (tabs are not indentation), non-printable characters.
    let blockable = indent > 0
        && !text.trim_end_matches('\n').is_empty()
        && !text.split('\n').any(|line| line.starts_with('\t'))
        && text
            .chars()
            .all(|c| c == '\n' || c == '\t' || is_printable(c));
    if !blockable {
        write_double_quoted(text, out);
        out.push('\n');
        return;
    }
    out.push('|');
    // The indentation is detected from the first non-empty line; state it when that line
    // itself starts with a space.
    if text
        .lines()
        .find(|l| !l.is_empty())
        .is_some_and(|l| l.starts_with(' '))
    {
        out.push('2');
    }
    let trailing = text.len() - text.trim_end_matches('\n').len();
    match trailing {
        0 => out.push('-'),
        1 => {}
        _ => out.push('+'),
    }
    out.push('\n');
    let body = text.strip_suffix('\n').unwrap_or(text);
    for line in body.split('\n') {
        if !line.is_empty() {
            out.extend(std::iter::repeat_n(' ', indent));
            out.push_str(line);
        }
        out.push('\n');
    }
}

fn is_printable(c: char) -> bool {
    !(c.is_control() || matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}'))
}

fn write_double_quoted(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if !is_printable(c) => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Words a YAML 1.1 or 1.2 reader resolves to null, a boolean or a special float.
const RESERVED: &[&str] = &[
    "null", "~", "true", "false", "yes", "no", "y", "n", "on", "off", ".inf", "-.inf", "+.inf",
    ".nan", "=", "<<",
];

/// Whether `text` holds a character that no YAML 1.1 or 1.2 number (decimal, hex, octal,
/// binary, float, sexagesimal), timestamp or special float can contain, such as the `G` and `i`
/// of `50Gi`, the `/` of a CIDR or the `%` of `33%`: such a string cannot be resolved to
/// anything but a string.
fn has_non_numeric_char(text: &str) -> bool {
    text.bytes().any(|b| {
        !(b.is_ascii_digit()
            || b.is_ascii_hexdigit()
            || matches!(
                b,
                b'.' | b'_'
                    | b'+'
                    | b'-'
                    | b':'
                    | b' '
                    | b'x'
                    | b'X'
                    | b'o'
                    | b'O'
                    | b't'
                    | b'T'
                    | b'z'
                    | b'Z'
                    | b'n'
                    | b'N'
                    | b'i'
                    | b'I'
            ))
    })
}

/// Whether `text` reads back as the same string when written plain, for YAML 1.1 and 1.2
/// readers. Conservative: anything that might be a number, date or special word is quoted.
fn is_plain_safe(text: &str) -> bool {
    let bytes = text.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if first == b' ' || last == b' ' || last == b':' {
        return false;
    }
    if first.is_ascii_digit() && !has_non_numeric_char(text) {
        return false;
    }
    match first {
        // `-`, `?` and `:` may start a plain scalar only when followed by a non-space; a `-`, `+`
        // or `.` before a digit may read as a number.
        b'-' | b'?' | b':' | b'+' | b'.' => match bytes.get(1) {
            None | Some(b' ') => return false,
            Some(next)
                if (next.is_ascii_digit() || *next == b'.') && !has_non_numeric_char(text) =>
            {
                return false;
            }
            Some(_) => {}
        },
        b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
        | b'"' | b'%' | b'@' | b'`' => return false,
        _ => {}
    }
    if text.contains(": ")
        || text.contains(" #")
        || text.starts_with("---")
        || text.starts_with("...")
    {
        return false;
    }
    if !text.chars().all(|c| c != '\t' && is_printable(c)) {
        return false;
    }
    if text.len() <= 6 && RESERVED.iter().any(|word| word.eq_ignore_ascii_case(text)) {
        return false;
    }
    true
}
