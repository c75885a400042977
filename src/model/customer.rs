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
    /// Validates raw form input; the error lists every field that breaks a rule, in plain words
    /// ("Name is required", "Email must be a valid email address like ana@example.com").
    pub fn parse(name: &str, email: &str, phone: &str) -> Result<Self, AppError> {
        match (parse_name(name), parse_email(email), parse_phone(phone)) {
            (Ok(name), Ok(email), Ok(phone)) => Ok(Self { name, email, phone }),
            (name, email, phone) => {
                let mut errors = crate::error::FieldErrors::new();
                errors.check_labelled("name", "Name", name);
                errors.check_labelled("email", "Email", email);
                errors.check_labelled("phone", "Phone", phone);
                errors.finish()?;
                // Not reached: one of the three failed, so `finish` answered with it.
                Err(AppError::invalid("name", "Name could not be read"))
            }
        }
    }
}

fn parse_name(raw: &str) -> Result<String, AppError> {
    let name = raw.trim();
    check_required_length("name", name, NAME_MAX_CHARS)?;
    if name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "name",
            "must not contain control characters",
        ));
    }
    Ok(name.to_owned())
}

/// The rules every required text field shares: present, and at most `max` characters.
fn check_required_length(field: &str, value: &str, max: usize) -> Result<(), AppError> {
    if value.is_empty() {
        return Err(AppError::invalid(field, "is required"));
    }
    if value.chars().count() > max {
        return Err(AppError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(())
}

fn parse_email(raw: &str) -> Result<String, AppError> {
    let email = raw.trim().to_lowercase();
    check_required_length("email", &email, EMAIL_MAX_CHARS)?;
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
    fn lists_every_broken_field_at_once_in_plain_words() {
        match NewCustomer::parse(" ", "not-an-email", "12ab") {
            Err(AppError::InvalidFields { errors }) => {
                let got: Vec<(&str, &str)> = errors
                    .iter()
                    .map(|e| (e.field.as_str(), e.message.as_str()))
                    .collect();
                assert_eq!(
                    got,
                    [
                        ("name", "Name is required"),
                        (
                            "email",
                            "Email must be a valid email address like ana@example.com"
                        ),
                        (
                            "phone",
                            "Phone must be 7 to 15 digits, optionally starting with + \
                             (spaces and dashes are fine)"
                        ),
                    ]
                );
            }
            other => panic!("expected three field errors, got {other:?}"),
        }
    }

    #[test]
    fn names_the_broken_field() {
        let long_name = "n".repeat(NAME_MAX_CHARS + 1);
        let cases = [
            ((" ", "x@example.com", ""), "name"),
            ((long_name.as_str(), "x@example.com", ""), "name"),
            (("Bo", "not-an-email", ""), "email"),
            (("Bo", "bo@localhost", ""), "email"),
            (("Bo", "", ""), "email"),
            (("Bo", "bo@example.com", "12ab"), "phone"),
            (("Bo", "bo@example.com", "+1234"), "phone"),
        ];
        for ((name, email, phone), field) in cases {
            let result = NewCustomer::parse(name, email, phone);
            assert_eq!(field_of(result), field, "{name:?} {email:?} {phone:?}");
        }
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn is_compact_phone(p: &str) -> bool {
        let digits = p.strip_prefix('+').unwrap_or(p);
        (7..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit())
    }

    proptest! {
        /// Whatever is typed, parsing either names a field or yields values in normal form,
        /// and parsing that normal form again changes nothing.
        #[test]
        fn parse_yields_a_fixed_point_or_a_named_field(
            name in "\\PC{0,130}|[ \t]*[A-Za-z\u{e9}\u{d55c} ]{1,20}[ \t]*",
            email in "\\PC{0,40}|[ ]?[A-Za-z0-9._%+-]{1,20}@[a-z0-9-]{1,10}(\\.[a-z]{2,5}){1,2}",
            phone in "\\PC{0,20}|\\+?[0-9 ()-]{0,24}",
        ) {
            match NewCustomer::parse(&name, &email, &phone) {
                Ok(c) => {
                    prop_assert_eq!(c.name.trim(), c.name.as_str());
                    prop_assert!(!c.name.is_empty());
                    prop_assert!(c.name.chars().count() <= NAME_MAX_CHARS);
                    prop_assert!(!c.name.chars().any(char::is_control));
                    prop_assert_eq!(c.email.to_lowercase(), c.email.clone());
                    prop_assert!(c.phone.as_deref().is_none_or(is_compact_phone));
                    let phone = c.phone.clone().unwrap_or_default();
                    let again = NewCustomer::parse(&c.name, &c.email, &phone);
                    prop_assert_eq!(again, Ok(c));
                }
                Err(err @ (AppError::Invalid { .. } | AppError::InvalidFields { .. })) => {
                    let errors = err.field_errors();
                    prop_assert!(!errors.is_empty());
                    for e in errors {
                        prop_assert!(["name", "email", "phone"].contains(&e.field.as_str()));
                        prop_assert!(!e.message.is_empty());
                    }
                }
                Err(other) => prop_assert!(false, "unexpected error {other:?}"),
            }
        }
    }
}
