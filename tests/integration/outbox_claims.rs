//! The delivery worker's outbox commands against the real server: claims taken a batch at a
//! time by workers racing each other never hand one message to two of them, and a claim that
//! lost its message (the lease ran out and another worker took it) cannot settle it.
use crate::support::TestApp;
use enrich::{
    model::campaign::Channel,
    server::db::{
        outbox::{Outbox, OutboxDoc, OutboxStatus, Settlement, outbox_key},
        update_statements,
    },
};
use mongodb::bson::{self, doc, oid::ObjectId};
use std::collections::HashSet;

fn pending(campaign: ObjectId, n: usize, due: bson::DateTime) -> OutboxDoc {
    let profile = ObjectId::new();
    OutboxDoc {
        id: outbox_key(campaign, "1", profile),
        campaign_id: campaign,
        run: "1".into(),
        profile_id: profile,
        channel: if n.is_multiple_of(5) {
            Channel::Webhook
        } else {
            Channel::Email
        },
        variant: "A".into(),
        status: OutboxStatus::Pending,
        attempts: 0,
        next_at: due,
        lease_until: None,
        created_at: due,
        sent_at: None,
        delivered: false,
        opened_at: None,
        clicked_at: None,
        deferrals: 0,
        error: None,
        trigger: None,
        claim: None,
        settled: None,
    }
}

fn now_plus(seconds: i64) -> bson::DateTime {
    bson::DateTime::from_chrono(chrono::Utc::now() + chrono::Duration::seconds(seconds))
}

#[tokio::test]
async fn racing_workers_claim_each_due_message_once_and_only_their_channel() {
    let app = TestApp::new().await;
    let outbox = Outbox::new(&app.db);
    let campaign = ObjectId::new();
    let mut items: Vec<OutboxDoc> = (0..120)
        .map(|n| pending(campaign, n, now_plus(-10)))
        .collect();
    // Not due yet: never claimed.
    items.extend((120..130).map(|n| pending(campaign, n, now_plus(3_600))));
    outbox.enqueue(&items).await.unwrap();
    let due_email: HashSet<String> = items[..120]
        .iter()
        .filter(|i| i.channel == Channel::Email)
        .map(|i| i.id.clone())
        .collect();

    let worker = |outbox: Outbox| async move {
        let mut mine = Vec::new();
        loop {
            let batch = outbox
                .claim_batch(Channel::Email, bson::DateTime::now(), now_plus(60), 7)
                .await
                .unwrap();
            if batch.is_empty() {
                return mine;
            }
            mine.extend(batch);
        }
    };
    let (a, b, c, d) = tokio::join!(
        tokio::spawn(worker(outbox.clone())),
        tokio::spawn(worker(outbox.clone())),
        tokio::spawn(worker(outbox.clone())),
        tokio::spawn(worker(outbox.clone())),
    );
    let claimed: Vec<OutboxDoc> = [a, b, c, d].into_iter().flat_map(Result::unwrap).collect();
    let ids: HashSet<String> = claimed.iter().map(|i| i.id.clone()).collect();
    assert_eq!(ids.len(), claimed.len(), "no message claimed twice");
    assert_eq!(ids, due_email, "every due email message, and nothing else");
    for item in &claimed {
        assert_eq!(item.status, OutboxStatus::Sending);
        assert_eq!(item.attempts, 1, "the claim counted one attempt");
        let stored = outbox.get(&item.id).await.unwrap().unwrap();
        assert_eq!(
            stored.claim, item.claim,
            "the claim returned is the one stored"
        );
        assert_eq!(stored.attempts, 1);
    }
}

#[tokio::test]
async fn a_claim_whose_lease_ran_out_cannot_settle_what_another_worker_took() {
    let app = TestApp::new().await;
    let outbox = Outbox::new(&app.db);
    let campaign = ObjectId::new();
    let items: Vec<OutboxDoc> = (1..4)
        .map(|n| pending(campaign, n, now_plus(-10)))
        .collect();
    outbox.enqueue(&items).await.unwrap();
    // The first worker's lease is already over when the second looks.
    let first = outbox
        .claim_batch(Channel::Email, bson::DateTime::now(), now_plus(-1), 10)
        .await
        .unwrap();
    assert_eq!(first.len(), 3);
    let second = outbox
        .claim_batch(Channel::Email, bson::DateTime::now(), now_plus(60), 10)
        .await
        .unwrap();
    assert_eq!(second.len(), 3, "expired leases are claimed again");
    assert_eq!(second[0].attempts, 2);
    let settle = |item: &OutboxDoc, status: &str, not_an_attempt| Settlement {
        id: item.id.clone(),
        claim: item.claim.unwrap(),
        set: doc! { "status": status },
        not_an_attempt,
    };
    let stale: Vec<Settlement> = first.iter().map(|i| settle(i, "sent", false)).collect();
    assert_eq!(outbox.settle_many(&stale).await.unwrap(), 0);
    for item in &first {
        let stored = outbox.get(&item.id).await.unwrap().unwrap();
        assert_eq!(
            stored.status,
            OutboxStatus::Sending,
            "still the second claim's"
        );
    }
    let current: Vec<Settlement> = second
        .iter()
        .enumerate()
        .map(|(n, i)| settle(i, if n == 0 { "paused" } else { "sent" }, n == 0))
        .collect();
    assert_eq!(outbox.settle_many(&current).await.unwrap(), 3);
    let paused = outbox.get(&second[0].id).await.unwrap().unwrap();
    assert_eq!(paused.status, OutboxStatus::Paused);
    assert_eq!(
        paused.attempts, 1,
        "a message left unsent gives its attempt back"
    );
    assert_ne!(
        paused.claim, second[0].claim,
        "a settle gives the message a new version"
    );
    assert_eq!(paused.lease_until, None);
    // A worker that read the message before that settle cannot claim it any more.
    let stale_read = update_statements(
        &app.db,
        "outbox",
        vec![doc! { "q": { "_id": &second[1].id, "claim": second[1].claim }, "u": { "$set": { "status": "sending" } } }],
        false,
    )
    .await
    .unwrap();
    assert_eq!(stale_read, 0);
    let sent = outbox.get(&second[1].id).await.unwrap().unwrap();
    assert_eq!((sent.status, sent.attempts), (OutboxStatus::Sent, 2));
}
