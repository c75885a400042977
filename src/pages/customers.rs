//! The customers list: search by any identifier or name, filters, sort, cursor pages.
mod add;
mod match_card;
mod matches;

pub use matches::MatchesPage;

use crate::{
    api::{AddCustomer, CustomerList, list_customers},
    components::{
        LoadError,
        session::{RoleNote, current_user},
        url::with_query,
    },
    model::{
        CustomerSummary,
        access::Permission,
        search::{CustomerQuery, CustomerSort},
    },
};
use add::AddCustomerForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The query string as a [`CustomerQuery`].
fn query_from_url() -> Memo<CustomerQuery> {
    let params = use_query_map();
    Memo::new(move |_| {
        params.with(|p| {
            let get = |k: &str| p.get(k).unwrap_or_default();
            CustomerQuery {
                q: get("q"),
                source: get("source"),
                seen_from: get("seen_from"),
                seen_to: get("seen_to"),
                has_trait: get("has_trait"),
                sort: get("sort"),
                after: get("after"),
            }
        })
    })
}

/// Search, filters and results beside the "Add customer" form (for roles that may add).
/// The search form is a plain GET form, so it works without JavaScript.
#[component]
pub fn CustomersPage() -> impl IntoView {
    let add = ServerAction::<AddCustomer>::new();
    let query = query_from_url();
    let customers = Resource::new(
        move || (query.get(), add.version().get()),
        |(q, _)| list_customers(q),
    );
    let may_add = current_user().can(Permission::AddCustomers);
    let deleted = move || use_query_map().with(|p| p.get("deleted").is_some());
    let loading = || view! { <p class="loading" role="status">"Loading customers…"</p> };
    view! {
        <Title text="Customers" />
        <header class="page-header"><h1>"Customers"</h1></header>
        {move || deleted().then(|| view! {
            <p class="alert alert-success" role="status" data-testid="deleted">"The customer was deleted and will not be re-created by later events."</p>
        })}
        <SearchForm query />
        <div class="split">
            <section class="card" aria-labelledby="customers-heading">
                <h2 id="customers-heading" class="visually-hidden">"Customer list"</h2>
                <Transition fallback=loading>
                    <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                        {move || Suspend::new(async move {
                            customers.await.map(|list| view! { <CustomerTable list query=query.get_untracked() /> })
                        })}
                    </ErrorBoundary>
                </Transition>
            </section>
            {if may_add {
                view! { <AddCustomerForm action=add /> }.into_any()
            } else {
                view! { <RoleNote text="Only admins and support can add customers by hand." /> }.into_any()
            }}
        </div>
    }
}

#[component]
fn SearchForm(query: Memo<CustomerQuery>) -> impl IntoView {
    let value = move |f: fn(&CustomerQuery) -> &String| move || f(&query.get()).clone();
    let sort = move || query.get().sort;
    view! {
        <form method="get" action="/customers" class="card filters" role="search" aria-label="Search customers">
            <div class="field grow">
                <label for="q">"Search"</label>
                <input id="q" name="q" type="search" prop:value=value(|q| &q.q)
                    placeholder="Email, phone, user id, external id or name" />
            </div>
            <div class="field">
                <label for="source">"Source"</label>
                <input id="source" name="source" prop:value=value(|q| &q.source) placeholder="any" />
            </div>
            <div class="field">
                <label for="seen_from">"Last seen from"</label>
                <input id="seen_from" name="seen_from" type="date" prop:value=value(|q| &q.seen_from) />
            </div>
            <div class="field">
                <label for="seen_to">"to"</label>
                <input id="seen_to" name="seen_to" type="date" prop:value=value(|q| &q.seen_to) />
            </div>
            <div class="field">
                <label for="has_trait">"Has trait"</label>
                <input id="has_trait" name="has_trait" prop:value=value(|q| &q.has_trait) placeholder="e.g. plan" />
            </div>
            <div class="field">
                <label for="sort">"Sort"</label>
                <select id="sort" name="sort">
                    {CustomerSort::ALL.into_iter().map(|(s, label)| view! {
                        <option value=s.as_str() selected=move || CustomerSort::parse(&sort()) == Some(s)>{label}</option>
                    }).collect_view()}
                </select>
            </div>
            <button type="submit" class="button primary">"Search"</button>
            <a class="button" href="/customers">"Clear"</a>
        </form>
    }
}

/// The link to the page after `after` (none: the first page), keeping search and filters.
fn page_href(query: &CustomerQuery, after: &str) -> String {
    let pairs = [
        ("q", query.q.as_str()),
        ("source", query.source.as_str()),
        ("seen_from", query.seen_from.as_str()),
        ("seen_to", query.seen_to.as_str()),
        ("has_trait", query.has_trait.as_str()),
        ("sort", query.sort.as_str()),
        ("after", after),
    ];
    with_query("/customers", &pairs)
}

#[component]
fn CustomerTable(list: CustomerList, query: CustomerQuery) -> impl IntoView {
    if list.customers.is_empty() {
        let searching = query != CustomerQuery::default();
        return view! {
            <div class="empty-state" data-testid="customers-empty">
                <h3>{if searching { "No customers match" } else { "No customers yet" }}</h3>
                <p>{if searching {
                    "Try another identifier, a shorter name, or clear the filters."
                } else {
                    "Add the first one with the form. Profiles from your sources will appear here too."
                }}</p>
            </div>
        }
        .into_any();
    }
    let summary = format!(
        "{} of {} matching customers",
        list.customers.len(),
        list.total
    );
    let next = list.next.map(|after| view! {
        <a class="button" rel="next" href=page_href(&query, &after) data-testid="next-page">"Next page"</a>
    });
    let first = (!query.after.is_empty())
        .then(|| view! { <a class="button" href=page_href(&query, "")>"First page"</a> });
    let rows = list
        .customers
        .into_iter()
        .map(|c| view! { <CustomerRow customer=c /> });
    view! {
        <p class="muted" role="status" data-testid="customers-count">{summary}</p>
        <table class="data-table" data-testid="customers-table">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Email"</th>
                    <th scope="col">"Last seen"</th>
                    <th scope="col" class="num">"Sources"</th>
                </tr>
            </thead>
            <tbody>{rows.collect_view()}</tbody>
        </table>
        <nav class="pager" aria-label="Pages">{first}{next}</nav>
    }
    .into_any()
}

#[component]
fn CustomerRow(customer: CustomerSummary) -> impl IntoView {
    let last_seen = customer
        .last_seen
        .map(crate::components::format_time)
        .unwrap_or_else(|| "never".to_owned());
    view! {
        <tr>
            <td>
                <a href=format!("/customers/{}", customer.id)>
                    {if customer.name.is_empty() { "(no name)".to_owned() } else { customer.name }}
                </a>
            </td>
            <td>{customer.email.unwrap_or_else(|| "—".to_owned())}</td>
            <td data-testid="last-seen">{last_seen}</td>
            <td class="num">{customer.source_count}</td>
        </tr>
    }
}
