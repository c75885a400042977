//! Who is signed in, known synchronously on both sides of hydration: the server reads it from
//! the request (the guard's `Caller`), writes it into the page as JSON, and the browser reads
//! that back. No extra request, no resource to wait for.
use crate::model::access::{Permission, SessionUser};
use leptos::prelude::*;

/// The element id the signed-in user is written under.
const ELEMENT_ID: &str = "session-user";

/// The signed-in user of this page, read once per render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentUser(pub Option<SessionUser>);

impl CurrentUser {
    /// Whether someone is signed in and has `permission`.
    pub fn can(&self, permission: Permission) -> bool {
        self.0.as_ref().is_some_and(|u| u.can(permission))
    }
}

#[cfg(feature = "ssr")]
fn read() -> Option<SessionUser> {
    crate::server::auth::caller().ok().and_then(|c| c.user)
}

#[cfg(not(feature = "ssr"))]
fn read() -> Option<SessionUser> {
    let text = document().get_element_by_id(ELEMENT_ID)?.text_content()?;
    serde_json::from_str(&text).ok()
}

/// Reads the signed-in user and provides [`CurrentUser`] to everything under the caller.
pub fn provide_current_user() -> CurrentUser {
    let user = CurrentUser(read());
    provide_context(user.clone());
    user
}

/// Writes `user` into the page for the browser to read back when it hydrates.
#[component]
pub fn SessionUserScript(user: CurrentUser) -> impl IntoView {
    // `<` is escaped so no value can close the script element.
    let json = serde_json::to_string(&user.0)
        .unwrap_or_default()
        .replace('<', "\\u003c");
    view! { <script type="application/json" id=ELEMENT_ID inner_html=json></script> }
}

/// The signed-in user provided by [`SessionUserScript`].
pub fn current_user() -> CurrentUser {
    use_context::<CurrentUser>().unwrap_or(CurrentUser(None))
}

/// One line saying why this role is not offered an action, shown where the action would be.
#[component]
pub fn RoleNote(
    /// The reason, e.g. "Only admins can create sources and issue or revoke keys."
    text: &'static str,
) -> impl IntoView {
    view! { <p class="role-note" data-testid="role-note">{text}</p> }
}
