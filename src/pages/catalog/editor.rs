//! The product editor: one plain form (it works without JavaScript) with the product's fields
//! and a row of inputs per variant; "Add a variant" adds rows in the browser, and a saved
//! product always comes back with one empty row to fill in.
use crate::{
    api::catalog::{SaveProduct, get_product_form},
    components::{
        LoadError,
        form_fields::{Errors, FormText},
    },
    model::product_form::{ProductForm, VariantForm},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// A new product.
#[component]
pub fn NewProductPage() -> impl IntoView {
    view! { <EditorLoader id=None /> }
}

/// Editing the product in the URL.
#[component]
pub fn EditProductPage() -> impl IntoView {
    let id = use_params_map().read_untracked().get("id");
    view! { <EditorLoader id /> }
}

#[component]
fn EditorLoader(id: Option<String>) -> impl IntoView {
    let form = {
        let id = id.clone();
        Resource::new(|| (), move |_| get_product_form(id.clone()))
    };
    let title = if id.is_some() {
        "Edit product"
    } else {
        "New product"
    };
    view! {
        <Title text=format!("{title} · Catalog") />
        <header class="page-header"><h1>{title}</h1></header>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading the editor…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                {move || {
                    let id = id.clone();
                    Suspend::new(async move { form.await.map(|form| view! { <Editor id form /> }) })
                }}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn Editor(id: Option<String>, form: ProductForm) -> impl IntoView {
    let save = ServerAction::<SaveProduct>::new();
    let errors: Errors = Signal::derive(move || save.value().get().and_then(Result::err));
    let general = move || {
        errors.get().map(|e| match e.field_errors().len() {
            0 => e.user_message(),
            _ => "Please correct the fields marked above.".to_owned(),
        })
    };
    let editing = id.is_some();
    let cancel = id.as_deref().map_or_else(
        || "/catalog".to_owned(),
        |i| format!("/catalog/{}", crate::components::url::encode(i)),
    );
    view! {
        <ActionForm action=save attr:class="form product-editor" attr:novalidate=true>
            <input type="hidden" name="id" value=id.clone().unwrap_or_default() />
            <fieldset class="card">
                <legend>"Product"</legend>
                {if editing {
                    view! { <input type="hidden" name="form[id]" value=form.id.clone() /><p>"Product id "<code>{form.id.clone()}</code></p> }.into_any()
                } else {
                    view! { <FormText name="id" label="Product id" value=form.id.clone() error_keys=&["id"] errors hint="How imports and events name it; fixed once created." /> }.into_any()
                }}
                <FormText name="name" label="Name" value=form.name.clone() error_keys=&["name"] errors required=true maxlength=200 />
                <FormText name="text" label="Description" rows=3 value=form.text.clone() error_keys=&["text"] errors />
                <FormText name="locale" label="Locale" value=form.locale.clone() error_keys=&["locale"] errors hint="e.g. en-US, or en for every English locale; empty for all." />
                <FormText name="attributes" label="Extra attributes" rows=3 value=form.attributes.clone() error_keys=&["attributes"] errors hint="One per line: brand = Acme, material = cotton." />
            </fieldset>
            <VariantRows variants=form.variants errors />
            {move || general().map(|e| view! { <p class="alert alert-error" role="alert" data-testid="product-error">{e}</p> })}
            <div class="form-actions">
                <button type="submit" class="button primary" disabled=move || save.pending().get()>"Save product"</button>
                <a class="button" href=cancel>"Cancel"</a>
            </div>
        </ActionForm>
    }
}

#[component]
fn VariantRows(variants: Vec<VariantForm>, errors: Errors) -> impl IntoView {
    let rows = RwSignal::new(variants.len().max(1));
    let initial = StoredValue::new(variants);
    view! {
        <fieldset class="card">
            <legend>"Variants"</legend>
            <p class="hint">"Each variant is a SKU with its own price and stock. Leave a row empty to skip it."</p>
            {move || (0..rows.get()).map(|i| {
                let row = initial.with_value(|v| v.get(i).cloned()).unwrap_or_default();
                view! { <VariantRow index=i row errors /> }
            }).collect_view()}
            <button type="button" class="button" on:click=move |_| rows.update(|n| *n += 1)>"Add a variant"</button>
        </fieldset>
    }
}

#[component]
fn VariantRow(index: usize, row: VariantForm, errors: Errors) -> impl IntoView {
    let input = move |field: &'static str,
                      label: &'static str,
                      value: String,
                      hint: &'static str| {
        let key = match field {
            "display_color" => format!("variants[{index}].display-color"),
            "display_thumbnail" => format!("variants[{index}].display-thumbnail"),
            other => format!("variants[{index}].{other}"),
        };
        let id = format!("variant-{index}-{field}");
        let error_id = format!("{id}-error");
        let message = {
            let key = key.clone();
            move || errors.get().and_then(|e| e.message_for(&key))
        };
        let invalid = {
            let message = message.clone();
            move || message().is_some().to_string()
        };
        view! {
            <div class="field">
                <label for=id.clone()>{label}</label>
                <input id=id name=format!("form[variants][{index}][{field}]") value=value placeholder=hint
                    aria-invalid=invalid aria-describedby=error_id.clone() />
                {move || message().map(|m| view! { <p class="field-error" id=error_id.clone() role="alert">{m}</p> })}
            </div>
        }
    };
    view! {
        <fieldset class="variant-row" data-testid="variant-row">
            <legend>{format!("Variant {}", index + 1)}</legend>
            <div class="field-row">
                {input("id", "SKU", row.id, "")}
                {input("name", "Variant name", row.name, "")}
                {input("price", "Price", row.price, "19.99")}
                {input("currency", "Currency", row.currency, "EUR")}
                {input("stock", "Stock", row.stock, "0")}
            </div>
            <div class="field-row">
                {input("size", "Size", row.size, "")}
                {input("color", "Colour", row.color, "")}
                {input("display_color", "Swatch", row.display_color, "#RRGGBB")}
                {input("display_thumbnail", "Thumbnail URL", row.display_thumbnail, "https://…")}
                {input("pictures", "Pictures (URLs, space-separated)", row.pictures, "")}
            </div>
        </fieldset>
    }
}
