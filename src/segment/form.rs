//! The builder as a plain HTML form, so it works without JavaScript: every node of the rule tree
//! has a key (`r` for the root, `r.0.2` for its first child's third), and every input is named
//! `b[<key>.<part>]`. The page reads these back (with the button pressed) into a rule; the save
//! endpoint does the same. The hydrated editor renders the very same names.
use super::{
    CountOp, EventCondition, GroupKind, PropertyFilter, Rule, ValueTest,
    draft::{
        choice_of, input_value, kind_of_test, kinds_of, new_condition, new_filter, new_group,
        rule_at, test_for, test_json, whole, with_value,
    },
    types::ValueKind,
};
use crate::model::segment::{BuilderCatalog, CatalogField};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The builder's inputs: `<key>.<part>` → text, as submitted.
pub type Fields = BTreeMap<String, String>;

/// The key of the root group.
pub const ROOT: &str = "r";

/// The form name of `part` of node `key` (`b[r.0.op]`).
pub fn name(key: &str, part: &str) -> String {
    format!("b[{key}.{part}]")
}

/// The builder fields among submitted `(name, value)` pairs (names `b[…]`).
pub fn fields_from<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Fields {
    pairs
        .into_iter()
        .filter_map(|(k, v)| {
            let inner = k.strip_prefix("b[")?.strip_suffix(']')?;
            Some((inner.to_owned(), v.to_owned()))
        })
        .collect()
}

/// The key of the child `index` of node `key`.
pub fn child(key: &str, index: usize) -> String {
    format!("{key}.{index}")
}

/// The tree path of a key (`r.0.2` → `[0, 2]`); `None` for a key that is not a node's.
pub fn path_of(key: &str) -> Option<Vec<usize>> {
    let rest = key.strip_prefix(ROOT)?;
    rest.split('.').skip(1).map(|i| i.parse().ok()).collect()
}

/// The rule the form describes, after the button `action` (`add:r.0`, `del:r.1`, …) if any.
pub fn read(mut fields: Fields, action: Option<&str>, catalog: &BuilderCatalog) -> Rule {
    let (verb, target) = action.and_then(|a| a.split_once(':')).unwrap_or(("", ""));
    // Removals drop the fields; the gaps they leave are closed when the tree is read.
    if matches!(verb, "del" | "unfilter" | "unchip") {
        let prefix = format!("{target}.");
        fields.retain(|k, _| k != target && !k.starts_with(&prefix));
    }
    let mut rule = node(&fields, ROOT, catalog).unwrap_or_else(Rule::everyone);
    if let Some(path) = target.split(':').next().and_then(path_of) {
        edit(&mut rule, verb, &path, catalog);
    }
    rule
}

fn edit(rule: &mut Rule, verb: &str, path: &[usize], catalog: &BuilderCatalog) {
    match verb {
        "up" | "down" => shift(rule, path, if verb == "up" { -1 } else { 1 }),
        _ => {
            let Some(target) = rule_at(rule, path) else {
                return;
            };
            match (verb, target) {
                ("add", Rule::Group { rules, .. }) => {
                    rules.push(new_condition(&first_choice(catalog), catalog))
                }
                ("group", Rule::Group { rules, .. }) => rules.push(new_group()),
                ("filter", Rule::Event(c)) => c.filters.extend(new_filter(&c.event, catalog)),
                _ => {}
            }
        }
    }
}

/// Moves the rule at `path` one place up (`-1`) or down (`1`) among its siblings.
pub fn shift(rule: &mut Rule, path: &[usize], by: isize) {
    let Some((last, parent)) = path.split_last() else {
        return;
    };
    if let Some(Rule::Group { rules, .. }) = rule_at(rule, parent) {
        let to = *last as isize + by;
        if to >= 0 && (to as usize) < rules.len() && *last < rules.len() {
            rules.swap(*last, to as usize);
        }
    }
}

/// The field a new condition starts on: the first trait, else the first event.
pub fn first_choice(catalog: &BuilderCatalog) -> String {
    catalog
        .traits
        .first()
        .map(|t| format!("trait:{}", t.path))
        .or_else(|| catalog.events.first().map(|e| format!("event:{}", e.name)))
        .unwrap_or_else(|| "identity:email".into())
}

