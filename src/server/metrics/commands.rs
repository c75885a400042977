//! Database commands, counted per command name and per unit of work (a tracking request).
//!
//! The driver calls its command handler synchronously in the task that sent the command, so a
//! task-local counter scoped around a unit of work sees exactly that work's commands.
use metrics::counter;
use mongodb::event::{EventHandler, command::CommandEvent};
use std::{cell::Cell, future::Future};

tokio::task_local! {
    static IN_SCOPE: Cell<u64>;
}

/// The handler [`crate::server::db::connect`] gives the driver.
pub fn handler() -> EventHandler<CommandEvent> {
    EventHandler::callback(|event| {
        if let CommandEvent::Started(started) = event {
            counter!(super::names::DB_COMMANDS, "command" => started.command_name).increment(1);
            let _ = IN_SCOPE.try_with(|count| count.set(count.get() + 1));
        }
    })
}

/// Runs `work` and returns its output with the database commands it sent.
pub async fn counted<F: Future>(work: F) -> (F::Output, u64) {
    IN_SCOPE
        .scope(Cell::new(0), async {
            let output = work.await;
            (output, IN_SCOPE.with(Cell::get))
        })
        .await
}
