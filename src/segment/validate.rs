//! Checking a rule against the field catalog before it is lowered: paths only from the catalog,
//! tests that fit the field's type, sane values and limits. Errors name the place in the tree
//! (`rule.rules[1].test`) and the rule broken.
use super::{
    ast::{EventCondition, Rule, Scalar, ValueTest},
    filter::MAX_ANNIVERSARY_DAYS,
    types::{ValueKind, applies_to, kinds_needed},
};
use crate::error::AppError;
use std::collections::{BTreeMap, BTreeSet};

/// Most conditions in one rule.
pub const MAX_CONDITIONS: usize = 100;
/// Deepest group nesting.
pub const MAX_DEPTH: usize = 8;
/// Most values in one list test.
pub const MAX_LIST_VALUES: usize = 500;
/// Longest text value, in characters.
pub const MAX_TEXT_CHARS: usize = 500;
/// Longest event window / relative span, in days.
pub const MAX_DAYS: u32 = 3_650;

/// What rules may refer to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vocabulary {
    /// Trait paths (`traits.plan`) with their catalog types.
    pub traits: BTreeMap<String, Vec<String>>,
    /// Computed trait names with the types of their values.
    pub computed: BTreeMap<String, Vec<String>>,
    /// Event names with their property paths (`properties.total`) and types.
    pub events: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// Consent purposes.
    pub purposes: BTreeSet<String>,
    /// Identifier kinds.
    pub identity_kinds: BTreeSet<String>,
    /// Ids of the segments that exist (hex).
    pub segments: BTreeSet<String>,
    /// Days of daily counters kept: the longest window a plain event condition may use.
    pub counter_days: u32,
    /// Days events are kept (`None`: forever): the longest window a condition with property
    /// filters, which reads stored events, may use.
    pub events_days: Option<u32>,
}

/// Checks `rule` against `vocabulary`.
pub fn validate(rule: &Rule, vocabulary: &Vocabulary) -> Result<(), AppError> {
    if rule.condition_count() > MAX_CONDITIONS {
        return Err(AppError::invalid(
            "rule",
            format!("must have at most {MAX_CONDITIONS} conditions"),
        ));
    }
    if rule.depth() > MAX_DEPTH {
        return Err(AppError::invalid(
            "rule",
            format!("must nest groups at most {MAX_DEPTH} deep"),
        ));
    }
    check(rule, "rule", vocabulary)
}

fn check(rule: &Rule, at: &str, vocabulary: &Vocabulary) -> Result<(), AppError> {
    match rule {
        Rule::Group { rules, .. } => rules
            .iter()
            .enumerate()
            .try_for_each(|(i, r)| check(r, &format!("{at}.rules[{i}]"), vocabulary)),
        Rule::Trait { path, test } => {
            let types = vocabulary.traits.get(path).ok_or_else(|| {
                AppError::invalid(&format!("{at}.path"), "is not a catalogued trait")
            })?;
            check_test(test, types, &format!("{at}.test"), true)
        }
        Rule::Computed { name, test } => {
            let types = vocabulary.computed.get(name).ok_or_else(|| {
                AppError::invalid(&format!("{at}.name"), "is not a computed trait")
            })?;
            check_test(test, types, &format!("{at}.test"), true)
        }
        Rule::Event(condition) => check_event(condition, at, vocabulary),
        Rule::Consent { purpose } => known(&vocabulary.purposes, purpose, at, "purpose"),
        Rule::Identity { kind } => known(&vocabulary.identity_kinds, kind, at, "kind"),
        Rule::Segment { segment, .. } => known(&vocabulary.segments, segment, at, "segment"),
        Rule::Bucket { from, to } if from >= to || *to > 100 => Err(AppError::invalid(
            &format!("{at}.to"),
            "must be above `from` and at most 100",
        )),
        Rule::Bucket { .. } => Ok(()),
    }
}

fn known(set: &BTreeSet<String>, value: &str, at: &str, field: &str) -> Result<(), AppError> {
    if set.contains(value) {
        Ok(())
    } else {
        Err(AppError::invalid(
            &format!("{at}.{field}"),
            "is not a known value",
        ))
    }
}

fn check_event(
    condition: &EventCondition,
    at: &str,
    vocabulary: &Vocabulary,
) -> Result<(), AppError> {
    let properties = vocabulary
        .events
        .get(&condition.event)
        .ok_or_else(|| AppError::invalid(&format!("{at}.event"), "is not a catalogued event"))?;
    if let Some(days) = condition.within_days {
        let limit = if condition.filters.is_empty() {
            vocabulary.counter_days.min(MAX_DAYS)
        } else {
            MAX_DAYS
        };
        if days == 0 || days > limit {
            return Err(AppError::invalid(
                &format!("{at}.within_days"),
                format!("must be between 1 and {limit} (daily counters are kept that long)"),
            ));
        }
    }
    if let (false, Some(kept)) = (condition.filters.is_empty(), vocabulary.events_days)
        && condition.within_days.is_none_or(|days| days > kept)
    {
        return Err(AppError::invalid(
            &format!("{at}.within_days"),
            format!(
                "events are kept {kept} days (Settings → Retention): a condition with property filters may look back at most {kept} days"
            ),
        ));
    }
    for (i, filter) in condition.filters.iter().enumerate() {
        let place = format!("{at}.filters[{i}]");
        let types = properties.get(&filter.path).ok_or_else(|| {
            AppError::invalid(
                &format!("{place}.path"),
                "is not a catalogued property of the event",
            )
        })?;
        check_test(&filter.test, types, &format!("{place}.test"), false)?;
    }
    Ok(())
}

