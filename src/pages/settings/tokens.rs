//! Admin API tokens: create one for a script (its secret shown once), see when each was last
//! used, revoke it.
use super::{SettingsHeader, when};
use crate::{
    api::tokens::{CreateToken, LIFETIMES, MAX_NAME, RevokeToken, TokenList, list_tokens},
    components::{
        LoadError, TextField,
        form_fields::{FormAlert, FormState, form_state},
    },
    model::access::{ApiTokenSummary, CreatedApiToken, ROLES, Role},
};
use leptos::prelude::*;
use leptos_meta::Title;

/// Lists tokens beside a form to create one.
#[component]
pub fn TokensPage() -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_tokens(),
    );
    let created = form_state(create, "token");
    let revoked = form_state(revoke, "revoked");
    view! {
        <Title text="API tokens" />
        <SettingsHeader />
        <div class="split">
            <section class="card" aria-labelledby="tokens-heading">
                <h2 id="tokens-heading">"API tokens"</h2>
                <p class="hint">
                    "For scripts: send "<code>"Authorization: Bearer <token>"</code>
                    " to any "<code>"/api/…"</code>" endpoint (no cookie, no CSRF header). "
                    "A token acts with the role chosen here, as long as its creator is an enabled admin."
                </p>
                <FormAlert state=revoked saved="Token revoked." />
                <Transition fallback=|| view! { <p class="loading" role="status">"Loading tokens…"</p> }>
                    <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                        {move || Suspend::new(async move {
                            tokens.await.map(|list| view! { <TokenTable list revoke /> })
                        })}
                    </ErrorBoundary>
                </Transition>
            </section>
            <NewTokenForm create state=created />
        </div>
    }
}

/// The "Create a token" form.
#[component]
fn NewTokenForm(create: ServerAction<CreateToken>, state: FormState) -> impl IntoView {
    let select = move |id: &'static str,
                       name: &'static str,
                       label: &'static str,
                       options: Vec<(String, String, bool)>| {
        let error = state.error(name);
        let error_id = format!("{id}-error");
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <select id=id name=name aria-invalid=move || error.get().is_some().to_string()
                    aria-describedby=error_id.clone()>
                    {options.into_iter().map(|(value, text, selected)| view! {
                        <option value=value selected=selected>{text}</option>
                    }).collect_view()}
                </select>
                {move || error.get().map(|m| view! { <p class="field-error" id=error_id.clone() role="alert">{m}</p> })}
            </div>
        }
    };
    let roles = ROLES
        .into_iter()
        .map(|r| {
            (
                r.as_str().to_owned(),
                format!("{} — {}", r.as_str(), r.summary()),
                r == Role::Analyst,
            )
        })
        .collect();
    let lifetimes = LIFETIMES
        .into_iter()
        .map(|(value, label, _)| (value.to_owned(), label.to_owned(), value == "90"))
        .collect();
    view! {
        <section class="card form-card" aria-labelledby="new-token-heading">
            <h2 id="new-token-heading">"Create a token"</h2>
            <ActionForm action=create attr:class="form" attr:novalidate=true>
                <TextField name="name" label="Name" required=true maxlength=MAX_NAME as u32
                    hint="What it is for, e.g. “nightly segment export”." error=state.error("name") />
                {select("new-token-role", "role", "Role", roles)}
                {select("new-token-expires", "expires", "Expires", lifetimes)}
                <FormAlert state saved="Token created." />
                <div class="form-actions">
                    <button type="submit" class="button primary" disabled=move || create.pending().get()>
                        "Create token"
                    </button>
                </div>
            </ActionForm>
        </section>
    }
}

/// The one-time notice with a just-created token.
#[component]
fn NewToken(created: CreatedApiToken) -> impl IntoView {
    view! {
        <div class="alert alert-success" role="status" data-testid="new-token">
            <p>
                <strong>{format!("New token “{}”. ", created.token.name)}</strong>
                "Copy it now: it is stored hashed and cannot be shown again."
            </p>
            <code class="secret" data-testid="new-token-value">{created.secret}</code>
        </div>
    }
}

#[component]
fn TokenTable(list: TokenList, revoke: ServerAction<RevokeToken>) -> impl IntoView {
    let new_token = list.new_token.map(|created| view! { <NewToken created /> });
    if list.tokens.is_empty() {
        return view! {
            {new_token}
            <div class="empty-state" data-testid="tokens-empty">
                <h3>"No tokens yet"</h3>
                <p>"Create one for a script; it is shown once."</p>
            </div>
        }
        .into_any();
    }
    let rows = list
        .tokens
        .into_iter()
        .map(|token| view! { <TokenRow token revoke /> })
        .collect_view();
    view! {
        {new_token}
        <div class="table-scroll">
            <table class="data-table" data-testid="tokens-table">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Owner"</th>
                        <th scope="col">"Created"</th>
                        <th scope="col">"Expires"</th>
                        <th scope="col">"Last used"</th>
                        <th scope="col"><span class="visually-hidden">"Status"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn TokenRow(token: ApiTokenSummary, revoke: ServerAction<RevokeToken>) -> impl IntoView {
    let status = match token.revoked_at {
        Some(at) => {
            view! { <span class="badge">{format!("Revoked {}", when(at))}</span> }.into_any()
        }
        None => {
            let label = format!("Revoke {}", token.name);
            view! {
                <ActionForm action=revoke attr:class="inline-form">
                    <input type="hidden" name="id" value=token.id.clone() />
                    <button type="submit" class="button small danger" aria-label=label>"Revoke"</button>
                </ActionForm>
            }
            .into_any()
        }
    };
    view! {
        <tr data-testid="token-row">
            <th scope="row">{token.name.clone()}<br /><code class="muted">{format!("{}…", token.prefix)}</code></th>
            <td>{token.role.as_str()}</td>
            <td>{token.owner.clone()}</td>
            <td>{when(token.created_at)}</td>
            <td>{token.expires_at.map_or("Never".to_owned(), when)}</td>
            <td>{token.last_used_at.map_or("Never".to_owned(), when)}</td>
            <td>{status}</td>
        </tr>
    }
}
