//! The builder's preview: how many match, the share, and a masked sample. With JavaScript it
//! follows the draft while typing, debounced, showing only the newest answer; without it, the
//! page renders the preview of the submitted rule.
use super::editor::Editing;
use crate::api::segments::preview_segment;
use leptos::prelude::*;

/// Pause in typing after which the preview is asked for.
const DEBOUNCE_MS: u64 = 400;

/// The preview of `editing`'s draft; `id` is the segment being edited, if any.
#[component]
pub fn Preview(editing: Editing, id: Option<String>) -> impl IntoView {
    let debounced = RwSignal::new(editing.draft.get_untracked());
    let latest = StoredValue::new(0u64);
    Effect::new(move |_| {
        let rule = editing.draft.get();
        let ticket = latest.get_value() + 1;
        latest.set_value(ticket);
        set_timeout(
            move || {
                // The page may be gone by now (saved and navigated away).
                if latest.try_get_value() == Some(ticket) {
                    debounced.try_set(rule);
                }
            },
            std::time::Duration::from_millis(DEBOUNCE_MS),
        );
    });
    let preview = Resource::new(
        move || serde_json::to_string(&debounced.get()).unwrap_or_default(),
        move |rule| preview_segment(rule, id.clone()),
    );
    view! {
        <section class="card preview" aria-labelledby="preview-heading" aria-live="polite">
            <h2 id="preview-heading">"Preview"</h2>
            <Transition fallback=|| view! { <p class="loading" role="status">"Counting…"</p> }>
                {move || Suspend::new(async move { answer(preview.await) })}
            </Transition>
        </section>
    }
}

fn answer(
    result: Result<crate::model::segment::SegmentPreview, crate::error::AppError>,
) -> AnyView {
    match result {
        Err(e) => view! { <p class="alert alert-error" role="alert">{e.to_string()}</p> }.into_any(),
        Ok(p) if p.problem.is_some() => view! {
            <p class="alert" role="status" data-testid="preview-problem">"Not counted yet: "{p.problem}</p>
        }.into_any(),
        Ok(p) if p.band.is_some() => view! {
            <p class="kpi"><strong data-testid="preview-count">{p.band.map(|b| b.label())}</strong>{format!(" match, of {} profiles", p.total)}</p>
            <p class="muted small" data-testid="preview-band">"Small groups are not counted exactly for your role, so no one is singled out."</p>
        }.into_any(),
        Ok(p) => {
            let share = format!("{:.1}% of {} profiles", p.percent(), p.total);
            let sample = p.sample.into_iter().map(|m| view! {
                <li><a href=format!("/customers/{}", m.id)>{if m.name.is_empty() { "Anonymous".to_owned() } else { m.name }}</a>" "<span class="hint">{m.email.unwrap_or_default()}</span></li>
            }).collect_view();
            view! { <p class="kpi"><strong data-testid="preview-count">{p.count}</strong>" match · "{share}</p><ul class="sample">{sample}</ul> }.into_any()
        }
    }
}
