//! Settings → Matching: which trait paths are compared and how, the two thresholds with the
//! pairs each band would hold at the typed thresholds (counted in the browser from the last
//! run's scores), the full run with its progress and summary, and the pairs as CSV.
use super::SettingsHeader;
use crate::{
    api::matching::{RunMatching, SaveMatchSettings, get_matching_overview},
    components::{
        LoadError,
        form_fields::{FormAlert, FormState, form_state},
        session::RoleNote,
    },
    model::matching::{ATTRIBUTE_KINDS, AttributeKind, BandCounts, Histogram, MatchingOverview},
};
use leptos::prelude::*;
use leptos_meta::Title;

/// The page: the settings form (or what is set, for roles that may not change it) and the run.
#[component]
pub fn MatchingSettingsPage() -> impl IntoView {
    let save = ServerAction::<SaveMatchSettings>::new();
    let run = ServerAction::<RunMatching>::new();
    // Bumped when a run finishes, so the band preview counts that run's pairs.
    let finished_runs = RwSignal::new(0u32);
    // Reloaded after a successful save only: a refused one keeps what was typed beside its error.
    let saved = Memo::new(move |previous: Option<&usize>| {
        let version = save.version().get();
        let ok = save.value().with(|v| matches!(v, Some(Ok(()))));
        if ok {
            version
        } else {
            previous.copied().unwrap_or(0)
        }
    });
    let settings = Resource::new(
        move || (saved.get(), finished_runs.get()),
        |_| get_matching_overview(),
    );
    view! {
        <Title text="Matching · Settings" />
        <SettingsHeader />
        <div class="split">
            <section class="card" aria-labelledby="matching-heading">
                <h2 id="matching-heading">"Matching"</h2>
                <p class="muted">"Finds the profiles of one person that share no identifier, by comparing names, dates of birth, addresses and more. Pairs above the auto-merge threshold are merged (each merge can be undone); pairs between the thresholds wait in the review queue."</p>
                <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                    <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                        {move || Suspend::new(async move {
                            settings.await.map(|o| view! { <MatchingForm overview=o save /> })
                        })}
                    </ErrorBoundary>
                </Transition>
            </section>
            <RunCard run save_version=save.version() finished_runs />
        </div>
    }
}

/// The form: one field per kind, the thresholds, and the live band preview.
#[component]
fn MatchingForm(
    overview: MatchingOverview,
    save: ServerAction<SaveMatchSettings>,
) -> impl IntoView {
    let state = form_state(save, "matching");
    let form = overview.form.clone();
    let review = RwSignal::new(form.review_at.clone());
    let auto = RwSignal::new(form.auto_merge_at.clone());
    let saved_thresholds = (form.review_at.clone(), form.auto_merge_at.clone());
    let fields = ATTRIBUTE_KINDS
        .into_iter()
        .map(|kind| {
            let value = form.paths.get(kind.as_str()).cloned().unwrap_or_default();
            view! { <PathField kind value state editable=overview.can_edit /> }
        })
        .collect_view();
    let preview = view! { <BandPreview histogram=overview.histogram.clone() saved=saved_thresholds review auto /> };
    if !overview.can_edit {
        return view! {
            <RoleNote text="Only admins can change what matching compares and its thresholds." />
            <fieldset disabled=true class="fieldset"><legend>"Compared attributes"</legend>{fields}</fieldset>
            <p>{format!("Review at or above {} %, merge automatically at or above {} %.", form.review_at, form.auto_merge_at)}</p>
            {preview}
        }
        .into_any();
    }
    view! {
        <ActionForm action=save attr:class="form" attr:novalidate=true>
            <fieldset class="fieldset">
                <legend>"Compared attributes"</legend>
                <p class="hint" id="paths-hint">"Trait paths, separated by commas (e.g. firstName or address.city). email and phone also read the profile's identities. Leave a kind empty not to compare it. A full name fills in given and family names where those are missing."</p>
                {fields}
            </fieldset>
            <fieldset class="fieldset">
                <legend>"Decisions"</legend>
                <ThresholdField name="review_at" label="Review at or above (%)" signal=review state hint="Pairs scoring at least this wait in the review queue." />
                <ThresholdField name="auto_merge_at" label="Merge automatically at or above (%)" signal=auto state hint="Pairs scoring at least this are merged without review." />
                {preview}
            </fieldset>
            <FormAlert state saved="Matching settings saved. They apply from the next run." />
            <button type="submit" class="button" disabled=move || save.pending().get()>"Save settings"</button>
        </ActionForm>
    }
    .into_any()
}

/// The paths compared as `kind`.
#[component]
fn PathField(
    kind: AttributeKind,
    value: String,
    state: FormState,
    editable: bool,
) -> impl IntoView {
    let id = format!("paths-{}", kind.as_str());
    let error_id = format!("{id}-error");
    let error = state.error(kind.as_str());
    let described = {
        let error_id = error_id.clone();
        move || {
            if error.get().is_some() {
                error_id.clone()
            } else {
                "paths-hint".to_owned()
            }
        }
    };
    view! {
        <div class="field">
            <label for=id.clone()>{kind.label()}</label>
            <input id=id name=format!("form[paths][{}]", kind.as_str()) type="text" value=value maxlength=300
                readonly=!editable aria-invalid=move || error.get().is_some().to_string() aria-describedby=described />
            {move || error.get().map(|m| view! { <p class="field-error" id=error_id.clone() role="alert">{m}</p> })}
        </div>
    }
}

