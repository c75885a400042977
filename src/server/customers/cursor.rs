//! The customers list's page cursor: the sort key and id of the last row shown, sealed with the
//! key ring, so the URL reveals nothing (not even a masked role's customers' names) and no one
//! can start a page at a position of their choosing.
use crate::{
    error::AppError,
    model::search::CustomerSort,
    server::{db::profiles::ProfileDoc, privacy::keyring::KeyRing},
};
use mongodb::bson::{self, Bson, Document, doc, oid::ObjectId};
use serde::{Deserialize, Serialize};

/// The purpose customer-list cursors are sealed for.
const PURPOSE: &str = "customers.after";

/// Where the next page starts, as sealed.
#[derive(Debug, Serialize, Deserialize)]
struct Position {
    /// The sort this cursor belongs to (`CustomerSort::as_str`).
    sort: String,
    /// `name_lower`, or the time in milliseconds.
    key: Bson,
    /// The last row's profile id.
    id: ObjectId,
}

/// The sealed cursor of the page after `doc` (the last row shown).
pub fn after(keys: &KeyRing, sort: CustomerSort, doc: &ProfileDoc) -> Result<String, AppError> {
    let key = match sort {
        CustomerSort::Created => Bson::Int64(doc.created_at.timestamp_millis()),
        CustomerSort::LastSeen => Bson::Int64(doc.last_seen.map_or(0, |t| t.timestamp_millis())),
        CustomerSort::Name => Bson::String(doc.name_lower.clone()),
    };
    let position = Position {
        sort: sort.as_str().to_owned(),
        key,
        id: doc.id,
    };
    let bytes = bson::to_vec(&position).map_err(AppError::internal)?;
    keys.seal_token(PURPOSE, &bytes)
}

/// The filter for the rows after `cursor` in `sort`; a cursor that was changed, belongs to
/// another sort or was not made here is refused, naming `after`.
pub fn filter(keys: &KeyRing, sort: CustomerSort, cursor: &str) -> Result<Document, AppError> {
    let bad = || AppError::invalid("after", "must be a cursor from the previous page");
    let bytes = keys.open_token(PURPOSE, cursor).ok_or_else(bad)?;
    let position: Position = bson::from_slice(&bytes).map_err(|_| bad())?;
    if position.sort != sort.as_str() {
        return Err(bad());
    }
    let (field, key, op) = match (sort, position.key) {
        (CustomerSort::Name, Bson::String(name)) => ("name_lower", Bson::String(name), "$gt"),
        (CustomerSort::Created, Bson::Int64(millis)) => ("created_at", time(millis), "$lt"),
        (CustomerSort::LastSeen, Bson::Int64(millis)) => ("last_seen", time(millis), "$lt"),
        _ => return Err(bad()),
    };
    Ok(doc! { "$or": [
        { field: { op: key.clone() } },
        { field: key, "_id": { op: position.id } },
    ] })
}

fn time(millis: i64) -> Bson {
    Bson::DateTime(bson::DateTime::from_millis(millis))
}
