//! Counting the database commands a benchmark's requests send, by command name, with the
//! driver's command monitoring. Only commands sent while a request is being answered count
//! (the server's router is wrapped in [`on_request_path`]): background work is left out.
use axum::{Router, extract::Request, middleware::Next};
use mongodb::{
    Client, Database,
    event::{EventHandler, command::CommandEvent},
    options::{ClientOptions, DatabaseOptions, WriteConcern},
};
use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
};

tokio::task_local! {
    static ON_REQUEST_PATH: ();
}

/// Commands counted so far, by name.
#[derive(Clone, Default)]
pub struct CommandCounts(Arc<Mutex<BTreeMap<String, u64>>>);

impl CommandCounts {
    /// The counts now.
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.0.lock().expect("counts lock").clone()
    }

    /// The commands counted since `earlier`, per `requests`, as "find 3.0 · update 2.0 · …
    /// (total 5.0)".
    pub fn per_request_since(&self, earlier: &BTreeMap<String, u64>, requests: usize) -> String {
        let now = self.snapshot();
        let per = |n: u64| n as f64 / requests.max(1) as f64;
        let mut total = 0;
        let mut parts = Vec::new();
        for (name, count) in &now {
            let delta = count - earlier.get(name).copied().unwrap_or(0);
            if delta > 0 {
                total += delta;
                parts.push(format!("{name} {:.1}", per(delta)));
            }
        }
        format!("{:.1} ({})", per(total), parts.join(" · "))
    }
}

/// A database handle like the app's (journaled writes) whose commands are counted while a
/// request wrapped by [`on_request_path`] is being answered.
pub async fn counted_db(uri: &str, name: &str) -> (Database, CommandCounts) {
    let counts = CommandCounts::default();
    let mut options = ClientOptions::parse(uri).await.expect("a MongoDB URI");
    let sink = counts.clone();
    options.command_event_handler = Some(EventHandler::callback(move |event| {
        if let CommandEvent::Started(started) = event
            && ON_REQUEST_PATH.try_with(|_| ()).is_ok()
        {
            let mut counts = sink.0.lock().expect("counts lock");
            *counts.entry(started.command_name).or_default() += 1;
        }
    }));
    let client = Client::with_options(options).expect("a client");
    let concern = WriteConcern::builder().journal(true).build();
    let db = client.database_with_options(
        name,
        DatabaseOptions::builder().write_concern(concern).build(),
    );
    (db, counts)
}

/// `router` with every request answered inside the scope whose commands are counted.
pub fn on_request_path(router: Router) -> Router {
    router.layer(axum::middleware::from_fn(
        |request: Request, next: Next| async move {
            ON_REQUEST_PATH.scope((), next.run(request)).await
        },
    ))
}
