//! Users and roles: add a user, change a role, disable an account (admin only).
use super::{SettingsHeader, when};
use crate::{
    api::users::{AddUser, UpdateUser, list_users},
    components::{
        LoadError, TextField,
        form_fields::{FormAlert, FormState, form_state},
    },
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
    let added = form_state(add, "user");
    let updated = form_state(update, "role");
    view! {
        <Title text="Users" />
        <SettingsHeader />
        <div class="split">
            <section class="card" aria-labelledby="users-heading">
                <h2 id="users-heading">"Users"</h2>
                <FormAlert state=updated saved="Role and access saved." />
                <Transition fallback=|| view! { <p class="loading" role="status">"Loading users…"</p> }>
                    <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                        {move || Suspend::new(async move {
                            users.await.map(|list| view! { <UserTable list update /> })
                        })}
                    </ErrorBoundary>
                </Transition>
            </section>
            <NewUserForm add state=added />
        </div>
    }
}

/// The "Add a user" form; every problem is shown beside its field at once.
#[component]
fn NewUserForm(add: ServerAction<AddUser>, state: FormState) -> impl IntoView {
    view! {
        <section class="card form-card" aria-labelledby="new-user-heading">
            <h2 id="new-user-heading">"Add a user"</h2>
            <ActionForm action=add attr:class="form" attr:novalidate=true>
                <TextField name="email" label="Email" input_type="email" required=true maxlength=254
                    error=state.error("email") />
                <RoleSelect id="new-user-role" selected=None />
                <TextField name="password" label="Initial password" input_type="password"
                    autocomplete="new-password" required=true maxlength=128
                    hint="At least 12 characters; share it privately." error=state.error("password") />
                <FormAlert state saved="User added." />
                <div class="form-actions">
                    <button type="submit" class="button primary" disabled=move || add.pending().get()>
                        "Add user"
                    </button>
                </div>
            </ActionForm>
        </section>
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
