//! A source's server keys on Settings → Sources & keys: listed by prefix and key id, revoked,
//! and a new one shown once with its key id (what user tokens name).
use super::super::when;
use crate::{
    api::sources::{IssueServerKey, IssueWriteKey, RevokeServerKey},
    model::source::{CreatedServerKey, CreatedWriteKey, KeySummary},
};
use leptos::prelude::*;

/// The one-time notice with a just-created server key and its key id.
#[component]
pub fn NewServerKey(key: CreatedServerKey) -> impl IntoView {
    view! {
        <div class="alert alert-success" role="status" data-testid="new-server-key">
            <p>
                <strong>{format!("New server key for {}. ", key.source)}</strong>
                "Keep it on your servers only: it reads every customer's messages and "
                "recommendations and signs user tokens. Copy it now: it is stored hashed and "
                "cannot be shown again."
            </p>
            <p>"Key id (for user tokens): "<code data-testid="new-server-key-id">{key.key_id}</code></p>
            <code class="secret" data-testid="new-server-key-value">{key.key}</code>
        </div>
    }
}

/// A source's server keys, each with its id and a revoke button while it is live.
#[component]
pub fn ServerKeyList(
    keys: Vec<KeySummary>,
    revoke: ServerAction<RevokeServerKey>,
    /// Whether the viewer may revoke keys (others see the list only).
    manage: bool,
) -> impl IntoView {
    let rows = keys.into_iter().map(|key| {
        let label = format!("{}… id {} created {}", key.prefix, key.id, when(key.created_at));
        let state = match key.revoked_at {
            Some(at) => view! { <span class="badge muted">{format!("revoked {}", when(at))}</span> }.into_any(),
            None if !manage => view! { <span class="badge ok">"live"</span> }.into_any(),
            None => view! {
                <ActionForm action=revoke attr:class="inline-form">
                    <input type="hidden" name="key_id" value=key.id.clone() />
                    <button type="submit" class="button small danger" aria-label=format!("Revoke server key {}", key.prefix)>
                        "Revoke"
                    </button>
                </ActionForm>
            }.into_any(),
        };
        view! { <li class="key-row" data-testid="server-key-row"><code>{label}</code>" "{state}</li> }
    });
    view! { <ul class="plain-list">{rows.collect_view()}</ul> }
}

/// The button that issues another server key for source `id` named `name`.
#[component]
pub fn IssueServerKeyButton(
    id: String,
    name: String,
    issue: ServerAction<IssueServerKey>,
) -> impl IntoView {
    view! {
        <ActionForm action=issue attr:class="inline-form">
            <input type="hidden" name="source_id" value=id />
            <button type="submit" class="button small" aria-label=format!("New server key for {name}")>
                "New server key"
            </button>
        </ActionForm>
    }
}

/// The one-time notice with a just-created write key.
#[component]
pub fn NewKey(key: CreatedWriteKey) -> impl IntoView {
    view! {
        <div class="alert alert-success" role="status" data-testid="new-key">
            <p>
                <strong>{format!("New write key for {}. ", key.source)}</strong>
                "Copy it now: it is stored hashed and cannot be shown again."
            </p>
            <code class="secret" data-testid="new-key-value">{key.key}</code>
        </div>
    }
}

/// An API source's buttons for another write key and another server key.
#[component]
pub fn NewKeyButtons(
    id: String,
    name: String,
    issue: ServerAction<IssueWriteKey>,
    issue_server: ServerAction<IssueServerKey>,
) -> impl IntoView {
    let label = format!("New key for {name}");
    let source_id = id.clone();
    view! {
        <ActionForm action=issue attr:class="inline-form">
            <input type="hidden" name="source_id" value=source_id />
            <button type="submit" class="button small" aria-label=label>
                "New key"
            </button>
        </ActionForm>
        <IssueServerKeyButton id name issue=issue_server />
    }
}