/// Checks that `test` fits a field of `types` and that its values are sane.
fn check_test(test: &ValueTest, types: &[String], at: &str, dates: bool) -> Result<(), AppError> {
    if !applies_to(test, types) {
        return Err(AppError::invalid(
            at,
            format!("does not apply to a field of type {}", types.join("/")),
        ));
    }
    if !dates && kinds_needed(test).contains(&ValueKind::Date) {
        return Err(AppError::invalid(
            at,
            "date tests apply to traits; use the event window for event times",
        ));
    }
    check_values(test, at)
}

fn check_values(test: &ValueTest, at: &str) -> Result<(), AppError> {
    let bad = |rule: &str| Err(AppError::invalid(at, rule));
    match test {
        ValueTest::Equals { value }
        | ValueTest::NotEquals { value }
        | ValueTest::ArrayContains { value } => check_scalar(value, at),
        ValueTest::InList { values }
        | ValueTest::NotInList { values }
        | ValueTest::ArrayContainsAny { values } => {
            if values.is_empty() || values.len() > MAX_LIST_VALUES {
                return bad("needs between 1 and 500 values");
            }
            let first = std::mem::discriminant(&values[0]);
            if values.iter().any(|v| std::mem::discriminant(v) != first) {
                return bad("values must all be of one type");
            }
            values.iter().try_for_each(|v| check_scalar(v, at))
        }
        ValueTest::Contains { text }
        | ValueTest::StartsWith { text }
        | ValueTest::EndsWith { text } => {
            if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
                return bad("text must be 1 to 500 characters");
            }
            Ok(())
        }
        ValueTest::Lt { value }
        | ValueTest::Lte { value }
        | ValueTest::Gt { value }
        | ValueTest::Gte { value } => check_scalar(&Scalar::Number(*value), at),
        ValueTest::Between { min, max } if !(min.is_finite() && max.is_finite() && min <= max) => {
            bad("needs finite numbers with min ≤ max")
        }
        ValueTest::DateBetween { from, to } if from > to => bad("`from` must not be after `to`"),
        ValueTest::WithinLast { amount, unit } if *amount == 0 || *amount > unit.max_amount() => {
            bad(&format!(
                "amount must be between 1 and {} {}",
                unit.max_amount(),
                unit.as_str()
            ))
        }
        ValueTest::MoreThanDaysAgo { days } if *days > MAX_DAYS => bad("days must be at most 3650"),
        ValueTest::OnWeekday { days }
            if days.is_empty() || days.iter().any(|d| !(1..=7).contains(d)) =>
        {
            bad("needs weekdays from 1 (Monday) to 7 (Sunday)")
        }
        ValueTest::AnniversaryWithin { days } if *days > MAX_ANNIVERSARY_DAYS => {
            bad("days must be at most 366")
        }
        _ => Ok(()),
    }
}

fn check_scalar(value: &Scalar, at: &str) -> Result<(), AppError> {
    match value {
        Scalar::Number(n) if !n.is_finite() => Err(AppError::invalid(at, "numbers must be finite")),
        Scalar::Text(t) if t.chars().count() > MAX_TEXT_CHARS => {
            Err(AppError::invalid(at, "text must be at most 500 characters"))
        }
        _ => Ok(()),
    }
}

/// Checks that saving `id` with a rule referring to `references` creates no cycle, given every
/// other segment's references.
pub fn check_no_cycle(
    id: &str,
    references: &[String],
    others: &BTreeMap<String, Vec<String>>,
) -> Result<(), AppError> {
    let mut stack: Vec<(String, Vec<String>)> = references
        .iter()
        .map(|r| (r.clone(), vec![id.to_owned(), r.clone()]))
        .collect();
    let mut seen = BTreeSet::new();
    while let Some((current, path)) = stack.pop() {
        if current == id {
            return Err(AppError::invalid(
                "rule",
                format!("segments may not refer to themselves: {}", path.join(" → ")),
            ));
        }
        if !seen.insert(current.clone()) {
            continue;
        }
        for next in others.get(&current).into_iter().flatten() {
            let mut longer = path.clone();
            longer.push(next.clone());
            stack.push((next.clone(), longer));
        }
    }
    Ok(())
}
