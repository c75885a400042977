//! Sources and their write and server keys: create, rotate, revoke. A new key is shown once.
mod server_keys;
mod web;

use super::{SettingsHeader, when};
use crate::{
    api::sources::{
        CreateSource, IssueServerKey, IssueWriteKey, RevokeServerKey, RevokeWriteKey, SourceList,
        list_sources,
    },
    components::{
        LoadError, TextField,
        form_fields::{FormAlert, form_state},
        session::{RoleNote, current_user},
    },
    model::{
        access::Permission,
        source::{SOURCE_NAME_MAX_CHARS, SourceSummary},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use server_keys::{NewKey, NewKeyButtons, NewServerKey, ServerKeyList};

/// Why a role without `ManageData` sees no key or source buttons.
const ADMINS_ONLY: &str = "Only admins can create sources and issue or revoke keys.";

/// The forms that change keys; the list reloads after each.
#[derive(Clone, Copy)]
struct KeyActions {
    issue: ServerAction<IssueWriteKey>,
    revoke: ServerAction<RevokeWriteKey>,
    issue_server: ServerAction<IssueServerKey>,
    revoke_server: ServerAction<RevokeServerKey>,
    /// Whether the viewer may use them (the others see keys, not buttons).
    manage: bool,
}

impl KeyActions {
    fn new(manage: bool) -> Self {
        Self {
            issue: ServerAction::new(),
            revoke: ServerAction::new(),
            issue_server: ServerAction::new(),
            revoke_server: ServerAction::new(),
            manage,
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

/// Lists sources with their keys beside a form to add a source (admins), and demo data.
#[component]
pub fn SourcesPage() -> impl IntoView {
    let create = ServerAction::<CreateSource>::new();
    let manage = current_user().can(Permission::ManageData);
    let actions = KeyActions::new(manage);
    let sources = Resource::new(
        move || (create.version().get(), actions.versions()),
        |_| list_sources(),
    );
    view! {
        <Title text="Settings" />
        <SettingsHeader />
        <div class="split">
            <section class="card" aria-labelledby="sources-heading">
                <h2 id="sources-heading">"Sources"</h2>
                {(!manage).then(|| view! { <RoleNote text=ADMINS_ONLY /> })}
                <Transition fallback=|| view! { <p class="loading" role="status">"Loading sources…"</p> }>
                    <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                        {move || Suspend::new(async move {
                            sources.await.map(|list| view! { <SourceTable list actions /> })
                        })}
                    </ErrorBoundary>
                </Transition>
            </section>
            <div class="stack">
                {manage.then(|| view! { <NewSourceForm create /> })}
                {manage.then(|| view! { <super::demo::DemoDataCard /> })}
            </div>
        </div>
    }
}

/// The "New source" form (admins).
#[component]
fn NewSourceForm(create: ServerAction<CreateSource>) -> impl IntoView {
    let state = form_state(create, "source");
    view! {
        <section class="card form-card" aria-labelledby="new-source-heading">
            <h2 id="new-source-heading">"New source"</h2>
            <ActionForm action=create attr:class="form" attr:novalidate=true>
                <TextField name="name" label="Name" required=true maxlength=SOURCE_NAME_MAX_CHARS as u32
                    hint="Lower-case, e.g. web, ios-app, crm. Gets a write key for the tracking API."
                    error=state.error("name") />
                <FormAlert state saved="Source created: copy its write key now." />
                <div class="form-actions">
                    <button type="submit" class="button primary" disabled=move || create.pending().get()>
                        "Create source"
                    </button>
                </div>
            </ActionForm>
        </section>
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
    let manage = actions.manage;
    let public_url = list.public_url.clone();
    let panels = list
        .sources
        .iter()
        .filter(|s| s.kind == crate::model::source::SourceKind::Api)
        .cloned()
        .map(|source| {
            let public_url = public_url.clone();
            view! { <web::WebsitePanel source public_url manage /> }
        })
        .collect_view();
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
        <h2 class="section-heading">"Websites"</h2>
        <p class="muted">"Pages of the origins listed may send events with the source's write key and read anonymous visitors' personalization."</p>
        <div class="stack">{panels}</div>
    }
    .into_any()
}

#[component]
fn SourceRow(source: SourceSummary, actions: KeyActions) -> impl IntoView {
    let KeyActions {
        issue,
        revoke,
        issue_server,
        revoke_server,
        manage,
    } = actions;
    let kind = format!("{:?}", source.kind).to_lowercase();
    let keys = source.keys.into_iter().map(|key| {
        let label = format!("{}… created {}", key.prefix, when(key.created_at));
        let state = match key.revoked_at {
            Some(at) => view! { <span class="badge muted">{format!("revoked {}", when(at))}</span> }.into_any(),
            None if !manage => view! { <span class="badge ok">"live"</span> }.into_any(),
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
    let api = kind == "api" && manage;
    view! {
        <tr data-testid="source-row">
            <th scope="row">{source.name.clone()}</th>
            <td>{kind}</td>
            <td><ul class="plain-list">{keys.collect_view()}</ul></td>
            <td><ServerKeyList keys=source.server_keys revoke=revoke_server manage /></td>
            <td>
                {api.then(|| view! { <NewKeyButtons id=source.id name=source.name issue issue_server /> })}
            </td>
        </tr>
    }
}
