//! The filter a rule lowers to at one instant: a small tree of primitives with MongoDB's query
//! semantics. The server turns it into a query (`compile`), membership evaluates it in memory
//! (`eval`); both read the same stored profile shape, so they agree by construction.
use super::ast::{CountOp, EventCondition, GroupKind, PropertyFilter, Rule, Scalar, ValueTest};
use chrono::{DateTime, Datelike, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Basis points in a bucket range (0–10,000 ↔ 0–100 %).
pub const BUCKETS: u32 = 10_000;
/// Longest anniversary look-ahead, in days.
pub const MAX_ANNIVERSARY_DAYS: u32 = 366;

/// A lowered rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Every filter holds (empty: everyone).
    All(Vec<Filter>),
    /// At least one holds (empty: no one).
    Any(Vec<Filter>),
    /// None holds (empty: everyone).
    NoneOf(Vec<Filter>),
    /// A test on the value at a dotted document path (`traits.plan`).
    Field { path: String, test: FieldTest },
    /// A test on a date value kept in the profile's `dates` list under `path`.
    Date { path: String, test: DateTest },
    /// The event's all-time counter is at least `at_least` (≥ 1).
    Counter { event: String, at_least: u32 },
    /// The event's daily counters from `since_day` (`YYYY-MM-DD`) on sum to at least `at_least`.
    CounterSince {
        event: String,
        since_day: String,
        at_least: u32,
    },
    /// The purpose is granted.
    Consent(String),
    /// An identifier of the kind is held.
    Identity(String),
    /// The profile belongs to a set resolved beforehand (segment members, event matches).
    InSet(SetKey),
    /// `from ≤ bucket < to`, in basis points.
    Bucket { from: u32, to: u32 },
}

/// A test on the values found at a path.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldTest {
    /// Found, and no value found is null.
    Present,
    /// A value (or list element) equals.
    Eq(Scalar),
    /// A value (or list element) equals one of these.
    In(Vec<Scalar>),
    /// A numeric value (or element) compares.
    Cmp(CmpOp, f64),
    /// A text value (or element) matches.
    Text(TextOp, String),
    /// The value is an empty list.
    EmptyArray,
}

/// Numeric comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `<`
    Lt,
    /// `≤`
    Lte,
    /// `>`
    Gt,
    /// `≥`
    Gte,
}

/// Text matches; ASCII letters match either case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextOp {
    /// Anywhere.
    Contains,
    /// At the start.
    StartsWith,
    /// At the end.
    EndsWith,
}

/// A test on a date value.
#[derive(Debug, Clone, PartialEq)]
pub enum DateTest {
    /// `from ≤ at < to` in epoch milliseconds, either bound open.
    Range { from: Option<i64>, to: Option<i64> },
    /// ISO weekday (1 = Monday) in UTC.
    Weekday(Vec<u8>),
    /// `month * 100 + day` in UTC.
    MonthDay(Vec<u32>),
}

/// A set of profiles resolved before evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SetKey {
    /// Current members of the segment with this id.
    Segment(String),
    /// Profiles with at least `at_least` stored events matching the query.
    Events { query: EventQuery, at_least: u32 },
}

/// Which stored events count for an event condition with property filters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EventQuery {
    /// Event name.
    pub event: String,
    /// Epoch milliseconds of the window start, if any.
    pub since: Option<i64>,
    /// The property filters as JSON (kept as text so the key is hashable).
    pub filters: String,
}

impl EventQuery {
    /// The property filters back as values.
    pub fn property_filters(&self) -> Vec<PropertyFilter> {
        serde_json::from_str(&self.filters).unwrap_or_default()
    }
}

/// Lowers `rule` as of `now`. The rule must have passed validation.
pub fn lower(rule: &Rule, now: DateTime<Utc>) -> Filter {
    match rule {
        Rule::Group { kind, rules } => {
            let parts = rules.iter().map(|r| lower(r, now)).collect();
            match kind {
                GroupKind::All => Filter::All(parts),
                GroupKind::Any => Filter::Any(parts),
                GroupKind::None => Filter::NoneOf(parts),
            }
        }
        Rule::Trait { path, test } => lower_value(path, test, now),
        Rule::Computed { name, test } => lower_value(&format!("computed.{name}"), test, now),
        Rule::Event(condition) => lower_event(condition, now),
        Rule::Consent { purpose } => Filter::Consent(purpose.clone()),
        Rule::Identity { kind } => Filter::Identity(kind.clone()),
        Rule::Segment { segment, member } => {
            let set = Filter::InSet(SetKey::Segment(segment.clone()));
            if *member {
                set
            } else {
                Filter::NoneOf(vec![set])
            }
        }
        Rule::Bucket { from, to } => Filter::Bucket {
            from: u32::from(*from) * (BUCKETS / 100),
            to: u32::from(*to) * (BUCKETS / 100),
        },
    }
}

