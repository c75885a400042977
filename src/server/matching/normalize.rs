//! Normalisation before comparing: case, accents, transliteration (deunicode), punctuation and
//! spacing folded away, street words abbreviated one way, dates and numbers reduced to digits.

/// `text` in lower-case ASCII words separated by single spaces: accents dropped, other scripts
/// transliterated ("김민준" → "gim min jun"), every non-alphanumeric character a word break.
pub fn fold(text: &str) -> String {
    let ascii = deunicode::deunicode(text).to_ascii_lowercase();
    let spaced: String = ascii
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// [`fold`] without the spaces: "Min-jun" and "Minjun" agree.
pub fn compact(text: &str) -> String {
    fold(text).replace(' ', "")
}

/// Words of a personal name, titles removed ("Dr. Ana Silva" → ["ana", "silva"]). A hyphen or
/// apostrophe inside a word joins it ("Min-jun Kim" → ["minjun", "kim"], "O'Brien" → ["obrien"]).
pub fn name_words(text: &str) -> Vec<String> {
    const TITLES: [&str; 7] = ["mr", "mrs", "ms", "miss", "dr", "prof", "mx"];
    fold(&joined_words(text))
        .split(' ')
        .filter(|w| !w.is_empty() && !TITLES.contains(w))
        .map(str::to_owned)
        .collect()
}

/// A whole name split into (given names, family name): a word written all in capitals is the
/// family name ("KIM Min-jun", "Ana SILVA", as registries and legacy systems write it);
/// otherwise the first word is the given name and the rest the family name.
pub fn name_parts(text: &str) -> Option<(String, String)> {
    let raw: Vec<&str> = text.split_whitespace().collect();
    let words = name_words(text);
    if words.is_empty() {
        return None;
    }
    let capital = |w: &&str| {
        let letters: Vec<char> = w.chars().filter(|c| c.is_alphabetic()).collect();
        letters.len() >= 2 && letters.iter().all(|c| c.is_uppercase())
    };
    let capitals: Vec<usize> = (0..raw.len()).filter(|&i| capital(&raw[i])).collect();
    if raw.len() == words.len() && capitals.len() == 1 && raw.len() >= 2 {
        let family = words[capitals[0]].clone();
        let given = words
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != capitals[0])
            .map(|(_, w)| w.as_str())
            .collect();
        return Some((given, family));
    }
    Some((words[0].clone(), words[1..].concat()))
}

/// `text` without the hyphens and apostrophes that sit between two letters.
fn joined_words(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    chars
        .iter()
        .enumerate()
        .filter(|&(i, c)| {
            let inside = i > 0
                && chars[i - 1].is_alphanumeric()
                && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
            !(inside && matches!(c, '-' | '\'' | '’' | '‐'))
        })
        .map(|(_, c)| *c)
        .collect()
}

/// Street words written one way ("Street" → "st"), so abbreviations agree.
pub fn street_words(text: &str) -> Vec<String> {
    fold(text)
        .split(' ')
        .filter(|w| !w.is_empty() && !matches!(*w, "no" | "nr" | "number"))
        .map(|w| abbreviate(w).to_owned())
        .collect()
}

fn abbreviate(word: &str) -> &str {
    match word {
        "street" | "str" => "st",
        "road" => "rd",
        "avenue" | "av" => "ave",
        "boulevard" => "blvd",
        "drive" => "dr",
        "lane" => "ln",
        "place" => "pl",
        "square" => "sq",
        "court" => "ct",
        "apartment" | "apartments" | "flat" | "unit" => "apt",
        "building" | "bldg" => "bd",
        "floor" | "fl" => "fl",
        "rua" => "r",
        "avenida" => "av",
        other => other,
    }
}

/// The digits of `text`.
pub fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// A code (postcode, policy number) as upper-case letters and digits.
pub fn code(text: &str) -> String {
    compact(text).to_ascii_uppercase()
}

/// A calendar date as written in records: `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYYMMDD`,
/// `DD.MM.YYYY` or `DD/MM/YYYY` (day first; a month-first date is caught by the day/month swap
/// level). Returns (year, month, day) with month and day in 1–31 but not checked further, so a
/// swapped or mistyped date still compares.
pub fn date(text: &str) -> Option<(u16, u8, u8)> {
    let text = text.trim();
    let head = text.split(['T', ' ']).next().unwrap_or(text);
    let parts: Vec<&str> = head
        .split(['-', '/', '.'])
        .filter(|p| !p.is_empty())
        .collect();
    let (y, m, d) = match parts.as_slice() {
        [y, m, d] if y.len() == 4 => (*y, *m, *d),
        [d, m, y] if y.len() == 4 => (*y, *m, *d),
        [all] if all.len() == 8 => (&all[..4], &all[4..6], &all[6..]),
        _ => return None,
    };
    let (y, m, d) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    ((1800..=2200).contains(&y) && (1..=31).contains(&m) && (1..=31).contains(&d))
        .then_some((y, m, d))
}

/// An email address lower-cased, with its name part (before `@`, any `+tag` removed).
pub fn email(text: &str) -> Option<(String, String)> {
    let full = text.trim().to_ascii_lowercase();
    let (local, domain) = full.split_once('@')?;
    if local.is_empty() || domain.is_empty() {
        return None;
    }
    let local = local.split('+').next().unwrap_or(local).to_owned();
    Some((format!("{local}@{domain}"), local))
}

/// A phone number's last nine digits (enough to tell numbers apart, and the same with or
/// without the country code or a trunk zero); `None` under seven digits.
pub fn phone(text: &str) -> Option<String> {
    let digits = digits(text);
    (digits.len() >= 7).then(|| digits[digits.len().saturating_sub(9)..].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_case_accents_punctuation_and_other_scripts() {
        assert_eq!(fold("  José  MARÍA-López "), "jose maria lopez");
        assert_eq!(compact("Min-jun"), compact("Minjun"));
        assert_eq!(compact("12 Seoul-ro"), compact("12 Seoulro"));
        assert!(!fold("김민준").is_empty());
        assert_eq!(name_words("Dr. Ana Silva"), ["ana", "silva"]);
        assert_eq!(street_words("12 Main Street"), street_words("12 main st."));
    }

    #[test]
    fn dates_are_read_in_the_common_orders() {
        assert_eq!(date("1985-03-02"), Some((1985, 3, 2)));
        assert_eq!(date("1985/03/02"), Some((1985, 3, 2)));
        assert_eq!(date("19850302"), Some((1985, 3, 2)));
        assert_eq!(date("02.03.1985"), Some((1985, 3, 2)));
        assert_eq!(date("1985-03-02T00:00:00Z"), Some((1985, 3, 2)));
        assert_eq!(
            date("1985-13-02"),
            Some((1985, 13, 2)),
            "a swapped date still reads"
        );
        assert_eq!(date("March 2nd"), None);
    }

    #[test]
    fn emails_and_phones_keep_what_identifies() {
        assert_eq!(
            email(" Ana+News@Example.COM "),
            Some(("ana@example.com".to_owned(), "ana".to_owned()))
        );
        assert_eq!(email("no-at-sign"), None);
        assert_eq!(phone("+82 10-1234-5678"), phone("010 1234 5678"));
        assert_eq!(phone("12345"), None);
    }
}
