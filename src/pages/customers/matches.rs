//! The review queue: pairs of customers matching found alike, each with both records side by
//! side, the score and what drove it. Stewards approve (merge), reject (never proposed again)
//! or skip, with the buttons or the keyboard (A, R, S / J next, K previous); decided pairs can
//! be filtered and their merges undone. Masked and read-only for roles without personal data.
use super::match_card::PairCard;
use crate::{
    api::{
        UnmergeProfiles,
        matching::{ApproveMatchesAbove, DecideMatch, list_match_pairs},
    },
    components::{LoadError, session::RoleNote, url::with_query},
    model::matching::PairPage,
};
use leptos::{prelude::*, wasm_bindgen::JsCast, web_sys};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The filters in the URL: decision, band, source, page.
#[derive(Debug, Clone, PartialEq)]
struct Filters {
    decision: String,
    band: String,
    source: String,
    page: u64,
}

fn filters_from_url() -> Memo<Filters> {
    let params = use_query_map();
    Memo::new(move |_| {
        params.with(|p| Filters {
            decision: p
                .get("decision")
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| "pending".into()),
            band: p.get("band").unwrap_or_default(),
            source: p.get("source").unwrap_or_default(),
            page: p.get("page").and_then(|n| n.parse().ok()).unwrap_or(0),
        })
    })
}

