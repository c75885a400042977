//! The editor's form into a definition: every field parsed, each error naming its form field.
use crate::{
    error::{AppError, FieldErrors},
    model::{
        campaign::{
            CampaignDefinition, Channel, ConversionGoal, FrequencyCap, GoalFilter, Schedule,
            Variant,
        },
        campaign_form::CampaignForm,
    },
};
use chrono::{NaiveDateTime, TimeZone, Utc};

fn number<T: std::str::FromStr>(field: &str, text: &str, rule: &str) -> Result<T, AppError> {
    text.trim()
        .parse()
        .map_err(|_| AppError::invalid(field, rule))
}

/// The definition `form` describes (not yet checked against stored segments and templates);
/// every unreadable field at once, in plain words.
pub fn definition(form: &CampaignForm) -> Result<CampaignDefinition, AppError> {
    let (definition, errors) = parse(form);
    errors.finish()?;
    Ok(definition)
}

/// The definition `form` describes, unreadable fields left at their defaults, and what was
/// unreadable (so the save can report it together with every other problem).
pub fn parse(form: &CampaignForm) -> (CampaignDefinition, FieldErrors) {
    let mut errors = FieldErrors::new();
    let channel = Channel::parse(&form.channel).ok_or_else(|| {
        AppError::invalid(
            "channel",
            "Channel must be email, webhook or in-app message",
        )
    });
    let holdout = if form.holdout.trim().is_empty() {
        Some(0)
    } else {
        let rule = "Holdout must be a whole percent from 0 to 50";
        errors.check("holdout", number("holdout", &form.holdout, rule))
    };
    let definition = CampaignDefinition {
        name: form.name.clone(),
        goal: form.goal.clone(),
        include: clean(&form.include),
        exclude: clean(&form.exclude),
        channel: errors.check("channel", channel).unwrap_or(Channel::Email),
        consent_purpose: form.consent_purpose.clone(),
        variants: errors
            .check("split_a", variants(form))
            .unwrap_or_else(|| only_a(form)),
        holdout_percent: holdout.unwrap_or(0),
        schedule: errors
            .check("schedule", schedule(form))
            .unwrap_or(Schedule::Now),
        conversion: errors.check("goal_days", conversion(form)).flatten(),
        frequency_cap: errors.check("cap_max", cap(form)).flatten(),
    };
    (definition, errors)
}

fn clean(ids: &[String]) -> Vec<String> {
    let mut out: Vec<String> = ids
        .iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    out.dedup();
    out
}

/// Variant A alone, to check the rest of a form whose split is unreadable.
fn only_a(form: &CampaignForm) -> Vec<Variant> {
    vec![Variant {
        key: "A".into(),
        split: 100,
        subject: form.a_subject.clone(),
        body: form.a_body.clone(),
    }]
}

fn variants(form: &CampaignForm) -> Result<Vec<Variant>, AppError> {
    let variant = |key: &str, split, subject: &str, body: &str| Variant {
        key: key.to_owned(),
        split,
        subject: subject.to_owned(),
        body: body.to_owned(),
    };
    let has_b = !form.b_subject.trim().is_empty() || !form.b_body.trim().is_empty();
    if !has_b {
        return Ok(vec![variant("A", 100, &form.a_subject, &form.a_body)]);
    }
    let split: u8 = if form.split_a.trim().is_empty() {
        50
    } else {
        number(
            "split_a",
            &form.split_a,
            "Share getting A must be a whole percent from 1 to 99",
        )?
    };
    if !(1..=99).contains(&split) {
        return Err(AppError::invalid(
            "split_a",
            "Share getting A must be a whole percent from 1 to 99",
        ));
    }
    Ok(vec![
        variant("A", split, &form.a_subject, &form.a_body),
        variant("B", 100 - split, &form.b_subject, &form.b_body),
    ])
}

