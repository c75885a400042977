//! The one error type every server fn and route returns.
use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

mod fields;
pub use fields::{FieldError, FieldErrors, labelled, rule};

/// What went wrong, in terms a client can act on. Serialised as JSON with an `error` tag,
/// e.g. `{"error":"invalid","field":"email","message":"must be a valid email address"}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum AppError {
    /// A state-changing request that did not come from enrich's own pages (CSRF protection).
    #[error("refused: {message}")]
    CrossSite {
        /// Which rule the request broke.
        message: String,
    },
    /// The thing asked for does not exist.
    #[error("{what} not found")]
    NotFound {
        /// What was looked for, in words ("customer 65f…").
        what: String,
    },
    /// No (valid) session or credentials.
    #[error("sign-in required")]
    Unauthorized,
    /// Signed in, but the role does not allow this.
    #[error("not allowed for your role")]
    Forbidden,
    /// Signed in, but the role may not use this field of the request this way (a PII value
    /// test, a search by a restricted value).
    #[error("{field}: {message}")]
    Denied {
        /// The request field at fault.
        field: String,
        /// What the role may not do with it, in words.
        message: String,
    },
    /// A field of the request broke a rule.
    #[error("{field}: {message}")]
    Invalid {
        /// The request field at fault.
        field: String,
        /// The rule it broke, in words.
        message: String,
    },
    /// Several fields of a form broke rules: every problem in one answer (400), each message in
    /// plain words that name the field ("Name is required"), e.g.
    /// `{"error":"invalid_fields","errors":[{"field":"name","message":"Name is required"}]}`.
    #[error("{}", fields::summary(errors))]
    InvalidFields {
        /// One entry per field at fault, in form order.
        errors: Vec<FieldError>,
    },
    /// The request clashes with stored data (e.g. a duplicate email).
    #[error("{field}: {message}")]
    Conflict {
        /// The request field whose value is taken.
        field: String,
        /// What it clashes with, in words.
        message: String,
    },
    /// The request could not be read at all (missing or undecodable arguments).
    #[error("malformed request: {message}")]
    BadRequest {
        /// What could not be read.
        message: String,
    },
    /// The request exceeds a size or count limit.
    #[error("{limit}: {message}")]
    TooLarge {
        /// The limit's name (`message_size`, `request_size`, `batch_length`).
        limit: String,
        /// The limit in words, with its value.
        message: String,
        /// For a batch, the index of the first message over the limit.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        index: Option<usize>,
    },
    /// Too many requests in flight; retry after the given number of seconds.
    #[error("busy: retry in {retry_after} s")]
    TooManyRequests {
        /// Seconds the client should wait (also sent as `Retry-After`).
        retry_after: u32,
    },
    /// A named limit on expensive work (calls per minute, connections, imports at once) is
    /// reached; retry after the given number of seconds (also sent as `Retry-After`).
    #[error("{limit}: {message}")]
    RateLimited {
        /// The limit's name (`segment_previews`, `live_sockets`, `concurrent_imports` …).
        limit: String,
        /// The limit in words, with its value.
        message: String,
        /// Seconds the client should wait.
        retry_after: u32,
    },
    /// A dependency (the database) cannot be reached right now; retrying may help.
    #[error("temporarily unavailable: {message}")]
    Unavailable {
        /// What is unavailable.
        message: String,
    },
    /// A bug or unexpected failure; details are in the server log under `reference`.
    #[error("internal error (reference {reference})")]
    Internal {
        /// Quote this to find the details in the server log.
        reference: String,
    },
    /// The call did not complete: the network failed, or an answer could not be encoded or read.
    #[error("request failed: {message}")]
    Transport {
        /// What failed.
        message: String,
    },
}

