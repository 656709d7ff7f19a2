//! "Did you mean …?" for misspelt field names and kinds.

/// The candidate closest to `word`, when it is close enough to be a likely typo: the same word in
/// another case or spelling style (`control_plane` for `controlPlane`, `podCidr` for `podCIDR`), or
/// within a small edit distance (one edit for short words, up to three for long ones).
/// Ties go to the candidate listed first.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let normalized = normalize(word);
    let word_len = word.chars().count();
    let budget = match word_len {
        0..=3 => 1,
        4..=7 => 2,
        _ => 3,
    };
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == word {
            continue;
        }
        let distance = if normalize(candidate) == normalized {
            0
        } else {
            levenshtein(word, candidate)
        };
        if distance <= budget && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// Lower case without `-` and `_`, so spelling styles compare equal.
fn normalize(word: &str) -> String {
    word.chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Levenshtein distance over characters.
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance() {
        assert_eq!(levenshtein("", ""), 0);
        assert_eq!(levenshtein("workrs", "workers"), 1);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
    }

    #[test]
    fn suggests_typos_and_spelling_styles() {
        let fields = ["environment", "infrastructure", "workers", "controlPlane"];
        assert_eq!(closest("workrs", fields), Some("workers"));
        assert_eq!(closest("enviroment", fields), Some("environment"));
        assert_eq!(closest("control_plane", fields), Some("controlPlane"));
        assert_eq!(closest("ControlPlane", fields), Some("controlPlane"));
        assert_eq!(closest("replicas", fields), None);
        assert_eq!(closest("xyz", fields), None);
        assert_eq!(
            closest("podCidr", ["podCIDR", "serviceCIDR"]),
            Some("podCIDR")
        );
    }
}
