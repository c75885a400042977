//! The update that turns a stored profile into its next version, sending only what changed:
//! `$set` of the changed top-level fields (one level deeper inside documents such as `traits`),
//! `$unset` of removed ones, and `$push … $slice` for the applied-message memory, which only
//! ever grows at its end and is trimmed at its start.
use mongodb::bson::{Bson, Document, doc};

/// Whether `key` can be addressed as one step of a dotted path.
fn addressable(key: &str) -> bool {
    !key.is_empty() && !key.contains('.') && !key.starts_with('$')
}

/// The update document taking `before` to `after` (both profiles as serialized), where
/// `memory` bounds the array field `appended` (the applied-message keys).
pub fn diff(before: &Document, after: &Document, appended: &str, memory: usize) -> Document {
    let (mut set, mut unset, mut push) = (Document::new(), Document::new(), Document::new());
    for (key, new) in after {
        let old = before.get(key);
        if old == Some(new) {
            continue;
        }
        match (old, new) {
            (Some(Bson::Document(old)), Bson::Document(new))
                if old.keys().chain(new.keys()).all(|k| addressable(k)) =>
            {
                for (inner, value) in new {
                    if old.get(inner) != Some(value) {
                        set.insert(format!("{key}.{inner}"), value.clone());
                    }
                }
                for inner in old.keys().filter(|k| !new.contains_key(*k)) {
                    unset.insert(format!("{key}.{inner}"), "");
                }
            }
            (Some(Bson::Array(old)), Bson::Array(new)) if key == appended => {
                match appended_tail(old, new, memory) {
                    Some(tail) => {
                        let slice = -i64::try_from(memory).unwrap_or(i64::MAX);
                        push.insert(key, doc! { "$each": tail, "$slice": slice });
                    }
                    None => {
                        set.insert(key, new.clone());
                    }
                }
            }
            _ => {
                set.insert(key, new.clone());
            }
        }
    }
    for key in before.keys().filter(|k| !after.contains_key(*k)) {
        unset.insert(key, "");
    }
    let mut update = Document::new();
    for (operator, fields) in [("$set", set), ("$unset", unset), ("$push", push)] {
        if !fields.is_empty() {
            update.insert(operator, fields);
        }
    }
    update
}

/// The values appended to `old` to make `new` (keeping the last `memory`), if that is how
/// `new` came about.
fn appended_tail(old: &[Bson], new: &[Bson], memory: usize) -> Option<Vec<Bson>> {
    let start = match old.last() {
        None => 0,
        Some(last) => new.iter().rposition(|v| v == last)? + 1,
    };
    let tail = &new[start..];
    let joined: Vec<&Bson> = old.iter().chain(tail).collect();
    let kept = &joined[joined.len().saturating_sub(memory)..];
    (kept.len() == new.len() && kept.iter().zip(new).all(|(a, b)| *a == b)).then(|| tail.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(values: &[&str]) -> Bson {
        Bson::Array(values.iter().map(|v| Bson::String((*v).into())).collect())
    }

    #[test]
    fn unchanged_fields_are_not_sent() {
        let before = doc! { "a": 1, "traits": { "x": 1 } };
        assert!(diff(&before, &before.clone(), "applied", 4).is_empty());
    }

    #[test]
    fn documents_are_set_one_level_deep_and_removed_keys_unset() {
        let before = doc! { "traits": { "plan": "free", "old": 1, "same": true }, "gone": 1 };
        let after = doc! { "traits": { "plan": "pro", "same": true, "new": 2 }, "n": 3 };
        let update = diff(&before, &after, "applied", 4);
        assert_eq!(
            update,
            doc! {
                "$set": { "traits.plan": "pro", "traits.new": 2, "n": 3 },
                "$unset": { "traits.old": "", "gone": "" },
            }
        );
    }

    #[test]
    fn a_document_with_an_unaddressable_key_is_set_whole() {
        let before = doc! { "traits": { "a.b": 1 } };
        let after = doc! { "traits": { "a.b": 2 } };
        assert_eq!(
            diff(&before, &after, "applied", 4),
            doc! { "$set": { "traits": { "a.b": 2 } } }
        );
    }

    #[test]
    fn the_applied_memory_is_pushed_and_trimmed() {
        let before = doc! { "applied": keys(&["a", "b", "c"]) };
        let after = doc! { "applied": keys(&["b", "c", "d", "e"]) };
        assert_eq!(
            diff(&before, &after, "applied", 4),
            doc! { "$push": { "applied": { "$each": ["d", "e"], "$slice": -4_i64 } } }
        );
        let fresh = doc! { "applied": keys(&[]) };
        assert_eq!(
            diff(&fresh, &doc! { "applied": keys(&["a"]) }, "applied", 4),
            doc! { "$push": { "applied": { "$each": ["a"], "$slice": -4_i64 } } }
        );
    }

    #[test]
    fn an_applied_memory_that_did_not_just_grow_is_set_whole() {
        let before = doc! { "applied": keys(&["a", "b"]) };
        let after = doc! { "applied": keys(&["x", "b", "c"]) };
        assert_eq!(
            diff(&before, &after, "applied", 4),
            doc! { "$set": { "applied": ["x", "b", "c"] } }
        );
    }
}
