//! Two app instances on one database, as behind a load balancer: conflicting traffic for the
//! same people through both keeps the identity invariants, and both instances' campaign workers
//! and schedulers send each message once.
use crate::{
    campaign_support::{self as cs, email_form, launch, person, set, tag},
    identity_props::{Op, check_invariants, op, send_ops},
    segments::create,
    support::{TestApp, fresh_db, leptos_options},
};
use enrich::{
    model::access::Role,
    server::{AppState, config::Settings, privacy::keyring},
};
use proptest::prelude::*;
use serde_json::json;
use std::{collections::HashMap, time::Duration};

/// Two started instances over one fresh database, one key ring and one signed-in admin
/// session (sessions live in the database, so the cookie works on both).
async fn two_instances(settings: impl Fn(&str) -> Settings) -> (TestApp, TestApp) {
    let db = fresh_db().await;
    let ring = keyring::generate();
    let instance = |name: &str| {
        TestApp::from_state(AppState::new(
            leptos_options(),
            db.clone(),
            &settings(name),
            ring.clone(),
        ))
    };
    let first = instance("first");
    let mut second = instance("second");
    first.sign_in_as(Role::Admin).await;
    second.cookie = first.cookie.clone();
    (first, second)
}

fn named(instance: &str) -> Settings {
    Settings {
        instance: instance.to_owned(),
        ..Settings::default()
    }
}

/// Sends `ops` split between the two instances, both halves at once, from two sources (message
/// ids are numbered per half, and are unique per source).
async fn through_both(
    (first, second): &(TestApp, TestApp),
    keys: (&str, &str),
    ops: Vec<Op>,
    batched: bool,
) -> Result<std::collections::HashSet<String>, TestCaseError> {
    let (even, odd): (Vec<_>, Vec<_>) = ops.into_iter().enumerate().partition(|(n, _)| n % 2 == 0);
    let strip = |v: Vec<(usize, Op)>| v.into_iter().map(|(_, op)| op).collect::<Vec<_>>();
    let (even, odd) = (strip(even), strip(odd));
    let (a, b) = tokio::join!(
        send_ops(first, keys.0, &even, batched),
        send_ops(second, keys.1, &odd, batched),
    );
    let mut used = a?;
    used.extend(b?);
    Ok(used)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn two_instances_keep_one_live_owner_per_identifier(
        ops in prop::collection::vec(op(), 2..16),
        batched in any::<bool>(),
    ) {
        tokio::runtime::Runtime::new().unwrap().block_on(async {
            let apps = two_instances(named).await;
            let (web, app) = (apps.0.write_key("web").await, apps.0.write_key("app").await);
            let used = through_both(&apps, (&web, &app), ops, batched).await?;
            check_invariants(&apps.0, &used).await
        })?;
    }
}

