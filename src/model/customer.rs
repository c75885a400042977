//! A customer as the list shows it, and the validated input of the "Add customer" form.
use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest accepted display name, in characters.
pub const NAME_MAX_CHARS: usize = 120;
/// Longest accepted email address (RFC 5321 path limit).
pub const EMAIL_MAX_CHARS: usize = 254;

/// One row of the customers list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerSummary {
    /// Stable profile id (hex ObjectId).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Primary email, if known.
    pub email: Option<String>,
    /// When the person was last active, if ever.
    pub last_seen: Option<DateTime<Utc>>,
    /// How many distinct sources contributed to this profile.
    pub source_count: u32,
}

/// A customer typed in by hand, already validated and normalised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCustomer {
    /// Trimmed display name.
    pub name: String,
    /// Trimmed, lower-cased email address.
    pub email: String,
    /// Phone in compact form (`+` and digits only), if given.
    pub phone: Option<String>,
}

impl NewCustomer {
    /// Validates raw form input; the error names the first field that breaks a rule.
    pub fn parse(name: &str, email: &str, phone: &str) -> Result<Self, AppError> {
        Ok(Self {
            name: parse_name(name)?,
            email: parse_email(email)?,
            phone: parse_phone(phone)?,
        })
    }
}

fn parse_name(raw: &str) -> Result<String, AppError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(AppError::invalid("name", "is required"));
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(AppError::invalid(
            "name",
            format!("must be at most {NAME_MAX_CHARS} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "name",
            "must not contain control characters",
        ));
    }
    Ok(name.to_owned())
}

fn parse_email(raw: &str) -> Result<String, AppError> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Err(AppError::invalid("email", "is required"));
    }
    if email.chars().count() > EMAIL_MAX_CHARS {
        return Err(AppError::invalid(
            "email",
            format!("must be at most {EMAIL_MAX_CHARS} characters"),
        ));
    }
    // The library accepts dot-less domains (`a@localhost`); customers need a routable address.
    let has_dotted_domain = email.rsplit_once('@').is_some_and(|(_, d)| d.contains('.'));
    if !email_address::EmailAddress::is_valid(&email) || !has_dotted_domain {
        return Err(AppError::invalid(
            "email",
            "must be a valid email address like ana@example.com",
        ));
    }
    Ok(email)
}

fn parse_phone(raw: &str) -> Result<Option<String>, AppError> {
    let compact: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    if compact.is_empty() {
        return Ok(None);
    }
    let digits = compact.strip_prefix('+').unwrap_or(&compact);
    let is_e164_length = (7..=15).contains(&digits.len());
    if !is_e164_length || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(AppError::invalid(
            "phone",
            "must be 7 to 15 digits, optionally starting with + (spaces and dashes are fine)",
        ));
    }
    Ok(Some(compact))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(result: Result<NewCustomer, AppError>) -> String {
        match result {
            Err(AppError::Invalid { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn normalises_valid_input() {
        let c =
            NewCustomer::parse("  Ana Silva ", " Ana@Example.COM ", "+82 10-1234-5678").unwrap();
        assert_eq!(c.name, "Ana Silva");
        assert_eq!(c.email, "ana@example.com");
        assert_eq!(c.phone.as_deref(), Some("+821012345678"));
    }

    #[test]
    fn phone_is_optional() {
        assert_eq!(
            NewCustomer::parse("Bo", "bo@example.org", "  ")
                .unwrap()
                .phone,
            None
        );
    }

    #[test]
    fn names_the_first_broken_field() {
        assert_eq!(
            field_of(NewCustomer::parse(" ", "x@example.com", "")),
            "name"
        );
        assert_eq!(
            field_of(NewCustomer::parse(&"n".repeat(121), "x@example.com", "")),
            "name"
        );
        assert_eq!(
            field_of(NewCustomer::parse("Bo", "not-an-email", "")),
            "email"
        );
        assert_eq!(
            field_of(NewCustomer::parse("Bo", "bo@localhost", "")),
            "email"
        );
        assert_eq!(field_of(NewCustomer::parse("Bo", "", "")), "email");
        assert_eq!(
            field_of(NewCustomer::parse("Bo", "bo@example.com", "12ab")),
            "phone"
        );
        assert_eq!(
            field_of(NewCustomer::parse("Bo", "bo@example.com", "+1234")),
            "phone"
        );
    }
}
