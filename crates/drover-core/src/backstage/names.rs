//! Backstage's naming rules, which are not Kubernetes' (catalog-model's
//! `KubernetesValidatorFunctions`): an entity name is 1–63 characters of `[A-Za-z0-9]` separated
//! by single `-`, `_` or `.`; a namespace is a lowercase DNS label; a label value follows the
//! name rule (or is empty); a tag is 1–63 characters of `[a-z0-9:+#]` separated by single `-`.
//! drover's own names are DNS names, so they mostly pass unchanged; what does not is rewritten
//! deterministically, with a short hash when it had to be shortened.

use sha2::{Digest, Sha256};

/// Longest entity name, label value and tag.
pub const MAX_NAME_LEN: usize = 63;

/// Whether `name` is a valid entity name (and label value, and the name part of a key).
pub fn is_entity_name(name: &str) -> bool {
    is_separated(
        name,
        |c| c.is_ascii_alphanumeric(),
        |c| matches!(c, '-' | '_' | '.'),
    )
}

/// Whether `tag` is a valid entity tag.
pub fn is_tag(tag: &str) -> bool {
    is_separated(
        tag,
        |c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, ':' | '+' | '#'),
        |c| c == '-',
    )
}

/// Whether `key` is a valid label or annotation key: an optional DNS-subdomain prefix and `/`,
/// then a name.
pub fn is_key(key: &str) -> bool {
    match key.split_once('/') {
        Some((prefix, name)) => is_dns_subdomain(prefix) && is_entity_name(name),
        None => is_entity_name(key),
    }
}

fn is_dns_subdomain(prefix: &str) -> bool {
    prefix.len() <= 253
        && prefix.split('.').all(|part| {
            !part.is_empty()
                && part.len() <= 63
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !part.starts_with('-')
                && !part.ends_with('-')
        })
}

/// Runs of `allowed` characters separated by single `separator`s, 1–63 characters in all.
fn is_separated(
    text: &str,
    allowed: impl Fn(char) -> bool,
    separator: impl Fn(char) -> bool,
) -> bool {
    if text.is_empty() || text.len() > MAX_NAME_LEN {
        return false;
    }
    let mut previous_separator = true;
    for c in text.chars() {
        if allowed(c) {
            previous_separator = false;
        } else if separator(c) && !previous_separator {
            previous_separator = true;
        } else {
            return false;
        }
    }
    !previous_separator
}

/// `raw` as a valid entity name: characters outside the rule become `-`, separator runs
/// collapse, leading and trailing separators go; longer than 63 characters, it is cut and ends
/// in 8 hex digits of its hash so that different long names stay different.
pub fn entity_name(raw: &str) -> String {
    rewrite(
        raw,
        |c| c.is_ascii_alphanumeric(),
        |c| matches!(c, '-' | '_' | '.'),
    )
}

/// `raw` as a valid tag (lowercased, like [`entity_name`] otherwise).
pub fn tag(raw: &str) -> String {
    rewrite(
        &raw.to_ascii_lowercase(),
        |c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, ':' | '+' | '#'),
        |c| c == '-',
    )
}

fn rewrite(raw: &str, allowed: impl Fn(char) -> bool, separator: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        let last_is_separator = out.chars().last().is_none_or(&separator);
        if allowed(c) {
            out.push(c);
        } else if !last_is_separator {
            // Keep a separator the rule allows; anything else becomes `-`.
            out.push(if separator(c) { c } else { '-' });
        }
    }
    while out.chars().last().is_some_and(&separator) {
        out.pop();
    }
    if out.is_empty() {
        out.push('x');
    }
    if out.len() > MAX_NAME_LEN || out != raw && raw.len() > MAX_NAME_LEN {
        let digest = Sha256::digest(raw.as_bytes());
        let hash: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
        out.truncate(MAX_NAME_LEN - hash.len() - 1);
        while out.chars().last().is_some_and(&separator) {
            out.pop();
        }
        out.push('-');
        out.push_str(&hash);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names_pass_unchanged() {
        for name in ["payments-prod", "2xlarge", "v1.32.1", "a", "team_a.b"] {
            assert!(is_entity_name(name), "{name}");
            assert_eq!(entity_name(name), name);
        }
    }

    #[test]
    fn invalid_names_are_rewritten_to_valid_ones() {
        assert_eq!(entity_name("Team Payments!"), "Team-Payments");
        assert_eq!(entity_name("-a--b__c-"), "a-b_c");
        assert_eq!(entity_name("a/b:c"), "a-b-c");
        assert_eq!(entity_name("///"), "x");
        for raw in ["Team Payments!", "-a--b__c-", "a/b:c", "///", "ä"] {
            assert!(is_entity_name(&entity_name(raw)), "{raw}");
        }
    }

    #[test]
    fn long_names_are_cut_with_a_hash_that_keeps_them_apart() {
        let a = format!("{}-a", "x".repeat(70));
        let b = format!("{}-b", "x".repeat(70));
        let (name_a, name_b) = (entity_name(&a), entity_name(&b));
        assert_eq!(name_a.len(), MAX_NAME_LEN);
        assert!(is_entity_name(&name_a) && is_entity_name(&name_b));
        assert_ne!(name_a, name_b);
        assert_eq!(entity_name(&"y".repeat(63)), "y".repeat(63));
    }

    #[test]
    fn the_rules_refuse_what_backstage_refuses() {
        for bad in ["", "-a", "a-", "a--b", "a b", "a/b", &"z".repeat(64)] {
            assert!(!is_entity_name(bad), "{bad:?}");
        }
        assert!(is_key("drover.dev/environment"));
        assert!(is_key("backstage.io/kubernetes-label-selector"));
        assert!(!is_key("Drover.dev/x"));
        assert!(!is_key("drover.dev/"));
        assert!(is_tag("kubevirt") && is_tag("k8s:v1") && !is_tag("KubeVirt") && !is_tag("a_b"));
        assert_eq!(tag("KubeVirt_Prod"), "kubevirt-prod");
    }
}
