//! Sources and their write and server keys: create, rotate, revoke. A new key is shown once.
mod server_keys;

use super::{SettingsHeader, when};
use crate::{
    api::sources::{
        CreateSource, IssueServerKey, IssueWriteKey, RevokeServerKey, RevokeWriteKey, SourceList,
        list_sources,
    },
    components::{LoadError, TextField},
    model::source::{CreatedWriteKey, SourceSummary},
};
use leptos::prelude::*;
use leptos_meta::Title;
use server_keys::{IssueServerKeyButton, NewServerKey, ServerKeyList};

/// The forms that change keys; the list reloads after each.
#[derive(Clone, Copy)]
struct KeyActions {
    issue: ServerAction<IssueWriteKey>,
    revoke: ServerAction<RevokeWriteKey>,
    issue_server: ServerAction<IssueServerKey>,
    revoke_server: ServerAction<RevokeServerKey>,
}

impl KeyActions {
    fn new() -> Self {
        Self {
            issue: ServerAction::new(),
            revoke: ServerAction::new(),
            issue_server: ServerAction::new(),
            revoke_server: ServerAction::new(),
        }
    }

    fn versions(self) -> [usize; 4] {
        [
            self.issue.version().get(),
            self.revoke.version().get(),
            self.issue_server.version().get(),
            self.revoke_server.version().get(),
        ]
    }
}

/// Lists sources with their keys beside a form to add a source.
#[component]
pub fn SourcesPage() -> impl IntoView {
    let create = ServerAction::<CreateSource>::new();
    let actions = KeyActions::new();
    let sources = Resource::new(
        move || (create.version().get(), actions.versions()),
        |_| list_sources(),
    );
    let create_error = Signal::derive(move || {
        create
            .value()
            .get()
            .and_then(Result::err)
            .and_then(|e| e.message_for("name").or(Some(e.to_string())))
    });
    view! {
        <Title text="Settings" />
        <SettingsHeader />
        <div class="split">
            <section class="card" aria-labelledby="sources-heading">
                <h2 id="sources-heading">"Sources"</h2>
                <Transition fallback=|| view! { <p class="loading" role="status">"Loading sources…"</p> }>
                    <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                        {move || Suspend::new(async move {
                            sources.await.map(|list| view! { <SourceTable list actions /> })
                        })}
                    </ErrorBoundary>
                </Transition>
            </section>
            <section class="card form-card" aria-labelledby="new-source-heading">
                <h2 id="new-source-heading">"New source"</h2>
                <ActionForm action=create attr:class="form" attr:novalidate=true>
                    <TextField name="name" label="Name" required=true
                        hint="Lower-case, e.g. web, ios-app, crm. Gets a write key for the tracking API."
                        error=create_error />
                    <div class="form-actions">
                        <button type="submit" class="button primary" disabled=move || create.pending().get()>
                            "Create source"
                        </button>
                    </div>
                </ActionForm>
            </section>
        </div>
    }
}

#[component]
fn SourceTable(list: SourceList, actions: KeyActions) -> impl IntoView {
    let new_key = list.new_key.map(|key| view! { <NewKey key /> });
    let new_server_key = list
        .new_server_key
        .map(|key| view! { <NewServerKey key /> });
    if list.sources.is_empty() {
        return view! {
            {new_key}
            {new_server_key}
            <div class="empty-state" data-testid="sources-empty">
                <h3>"No sources yet"</h3>
                <p>"Create one to get a write key, then point a Segment or RudderStack SDK at this host."</p>
            </div>
        }
        .into_any();
    }
    let rows = list
        .sources
        .into_iter()
        .map(|s| view! { <SourceRow source=s actions /> });
    view! {
        {new_key}
        {new_server_key}
        <table class="data-table" data-testid="sources-table">
            <thead>
                <tr>
                    <th scope="col">"Source"</th>
                    <th scope="col">"Kind"</th>
                    <th scope="col">"Write keys"</th>
                    <th scope="col">"Server keys"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>{rows.collect_view()}</tbody>
        </table>
    }
    .into_any()
}

#[component]
fn NewKey(key: CreatedWriteKey) -> impl IntoView {
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

#[component]
fn SourceRow(source: SourceSummary, actions: KeyActions) -> impl IntoView {
    let KeyActions {
        issue,
        revoke,
        issue_server,
        revoke_server,
    } = actions;
    let kind = format!("{:?}", source.kind).to_lowercase();
    let keys = source.keys.into_iter().map(|key| {
        let label = format!("{}… created {}", key.prefix, when(key.created_at));
        let state = match key.revoked_at {
            Some(at) => view! { <span class="badge muted">{format!("revoked {}", when(at))}</span> }.into_any(),
            None => view! {
                <ActionForm action=revoke attr:class="inline-form">
                    <input type="hidden" name="key_id" value=key.id.clone() />
                    <button type="submit" class="button small danger" aria-label=format!("Revoke key {}", key.prefix)>
                        "Revoke"
                    </button>
                </ActionForm>
            }.into_any(),
        };
        view! { <li class="key-row"><code>{label}</code>" "{state}</li> }
    });
    let api = kind == "api";
    view! {
        <tr data-testid="source-row">
            <th scope="row">{source.name.clone()}</th>
            <td>{kind}</td>
            <td><ul class="plain-list">{keys.collect_view()}</ul></td>
            <td><ServerKeyList keys=source.server_keys revoke=revoke_server /></td>
            <td>
                {api.then(|| view! { <NewKeyButtons id=source.id name=source.name issue issue_server /> })}
            </td>
        </tr>
    }
}

/// An API source's buttons for another write key and another server key.
#[component]
fn NewKeyButtons(
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
