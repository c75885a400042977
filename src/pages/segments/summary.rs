//! A saved rule in words, nested as stored: each group a list of its own conditions, so a
//! condition outside a group never reads as inside it.
use crate::segment::{GroupKind, Rule, describe::condition};
use leptos::prelude::*;

/// The rule of a segment page (`None`: an uploaded list).
#[component]
pub fn RuleSummary(rule: Option<Rule>) -> impl IntoView {
    let body = match rule {
        Some(rule) => view! { <ul class="rule-text">{item(rule)}</ul> }.into_any(),
        None => view! { <p>"Uploaded list"</p> }.into_any(),
    };
    view! { <div class="rule-summary" data-testid="rule-summary">{body}</div> }
}

fn item(rule: Rule) -> AnyView {
    match rule {
        Rule::Group { kind, rules } if rules.is_empty() => {
            let text = match kind {
                GroupKind::Any => "no one (an empty \"any of\" group)",
                _ => "everyone (no conditions)",
            };
            view! { <li>{text}</li> }.into_any()
        }
        Rule::Group { kind, rules } => {
            let head = match kind {
                GroupKind::All => "all of:",
                GroupKind::Any => "any of:",
                GroupKind::None => "none of:",
            };
            let children = rules.into_iter().map(item).collect_view();
            view! { <li><span class="rule-head">{head}</span><ul>{children}</ul></li> }.into_any()
        }
        other => view! { <li><code>{condition(&other)}</code></li> }.into_any(),
    }
}
