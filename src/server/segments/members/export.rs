//! `GET /segments/{id}/export`: members as CSV, masked per role, audited, rate-limited per
//! user, and streamed from a cursor a chunk at a time, so a segment of millions never sits in
//! memory. Cells a spreadsheet would run as a formula are defused (OWASP CSV injection).
use super::super::{preview::member_sample, store::not_found};
use crate::{
    error::AppError,
    model::access::Permission,
    server::{
        AppState,
        audit::{self, Record},
        auth::Caller,
        db::memberships::{COLLECTION, MembershipDoc},
        limits::rate::{self, Bucket},
    },
};
use axum::{
    Extension,
    body::{Body, Bytes},
    extract::{Path, State},
    http::header,
    response::{IntoResponse, Response},
};
use futures::{Stream, StreamExt, TryStreamExt, stream};
use mongodb::bson::{doc, oid::ObjectId};
use std::{borrow::Cow, collections::HashMap};

/// Members read and written per chunk.
const CHUNK: usize = 1_000;
/// The header row.
const HEADER: [&str; 4] = ["profile_id", "name", "email", "entered_at"];

/// `GET /segments/{id}/export`.
pub async fn download(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    match start(&state, &caller, &id).await {
        Ok((segment, read_pii)) => {
            let headers = [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"segment-{segment}.csv\""),
                ),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ];
            let body = Body::from_stream(csv_rows(state, segment, read_pii));
            (headers, body).into_response()
        }
        Err(err) => err.into_response(),
    }
}

/// Checks the segment, the caller's rate and role, and audits the export before it streams.
async fn start(state: &AppState, caller: &Caller, id: &str) -> Result<(ObjectId, bool), AppError> {
    let id: ObjectId = id
        .parse()
        .map_err(|_| AppError::invalid("id", "is not a segment id"))?;
    let user = caller.user.as_ref().ok_or(AppError::Unauthorized)?;
    rate::charge(state, &user.id, Bucket::Export).await?;
    let engine = &state.segments;
    engine
        .segments
        .get(id)
        .await?
        .ok_or_else(|| not_found(id))?;
    let read_pii = user.can(Permission::ReadPii);
    let members = engine.memberships.count(id).await?;
    let masking = if read_pii { "unmasked" } else { "masked" };
    let record = Record::new("segment.export", id.to_hex());
    let detail = format!("{members} members, {masking}");
    audit::write(&state.db, caller, None, record.detail(detail)).await?;
    Ok((id, read_pii))
}

/// The header, then one chunk of rows per chunk of members read from the cursor.
fn csv_rows(
    state: AppState,
    segment: ObjectId,
    read_pii: bool,
) -> impl Stream<Item = Result<Bytes, AppError>> + Send + 'static {
    let collection = state.db.collection::<MembershipDoc>(COLLECTION);
    let members = stream::once(async move {
        collection
            .find(doc! { "segment_id": segment })
            .sort(doc! { "entered_at": -1, "_id": 1 })
            .await
    })
    .try_flatten()
    .map_err(AppError::from)
    .try_chunks(CHUNK)
    .map_err(|e| e.1);
    let rows = members.and_then(move |chunk| {
        let state = state.clone();
        async move { chunk_rows(&state, &chunk, read_pii).await }
    });
    stream::once(async { encode(&[HEADER.map(str::to_owned)]) }).chain(rows)
}

async fn chunk_rows(
    state: &AppState,
    chunk: &[MembershipDoc],
    read_pii: bool,
) -> Result<Bytes, AppError> {
    let ids: Vec<ObjectId> = chunk.iter().map(|m| m.profile_id).collect();
    let profiles: HashMap<ObjectId, _> = state
        .ingest
        .graph
        .profiles
        .get_many(&ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let rows: Vec<[String; 4]> = chunk
        .iter()
        .filter_map(|member| {
            let sample = member_sample(profiles.get(&member.profile_id)?, read_pii);
            let entered = member.entered_at.to_chrono().to_rfc3339();
            Some([
                sample.id,
                sample.name,
                sample.email.unwrap_or_default(),
                entered,
            ])
        })
        .collect();
    encode(&rows)
}

fn encode(rows: &[[String; 4]]) -> Result<Bytes, AppError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    for row in rows {
        out.write_record(row.iter().map(|cell| formula_safe(cell).into_owned()))
            .map_err(AppError::internal)?;
    }
    out.into_inner()
        .map(Bytes::from)
        .map_err(AppError::internal)
}

/// A cell a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, tab or
/// carriage return) gets a leading `'`, which makes it text (OWASP CSV injection).
pub fn formula_safe(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::formula_safe;

    #[test]
    fn item_13_formula_cells_are_prefixed() {
        for cell in ["=1+2", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(formula_safe(cell), format!("'{cell}"));
        }
        assert_eq!(formula_safe("Ann = Bee"), "Ann = Bee");
        assert_eq!(formula_safe(""), "");
    }
}