/// Indexes `i` of parts `<key>.<tag><i>.…` in `fields`, in order.
fn indexes(fields: &Fields, key: &str, tag: &str) -> Vec<usize> {
    let prefix = format!("{key}.{tag}");
    let mut found: Vec<usize> = fields
        .keys()
        .filter_map(|k| k.strip_prefix(&prefix)?.split('.').next()?.parse().ok())
        .collect();
    found.sort_unstable();
    found.dedup();
    found
}

fn node(fields: &Fields, key: &str, catalog: &BuilderCatalog) -> Option<Rule> {
    let get = |part: &str| fields.get(&format!("{key}.{part}"));
    if let Some(kind) = get("group") {
        let kind = match kind.as_str() {
            "any" => GroupKind::Any,
            "none" => GroupKind::None,
            _ => GroupKind::All,
        };
        let rules = indexes(fields, key, "")
            .into_iter()
            .filter_map(|i| node(fields, &child(key, i), catalog))
            .collect();
        return Some(Rule::group(kind, rules));
    }
    let choice = get("field")?;
    let fresh = new_condition(choice, catalog);
    // A field picked without JavaScript starts afresh: its old operator may not apply.
    if get("was").is_some_and(|was| was != choice) {
        return Some(fresh);
    }
    Some(condition(fields, key, fresh, catalog))
}

fn condition(fields: &Fields, key: &str, fresh: Rule, catalog: &BuilderCatalog) -> Rule {
    let get = |part: &str| fields.get(&format!("{key}.{part}"));
    match fresh {
        Rule::Trait { path, .. } => {
            let test = test_of(fields, key, &types(&catalog.traits, &path));
            Rule::Trait { path, test }
        }
        Rule::Computed { name, .. } => {
            let test = test_of(fields, key, &types(&catalog.computed, &name));
            Rule::Computed { name, test }
        }
        Rule::Event(c) => Rule::Event(event(fields, key, c, catalog)),
        Rule::Segment { segment, .. } => Rule::Segment {
            segment,
            member: get("member").is_none_or(|m| m != "out"),
        },
        Rule::Bucket { from, to } => Rule::Bucket {
            from: get("from").map_or(from, |v| whole(v).min(100) as u8),
            to: get("to").map_or(to, |v| whole(v).min(100) as u8),
        },
        other => other,
    }
}

fn types(fields: &[CatalogField], path: &str) -> Vec<String> {
    fields
        .iter()
        .find(|f| f.path == path)
        .map(|f| f.types.clone())
        .unwrap_or_default()
}

fn event(
    fields: &Fields,
    key: &str,
    mut c: EventCondition,
    catalog: &BuilderCatalog,
) -> EventCondition {
    let get = |part: &str| fields.get(&format!("{key}.{part}"));
    c.count = match get("count").map(String::as_str) {
        Some("at_most") => CountOp::AtMost,
        Some("exactly") => CountOp::Exactly,
        _ => CountOp::AtLeast,
    };
    c.times = get("times").map_or(c.times, |t| whole(t));
    c.within_days = get("within")
        .filter(|w| !w.trim().is_empty())
        .map(|w| whole(w));
    let properties = catalog.properties_of(&c.event);
    c.filters = indexes(fields, key, "f")
        .into_iter()
        .filter_map(|i| {
            let at = format!("{key}.f{i}");
            let path = fields.get(&format!("{at}.path"))?.clone();
            let test = test_of(fields, &at, &types(&properties, &path));
            Some(PropertyFilter { path, test })
        })
        .collect();
    c
}

/// The test at `key`: its operator (`date|within_last`) and the values typed for it.
fn test_of(fields: &Fields, key: &str, types: &[String]) -> ValueTest {
    let kinds = kinds_of(types);
    let chosen = fields
        .get(&format!("{key}.op"))
        .and_then(|o| o.split_once('|'));
    let (kind, op) = match chosen {
        Some((label, op)) => (
            ValueKind::ALL
                .into_iter()
                .find(|k| k.label() == label)
                .unwrap_or(kinds[0]),
            op.to_owned(),
        ),
        None => (kinds[0], kinds[0].operators()[0].0.to_owned()),
    };
    let mut test = test_for(&op, kind);
    let body = test_json(&test);
    for (part, current) in body.as_object().into_iter().flatten() {
        if part == "op" {
            continue;
        }
        let value = if part == "values" {
            Some(list_values(fields, key, kind))
        } else {
            fields
                .get(&format!("{key}.{part}"))
                .map(|raw| input_value(part, raw, kind, current))
        };
        if let Some(value) = value {
            test = with_value(&test, part, value);
        }
    }
    test
}

