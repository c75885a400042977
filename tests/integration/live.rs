//! `/ws/live` over a real socket: delivery within a second, masking per role, refusals, lag and
//! resync, resume after a reconnect, and the change-stream feed shared by two instances.
use crate::support::{TestApp, fresh_db, keyring_state};
use enrich::{
    model::{
        access::Role,
        live::{Control, LiveEvent, LiveMessage, ServerFrame},
    },
    server::{
        config::Settings,
        live::{cursors::LiveCursors, feed::FeedSetting},
    },
};
use futures::{SinkExt as _, StreamExt as _};
use serde_json::json;
use std::{net::SocketAddr, time::Duration};
use tokio::net::TcpStream;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Serves `app` on a loopback port, as `main` does.
pub async fn serve(app: &TestApp) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let service = app
        .router
        .clone()
        .into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
    address
}

/// Opens `/ws/live` with `app`'s session cookie and `origin`, if given.
async fn open(
    app: &TestApp,
    address: SocketAddr,
    origin: Option<&str>,
) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
    let mut request = format!("ws://{address}/ws/live")
        .into_client_request()
        .unwrap();
    if let Some(cookie) = app.cookie.lock().unwrap().clone() {
        request
            .headers_mut()
            .insert("cookie", HeaderValue::from_str(&cookie).unwrap());
    }
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("origin", HeaderValue::from_str(origin).unwrap());
    }
    connect_async(request).await.map(|(socket, _)| socket)
}

/// Opens, reads the welcome and subscribes to `streams`.
pub async fn subscribed(app: &TestApp, address: SocketAddr, streams: &[&str]) -> Socket {
    let mut socket = open(app, address, None).await.expect("the socket opens");
    assert!(
        matches!(next(&mut socket).await, ServerFrame::Control(c) if matches!(c.control, Control::Welcome { .. }))
    );
    for stream in streams {
        say(
            &mut socket,
            json!({ "v": 1, "type": "subscribe", "stream": stream }),
        )
        .await;
        let reply = next(&mut socket).await;
        assert!(
            matches!(&reply, ServerFrame::Control(c) if matches!(c.control, Control::Subscribed { .. })),
            "{reply:?}"
        );
    }
    socket
}

async fn say(socket: &mut Socket, frame: serde_json::Value) {
    socket.send(Message::text(frame.to_string())).await.unwrap();
}

/// The next frame, within five seconds.
async fn next(socket: &mut Socket) -> ServerFrame {
    next_text(socket).await.1
}

async fn next_text(socket: &mut Socket) -> (String, ServerFrame) {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("a frame within five seconds")
            .expect("the socket is open")
            .unwrap();
        if let Message::Text(text) = message {
            let frame =
                serde_json::from_str(text.as_str()).unwrap_or_else(|e| panic!("{e}: {text}"));
            return (text.to_string(), frame);
        }
    }
}

/// The next event frame within `limit`, skipping ticks; its text and sequence number too.
async fn next_event(socket: &mut Socket, limit: Duration) -> (String, u64, LiveEvent) {
    tokio::time::timeout(limit, async {
        loop {
            if let (text, ServerFrame::Live(frame)) = next_text(socket).await
                && let LiveMessage::Event(event) = frame.message
            {
                return (text, frame.seq, event);
            }
        }
    })
    .await
    .expect("an event in time")
}

async fn track(app: &TestApp, key: &str, user: &str, event: &str) {
    let body = json!({ "userId": user, "event": event, "properties": { "total": 12 } });
    assert_eq!(app.track("/v1/track", key, &body).await.status, 200);
}

#[tokio::test]
async fn a_tracked_event_reaches_a_subscribed_client_within_a_second() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    let address = serve(&app).await;
    let mut socket = subscribed(&app, address, &["events"]).await;
    track(&app, &key, "u-1001", "Order Completed").await;
    let (_, _, event) = next_event(&mut socket, Duration::from_secs(1)).await;
    assert_eq!(event.event, "Order Completed");
    assert_eq!(event.source, "web");
    assert_eq!(event.who.as_deref(), Some("u-1001"));
    assert!(event.identified && event.profile_id.is_some());
}

