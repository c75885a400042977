//! `GET /v1/personalize/stream`: Server-Sent Events (EventSource reconnects by itself and works
//! through proxies that do not pass websockets). The first `personalization` event is sent at
//! once; after that one is sent whenever the document changes. Changes are noticed on the live
//! hub (events and segment entries of the visitor's profiles, on every instance when change
//! streams feed it), recomputed after a short settle, checked again a little later (the
//! recommendations of a product event are ranked just after it is stored) and every
//! [`POLL`] anyway (a trait an admin edited).
use super::{
    access::{Person, PersonQuery, Reader, checked, reader},
    document::{Content, build},
};
use crate::{
    error::AppError,
    model::live::LiveMessage,
    server::{AppState, live::hub::HubItem},
};
use axum::{
    extract::{Query, State},
    http::{HeaderMap, Uri},
    response::sse::{Event, KeepAlive, Sse},
};
use futures::Stream;
use mongodb::bson::oid::ObjectId;
use std::{collections::HashSet, convert::Infallible, sync::Arc, time::Duration};
use tokio::{
    sync::{OwnedSemaphorePermit, broadcast::error::RecvError, mpsc},
    time::Instant,
};

/// Wait after a change is noticed, so a burst is recomputed once.
const SETTLE: Duration = Duration::from_millis(20);
/// Wait for a visitor with no profile yet, for whom every event on the hub may be theirs.
const UNKNOWN_SETTLE: Duration = Duration::from_millis(250);
/// A second look after an event: what the event changes besides segments lands just after it.
const FOLLOW_UP: Duration = Duration::from_millis(400);
/// Recompute at least this often, for changes the hub does not carry.
const POLL: Duration = Duration::from_secs(15);

/// Opens the stream (401 before anything is sent when the credential may not read the person).
pub async fn stream(
    State(state): State<AppState>,
    Query(query): Query<PersonQuery>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let reader = reader(&state.ingest.sources, &headers, uri.query()).await?;
    let person = checked(&reader, &query)?;
    let permit = state
        .personalize
        .streams
        .clone()
        .try_acquire_owned()
        .map_err(|_| AppError::TooManyRequests { retry_after: 30 })?;
    // Subscribed before the first build, so nothing between the two is missed.
    let hub = state.hub.subscribe();
    let (document, ids) = build(&state, &reader, &person).await?;
    let (tx, rx) = mpsc::channel::<Event>(4);
    let first = event(&document);
    let watch = Watch {
        state,
        reader,
        person,
        last: document.content,
        ids: ids.into_iter().collect(),
    };
    tokio::spawn(watch.run(hub, tx.clone(), permit));
    let _ = tx.send(first).await;
    let events = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|e| (Ok::<_, Infallible>(e), rx))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

fn event(document: &super::document::Personalization) -> Event {
    Event::default()
        .event("personalization")
        .json_data(document)
        .unwrap_or_else(|_| Event::default().comment("unserialisable"))
}

struct Watch {
    state: AppState,
    reader: Reader,
    person: Person,
    last: Content,
    ids: HashSet<ObjectId>,
}

impl Watch {
    async fn run(
        mut self,
        mut hub: tokio::sync::broadcast::Receiver<Arc<HubItem>>,
        tx: mpsc::Sender<Event>,
        _permit: OwnedSemaphorePermit,
    ) {
        let mut settle: Option<Instant> = None;
        let mut follow_up: Option<Instant> = None;
        let mut poll = Instant::now() + POLL;
        loop {
            let due = [settle, follow_up, Some(poll)]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(poll);
            tokio::select! {
                received = hub.recv() => match received {
                    Ok(item) => {
                        if let Some(is_event) = self.concerns(&item.message) {
                            let wait = if self.ids.is_empty() { UNKNOWN_SETTLE } else { SETTLE };
                            settle.get_or_insert_with(|| Instant::now() + wait);
                            if is_event {
                                follow_up = Some(Instant::now() + FOLLOW_UP);
                            }
                        }
                    }
                    Err(RecvError::Lagged(_)) => {
                        settle.get_or_insert_with(|| Instant::now() + SETTLE);
                    }
                    Err(RecvError::Closed) => return,
                },
                _ = tokio::time::sleep_until(due) => {
                    let now = Instant::now();
                    if settle.is_some_and(|at| at <= now) { settle = None; }
                    if follow_up.is_some_and(|at| at <= now) { follow_up = None; }
                    poll = now + POLL;
                    if !self.push_if_changed(&tx).await {
                        return;
                    }
                }
                _ = tx.closed() => return,
            }
        }
    }

    /// `Some(is_event)` when `message` is about one of the visitor's profiles.
    fn concerns(&self, message: &LiveMessage) -> Option<bool> {
        let (profile, is_event) = match message {
            LiveMessage::Event(event) => (event.profile_id.as_deref()?, true),
            LiveMessage::SegmentTransition { profile_id, .. } => (profile_id.as_str(), false),
            _ => return None,
        };
        let id = ObjectId::parse_str(profile).ok()?;
        // A visitor seen for the first time has no profile yet: any event may be theirs.
        (self.ids.is_empty() || self.ids.contains(&id)).then_some(is_event)
    }

    /// Rebuilds the document and sends it when it changed; `false` once the client is gone.
    async fn push_if_changed(&mut self, tx: &mpsc::Sender<Event>) -> bool {
        let (document, ids) = match build(&self.state, &self.reader, &self.person).await {
            Ok(built) => built,
            Err(err) => {
                tracing::warn!(%err, "a personalization stream could not be refreshed");
                return !tx.is_closed();
            }
        };
        self.ids = ids.into_iter().collect();
        if document.content == self.last {
            return !tx.is_closed();
        }
        self.last = document.content.clone();
        tx.send(event(&document)).await.is_ok()
    }
}
