//! `GET /ws/live`: the hub, delivered to a signed-in browser. The guard has checked the
//! session and the role before the upgrade; here each connection keeps its subscriptions,
//! masks PII for roles without `pii:read`, keeps itself alive with pings, notices a sign-out,
//! and, when it falls behind, says how much it missed instead of slowing anyone down. A user
//! holds at most `ENRICH_SOCKETS_PER_USER` sockets per instance.
use super::HubItem;
use crate::{
    model::{
        access::{Permission, SessionUser},
        live::{ClientFrame, Control, ControlFrame, PROTOCOL, Stream, StreamFilter},
    },
    server::{
        AppState,
        auth::{Caller, session::signed_in_user},
        db::{sessions::MongoSessionStore, users::Users},
        metrics::{Held, names},
    },
};
use axum::{
    Extension,
    extract::{
        State,
        ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade, close_code},
    },
    response::{IntoResponse, Response},
};
use std::{collections::HashMap, sync::Arc, time::Duration};
use tokio::{sync::broadcast::error::RecvError, time::Instant};
use tower_sessions::Session;

/// How often the server pings; browsers answer on their own.
pub const PING_EVERY: Duration = Duration::from_secs(20);
/// Silence after which the client is taken for gone.
pub const SILENT_FOR: Duration = Duration::from_secs(60);
/// How often the session is checked again (sign-out, expiry, role change).
pub const RECHECK_EVERY: Duration = Duration::from_secs(30);
/// Largest frame a client may send.
pub const MAX_CLIENT_FRAME: usize = 4_096;

/// Upgrades to the live websocket.
pub async fn live_socket(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    session: Session,
    upgrade: WebSocketUpgrade,
) -> Response {
    let Some(user) = caller.user else {
        return crate::error::AppError::Unauthorized.into_response();
    };
    // Refused before the upgrade (429 naming the limit); the place is held until the socket ends.
    let ticket = match state.limits.sockets.open(&user.id) {
        Ok(ticket) => ticket,
        Err(err) => return err.into_response(),
    };
    upgrade
        .max_message_size(MAX_CLIENT_FRAME)
        .on_upgrade(move |socket| async move {
            Connection::new(state, user, session).run(socket).await;
            drop(ticket);
        })
}

/// Why a connection ends, and how that is told to the client.
enum End {
    ClientLeft,
    Close(u16, &'static str),
}

struct Connection {
    state: AppState,
    user: SessionUser,
    session: Session,
    read_pii: bool,
    streams: HashMap<Stream, StreamFilter>,
    last_sent: u64,
}

impl Connection {
    fn new(state: AppState, user: SessionUser, session: Session) -> Self {
        Self {
            read_pii: user.can(Permission::ReadPii),
            state,
            user,
            session,
            streams: HashMap::new(),
            last_sent: 0,
        }
    }

    async fn run(mut self, mut socket: WebSocket) {
        // Counted down however the connection ends, a panic in this task included.
        let _connected = Held::new(metrics::gauge!(names::WEBSOCKET_CLIENTS), 1.0);
        let hub = self.state.hub.clone();
        let mut feed = hub.subscribe();
        self.last_sent = hub.last_seq();
        let welcome = Control::Welcome {
            instance: self.state.settings.instance.clone(),
            seq: self.last_sent,
            feed: hub.status().mode.to_owned(),
        };
        let end = match send_control(&mut socket, welcome).await {
            Ok(()) => self.serve(&mut socket, &mut feed).await,
            Err(()) => End::ClientLeft,
        };
        if let End::Close(code, reason) = end {
            let frame = CloseFrame {
                code,
                reason: Utf8Bytes::from_static(reason),
            };
            let _ = socket.send(Message::Close(Some(frame))).await;
        }
    }

    async fn serve(
        &mut self,
        socket: &mut WebSocket,
        feed: &mut tokio::sync::broadcast::Receiver<Arc<HubItem>>,
    ) -> End {
        let mut ping = tokio::time::interval_at(Instant::now() + PING_EVERY, PING_EVERY);
        let mut recheck = tokio::time::interval_at(Instant::now() + RECHECK_EVERY, RECHECK_EVERY);
        let mut heard = Instant::now();
        loop {
            let step = tokio::select! {
                incoming = socket.recv() => {
                    heard = Instant::now();
                    self.on_client(socket, incoming).await
                }
                item = feed.recv() => self.on_hub(socket, item).await,
                _ = ping.tick() => {
                    if heard.elapsed() > SILENT_FOR {
                        Err(End::Close(close_code::AWAY, "no answer to pings"))
                    } else {
                        send(socket, Message::Ping(Default::default())).await
                    }
                }
                _ = recheck.tick() => self.recheck().await,
            };
            if let Err(end) = step {
                return end;
            }
        }
    }

