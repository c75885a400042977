//! Issue 16 item 12: the campaign editor offers template variables from the field catalog,
//! the preview warns about variables nobody has, and marketers check personalization with
//! real values inside the rendered preview only (names elsewhere stay masked; audited).
use crate::{
    campaign_support::{self as cs, app, email_form, person, set, tag},
    segments::create,
};
use enrich::model::access::Role;
use serde_json::{Value, json};

fn gold() -> Value {
    json!({ "type": "trait", "path": "traits.plan", "test": { "op": "equals", "value": "gold" } })
}

#[tokio::test]
async fn item_12_the_editor_offers_variables_from_the_catalog_and_previews_warn_on_unknown_ones() {
    let app = app(&[]).await;
    let key = app.write_key("web").await;
    let t = tag();
    let traits = json!({ "email": format!("ada-{t}@mail.test"), "plan": "gold", "firstName": "Ada", "lastName": "Lovelace", "ssn": "123-45-6789" });
    person(&app, &key, &format!("ada-{t}"), traits, true).await;
    let marketer = app.as_role(Role::Marketer).await;
    let options = marketer.call("/api/campaigns/editor_options", &[]).await;
    assert_eq!(options.status, 200, "{}", options.body);
    let paths: Vec<String> = options.json()["variables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["path"].as_str().unwrap().to_owned())
        .collect();
    for wanted in [
        "profile.first_name",
        "profile.name",
        "traits.firstName",
        "traits.plan",
    ] {
        assert!(
            paths.iter().any(|p| p == wanted),
            "{wanted} missing: {paths:?}"
        );
    }
    assert!(
        !paths.iter().any(|p| p.contains("ssn")),
        "restricted traits are not offered"
    );
    let segment = create(&app, "Gold", &gold()).await;
    let mut form = email_form("Typos", &segment);
    set(&mut form, "a_subject", "Hi {{ profile.first_name }}");
    set(
        &mut form,
        "a_body",
        "{{ traits.first_name }} on {{ traits.plan }}, {{ customer.name }}",
    );
    let id = cs::save_id(&app, &form).await;
    let preview = marketer
        .call("/api/campaigns/preview", &[("id", &id)])
        .await
        .json();
    let warnings: Vec<String> = preview["warnings"]
        .as_array()
        .unwrap_or(&vec![])
        .iter()
        .map(|w| w.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings[0].contains("traits.first_name") || warnings[1].contains("traits.first_name"),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("did you mean traits.firstName?")),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().any(|w| w.contains("customer.name")),
        "{warnings:?}"
    );
}

#[tokio::test]
async fn item_12_marketers_preview_real_values_only_inside_the_message_and_it_is_audited() {
    let app = app(&[]).await;
    let key = app.write_key("web").await;
    let t = tag();
    let ada = json!({ "email": format!("ada-{t}@mail.test"), "plan": "gold", "firstName": "Ada", "name": "Ada Lovelace" });
    person(&app, &key, &format!("ada-{t}"), ada, true).await;
    let bob = json!({ "email": format!("bob-{t}@mail.test"), "plan": "gold", "name": "Bob Stone" });
    person(&app, &key, &format!("bob-{t}"), bob, false).await;
    let segment = create(&app, "Gold", &gold()).await;
    let mut form = email_form("Personal", &segment);
    set(&mut form, "a_subject", "Hi {{ profile.first_name }}");
    set(
        &mut form,
        "a_body",
        "Dear {{ profile.name }} at {{ profile.email }}",
    );
    let id = cs::save_id(&app, &form).await;
    let id_of = |name: &str| {
        let name = name.to_owned();
        let app = &app;
        async move {
            let found = app
                .live_profiles()
                .await
                .into_iter()
                .find(|p| p.name == name);
            found.unwrap().id.to_hex()
        }
    };
    let (ada, bob) = (id_of("Ada Lovelace").await, id_of("Bob Stone").await);
    let marketer = app.as_role(Role::Marketer).await;
    let shown = marketer
        .call("/api/campaigns/preview", &[("id", &id), ("customer", &ada)])
        .await
        .json();
    assert_eq!(shown["rendered"][0]["subject"], "Hi Ada", "{shown}");
    assert_eq!(
        shown["rendered"][0]["body"],
        format!("Dear Ada Lovelace at ada-{t}@mail.test")
    );
    assert_eq!(shown["real_values"], true);
    let elsewhere = [shown["customer"].to_string(), shown["sample"].to_string()].concat();
    assert!(
        !elsewhere.contains("Lovelace"),
        "names outside the message stay masked: {elsewhere}"
    );
    let audited = mongodb::bson::doc! { "action": "campaign.preview", "target": &id };
    assert_eq!(
        app.count("audit", audited).await,
        1,
        "a real-value preview is audited"
    );
    // Bob has no consent: not in the audience, so masked.
    let outside = marketer
        .call("/api/campaigns/preview", &[("id", &id), ("customer", &bob)])
        .await
        .json();
    assert_eq!(outside["real_values"], false);
    assert!(
        !outside["rendered"][0]["body"]
            .as_str()
            .unwrap()
            .contains("Stone"),
        "{outside}"
    );
    // Analysts do not edit campaigns: masked.
    let analyst = app.as_role(Role::Analyst).await;
    let masked = analyst
        .call("/api/campaigns/preview", &[("id", &id), ("customer", &ada)])
        .await
        .json();
    let body = masked["rendered"][0]["body"].as_str().unwrap();
    assert!(
        !body.contains("Lovelace") && !body.contains(&format!("ada-{t}@")),
        "{body}"
    );
}

#[tokio::test]
async fn item_09_the_campaign_editor_reports_every_problem_at_once_in_plain_words() {
    let app = app(&[]).await;
    let mut form = email_form("", "");
    form.retain(|(k, _)| !k.contains("include"));
    set(&mut form, "a_subject", "");
    set(&mut form, "a_body", "");
    set(&mut form, "holdout", "lots");
    let reply = cs::save(&app, &form).await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    let errors = reply.json()["errors"].clone();
    let message = |field: &str| {
        let found = errors
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["field"] == field);
        found.map(|e| e["message"].as_str().unwrap().to_owned())
    };
    assert_eq!(
        message("name").as_deref(),
        Some("Name is required"),
        "{errors}"
    );
    let include = message("include");
    assert_eq!(
        include.as_deref(),
        Some("Choose at least one segment to send to")
    );
    let subject = message("variants[0].subject");
    assert_eq!(subject.as_deref(), Some("Subject of variant A is required"));
    assert_eq!(
        message("variants[0].body").as_deref(),
        Some("Body of variant A is required")
    );
    let holdout = message("holdout");
    assert_eq!(
        holdout.as_deref(),
        Some("Holdout must be a whole percent from 0 to 50")
    );
}
