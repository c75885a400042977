//! A static segment from an uploaded CSV of identifiers: a plain multipart form, so it works
//! without JavaScript; the segment page then says how many identifiers matched no one.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The upload form.
#[component]
pub fn StaticSegmentPage() -> impl IntoView {
    let query = use_query_map();
    let error = move || query.read().get("error");
    view! {
        <Title text="Upload a list · Segments" />
        <header class="page-header"><h1>"Upload a list of customers"</h1></header>
        <section class="card form-card">
            <p>"One identifier per line (first CSV column): an email, a phone, a user id, or "<code>"kind:value"</code>" such as "<code>"external:crm:42"</code>". Identifiers that match no one are reported."</p>
            {move || error().map(|e| view! { <p class="alert alert-error" role="alert">{e}</p> })}
            <form method="post" action="/segments/static" enctype="multipart/form-data" class="form">
                <div class="field"><label for="static-name">"Name"</label><input id="static-name" name="name" required /></div>
                <div class="field"><label for="static-description">"Description"</label><input id="static-description" name="description" /></div>
                <div class="field"><label for="static-file">"CSV file"</label><input id="static-file" name="file" type="file" accept=".csv,text/csv,text/plain" required /></div>
                <div class="form-actions"><button type="submit" class="button primary">"Create segment"</button></div>
            </form>
        </section>
    }
}
