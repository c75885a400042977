//! Campaigns end to end against the real SMTP sink: consent, exclusions, holdout and variant
//! split, the frequency cap, template errors at save time, previews by role, unsubscribe, opens
//! and clicks, and conversion attribution with uplift.
use crate::{
    campaign_support::{self as cs, app, email_form, launch, person, results, set, tag, variant},
    segments::create,
};
use enrich::model::access::Role;
use serde_json::json;

fn plan(value: &str) -> serde_json::Value {
    json!({ "type": "trait", "path": "traits.plan", "test": { "op": "equals", "value": value } })
}

fn vip() -> serde_json::Value {
    json!({ "type": "trait", "path": "traits.vip", "test": { "op": "is_true" } })
}

#[tokio::test]
async fn an_email_campaign_reaches_consented_members_minus_exclusions_holdout_and_split() {
    let app = app(&[]).await;
    let key = app.write_key("web").await;
    let t = tag();
    for i in 0..60 {
        let traits = json!({ "email": format!("p{i}-{t}@mail.test"), "plan": "gold", "vip": i % 10 == 0, "firstName": format!("N{i}") });
        person(&app, &key, &format!("u{i}-{t}"), traits, i % 4 != 3).await;
    }
    let gold = create(&app, "Gold", &plan("gold")).await;
    let vips = create(&app, "VIP", &vip()).await;
    let mut form = email_form("Winter sale", &gold);
    set(&mut form, "exclude][0", &vips);
    set(&mut form, "b_subject", "B for {{ traits.firstName }}");
    set(&mut form, "b_body", "Variant B: https://shop.example/b");
    set(&mut form, "split_a", "50");
    set(&mut form, "holdout", "20");
    let id = launch(&app, &form).await;
    cs::wait_status(&app, &id, "completed").await;
    let detail = cs::detail(&app, &id).await;
    let steps: Vec<(String, u64)> = detail["last_steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["label"].as_str().unwrap().to_owned(),
                s["remaining"].as_u64().unwrap(),
            )
        })
        .collect();
    // 60 gold, of whom 6 VIPs (i = 0, 10, …, 50) are excluded; every fourth has no consent.
    let eligible = (0..60).filter(|i| i % 10 != 0 && i % 4 != 3).count() as u64;
    assert_eq!(steps[0].1, 60, "{steps:?}");
    assert_eq!(steps[1].1, 54, "{steps:?}");
    assert_eq!(steps[2].1, eligible, "{steps:?}");
    let r = results(&app, &id).await;
    let (a, b, hold) = (variant(&r, "A"), variant(&r, "B"), variant(&r, "holdout"));
    let treated = a["targeted"].as_u64().unwrap() + b["targeted"].as_u64().unwrap();
    assert_eq!(treated + hold["targeted"].as_u64().unwrap(), eligible);
    assert!(
        hold["targeted"].as_u64().unwrap() > 0
            && a["targeted"].as_u64().unwrap() > 0
            && b["targeted"].as_u64().unwrap() > 0,
        "{r}"
    );
    let mails = cs::wait_mail(&t, treated as usize).await;
    assert_eq!(
        mails.len() as u64,
        treated,
        "one message per treated person, none to the holdout"
    );
    let b_subjects = mails
        .iter()
        .filter(|m| m["subject"].as_str().unwrap().starts_with("B for N"))
        .count() as u64;
    assert_eq!(b_subjects, b["sent"].as_u64().unwrap());
    assert_eq!(
        a["delivered"].as_u64().unwrap() + b["delivered"].as_u64().unwrap(),
        treated
    );
    for mail in &mails {
        let to = mail["rcpt_tos"][0].as_str().unwrap();
        let i: usize = to[1..to.find('-').unwrap()].parse().unwrap();
        assert!(!i.is_multiple_of(10), "an excluded VIP got mail: {to}");
        assert!(i % 4 != 3, "someone without consent got mail: {to}");
        assert!(
            mail["list_unsubscribe"]
                .as_str()
                .unwrap()
                .contains("/v1/links/unsubscribe/")
        );
        assert_eq!(mail["list_unsubscribe_post"], "List-Unsubscribe=One-Click");
        assert!(
            mail["html"].as_str().unwrap().contains("/v1/links/click/"),
            "clicks are tracked"
        );
    }
}

