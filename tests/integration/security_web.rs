//! Issue 15 (security hardening), the web-facing items: sign-in throttling (5), the redirect
//! after sign-in (8), CSV formula cells (13), security headers (16), limits on expensive calls
//! (17). Tests are named after the items they cover.
use crate::support::TestApp;
use enrich::server::{
    auth::settings::AuthSettings, config::Settings, limits::settings::LimitSettings,
};

#[path = "security_web/exports.rs"]
mod exports;
#[path = "security_web/headers.rs"]
mod headers;
#[path = "security_web/limits.rs"]
mod limits;
#[path = "security_web/sign_in.rs"]
mod sign_in;

/// A fresh app under `auth` and `limits` (everything else default), not signed in.
async fn app_with(auth: AuthSettings, limits: LimitSettings) -> TestApp {
    TestApp::with_settings(Settings {
        auth,
        limits,
        ..Settings::default()
    })
    .await
}
