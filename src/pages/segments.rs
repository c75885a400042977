//! Segments: the list (size, trend, last change, owner), one segment's page, the builder and
//! static uploads.
mod builder;
mod chips;
mod detail;
mod editor;
mod exposure;
mod inputs;
mod preview;
mod save;
mod static_upload;
mod summary;
mod tree;

pub use builder::{EditSegmentPage, NewSegmentPage};
pub use detail::SegmentPage;
pub use static_upload::StaticSegmentPage;

use crate::{
    api::segments::list_segments,
    components::{
        LoadError,
        session::{RoleNote, current_user},
        sparkline::sparkline_svg,
    },
    model::{
        access::Permission,
        segment::{SegmentKind, SegmentStatus, SegmentSummary},
    },
    pages::settings::when,
};
use leptos::prelude::*;
use leptos_meta::Title;

/// Every segment, active first.
#[component]
pub fn SegmentsPage() -> impl IntoView {
    let segments = Resource::new(|| (), |_| list_segments());
    let can_edit = current_user().can(Permission::EditMarketing);
    view! {
        <Title text="Segments" />
        <header class="page-header">
            <h1>"Segments"</h1>
            <Show when=move || can_edit>
                <div class="actions">
                    <a class="button primary" href="/segments/new">"New segment"</a>
                    <a class="button" href="/segments/static">"Upload a list"</a>
                </div>
            </Show>
        </header>
        {(!can_edit).then(|| view! { <RoleNote text="Only admins and marketers can create or change segments and campaigns." /> })}
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading segments…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                {move || Suspend::new(async move {
                    segments.await.map(|items| view! { <SegmentTable items /> })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn SegmentTable(items: Vec<SegmentSummary>) -> impl IntoView {
    if items.is_empty() {
        return view! {
            <p class="empty">"No segments yet. Build one from traits, events and consent, or upload a list of identifiers."</p>
        }
        .into_any();
    }
    let rows = items.into_iter().map(|s| {
        let archived = (s.status == SegmentStatus::Archived).then_some(view! { <span class="badge">"archived"</span> });
        let kind = (s.kind == SegmentKind::Static).then_some(view! { <span class="badge">"list"</span> });
        let trend = sparkline_svg(&s.trend);
        let trend_label = format!("Size trend of {}", s.name);
        view! {
            <tr>
                <th scope="row"><a href=format!("/segments/{}", s.id)>{s.name.clone()}</a>" "{kind}{archived}</th>
                <td class="num">{s.size}</td>
                <td><span class="sparkline" role="img" aria-label=trend_label inner_html=trend></span></td>
                <td>{when(s.updated_at)}" by "{s.updated_by}</td>
                <td>{s.owner}</td>
            </tr>
        }
    });
    view! {
        <table class="data-table">
            <thead><tr>
                <th scope="col">"Name"</th><th scope="col" class="num">"Members"</th>
                <th scope="col">"Trend"</th><th scope="col">"Last change"</th><th scope="col">"Owner"</th>
            </tr></thead>
            <tbody>{rows.collect_view()}</tbody>
        </table>
    }
    .into_any()
}
