//! Sign-in: a plain form posting to `/auth/login`, the same with and without JavaScript.
use crate::api::auth::take_typed_email;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// What went wrong last time, from the `error` (and `wait`) query parameters.
fn error_message(error: &str, wait: Option<&str>) -> Option<String> {
    match error {
        "" => None,
        "invalid" => Some("That email and password do not match an account.".to_owned()),
        "throttled" => {
            let seconds: u64 = wait.and_then(|w| w.parse().ok()).unwrap_or(900);
            let minutes = seconds.div_ceil(60);
            Some(format!(
                "Too many failed sign-ins. Try again in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            ))
        }
        _ => Some("Signing in is not possible right now; try again shortly.".to_owned()),
    }
}

/// The sign-in page.
#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |key: &str| query.with(|q| q.get(key).unwrap_or_default());
    let error = move || error_message(&param("error"), Some(&param("wait")));
    // After a failed attempt the server kept the typed email (not in the URL) for the form.
    let typed = Resource::new(|| (), |_| take_typed_email());
    view! {
        <Title text="Sign in" />
        <section class="card login-card" aria-labelledby="login-heading">
            <h1 id="login-heading">"Sign in to enrich"</h1>
            {move || {
                error()
                    .map(|message| {
                        view! {
                            <p class="form-error" role="alert" data-testid="login-error">
                                {message}
                            </p>
                        }
                    })
            }}
            <form method="post" action="/auth/login" class="stack">
                <input type="hidden" name="next" prop:value=move || param("next") />
                <label for="login-email">"Email"</label>
                <Suspense fallback=|| view! { <EmailInput value=String::new() /> }>
                    {move || Suspend::new(async move {
                        let value = typed.await.ok().flatten().unwrap_or_default();
                        view! { <EmailInput value /> }
                    })}
                </Suspense>
                <label for="login-password">"Password"</label>
                <input
                    id="login-password"
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    required
                />
                <button type="submit" class="button primary">"Sign in"</button>
            </form>
        </section>
    }
}

/// The email field, holding `value` (what was typed before a failed attempt).
#[component]
fn EmailInput(value: String) -> impl IntoView {
    view! {
        <input
            id="login-email"
            name="email"
            type="email"
            autocomplete="username"
            required
            value=value
        />
    }
}

/// Shown when the signed-in role may not open the page asked for.
#[component]
pub fn ForbiddenPage() -> impl IntoView {
    view! {
        <Title text="Not allowed" />
        <section class="empty-state" data-testid="forbidden">
            <h1>"Not allowed for your role"</h1>
            <p>"Your role does not include this page. Ask an admin if you need it."</p>
            <a class="button" href="/">"Go to the dashboard"</a>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::error_message;

    #[test]
    fn throttling_says_how_long_to_wait() {
        assert_eq!(
            error_message("throttled", Some("61")).unwrap(),
            "Too many failed sign-ins. Try again in 2 minutes."
        );
        assert!(error_message("", None).is_none());
    }
}
