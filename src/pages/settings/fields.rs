//! The field catalog: every trait and property path seen, with types and coverage.
use super::{SettingsHeader, when};
use crate::{
    api::enrichment::{ClassifyField, ExposeField, list_fields},
    components::{LoadError, session::current_user},
    model::{
        access::Permission,
        field::{FieldClass, FieldInfo, top_level_key},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

/// The catalog as a table; admins classify trait keys (standard, personal, restricted).
#[component]
pub fn FieldsPage() -> impl IntoView {
    let classify = ServerAction::<ClassifyField>::new();
    let expose = ServerAction::<ExposeField>::new();
    let fields = Resource::new(
        move || (classify.version().get(), expose.version().get()),
        |_| list_fields(),
    );
    let may_classify = current_user().can(Permission::ManageData);
    let failure = move || {
        let classify = classify.value().get().and_then(Result::err);
        let expose = expose.value().get().and_then(Result::err);
        classify.or(expose).map(|e| e.user_message())
    };
    view! {
        <Title text="Field catalog · Settings" />
        <SettingsHeader />
        <section class="card" aria-labelledby="fields-heading">
            <h2 id="fields-heading">"Field catalog"</h2>
            <p class="muted">"Kept up to date as data arrives; the segment builder picks fields from here. Personal fields are masked for roles without access; restricted fields are encrypted at rest and never shown. Exposed traits are what websites may read about a visitor through the personalization API; personal and restricted ones never are."</p>
            {(!may_classify).then(|| view! {
                <crate::components::session::RoleNote text="Only admins can change a field's class." />
            })}
            {move || failure().map(|e| view! { <p class="alert alert-error" role="alert">{e}</p> })}
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading fields…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                    {move || Suspend::new(async move {
                        fields.await.map(|items| view! { <FieldTable items may_classify classify expose /> })
                    })}
                </ErrorBoundary>
            </Suspense>
        </section>
    }
}

#[component]
fn FieldTable(
    items: Vec<FieldInfo>,
    may_classify: bool,
    classify: ServerAction<ClassifyField>,
    expose: ServerAction<ExposeField>,
) -> impl IntoView {
    if items.is_empty() {
        return view! {
            <div class="empty-state" data-testid="fields-empty">
                <h3>"No fields yet"</h3>
                <p>"Send an identify or track call, or import a file: every path it carries appears here."</p>
            </div>
        }
        .into_any();
    }
    let rows = items.into_iter().map(|f| {
        let scope = match &f.event {
            Some(event) => format!("property of {event}"),
            None => "trait".to_owned(),
        };
        let profiles = if f.scope == "trait" {
            f.profiles.to_string()
        } else {
            "—".to_owned()
        };
        let class = class_cell(&f, may_classify, classify);
        let exposure = exposure_cell(&f, may_classify, expose);
        view! {
            <tr>
                <th scope="row"><code>{path_with_breaks(&f.path)}</code></th>
                <td>{scope}</td>
                <td>{f.types.join(", ")}</td>
                <td class="num">{profiles}</td>
                <td class="num">{f.occurrences}</td>
                <td class="samples">{f.samples.join(" · ")}</td>
                <td>{when(f.last_seen)}</td>
                <td>{class}</td>
                <td>{exposure}</td>
            </tr>
        }
    });
    view! {
        <div class="table-scroll" tabindex="0" role="region" aria-label="Field catalog, scrolls sideways">
        <table class="data-table" data-testid="fields-table">
            <thead><tr>
                <th scope="col">"Path"</th><th scope="col">"Scope"</th><th scope="col">"Types"</th>
                <th scope="col" class="num">"Profiles"</th><th scope="col" class="num">"Seen"</th>
                <th scope="col">"Samples"</th><th scope="col">"Last seen"</th><th scope="col">"Class"</th>
                <th scope="col">"Websites"</th>
            </tr></thead>
            <tbody>{rows.collect_view()}</tbody>
        </table>
        </div>
    }
    .into_any()
}

/// The class of a trait's top-level key, with a form to change it for admins.
fn class_cell(
    field: &FieldInfo,
    may_classify: bool,
    classify: ServerAction<ClassifyField>,
) -> AnyView {
    let label = |c: FieldClass| match c {
        FieldClass::Standard => "standard",
        FieldClass::Pii => "personal",
        FieldClass::Restricted => "restricted",
    };
    if field.scope != "trait" || !may_classify {
        return view! { <span class="badge muted">{label(field.class)}</span> }.into_any();
    }
    let key = top_level_key(&field.path).to_owned();
    let select_id = format!("class-{}", field.path.replace('.', "-"));
    let current = field.class;
    view! {
        <ActionForm action=classify attr:class="inline-form">
            <input type="hidden" name="key" value=key.clone() />
            <label class="visually-hidden" for=select_id.clone()>{format!("Class of {key}")}</label>
            <select id=select_id name="class">
                {FieldClass::ALL.into_iter().map(|c| view! {
                    <option value=c.as_str() selected=c == current>{label(c)}</option>
                }).collect_view()}
            </select>
            <button type="submit" class="button small">"Save"</button>
        </ActionForm>
    }
    .into_any()
}

/// Whether a trait's top-level key is exposed to websites, with a form to change it for admins
/// (standard keys only: personal and restricted ones never are).
fn exposure_cell(
    field: &FieldInfo,
    may_expose: bool,
    expose: ServerAction<ExposeField>,
) -> AnyView {
    if field.scope != "trait" {
        return view! { <span class="muted">"—"</span> }.into_any();
    }
    let label = if field.exposed { "exposed" } else { "hidden" };
    if !may_expose || field.class != FieldClass::Standard || !is_top_level(&field.path) {
        let class = if field.exposed {
            "badge ok"
        } else {
            "badge muted"
        };
        return view! { <span class=class>{label}</span> }.into_any();
    }
    let key = top_level_key(&field.path).to_owned();
    let box_id = format!("expose-{}", field.path.replace('.', "-"));
    let checked = field.exposed;
    view! {
        <ActionForm action=expose attr:class="inline-form">
            <input type="hidden" name="key" value=key.clone() />
            <input type="checkbox" id=box_id.clone() name="exposed" value="true" checked=checked />
            <label for=box_id>"Expose"<span class="visually-hidden">{format!(" {key}")}</span></label>
            <button type="submit" class="button small">"Save"</button>
        </ActionForm>
    }
    .into_any()
}

/// Whether a catalog path is a top-level trait (`traits.plan`, not `traits.address.city`).
fn is_top_level(path: &str) -> bool {
    path.strip_prefix("traits.")
        .is_some_and(|rest| !rest.contains('.'))
}

/// A dotted path that may wrap after each dot (`traits.` / `address.` / `city`), never inside a
/// name: a narrow column breaks it where it reads well.
fn path_with_breaks(path: &str) -> impl IntoView + use<> {
    let mut parts = Vec::new();
    let mut segments = path.split('.').peekable();
    while let Some(segment) = segments.next() {
        let dot = if segments.peek().is_some() { "." } else { "" };
        parts.push(view! { {format!("{segment}{dot}")}<wbr /> });
    }
    parts.collect_view()
}
