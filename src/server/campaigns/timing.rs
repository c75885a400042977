//! When scheduled and recurring campaigns run: the next occurrence of a five-field cron
//! expression in the campaign's time zone (croner and chrono-tz do the calendar work).
use crate::{error::AppError, model::campaign::Schedule};
use chrono::{DateTime, Utc};
use croner::Cron;
use std::str::FromStr;

/// The parsed expression, or an error naming `schedule.cron`.
pub fn parse_cron(expression: &str) -> Result<Cron, AppError> {
    let fields = expression.split_whitespace().count();
    if fields != 5 {
        return Err(AppError::invalid(
            "schedule.cron",
            format!("must have five fields (minute hour day month weekday), not {fields}"),
        ));
    }
    Cron::from_str(expression.trim())
        .map_err(|e| AppError::invalid("schedule.cron", format!("is not a cron expression: {e}")))
}

/// The first run strictly after `after`; `None` for schedules that do not run by the clock
/// (now, triggered) or once `at` has been run.
pub fn next_run(
    schedule: &Schedule,
    after: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, AppError> {
    match schedule {
        Schedule::Now | Schedule::Triggered { .. } => Ok(None),
        Schedule::At { at } => Ok((*at > after).then_some(*at)),
        Schedule::Recurring { cron, timezone } => {
            let zone = super::quiet::zone(timezone).ok_or_else(|| {
                AppError::invalid(
                    "schedule.timezone",
                    "is not a known time zone (e.g. Europe/Paris)",
                )
            })?;
            let next = parse_cron(cron)?
                .find_next_occurrence(&after.with_timezone(&zone), false)
                .map_err(|e| AppError::invalid("schedule.cron", format!("never fires: {e}")))?;
            Ok(Some(next.with_timezone(&Utc)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn recurring_runs_follow_the_campaigns_zone_across_daylight_saving() {
        let weekly = Schedule::Recurring {
            cron: "0 9 * * MON".into(),
            timezone: "Europe/Paris".into(),
        };
        // Monday 30 March 2026, 09:00 in Paris is 07:00 UTC (summer time began on the 29th).
        let next = next_run(&weekly, utc("2026-03-25T12:00:00Z")).unwrap();
        assert_eq!(next, Some(utc("2026-03-30T07:00:00Z")));
        // In winter 09:00 Paris is 08:00 UTC.
        let next = next_run(&weekly, utc("2026-11-25T12:00:00Z")).unwrap();
        assert_eq!(next, Some(utc("2026-11-30T08:00:00Z")));
    }

    #[test]
    fn bad_expressions_and_zones_name_their_field() {
        let bad = |cron: &str, zone: &str| {
            let schedule = Schedule::Recurring {
                cron: cron.into(),
                timezone: zone.into(),
            };
            match next_run(&schedule, Utc::now()) {
                Err(AppError::Invalid { field, .. }) => field,
                other => panic!("{cron} {zone}: {other:?}"),
            }
        };
        assert_eq!(bad("0 9 * *", "UTC"), "schedule.cron");
        assert_eq!(bad("0 25 * * *", "UTC"), "schedule.cron");
        assert_eq!(bad("0 9 * * *", "Nowhere/City"), "schedule.timezone");
        let at = utc("2026-01-01T00:00:00Z");
        assert_eq!(
            next_run(&Schedule::At { at }, utc("2026-06-01T00:00:00Z")).unwrap(),
            None
        );
    }
}
