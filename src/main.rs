//! The `enrich` server: Config::from_env → MongoDB → AppState → server::router() → serve.
use axum::serve::ListenerExt;
use clap::Parser;
use enrich::server::{
    self, AppState,
    cli::{self, Cli, Command},
    config::Config,
};
use leptos::prelude::get_configuration;
use std::process::ExitCode;
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,enrich=debug,tower_http=debug".into()),
        )
        .init();
    let config = Config::from_env();
    let outcome = match Cli::parse().command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await.map(|()| 0),
        Command::Import {
            source,
            file,
            mapping,
        } => cli::import(&config, source, file, mapping).await,
        Command::User { command } => cli::accounts::run(&config, command).await,
        Command::Keys { command } => cli::keys::run(&config, command).await,
        Command::Match { command } => cli::matching::run(&config, command).await,
        Command::Db { command } => cli::db_command(&config, command),
        Command::Seed {
            customers,
            events,
            seed,
        } => cli::seed(&config, customers, events, seed).await,
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            tracing::error!("{err}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> Result<(), String> {
    let leptos_options = get_configuration(Some(&config.leptos_config))
        .map_err(|e| format!("cannot read {}: {e}", config.leptos_config))?
        .leptos_options;
    let addr = leptos_options.site_addr;
    let db = cli::open_database(&config).await?;
    // The server's own rules (other commands may run with another environment).
    enrich::server::retention::ttl::sync_effective(&db, &config.settings.retention)
        .await
        .map_err(|e| format!("cannot bring the retention TTL indexes in line: {e}"))?;
    let keys = cli::load_keys(&config)?;
    let state = AppState::new(leptos_options, db, &config.settings, keys);
    bootstrap_admin(&state).await?;
    let recovered = state
        .ingest
        .graph
        .recover()
        .await
        .map_err(|e| format!("cannot finish interrupted merges: {e}"))?;
    if recovered > 0 {
        tracing::warn!(recovered, "finished merges interrupted by a crash");
    }
    if state.ingest.graph.profiles.count().await.unwrap_or(1) == 0 {
        tracing::info!(
            "the database is empty: load demo data from the dashboard, or run `enrich seed`"
        );
    }
    state.start();
    if let Some(addr) = &config.metrics_addr {
        serve_metrics(addr, state.clone()).await?;
    }
    let app = server::router(state);
    // No Nagle: small responses go out at once instead of waiting for the client's delayed ACK
    // (measured: 40 ms added to every static file).
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?
        .tap_io(|tcp| {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::warn!(%err, "cannot set TCP_NODELAY");
            }
        });
    tracing::info!(database = %config.database, "enrich listening on http://{addr}");
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| format!("server error: {e}"))?;
    tracing::info!("stopped");
    Ok(())
}

/// Serves `/metrics` on `addr`, apart from the app (so it need not be exposed with it).
async fn serve_metrics(addr: &str, state: AppState) -> Result<(), String> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| format!("ENRICH_METRICS_ADDR: cannot listen on {addr}: {e}"))?;
    tracing::info!("metrics on http://{addr}/metrics");
    let app = server::metrics::scrape::routes(state);
    tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, app).await {
            tracing::error!(%err, "the metrics listener stopped");
        }
    });
    Ok(())
}

/// The first admin from `ENRICH_ADMIN_EMAIL` / `ENRICH_ADMIN_PASSWORD` when there are no users.
async fn bootstrap_admin(state: &AppState) -> Result<(), String> {
    let users = server::db::users::Users::new(&state.db);
    let email = std::env::var("ENRICH_ADMIN_EMAIL").ok();
    let password = std::env::var("ENRICH_ADMIN_PASSWORD").ok();
    let created = server::auth::users::bootstrap_admin(&users, email.clone(), password)
        .await
        .map_err(|e| format!("cannot create the first admin: {e}"))?;
    if created {
        tracing::info!(email = email.unwrap_or_default(), "created the first admin");
    } else if users.count().await.unwrap_or(1) == 0 {
        tracing::warn!(
            "no users yet: run `enrich user add --email … --role admin`, or set \
             ENRICH_ADMIN_EMAIL and ENRICH_ADMIN_PASSWORD"
        );
    }
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM; in-flight requests then finish before the process exits.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! { () = ctrl_c => {}, () = terminate => {} }
    tracing::info!("shutting down");
}
