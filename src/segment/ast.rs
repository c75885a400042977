//! The segment rule language: one closed tree of groups and typed conditions, serialised as JSON
//! by the builder and stored with each segment version.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A rule: a group of rules or one condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Rule {
    /// Combines its rules.
    Group {
        /// All of them, any of them, or none of them.
        kind: GroupKind,
        /// Nested rules, any depth.
        rules: Vec<Rule>,
    },
    /// A trait's value (`traits.plan`, `traits.address.city`), typed by the field catalog.
    Trait {
        /// Catalog path, `traits.` included.
        path: String,
        /// What the value must satisfy.
        test: ValueTest,
    },
    /// A computed trait's value.
    Computed {
        /// Definition name.
        name: String,
        /// What the value must satisfy.
        test: ValueTest,
    },
    /// How often the person performed an event.
    Event(EventCondition),
    /// The person granted a consent purpose.
    Consent {
        /// One of `model::consent::PURPOSES`.
        purpose: String,
    },
    /// The person has an identifier of a kind (`email`, `phone`, `user_id`, …).
    Identity {
        /// Identifier kind.
        kind: String,
    },
    /// Membership of another segment.
    Segment {
        /// The other segment's id.
        segment: String,
        /// `true`: in it; `false`: not in it.
        member: bool,
    },
    /// A stable slice of all profiles by a hash of the profile id: `from ≤ bucket < to`, in %.
    Bucket {
        /// Lower bound, inclusive (0–100).
        from: u8,
        /// Upper bound, exclusive (0–100).
        to: u8,
    },
}

/// How a group combines its rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    /// Every rule matches (an empty group matches everyone).
    All,
    /// At least one rule matches (an empty group matches no one).
    Any,
    /// No rule matches (`not`).
    None,
}

/// A value for equality and list tests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    /// `true` / `false`.
    Bool(bool),
    /// Any number (integers and decimals compare by value).
    Number(f64),
    /// Text, compared exactly.
    Text(String),
}

/// Units for "within the last N …", stored as chosen (`"weeks"`, not converted to days), so a
/// stored rule reloads into the builder exactly as it was entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    /// Hours.
    Hours,
    /// Days.
    Days,
    /// Weeks of 7 days.
    Weeks,
    /// Calendar months (the same day of the month, `amount` months back).
    Months,
}

impl TimeUnit {
    /// Every unit, in menu order.
    pub const ALL: [TimeUnit; 4] = [
        TimeUnit::Hours,
        TimeUnit::Days,
        TimeUnit::Weeks,
        TimeUnit::Months,
    ];

    /// The unit's stored name, also its label (`"days"`).
    pub fn as_str(self) -> &'static str {
        match self {
            TimeUnit::Hours => "hours",
            TimeUnit::Days => "days",
            TimeUnit::Weeks => "weeks",
            TimeUnit::Months => "months",
        }
    }

    /// The instant `amount` of these units before `now`.
    pub fn back_from(self, now: DateTime<Utc>, amount: u32) -> DateTime<Utc> {
        let amount = i64::from(amount);
        match self {
            TimeUnit::Hours => now - chrono::Duration::hours(amount),
            TimeUnit::Days => now - chrono::Duration::days(amount),
            TimeUnit::Weeks => now - chrono::Duration::weeks(amount),
            TimeUnit::Months => now
                .checked_sub_months(chrono::Months::new(amount as u32))
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
        }
    }

    /// The largest amount of this unit a rule may look back (about ten years).
    pub fn max_amount(self) -> u32 {
        match self {
            TimeUnit::Hours => 87_600,
            TimeUnit::Days => 3_650,
            TimeUnit::Weeks => 521,
            TimeUnit::Months => 120,
        }
    }
}

