//! Consent per purpose: what a person agreed to, where that came from, and when.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The purposes consent is tracked for.
pub const PURPOSES: [&str; 4] = [
    "email_marketing",
    "sms_marketing",
    "personalization",
    "analytics",
];

/// The track event that carries consent changes in its properties.
pub const CONSENT_EVENT: &str = "Consent Updated";

/// One purpose's state on a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentView {
    /// One of [`PURPOSES`].
    pub purpose: String,
    /// Granted, withdrawn, or never stated (`None`).
    pub granted: Option<bool>,
    /// Source of the latest statement.
    pub source: Option<String>,
    /// When it was stated.
    pub at: Option<DateTime<Utc>>,
}

/// A purpose name as sent (`Email Marketing`, `email-marketing`) in its canonical form, if known.
pub fn canonical_purpose(name: &str) -> Option<&'static str> {
    let key: String = name
        .trim()
        .chars()
        .map(|c| {
            if c == ' ' || c == '-' {
                '_'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    PURPOSES.into_iter().find(|p| *p == key)
}

/// In words, for the page.
pub fn purpose_label(purpose: &str) -> &'static str {
    match purpose {
        "email_marketing" => "Email marketing",
        "sms_marketing" => "SMS marketing",
        "personalization" => "Personalization",
        "analytics" => "Analytics",
        _ => "Other",
    }
}

#[cfg(test)]
mod tests {
    use super::canonical_purpose;

    #[test]
    fn purposes_are_read_in_any_usual_spelling() {
        assert_eq!(
            canonical_purpose("Email Marketing"),
            Some("email_marketing")
        );
        assert_eq!(canonical_purpose("sms-marketing"), Some("sms_marketing"));
        assert_eq!(canonical_purpose("advertising"), None);
    }
}
