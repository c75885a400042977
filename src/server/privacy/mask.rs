//! Masking of PII values for roles that may not read PII: the masked form is computed on the
//! server and keeps only a hint of the shape (first characters, a phone's last digits), never
//! enough to recover the raw value.
use serde_json::Value;
use std::fmt::Write as _;

/// What restricted fields show to everyone.
pub const RESTRICTED: &str = "[restricted]";

/// The same number of stars whatever the hidden length, so the length barely leaks.
const STARS: &str = "***";
/// Most stars a masked word shows.
const MAX_WORD_STARS: usize = 3;
/// What any date or time becomes.
const DATE_MASK: &str = "****-**-**";
/// Trailing digits a formatted phone number keeps.
const PHONE_TAIL: usize = 4;
/// Trailing digits an unparseable phone value keeps.
const LOOSE_PHONE_TAIL: usize = 2;
/// Digits after the `+` from which a string counts as a phone number.
const PHONE_MIN_DIGITS: usize = 7;

/// Masks an email address: `john.doe@example.com` → `j***@e***.com`.
pub fn mask_email(email: &str) -> String {
    // With whitespace it is free text around an address, not an address.
    let address = email
        .rsplit_once('@')
        .filter(|_| !email.contains(char::is_whitespace));
    let Some((local, domain)) = address else {
        return mask_text(email);
    };
    let first_label = domain.split_once('.').map_or(domain, |(first, _)| first);
    let (local, first_label) = (initial_stars(local), initial_stars(first_label));
    format!("{local}@{first_label}{}", tld_suffix(domain))
}

/// Masks a phone number: `+821098765678` → `+82 10-****-5678`.
pub fn mask_phone(phone: &str) -> String {
    match international(phone) {
        Some(formatted) => mask_international(&formatted),
        None => mask_loose_phone(phone),
    }
}

/// Masks free text word by word: `Zelda Quartzfeld` → `Z*** Q***`.
pub fn mask_text(text: &str) -> String {
    text.split_whitespace()
        .map(mask_word)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Masks a trait value, recursing into arrays and objects; `field` is the trait's name.
pub fn mask_json(field: &str, value: &Value) -> Value {
    match value {
        Value::String(text) => Value::String(mask_json_string(field, text)),
        Value::Number(_) => Value::String(STARS.to_owned()),
        Value::Bool(_) | Value::Null => value.clone(),
        Value::Array(items) => Value::Array(items.iter().map(|v| mask_json(field, v)).collect()),
        // The path keeps the parent's name so `emails.work` is still known to be an email.
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, v)| (key.clone(), mask_json(&format!("{field}.{key}"), v)))
                .collect(),
        ),
    }
}

/// Masks one string trait, choosing the rule from the field name and the value's shape.
fn mask_json_string(field: &str, text: &str) -> String {
    let field = field.to_lowercase();
    if looks_like_date(text) {
        DATE_MASK.to_owned()
    } else if field.contains("email") || looks_like_email(text) {
        mask_email(text)
    } else if field.contains("phone") || looks_like_phone(text) {
        mask_phone(text)
    } else {
        mask_text(text)
    }
}

/// The first character followed by `***`, or just `***` for an empty string.
fn initial_stars(part: &str) -> String {
    let first = part.chars().next().map(String::from).unwrap_or_default();
    format!("{first}{STARS}")
}

/// The domain's last label with its dot (`.com`), or nothing when there is no sensible one.
fn tld_suffix(domain: &str) -> String {
    match domain.rsplit_once('.') {
        Some((_, tld)) if !tld.is_empty() && tld.chars().all(char::is_alphanumeric) => {
            format!(".{tld}")
        }
        _ => String::new(),
    }
}

/// Keeps a word's first character and stars the rest, at most three stars.
fn mask_word(word: &str) -> String {
    let mut chars = word.chars();
    let first = chars.next().unwrap_or_default();
    let hidden = chars.count().min(MAX_WORD_STARS);
    if hidden == 0 {
        return "*".to_owned();
    }
    format!("{first}{}", "*".repeat(hidden))
}

