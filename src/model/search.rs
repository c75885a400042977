//! The customers list query: search, filters, sort and cursor, as typed values.
use serde::{Deserialize, Serialize};

/// Rows per page of the customers list.
pub const PAGE_SIZE: usize = 50;

/// How the list is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerSort {
    /// Newest profiles first.
    #[default]
    Created,
    /// Most recently active first (profiles never active are left out).
    LastSeen,
    /// By name, A to Z.
    Name,
}

impl CustomerSort {
    /// Every order, with its label.
    pub const ALL: [(CustomerSort, &'static str); 3] = [
        (CustomerSort::Created, "Newest"),
        (CustomerSort::LastSeen, "Recently active"),
        (CustomerSort::Name, "Name A–Z"),
    ];

    /// The URL form.
    pub fn as_str(self) -> &'static str {
        match self {
            CustomerSort::Created => "created",
            CustomerSort::LastSeen => "last_seen",
            CustomerSort::Name => "name",
        }
    }

    /// Parses the URL form (empty → the default).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "" => Some(Self::default()),
            _ => Self::ALL
                .into_iter()
                .map(|(s, _)| s)
                .find(|s| s.as_str() == text),
        }
    }
}

/// The customers list's query string, as sent (every field optional text).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CustomerQuery {
    /// Any identifier (email, phone, user id, external id `type:id`), or the start of a name;
    /// without access to personal data, the whole name, and no restricted `key:value`.
    pub q: String,
    /// Only profiles this source contributed to.
    pub source: String,
    /// Last seen on or after this day (`YYYY-MM-DD`).
    pub seen_from: String,
    /// Last seen on or before this day (`YYYY-MM-DD`).
    pub seen_to: String,
    /// Only profiles with this top-level trait.
    pub has_trait: String,
    /// `created`, `last_seen` or `name`.
    pub sort: String,
    /// Cursor from the previous page.
    pub after: String,
}

/// Letters that carry no separable accent, and the plain letters they are searched as (every
/// other accented letter decomposes into a base letter and marks, which are dropped).
const FOLDS: [(char, &str); 12] = [
    ('ø', "o"),
    ('đ', "d"),
    ('ð', "d"),
    ('ł', "l"),
    ('ħ', "h"),
    ('ŧ', "t"),
    ('ı', "i"),
    ('æ', "ae"),
    ('œ', "oe"),
    ('ß', "ss"),
    ('þ', "th"),
    ('ĳ', "ij"),
];

/// The words of a name as searched: lower case, accents removed, split at anything that is
/// not a letter or digit ("María-José O'Neil" → `maria`, `jose`, `o`, `neil`).
pub fn name_words(name: &str) -> Vec<String> {
    use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};
    let mut plain = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        match FOLDS.iter().find(|(from, _)| *from == c) {
            Some((_, to)) => plain.push_str(to),
            None => plain.push(c),
        }
    }
    // Decomposed, accents are marks of their own; composed again, Hangul syllables stay whole.
    let folded: String = plain
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .nfc()
        .collect();
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Longest word prefix stored for search; longer query words are cut to it.
pub const MAX_PREFIX: usize = 24;

/// Every prefix (up to [`MAX_PREFIX`] letters) of every word, without repeats: a query word
/// finds a name when it equals one of these, so search needs no regular expression.
pub fn name_prefixes(words: &[String]) -> Vec<String> {
    let mut prefixes: Vec<String> = Vec::new();
    for word in words {
        let mut prefix = String::new();
        for c in word.chars().take(MAX_PREFIX) {
            prefix.push(c);
            if !prefixes.contains(&prefix) {
                prefixes.push(prefix.clone());
            }
        }
    }
    prefixes
}

/// A query word as looked up in [`name_prefixes`] (cut to [`MAX_PREFIX`] letters).
pub fn prefix_key(word: &str) -> String {
    word.chars().take(MAX_PREFIX).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_ignore_case_accents_and_punctuation() {
        assert_eq!(
            name_words("  María-José  GARCÍA "),
            ["maria", "jose", "garcia"]
        );
        assert_eq!(name_words("Łukasz Żółć"), ["lukasz", "zolc"]);
        assert_eq!(name_words("Kim Min-jun"), ["kim", "min", "jun"]);
        assert_eq!(name_words("Nguyễn Thị Ánh"), ["nguyen", "thi", "anh"]);
        assert_eq!(name_words("Søren Ｋｉｍ"), ["soren", "kim"]);
        assert_eq!(name_words("김민준"), ["김민준"]);
    }

    #[test]
    fn prefixes_cover_every_start_of_every_word() {
        let words = name_words("Ana Anders");
        let prefixes = name_prefixes(&words);
        for p in ["a", "an", "ana", "and", "anders"] {
            assert!(prefixes.contains(&p.to_owned()), "{p}");
        }
        assert_eq!(prefixes.iter().filter(|p| *p == "an").count(), 1);
    }
}
