//! The live page's starting point, and what a lagging websocket client resyncs from.
use crate::{error::AppError, model::live::LiveSnapshot};
use leptos::prelude::*;

/// The chart series for a window of `window_minutes` (5, 15 or 60), the active profiles and
/// the newest events (masked per role), with the feed position to resume after.
#[server(endpoint = "live/snapshot")]
pub async fn get_live_snapshot(window_minutes: u32) -> Result<LiveSnapshot, AppError> {
    use crate::{
        model::{access::Permission, live::WINDOWS},
        server::{
            app_state,
            auth::current_user,
            live::{feed::unticked_since, hub::masked_event},
        },
    };
    if !WINDOWS.contains(&window_minutes) {
        return Err(AppError::invalid(
            "window_minutes",
            format!("must be one of {WINDOWS:?}"),
        ));
    }
    let read_pii = current_user()?.can(Permission::ReadPii);
    let hub = app_state()?.hub;
    let now = chrono::Utc::now();
    // The sequence number first: anything published after it is also delivered by the socket.
    let seq = hub.last_seq();
    let ticks_from = unticked_since(now);
    let (series, active_profiles, tail) = {
        let mut stats = hub.stats();
        let series = stats.series(window_minutes, now, ticks_from);
        (series, stats.active_profiles(now), stats.tail())
    };
    let tail = tail
        .iter()
        .map(|e| if read_pii { e.clone() } else { masked_event(e) })
        .collect();
    Ok(LiveSnapshot {
        seq,
        feed: hub.status().mode.to_owned(),
        series,
        active_profiles,
        tail,
        at: now,
        ticks_from,
    })
}