/// The page.
#[component]
pub fn MatchesPage() -> impl IntoView {
    let filters = filters_from_url();
    let decide = ServerAction::<DecideMatch>::new();
    let undo = ServerAction::<UnmergeProfiles>::new();
    let bulk = ServerAction::<ApproveMatchesAbove>::new();
    let pairs = Resource::new(
        move || {
            (
                filters.get(),
                decide.version().get(),
                undo.version().get(),
                bulk.version().get(),
            )
        },
        |(f, ..)| list_match_pairs(Some(f.decision), Some(f.band), Some(f.source), Some(f.page)),
    );
    let failure = move || {
        [
            decide.value().get(),
            bulk.value().get().map(|r| r.map(|_| ())),
            undo.value().get(),
        ]
        .into_iter()
        .flatten()
        .find_map(Result::err)
        .map(|e| e.user_message())
    };
    view! {
        <Title text="Review matches · Customers" />
        <header class="page-header">
            <h1>"Review matches"</h1>
            <p class="muted">"Customers matching found alike but could not merge on its own. Approve merges them (it can be undone); reject keeps them apart for good."</p>
        </header>
        {move || failure().map(|e| view! { <p class="alert alert-error" role="alert" data-testid="match-error">{e}</p> })}
        {move || bulk.value().get().and_then(Result::ok).map(|n| view! { <p class="alert alert-success" role="status">{format!("{n} pairs approved and merged.")}</p> })}
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading pairs…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                {move || Suspend::new(async move {
                    pairs.await.map(|page| view! { <Queue page filters=filters.get_untracked() decide undo bulk /> })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

/// Filters, bulk approval, the pairs and the pager.
#[component]
fn Queue(
    page: PairPage,
    filters: Filters,
    decide: ServerAction<DecideMatch>,
    undo: ServerAction<UnmergeProfiles>,
    bulk: ServerAction<ApproveMatchesAbove>,
) -> impl IntoView {
    let current = RwSignal::new(0usize);
    let ids: Vec<String> = page
        .pairs
        .iter()
        .filter(|p| p.decision == crate::model::matching::Decision::Pending)
        .map(|p| p.id.clone())
        .collect();
    let can_decide = page.can_decide;
    keyboard(current, ids, decide, can_decide);
    let shown = page.pairs.len() as u64;
    let cards = page
        .pairs
        .into_iter()
        .enumerate()
        .map(|(index, pair)| view! { <PairCard pair index current can_decide masked=page.masked decide undo /> })
        .collect_view();
    view! {
        <FilterForm filters=filters.clone() sources=page.sources.clone() />
        {page.masked.then(|| view! { <RoleNote text="Personal data is masked for your role; only stewards decide." /> })}
        {(can_decide && filters.decision == "pending").then(|| view! { <BulkApprove bulk /> })}
        <p role="status" data-testid="match-count">{format!("{} pairs", page.total)}
            {(can_decide && shown > 0).then_some(" · keys: A approve, R reject, S skip, K back")}</p>
        {(shown == 0).then(|| view! { <p class="empty" data-testid="no-matches">"No pairs here. Run matching from Settings → Matching, or change the filters."</p> })}
        <ol class="match-list">{cards}</ol>
        <Pager filters total=page.total shown />
    }
}

/// A, R, S / J, K on the current pending pair (not while typing in a field).
fn keyboard(
    current: RwSignal<usize>,
    ids: Vec<String>,
    decide: ServerAction<DecideMatch>,
    can_decide: bool,
) {
    if !can_decide || ids.is_empty() {
        return;
    }
    let count = ids.len();
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        let typing = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
        if typing
            || ev.ctrl_key()
            || ev.meta_key()
            || ev.alt_key()
            || decide.pending().get_untracked()
        {
            return;
        }
        let at = current.get_untracked().min(count - 1);
        let decision = match ev.key().as_str() {
            "a" | "A" => "approve",
            "r" | "R" => "reject",
            "s" | "S" | "j" | "J" => return current.set((at + 1).min(count - 1)),
            "k" | "K" => return current.set(at.saturating_sub(1)),
            _ => return,
        };
        ev.prevent_default();
        decide.dispatch(DecideMatch {
            pair: ids[at].clone(),
            decision: decision.to_owned(),
        });
    });
    on_cleanup(move || handle.remove());
}

/// Decision, band and source filters (a plain GET form: works without JavaScript).
#[component]
fn FilterForm(filters: Filters, sources: Vec<String>) -> impl IntoView {
    let option = |value: &str, label: &str, selected: &str| {
        let is = value == selected;
        view! { <option value=value.to_owned() selected=is>{label.to_owned()}</option> }
    };
    let decisions = [
        ("pending", "Waiting"),
        ("approved", "Approved"),
        ("auto_merged", "Merged automatically"),
        ("rejected", "Rejected"),
        ("unmerged", "Unmerged"),
        ("all", "All"),
    ];
    let bands = [
        ("", "Any band"),
        ("review", "Review"),
        ("auto_merge", "Auto-merge"),
        ("below", "Below"),
    ];
    view! {
        <form method="get" action="/customers/matches" class="filters" role="search" aria-label="Filter pairs">
            <div class="field"><label for="f-decision">"Decision"</label>
                <select id="f-decision" name="decision">{decisions.map(|(v, l)| option(v, l, &filters.decision)).collect_view()}</select></div>
            <div class="field"><label for="f-band">"Band"</label>
                <select id="f-band" name="band">{bands.map(|(v, l)| option(v, l, &filters.band)).collect_view()}</select></div>
            <div class="field"><label for="f-source">"Source"</label>
                <select id="f-source" name="source">
                    {option("", "Any source", &filters.source)}
                    {sources.iter().map(|s| option(s, s, &filters.source)).collect_view()}
                </select></div>
            <button type="submit" class="button secondary">"Filter"</button>
        </form>
    }
}

/// Approve every waiting pair at or above a score.
#[component]
fn BulkApprove(bulk: ServerAction<ApproveMatchesAbove>) -> impl IntoView {
    view! {
        <ActionForm action=bulk attr:class="inline-form bulk-approve">
            <label for="min_score">"Approve every waiting pair scoring at least (%)"</label>
            <input id="min_score" name="min_score" type="text" inputmode="decimal" value="99" size="6" />
            <button type="submit" class="button" disabled=move || bulk.pending().get()>"Approve all above"</button>
        </ActionForm>
    }
}

/// Previous / next page links.
#[component]
fn Pager(filters: Filters, total: u64, shown: u64) -> impl IntoView {
    let per_page = 20u64;
    let link = |filters: &Filters, page: u64| {
        let page = page.to_string();
        let query = [
            ("decision", filters.decision.as_str()),
            ("band", filters.band.as_str()),
            ("source", filters.source.as_str()),
            ("page", page.as_str()),
        ];
        with_query("/customers/matches", &query)
    };
    let has_next = (filters.page + 1) * per_page < total && shown > 0;
    view! {
        <nav class="pager" aria-label="Pages">
            {(filters.page > 0).then(|| view! { <a href=link(&filters, filters.page - 1) rel="prev">"Previous"</a> })}
            {has_next.then(|| view! { <a href=link(&filters, filters.page + 1) rel="next">"Next"</a> })}
        </nav>
    }
}
