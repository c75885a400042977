//! Users and roles: add a user, change a role, disable an account (admin only).
use super::{SettingsHeader, when};
use crate::{
    api::users::{AddUser, UpdateUser, list_users},
    components::{LoadError, TextField},
    model::access::{ROLES, UserSummary},
};
use leptos::prelude::*;
use leptos_meta::Title;

/// Lists users beside a form to add one.
#[component]
pub fn UsersPage() -> impl IntoView {
    let add = ServerAction::<AddUser>::new();
    let update = ServerAction::<UpdateUser>::new();
    let users = Resource::new(
        move || (add.version().get(), update.version().get()),
        |_| list_users(),
    );
    let error_for = move |field: &'static str| {
        Signal::derive(move || {
            add.value()
                .get()
                .and_then(Result::err)
                .and_then(|e| e.message_for(field))
        })
    };
    let update_error = move || {
        update
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    view! {
        <Title text="Users" />
        <SettingsHeader />
        <div class="split">
            <section class="card" aria-labelledby="users-heading">
                <h2 id="users-heading">"Users"</h2>
                <p class="form-error" role="alert">{update_error}</p>
                <Transition fallback=|| view! { <p class="loading" role="status">"Loading users…"</p> }>
                    <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                        {move || Suspend::new(async move {
                            users.await.map(|list| view! { <UserTable list update /> })
                        })}
                    </ErrorBoundary>
                </Transition>
            </section>
            <section class="card form-card" aria-labelledby="new-user-heading">
                <h2 id="new-user-heading">"Add a user"</h2>
                <ActionForm action=add attr:class="form" attr:novalidate=true>
                    <TextField name="email" label="Email" input_type="email" required=true error=error_for("email") />
                    <RoleSelect id="new-user-role" selected=None />
                    <TextField name="password" label="Initial password" input_type="password"
                        autocomplete="new-password" required=true
                        hint="At least 12 characters; share it privately." error=error_for("password") />
                    <div class="form-actions">
                        <button type="submit" class="button primary" disabled=move || add.pending().get()>
                            "Add user"
                        </button>
                    </div>
                </ActionForm>
            </section>
        </div>
    }
}

#[component]
fn RoleSelect(id: &'static str, selected: Option<crate::model::access::Role>) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>"Role"</label>
            <select id=id name="role">
                {ROLES.into_iter().map(|role| view! {
                    <option value=role.as_str() selected=selected == Some(role)>
                        {format!("{} — {}", role.as_str(), role.summary())}
                    </option>
                }).collect_view()}
            </select>
        </div>
    }
}

#[component]
fn UserTable(list: Vec<UserSummary>, update: ServerAction<UpdateUser>) -> impl IntoView {
    let rows = list.into_iter().map(|user| {
        let select_id = format!("role-{}", user.id);
        view! {
            <tr data-testid="user-row">
                <th scope="row">{user.email.clone()}</th>
                <td>{when(user.created_at)}</td>
                <td>
                    <ActionForm action=update attr:class="inline-form">
                        <input type="hidden" name="id" value=user.id.clone() />
                        <label class="visually-hidden" for=select_id.clone()>{format!("Role of {}", user.email)}</label>
                        <select id=select_id name="role">
                            {ROLES.into_iter().map(|role| view! {
                                <option value=role.as_str() selected=role == user.role>{role.as_str()}</option>
                            }).collect_view()}
                        </select>
                        <label class="checkbox">
                            <input type="checkbox" name="disabled" value="true" checked=user.disabled />
                            "Disabled"
                        </label>
                        <button type="submit" class="button small">"Save"</button>
                    </ActionForm>
                </td>
            </tr>
        }
    });
    view! {
        <table class="data-table" data-testid="users-table">
            <thead>
                <tr>
                    <th scope="col">"Email"</th>
                    <th scope="col">"Added"</th>
                    <th scope="col">"Role and access"</th>
                </tr>
            </thead>
            <tbody>{rows.collect_view()}</tbody>
        </table>
    }
}