#[tokio::test]
async fn filters_narrow_a_stream_and_ping_is_answered() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    let address = serve(&app).await;
    let mut socket = subscribed(&app, address, &[]).await;
    let filter = json!({ "event": "Signed Up" });
    say(
        &mut socket,
        json!({ "v": 1, "type": "subscribe", "stream": "events", "filter": filter }),
    )
    .await;
    next(&mut socket).await;
    track(&app, &key, "u-1", "Order Completed").await;
    track(&app, &key, "u-1", "Signed Up").await;
    let (_, _, event) = next_event(&mut socket, Duration::from_secs(2)).await;
    assert_eq!(event.event, "Signed Up");
    say(&mut socket, json!({ "v": 1, "type": "ping" })).await;
    assert!(
        matches!(next(&mut socket).await, ServerFrame::Control(c) if c.control == Control::Pong)
    );
    say(&mut socket, json!({ "v": 2, "type": "ping" })).await;
    let refused = next(&mut socket).await;
    assert!(
        matches!(&refused, ServerFrame::Control(c) if matches!(&c.control, Control::Error { field, .. } if field == "v")),
        "{refused:?}"
    );
}

#[tokio::test]
async fn unsubscribing_ends_a_stream_sources_filter_and_binary_frames_close_the_socket() {
    let app = TestApp::new().await;
    let (web, app_key) = (app.write_key("web").await, app.write_key("ios").await);
    let address = serve(&app).await;
    let mut socket = subscribed(&app, address, &[]).await;
    let filter = json!({ "source": "ios" });
    say(
        &mut socket,
        json!({ "v": 1, "type": "subscribe", "stream": "events", "filter": filter }),
    )
    .await;
    next(&mut socket).await;
    track(&app, &web, "u-1", "From Web").await;
    track(&app, &app_key, "u-1", "From App").await;
    let (_, _, event) = next_event(&mut socket, Duration::from_secs(2)).await;
    assert_eq!(
        (event.event.as_str(), event.source.as_str()),
        ("From App", "ios")
    );
    say(
        &mut socket,
        json!({ "v": 1, "type": "unsubscribe", "stream": "events" }),
    )
    .await;
    let reply = next(&mut socket).await;
    assert!(
        matches!(&reply, ServerFrame::Control(c) if matches!(c.control, Control::Unsubscribed { .. })),
        "{reply:?}"
    );
    track(&app, &app_key, "u-1", "After Unsubscribing").await;
    say(&mut socket, json!({ "v": 1, "type": "ping" })).await;
    // The pong comes next: no event frame was sent in between.
    let after = next(&mut socket).await;
    assert!(
        matches!(&after, ServerFrame::Control(c) if c.control == Control::Pong),
        "{after:?}"
    );
    socket.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Close(frame))) => return frame,
                Some(Ok(_)) => continue,
                _ => return None,
            }
        }
    })
    .await
    .expect("the server closes the socket");
    let code = closed.map(|f| u16::from(f.code));
    assert_eq!(code, Some(1003), "binary frames are refused with 1003");
}

#[tokio::test]
async fn an_analyst_receives_masked_values_and_an_admin_the_raw_ones() {
    let admin = TestApp::new().await;
    let analyst = admin.as_role(Role::Analyst).await;
    let key = admin.write_key("crm").await;
    let address = serve(&admin).await;
    let mut raw = subscribed(&admin, address, &["events"]).await;
    let mut masked = subscribed(&analyst, address, &["events"]).await;
    track(&admin, &key, "ann.lee@example.com", "Order Completed").await;
    let (_, _, seen) = next_event(&mut raw, Duration::from_secs(2)).await;
    assert_eq!(seen.who.as_deref(), Some("ann.lee@example.com"));
    let (text, _, seen) = next_event(&mut masked, Duration::from_secs(2)).await;
    assert_eq!(seen.who.as_deref(), Some("a***@e***.com"));
    assert!(!text.contains("ann.lee"), "{text}");
}

#[tokio::test]
async fn unauthorised_and_cross_site_connections_are_refused() {
    let admin = TestApp::new().await;
    let address = serve(&admin).await;
    let nobody = open(&admin.anonymous(), address, None).await.unwrap_err();
    assert!(nobody.to_string().contains("401"), "{nobody}");
    let foreign = open(&admin, address, Some("https://evil.test"))
        .await
        .unwrap_err();
    assert!(foreign.to_string().contains("403"), "{foreign}");
    let support = admin.as_role(Role::Support).await;
    let mut socket = subscribed(&support, address, &["events"]).await;
    say(
        &mut socket,
        json!({ "v": 1, "type": "subscribe", "stream": "segments" }),
    )
    .await;
    let refused = next(&mut socket).await;
    assert!(
        matches!(&refused, ServerFrame::Control(c) if matches!(&c.control, Control::Error { field, .. } if field == "stream")),
        "{refused:?}"
    );
    say(
        &mut socket,
        json!({ "v": 1, "type": "subscribe", "stream": "everything" }),
    )
    .await;
    assert!(
        matches!(next(&mut socket).await, ServerFrame::Control(c) if matches!(&c.control, Control::Error { .. }))
    );
}

