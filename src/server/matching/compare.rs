//! One attribute's values compared: each kind prepares its values once (normalised, phonetic
//! keys, nickname groups), then two prepared values give a level of agreement, 0 = different,
//! the kind's last level = the same (see [`AttributeKind::levels`]). Every comparison is
//! symmetric.
use super::{nicknames, normalize};
use crate::model::matching::AttributeKind;
use rphonetic::DoubleMetaphone;
use std::sync::OnceLock;
use strsim::osa_distance;

/// A name (or one word of one) ready to compare.
#[derive(Debug, Clone, PartialEq)]
pub struct NameValue {
    /// Folded, without spaces.
    pub compact: String,
    /// Double Metaphone primary and alternate keys.
    pub sound: (String, String),
    /// Nickname groups.
    pub groups: Vec<u16>,
}

impl NameValue {
    /// `text` prepared; `None` when nothing is left of it.
    pub fn new(text: &str) -> Option<Self> {
        let compact = normalize::compact(text);
        (!compact.is_empty()).then(|| Self::from_compact(compact))
    }

    fn from_compact(compact: String) -> Self {
        static ENCODER: OnceLock<DoubleMetaphone> = OnceLock::new();
        let encoder = ENCODER.get_or_init(DoubleMetaphone::default);
        let result = encoder.double_metaphone(&compact);
        let groups = nicknames::groups_of(&compact);
        Self {
            sound: (result.primary(), result.alternate()),
            compact,
            groups,
        }
    }

    /// Whether the two sound alike (any Double Metaphone key in common).
    pub fn sounds_like(&self, other: &Self) -> bool {
        let (a, b) = (&self.sound, &other.sound);
        !a.0.is_empty() && (a.0 == b.0 || a.0 == b.1 || a.1 == b.0 || a.1 == b.1)
    }

    fn is_initial(&self) -> bool {
        self.compact.len() == 1
    }
}

/// One prepared value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A given or family name.
    Name(NameValue),
    /// The words of a whole name.
    FullName(Vec<NameValue>),
    /// A date: year, month, day as written.
    Date(u16, u8, u8),
    /// An address or city: its words, and all of them without spaces.
    Words { compact: String, words: Vec<String> },
    /// A postcode or identifier.
    Code(String),
    /// A phone number's last nine digits.
    Phone(String),
    /// An email address and its name part.
    Email { full: String, local: String },
}

/// `text` prepared for comparing as `kind`; `None` when it holds nothing comparable.
pub fn prepare(kind: AttributeKind, text: &str) -> Option<Value> {
    use AttributeKind as K;
    match kind {
        K::GivenName | K::FamilyName => NameValue::new(text).map(Value::Name),
        K::FullName => {
            let words: Vec<NameValue> = normalize::name_words(text)
                .into_iter()
                .map(NameValue::from_compact)
                .collect();
            (!words.is_empty()).then_some(Value::FullName(words))
        }
        K::BirthDate => normalize::date(text).map(|(y, m, d)| Value::Date(y, m, d)),
        // Where someone lives is read as its parts, never configured as a whole.
        K::Location => None,
        K::Address | K::City => {
            let words = normalize::street_words(text);
            let compact = words.concat();
            (!compact.is_empty()).then_some(Value::Words { compact, words })
        }
        K::Postcode | K::Identifier => {
            let code = normalize::code(text);
            (!code.is_empty()).then_some(Value::Code(code))
        }
        K::Phone => normalize::phone(text).map(Value::Phone),
        K::Email => normalize::email(text).map(|(full, local)| Value::Email { full, local }),
    }
}

/// The level of agreement of two values of `kind` (0 when they are of different shapes).
pub fn level(kind: AttributeKind, a: &Value, b: &Value) -> usize {
    use AttributeKind as K;
    match (kind, a, b) {
        (K::GivenName, Value::Name(a), Value::Name(b)) => given_level(a, b),
        (_, Value::Name(a), Value::Name(b)) => family_level(a, b),
        (_, Value::FullName(a), Value::FullName(b)) => full_name_level(a, b),
        (_, Value::Date(ya, ma, da), Value::Date(yb, mb, db)) => {
            date_level((*ya, *ma, *da), (*yb, *mb, *db))
        }
        (K::City, Value::Words { compact: a, .. }, Value::Words { compact: b, .. }) => {
            usize::from(a == b) + usize::from(a == b || jaro_winkler(a, b) >= 0.9)
        }
        (
            _,
            Value::Words {
                compact: ca,
                words: wa,
            },
            Value::Words {
                compact: cb,
                words: wb,
            },
        ) => address_level(ca, wa, cb, wb),
        (K::Postcode, Value::Code(a), Value::Code(b)) => postcode_level(a, b),
        (_, Value::Code(a), Value::Code(b)) | (_, Value::Phone(a), Value::Phone(b)) => {
            one_off_level(a, b)
        }
        (
            _,
            Value::Email {
                full: fa,
                local: la,
            },
            Value::Email {
                full: fb,
                local: lb,
            },
        ) => email_level(fa, la, fb, lb),
        _ => 0,
    }
}