/// A list test's values: the chips kept (`values.0`, `values.1` …) and what was typed to add.
fn list_values(fields: &Fields, key: &str, kind: ValueKind) -> Value {
    let kept = indexes(fields, key, "values.")
        .into_iter()
        .filter_map(|i| fields.get(&format!("{key}.values.{i}")).cloned());
    let added = fields
        .get(&format!("{key}.values.add"))
        .map(|t| super::draft::pieces(t))
        .unwrap_or_default();
    let typed: Vec<Value> = kept
        .chain(added)
        .map(|t| super::draft::typed_value(&t, kind))
        .collect();
    json!(typed)
}

/// The value an input of test part `part` shows for `value` (dates as `YYYY-MM-DDTHH:MM`).
pub fn input_text(part: &str, value: &Value) -> String {
    match value {
        Value::String(s) if matches!(part, "at" | "from" | "to") => s.chars().take(16).collect(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// The fields the builder renders for `rule` (what submitting it unchanged sends).
pub fn fields_of(rule: &Rule, catalog: &BuilderCatalog) -> Fields {
    let mut out = Fields::new();
    write(rule, ROOT, catalog, &mut out);
    out
}

fn write(rule: &Rule, key: &str, catalog: &BuilderCatalog, out: &mut Fields) {
    let mut put = |part: &str, value: String| {
        out.insert(format!("{key}.{part}"), value);
    };
    match rule {
        Rule::Group { kind, rules } => {
            put("group", group_value(*kind).into());
            for (i, r) in rules.iter().enumerate() {
                write(r, &child(key, i), catalog, out);
            }
            return;
        }
        Rule::Segment { member, .. } => put("member", if *member { "in" } else { "out" }.into()),
        Rule::Bucket { from, to } => {
            put("from", from.to_string());
            put("to", to.to_string());
        }
        _ => {}
    }
    put("field", choice_of(rule));
    put("was", choice_of(rule));
    match rule {
        Rule::Trait { path, test } => write_test(test, &types(&catalog.traits, path), key, out),
        Rule::Computed { name, test } => {
            write_test(test, &types(&catalog.computed, name), key, out)
        }
        Rule::Event(c) => write_event(c, key, catalog, out),
        _ => {}
    }
}

fn write_event(c: &EventCondition, key: &str, catalog: &BuilderCatalog, out: &mut Fields) {
    out.insert(format!("{key}.count"), count_value(c.count).into());
    out.insert(format!("{key}.times"), c.times.to_string());
    let within = c.within_days.map(|d| d.to_string()).unwrap_or_default();
    out.insert(format!("{key}.within"), within);
    let properties = catalog.properties_of(&c.event);
    for (i, f) in c.filters.iter().enumerate() {
        let at = format!("{key}.f{i}");
        out.insert(format!("{at}.path"), f.path.clone());
        write_test(&f.test, &types(&properties, &f.path), &at, out);
    }
}

fn write_test(test: &ValueTest, types: &[String], key: &str, out: &mut Fields) {
    out.insert(format!("{key}.op"), op_value(test, types));
    for (part, value) in test_json(test).as_object().into_iter().flatten() {
        match (part.as_str(), value) {
            ("op", _) => {}
            ("values", Value::Array(items)) => {
                for (i, v) in items.iter().enumerate() {
                    out.insert(format!("{key}.values.{i}"), super::draft::chip_text(v));
                }
            }
            _ => {
                out.insert(format!("{key}.{part}"), input_text(part, value));
            }
        }
    }
}

/// The operator menu's value for `test` on a field of `types` (`date|within_last`).
pub fn op_value(test: &ValueTest, types: &[String]) -> String {
    let kind = kind_of_test(test, &kinds_of(types));
    let op = test_json(test)["op"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    format!("{}|{op}", kind.label())
}

/// The group menu's value for `kind`.
pub fn group_value(kind: GroupKind) -> &'static str {
    match kind {
        GroupKind::All => "all",
        GroupKind::Any => "any",
        GroupKind::None => "none",
    }
}

/// The "how often" menu's value for `count`.
pub fn count_value(count: CountOp) -> &'static str {
    match count {
        CountOp::AtLeast => "at_least",
        CountOp::AtMost => "at_most",
        CountOp::Exactly => "exactly",
    }
}

#[cfg(test)]
#[path = "form_tests.rs"]
mod tests;
