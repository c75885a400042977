//! Password hashing with argon2id at OWASP's recommended parameters.
use crate::error::AppError;
use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version,
    password_hash::{SaltString, rand_core::OsRng},
};
use std::sync::LazyLock;

/// Shortest password accepted.
pub const MIN_LENGTH: usize = 12;
/// Longest password accepted (hashing cost is bounded by memory, not length, but keep it sane).
pub const MAX_LENGTH: usize = 128;

/// OWASP Password Storage Cheat Sheet: argon2id, m = 19 MiB, t = 2, p = 1.
fn hasher() -> Argon2<'static> {
    // The parameters are constants within argon2's documented bounds.
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A hash of a random password, verified against when the account does not exist, so a wrong
/// email takes as long as a wrong password (no account enumeration by timing).
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash("not-a-real-password-0123456789").unwrap_or_default());

/// Checks the password rules; the error names the `password` field.
pub fn validate(password: &str) -> Result<(), AppError> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(AppError::invalid(
            "password",
            format!("must be at least {MIN_LENGTH} characters"),
        ));
    }
    if length > MAX_LENGTH {
        return Err(AppError::invalid(
            "password",
            format!("must be at most {MAX_LENGTH} characters"),
        ));
    }
    Ok(())
}

/// The argon2id PHC string for `password` with a fresh random salt.
pub fn hash(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(AppError::internal)
}

/// Whether `password` matches `stored` (a PHC string); `None` burns the same time and fails.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    let phc = stored.unwrap_or(DUMMY_HASH.as_str());
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    hasher()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
        && stored.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let a = hash("correct horse battery").unwrap();
        let b = hash("correct horse battery").unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify("correct horse battery", Some(&a)));
        assert!(!verify("correct horse batterx", Some(&a)));
        assert!(!verify("correct horse battery", None));
    }

    #[test]
    fn length_rules_name_the_field() {
        assert_eq!(
            validate("short")
                .unwrap_err()
                .message_for("password")
                .unwrap(),
            "must be at least 12 characters"
        );
        assert!(validate(&"x".repeat(129)).is_err());
        assert!(validate("twelve chars").is_ok());
    }
}