fn schedule(form: &CampaignForm) -> Result<Schedule, AppError> {
    match form.schedule.trim() {
        "" | "now" => Ok(Schedule::Now),
        "at" => {
            let local = NaiveDateTime::parse_from_str(form.send_at.trim(), "%Y-%m-%dT%H:%M")
                .map_err(|_| AppError::invalid("send_at", "Send at must be a date and time"))?;
            let zone_name = if form.send_at_zone.trim().is_empty() {
                "UTC"
            } else {
                form.send_at_zone.trim()
            };
            let zone = super::quiet::zone(zone_name).ok_or_else(|| {
                AppError::invalid(
                    "send_at_zone",
                    "Send-at time zone must be a time zone from the list",
                )
            })?;
            let at = zone.from_local_datetime(&local).earliest().ok_or_else(|| {
                AppError::invalid(
                    "send_at",
                    "Send at does not exist in that time zone (the clocks change then)",
                )
            })?;
            Ok(Schedule::At {
                at: at.with_timezone(&Utc),
            })
        }
        "recurring" => Ok(Schedule::Recurring {
            cron: form.cron.trim().to_owned(),
            timezone: if form.timezone.trim().is_empty() {
                "UTC".into()
            } else {
                form.timezone.trim().to_owned()
            },
        }),
        "triggered" => {
            let segment = form.trigger_segment.trim();
            if segment.is_empty() {
                return Err(AppError::invalid(
                    "trigger_segment",
                    "Choose the segment whose entries trigger a send",
                ));
            }
            Ok(Schedule::Triggered {
                segment_id: segment.to_owned(),
            })
        }
        _ => Err(AppError::invalid(
            "schedule",
            "Choose when the campaign sends",
        )),
    }
}

fn conversion(form: &CampaignForm) -> Result<Option<ConversionGoal>, AppError> {
    if form.goal_event.trim().is_empty() {
        return Ok(None);
    }
    let window_days = if form.goal_days.trim().is_empty() {
        7
    } else {
        number(
            "goal_days",
            &form.goal_days,
            "Within (days) must be a whole number of days from 1 to 90",
        )?
    };
    let filters = if form.goal_property.trim().is_empty() {
        Vec::new()
    } else {
        vec![GoalFilter {
            property: form.goal_property.trim().to_owned(),
            value: form.goal_value.trim().to_owned(),
        }]
    };
    Ok(Some(ConversionGoal {
        event: form.goal_event.trim().to_owned(),
        filters,
        window_days,
    }))
}

fn cap(form: &CampaignForm) -> Result<Option<FrequencyCap>, AppError> {
    if form.cap_max.trim().is_empty() && form.cap_days.trim().is_empty() {
        return Ok(None);
    }
    Ok(Some(FrequencyCap {
        max: number(
            "cap_max",
            &form.cap_max,
            "At most (messages) must be a whole number",
        )?,
        days: number(
            "cap_days",
            &form.cap_days,
            "Per (days) must be a whole number",
        )?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> CampaignForm {
        CampaignForm {
            name: "Winter sale".into(),
            channel: "email".into(),
            include: vec!["65f000000000000000000001".into()],
            a_subject: "Hi".into(),
            a_body: "Body".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_form_round_trips_through_a_definition() {
        let mut f = form();
        f.b_subject = "Hey".into();
        f.b_body = "Other".into();
        f.split_a = "30".into();
        f.schedule = "at".into();
        f.send_at = "2027-01-15T09:00".into();
        f.send_at_zone = "Europe/Paris".into();
        f.goal_event = "Order Completed".into();
        let d = definition(&f).unwrap();
        assert_eq!(
            d.variants.iter().map(|v| v.split).collect::<Vec<_>>(),
            vec![30, 70]
        );
        assert_eq!(
            d.schedule,
            Schedule::At {
                at: "2027-01-15T08:00:00Z".parse().unwrap()
            }
        );
        assert_eq!(d.conversion.as_ref().unwrap().window_days, 7);
        let back = CampaignForm::from_definition(&d);
        assert_eq!(back.split_a, "30");
        assert_eq!(back.send_at, "2027-01-15T08:00");
    }

    #[test]
    fn errors_name_the_form_field() {
        let field = |f: CampaignForm| match definition(&f) {
            Err(AppError::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(CampaignForm {
                channel: "fax".into(),
                ..form()
            }),
            "channel"
        );
        assert_eq!(
            field(CampaignForm {
                b_body: "x".into(),
                split_a: "100".into(),
                ..form()
            }),
            "split_a"
        );
        assert_eq!(
            field(CampaignForm {
                schedule: "at".into(),
                send_at: "tomorrow".into(),
                ..form()
            }),
            "send_at"
        );
        assert_eq!(
            field(CampaignForm {
                schedule: "triggered".into(),
                ..form()
            }),
            "trigger_segment"
        );
        assert_eq!(
            field(CampaignForm {
                cap_max: "x".into(),
                cap_days: "7".into(),
                ..form()
            }),
            "cap_max"
        );
    }
}