fn given_level(a: &NameValue, b: &NameValue) -> usize {
    if a.compact == b.compact {
        4
    } else if a.is_initial() || b.is_initial() {
        usize::from(a.compact.chars().next() == b.compact.chars().next())
    } else if nicknames::share_group(&a.groups, &b.groups) || a.sounds_like(b) {
        3
    } else if jaro_winkler(&a.compact, &b.compact) >= 0.88 {
        2
    } else {
        0
    }
}

fn family_level(a: &NameValue, b: &NameValue) -> usize {
    if a.compact == b.compact {
        3
    } else if a.is_initial() || b.is_initial() {
        0
    } else if a.sounds_like(b) {
        2
    } else {
        usize::from(jaro_winkler(&a.compact, &b.compact) >= 0.88)
    }
}

fn full_name_level(a: &[NameValue], b: &[NameValue]) -> usize {
    let joined = |words: &[NameValue]| words.iter().map(|w| w.compact.as_str()).collect::<String>();
    let sorted = |words: &[NameValue]| {
        let mut all: Vec<&str> = words.iter().map(|w| w.compact.as_str()).collect();
        all.sort_unstable();
        all.concat()
    };
    if joined(a) == joined(b) || sorted(a) == sorted(b) {
        return 3;
    }
    let covers = |x: &[NameValue], y: &[NameValue]| {
        x.len() <= y.len() && x.iter().all(|w| y.iter().any(|v| given_level(w, v) >= 2))
    };
    if covers(a, b) || covers(b, a) || jaro_winkler(&sorted(a), &sorted(b)) >= 0.92 {
        return 2;
    }
    let agree = a.iter().any(|w| b.iter().any(|v| given_level(w, v) >= 3));
    usize::from(agree)
}

fn date_level(a: (u16, u8, u8), b: (u16, u8, u8)) -> usize {
    if a == b {
        return 3;
    }
    let swapped = a.0 == b.0 && a.1 == b.2 && a.2 == b.1;
    let text = |(y, m, d): (u16, u8, u8)| format!("{y:04}{m:02}{d:02}");
    if swapped || osa_distance(&text(a), &text(b)) == 1 {
        2
    } else {
        usize::from(a.0 == b.0)
    }
}

fn address_level(ca: &str, wa: &[String], cb: &str, wb: &[String]) -> usize {
    if ca == cb {
        return 2;
    }
    use std::collections::BTreeSet;
    let (sa, sb): (BTreeSet<&String>, BTreeSet<&String>) =
        (wa.iter().collect(), wb.iter().collect());
    let shared = sa.intersection(&sb).count();
    let union = sa.union(&sb).count();
    let numbers = |s: &BTreeSet<&String>| -> Vec<String> {
        s.iter()
            .filter(|w| w.chars().any(|c| c.is_ascii_digit()))
            .map(|w| (*w).clone())
            .collect()
    };
    let similar = jaro_winkler(ca, cb) >= 0.92 || (union > 0 && shared * 2 >= union);
    usize::from(similar && numbers(&sa) == numbers(&sb))
}

fn postcode_level(a: &str, b: &str) -> usize {
    if a == b {
        2
    } else {
        usize::from(a.len() >= 4 && b.len() >= 4 && a[..3] == b[..3])
    }
}

fn one_off_level(a: &str, b: &str) -> usize {
    if a == b {
        2
    } else {
        usize::from(a.len().min(b.len()) >= 5 && osa_distance(a, b) == 1)
    }
}

fn email_level(full_a: &str, local_a: &str, full_b: &str, local_b: &str) -> usize {
    if full_a == full_b {
        3
    } else if local_a == local_b && local_a.len() >= 3 {
        2
    } else {
        // Only a typo: similar-looking addresses of people with one name ("kate.lee3@…",
        // "kate.lee444@…") are different people's as often as not.
        usize::from(osa_distance(full_a, full_b) <= 1)
    }
}

/// Jaro-Winkler similarity with its arguments in a fixed order, so it is symmetric whatever
/// the implementation does with ties.
fn jaro_winkler(a: &str, b: &str) -> f64 {
    if a <= b {
        strsim::jaro_winkler(a, b)
    } else {
        strsim::jaro_winkler(b, a)
    }
}

/// The best level between any value of `a` and any of `b` (`None` when either has none).
pub fn best_level(kind: AttributeKind, a: &[Value], b: &[Value]) -> Option<usize> {
    a.iter()
        .flat_map(|x| b.iter().map(move |y| level(kind, x, y)))
        .max()
}
