//! Every problem of a form in one answer, each in plain words beside its field.
//!
//! Validation collects into [`FieldErrors`] instead of stopping at the first problem; the
//! messages come from [`rule`] so they read the same on every form ("Name is required").
use super::AppError;
use serde::{Deserialize, Serialize};

/// One field at fault: the form's field name (`name`, `variants[0].subject`) and the problem in
/// plain words naming the field as the form labels it ("Subject of variant A is required").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The request field at fault, as named in the form.
    pub field: String,
    /// The rule it broke, in plain words.
    pub message: String,
}

/// Collects field problems, then answers with all of them at once.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// No problems yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `field` broke a rule (the first problem per field wins).
    pub fn add(&mut self, field: &str, message: impl Into<String>) -> &mut Self {
        if !self.0.iter().any(|e| e.field == field) {
            self.0.push(FieldError {
                field: field.to_owned(),
                message: message.into(),
            });
        }
        self
    }

    /// Records the field problems inside `result`'s error; any other error is kept as a
    /// problem of `field`.
    pub fn check<T>(&mut self, field: &str, result: Result<T, AppError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(err) => {
                let found = err.field_errors();
                if found.is_empty() {
                    self.add(field, err.user_message());
                }
                for e in found {
                    self.add(&e.field, e.message);
                }
                None
            }
        }
    }

    /// Like [`Self::check`], but a terse message ("must be a valid email address") is put in
    /// plain words by naming the field first ("Email must be a valid email address").
    pub fn check_labelled<T>(
        &mut self,
        field: &str,
        label: &str,
        result: Result<T, AppError>,
    ) -> Option<T> {
        let result = result.map_err(|err| match err {
            AppError::Invalid { field, message } => AppError::Invalid {
                message: labelled(label, &message),
                field,
            },
            other => other,
        });
        self.check(field, result)
    }

    /// Checks that trimmed `value` is present and at most `max` characters long.
    pub fn text(&mut self, field: &str, label: &str, value: &str, max: usize) -> &mut Self {
        let value = value.trim();
        if value.is_empty() {
            self.add(field, rule::required(label));
        } else if value.chars().count() > max {
            self.add(field, rule::too_long(label, max));
        }
        self
    }

    /// Puts terse messages ("is required") in plain words by naming each field first, as
    /// `label_of` labels it ("Price of variant 2 is required").
    pub fn labelled(mut self, label_of: impl Fn(&str) -> String) -> Self {
        for e in &mut self.0 {
            e.message = labelled(&label_of(&e.field), &e.message);
        }
        self
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` when nothing was recorded; one problem is an [`AppError::Invalid`], several an
    /// [`AppError::InvalidFields`].
    pub fn finish(self) -> Result<(), AppError> {
        let mut errors = self.0;
        match errors.len() {
            0 => Ok(()),
            1 => {
                let e = errors.remove(0);
                Err(AppError::Invalid {
                    field: e.field,
                    message: e.message,
                })
            }
            _ => Err(AppError::InvalidFields { errors }),
        }
    }
}

/// Plain-words messages for the common rules, naming the field by its label.
pub mod rule {
    /// "Name is required".
    pub fn required(label: &str) -> String {
        format!("{label} is required")
    }

    /// "Name must be at most 100 characters".
    pub fn too_long(label: &str, max: usize) -> String {
        format!("{label} must be at most {max} characters")
    }

    /// "Password must be at least 12 characters".
    pub fn too_short(label: &str, min: usize) -> String {
        format!("{label} must be at least {min} characters")
    }

    /// "Email must be an email address like ana@example.com".
    pub fn not_email(label: &str) -> String {
        format!("{label} must be an email address like ana@example.com")
    }

    /// "Role must be one of admin, marketer".
    pub fn one_of(label: &str, choices: &[&str]) -> String {
        format!("{label} must be one of {}", choices.join(", "))
    }
}

/// `message` naming the field by `label` when it does not already start with a capital.
pub fn labelled(label: &str, message: &str) -> String {
    match message.chars().next() {
        Some(c) if c.is_lowercase() => format!("{label} {message}"),
        _ => message.to_owned(),
    }
}

/// The problems joined for logs and `Display`.
pub(super) fn summary(errors: &[FieldError]) -> String {
    let parts: Vec<String> = errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect();
    parts.join("; ")
}

impl AppError {
    /// The field problems this error carries (none for errors not about a field).
    pub fn field_errors(&self) -> Vec<FieldError> {
        match self {
            Self::Invalid { field, message }
            | Self::Conflict { field, message }
            | Self::Denied { field, message } => vec![FieldError {
                field: field.clone(),
                message: message.clone(),
            }],
            Self::InvalidFields { errors } => errors.clone(),
            _ => Vec::new(),
        }
    }

    /// One sentence for a person, for the alert above a form (field messages go beside fields).
    pub fn user_message(&self) -> String {
        match self {
            Self::Invalid { message, .. }
            | Self::Conflict { message, .. }
            | Self::Denied { message, .. } => message.clone(),
            Self::InvalidFields { errors } => {
                format!("Please correct the {} fields marked below.", errors.len())
            }
            Self::Unauthorized => "Your session has ended: please sign in again.".into(),
            Self::Forbidden => "Your role does not allow this.".into(),
            Self::NotFound { what } => format!("{what} no longer exists."),
            Self::Unavailable { .. } | Self::Transport { .. } => {
                "The server could not be reached: please try again.".into()
            }
            other => other.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_problems_come_back_together_in_plain_words() {
        let mut errors = FieldErrors::new();
        errors.text("name", "Name", " ", 100);
        errors.text("email", "Email", &"x".repeat(300), 254);
        let err = errors.finish().unwrap_err();
        assert_eq!(err.status_code(), 400);
        assert_eq!(err.message_for("name").as_deref(), Some("Name is required"));
        assert_eq!(
            err.message_for("email").as_deref(),
            Some("Email must be at most 254 characters")
        );
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(json["error"], "invalid_fields");
        assert_eq!(json["errors"][0]["field"], "name");
    }

    #[test]
    fn one_problem_stays_a_plain_invalid() {
        let mut errors = FieldErrors::new();
        errors.add("name", rule::required("Name"));
        assert_eq!(
            errors.finish(),
            Err(AppError::invalid("name", "Name is required"))
        );
    }
}
