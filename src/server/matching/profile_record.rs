//! Reading a stored profile as matching sees it: the texts at each compared path. `email` and
//! `phone` also take the profile's identities of that kind (a person may have several).
use super::record::Plan;
use mongodb::bson::{Bson, Document, doc};

/// The projection that reads what `plan` needs (and the profile's sources).
pub fn projection(plan: &Plan) -> Document {
    let mut projection = doc! {
        "_id": 1, "name": 1, "email": 1, "phone": 1, "sources": 1, "identities": 1,
        "separated_from": 1, "created_at": 1,
    };
    for path in plan.paths() {
        projection.insert(format!("traits.{path}"), 1);
    }
    projection
}

/// The texts at `path` of `profile` (a projected profile document).
pub fn values(profile: &Document, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(traits) = profile.get_document("traits") {
        collect(lookup(traits, path), &mut out);
    }
    if matches!(path, "email" | "phone") {
        if let Ok(primary) = profile.get_str(path) {
            out.push(primary.to_owned());
        }
        for entry in profile.get_array("identities").into_iter().flatten() {
            if let Some(entry) = entry.as_document()
                && entry.get_str("kind").ok() == Some(path)
                && let Ok(value) = entry.get_str("value")
            {
                out.push(value.to_owned());
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn lookup<'a>(doc: &'a Document, path: &str) -> Option<&'a Bson> {
    let (head, rest) = match path.split_once('.') {
        Some((head, rest)) => (head, Some(rest)),
        None => (path, None),
    };
    let value = doc.get(head)?;
    match (rest, value) {
        (None, value) => Some(value),
        (Some(rest), Bson::Document(inner)) => lookup(inner, rest),
        _ => None,
    }
}

fn collect(value: Option<&Bson>, out: &mut Vec<String>) {
    match value {
        Some(Bson::String(s)) if !s.trim().is_empty() => out.push(s.clone()),
        Some(Bson::Int32(n)) => out.push(n.to_string()),
        Some(Bson::Int64(n)) => out.push(n.to_string()),
        Some(Bson::Double(n)) if n.fract() == 0.0 => out.push(format!("{n:.0}")),
        Some(Bson::DateTime(t)) => out.push(t.to_chrono().format("%Y-%m-%d").to_string()),
        Some(Bson::Array(items)) => items.iter().for_each(|i| collect(Some(i), out)),
        _ => {}
    }
}

/// The profile's sources.
pub fn sources(profile: &Document) -> Vec<String> {
    profile
        .get_array("sources")
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_reach_nested_traits_and_identities() {
        let profile = doc! {
            "email": "ana@x.test",
            "identities": [
                { "kind": "email", "value": "ana.silva@y.test" },
                { "kind": "phone", "value": "+821012345678" },
            ],
            "traits": { "address": { "city": "Porto" }, "birthday": "1985-03-02", "emails": ["a@b.c"] },
        };
        assert_eq!(values(&profile, "address.city"), ["Porto"]);
        assert_eq!(
            values(&profile, "email"),
            ["ana.silva@y.test", "ana@x.test"]
        );
        assert_eq!(values(&profile, "phone"), ["+821012345678"]);
        assert_eq!(values(&profile, "emails"), ["a@b.c"]);
        assert!(values(&profile, "address.street").is_empty());
    }
}
