//! Blocking: only records that share a key are compared, so the work grows with the number of
//! records, not its square. Several keys, so one corrupted field does not hide a duplicate:
//! a name's sound + birth year (given or family, so swapped names meet), the birth date with
//! day and month in either order, both names' sounds, postcode + an initial, the phone, the
//! email's name part, an identifier, the street address. A key shared by more than
//! `max_block` records (a common name in a big year) says too little and is skipped, which
//! bounds the pairs per record; skipped keys are reported.
use super::{
    compare::Value,
    record::{Plan, Record},
};
use crate::model::matching::AttributeKind;
use std::collections::{HashMap, HashSet};

/// The default largest block.
pub const DEFAULT_MAX_BLOCK: usize = 200;

/// What blocking did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BlockingReport {
    /// Records blocked.
    pub records: usize,
    /// Distinct candidate pairs.
    pub pairs: usize,
    /// Candidate pairs per record, on average (each pair counts for both records).
    pub mean_per_record: f64,
    /// Most candidate pairs of one record.
    pub max_per_record: usize,
    /// Keys shared by more than the largest block, skipped.
    pub oversized_keys: usize,
}

/// The blocking keys of `record`.
pub fn keys(plan: &Plan, record: &Record) -> Vec<String> {
    let of = |kind: AttributeKind| -> Vec<&Value> {
        plan.compared
            .iter()
            .zip(&record.values)
            .filter(|(a, _)| a.kind == kind)
            .flat_map(|(_, v)| v.iter())
            .collect()
    };
    let names = name_parts(
        &of(AttributeKind::GivenName),
        &of(AttributeKind::FamilyName),
        &of(AttributeKind::FullName),
    );
    let years: HashSet<u16> = dates(&of(AttributeKind::BirthDate)).map(|d| d.0).collect();
    let mut keys = Vec::new();
    for (sound, _) in &names {
        keys.extend(years.iter().map(|y| format!("n:{sound}:{y}")));
    }
    for (y, m, d) in dates(&of(AttributeKind::BirthDate)) {
        keys.push(format!("d:{y}:{}:{}", m.min(d), m.max(d)));
    }
    let mut sounds: Vec<&str> = names.iter().map(|(s, _)| s.as_str()).collect();
    sounds.sort_unstable();
    sounds.dedup();
    if sounds.len() >= 2 {
        keys.push(format!("nn:{}", sounds.join(":")));
    }
    for value in of(AttributeKind::Postcode) {
        if let Value::Code(code) = value {
            keys.extend(
                names
                    .iter()
                    .map(|(_, initial)| format!("p:{code}:{initial}")),
            );
        }
    }
    for value in of(AttributeKind::Phone)
        .into_iter()
        .chain(of(AttributeKind::Identifier))
    {
        if let Value::Phone(text) | Value::Code(text) = value {
            keys.push(format!("i:{text}"));
        }
    }
    for value in of(AttributeKind::Email) {
        if let Value::Email { local, .. } = value
            && local.len() >= 3
        {
            keys.push(format!("e:{local}"));
        }
    }
    for value in of(AttributeKind::Address) {
        if let Value::Words { compact, .. } = value {
            keys.push(format!("a:{compact}"));
        }
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// (sound, initial) of every name word, given, family or full.
fn name_parts(given: &[&Value], family: &[&Value], full: &[&Value]) -> Vec<(String, char)> {
    let mut parts = Vec::new();
    for value in given.iter().chain(family).chain(full) {
        let words: Vec<&super::compare::NameValue> = match value {
            Value::Name(n) => vec![n],
            Value::FullName(words) => words.iter().collect(),
            _ => Vec::new(),
        };
        for word in words.into_iter().filter(|w| w.compact.len() > 1) {
            let initial = word.compact.chars().next().unwrap_or('?');
            parts.push((word.sound.0.clone(), initial));
        }
    }
    parts.retain(|(s, _)| !s.is_empty());
    parts.sort_unstable();
    parts.dedup();
    parts
}

fn dates<'a>(values: &'a [&Value]) -> impl Iterator<Item = (u16, u8, u8)> + 'a {
    values.iter().filter_map(|v| match v {
        Value::Date(y, m, d) => Some((*y, *m, *d)),
        _ => None,
    })
}

/// Blocking key → the records holding it (indexes into `records`).
pub fn index(plan: &Plan, records: &[Record]) -> HashMap<String, Vec<u32>> {
    let mut blocks: HashMap<String, Vec<u32>> = HashMap::new();
    for (index, record) in records.iter().enumerate() {
        for key in keys(plan, record) {
            blocks.entry(key).or_default().push(index as u32);
        }
    }
    blocks
}

/// The candidate pairs (index pairs, smaller first, each once) among `records` records
/// blocked as `blocks`.
pub fn candidate_pairs(
    blocks: &HashMap<String, Vec<u32>>,
    records: usize,
    max_block: usize,
) -> (Vec<(u32, u32)>, BlockingReport) {
    let mut seen: HashSet<u64> = HashSet::new();
    let mut oversized_keys = 0;
    for members in blocks.values() {
        if members.len() > max_block {
            oversized_keys += 1;
            continue;
        }
        for (i, &a) in members.iter().enumerate() {
            for &b in &members[i + 1..] {
                seen.insert(pack(a.min(b), a.max(b)));
            }
        }
    }
    let mut pairs: Vec<(u32, u32)> = seen.into_iter().map(unpack).collect();
    pairs.sort_unstable();
    let mut per_record = vec![0usize; records];
    for &(a, b) in &pairs {
        per_record[a as usize] += 1;
        per_record[b as usize] += 1;
    }
    let report = BlockingReport {
        records,
        pairs: pairs.len(),
        mean_per_record: 2.0 * pairs.len() as f64 / records.max(1) as f64,
        max_per_record: per_record.into_iter().max().unwrap_or(0),
        oversized_keys,
    };
    (pairs, report)
}

fn pack(a: u32, b: u32) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

fn unpack(key: u64) -> (u32, u32) {
    ((key >> 32) as u32, key as u32)
}