#[tokio::test]
async fn the_frequency_cap_holds_across_campaigns_and_capped_people_are_counted() {
    let app = app(&[]).await;
    let key = app.write_key("web").await;
    let t = tag();
    for i in 0..5 {
        person(
            &app,
            &key,
            &format!("u{i}-{t}"),
            json!({ "email": format!("c{i}-{t}@mail.test"), "plan": "gold" }),
            true,
        )
        .await;
    }
    let gold = create(&app, "Gold", &plan("gold")).await;
    cs::channel_settings(&app, &[("cap_max][0", "1"), ("cap_days][0", "7")]).await;
    let first = launch(&app, &email_form("First", &gold)).await;
    cs::wait_status(&app, &first, "completed").await;
    let second = launch(&app, &email_form("Second", &gold)).await;
    cs::wait_status(&app, &second, "completed").await;
    let r = results(&app, &second).await;
    assert_eq!(r["capped"], 5, "{r}");
    assert_eq!(variant(&r, "A")["sent"], 0);
    let steps = cs::detail(&app, &second).await["last_steps"].clone();
    assert_eq!(
        steps.as_array().unwrap().last().unwrap()["remaining"],
        0,
        "{steps}"
    );
    assert_eq!(
        cs::mail(&t).len(),
        5,
        "only the first campaign reached anyone"
    );
    // A campaign may allow more than the channel's cap.
    let mut generous = email_form("Third", &gold);
    set(&mut generous, "cap_max", "3");
    set(&mut generous, "cap_days", "7");
    let third = launch(&app, &generous).await;
    cs::wait_status(&app, &third, "completed").await;
    assert_eq!(cs::wait_mail(&t, 10).await.len(), 10);
}

#[tokio::test]
async fn template_errors_are_caught_at_save_time_with_line_and_column() {
    let app = app(&[]).await;
    let key = app.write_key("web").await;
    person(&app, &key, "u1", json!({ "plan": "gold" }), true).await;
    let gold = create(&app, "Gold", &plan("gold")).await;
    let mut form = email_form("Broken", &gold);
    set(&mut form, "a_body", "Hello\n{{ traits.firstName | nope }}");
    let reply = cs::save(&app, &form).await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    let body = reply.json();
    assert_eq!(body["field"], "variants[0].body");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("line 2, column "),
        "{body}"
    );
    set(&mut form, "a_body", "{% if x %}unclosed");
    assert_eq!(
        cs::save(&app, &form).await.json()["field"],
        "variants[0].body"
    );
    let mut no_segments = email_form("Empty", "");
    no_segments.retain(|(k, _)| !k.contains("include"));
    assert_eq!(
        cs::save(&app, &no_segments).await.json()["field"],
        "include"
    );
    let mut unknown = email_form("Ghost", "65f000000000000000000000");
    set(&mut unknown, "holdout", "0");
    assert_eq!(cs::save(&app, &unknown).await.json()["field"], "include");
    assert_eq!(
        app.count("campaigns", Default::default()).await,
        0,
        "nothing bad was stored"
    );
}

#[tokio::test]
async fn launched_campaigns_cannot_be_edited_and_analysts_cannot_launch() {
    let app = app(&[]).await;
    let key = app.write_key("web").await;
    person(&app, &key, "u1", json!({ "plan": "gold" }), true).await;
    let gold = create(&app, "Gold", &plan("gold")).await;
    let id = launch(&app, &email_form("Once", &gold)).await;
    let mut form = email_form("Once", &gold);
    form.push(("id".into(), id.clone()));
    assert_eq!(cs::save(&app, &form).await.status, 409);
    let again = cs::save(&app, &email_form("once", &gold)).await;
    assert_eq!(again.status, 409, "names are unique regardless of case");
    let analyst = app.as_role(Role::Analyst).await;
    assert_eq!(
        analyst
            .call("/api/campaigns/get", &[("id", &id)])
            .await
            .status,
        200
    );
    assert_eq!(
        analyst
            .call("/api/campaigns/launch", &[("id", &id)])
            .await
            .status,
        403
    );
    for action in ["campaign.save", "campaign.launch"] {
        let filter = mongodb::bson::doc! { "action": action, "target": &id };
        assert_eq!(app.count("audit", filter).await, 1, "{action} is audited");
    }
    cs::wait_status(&app, &id, "completed").await;
    let cancel = app.call("/api/campaigns/cancel", &[("id", &id)]).await;
    assert_eq!(
        cancel.status, 409,
        "a completed campaign cannot be cancelled: {}",
        cancel.body
    );
}

