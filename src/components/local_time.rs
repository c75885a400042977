//! Times as the signed-in user reads them: in the zone they chose under "Your preferences"
//! (UTC until they choose). Every page shows times through these, so one zone holds throughout.
use super::session::current_user;
use crate::model::time_zone::UserZone;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// The signed-in user's zone (UTC when nobody is signed in).
pub fn user_zone() -> UserZone {
    current_user().0.map(|u| u.zone()).unwrap_or_default()
}

/// `2026-12-02 18:04 CET`: date, time and the zone's abbreviation, in the user's zone.
pub fn format_time(at: DateTime<Utc>) -> String {
    let zone = user_zone();
    format!("{} {}", zone.date_time(at), zone.abbreviation(at))
}

/// `18:04:05`, in the user's zone (for tables whose header names the zone).
pub fn format_clock(at: DateTime<Utc>) -> String {
    user_zone().clock(at)
}

/// `2026-12-02`, the day `at` falls on in the user's zone.
pub fn format_day(at: DateTime<Utc>) -> String {
    user_zone().day(at)
}

/// A `<time>` element showing `at` in the user's zone, machine-readable in `datetime` and with
/// the zone's full name on hover.
#[component]
pub fn LocalTime(
    /// The instant.
    at: DateTime<Utc>,
) -> impl IntoView {
    let zone = user_zone();
    view! {
        <time datetime=at.to_rfc3339() title=zone.name()>
            {format!("{} {}", zone.date_time(at), zone.abbreviation(at))}
        </time>
    }
}
