//! Members in and out as files: `GET /segments/{id}/export` (CSV, masked per role, audited,
//! streamed; see [`export`]) and `POST /segments/static` (a multipart form: name, description
//! and a CSV of identifiers; works without JavaScript).
pub mod export;

pub use export::download;

use super::SegmentEngine;
use crate::{
    error::AppError,
    model::segment::{SegmentLabel, StaticUpload},
    server::{
        AppState,
        audit::{self, Record},
        auth::Caller,
        db::{identities, segments::SegmentDoc},
        identity::{identifiers::IdentityKind, resolve::kind_named},
        respond::{Accepted, upload_reply},
    },
};
use axum::{
    Extension,
    extract::{DefaultBodyLimit, Multipart, State},
    http::{HeaderMap, StatusCode},
    response::Response,
    routing::{MethodRouter, post},
};
use mongodb::bson::{self, Document, doc, oid::ObjectId};
use std::collections::BTreeSet;

/// Largest identifier list accepted.
const MAX_UPLOAD_BYTES: usize = 16 * 1024 * 1024;
/// Unknown identifiers listed back (all are counted).
const UNKNOWN_SHOWN: usize = 100;
/// Where the upload form lives.
const FORM_PAGE: &str = "/segments/static";

/// The upload route, with its own body limit.
pub fn upload_route() -> MethodRouter<AppState> {
    post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
}

async fn upload(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    form: Multipart,
) -> Response {
    let result = accept(&state, &caller, form).await.map(|report| {
        let query = serde_urlencoded::to_string([("unknown", report.unknown_count.to_string())])
            .unwrap_or_default();
        Accepted {
            status: StatusCode::CREATED,
            location: format!("/segments/{}?{query}", report.id),
            body: serde_json::to_value(&report).unwrap_or_default(),
        }
    });
    upload_reply(&headers, FORM_PAGE, result)
}

async fn accept(
    state: &AppState,
    caller: &Caller,
    mut form: Multipart,
) -> Result<StaticUpload, AppError> {
    let (mut name, mut description, mut bytes) = (String::new(), String::new(), Vec::new());
    while let Some(field) = form.next_field().await.map_err(|e| AppError::BadRequest {
        message: format!("unreadable upload: {e}"),
    })? {
        let key = field.name().unwrap_or_default().to_owned();
        let unreadable = |e: axum::extract::multipart::MultipartError| AppError::BadRequest {
            message: format!("unreadable field {key}: {e}"),
        };
        match key.as_str() {
            "name" => name = field.text().await.map_err(unreadable)?,
            "description" => description = field.text().await.map_err(unreadable)?,
            "file" => bytes = field.bytes().await.map_err(unreadable)?.to_vec(),
            _ => {}
        }
    }
    let label = SegmentLabel::parse(&name, &description)?;
    let identifiers = read_identifiers(&bytes)?;
    let by = caller
        .user
        .as_ref()
        .map(|u| u.email.clone())
        .unwrap_or_default();
    let report = state
        .segments
        .create_static(label, &identifiers, &by, &state.ingest.graph.policy)
        .await?;
    let detail = format!(
        "static upload: {} members, {} unknown",
        report.members, report.unknown_count
    );
    audit::write(
        &state.db,
        caller,
        None,
        Record::new("segment.change", report.id.clone()).detail(detail),
    )
    .await?;
    Ok(report)
}

/// The first column of every row, trimmed, without blanks and a header row.
pub fn read_identifiers(bytes: &[u8]) -> Result<Vec<String>, AppError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut out = Vec::new();
    for (line, record) in reader.records().enumerate() {
        let record =
            record.map_err(|e| AppError::invalid("file", format!("line {}: {e}", line + 1)))?;
        let Some(first) = record.get(0).map(str::trim).filter(|v| !v.is_empty()) else {
            continue;
        };
        let header = ["identifier", "id", "email", "user_id", "userid", "phone"];
        if line == 0 && header.contains(&first.to_lowercase().as_str()) {
            continue;
        }
        out.push(first.to_owned());
    }
    if out.is_empty() {
        return Err(AppError::invalid(
            "file",
            "must list at least one identifier, one per line",
        ));
    }
    Ok(out)
}

impl SegmentEngine {
    /// Creates a static segment of the live profiles `identifiers` name; reports the unknown.
    pub async fn create_static(
        &self,
        label: SegmentLabel,
        identifiers: &[String],
        by: &str,
        policy: &crate::server::identity::identifiers::IdentityPolicy,
    ) -> Result<StaticUpload, AppError> {
        let mut members = BTreeSet::new();
        let mut unknown = Vec::new();
        for raw in identifiers {
            match self.find_profile(raw, policy).await? {
                Some(id) => {
                    members.insert(id);
                }
                None => unknown.push(raw.clone()),
            }
        }
        let now = bson::DateTime::now();
        let segment = SegmentDoc::new(label, None, by, now);
        self.segments
            .insert(&segment, &super::store::version_of(&segment))
            .await?;
        let _writer = self.writer.lock().await;
        let mut changes = super::engine::Changes::default();
        let entering: std::collections::HashSet<ObjectId> = members.iter().copied().collect();
        super::engine::diff_members(&segment, &entering, &Default::default(), now, &mut changes);
        self.apply(changes).await?;
        let unknown_count = unknown.len() as u64;
        unknown.truncate(UNKNOWN_SHOWN);
        Ok(StaticUpload {
            id: segment.id.to_hex(),
            members: members.len() as u64,
            unknown,
            unknown_count,
        })
    }

    /// The live profile an identifier names: `kind:value` for an explicit kind, otherwise tried
    /// as email, phone, user id and anonymous id in turn.
    async fn find_profile(
        &self,
        raw: &str,
        policy: &crate::server::identity::identifiers::IdentityPolicy,
    ) -> Result<Option<ObjectId>, AppError> {
        let explicit = raw
            .split_once(':')
            .and_then(|(k, v)| Some((kind_named(k)?, v)));
        let kinds: Vec<(IdentityKind, &str)> = match explicit {
            Some((kind, value)) => vec![(kind, value)],
            None => [
                IdentityKind::Email,
                IdentityKind::Phone,
                IdentityKind::UserId,
                IdentityKind::AnonymousId,
            ]
            .into_iter()
            .map(|k| (k, raw))
            .collect(),
        };
        let collection = self.db.collection::<Document>(identities::COLLECTION);
        for (kind, value) in kinds {
            let Some(identifier) = policy.normalise(kind, value) else {
                continue;
            };
            let found = collection
                .find_one(doc! { "_id": identifier.key() })
                .await?;
            if let Some(profile) = found.and_then(|d| d.get_object_id("profile_id").ok()) {
                return Ok(Some(self.graph.live_profile_id(profile).await?));
            }
        }
        Ok(None)
    }
}
