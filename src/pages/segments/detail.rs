//! One segment: its rule in words, size over time, computation progress, members, versions with
//! what changed, recent entries and exits, overlap with another segment, and the actions.
use crate::{
    api::segments::{
        ArchiveSegment, DuplicateSegment, ExposeSegment, get_segment, list_segment_members,
        list_segments, overlap_segments,
    },
    components::{
        DailyBarChart, LoadError,
        session::{RoleNote, current_user},
        status::set_status,
    },
    error::AppError,
    model::{
        DailyCount,
        access::Permission,
        segment::{SegmentDetail, SegmentKind, SegmentStatus},
    },
    pages::settings::when,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The segment in the URL.
#[component]
pub fn SegmentPage() -> impl IntoView {
    let params = use_params_map();
    let archive = ServerAction::<ArchiveSegment>::new();
    let expose = ServerAction::<ExposeSegment>::new();
    let id = move || params.read().get("id").unwrap_or_default();
    let detail = Resource::new(
        move || (id(), archive.version().get(), expose.version().get()),
        |(id, _, _)| get_segment(id),
    );
    view! {
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading the segment…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                {move || Suspend::new(async move {
                    let loaded = detail.await;
                    if matches!(loaded, Err(AppError::NotFound { .. })) {
                        set_status(404);
                    }
                    loaded.map(|d| view! { <Segment detail=d archive expose /> })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn Segment(
    detail: SegmentDetail,
    archive: ServerAction<ArchiveSegment>,
    expose: ServerAction<ExposeSegment>,
) -> impl IntoView {
    let s = detail.summary.clone();
    let can_edit = current_user().can(Permission::EditMarketing);
    let unknown = use_query_map().read_untracked().get("unknown");
    let progress = detail
        .compute
        .clone()
        .filter(|c| c.state != "done")
        .map(|c| {
            let text = match (c.error, c.total) {
                (Some(e), _) => format!("Computing members failed: {e}"),
                (None, 0) => "Computing members… the count below may still change.".to_owned(),
                (None, total) => {
                    format!("Computing members… {} of {total} changes applied.", c.done)
                }
            };
            view! { <p class="alert" role="status">{text}</p> }
        });
    let history: Vec<DailyCount> = detail
        .history
        .iter()
        .map(|(at, size)| DailyCount {
            day: crate::components::local_time::user_zone().date_time(*at),
            count: *size,
        })
        .collect();
    let (export, members_id, overlap_id) = (s.id.clone(), s.id.clone(), s.id.clone());
    let (exposure_id, exposed_key) = (s.id.clone(), s.exposed_key.clone());
    let rule = detail.rule.clone();
    view! {
        <Title text=format!("{} · Segments", s.name) />
        <header class="page-header">
            <h1>{s.name.clone()}</h1>
            <p class="subtitle">{s.description.clone()}</p>
            <Show when=move || can_edit>
                <SegmentActions id=s.id.clone() kind=s.kind status=s.status archive />
            </Show>
        </header>
        {(!can_edit).then(|| view! { <RoleNote text="Only admins and marketers can create or change segments and campaigns." /> })}
        {unknown.map(|n| view! { <p class="alert" role="status">{format!("List uploaded: {n} identifiers matched no one.")}</p> })}
        {progress}
        <div class="split">
            <section class="card" aria-labelledby="rule-heading">
                <h2 id="rule-heading">"Who is in it"</h2>
                <p class="kpi"><strong data-testid="member-count">{s.size}</strong>{if s.size == 1 { " member" } else { " members" }}</p>
                <super::summary::RuleSummary rule />
                {detail.time_relative.then_some(view! { <p class="hint">"Depends on the clock: recomputed every minute."</p> })}
                <p><a class="button" href=format!("/segments/{export}/export") download>"Export members (CSV)"</a></p>
            </section>
            <section class="card" aria-labelledby="history-heading">
                <h2 id="history-heading">"Size over time"</h2>
                {if history.is_empty() {
                    view! { <p class="empty">"No samples yet: sizes are sampled every few minutes."</p> }.into_any()
                } else {
                    view! { <DailyBarChart title="Members over time" unit="members" data=history /> }.into_any()
                }}
            </section>
        </div>
        <super::exposure::Exposure id=exposure_id key=exposed_key can_edit expose />
        <Members id=members_id />
        <Overlap id=overlap_id />
        <Versions detail=detail.clone() />
        <Transitions detail />
    }
}

#[component]
fn SegmentActions(
    id: String,
    kind: SegmentKind,
    status: SegmentStatus,
    archive: ServerAction<ArchiveSegment>,
) -> impl IntoView {
    let duplicate = ServerAction::<DuplicateSegment>::new();
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(copy)) = duplicate.value().get() {
            navigate(&format!("/segments/{copy}"), Default::default());
        }
    });
    let archived = status == SegmentStatus::Archived;
    let rule = kind == SegmentKind::Rule;
    let (edit_id, duplicate_id) = (id.clone(), id.clone());
    view! {
        <div class="actions">
            {rule.then(|| view! { <a class="button primary" href=format!("/segments/{edit_id}/edit")>"Edit"</a> })}
            {rule.then(|| view! {
                <ActionForm action=duplicate attr:class="inline">
                    <input type="hidden" name="id" value=duplicate_id />
                    <button type="submit" class="button">"Duplicate"</button>
                </ActionForm>
            })}
            <ActionForm action=archive attr:class="inline">
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="archived" value=(!archived).to_string() />
                <button type="submit" class="button">{if archived { "Restore" } else { "Archive" }}</button>
            </ActionForm>
        </div>
    }
}

#[component]
fn Members(id: String) -> impl IntoView {
    let members = Resource::new(move || id.clone(), |id| list_segment_members(id, 0));
    view! {
        <section class="card" aria-labelledby="members-heading">
            <h2 id="members-heading">"Members"</h2>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading members…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                    {move || Suspend::new(async move {
                        members.await.map(|page| {
                            if page.members.is_empty() {
                                return view! { <p class="empty">"No members right now."</p> }.into_any();
                            }
                            let shown = page.members.len();
                            let rows = page.members.into_iter().map(|(m, at)| view! {
                                <tr><th scope="row"><a href=format!("/customers/{}", m.id)>{if m.name.is_empty() { "Anonymous".to_owned() } else { m.name }}</a></th>
                                <td>{m.email.unwrap_or_default()}</td><td>{when(at)}</td></tr>
                            }).collect_view();
                            view! {
                                <p class="hint" data-testid="members-total">{format!("Newest {shown} of {}", page.total)}</p>
                                <table class="data-table"><thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Entered"</th></tr></thead><tbody>{rows}</tbody></table>
                            }.into_any()
                        })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn Overlap(id: String) -> impl IntoView {
    let others = Resource::new(|| (), |_| list_segments());
    let (other, set_other) = signal(String::new());
    let first = id.clone();
    let overlap = Resource::new(
        move || other.get(),
        move |second| {
            let first = first.clone();
            async move {
                if second.is_empty() {
                    Ok(None)
                } else {
                    overlap_segments(first, second).await.map(Some)
                }
            }
        },
    );
    view! {
        <section class="card" aria-labelledby="overlap-heading">
            <h2 id="overlap-heading">"Overlap with another segment"</h2>
            <Transition fallback=|| ()>
                {move || { let id = id.clone(); Suspend::new(async move {
                    let options = others.await.unwrap_or_default().into_iter().filter(|s| s.id != id).map(|s| view! { <option value=s.id>{s.name}</option> }).collect_view();
                    view! {
                        <label for="overlap-with">"Compare with"</label>
                        <select id="overlap-with" on:change=move |ev| set_other.set(event_target_value(&ev))>
                            <option value="">"Choose a segment"</option>{options}
                        </select>
                    }
                })}}
                {move || Suspend::new(async move {
                    overlap.await.ok().flatten().map(|o| view! {
                        <dl class="overlap"><dt>"In both"</dt><dd>{o.both}</dd><dt>"Only this one"</dt><dd>{o.first_only}</dd><dt>"Only the other"</dt><dd>{o.second_only}</dd></dl>
                    })
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Versions(detail: SegmentDetail) -> impl IntoView {
    let rows = detail.versions.into_iter().map(|v| view! {
        <li><strong>{format!("Version {}", v.version)}</strong>" · "{when(v.at)}" · "{v.by}
            <ul class="diff">{v.diff.into_iter().map(|d| view! { <li><code>{d}</code></li> }).collect_view()}</ul>
        </li>
    }).collect_view();
    view! { <section class="card" aria-labelledby="versions-heading"><h2 id="versions-heading">"Versions"</h2><ol class="versions">{rows}</ol></section> }
}

#[component]
fn Transitions(detail: SegmentDetail) -> impl IntoView {
    let empty = detail.transitions.is_empty();
    let rows = detail.transitions.into_iter().map(|t| view! {
        <tr><td>{when(t.at)}</td><td>{t.kind}</td><td><a href=format!("/customers/{}", t.profile_id)>{t.customer}</a></td></tr>
    }).collect_view();
    view! {
        <section class="card" aria-labelledby="transitions-heading" data-testid="transitions">
            <h2 id="transitions-heading">"Latest entries and exits"</h2>
            {if empty {
                view! { <p class="empty">"No one has entered or left yet."</p> }.into_any()
            } else {
                view! { <table class="data-table"><thead><tr><th scope="col">"When"</th><th scope="col">"Change"</th><th scope="col">"Customer"</th></tr></thead><tbody>{rows}</tbody></table> }.into_any()
            }}
        </section>
    }
}
