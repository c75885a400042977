//! Merging this customer with another by hand (stewards): search for the other one, then merge.
//! The merge is audited and can be undone from the merge history like any other. The search is
//! a plain GET form (`merge_q` in the URL), so it works without JavaScript.
use crate::{
    api::{list_customers, matching::MergeCustomers},
    model::{profile::ProfileView, search::CustomerQuery},
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The "Merge with another customer" card.
#[component]
pub fn MergeWith(profile: ProfileView, action: ServerAction<MergeCustomers>) -> impl IntoView {
    let query = use_query_map();
    let typed = move || query.with(|q| q.get("merge_q").unwrap_or_default());
    let found = Resource::new(typed, |q| async move {
        if q.trim().chars().count() < 2 {
            return Ok(None);
        }
        list_customers(CustomerQuery {
            q,
            ..CustomerQuery::default()
        })
        .await
        .map(Some)
    });
    let failure = move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.user_message())
    };
    let merged = move || action.value().get().is_some_and(|r| r.is_ok());
    let id = profile.id.clone();
    view! {
        <section class="card" aria-labelledby="merge-with-heading" data-testid="merge-with">
            <h2 id="merge-with-heading">"Merge with another customer"</h2>
            <p class="muted">"For duplicates matching did not find. The older profile lives on; the merge is audited and can be undone from the merge history."</p>
            <form method="get" class="inline-form" role="search" aria-label="Find the other customer">
                <label for="merge_q">"Find the other customer"</label>
                <input id="merge_q" name="merge_q" type="search" value=typed placeholder="name, email or phone" />
                <button type="submit" class="button secondary">"Search"</button>
            </form>
            {move || failure().map(|e| view! { <p class="alert alert-error" role="alert">{e}</p> })}
            {move || merged().then(|| view! { <p class="alert alert-success" role="status">"Merged."</p> })}
            <Transition fallback=|| view! { <p class="loading" role="status">"Searching…"</p> }>
                {move || {
                    let id = id.clone();
                    Suspend::new(async move {
                        match found.await {
                            Ok(Some(list)) => {
                                let rows = list.customers.into_iter().filter(|c| c.id != id).map(|c| {
                                    let this = id.clone();
                                    let label = format!("Merge {} into this customer", if c.name.is_empty() { "(no name)" } else { &c.name });
                                    view! {
                                        <li>
                                            <a href=format!("/customers/{}", c.id)>{if c.name.is_empty() { "(no name)".to_owned() } else { c.name.clone() }}</a>
                                            " " <span class="muted">{c.email.clone().unwrap_or_default()}</span>
                                            <ActionForm action attr:class="inline-form">
                                                <input type="hidden" name="id" value=this />
                                                <input type="hidden" name="other" value=c.id.clone() />
                                                <button type="submit" class="button small" aria-label=label>"Merge"</button>
                                            </ActionForm>
                                        </li>
                                    }
                                }).collect_view();
                                view! { <ul class="merge-candidates" data-testid="merge-candidates">{rows}</ul> }.into_any()
                            }
                            Ok(None) => ().into_any(),
                            Err(e) => view! { <p class="alert alert-error" role="alert">{e.user_message()}</p> }.into_any(),
                        }
                    })
                }}
            </Transition>
        </section>
    }
}
