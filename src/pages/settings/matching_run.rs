//! The run card of Settings → Matching: the button, the progress bar while a run goes, what
//! the last run did, and links to the review queue and the CSV of pairs.
use crate::{
    api::matching::RunMatching,
    model::matching::{JobState, JobStatus, MatchingOverview, RunSummary},
};
use leptos::prelude::*;

/// The job's state, the run button for roles that may, and the links.
#[component]
pub fn RunStatus(overview: MatchingOverview, run: ServerAction<RunMatching>) -> impl IntoView {
    let running = overview.job.state == JobState::Running;
    let failure = move || {
        run.value()
            .get()
            .and_then(Result::err)
            .map(|e| e.user_message())
    };
    view! {
        <JobProgress job=overview.job.clone() />
        {move || failure().map(|e| view! { <p class="alert alert-error" role="alert">{e}</p> })}
        {overview.can_run.then(|| view! {
            <ActionForm action=run attr:class="inline-form">
                <button type="submit" class="button" disabled=move || running || run.pending().get()>"Run matching now"</button>
            </ActionForm>
        })}
        <ul class="links">
            <li><a href="/customers/matches">{format!("Review queue ({} waiting)", overview.pending)}</a></li>
            <li><a href="/matching/pairs.csv" rel="external" download="match-pairs.csv">"Download every pair (CSV)"</a></li>
        </ul>
        <p class="muted">{format!(
            "New and changed customers are matched in the background with the last run's model ({} waiting). Changed attributes apply from the next run.",
            overview.queued_profiles
        )}</p>
    }
}

/// Where the job stands, in words, with a progress bar while it runs.
#[component]
fn JobProgress(job: JobStatus) -> impl IntoView {
    match job.state {
        JobState::Idle => view! { <p class="muted" role="status">"Matching has not run yet."</p> }.into_any(),
        JobState::Running => view! {
            // Only browsers without JavaScript parse this; the others poll.
            <noscript inner_html=r#"<meta http-equiv="refresh" content="2">"#></noscript>
            <p role="status">{format!("Running: {} ({} of {})…", job.step, job.done, job.total)}</p>
            <progress class="progress" max=job.total.max(1) value=job.done aria-label="Matching progress"></progress>
        }
        .into_any(),
        JobState::Done => view! {
            <p class="alert alert-success" role="status">
                {format!("Last run finished {} UTC (started by {}).", job.finished_at.unwrap_or_default(), job.started_by)}
            </p>
            {job.summary.map(|s| view! { <Summary summary=s /> })}
        }
        .into_any(),
        JobState::Failed => view! {
            <p class="alert alert-error" role="alert">{format!("The last run stopped: {}", job.error.unwrap_or_default())}</p>
        }
        .into_any(),
    }
}

/// What a run did.
#[component]
fn Summary(summary: RunSummary) -> impl IntoView {
    view! {
        <dl class="facts" data-testid="matching-summary">
            <dt>"Profiles compared"</dt><dd>{summary.profiles}</dd>
            <dt>"Candidate pairs"</dt>
            <dd>{format!("{} ({:.1} per profile, at most {})", summary.candidate_pairs, summary.pairs_per_profile, summary.max_pairs_per_profile)}</dd>
            <dt>"Merged automatically"</dt><dd data-testid="summary-auto">{summary.auto_merged}</dd>
            <dt>"Queued for review"</dt><dd data-testid="summary-queued">{summary.queued}</dd>
            <dt>"Left alone"</dt><dd>{summary.below}</dd>
            <dt>"Already decided"</dt><dd>{summary.settled_skipped}</dd>
            <dt>"Took"</dt><dd>{format!("{:.1} s", summary.seconds)}</dd>
        </dl>
    }
}
