//! Every metric enrich exports, with its help text.
use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};

/// HTTP requests answered, by route group, method and status class.
pub const HTTP_REQUESTS: &str = "enrich_http_requests_total";
/// Time to answer an HTTP request, by route group.
pub const HTTP_DURATION: &str = "enrich_http_request_duration_seconds";
/// Tracking requests, by outcome (`accepted`, `refused`).
pub const INGEST_BATCHES: &str = "enrich_ingest_batches_total";
/// Tracking messages, by result (`accepted`, `duplicate`, `suppressed`).
pub const INGEST_MESSAGES: &str = "enrich_ingest_messages_total";
/// Identifiers not attached (a limit or an admin's separation).
pub const INGEST_REFUSED_IDENTIFIERS: &str = "enrich_ingest_refused_identifiers_total";
/// Database commands one accepted tracking request took.
pub const INGEST_BATCH_DB_COMMANDS: &str = "enrich_ingest_batch_db_commands";
/// Database commands sent, by command name.
pub const DB_COMMANDS: &str = "enrich_db_commands_total";
/// Work waiting, by queue (sampled when scraped, or kept by the process for in-memory queues).
pub const QUEUE_DEPTH: &str = "enrich_queue_depth";
/// Websocket clients connected to this instance's live page feed.
pub const WEBSOCKET_CLIENTS: &str = "enrich_websocket_clients";
/// Age of the last change-stream event this instance read, by collection.
pub const CHANGE_STREAM_LAG: &str = "enrich_change_stream_lag_seconds";
/// Campaign messages settled, by channel and outcome.
pub const CAMPAIGN_SENDS: &str = "enrich_campaign_sends_total";
/// Time to compute a segment's members from its rule.
pub const SEGMENT_RECOMPUTE: &str = "enrich_segment_recompute_seconds";
/// Imports running on this instance.
pub const IMPORTS_RUNNING: &str = "enrich_imports_running";
/// Rows of running imports not yet processed.
pub const IMPORT_ROWS_REMAINING: &str = "enrich_import_rows_remaining";
/// Import rows processed, by result (`imported`, `duplicate`, `rejected`).
pub const IMPORT_ROWS: &str = "enrich_import_rows_total";

/// Time a task waited for the identity lease (other tasks or other instances holding it).
pub const IDENTITY_LEASE_WAIT: &str = "enrich_identity_lease_wait_seconds";

/// Every name above, for the dashboard check.
pub const ALL: &[&str] = &[
    HTTP_REQUESTS,
    HTTP_DURATION,
    INGEST_BATCHES,
    INGEST_MESSAGES,
    INGEST_REFUSED_IDENTIFIERS,
    INGEST_BATCH_DB_COMMANDS,
    DB_COMMANDS,
    QUEUE_DEPTH,
    WEBSOCKET_CLIENTS,
    CHANGE_STREAM_LAG,
    CAMPAIGN_SENDS,
    SEGMENT_RECOMPUTE,
    IMPORTS_RUNNING,
    IMPORT_ROWS_REMAINING,
    IMPORT_ROWS,
    IDENTITY_LEASE_WAIT,
];

/// Registers help texts and units (shown as `# HELP` lines).
pub(super) fn describe() {
    describe_counter!(HTTP_REQUESTS, "HTTP requests answered");
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time to answer an HTTP request"
    );
    describe_counter!(INGEST_BATCHES, "Tracking requests by outcome");
    describe_counter!(INGEST_MESSAGES, "Tracking messages by result");
    describe_counter!(INGEST_REFUSED_IDENTIFIERS, "Identifiers not attached");
    describe_histogram!(
        INGEST_BATCH_DB_COMMANDS,
        Unit::Count,
        "Database commands per accepted tracking request"
    );
    describe_counter!(DB_COMMANDS, "Database commands sent");
    describe_gauge!(QUEUE_DEPTH, Unit::Count, "Work waiting, by queue");
    describe_gauge!(
        WEBSOCKET_CLIENTS,
        Unit::Count,
        "Live page websocket clients"
    );
    describe_gauge!(
        CHANGE_STREAM_LAG,
        Unit::Seconds,
        "Age of the last change-stream event read"
    );
    describe_counter!(CAMPAIGN_SENDS, "Campaign messages settled");
    describe_histogram!(SEGMENT_RECOMPUTE, Unit::Seconds, "Segment computation time");
    describe_gauge!(IMPORTS_RUNNING, Unit::Count, "Imports running");
    describe_gauge!(
        IMPORT_ROWS_REMAINING,
        Unit::Count,
        "Rows of running imports left"
    );
    describe_counter!(IMPORT_ROWS, "Import rows processed");
    describe_histogram!(
        IDENTITY_LEASE_WAIT,
        Unit::Seconds,
        "Wait for the identity lease"
    );
}
