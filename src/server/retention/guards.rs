//! What a retention rule may not break: events are kept at least as far back as every saved
//! segment's event conditions with property filters read them (those conditions count stored
//! events; plain ones read the counters on profiles, which stay).
use crate::{
    error::{AppError, FieldErrors},
    model::retention::{RetentionKind, RetentionSettings},
    server::db::segments::Segments,
};
use mongodb::Database;

/// Refuses `settings` when they would delete events a saved segment still reads.
pub async fn check(db: &Database, settings: &RetentionSettings) -> Result<(), AppError> {
    let days = settings.rule(RetentionKind::Events).days;
    if days == 0 {
        return Ok(());
    }
    let reaching = segments_reaching(db, days).await?;
    if reaching.is_empty() {
        return Ok(());
    }
    let mut errors = FieldErrors::new();
    errors.add("events_days", reaching_message(days, &reaching));
    errors.finish()
}

/// The saved segments (named, with how far back) whose event conditions with property filters
/// read events further back than `days`.
pub async fn segments_reaching(db: &Database, days: u32) -> Result<Vec<String>, AppError> {
    let mut reaching = Vec::new();
    for segment in Segments::new(db).all().await? {
        let Some(reach) = segment.rule.as_ref().and_then(|r| r.stored_event_reach()) else {
            continue;
        };
        match reach {
            None => reaching.push(format!("“{}” (all time)", segment.name)),
            Some(window) if window > days => {
                reaching.push(format!("“{}” ({window} days)", segment.name));
            }
            Some(_) => {}
        }
    }
    Ok(reaching)
}

/// Why events cannot be kept only `days` while `reaching` segments read further back.
pub fn reaching_message(days: u32, reaching: &[String]) -> String {
    format!(
        "Events: segments count events with property filters further back than {days} days: {}. Shorten their windows first, or keep events longer",
        reaching.join(", ")
    )
}
