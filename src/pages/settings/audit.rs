//! The audit log: filter by action, actor and target; page back in time.
use super::{SettingsHeader, when};
use crate::{
    api::audit::list_audit,
    components::{LoadError, url::with_query},
    model::audit::{AUDIT_ACTIONS, AuditPage},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Newest entries first, 50 a page; the filter is a plain GET form (works without JavaScript).
#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |key: &str| query.with(|q| q.get(key)).filter(|v| !v.is_empty());
    let entries = Resource::new(
        move || {
            (
                param("action"),
                param("actor"),
                param("target"),
                param("before"),
            )
        },
        |(action, actor, target, before)| list_audit(action, actor, target, before),
    );
    let chosen = move || param("action").unwrap_or_default();
    view! {
        <Title text="Audit log" />
        <SettingsHeader />
        <section class="card" aria-labelledby="audit-heading">
            <h2 id="audit-heading">"Audit log"</h2>
            <form method="get" action="/settings/audit" class="filters" role="search">
                <label for="audit-action">"Action"</label>
                <select id="audit-action" name="action">
                    <option value="">"Any"</option>
                    {AUDIT_ACTIONS.into_iter().map(|a| view! {
                        <option value=a selected=move || chosen() == a>{a}</option>
                    }).collect_view()}
                </select>
                <label for="audit-actor">"Actor"</label>
                <input id="audit-actor" name="actor" prop:value=move || param("actor").unwrap_or_default() />
                <label for="audit-target">"Target id"</label>
                <input id="audit-target" name="target" prop:value=move || param("target").unwrap_or_default() />
                <button type="submit" class="button">"Filter"</button>
            </form>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading the log…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                    {move || Suspend::new(async move {
                        entries.await.map(|page| view! { <AuditTable page /> })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn AuditTable(page: AuditPage) -> impl IntoView {
    if page.entries.is_empty() {
        return view! { <p class="empty-state" data-testid="audit-empty">"No entries match."</p> }
            .into_any();
    }
    let query = use_query_map();
    let older = page.next.map(|before| {
        let value = |k: &str| query.with_untracked(|q| q.get(k).unwrap_or_default());
        let (action, actor, target) = (value("action"), value("actor"), value("target"));
        let pairs = [
            ("action", action.as_str()),
            ("actor", actor.as_str()),
            ("target", target.as_str()),
            ("before", before.as_str()),
        ];
        view! { <a class="button" href=with_query("/settings/audit", &pairs)>"Older entries"</a> }
    });
    let rows = page.entries.into_iter().map(|e| {
        view! {
            <tr data-testid="audit-row">
                <td>{when(e.at)}</td>
                <td>{e.actor}{e.role.map(|r| format!(" ({r})"))}</td>
                <td><code>{e.action}</code></td>
                <td><code>{e.target.unwrap_or_default()}</code></td>
                <td>{e.ip.unwrap_or_default()}</td>
                <td>{e.detail.unwrap_or_default()}</td>
            </tr>
        }
    });
    view! {
        // Focusable: on a phone the table scrolls sideways, and keyboards must reach that too.
        <table class="data-table" data-testid="audit-table" tabindex="0" aria-label="Audit log entries">
            <thead>
                <tr>
                    <th scope="col">"When"</th>
                    <th scope="col">"Who"</th>
                    <th scope="col">"Action"</th>
                    <th scope="col">"Target"</th>
                    <th scope="col">"From"</th>
                    <th scope="col">"Detail"</th>
                </tr>
            </thead>
            <tbody>{rows.collect_view()}</tbody>
        </table>
        {older}
    }
    .into_any()
}