/// Lowers a value test on `path`.
pub fn lower_value(path: &str, test: &ValueTest, now: DateTime<Utc>) -> Filter {
    let field = |test| Filter::Field {
        path: path.to_owned(),
        test,
    };
    let date = |test| Filter::Date {
        path: path.to_owned(),
        test,
    };
    let set_and_not = |inner: FieldTest| {
        Filter::All(vec![
            field(FieldTest::Present),
            Filter::NoneOf(vec![field(inner)]),
        ])
    };
    match test {
        ValueTest::Exists => field(FieldTest::Present),
        ValueTest::Missing => Filter::NoneOf(vec![field(FieldTest::Present)]),
        ValueTest::Equals { value } | ValueTest::ArrayContains { value } => {
            field(FieldTest::Eq(value.clone()))
        }
        ValueTest::NotEquals { value } => set_and_not(FieldTest::Eq(value.clone())),
        ValueTest::InList { values } | ValueTest::ArrayContainsAny { values } => {
            field(FieldTest::In(values.clone()))
        }
        ValueTest::NotInList { values } => set_and_not(FieldTest::In(values.clone())),
        ValueTest::Contains { text } => field(FieldTest::Text(TextOp::Contains, text.clone())),
        ValueTest::StartsWith { text } => field(FieldTest::Text(TextOp::StartsWith, text.clone())),
        ValueTest::EndsWith { text } => field(FieldTest::Text(TextOp::EndsWith, text.clone())),
        ValueTest::IsEmpty => Filter::Any(vec![
            Filter::NoneOf(vec![field(FieldTest::Present)]),
            field(FieldTest::Eq(Scalar::Text(String::new()))),
            field(FieldTest::EmptyArray),
        ]),
        ValueTest::Lt { value } => field(FieldTest::Cmp(CmpOp::Lt, *value)),
        ValueTest::Lte { value } => field(FieldTest::Cmp(CmpOp::Lte, *value)),
        ValueTest::Gt { value } => field(FieldTest::Cmp(CmpOp::Gt, *value)),
        ValueTest::Gte { value } => field(FieldTest::Cmp(CmpOp::Gte, *value)),
        ValueTest::Between { min, max } => Filter::All(vec![
            field(FieldTest::Cmp(CmpOp::Gte, *min)),
            field(FieldTest::Cmp(CmpOp::Lte, *max)),
        ]),
        ValueTest::IsTrue => field(FieldTest::Eq(Scalar::Bool(true))),
        ValueTest::IsFalse => field(FieldTest::Eq(Scalar::Bool(false))),
        _ => date(lower_date(test, now)),
    }
}

/// Lowers the date tests (anything else becomes an empty range, matching every date).
fn lower_date(test: &ValueTest, now: DateTime<Utc>) -> DateTest {
    let ms = |at: DateTime<Utc>| Some(at.timestamp_millis());
    let range = |from: Option<i64>, to: Option<i64>| DateTest::Range { from, to };
    match test {
        ValueTest::Before { at } => range(None, ms(*at)),
        ValueTest::After { at } => range(ms(*at).map(|m| m + 1), None),
        ValueTest::DateBetween { from, to } => range(ms(*from), ms(*to).map(|m| m + 1)),
        ValueTest::WithinLast { amount, unit } => {
            range(ms(unit.back_from(now, *amount)), ms(now).map(|m| m + 1))
        }
        ValueTest::MoreThanDaysAgo { days } => {
            range(None, ms(now - Duration::days(i64::from(*days))))
        }
        ValueTest::OnWeekday { days } => DateTest::Weekday(days.clone()),
        ValueTest::AnniversaryWithin { days } => DateTest::MonthDay(month_days_ahead(now, *days)),
        _ => range(None, None),
    }
}

/// `month * 100 + day` for today and the next `days` days (UTC), without repeats.
pub fn month_days_ahead(now: DateTime<Utc>, days: u32) -> Vec<u32> {
    let today = now.date_naive();
    let mut out: Vec<u32> = (0..=days.min(MAX_ANNIVERSARY_DAYS))
        .filter_map(|offset| today.checked_add_days(chrono::Days::new(u64::from(offset))))
        .map(|day| day.month() * 100 + day.day())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Lowers an event condition: counters when it has no property filters, a resolved set of
/// profiles when it has.
fn lower_event(condition: &EventCondition, now: DateTime<Utc>) -> Filter {
    let at_least = |n: u32| -> Filter {
        if n == 0 {
            return Filter::All(Vec::new());
        }
        event_at_least(condition, n, now)
    };
    let n = condition.times;
    match condition.count {
        CountOp::AtLeast => at_least(n),
        CountOp::AtMost => Filter::NoneOf(vec![at_least(n.saturating_add(1))]),
        CountOp::Exactly => Filter::All(vec![
            at_least(n),
            Filter::NoneOf(vec![at_least(n.saturating_add(1))]),
        ]),
    }
}

fn event_at_least(condition: &EventCondition, at_least: u32, now: DateTime<Utc>) -> Filter {
    let since = condition.within_days.map(|days| window_start(now, days));
    if !condition.filters.is_empty() {
        let filters = serde_json::to_string(&condition.filters).unwrap_or_default();
        let query = EventQuery {
            event: condition.event.clone(),
            since: since.map(|at| at.timestamp_millis()),
            filters,
        };
        return Filter::InSet(SetKey::Events { query, at_least });
    }
    match since {
        None => Filter::Counter {
            event: condition.event.clone(),
            at_least,
        },
        Some(at) => Filter::CounterSince {
            event: condition.event.clone(),
            since_day: at.format("%Y-%m-%d").to_string(),
            at_least,
        },
    }
}

/// The start of an event window of `days` days: the last `days` UTC calendar days, today
/// included, because daily counters are kept per UTC day.
pub fn window_start(now: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    let first = now.date_naive() - chrono::Days::new(u64::from(days.saturating_sub(1)));
    first.and_time(chrono::NaiveTime::MIN).and_utc()
}

impl Filter {
    /// The resolved sets the filter needs, without repeats.
    pub fn sets(&self) -> Vec<SetKey> {
        let mut out = Vec::new();
        self.collect_sets(&mut out);
        out.sort();
        out.dedup();
        out
    }

    fn collect_sets(&self, out: &mut Vec<SetKey>) {
        match self {
            Filter::All(parts) | Filter::Any(parts) | Filter::NoneOf(parts) => {
                parts.iter().for_each(|p| p.collect_sets(out))
            }
            Filter::InSet(key) => out.push(key.clone()),
            _ => {}
        }
    }
}
