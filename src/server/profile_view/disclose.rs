//! Masking the customer page for the viewer, on the server so raw values never leave it:
//! name, email, phone and PII traits (revealable with a reason), restricted traits (never shown),
//! personal keys nested in other traits, every identifier, and computed traits that copy values.
use super::Disclosure;
use crate::{
    model::{
        field::FieldClass,
        profile::{ProfileView, TraitView},
    },
    server::privacy::{
        classes::Classes,
        mask::{RESTRICTED, mask_email, mask_json, mask_phone, mask_text},
    },
};
use serde_json::Value;

/// Masks what the viewer may not see.
pub(super) fn disclose(view: &mut ProfileView, disclosure: &Disclosure) {
    view.rights = disclosure.rights;
    view.masked = !disclosure.read_pii;
    let (mut revealable, mut revealed) = (Vec::new(), Vec::new());
    let mut mask_field = |field: &str, value: &mut String, mask: fn(&str) -> String| {
        if value.is_empty() || disclosure.read_pii {
            return;
        }
        if disclosure.shows(field) {
            revealed.push((field.to_owned(), value.clone()));
        } else {
            *value = mask(value);
            revealable.push(field.to_owned());
        }
    };
    mask_field("name", &mut view.name, mask_text);
    if let Some(email) = view.email.as_mut() {
        mask_field("email", email, mask_email);
    }
    if let Some(phone) = view.phone.as_mut() {
        mask_field("phone", phone, mask_phone);
    }
    for t in &mut view.traits {
        disclose_trait(t, disclosure, &mut revealable, &mut revealed);
    }
    view.revealed = revealed;
    if !disclosure.read_pii {
        mask_identities(view);
        mask_computed(view, disclosure);
    }
    view.revealable = if disclosure.rights.reveal {
        revealable
    } else {
        Vec::new()
    };
}

fn disclose_trait(
    t: &mut TraitView,
    disclosure: &Disclosure,
    revealable: &mut Vec<String>,
    revealed: &mut Vec<(String, String)>,
) {
    t.class = disclosure.classes.of(&t.key);
    let field = format!("traits.{}", t.key);
    let masker: Box<dyn Fn(&str) -> String> = match t.class {
        FieldClass::Standard => return mask_nested_trait(t, disclosure),
        FieldClass::Restricted => Box::new(|_: &str| RESTRICTED.to_owned()),
        FieldClass::Pii if disclosure.read_pii => return,
        FieldClass::Pii => {
            let key = t.key.clone();
            Box::new(move |text: &str| masked_json_text(&key, text))
        }
    };
    t.masked = true;
    for past in &mut t.history {
        past.value = masker(&past.value);
    }
    if t.class == FieldClass::Pii && disclosure.shows(&field) {
        revealed.push((field, t.value.clone()));
        return;
    }
    t.value = masker(&t.value);
    if t.class == FieldClass::Pii {
        revealable.push(field);
    }
}

/// A standard trait holding personal keys inside (`{"contact": {"email": …}}`): those leaves
/// are masked like top-level keys of their class.
fn mask_nested_trait(t: &mut TraitView, disclosure: &Disclosure) {
    let mask = |text: &mut String| {
        let Ok(value) = serde_json::from_str::<Value>(text) else {
            return false;
        };
        let masked = mask_personal_leaves(&value, &disclosure.classes, disclosure.read_pii);
        let changed = masked != value;
        if changed {
            *text = masked.to_string();
        }
        changed
    };
    let mut changed = mask(&mut t.value);
    for past in &mut t.history {
        changed |= mask(&mut past.value);
    }
    t.masked = changed;
}

/// `value` with the leaves under personal keys, at any depth, masked: restricted ones become
/// [`RESTRICTED`] for everyone, PII ones are masked unless `read_pii`.
pub fn mask_personal_leaves(value: &Value, classes: &Classes, read_pii: bool) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, v)| {
                    let masked = match classes.of(key) {
                        FieldClass::Restricted => Value::String(RESTRICTED.to_owned()),
                        FieldClass::Pii if !read_pii => mask_json(key, v),
                        _ => mask_personal_leaves(v, classes, read_pii),
                    };
                    (key.clone(), masked)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| mask_personal_leaves(v, classes, read_pii))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn masked_json_text(key: &str, text: &str) -> String {
    let value = serde_json::from_str(text).unwrap_or(Value::String(text.to_owned()));
    match mask_json(key, &value) {
        Value::String(masked) => masked,
        other => other.to_string(),
    }
}

/// Every identifier names the person (a user id is often an account number or an email): all
/// are masked, an external id keeping its system's name (`zendesk:Z***`).
fn mask_identities(view: &mut ProfileView) {
    for identity in &mut view.identities {
        identity.value = mask_identifier(&identity.kind, &identity.value);
    }
    for merge in &mut view.merges {
        merge.absorbed_label = mask_text(&merge.absorbed_label);
    }
}

/// The masked form of an identifier of `kind`.
pub fn mask_identifier(kind: &str, value: &str) -> String {
    match kind {
        "email" => mask_email(value),
        "phone" => mask_phone(value),
        "external" => match value.split_once(':') {
            Some((system, id)) => format!("{system}:{}", mask_text(id)),
            None => mask_text(value),
        },
        _ => mask_text(value),
    }
}

/// Computed traits that copy event values may hold anything a person typed: masked.
fn mask_computed(view: &mut ProfileView, disclosure: &Disclosure) {
    for (name, value) in &mut view.computed {
        if disclosure.personal_computed.contains(name) {
            *value = masked_json_text(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn personal_keys_are_masked_at_any_depth() {
        let value = json!({"contact": {"email": "ana@example.com", "ssn": "123"}, "size": 3,
            "people": [{"name": "Ana Silva"}]});
        let masked = mask_personal_leaves(&value, &Classes::default(), false);
        let text = masked.to_string();
        assert!(
            !text.contains("ana@example.com") && !text.contains("Ana Silva"),
            "{text}"
        );
        assert_eq!(masked["contact"]["ssn"], RESTRICTED);
        assert_eq!(masked["size"], 3);
        let admin = mask_personal_leaves(&value, &Classes::default(), true);
        assert_eq!(admin["contact"]["email"], "ana@example.com");
        assert_eq!(admin["contact"]["ssn"], RESTRICTED);
    }

    #[test]
    fn identifiers_keep_only_a_hint() {
        assert_eq!(mask_identifier("external", "zendesk:ZD-77"), "zendesk:Z***");
        assert_eq!(mask_identifier("user_id", "user-42"), "u***");
        assert!(!mask_identifier("anonymous_id", "a1b2c3").contains("b2c3"));
    }
}