#[tokio::test]
async fn previews_show_each_step_and_render_for_a_customer_masked_per_role() {
    let app = app(&[]).await;
    let key = app.write_key("web").await;
    let t = tag();
    person(&app, &key, &format!("ada-{t}"), json!({ "email": format!("ada-{t}@mail.test"), "plan": "gold", "firstName": "Ada", "name": "Ada Lovelace" }), true).await;
    person(
        &app,
        &key,
        &format!("bob-{t}"),
        json!({ "email": format!("bob-{t}@mail.test"), "plan": "gold" }),
        false,
    )
    .await;
    let gold = create(&app, "Gold", &plan("gold")).await;
    let mut form = email_form("Preview", &gold);
    set(
        &mut form,
        "a_body",
        "Dear {{ profile.name }}, write to {{ profile.email }}",
    );
    let id = cs::save_id(&app, &form).await;
    let ada = app
        .live_profiles()
        .await
        .into_iter()
        .find(|p| p.name == "Ada Lovelace")
        .unwrap()
        .id
        .to_hex();
    let preview = app
        .call("/api/campaigns/preview", &[("id", &id), ("customer", &ada)])
        .await
        .json();
    assert_eq!(preview["steps"][0]["remaining"], 2);
    assert_eq!(
        preview["steps"][2]["remaining"], 1,
        "Bob has no consent: {preview}"
    );
    assert_eq!(preview["customer_group"], "variant A");
    assert_eq!(preview["rendered"][0]["subject"], "Hello Ada");
    assert_eq!(
        preview["rendered"][0]["body"],
        format!("Dear Ada Lovelace, write to ada-{t}@mail.test")
    );
    // Analysts see personal values masked (marketers see them in the message: see item 12).
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
    assert_eq!(cs::mail(&t).len(), 0, "a preview sends nothing");
}

#[tokio::test]
async fn unsubscribe_links_withdraw_consent_and_opens_and_clicks_are_counted() {
    let app = app(&[]).await;
    let key = app.write_key("web").await;
    let t = tag();
    person(
        &app,
        &key,
        &format!("u-{t}"),
        json!({ "email": format!("u-{t}@mail.test"), "plan": "gold" }),
        true,
    )
    .await;
    let gold = create(&app, "Gold", &plan("gold")).await;
    let id = launch(&app, &email_form("Links", &gold)).await;
    let mail = cs::wait_mail(&t, 1).await.remove(0);
    let html = mail["html"].as_str().unwrap();
    let link = |marker: &str| {
        let start = html.find(marker).unwrap();
        let end = start + html[start..].find('"').unwrap();
        html[start..end]
            .replace("&amp;", "&")
            .replace("http://enrich.test", "")
    };
    let visitor = app.anonymous();
    let pixel = visitor
        .get(&link("http://enrich.test/v1/links/open/"))
        .await;
    assert_eq!(pixel.status, 200);
    assert_eq!(pixel.headers["content-type"], "image/gif");
    let click = visitor
        .get(&link("http://enrich.test/v1/links/click/"))
        .await;
    assert!(click.status.is_redirection(), "{}", click.status);
    assert_eq!(click.headers["location"], "https://shop.example/sale");
    let tampered =
        link("http://enrich.test/v1/links/click/").replace("shop.example", "evil.example");
    assert_eq!(
        visitor.get(&tampered).await.status,
        400,
        "a click cannot be redirected elsewhere"
    );
    let r = results(&app, &id).await;
    assert_eq!(
        (
            variant(&r, "A")["opened"].clone(),
            variant(&r, "A")["clicked"].clone()
        ),
        (json!(1), json!(1))
    );
    let unsubscribe = mail["list_unsubscribe"]
        .as_str()
        .unwrap()
        .trim_matches(['<', '>'])
        .replace("http://enrich.test", "");
    let page = visitor.get(&unsubscribe).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<form method=\"post\""));
    let done = visitor
        .send(
            axum::http::Request::post(&unsubscribe)
                .header("origin", "https://mail.example")
                .body(axum::body::Body::from("List-Unsubscribe=One-Click"))
                .unwrap(),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let profile = &app.live_profiles().await[0];
    assert!(
        !profile.consents_to("email_marketing"),
        "the unsubscribe withdrew consent"
    );
    assert_eq!(
        visitor
            .get(&format!("{}x", &unsubscribe[..unsubscribe.len() - 1]))
            .await
            .status,
        404
    );
    // The next campaign no longer reaches them.
    let next = launch(&app, &email_form("After", &gold)).await;
    cs::wait_status(&app, &next, "completed").await;
    assert_eq!(cs::mail(&t).len(), 1);
}

