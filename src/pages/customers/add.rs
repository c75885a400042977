//! The "Add customer" form (roles that may add customers).
use crate::{api::AddCustomer, components::TextField, error::AppError};
use leptos::{html, prelude::*};

/// Form fields, in order; an error about any other field is shown above the button.
const FIELDS: [&str; 3] = ["name", "email", "phone"];

/// Name, email and phone; works without JavaScript.
#[component]
pub fn AddCustomerForm(action: ServerAction<AddCustomer>) -> impl IntoView {
    let form = NodeRef::<html::Form>::new();
    let failure = move || action.value().get().and_then(Result::err);
    let error_for = move |field: &'static str| {
        Signal::derive(move || {
            failure()
                .and_then(|e| e.message_for(field))
                .map(|m| existing(&m).0)
        })
    };
    let existing_email = move || {
        let message = failure().and_then(|e| e.message_for("email"))?;
        existing(&message).1.map(|href| {
            view! {
                <p class="field-link">
                    <a href=href data-testid="existing-customer">"Open the existing customer"</a>
                </p>
            }
        })
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
                    maxlength=crate::model::customer::NAME_MAX_CHARS as u32
                    error=error_for("name")
                />
                <TextField
                    name="email"
                    label="Email"
                    input_type="email"
                    autocomplete="email"
                    required=true
                    maxlength=crate::model::customer::EMAIL_MAX_CHARS as u32
                    error=error_for("email")
                />
                {existing_email}
                <TextField
                    name="phone"
                    label="Phone"
                    input_type="tel"
                    autocomplete="tel"
                    maxlength=32
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

/// A duplicate's message ends with the existing customer's path: the sentence, and the path.
fn existing(message: &str) -> (String, Option<String>) {
    match message.split_once(": /customers/") {
        Some((text, id)) => (format!("{text}."), Some(format!("/customers/{id}"))),
        None => (message.to_owned(), None),
    }
}