// One thread: the connection's task cannot run while the test publishes, so the client falls
// behind by construction rather than by luck.
#[tokio::test(flavor = "current_thread")]
async fn a_lagging_client_is_told_what_it_missed_and_resyncs_from_the_snapshot() {
    let settings = Settings {
        live_buffer: 16,
        ..Settings::default()
    };
    let app = TestApp::with_settings(settings).await;
    app.sign_in_as(Role::Analyst).await;
    let address = serve(&app).await;
    let mut socket = subscribed(&app, address, &["events"]).await;
    let event = |n: usize| LiveEvent {
        event: format!("Burst {n}"),
        kind: "track".into(),
        source: "web".into(),
        profile_id: None,
        identified: false,
        who: None,
        page: None,
        at: chrono::Utc::now(),
        received_at: chrono::Utc::now(),
    };
    for n in 0..200 {
        app.state.hub.publish(LiveMessage::Event(event(n)));
    }
    let missed = loop {
        if let ServerFrame::Control(c) = next(&mut socket).await
            && let Control::Lagged { missed } = c.control
        {
            break missed;
        }
    };
    assert!(missed >= 150, "missed {missed}");
    // The snapshot counts seconds whose ticks have gone out; wait for this one's.
    tokio::time::sleep(Duration::from_millis(1_600)).await;
    let snapshot = app
        .call("/api/live/snapshot", &[("window_minutes", "5")])
        .await;
    assert_eq!(snapshot.status, 200, "{}", snapshot.body);
    let snapshot = snapshot.json();
    assert!(snapshot["seq"].as_u64().unwrap() >= app.state.hub.last_seq());
    let counted: u64 = snapshot["series"]["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["events"].as_array().unwrap().iter())
        .map(|e| e["count"].as_u64().unwrap())
        .sum();
    assert_eq!(counted, 200, "the snapshot counts what the client skipped");
    app.state.hub.publish(LiveMessage::Event(event(999)));
    let (_, _, after) = next_event(&mut socket, Duration::from_secs(2)).await;
    assert!(after.event.starts_with("Burst"));
}

#[tokio::test]
async fn a_reconnecting_client_resumes_after_its_last_sequence_number() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    let address = serve(&app).await;
    let mut socket = subscribed(&app, address, &["events"]).await;
    track(&app, &key, "u-7", "First").await;
    let (_, seen, _) = next_event(&mut socket, Duration::from_secs(2)).await;
    socket.close(None).await.unwrap();
    track(&app, &key, "u-7", "Second").await;
    track(&app, &key, "u-7", "Third").await;
    let mut socket = subscribed(&app, address, &["events"]).await;
    say(
        &mut socket,
        json!({ "v": 1, "type": "resume", "after": seen }),
    )
    .await;
    let (_, _, second) = next_event(&mut socket, Duration::from_secs(2)).await;
    let (_, _, third) = next_event(&mut socket, Duration::from_secs(2)).await;
    assert_eq!(
        (second.event.as_str(), third.event.as_str()),
        ("Second", "Third")
    );
    say(&mut socket, json!({ "v": 1, "type": "resume", "after": 1 })).await;
    loop {
        match next(&mut socket).await {
            ServerFrame::Control(c) if matches!(c.control, Control::Resync { .. }) => break,
            ServerFrame::Control(c) if matches!(c.control, Control::Resumed { .. }) => {}
            ServerFrame::Live(frame) => assert!(matches!(frame.message, LiveMessage::Tick(_))),
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn on_a_standalone_server_healthz_says_the_feed_is_in_process() {
    let app = TestApp::new().await;
    let health = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let health = app.get("/healthz").await.json();
            if health["live_feed"]["reason"] != "starting" {
                return health;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .unwrap();
    assert_eq!(health["database"]["topology"], "standalone");
    assert_eq!(health["live_feed"]["mode"], "in_process");
    assert!(
        health["live_feed"]["reason"]
            .as_str()
            .unwrap()
            .contains("replica set")
    );
}

pub fn change_stream_settings(instance: &str) -> Settings {
    Settings {
        live_feed: FeedSetting::ChangeStream,
        instance: instance.to_owned(),
        ..Settings::default()
    }
}

#[tokio::test]
async fn with_change_streams_two_instances_both_see_an_event_stored_by_one_exactly_once() {
    let db = fresh_db().await;
    let first = TestApp::from_state(keyring_state(&db, &change_stream_settings("first")));
    let second = TestApp::from_state(keyring_state(&db, &change_stream_settings("second")));
    first.sign_in_as(Role::Admin).await;
    second.sign_in_as(Role::Analyst).await;
    let key = first.write_key("web").await;
    let (a, b) = (serve(&first).await, serve(&second).await);
    let mut on_first = subscribed(&first, a, &["events"]).await;
    let mut on_second = subscribed(&second, b, &["events"]).await;
    // The followers open their streams in the background; wait until they listen.
    tokio::time::sleep(Duration::from_millis(500)).await;
    track(&first, &key, "u-42", "Order Completed").await;
    let (_, _, seen) = next_event(&mut on_second, Duration::from_secs(1)).await;
    assert_eq!(
        (seen.event.as_str(), seen.who.as_deref()),
        ("Order Completed", Some("u***"))
    );
    let (_, _, seen) = next_event(&mut on_first, Duration::from_secs(1)).await;
    assert_eq!(seen.event, "Order Completed");
    track(&first, &key, "u-42", "Signed Out").await;
    let (_, _, next_seen) = next_event(&mut on_first, Duration::from_secs(2)).await;
    assert_eq!(
        next_seen.event, "Signed Out",
        "the first event came once, not twice"
    );
    assert_eq!(
        first.get("/healthz").await.json()["live_feed"]["mode"],
        "change_stream"
    );
}

#[tokio::test]
async fn with_change_streams_a_segment_entry_on_one_instance_reaches_the_others_subscribers() {
    let db = fresh_db().await;
    let first = TestApp::from_state(keyring_state(&db, &change_stream_settings("seg-a")));
    let second = TestApp::from_state(keyring_state(&db, &change_stream_settings("seg-b")));
    first.sign_in_as(Role::Admin).await;
    second.sign_in_as(Role::Marketer).await;
    let key = first.write_key("web").await;
    let identify = json!({ "userId": "u-7", "traits": { "plan": "free" } });
    assert_eq!(
        first.track("/v1/identify", &key, &identify).await.status,
        200
    );
    let rule = json!({ "type": "trait", "path": "traits.plan",
        "test": { "op": "equals", "value": "gold" } });
    let segment = crate::segments::create(&first, "Gold", &rule).await;
    let b = serve(&second).await;
    let mut on_second = subscribed(&second, b, &["segments"]).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let upgrade = json!({ "userId": "u-7", "traits": { "plan": "gold" } });
    assert_eq!(
        first.track("/v1/identify", &key, &upgrade).await.status,
        200
    );
    let entered = tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            if let ServerFrame::Live(frame) = next(&mut on_second).await
                && let LiveMessage::SegmentTransition {
                    segment_id, kind, ..
                } = frame.message
            {
                return (segment_id, kind);
            }
        }
    })
    .await
    .expect("the entry arrives through the change stream");
    assert_eq!(entered, (segment, "entered".to_owned()));
}

#[tokio::test]
async fn a_restarted_instance_resumes_its_change_stream_from_the_saved_token() {
    let db = fresh_db().await;
    let writer = TestApp::from_state(keyring_state(&db, &change_stream_settings("writer")));
    let key = writer.write_key("web").await;
    track(&writer, &key, "u-1", "Before").await;
    // What the stopped instance had saved: the point right after "Before".
    let mut watch = db
        .collection::<mongodb::bson::Document>("events")
        .watch()
        .await
        .unwrap();
    track(&writer, &key, "u-1", "Seen").await;
    let seen = tokio::time::timeout(Duration::from_secs(5), watch.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    LiveCursors::new(&db, "restarted")
        .save("events", &seen.id)
        .await
        .unwrap();
    track(&writer, &key, "u-1", "Missed while down").await;

    let state = keyring_state(&db, &change_stream_settings("restarted"));
    let mut hub = state.hub.subscribe();
    let _restarted = TestApp::from_state(state);
    let first = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let item = hub.recv().await.unwrap();
            if let LiveMessage::Event(event) = &item.message {
                return event.event.clone();
            }
        }
    })
    .await
    .expect("the missed event is delivered");
    assert_eq!(first, "Missed while down");
}