#[tokio::test]
async fn conversions_are_attributed_to_the_latest_send_and_compared_with_the_holdout() {
    let app = app(&[]).await;
    let key = app.write_key("web").await;
    let t = tag();
    for i in 0..40 {
        person(
            &app,
            &key,
            &format!("u{i}-{t}"),
            json!({ "email": format!("v{i}-{t}@mail.test"), "plan": "gold" }),
            true,
        )
        .await;
    }
    let gold = create(&app, "Gold", &plan("gold")).await;
    let mut form = email_form("Converting", &gold);
    set(&mut form, "holdout", "30");
    set(&mut form, "goal_event", "Order Completed");
    set(&mut form, "goal_property", "currency");
    set(&mut form, "goal_value", "EUR");
    set(&mut form, "goal_days", "7");
    let id = launch(&app, &form).await;
    cs::wait_status(&app, &id, "completed").await;
    let outbox: Vec<mongodb::bson::Document> = {
        use futures::TryStreamExt;
        app.db
            .collection("outbox")
            .find(mongodb::bson::doc! {})
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap()
    };
    let profiles = app.live_profiles().await;
    let user_of = |pid: mongodb::bson::oid::ObjectId| {
        profiles
            .iter()
            .find(|p| p.id == pid)
            .unwrap()
            .identities
            .iter()
            .find(|i| i.kind == "user_id")
            .unwrap()
            .value
            .clone()
    };
    let (mut treated, mut held): (Vec<String>, Vec<String>) = (vec![], vec![]);
    for item in &outbox {
        let user = user_of(item.get_object_id("profile_id").unwrap());
        if item.get_str("variant").unwrap() == "holdout" {
            held.push(user)
        } else {
            treated.push(user)
        }
    }
    assert!(
        treated.len() >= 4 && held.len() >= 2,
        "{} treated, {} held",
        treated.len(),
        held.len()
    );
    let order = |user: &str, currency: &str| json!({ "userId": user, "event": "Order Completed", "properties": { "currency": currency } });
    for user in treated.iter().take(4) {
        assert_eq!(
            app.track("/v1/track", &key, &order(user, "EUR"))
                .await
                .status,
            200
        );
    }
    app.track("/v1/track", &key, &order(&treated[4], "USD"))
        .await;
    app.track("/v1/track", &key, &order(&held[0], "EUR")).await;
    let r = results(&app, &id).await;
    assert_eq!(
        variant(&r, "A")["converted"],
        4,
        "the USD order does not match the goal: {r}"
    );
    assert_eq!(variant(&r, "holdout")["converted"], 1);
    let comparison = &variant(&r, "A")["comparison"];
    let expected = 4.0 / treated.len() as f64 - 1.0 / held.len() as f64;
    assert!(
        (comparison["uplift"].as_f64().unwrap() - expected).abs() < 1e-9,
        "{comparison}"
    );
    // A later campaign with the same goal takes the credit for what follows its send.
    let mut rival = email_form("Rival", &gold);
    set(&mut rival, "goal_event", "Order Completed");
    let rival = launch(&app, &rival).await;
    cs::wait_status(&app, &rival, "completed").await;
    // The order must follow the rival's send: "completed" once came before the run was even
    // queued (a scheduler tick between launch and claim), and the order was credited here.
    let rival_sent = variant(&results(&app, &rival).await, "A")["sent"].clone();
    assert_eq!(rival_sent, 40, "everyone got the rival before ordering");
    app.track("/v1/track", &key, &order(&treated[5], "EUR"))
        .await;
    assert_eq!(variant(&results(&app, &id).await, "A")["converted"], 4);
    assert!(
        variant(&results(&app, &rival).await, "A")["converted"]
            .as_u64()
            .unwrap()
            >= 1
    );
    let history = app
        .call(
            "/api/profiles/campaigns",
            &[(
                "id",
                &profiles
                    .iter()
                    .find(|p| user_of(p.id) == treated[0])
                    .unwrap()
                    .id
                    .to_hex(),
            )],
        )
        .await
        .json();
    let converting = history
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["campaign"] == "Converting")
        .unwrap();
    assert_eq!(converting["converted"], true, "{history}");
    assert_eq!(converting["status"], "sent");
}

#[tokio::test]
async fn a_sending_campaign_is_not_completed_before_its_run_is_claimed_and_queued() {
    use enrich::{model::campaign::CampaignStatus as S, server::db::campaigns::CampaignDoc};
    let app = app(&[]).await;
    let key = app.write_key("web").await;
    person(&app, &key, "u1", json!({ "plan": "gold" }), true).await;
    let gold = create(&app, "Gold", &plan("gold")).await;
    let id = cs::save(&app, &email_form("Racing", &gold)).await.json();
    let id: mongodb::bson::oid::ObjectId = id.as_str().unwrap().parse().unwrap();
    let service = &app.state.campaigns;
    let status = |doc: Option<CampaignDoc>| doc.unwrap().status;
    // What a launch looks like to a scheduler tick between its two writes: sending, no run
    // claimed yet; then claimed but not queued.
    for (runs, queued) in [(0, 0), (1, 0)] {
        let set = mongodb::bson::doc! { "runs": runs, "queued_runs": queued };
        service
            .campaigns
            .transition(id, &[S::Draft, S::Sending], S::Sending, set)
            .await
            .unwrap();
        service.complete_if_settled(id).await.unwrap();
        assert_eq!(
            status(service.campaigns.get(id).await.unwrap()),
            S::Sending,
            "{runs} {queued}"
        );
    }
}
