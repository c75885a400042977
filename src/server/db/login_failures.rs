//! The `login_failures` collection: sign-in attempts per account and per IP in the current
//! throttling window, counted before the password is checked (see `auth::throttle`).
use super::windows::WindowCounts;
use mongodb::Database;

/// Collection name.
pub const COLLECTION: &str = "login_failures";

/// The windowed counters of `db`'s `login_failures`.
pub fn repository(db: &Database) -> WindowCounts {
    WindowCounts::new(db, COLLECTION)
}
