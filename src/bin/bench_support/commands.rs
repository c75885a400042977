//! Counting the database commands a benchmark's requests send, by command name, and the time
//! they took, with the driver's command monitoring. Only commands sent while a request is being answered count
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

/// Commands counted so far, by name: how many, and their total time in milliseconds.
#[derive(Clone, Default)]
pub struct CommandCounts(Arc<Mutex<BTreeMap<String, (u64, f64)>>>);

/// Commands started and not yet answered: request id → "command collection".
type InFlight = Arc<Mutex<std::collections::HashMap<i32, String>>>;

impl CommandCounts {
    /// The counts now.
    pub fn snapshot(&self) -> BTreeMap<String, (u64, f64)> {
        self.0.lock().expect("counts lock").clone()
    }

    /// The commands counted since `earlier`, per `requests`, with the server's time for them:
    /// "5.0 (find 3.0 in 1.2 ms · update 2.0 in 3.4 ms)".
    pub fn per_request_since(
        &self,
        earlier: &BTreeMap<String, (u64, f64)>,
        requests: usize,
    ) -> String {
        let now = self.snapshot();
        let per = |n: f64| n / requests.max(1) as f64;
        let mut total = 0;
        let mut parts = Vec::new();
        for (name, (count, millis)) in &now {
            let (count_before, millis_before) = earlier.get(name).copied().unwrap_or_default();
            let delta = count - count_before;
            if delta > 0 {
                total += delta;
                let time = per(millis - millis_before);
                parts.push(format!("{name} {:.1} in {time:.1} ms", per(delta as f64)));
            }
        }
        format!("{:.1} ({})", per(total as f64), parts.join(" · "))
    }
}

/// A database handle like the app's (journaled writes) whose commands are counted while a
/// request wrapped by [`on_request_path`] is being answered.
pub async fn counted_db(uri: &str, name: &str) -> (Database, CommandCounts) {
    let counts = CommandCounts::default();
    let mut options = ClientOptions::parse(uri).await.expect("a MongoDB URI");
    let sink = counts.clone();
    let in_flight = InFlight::default();
    options.command_event_handler = Some(EventHandler::callback(move |event| {
        if ON_REQUEST_PATH.try_with(|_| ()).is_err() {
            return;
        }
        let mut started = in_flight.lock().expect("in-flight lock");
        let (request, duration) = match event {
            CommandEvent::Started(event) => {
                let collection = event.command.get_str(&event.command_name).unwrap_or("");
                let name = format!("{} {collection}", event.command_name);
                started.insert(event.request_id, name);
                return;
            }
            CommandEvent::Succeeded(done) => (done.request_id, done.duration),
            CommandEvent::Failed(failed) => (failed.request_id, failed.duration),
            _ => return,
        };
        let name = started.remove(&request).unwrap_or_default();
        let mut counts = sink.0.lock().expect("counts lock");
        let entry = counts.entry(name).or_default();
        entry.0 += 1;
        entry.1 += duration.as_secs_f64() * 1000.0;
    }));
    let client = Client::with_options(options).expect("a client");
    let concern = WriteConcern::builder().journal(true).build();
    let db = client.database_with_options(
        name,
        DatabaseOptions::builder().write_concern(concern).build(),
    );
    (db, counts)
}

/// Runs `work` inside the scope whose commands are counted (a job rather than a request).
#[allow(dead_code)] // Used by the benchmarks that count a job; the others count requests.
pub async fn counting<F: std::future::Future>(work: F) -> F::Output {
    ON_REQUEST_PATH.scope((), work).await
}

/// `router` with every request answered inside the scope whose commands are counted.
#[allow(dead_code)] // Used by the benchmarks that count requests; the others count a job.
pub fn on_request_path(router: Router) -> Router {
    router.layer(axum::middleware::from_fn(
        |request: Request, next: Next| async move {
            ON_REQUEST_PATH.scope((), next.run(request)).await
        },
    ))
}
