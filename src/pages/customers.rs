//! The customers list and the "Add customer" form.
use crate::{
    api::{AddCustomer, CustomerList, list_customers},
    components::{LoadError, TextField},
    error::AppError,
    model::CustomerSummary,
};
use leptos::{html, prelude::*};
use leptos_meta::Title;

/// Form fields, in order; an error about any other field is shown above the button.
const FIELDS: [&str; 3] = ["name", "email", "phone"];

/// Lists customers, newest first, beside a form to add one. Works without JavaScript.
#[component]
pub fn CustomersPage() -> impl IntoView {
    let add = ServerAction::<AddCustomer>::new();
    let customers = Resource::new(move || add.version().get(), |_| list_customers());
    let loading = || view! { <p class="loading" role="status">"Loading customers…"</p> };
    view! {
        <Title text="Customers" />
        <header class="page-header">
            <h1>"Customers"</h1>
        </header>
        <div class="split">
            <section class="card" aria-labelledby="customers-heading">
                <h2 id="customers-heading" class="visually-hidden">"Customer list"</h2>
                <Transition fallback=loading>
                    <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                        {move || Suspend::new(async move {
                            customers.await.map(|list| view! { <CustomerTable list /> })
                        })}
                    </ErrorBoundary>
                </Transition>
            </section>
            <AddCustomerForm action=add />
        </div>
    }
}

#[component]
fn CustomerTable(list: CustomerList) -> impl IntoView {
    if list.customers.is_empty() {
        return view! {
            <div class="empty-state" data-testid="customers-empty">
                <h3>"No customers yet"</h3>
                <p>
                    "Add the first one with the form. "
                    "Profiles from your sources will appear here too."
                </p>
            </div>
        }
        .into_any();
    }
    let summary = format!(
        "Showing the {} most recent of {} customers",
        list.customers.len(),
        list.total
    );
    let rows = list
        .customers
        .into_iter()
        .map(|c| view! { <CustomerRow customer=c /> });
    view! {
        <p class="muted" role="status">{summary}</p>
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
    }
    .into_any()
}

#[component]
fn CustomerRow(customer: CustomerSummary) -> impl IntoView {
    let last_seen = customer
        .last_seen
        .map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string())
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

#[component]
fn AddCustomerForm(action: ServerAction<AddCustomer>) -> impl IntoView {
    let form = NodeRef::<html::Form>::new();
    let failure = move || action.value().get().and_then(Result::err);
    let error_for = move |field: &'static str| {
        Signal::derive(move || failure().and_then(|e| e.message_for(field)))
    };
    let added = move || {
        action
            .value()
            .get()
            .and_then(Result::ok)
            .map(|c| format!("Added {}.", c.name))
    };
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(form)) = (action.value().get(), form.get()) {
            form.reset();
        }
    });
    view! {
        <section class="card form-card" aria-labelledby="add-heading">
            <h2 id="add-heading">"Add customer"</h2>
            <ActionForm action node_ref=form attr:novalidate=true attr:class="form">
                <TextField
                    name="name"
                    label="Name"
                    autocomplete="name"
                    required=true
                    error=error_for("name")
                />
                <TextField
                    name="email"
                    label="Email"
                    input_type="email"
                    autocomplete="email"
                    required=true
                    error=error_for("email")
                />
                <TextField
                    name="phone"
                    label="Phone"
                    input_type="tel"
                    autocomplete="tel"
                    hint="Optional. International format, e.g. +82 10 1234 5678."
                    error=error_for("phone")
                />
                <div class="form-actions">
                    <button
                        type="submit"
                        class="button primary"
                        disabled=move || action.pending().get()
                    >
                        "Add customer"
                    </button>
                </div>
                <p class="form-status" role="status">{added}</p>
                <FormError error=Signal::derive(failure) />
            </ActionForm>
        </section>
    }
}

/// An error that is not about one of the form's fields (e.g. the database is unreachable).
#[component]
fn FormError(error: Signal<Option<AppError>>) -> impl IntoView {
    let general = move || {
        error
            .get()
            .filter(|e| FIELDS.iter().all(|f| e.message_for(f).is_none()))
    };
    move || {
        general().map(|e| view! { <p class="alert alert-error" role="alert">{e.to_string()}</p> })
    }
}