/// A threshold in percent; typing updates the band preview.
#[component]
fn ThresholdField(
    name: &'static str,
    label: &'static str,
    signal: RwSignal<String>,
    state: FormState,
    hint: &'static str,
) -> impl IntoView {
    let error = state.error(name);
    let (error_id, hint_id) = (format!("{name}-error"), format!("{name}-hint"));
    let described = {
        let (e, h) = (error_id.clone(), hint_id.clone());
        move || {
            if error.get().is_some() {
                e.clone()
            } else {
                h.clone()
            }
        }
    };
    view! {
        <div class="field">
            <label for=name>{label}</label>
            <input id=name name=format!("form[{name}]") type="text" inputmode="decimal" value=signal.get_untracked()
                on:input=move |ev| signal.set(event_target_value(&ev))
                aria-invalid=move || error.get().is_some().to_string() aria-describedby=described />
            <p class="hint" id=hint_id>{hint}</p>
            {move || error.get().map(|m| view! { <p class="field-error" id=error_id.clone() role="alert">{m}</p> })}
        </div>
    }
}

fn fraction(percent: &str) -> Option<f64> {
    let p: f64 = percent.trim().trim_end_matches('%').trim().parse().ok()?;
    (1.0..=99.9999).contains(&p).then_some(p / 100.0)
}

/// Pairs per band from the last run: at the saved thresholds and at the typed ones.
#[component]
fn BandPreview(
    histogram: Option<Histogram>,
    saved: (String, String),
    review: RwSignal<String>,
    auto: RwSignal<String>,
) -> impl IntoView {
    let Some(histogram) = histogram else {
        return view! { <p class="muted" data-testid="band-preview">"No run yet: run matching once to see how many pairs each band would hold."</p> }.into_any();
    };
    let at = |r: Option<f64>, a: Option<f64>, h: &Histogram| match (r, a) {
        (Some(r), Some(a)) if r < a => Some(h.bands(r, a)),
        _ => None,
    };
    let now = at(fraction(&saved.0), fraction(&saved.1), &histogram).unwrap_or_default();
    let typed =
        Signal::derive(move || at(fraction(&review.get()), fraction(&auto.get()), &histogram));
    let cell = move |pick: fn(&BandCounts) -> u64| {
        move || typed.get().map_or("—".to_owned(), |b| pick(&b).to_string())
    };
    view! {
        <table class="data-table compact" data-testid="band-preview">
            <caption>"What would change: candidate pairs of the last run per band"</caption>
            <thead><tr><th scope="col">"Band"</th><th scope="col">"Saved thresholds"</th><th scope="col">"Typed thresholds"</th></tr></thead>
            <tbody aria-live="polite">
                <tr><th scope="row">"Merged automatically"</th><td>{now.auto_merge}</td><td data-testid="preview-auto">{cell(|b| b.auto_merge)}</td></tr>
                <tr><th scope="row">"Review queue"</th><td>{now.review}</td><td data-testid="preview-review">{cell(|b| b.review)}</td></tr>
                <tr><th scope="row">"Left alone"</th><td>{now.below}</td><td>{cell(|b| b.below)}</td></tr>
            </tbody>
        </table>
    }
    .into_any()
}

/// The full run: button, progress, the last summary, and where its results are.
#[component]
fn RunCard(
    run: ServerAction<RunMatching>,
    save_version: RwSignal<usize>,
    finished_runs: RwSignal<u32>,
) -> impl IntoView {
    let tick = RwSignal::new(0u32);
    let overview = Resource::new(
        move || (run.version().get(), save_version.get(), tick.get()),
        |_| get_matching_overview(),
    );
    let busy = RwSignal::new(false);
    let last_finished: RwSignal<Option<Option<String>>> = RwSignal::new(None);
    // One timer for the card's life, refreshing while a run goes: a chain of timeouts
    // re-armed by the busy signal once stopped short and left the card on "Running".
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || {
                if busy.get_untracked() {
                    tick.update(|t| *t += 1);
                }
            },
            std::time::Duration::from_secs(1),
        )
        .ok();
        on_cleanup(move || {
            if let Some(handle) = handle {
                handle.clear();
            }
        });
    });
    view! {
        <section class="card" aria-labelledby="run-heading" data-testid="matching-run">
            <h2 id="run-heading">"Run matching"</h2>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                    {move || Suspend::new(async move {
                        overview.await.map(|o| {
                            busy.set(o.job.state == crate::model::matching::JobState::Running);
                            let finished = Some(o.job.finished_at.clone());
                            let seen = last_finished.get_untracked();
                            if seen.is_some() && seen != finished {
                                finished_runs.update(|n| *n += 1);
                            }
                            last_finished.set(finished);
                            view! { <super::matching_run::RunStatus overview=o run /> }
                        })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}
