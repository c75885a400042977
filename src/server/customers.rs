//! The customers list: a typed query compiled to a MongoDB filter (never user JSON), keyset
//! pagination on indexed sort keys, masked for the viewer.
mod cursor;

use super::{
    db::{
        audit::escape_regex,
        profiles::{self, ProfileDoc},
    },
    identity::{IdentityGraph, identifiers::IdentityKind},
    privacy::{classes::Classes, keyring::KeyRing, mask},
};
use crate::{
    api::customers::CustomerList,
    error::AppError,
    model::{
        CustomerSummary,
        field::{FieldClass, check_trait_key},
        search::{CustomerQuery, CustomerSort, PAGE_SIZE, name_words, prefix_key},
    },
};
use chrono::{NaiveDate, TimeZone, Utc};
use futures::TryStreamExt;
use mongodb::{
    bson::{self, Document, doc, oid::ObjectId},
    options::FindOptions,
};

/// Runs `query` for a viewer who may (`read_pii`) or may not see personal data.
pub async fn search(
    graph: &IdentityGraph,
    keys: &KeyRing,
    classes: &Classes,
    query: &CustomerQuery,
    read_pii: bool,
) -> Result<CustomerList, AppError> {
    let sort = CustomerSort::parse(query.sort.trim())
        .ok_or_else(|| AppError::invalid("sort", "must be created, last_seen or name"))?;
    let filter = compile(graph, keys, classes, query, sort, read_pii).await?;
    let mut page_filter = filter.clone();
    if let Some(after) = Some(query.after.trim()).filter(|a| !a.is_empty()) {
        page_filter = doc! { "$and": [page_filter, cursor::filter(keys, sort, after)?] };
    }
    let collection = analytics(graph);
    let options = FindOptions::builder()
        .sort(sort_keys(sort))
        .limit(PAGE_SIZE as i64 + 1)
        .build();
    let mut docs: Vec<ProfileDoc> = collection
        .find(page_filter)
        .with_options(options)
        .await?
        .try_collect()
        .await?;
    let next = (docs.len() > PAGE_SIZE)
        .then(|| cursor::after(keys, sort, &docs[PAGE_SIZE - 1]))
        .transpose()?;
    docs.truncate(PAGE_SIZE);
    let total = collection.count_documents(filter).await?;
    let customers = docs.into_iter().map(|d| summary(d, read_pii)).collect();
    Ok(CustomerList {
        customers,
        total,
        next,
    })
}

/// Profiles for lists and counts, read from a secondary when the server is a replica set.
pub fn analytics(graph: &IdentityGraph) -> mongodb::Collection<ProfileDoc> {
    super::db::analytics(&graph.db, profiles::COLLECTION)
}

fn summary(doc: ProfileDoc, read_pii: bool) -> CustomerSummary {
    let mut summary = CustomerSummary::from(doc);
    if !read_pii {
        summary.name = mask::mask_text(&summary.name);
        summary.email = summary.email.as_deref().map(mask::mask_email);
    }
    summary
}

async fn compile(
    graph: &IdentityGraph,
    keys: &KeyRing,
    classes: &Classes,
    query: &CustomerQuery,
    sort: CustomerSort,
    read_pii: bool,
) -> Result<Document, AppError> {
    let mut clauses = vec![profiles::live()];
    let q = query.q.trim();
    if !q.is_empty() {
        clauses.push(search_clause(graph, keys, classes, q, read_pii).await?);
    }
    if let Some(source) = Some(query.source.trim()).filter(|s| !s.is_empty()) {
        clauses.push(doc! { "sources": source });
    }
    let mut seen = Document::new();
    if let Some(from) = day("seen_from", &query.seen_from)? {
        seen.insert("$gte", from);
    }
    if let Some(to) = day("seen_to", &query.seen_to)? {
        seen.insert(
            "$lt",
            bson::DateTime::from_millis(to.timestamp_millis() + 86_400_000),
        );
    }
    if sort == CustomerSort::LastSeen {
        seen.insert("$exists", true);
    }
    if !seen.is_empty() {
        clauses.push(doc! { "last_seen": seen });
    }
    if let Some(key) = Some(query.has_trait.trim()).filter(|k| !k.is_empty()) {
        clauses.push(
            doc! { format!("traits.{}", check_trait_key("has_trait", key)?): { "$exists": true } },
        );
    }
    Ok(doc! { "$and": clauses })
}

fn day(field: &str, text: &str) -> Result<Option<bson::DateTime>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| AppError::invalid(field, "must be a date (YYYY-MM-DD)"))?;
    let start = Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).unwrap_or_default());
    Ok(Some(bson::DateTime::from_chrono(start)))
}

/// Identifiers first (exact, normalised), then a name (see [`name_clause`]).
/// `key:value` on a restricted trait looks up its blind index, for roles that read PII only:
/// it confirms a guessed value as surely as showing it.
async fn search_clause(
    graph: &IdentityGraph,
    keys: &KeyRing,
    classes: &Classes,
    q: &str,
    read_pii: bool,
) -> Result<Document, AppError> {
    if let Some((key, value)) = q.split_once(':')
        && classes.of(key.trim()) == FieldClass::Restricted
    {
        if !read_pii {
            return Err(AppError::denied(
                "q",
                "searching by a restricted value needs access to personal data",
            ));
        }
        let key = check_trait_key("q", key.trim())?;
        let index = keys.blind_index(key, &serde_json::Value::String(value.trim().to_owned()));
        return Ok(doc! { format!("traits.{key}.bidx"): index });
    }
    let candidates = identity_candidates(graph, q);
    let owners = graph.identities.owners(&candidates).await?;
    let ids: Vec<ObjectId> = owners.into_values().collect();
    Ok(doc! { "$or": [{ "_id": { "$in": ids } }, name_clause(q, read_pii)] })
}

/// Roles that read PII find a name by the start of any of its words ("garc" finds "Ana
/// García"); the others by the whole name only, as before, now without regard to case or
/// accents (a word or prefix would let them confirm a masked name piece by piece).
fn name_clause(q: &str, read_pii: bool) -> Document {
    let words = name_words(q);
    if words.is_empty() {
        return doc! { "_id": { "$exists": false } };
    }
    // `name_lower` also matches profiles stored before the word index existed, as it did then.
    let lower = q.trim().to_lowercase();
    if !read_pii {
        return doc! { "$or": [{ "name_folded": words.join(" ") }, { "name_lower": lower }] };
    }
    let each: Vec<Document> = words
        .iter()
        .map(|w| doc! { "name_prefixes": prefix_key(w) })
        .collect();
    let old = doc! { "name_lower": { "$regex": format!("^{}", escape_regex(&lower)) } };
    doc! { "$or": [{ "$and": each }, old] }
}

/// Every identifier key `q` could be, normalised per kind.
fn identity_candidates(graph: &IdentityGraph, q: &str) -> Vec<String> {
    let kinds = [
        IdentityKind::Email,
        IdentityKind::Phone,
        IdentityKind::UserId,
        IdentityKind::AnonymousId,
        IdentityKind::External,
    ];
    kinds
        .into_iter()
        .filter_map(|kind| graph.policy.normalise(kind, q))
        .map(|id| id.key())
        .collect()
}

fn sort_keys(sort: CustomerSort) -> Document {
    match sort {
        CustomerSort::Created => doc! { "created_at": -1, "_id": -1 },
        CustomerSort::LastSeen => doc! { "last_seen": -1, "_id": -1 },
        CustomerSort::Name => doc! { "name_lower": 1, "_id": 1 },
    }
}