/// The number in international format (`+82 10-9876-5678`), if it parses and formats.
fn international(phone: &str) -> Option<String> {
    let number = phonenumber::parse(None, phone).ok()?;
    let mut out = String::new();
    // `to_string` would panic when the formatter reports an error (unknown country code).
    write!(
        out,
        "{}",
        number.format().mode(phonenumber::Mode::International)
    )
    .ok()?;
    Some(out)
}

/// Keeps the country code, the first group and the last four digits of a formatted number.
fn mask_international(formatted: &str) -> String {
    let Some((code, national)) = formatted.split_once(' ') else {
        return mask_loose_phone(formatted);
    };
    let digits = national.chars().filter(char::is_ascii_digit).count();
    let lead = national.chars().take_while(char::is_ascii_digit).count();
    // An unseparated number has no first group to keep: it would be the whole number.
    let lead = if lead < national.chars().count() {
        lead
    } else {
        0
    };
    let rest = digits - lead;
    // Short numbers keep fewer trailing digits so that some are always hidden.
    let tail = if rest > PHONE_TAIL {
        PHONE_TAIL
    } else {
        rest / 2
    };
    format!("{code} {}", star_digits(national, lead, tail))
}

/// Stars every digit of an unparseable phone value but the last two (fewer when it is short).
fn mask_loose_phone(phone: &str) -> String {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    star_digits(phone, 0, LOOSE_PHONE_TAIL.min(digits / 3))
}

/// Stars all digits except the first `head` and the last `tail`, and every letter; keeps
/// separators.
fn star_digits(text: &str, head: usize, tail: usize) -> String {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let mut seen = 0;
    text.chars()
        .map(|c| {
            if !c.is_ascii_digit() {
                return if c.is_alphanumeric() { '*' } else { c };
            }
            seen += 1;
            if seen <= head || seen > digits.saturating_sub(tail) {
                c
            } else {
                '*'
            }
        })
        .collect()
}

/// Whether the string has an `@` with a `.` somewhere after it.
fn looks_like_email(text: &str) -> bool {
    text.split_once('@')
        .is_some_and(|(_, domain)| domain.contains('.'))
}

/// Whether the string is `+` followed by at least seven digits, spaces and dashes allowed.
fn looks_like_phone(text: &str) -> bool {
    let Some(rest) = text.strip_prefix('+') else {
        return false;
    };
    let allowed = |c: char| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')');
    let digits = rest.chars().filter(char::is_ascii_digit).count();
    rest.chars().all(allowed) && digits >= PHONE_MIN_DIGITS
}

/// Whether the string starts with a date such as `1990-04-01`, `01/04/1990` or
/// `1990-04-01T00:00:00Z`.
fn looks_like_date(text: &str) -> bool {
    let date = text.split(['T', ' ']).next().unwrap_or(text);
    if text.len() < 8 || !date.contains(['-', '/']) {
        return false;
    }
    let parts: Vec<&str> = date.split(['-', '/']).collect();
    let numeric = parts
        .iter()
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    match parts.as_slice() {
        [a, b, c] if numeric => {
            let (a, b, c) = (a.len(), b.len(), c.len());
            (a == 4 && b <= 2 && c <= 2) || (a <= 2 && b <= 2 && c == 4)
        }
        _ => false,
    }
}

/// Masks a catalog entry's samples for a viewer: restricted keys show none, personal data is
/// masked unless the viewer may read it.
pub fn mask_samples(field: &mut crate::model::field::FieldInfo, read_pii: bool) {
    use crate::model::field::FieldClass;
    match field.class {
        FieldClass::Restricted => field.samples.clear(),
        FieldClass::Pii if !read_pii => {
            let key = field.path.clone();
            for sample in &mut field.samples {
                let value = serde_json::from_str(sample)
                    .unwrap_or_else(|_| serde_json::Value::String(sample.clone()));
                *sample = mask_json(&key, &value).to_string();
            }
        }
        _ => {}
    }
}

#[cfg(test)]
#[path = "mask_tests.rs"]
mod tests;