/// A test on one value. Which tests apply depends on the field's type in the catalog
/// (see [`super::types`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ValueTest {
    /// The field is set (not missing, not null).
    Exists,
    /// The field is missing or null.
    Missing,
    /// Equal to the value (for arrays: one element is).
    Equals { value: Scalar },
    /// Set, and not equal to the value.
    NotEquals { value: Scalar },
    /// Text containing `text` (ASCII letters match either case).
    Contains { text: String },
    /// Text starting with `text`.
    StartsWith { text: String },
    /// Text ending with `text`.
    EndsWith { text: String },
    /// Equal to one of the values.
    InList { values: Vec<Scalar> },
    /// Set, and equal to none of the values.
    NotInList { values: Vec<Scalar> },
    /// Missing, null, empty text or an empty list.
    IsEmpty,
    /// Number `<`.
    Lt { value: f64 },
    /// Number `≤`.
    Lte { value: f64 },
    /// Number `>`.
    Gt { value: f64 },
    /// Number `≥`.
    Gte { value: f64 },
    /// Number within `[min, max]`.
    Between { min: f64, max: f64 },
    /// Boolean `true`.
    IsTrue,
    /// Boolean `false`.
    IsFalse,
    /// Date strictly before the instant.
    Before { at: DateTime<Utc> },
    /// Date strictly after the instant.
    After { at: DateTime<Utc> },
    /// Date within `[from, to]`.
    DateBetween {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
    /// Date within the last `amount` units (not in the future).
    WithinLast { amount: u32, unit: TimeUnit },
    /// Date more than `days` days ago.
    MoreThanDaysAgo { days: u32 },
    /// Date falling on one of the weekdays (1 = Monday … 7 = Sunday, UTC).
    OnWeekday { days: Vec<u8> },
    /// Month and day falling within the next `days` days, today included (birthdays).
    AnniversaryWithin { days: u32 },
    /// A list containing the value.
    ArrayContains { value: Scalar },
    /// A list containing at least one of the values.
    ArrayContainsAny { values: Vec<Scalar> },
}

/// How a count is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountOp {
    /// `≥ times`.
    AtLeast,
    /// `≤ times` (zero included: never performed counts).
    AtMost,
    /// `= times`.
    Exactly,
}

/// "Performed `event` at least / at most / exactly N times [within the last D days] [where …]".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventCondition {
    /// Event name (`Order Completed`, `Page Viewed`).
    pub event: String,
    /// Comparison.
    pub count: CountOp,
    /// N.
    pub times: u32,
    /// Look-back window in days; `None` for ever.
    #[serde(default)]
    pub within_days: Option<u32>,
    /// Tests on the event's properties (`properties.total`), all of which must hold.
    #[serde(default)]
    pub filters: Vec<PropertyFilter>,
}

/// A test on one event property.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropertyFilter {
    /// Catalog path, `properties.` included.
    pub path: String,
    /// What the value must satisfy.
    pub test: ValueTest,
}

impl Rule {
    /// A group of `rules`.
    pub fn group(kind: GroupKind, rules: Vec<Rule>) -> Self {
        Rule::Group { kind, rules }
    }

    /// The rule that matches everyone (an empty `all` group).
    pub fn everyone() -> Self {
        Rule::group(GroupKind::All, Vec::new())
    }

    /// Every rule in the tree, depth first, this one included.
    pub fn walk(&self) -> Vec<&Rule> {
        let mut out = vec![self];
        if let Rule::Group { rules, .. } = self {
            for rule in rules {
                out.extend(rule.walk());
            }
        }
        out
    }

    /// Ids of the segments this rule refers to.
    pub fn referenced_segments(&self) -> Vec<String> {
        self.walk()
            .into_iter()
            .filter_map(|rule| match rule {
                Rule::Segment { segment, .. } => Some(segment.clone()),
                _ => None,
            })
            .collect()
    }

    /// Whether the result changes with the clock alone (re-evaluated by the scheduler).
    pub fn is_time_relative(&self) -> bool {
        self.walk().into_iter().any(|rule| match rule {
            Rule::Trait { test, .. } | Rule::Computed { test, .. } => test.is_time_relative(),
            Rule::Event(condition) => {
                condition.within_days.is_some()
                    || condition.filters.iter().any(|f| f.test.is_time_relative())
            }
            _ => false,
        })
    }

    /// How far back its event conditions with property filters read stored events: `None`
    /// when it has none, `Some(None)` when one reads all time, else the longest window in days.
    pub fn stored_event_reach(&self) -> Option<Option<u32>> {
        self.walk()
            .into_iter()
            .filter_map(|rule| match rule {
                Rule::Event(c) if !c.filters.is_empty() => Some(c.within_days),
                _ => None,
            })
            .reduce(|a, b| match (a, b) {
                (Some(a), Some(b)) => Some(a.max(b)),
                _ => None,
            })
    }

    /// Conditions in the tree (groups excluded).
    pub fn condition_count(&self) -> usize {
        self.walk()
            .into_iter()
            .filter(|rule| !matches!(rule, Rule::Group { .. }))
            .count()
    }

    /// Deepest nesting of groups (a lone condition is 0).
    pub fn depth(&self) -> usize {
        match self {
            Rule::Group { rules, .. } => 1 + rules.iter().map(Rule::depth).max().unwrap_or(0),
            _ => 0,
        }
    }
}

impl ValueTest {
    /// Whether the result depends on the current time.
    pub fn is_time_relative(&self) -> bool {
        matches!(
            self,
            ValueTest::WithinLast { .. }
                | ValueTest::MoreThanDaysAgo { .. }
                | ValueTest::AnniversaryWithin { .. }
        )
    }
}
