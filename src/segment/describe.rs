//! Rules in words, for the segment page (readable without JavaScript) and version diffs.
use super::ast::{CountOp, GroupKind, Rule, Scalar, ValueTest};

/// The rule as indented lines: (depth, text).
pub fn describe(rule: &Rule) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    lines(rule, 0, &mut out);
    out
}

/// The rule as one text block (two spaces per level).
pub fn describe_text(rule: &Rule) -> String {
    describe(rule)
        .into_iter()
        .map(|(depth, text)| format!("{}{text}", "  ".repeat(depth)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Lines of `new` not in `old` (`+ …`) and of `old` not in `new` (`- …`).
pub fn diff(old: &str, new: &str) -> Vec<String> {
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let removed = old_lines
        .iter()
        .filter(|l| !new_lines.contains(l))
        .map(|l| format!("- {}", l.trim()));
    let added = new_lines
        .iter()
        .filter(|l| !old_lines.contains(l))
        .map(|l| format!("+ {}", l.trim()));
    removed.chain(added).collect()
}

fn lines(rule: &Rule, depth: usize, out: &mut Vec<(usize, String)>) {
    match rule {
        Rule::Group { kind, rules } => {
            let head = match kind {
                GroupKind::All => "all of:",
                GroupKind::Any => "any of:",
                GroupKind::None => "none of:",
            };
            if rules.is_empty() {
                out.push((
                    depth,
                    format!(
                        "{head} (nothing: matches {})",
                        match kind {
                            GroupKind::Any => "no one",
                            _ => "everyone",
                        }
                    ),
                ));
            } else {
                out.push((depth, head.to_owned()));
                rules.iter().for_each(|r| lines(r, depth + 1, out));
            }
        }
        other => out.push((depth, condition(other))),
    }
}

/// One condition in words.
pub fn condition(rule: &Rule) -> String {
    match rule {
        Rule::Group { .. } => "group".to_owned(),
        Rule::Trait { path, test } => format!("{path} {}", test_text(test)),
        Rule::Computed { name, test } => format!("computed {name} {}", test_text(test)),
        Rule::Event(c) => {
            let count = match c.count {
                CountOp::AtLeast => "at least",
                CountOp::AtMost => "at most",
                CountOp::Exactly => "exactly",
            };
            let mut text = format!("performed \"{}\" {count} {} times", c.event, c.times);
            if let Some(days) = c.within_days {
                text.push_str(&format!(" in the last {days} days"));
            }
            for filter in &c.filters {
                text.push_str(&format!(
                    " where {} {}",
                    filter.path,
                    test_text(&filter.test)
                ));
            }
            text
        }
        Rule::Consent { purpose } => format!("consented to {purpose}"),
        Rule::Identity { kind } => format!("has an identifier of kind {kind}"),
        Rule::Segment {
            segment,
            member: true,
        } => format!("in segment {segment}"),
        Rule::Segment {
            segment,
            member: false,
        } => format!("not in segment {segment}"),
        Rule::Bucket { from, to } => format!("in random bucket {from}%–{to}%"),
    }
}

fn scalar(value: &Scalar) -> String {
    match value {
        Scalar::Bool(b) => b.to_string(),
        Scalar::Number(n) => n.to_string(),
        Scalar::Text(t) => format!("\"{t}\""),
    }
}

fn list(values: &[Scalar]) -> String {
    values.iter().map(scalar).collect::<Vec<_>>().join(", ")
}

/// A value test in words.
pub fn test_text(test: &ValueTest) -> String {
    match test {
        ValueTest::Exists => "exists".into(),
        ValueTest::Missing => "does not exist".into(),
        ValueTest::Equals { value } => format!("= {}", scalar(value)),
        ValueTest::NotEquals { value } => format!("≠ {}", scalar(value)),
        ValueTest::Contains { text } => format!("contains \"{text}\""),
        ValueTest::StartsWith { text } => format!("starts with \"{text}\""),
        ValueTest::EndsWith { text } => format!("ends with \"{text}\""),
        ValueTest::InList { values } => format!("is one of {}", list(values)),
        ValueTest::NotInList { values } => format!("is none of {}", list(values)),
        ValueTest::IsEmpty => "is empty".into(),
        ValueTest::Lt { value } => format!("< {value}"),
        ValueTest::Lte { value } => format!("≤ {value}"),
        ValueTest::Gt { value } => format!("> {value}"),
        ValueTest::Gte { value } => format!("≥ {value}"),
        ValueTest::Between { min, max } => format!("between {min} and {max}"),
        ValueTest::IsTrue => "is true".into(),
        ValueTest::IsFalse => "is false".into(),
        ValueTest::Before { at } => format!("before {}", at.format("%Y-%m-%d %H:%M UTC")),
        ValueTest::After { at } => format!("after {}", at.format("%Y-%m-%d %H:%M UTC")),
        ValueTest::DateBetween { from, to } => format!(
            "between {} and {}",
            from.format("%Y-%m-%d %H:%M UTC"),
            to.format("%Y-%m-%d %H:%M UTC")
        ),
        ValueTest::WithinLast { amount, unit } => {
            format!("within the last {amount} {}", unit.as_str())
        }
        ValueTest::MoreThanDaysAgo { days } => format!("more than {days} days ago"),
        ValueTest::OnWeekday { days } => format!(
            "on {}",
            days.iter()
                .map(|d| weekday_name(*d))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ValueTest::AnniversaryWithin { days } => format!("anniversary in the next {days} days"),
        ValueTest::ArrayContains { value } => format!("contains {}", scalar(value)),
        ValueTest::ArrayContainsAny { values } => format!("contains any of {}", list(values)),
    }
}

/// English weekday name of ISO weekday `day` (1 = Monday).
pub fn weekday_name(day: u8) -> &'static str {
    [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ]
    .get(usize::from(day.saturating_sub(1)))
    .copied()
    .unwrap_or("?")
}
