//! The signed-in user's own preferences: the time zone every time is shown in.
use crate::error::AppError;
use leptos::prelude::*;

/// Where the preferences page lives; saving returns there with `?saved=preferences`.
pub const PREFERENCES_PATH: &str = "/preferences";

/// Stores the time zone (an IANA name such as `Europe/Paris`) the signed-in user reads times
/// in. A plain form post, so the next page load shows every time in the new zone.
#[server(endpoint = "preferences/save")]
pub async fn save_preferences(time_zone: String) -> Result<(), AppError> {
    use crate::{
        model::time_zone::UserZone,
        server::{app_state, auth::current_user, db::users::Users},
    };
    let zone = UserZone::parse(&time_zone)
        .ok_or_else(|| AppError::invalid("time_zone", "Choose a time zone from the list"))?;
    let id = current_user()?
        .id
        .parse()
        .map_err(|_| AppError::Unauthorized)?;
    Users::new(&app_state()?.db)
        .set_time_zone(id, zone.name())
        .await?;
    leptos_axum::redirect(&format!("{PREFERENCES_PATH}?saved=preferences"));
    Ok(())
}
