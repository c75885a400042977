//! One pair on the review page: the score and what drove it, both records field by field with
//! each field marked agreeing, partly agreeing, disagreeing or missing, and the actions.
use crate::{
    api::{UnmergeProfiles, matching::DecideMatch},
    model::matching::{Decision, FieldEvidence, Outcome, PairView, score_text},
};
use leptos::prelude::*;

/// The card of pair `index` (the keyboard's current one is marked).
#[component]
pub fn PairCard(
    pair: PairView,
    index: usize,
    current: RwSignal<usize>,
    can_decide: bool,
    masked: bool,
    decide: ServerAction<DecideMatch>,
    undo: ServerAction<UnmergeProfiles>,
) -> impl IntoView {
    let pending = pair.decision == Decision::Pending;
    let is_current = move || pending && current.get() == index;
    let heading_id = format!("pair-{index}-heading");
    let labelled_by = heading_id.clone();
    let drivers = drivers(&pair.evidence);
    let rows = pair
        .evidence
        .iter()
        .zip(pair.left.values.iter().zip(&pair.right.values))
        .map(|(e, (l, r))| view! { <EvidenceRow evidence=e.clone() left=l.clone() right=r.clone() /> })
        .collect_view();
    let link = |id: &str, name: &str| {
        let name = if name.is_empty() {
            "(no name)".to_owned()
        } else {
            name.to_owned()
        };
        view! { <a href=format!("/customers/{id}")>{name}</a> }
    };
    view! {
        <li class="card match-card" class:current=is_current aria-current=move || is_current().then_some("true")
            aria-labelledby=labelled_by data-testid="match-pair" data-pair=pair.id.clone()>
            <h2 id=heading_id class="match-heading">
                <span class="score" data-testid="match-score">{score_text(pair.score)}</span>
                " · " {link(&pair.left.id, &pair.left.name)} " and " {link(&pair.right.id, &pair.right.name)}
            </h2>
            <p class="muted">{format!("Band: {} · decision: {}{} · sources: {} / {}", pair.band.as_str().replace('_', "-"), pair.decision.as_str().replace('_', " "),
                pair.decided_by.as_ref().map(|b| format!(" by {b}")).unwrap_or_default(), pair.left.sources.join(", "), pair.right.sources.join(", "))}</p>
            <p data-testid="match-drivers">{drivers}</p>
            <table class="data-table compact evidence">
                <caption class="visually-hidden">"Field by field"</caption>
                <thead><tr><th scope="col">"Field"</th><th scope="col">"First"</th><th scope="col">"Second"</th><th scope="col">"Verdict"</th><th scope="col">"Evidence"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            {(can_decide && pending).then(|| view! { <Decide id=pair.id.clone() index current decide /> })}
            {(!masked && !pending).then(|| pair.merge.clone().map(|merge| view! {
                <ActionForm action=undo attr:class="inline-form">
                    <input type="hidden" name="merge_id" value=merge />
                    <button type="submit" class="button small danger">"Undo merge"</button>
                </ActionForm>
            })).flatten()}
        </li>
    }
}

/// "Driven by birth date (+9.1), given name (+7.2); against: phone (−4.0)".
fn drivers(evidence: &[FieldEvidence]) -> String {
    let mut sorted: Vec<&FieldEvidence> =
        evidence.iter().filter(|e| e.weight.abs() >= 0.5).collect();
    sorted.sort_by(|a, b| b.weight.abs().total_cmp(&a.weight.abs()));
    let list = |positive: bool| -> Vec<String> {
        sorted
            .iter()
            .filter(|e| (e.weight > 0.0) == positive)
            .take(3)
            .map(|e| format!("{} ({:+.1})", e.path, e.weight))
            .collect()
    };
    let (for_, against) = (list(true), list(false));
    let mut text = format!(
        "Driven by {}",
        if for_.is_empty() {
            "nothing".to_owned()
        } else {
            for_.join(", ")
        }
    );
    if !against.is_empty() {
        text.push_str(&format!("; against: {}", against.join(", ")));
    }
    text
}

/// One compared field: both values and the verdict, in words as well as colour.
#[component]
fn EvidenceRow(evidence: FieldEvidence, left: String, right: String) -> impl IntoView {
    let (mark, class) = match evidence.outcome {
        Outcome::Agree => ("✓ same", "agree"),
        Outcome::Partial => ("≈ ", "partial"),
        Outcome::Disagree => ("✗ different", "disagree"),
        Outcome::Missing => ("? missing", "missing"),
    };
    let verdict = match evidence.outcome {
        Outcome::Partial => format!("{mark}{}", evidence.level.clone().unwrap_or_default()),
        _ => mark.to_owned(),
    };
    let blank = |v: String| if v.is_empty() { "—".to_owned() } else { v };
    view! {
        <tr class=format!("verdict-{class}") data-testid=format!("evidence-{}", evidence.path)>
            <th scope="row">{format!("{} ({})", evidence.path, evidence.kind.label())}</th>
            <td>{blank(left)}</td><td>{blank(right)}</td>
            <td>{verdict}</td><td>{format!("{:+.1} bits", evidence.weight)}</td>
        </tr>
    }
}

/// Approve, reject and skip for a pending pair.
#[component]
fn Decide(
    id: String,
    index: usize,
    current: RwSignal<usize>,
    decide: ServerAction<DecideMatch>,
) -> impl IntoView {
    let button = |decision: &'static str,
                  label: &'static str,
                  key: &'static str,
                  class: &'static str| {
        let id = id.clone();
        view! {
            <ActionForm action=decide attr:class="inline-form">
                <input type="hidden" name="pair" value=id />
                <input type="hidden" name="decision" value=decision />
                <button type="submit" class=class aria-keyshortcuts=key disabled=move || decide.pending().get()>{label}</button>
            </ActionForm>
        }
    };
    view! {
        <div class="actions" data-testid="match-actions">
            {button("approve", "Approve (merge)", "A", "button")}
            {button("reject", "Reject", "R", "button secondary")}
            <button type="button" class="button secondary" aria-keyshortcuts="S" on:click=move |_| current.set(index + 1)>"Skip"</button>
        </div>
    }
}
