//! Per API source: the web origins allowed to use its keys (CORS), and how to install the
//! browser SDK on a site — a `<script>` tag loading enrich's own copy of analytics.js, or the
//! npm package pointed at this host.
use crate::{
    api::sources::SaveAllowedOrigins,
    components::form_fields::{FormAlert, FormState},
    error::AppError,
    model::source::SourceSummary,
};
use leptos::prelude::*;

/// The state of source `id`'s form alone: every panel posts to the same server fn, and without
/// JavaScript the result comes back in the URL for all of them, told apart by the field
/// (`origins.<id>`) and the saved key (`origins-<id>`).
fn panel_state(save: ServerAction<SaveAllowedOrigins>, id: &str) -> FormState {
    let query = leptos_router::hooks::use_query_map();
    let (field, saved_key) = (format!("origins.{id}"), format!("origins-{id}"));
    let errors = Signal::derive(move || {
        save.value()
            .get()
            .and_then(Result::err)
            .filter(|e| match e {
                AppError::Invalid { field: f, .. } if f.starts_with("origins.") => *f == field,
                _ => true,
            })
    });
    let saved = Signal::derive(move || match save.value().get() {
        Some(result) => result.is_ok(),
        None => query.with(|q| {
            q.get("__err").is_none() && q.get("saved").as_deref() == Some(saved_key.as_str())
        }),
    });
    FormState { errors, saved }
}

/// The "Websites" panel of one source.
#[component]
pub fn WebsitePanel(
    /// The source.
    source: SourceSummary,
    /// This enrich as browsers reach it.
    public_url: String,
    /// Whether the viewer may change the origins.
    manage: bool,
) -> impl IntoView {
    let save = ServerAction::<SaveAllowedOrigins>::new();
    let state = panel_state(save, &source.id);
    let field = format!("origins.{}", source.id);
    let errors = state.errors;
    let error = Signal::derive(move || errors.get().and_then(|e| e.message_for(&field)));
    let field_id = format!("origins-{}", source.id);
    let (error_id, hint_id) = (format!("{field_id}-error"), format!("{field_id}-hint"));
    let heading_id = format!("web-{}", source.id);
    let listed = source.allowed_origins.join("\n");
    let described = {
        let (e, h) = (error_id.clone(), hint_id.clone());
        move || {
            if error.get().is_some() {
                e.clone()
            } else {
                h.clone()
            }
        }
    };
    let origins = if manage {
        view! {
            <ActionForm action=save attr:class="form" attr:novalidate=true>
                <input type="hidden" name="source_id" value=source.id.clone() />
                <div class="field" class:has-error=move || error.get().is_some()>
                    <label for=field_id.clone()>"Allowed origins"</label>
                    <textarea id=field_id name="origins" rows="3" spellcheck="false"
                        aria-invalid=move || error.get().is_some().to_string()
                        aria-describedby=described>{listed}</textarea>
                    <p class="hint" id=hint_id>"One per line, e.g. https://shop.example. Pages of other origins are refused."</p>
                    <p class="field-error" id=error_id aria-live="polite">{move || error.get().map(|m| format!("Allowed origins: {m}"))}</p>
                </div>
                <FormAlert state saved="Allowed origins saved." />
                <div class="form-actions">
                    <button type="submit" class="button" disabled=move || save.pending().get()>"Save origins"</button>
                </div>
            </ActionForm>
        }
        .into_any()
    } else if listed.is_empty() {
        view! { <p class="muted">"No web origins allowed yet."</p> }.into_any()
    } else {
        view! { <p>"Allowed origins: "<code>{listed}</code></p> }.into_any()
    };
    view! {
        <section class="web-panel" aria-labelledby=heading_id.clone() data-testid="web-panel">
            <h3 id=heading_id.clone()>{format!("Website: {}", source.name)}</h3>
            {origins}
            <details>
                <summary>"Install"</summary>
                <p>"With a script tag (enrich serves analytics.js itself):"</p>
                <pre class="example" data-testid="install-script">{script_snippet(&public_url)}</pre>
                <p>"With npm ("<code>"npm install @segment/analytics-next"</code>"):"</p>
                <pre class="example" data-testid="install-npm">{npm_snippet(&public_url)}</pre>
                <p class="hint">"Use one of this source's write keys for YOUR_WRITE_KEY (shown once when created). Write keys only write; reading needs a server key or a user token."</p>
            </details>
        </section>
    }
}

/// The `<script>` snippet: Segment's loader stub, pointed at this host.
pub fn script_snippet(public_url: &str) -> String {
    format!(
        r#"<script>
  !function(){{var a=window.analytics=window.analytics||[];if(a.initialize||a.invoked)return;
  a.invoked=!0;a.methods=["track","page","identify","group","alias","screen","reset","ready","on","once","off","debug"];
  a.factory=function(m){{return function(){{var e=Array.prototype.slice.call(arguments);e.unshift(m);a.push(e);return a}}}};
  for(var i=0;i<a.methods.length;i++){{var k=a.methods[i];a[k]=a.factory(k)}}
  a._writeKey="YOUR_WRITE_KEY";a._cdn="{public_url}";a._loadOptions={{}};
  var s=document.createElement("script");s.async=!0;
  s.src="{public_url}/analytics.js/v1/"+a._writeKey+"/analytics.min.js";
  document.head.appendChild(s);a.page()}}();
</script>"#
    )
}

/// The npm snippet.
pub fn npm_snippet(public_url: &str) -> String {
    format!(
        r#"import {{ AnalyticsBrowser }} from "@segment/analytics-next";

export const analytics = AnalyticsBrowser.load({{
  writeKey: "YOUR_WRITE_KEY",
  cdnURL: "{public_url}",
}});
analytics.page();"#
    )
}
