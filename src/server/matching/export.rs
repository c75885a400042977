//! Every pair as CSV, for evaluating and auditing matching (`enrich match pairs --format csv`
//! and the download on Settings → Matching). The columns are stable: new ones are only ever
//! added at the end.
//!
//! `pair_id, profile_a, profile_b, score, weight, band, decision, decided_by, decided_at,
//! a_user_ids, a_emails, a_phones, a_external_ids, b_user_ids, b_emails, b_phones,
//! b_external_ids` — identifiers are each side's as stored, several joined with ` | `;
//! masked for roles that may not see personal data.
use crate::{
    error::AppError,
    model::access::Permission,
    server::{
        AppState,
        audit::{self, Record},
        auth::Caller,
        db::{
            match_pairs::{MatchPairs, PairDoc},
            profiles,
        },
        limits::rate::{self, Bucket},
        profile_view::disclose::mask_identifier,
        segments::members::export::formula_safe,
    },
};
use axum::{
    Extension,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use futures::TryStreamExt;
use mongodb::{
    Database,
    bson::{Document, doc, oid::ObjectId},
};
use std::collections::HashMap;

/// The header row.
pub const COLUMNS: [&str; 17] = [
    "pair_id",
    "profile_a",
    "profile_b",
    "score",
    "weight",
    "band",
    "decision",
    "decided_by",
    "decided_at",
    "a_user_ids",
    "a_emails",
    "a_phones",
    "a_external_ids",
    "b_user_ids",
    "b_emails",
    "b_phones",
    "b_external_ids",
];
/// The identifier kinds per side, in column order.
const KINDS: [&str; 4] = ["user_id", "email", "phone", "external"];
/// Pairs read (and their profiles looked up) at a time.
const CHUNK: usize = 500;

/// Writes every pair, highest score first, as CSV to `out`; `masked` hides identifiers.
pub async fn write_csv(
    db: &Database,
    out: impl std::io::Write,
    masked: bool,
) -> Result<u64, AppError> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(COLUMNS).map_err(AppError::internal)?;
    let mut cursor = MatchPairs::new(db).stream_all().await?;
    let (mut chunk, mut written) = (Vec::with_capacity(CHUNK), 0);
    loop {
        let next = cursor.try_next().await?;
        let end = next.is_none();
        chunk.extend(next);
        if chunk.len() == CHUNK || (end && !chunk.is_empty()) {
            let identifiers = identifiers_of(db, &chunk).await?;
            for pair in chunk.drain(..) {
                let cells = row(&pair, &identifiers, masked);
                let cells = cells.iter().map(|c| formula_safe(c).into_owned());
                writer.write_record(cells).map_err(AppError::internal)?;
                written += 1;
            }
        }
        if end {
            break;
        }
    }
    writer.flush().map_err(AppError::internal)?;
    Ok(written)
}

fn row(
    pair: &PairDoc,
    identifiers: &HashMap<ObjectId, Vec<(String, String)>>,
    masked: bool,
) -> Vec<String> {
    let mut row = vec![
        pair.id.clone(),
        pair.a.to_hex(),
        pair.b.to_hex(),
        format!("{:.6}", pair.score),
        format!("{:.3}", pair.weight),
        pair.band.as_str().to_owned(),
        pair.decision.as_str().to_owned(),
        pair.decided_by.clone().unwrap_or_default(),
        pair.decided_at
            .map(|t| t.to_chrono().to_rfc3339())
            .unwrap_or_default(),
    ];
    for side in [pair.a, pair.b] {
        let held = identifiers
            .get(&side)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for kind in KINDS {
            let values: Vec<String> = held
                .iter()
                .filter(|(k, _)| k == kind)
                .map(|(k, v)| {
                    if masked {
                        mask_identifier(k, v)
                    } else {
                        v.clone()
                    }
                })
                .collect();
            row.push(values.join(" | "));
        }
    }
    row
}

/// Each profile's identifiers (kind, value) as stored on it.
async fn identifiers_of(
    db: &Database,
    pairs: &[PairDoc],
) -> Result<HashMap<ObjectId, Vec<(String, String)>>, AppError> {
    let ids: Vec<ObjectId> = pairs.iter().flat_map(|p| [p.a, p.b]).collect();
    let found: Vec<Document> = db
        .collection::<Document>(profiles::COLLECTION)
        .find(doc! { "_id": { "$in": ids } })
        .projection(doc! { "identities": 1 })
        .await?
        .try_collect()
        .await?;
    Ok(found
        .iter()
        .filter_map(|p| {
            let id = p.get_object_id("_id").ok()?;
            let held = p
                .get_array("identities")
                .into_iter()
                .flatten()
                .filter_map(|i| {
                    let i = i.as_document()?;
                    Some((
                        i.get_str("kind").ok()?.to_owned(),
                        i.get_str("value").ok()?.to_owned(),
                    ))
                })
                .collect();
            Some((id, held))
        })
        .collect())
}

/// `GET /matching/pairs.csv`: the same CSV as a download, masked for roles without personal
/// data, rate-limited and audited like other exports.
pub async fn download(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Response {
    let result = async {
        let user = caller.user.as_ref().ok_or(AppError::Unauthorized)?;
        rate::charge(&state, &user.id, Bucket::Export).await?;
        let masked = !user.can(Permission::ReadPii);
        let mut bytes = Vec::new();
        let rows = write_csv(&state.db, &mut bytes, masked).await?;
        let masking = if masked { "masked" } else { "unmasked" };
        let record =
            Record::new("matching.export", None).detail(format!("{rows} pairs, {masking}"));
        audit::write(&state.db, &caller, None, record).await?;
        Ok::<_, AppError>(bytes)
    }
    .await;
    match result {
        Ok(bytes) => {
            let headers = [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"match-pairs.csv\"",
                ),
                (header::CACHE_CONTROL, "no-store"),
            ];
            (headers, bytes).into_response()
        }
        Err(err) => err.into_response(),
    }
}