#[tokio::test]
async fn both_instances_workers_and_schedulers_send_each_message_once() {
    let (first, second) = two_instances(|name| Settings {
        instance: name.to_owned(),
        ..cs::settings(&[])
    })
    .await;
    let key = first.write_key("web").await;
    let t = tag();
    for i in 0..24 {
        let app = if i % 2 == 0 { &first } else { &second };
        let traits = json!({ "email": format!("i{i}-{t}@mail.test"), "plan": "both" });
        person(app, &key, &format!("i{i}-{t}"), traits, true).await;
    }
    let rule = json!({ "type": "trait", "path": "traits.plan", "test": { "op": "equals", "value": "both" } });
    let segment = create(&first, "Both", &rule).await;
    let id = launch(&second, &email_form("Once", &segment)).await;
    cs::wait_status(&first, &id, "completed").await;
    cs::wait_mail(&t, 24).await;
    // Both instances' workers had their chance to send twice.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut per_address: HashMap<String, usize> = HashMap::new();
    for mail in cs::mail(&t) {
        *per_address
            .entry(mail["rcpt_tos"][0].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(per_address.len(), 24);
    assert!(per_address.values().all(|n| *n == 1), "{per_address:?}");

    // A scheduled campaign falls due on both schedulers at once: one run, one message each.
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%d");
    let mut once = email_form("Scheduled", &segment);
    set(&mut once, "schedule", "at");
    set(&mut once, "send_at", &format!("{tomorrow}T10:00"));
    set(&mut once, "send_at_zone", "UTC");
    let scheduled = launch(&first, &once).await;
    let due =
        mongodb::bson::DateTime::from_chrono(chrono::Utc::now() - chrono::Duration::seconds(1));
    first
        .db
        .collection::<mongodb::bson::Document>("campaigns")
        .update_one(
            mongodb::bson::doc! { "_id": scheduled.parse::<mongodb::bson::oid::ObjectId>().unwrap() },
            mongodb::bson::doc! { "$set": { "next_run_at": due } },
        )
        .await
        .unwrap();
    cs::wait_status(&second, &scheduled, "completed").await;
    cs::wait_mail(&t, 48).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(cs::mail(&t).len(), 48, "each person once per campaign");
    assert_eq!(cs::detail(&first, &scheduled).await["runs"], 1);
}

#[tokio::test]
async fn the_identity_lease_has_one_holder_and_a_stale_holder_cannot_renew_or_free_it() {
    use enrich::server::db::leases::Leases;
    use mongodb::bson::oid::ObjectId;
    let leases = Leases::new(&fresh_db().await);
    let (a, b) = (ObjectId::new(), ObjectId::new());
    let long = Duration::from_secs(30);
    let first = leases.try_take("t", a, long).await.unwrap().expect("free");
    assert_eq!(leases.try_take("t", b, long).await.unwrap(), None, "held");
    leases.release("t", b, first).await.unwrap();
    leases.release("t", a, first + 1).await.unwrap();
    assert_eq!(
        leases.get("t").await.unwrap().unwrap().holder,
        Some(a),
        "only its holder frees a holding"
    );
    leases.release("t", a, first).await.unwrap();
    let second = leases
        .try_take("t", b, Duration::from_millis(1))
        .await
        .unwrap();
    assert_eq!(second, Some(first + 1), "free again, with the next fence");
    tokio::time::sleep(Duration::from_millis(20)).await;
    let third = leases.try_take("t", a, long).await.unwrap();
    assert_eq!(third, Some(first + 2), "a holding that ran out is taken");
    assert!(
        !leases.renew("t", b, first + 1, long).await.unwrap(),
        "stale renew"
    );
    leases.release("t", b, first + 1).await.unwrap();
    assert_eq!(leases.get("t").await.unwrap().unwrap().holder, Some(a));
    assert!(leases.renew("t", a, first + 2, long).await.unwrap());
}

#[tokio::test]
async fn identity_work_on_two_instances_takes_turns_and_frees_the_lease() {
    let (first, second) = two_instances(named).await;
    let key = first.write_key("web").await;
    let calls = (0..12).map(|i| {
        let app = if i % 2 == 0 { &first } else { &second };
        let body = json!({ "userId": format!("turns-{}", i % 3), "traits": { "n": i } });
        let key = key.clone();
        async move { app.track("/v1/identify", &key, &body).await.status }
    });
    let statuses = futures::future::join_all(calls).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(first.live_profiles().await.len(), 3);
    // Given back once no task of either instance waits (by a task of its own: soon after).
    let leases = enrich::server::db::leases::Leases::new(&first.db);
    let mut lease = None;
    for _ in 0..100 {
        lease = leases
            .get(enrich::server::identity::lease::NAME)
            .await
            .unwrap();
        if lease.as_ref().is_some_and(|l| l.holder.is_none()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let lease = lease.expect("taken at least once");
    assert_eq!(lease.holder, None, "{lease:?}");
    assert!(lease.fence >= 2, "taken more than once: {lease:?}");
}

#[tokio::test]
async fn a_long_holding_is_renewed_and_a_holder_whose_lease_was_taken_stops_writing() {
    use enrich::{
        error::AppError,
        server::{
            db::leases::Leases,
            identity::lease::{IdentityLease, NAME},
        },
    };
    use mongodb::bson::{Document, doc, oid::ObjectId};
    use std::sync::{Arc, Mutex};
    let db = fresh_db().await;
    let ttl = Duration::from_millis(300);
    let (long, rival) = (
        IdentityLease::with_time_to_live(&db, ttl),
        IdentityLease::with_time_to_live(&db, ttl),
    );
    let order = Arc::new(Mutex::new(Vec::new()));
    let note = |what: &'static str| order.lock().unwrap().push(what);
    let started = tokio::sync::Notify::new();
    let (held, waited) = tokio::join!(
        long.hold(async {
            note("long starts");
            started.notify_one();
            // Three times the time to live: renewed meanwhile, so the rival waits.
            tokio::time::sleep(ttl * 3).await;
            long.check()?;
            note("long ends");
            Ok(())
        }),
        async {
            started.notified().await;
            rival
                .hold(async {
                    note("rival");
                    Ok(())
                })
                .await
        }
    );
    held.unwrap();
    waited.unwrap();
    assert_eq!(
        *order.lock().unwrap(),
        ["long starts", "long ends", "rival"]
    );

    // Another instance takes the lease from under a holder (as after it stalled too long):
    // the next renewal finds out, and the holder stops before writing.
    let other = ObjectId::new();
    let checked = long
        .hold(async {
            long.check()?;
            db.collection::<Document>("leases")
                .update_one(
                    doc! { "_id": NAME },
                    doc! { "$set": { "holder": other }, "$inc": { "fence": 1_i64 } },
                )
                .await
                .unwrap();
            // Half the time to live: still inside the holding's trusted time, so only a
            // renewal that found the lease taken can make the check fail.
            tokio::time::sleep(ttl / 2).await;
            Ok(long.check())
        })
        .await
        .unwrap();
    assert!(
        matches!(checked, Err(AppError::Unavailable { .. })),
        "{checked:?}"
    );
    let stored = Leases::new(&db).get(NAME).await.unwrap().unwrap();
    assert_eq!(stored.holder, Some(other), "not freed by the stale holder");
}
