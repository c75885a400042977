//! Segment freshness for `bench_live` (a child module of it): `POST /v1/track` → the membership
//! transition on a websocket and through the memberships API.
use super::{Api, BoxError, Socket, next_frame, subscribed_to, summary};
use enrich::{
    model::{
        live::{LiveFrame, LiveMessage, ServerFrame},
        segment::SegmentLabel,
    },
    server::{AppState, segments::store::SegmentSave},
};
use mongodb::bson::{doc, oid::ObjectId};
use serde_json::json;
use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

/// The person whose plan flips in and out of the segment.
const WHO: &str = "fresh-person";
/// How long one transition may take to show.
const WAIT: Duration = Duration::from_secs(5);

/// Phase 4: `events` track calls flipping [`WHO`] in and out of a "VIP" segment.
pub async fn bench(
    state: &AppState,
    api: &Api,
    address: SocketAddr,
    cookie: &str,
    events: usize,
) -> Result<(), BoxError> {
    send(api, "basic").await?;
    let segment = vip_segment(state).await?;
    let profile = profile_of(state).await?;
    let mut socket = subscribed_to(address, cookie, "segments").await?;
    let (mut to_socket, mut to_api) = (Vec::new(), Vec::new());
    for i in 0..events {
        let entering = i % 2 == 0;
        let started = Instant::now();
        let plan = if entering { "vip" } else { "basic" };
        let (sent, arrived) = tokio::join!(
            send(api, plan),
            tokio::time::timeout(WAIT, transition(&mut socket, &segment, entering))
        );
        sent?;
        let arrived = arrived.map_err(|_| format!("no transition within {WAIT:?}"))??;
        to_socket.push(super::millis(arrived.duration_since(started)));
        visible(api, cookie, &profile, &segment, entering).await?;
        to_api.push(super::millis(started.elapsed()));
    }
    socket.close(None).await.ok();
    println!("segment freshness ({events} track calls flipping one person in and out):");
    for (name, samples) in [
        ("websocket (segments stream)", &mut to_socket),
        ("memberships API", &mut to_api),
    ] {
        let (p50, p99, max) = summary(samples).ok_or("BENCH_FRESH_EVENTS is 0")?;
        println!("  track → {name}: p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms");
    }
    Ok(())
}

/// Tracks a `Plan Changed` event whose `context.traits` sets [`WHO`]'s plan.
async fn send(api: &Api, plan: &str) -> Result<(), BoxError> {
    let body = json!({ "userId": WHO, "event": "Plan Changed",
        "context": { "traits": { "plan": plan } } });
    api.send_json("/v1/track", body.to_string()).await
}

/// Saves the segment "plan is vip" and waits for its first computation; its id (hex).
async fn vip_segment(state: &AppState) -> Result<String, BoxError> {
    let rule = serde_json::from_value(json!({ "type": "trait", "path": "traits.plan",
        "test": { "op": "equals", "value": "vip" } }))?;
    let save = SegmentSave {
        id: None,
        base_version: None,
        label: SegmentLabel::parse("VIP", "")?,
        rule,
    };
    let segment = state.segments.save(save, "bench", 90).await?;
    let started = Instant::now();
    loop {
        let stored = state.segments.segments.get(segment.id).await?;
        if stored
            .and_then(|s| s.compute)
            .is_some_and(|c| c.state == "done")
        {
            return Ok(segment.id.to_hex());
        }
        if started.elapsed() > WAIT {
            return Err("the VIP segment was not computed in time".into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The profile id of [`WHO`].
async fn profile_of(state: &AppState) -> Result<String, BoxError> {
    let identity = state
        .db
        .collection::<mongodb::bson::Document>("identities")
        .find_one(doc! { "_id": format!("user_id:{WHO}") })
        .await?
        .ok_or("the person was not stored")?;
    let id: ObjectId = identity.get_object_id("profile_id")?;
    Ok(id.to_hex())
}

/// Reads frames until `segment`'s transition of the wanted kind arrives; when it did.
async fn transition(
    socket: &mut Socket,
    segment: &str,
    entering: bool,
) -> Result<Instant, BoxError> {
    loop {
        let frame = next_frame(socket).await?;
        let at = Instant::now();
        if let ServerFrame::Live(LiveFrame {
            message:
                LiveMessage::SegmentTransition {
                    segment_id, kind, ..
                },
            ..
        }) = frame
            && segment_id == segment
            && (kind == "entered") == entering
        {
            return Ok(at);
        }
    }
}

/// Polls the memberships API until `profile` is (or is no longer) in `segment`.
async fn visible(
    api: &Api,
    cookie: &str,
    profile: &str,
    segment: &str,
    entering: bool,
) -> Result<(), BoxError> {
    let started = Instant::now();
    loop {
        let reply = api
            .call("profiles/segments", cookie, &[("id", profile)])
            .await?;
        let member = reply[0]
            .as_array()
            .is_some_and(|m| m.iter().any(|m| m["segment_id"] == segment));
        if member == entering {
            return Ok(());
        }
        if started.elapsed() > WAIT {
            return Err("the memberships API did not show the transition in time".into());
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}
