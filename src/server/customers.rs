//! The customers list: a typed query compiled to a MongoDB filter (never user JSON), keyset
//! pagination on indexed sort keys, masked for the viewer.
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
        search::{CustomerQuery, CustomerSort, PAGE_SIZE},
    },
};
use chrono::{NaiveDate, TimeZone, Utc};
use futures::TryStreamExt;
use mongodb::{
    bson::{self, Bson, Document, doc, oid::ObjectId},
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
    let filter = compile(graph, keys, classes, query, sort).await?;
    let mut page_filter = filter.clone();
    if let Some(after) = Some(query.after.trim()).filter(|a| !a.is_empty()) {
        page_filter = doc! { "$and": [page_filter, after_cursor(sort, after)?] };
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
    let next = (docs.len() > PAGE_SIZE).then(|| cursor_of(sort, &docs[PAGE_SIZE - 1]));
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
) -> Result<Document, AppError> {
    let mut clauses = vec![profiles::live()];
    let q = query.q.trim();
    if !q.is_empty() {
        clauses.push(search_clause(graph, keys, classes, q).await?);
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

/// Identifiers first (exact, normalised), then a name prefix; `key:value` on a restricted
/// trait looks up its blind index.
async fn search_clause(
    graph: &IdentityGraph,
    keys: &KeyRing,
    classes: &Classes,
    q: &str,
) -> Result<Document, AppError> {
    if let Some((key, value)) = q.split_once(':')
        && classes.of(key.trim()) == FieldClass::Restricted
    {
        let key = check_trait_key("q", key.trim())?;
        let index = keys.blind_index(key, &serde_json::Value::String(value.trim().to_owned()));
        return Ok(doc! { format!("traits.{key}.bidx"): index });
    }
    let candidates = identity_candidates(graph, q);
    let owners = graph.identities.owners(&candidates).await?;
    let ids: Vec<ObjectId> = owners.into_values().collect();
    let prefix = format!("^{}", escape_regex(&q.to_lowercase()));
    Ok(doc! { "$or": [
        { "_id": { "$in": ids } },
        { "name_lower": { "$regex": prefix } },
    ] })
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

/// `value|id` of the last row shown: where the next page starts.
fn cursor_of(sort: CustomerSort, doc: &ProfileDoc) -> String {
    let value = match sort {
        CustomerSort::Created => doc.created_at.timestamp_millis().to_string(),
        CustomerSort::LastSeen => doc
            .last_seen
            .map_or(0, |t| t.timestamp_millis())
            .to_string(),
        CustomerSort::Name => doc.name_lower.clone(),
    };
    format!("{value}|{}", doc.id.to_hex())
}

fn after_cursor(sort: CustomerSort, cursor: &str) -> Result<Document, AppError> {
    let bad = || AppError::invalid("after", "must be a cursor from the previous page");
    let (value, id) = cursor.rsplit_once('|').ok_or_else(bad)?;
    let id: ObjectId = id.parse().map_err(|_| bad())?;
    let (field, value, op) = match sort {
        CustomerSort::Name => ("name_lower", Bson::String(value.to_owned()), "$gt"),
        other => {
            let millis: i64 = value.parse().map_err(|_| bad())?;
            let field = if other == CustomerSort::Created {
                "created_at"
            } else {
                "last_seen"
            };
            (
                field,
                Bson::DateTime(bson::DateTime::from_millis(millis)),
                "$lt",
            )
        }
    };
    Ok(doc! { "$or": [
        { field: { op: value.clone() } },
        { field: value, "_id": { op: id } },
    ] })
}