    async fn on_client(
        &mut self,
        socket: &mut WebSocket,
        incoming: Option<Result<Message, axum::Error>>,
    ) -> Result<(), End> {
        match incoming {
            None | Some(Err(_)) | Some(Ok(Message::Close(_))) => Err(End::ClientLeft),
            Some(Ok(Message::Text(text))) => self.on_frame(socket, text.as_str()).await,
            Some(Ok(Message::Binary(_))) => {
                Err(End::Close(close_code::UNSUPPORTED, "frames are JSON text"))
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => Ok(()),
        }
    }

    async fn on_frame(&mut self, socket: &mut WebSocket, text: &str) -> Result<(), End> {
        let frame = match serde_json::from_str::<ClientFrame>(text) {
            Ok(frame) => frame,
            Err(err) => return refuse(socket, "type", &err.to_string()).await,
        };
        let version = match &frame {
            ClientFrame::Subscribe { v, .. }
            | ClientFrame::Unsubscribe { v, .. }
            | ClientFrame::Resume { v, .. }
            | ClientFrame::Ping { v } => *v,
        };
        if version != PROTOCOL {
            return refuse(
                socket,
                "v",
                &format!("this server speaks version {PROTOCOL}"),
            )
            .await;
        }
        match frame {
            ClientFrame::Subscribe { stream, filter, .. } => {
                if let Some(rule) = self.forbidden(stream) {
                    return refuse(socket, "stream", rule).await;
                }
                self.streams.insert(stream, filter);
                send_control(socket, Control::Subscribed { stream }).await
            }
            ClientFrame::Unsubscribe { stream, .. } => {
                self.streams.remove(&stream);
                send_control(socket, Control::Unsubscribed { stream }).await
            }
            ClientFrame::Resume { after, .. } => self.resume(socket, after).await,
            ClientFrame::Ping { .. } => send_control(socket, Control::Pong).await,
        }
        .map_err(|()| End::ClientLeft)
    }

    /// Segment and campaign names are marketing data: the roles that cannot open those pages
    /// cannot stream them either.
    fn forbidden(&self, stream: Stream) -> Option<&'static str> {
        let needs_marketing = matches!(stream, Stream::Segments | Stream::Campaigns);
        (needs_marketing && !self.user.sees_marketing())
            .then_some("this stream needs the segments and campaigns permission")
    }

    async fn resume(&mut self, socket: &mut WebSocket, after: u64) -> Result<(), ()> {
        let Some(missed) = self.state.hub.since(after) else {
            let reason = "the resume point is no longer held".to_owned();
            return send_control(socket, Control::Resync { reason }).await;
        };
        let mut replayed = 0;
        for item in missed {
            if self.wants(&item) {
                send_text(socket, item.json(self.read_pii)).await?;
                replayed += 1;
            }
            self.last_sent = self.last_sent.max(item.seq);
        }
        send_control(socket, Control::Resumed { replayed }).await
    }

    async fn on_hub(
        &mut self,
        socket: &mut WebSocket,
        item: Result<Arc<HubItem>, RecvError>,
    ) -> Result<(), End> {
        match item {
            Ok(item) if item.seq > self.last_sent => {
                self.last_sent = item.seq;
                if self.wants(&item) {
                    send_text(socket, item.json(self.read_pii))
                        .await
                        .map_err(|()| End::ClientLeft)?;
                }
                Ok(())
            }
            Ok(_) => Ok(()),
            Err(RecvError::Lagged(missed)) => send_control(socket, Control::Lagged { missed })
                .await
                .map_err(|()| End::ClientLeft),
            Err(RecvError::Closed) => Err(End::Close(close_code::AWAY, "the server is stopping")),
        }
    }

    fn wants(&self, item: &HubItem) -> bool {
        self.streams
            .get(&item.message.stream())
            .is_some_and(|filter| filter.admits(&item.message))
    }

    async fn recheck(&self) -> Result<(), End> {
        let users = Users::new(&self.state.db);
        let fresh = Session::new(
            self.session.id(),
            Arc::new(MongoSessionStore::new(&self.state.db)),
            None,
        );
        match signed_in_user(&users, &self.state.settings.auth, &fresh).await {
            Ok(Some(user)) if user.id == self.user.id && user.role == self.user.role => Ok(()),
            Ok(_) => Err(End::Close(
                close_code::POLICY,
                "signed out, or the role changed",
            )),
            // The database is away: keep the connection, the next check decides.
            Err(_) => Ok(()),
        }
    }
}

async fn refuse(socket: &mut WebSocket, field: &str, message: &str) -> Result<(), End> {
    let error = Control::Error {
        field: field.to_owned(),
        message: message.to_owned(),
    };
    send_control(socket, error)
        .await
        .map_err(|()| End::ClientLeft)
}

async fn send_control(socket: &mut WebSocket, control: Control) -> Result<(), ()> {
    let text = serde_json::to_string(&ControlFrame::new(control)).map_err(|_| ())?;
    send_text(socket, Utf8Bytes::from(text)).await
}

async fn send_text(socket: &mut WebSocket, text: Utf8Bytes) -> Result<(), ()> {
    socket.send(Message::Text(text)).await.map_err(|_| ())
}

async fn send(socket: &mut WebSocket, message: Message) -> Result<(), End> {
    socket.send(message).await.map_err(|_| End::ClientLeft)
}