impl AppError {
    /// Shorthand for a field-level validation error.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// Shorthand for a field the role may not use this way (403).
    pub fn denied(field: &str, message: impl Into<String>) -> Self {
        Self::Denied {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status_code(&self) -> u16 {
        match self {
            Self::NotFound { .. } => 404,
            Self::Unauthorized => 401,
            Self::Forbidden | Self::Denied { .. } | Self::CrossSite { .. } => 403,
            Self::Invalid { .. } | Self::InvalidFields { .. } | Self::BadRequest { .. } => 400,
            Self::Conflict { .. } => 409,
            Self::TooLarge { .. } => 413,
            Self::TooManyRequests { .. } | Self::RateLimited { .. } => 429,
            Self::Unavailable { .. } => 503,
            Self::Internal { .. } | Self::Transport { .. } => 500,
        }
    }

    /// Seconds the client should wait before retrying (sent as `Retry-After`), for a 429.
    pub fn retry_after(&self) -> Option<u32> {
        match self {
            Self::TooManyRequests { retry_after } | Self::RateLimited { retry_after, .. } => {
                Some(*retry_after)
            }
            _ => None,
        }
    }

    /// The message to show next to `field` in a form, if this error is about that field.
    pub fn message_for(&self, field: &str) -> Option<String> {
        match self {
            Self::Invalid { field: f, message }
            | Self::Conflict { field: f, message }
            | Self::Denied { field: f, message }
                if f == field =>
            {
                Some(message.clone())
            }
            Self::InvalidFields { errors } => errors
                .iter()
                .find(|e| e.field == field)
                .map(|e| e.message.clone()),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let message = value.to_string();
        match value {
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_) => Self::BadRequest { message },
            _ => Self::Transport { message },
        }
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::AppError;
    use axum::{
        http::StatusCode,
        response::{IntoResponse, Response},
    };

    impl AppError {
        /// Logs an unexpected failure under a fresh reference and hides its details from clients.
        pub fn internal(cause: impl std::fmt::Display) -> Self {
            let reference = mongodb::bson::oid::ObjectId::new().to_hex();
            tracing::error!(%reference, %cause, "internal error");
            Self::Internal { reference }
        }
    }

    impl From<mongodb::error::Error> for AppError {
        fn from(err: mongodb::error::Error) -> Self {
            use mongodb::error::ErrorKind;
            match err.kind.as_ref() {
                ErrorKind::ServerSelection { .. } | ErrorKind::Io(_) => {
                    tracing::warn!(%err, "database unreachable");
                    Self::Unavailable {
                        message: "the database cannot be reached".into(),
                    }
                }
                _ => Self::internal(err),
            }
        }
    }

    impl IntoResponse for AppError {
        fn into_response(self) -> Response {
            let status = StatusCode::from_u16(self.status_code())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let retry_after = self.retry_after();
            let mut response = (status, axum::Json(self)).into_response();
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, seconds.into());
            }
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_serialises_with_field_and_rule() {
        let json =
            serde_json::to_value(AppError::invalid("email", "must be a valid email address"))
                .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": "invalid", "field": "email",
                               "message": "must be a valid email address"})
        );
    }

    #[test]
    fn round_trips_through_the_server_fn_encoding() {
        let err = AppError::Conflict {
            field: "email".into(),
            message: "taken".into(),
        };
        assert_eq!(AppError::de(err.ser()), err);
    }

    #[test]
    fn unreadable_arguments_are_the_clients_fault() {
        let missing = AppError::from_server_fn_error(ServerFnErrorErr::MissingArg("email".into()));
        assert_eq!(missing.status_code(), 400);
        let encode = AppError::from_server_fn_error(ServerFnErrorErr::Serialization("x".into()));
        assert_eq!(encode.status_code(), 500);
    }

    #[test]
    fn message_for_only_matches_its_field() {
        let err = AppError::invalid("name", "is required");
        assert_eq!(err.message_for("name").as_deref(), Some("is required"));
        assert_eq!(err.message_for("email"), None);
        assert_eq!(err.status_code(), 400);
    }
}
