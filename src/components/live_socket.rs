//! The browser's end of `/ws/live`: connects after hydration, subscribes, reconnects with
//! exponential backoff and jitter, resumes after the last sequence number it saw, and asks for
//! a fresh snapshot when the server says it lagged or cannot replay. Nothing runs on the server.
use crate::model::live::{ServerFrame, Stream, StreamFilter};
use leptos::prelude::*;

/// The connection as the status badge shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    /// Not yet open (and always, without JavaScript).
    Connecting,
    /// Open and subscribed.
    Live,
    /// Closed; trying again shortly.
    Retrying,
}

impl Connection {
    /// The badge text.
    pub fn label(self) -> &'static str {
        match self {
            Connection::Connecting => "Connecting…",
            Connection::Live => "Live",
            Connection::Retrying => "Reconnecting…",
        }
    }
}

/// Opens the live socket once the page has hydrated and hands every frame to `on_frame`,
/// starting with what was published after `resume_from` (the snapshot the page shows).
/// Returns the connection state.
pub fn use_live_socket(
    subscriptions: Vec<(Stream, StreamFilter)>,
    resume_from: Option<u64>,
    on_frame: impl Fn(ServerFrame) + 'static,
) -> ReadSignal<Connection> {
    let (state, set_state) = signal(Connection::Connecting);
    #[cfg(feature = "hydrate")]
    {
        let on_frame = std::rc::Rc::new(on_frame);
        Effect::new(move |started: Option<()>| {
            if started.is_none() {
                client::start(
                    subscriptions.clone(),
                    resume_from,
                    on_frame.clone(),
                    set_state,
                );
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (subscriptions, resume_from, on_frame, set_state);
    state
}

#[cfg(feature = "hydrate")]
mod client {
    use super::Connection;
    use crate::model::live::{ClientFrame, PROTOCOL, ServerFrame, Stream, StreamFilter};
    use leptos::prelude::*;
    use send_wrapper::SendWrapper;
    use std::{
        cell::{Cell, RefCell},
        rc::Rc,
        time::Duration,
    };
    use wasm_bindgen::{JsCast, closure::Closure};
    use web_sys::{CloseEvent, MessageEvent, WebSocket};

    /// First retry delay; doubled per failed attempt up to [`MAX_DELAY`].
    const FIRST_DELAY: Duration = Duration::from_millis(500);
    const MAX_DELAY: Duration = Duration::from_secs(30);

    struct Client {
        subscriptions: Vec<(Stream, StreamFilter)>,
        on_frame: Rc<dyn Fn(ServerFrame)>,
        state: WriteSignal<Connection>,
        last_seq: Cell<Option<u64>>,
        attempt: Cell<u32>,
        stopped: Cell<bool>,
        socket: RefCell<Option<WebSocket>>,
        #[expect(clippy::type_complexity, reason = "the three handlers of one socket")]
        handlers: RefCell<
            Option<(
                Closure<dyn Fn()>,
                Closure<dyn Fn(MessageEvent)>,
                Closure<dyn Fn(CloseEvent)>,
            )>,
        >,
    }

    pub fn start(
        subscriptions: Vec<(Stream, StreamFilter)>,
        resume_from: Option<u64>,
        on_frame: Rc<dyn Fn(ServerFrame)>,
        state: WriteSignal<Connection>,
    ) {
        let client = Rc::new(Client {
            subscriptions,
            on_frame,
            state,
            last_seq: Cell::new(resume_from),
            attempt: Cell::new(0),
            stopped: Cell::new(false),
            socket: RefCell::new(None),
            handlers: RefCell::new(None),
        });
        open(&client);
        let on_leave = SendWrapper::new(client);
        on_cleanup(move || {
            on_leave.stopped.set(true);
            if let Some(socket) = on_leave.socket.borrow_mut().take() {
                let _ = socket.close_with_code(1000);
            }
        });
    }

    fn url() -> Option<String> {
        let location = window().location();
        let scheme = if location.protocol().ok()? == "https:" {
            "wss"
        } else {
            "ws"
        };
        Some(format!("{scheme}://{}/ws/live", location.host().ok()?))
    }

    fn open(client: &Rc<Client>) {
        let Some(socket) = url().and_then(|url| WebSocket::new(&url).ok()) else {
            return retry_later(client);
        };
        let on_open = {
            let client = client.clone();
            Closure::<dyn Fn()>::new(move || on_open(&client))
        };
        let on_message = {
            let client = client.clone();
            Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| on_message(&client, e))
        };
        let on_close = {
            let client = client.clone();
            Closure::<dyn Fn(CloseEvent)>::new(move |_: CloseEvent| on_close(&client))
        };
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        *client.handlers.borrow_mut() = Some((on_open, on_message, on_close));
        *client.socket.borrow_mut() = Some(socket);
    }

    fn send(client: &Client, frame: &ClientFrame) {
        if let (Some(socket), Ok(text)) = (&*client.socket.borrow(), serde_json::to_string(frame)) {
            let _ = socket.send_with_str(&text);
        }
    }

    fn on_open(client: &Rc<Client>) {
        client.attempt.set(0);
        for (stream, filter) in &client.subscriptions {
            let frame = ClientFrame::Subscribe {
                v: PROTOCOL,
                stream: *stream,
                filter: filter.clone(),
            };
            send(client, &frame);
        }
        if let Some(after) = client.last_seq.get() {
            send(client, &ClientFrame::Resume { v: PROTOCOL, after });
        }
        client.state.set(Connection::Live);
    }

    fn on_message(client: &Rc<Client>, event: MessageEvent) {
        let Some(text) = event.data().as_string() else {
            return;
        };
        let Ok(frame) = serde_json::from_str::<ServerFrame>(&text) else {
            return;
        };
        if let ServerFrame::Live(live) = &frame {
            client.last_seq.set(Some(live.seq));
        }
        (client.on_frame)(frame);
    }

    fn on_close(client: &Rc<Client>) {
        client.socket.borrow_mut().take();
        if !client.stopped.get() {
            retry_later(client);
        }
    }

    fn retry_later(client: &Rc<Client>) {
        client.state.set(Connection::Retrying);
        let attempt = client.attempt.get();
        client.attempt.set(attempt.saturating_add(1));
        let backoff = FIRST_DELAY
            .saturating_mul(1 << attempt.min(6))
            .min(MAX_DELAY);
        // Jitter, so a restarted server is not met by every browser in the same instant.
        let delay = backoff.mul_f64(0.5 + js_sys::Math::random() / 2.0);
        let client = client.clone();
        set_timeout(
            move || {
                if !client.stopped.get() {
                    open(&client);
                }
            },
            delay,
        );
    }
}
