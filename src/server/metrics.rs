//! Operations metrics in Prometheus text format: what the process counts (requests, ingest,
//! database commands, campaign sends, segment computations, imports, websocket clients,
//! change-stream lag) and what `/metrics` samples from the database when scraped (queue depths).
//!
//! One recorder per process (the `metrics` crate's global), installed by [`install`]; every
//! metric name is a constant in [`names`] so the Grafana dashboard (`docs/grafana-dashboard.json`)
//! and the code cannot drift apart silently (a unit test reads the dashboard).
pub mod commands;
pub mod http;
pub mod names;
pub mod scrape;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Latency buckets (seconds): from a cached page to a slow import chunk.
const SECONDS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 120.0,
];
/// Buckets for database commands per ingest batch (a batch should stay in single digits).
const COMMANDS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

/// Installs this process's recorder (once; later calls return the same handle).
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS)
            .and_then(|b| {
                b.set_buckets_for_metric(
                    Matcher::Full(names::INGEST_BATCH_DB_COMMANDS.into()),
                    COMMANDS,
                )
            })
            .expect("bucket lists are not empty");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics will be empty");
        }
        names::describe();
        handle
    })
}

/// The text `/metrics` answers: everything recorded so far.
pub fn render() -> String {
    let handle = install();
    handle.run_upkeep();
    handle.render()
}

/// Adds `amount` to a gauge for as long as it is held: a connection, a running job.
#[must_use = "the gauge goes back down when this is dropped"]
pub struct Held {
    gauge: metrics::Gauge,
    amount: f64,
}

impl Held {
    /// Raises `gauge` by `amount` until dropped.
    pub fn new(gauge: metrics::Gauge, amount: f64) -> Self {
        gauge.increment(amount);
        Self { gauge, amount }
    }

    /// Takes `done` off what is held (work finished before the end).
    pub fn release(&mut self, done: f64) {
        let done = done.min(self.amount);
        self.gauge.decrement(done);
        self.amount -= done;
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.gauge.decrement(self.amount);
    }
}

#[cfg(test)]
mod tests {
    use super::names::ALL;

    #[test]
    fn the_grafana_dashboard_charts_every_metric() {
        let dashboard = include_str!("../../docs/grafana-dashboard.json");
        let parsed: serde_json::Value = serde_json::from_str(dashboard).expect("valid JSON");
        let queries: Vec<&str> = parsed["panels"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["targets"].as_array().unwrap())
            .map(|t| t["expr"].as_str().unwrap())
            .collect();
        for name in ALL {
            assert!(
                queries.iter().any(|q| q.contains(name)),
                "no dashboard panel shows {name}"
            );
        }
    }

    #[test]
    fn the_readme_documents_the_metrics_listener() {
        let readme = include_str!("../../README.md");
        assert!(readme.contains("ENRICH_METRICS_ADDR"));
        assert!(readme.contains("docs/grafana-dashboard.json"));
    }
}
