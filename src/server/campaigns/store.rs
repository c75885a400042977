//! Saving campaigns (the rules are in `validate`), and the list and page views.
use super::CampaignService;
use crate::{
    error::{AppError, FieldErrors},
    model::campaign::{
        CampaignDefinition, CampaignDetail, CampaignStatus, CampaignSummary, Schedule,
    },
    server::db::campaigns::CampaignDoc,
};
use mongodb::bson::{self, oid::ObjectId};

/// Most variants a campaign may test.
pub const MAX_VARIANTS: usize = 4;
/// Largest control group, in percent.
pub const MAX_HOLDOUT: u8 = 50;
/// Longest conversion window, in days.
pub const MAX_WINDOW_DAYS: u32 = 90;
/// Longest frequency-cap window, in days (campaign messages are kept longer than that).
pub const MAX_CAP_DAYS: u32 = 365;

/// Parses a hex id; the error names `field`.
pub fn parse_id(field: &str, id: &str) -> Result<ObjectId, AppError> {
    id.trim()
        .parse()
        .map_err(|_| AppError::invalid(field, "is not an id"))
}

impl CampaignService {
    /// Creates (no `id`) or changes a draft; returns its id.
    pub async fn save(
        &self,
        id: Option<ObjectId>,
        definition: CampaignDefinition,
        by: &str,
    ) -> Result<ObjectId, AppError> {
        self.save_checked(id, definition, FieldErrors::new(), by)
            .await
    }

    /// [`Self::save`] of a definition read from a form with `errors` already found, so every
    /// problem is reported at once.
    pub async fn save_checked(
        &self,
        id: Option<ObjectId>,
        mut definition: CampaignDefinition,
        errors: FieldErrors,
        by: &str,
    ) -> Result<ObjectId, AppError> {
        self.validate_with(&mut definition, id, errors).await?;
        let Some(id) = id else {
            let now = bson::DateTime::now();
            let doc = CampaignDoc {
                id: ObjectId::new(),
                definition,
                status: CampaignStatus::Draft,
                paused_from: None,
                runs: 0,
                next_run_at: None,
                trigger_since: None,
                trigger_floor: None,
                last_steps: Vec::new(),
                queued_runs: 0,
                created_by: by.to_owned(),
                created_at: now,
                updated_by: by.to_owned(),
                updated_at: now,
            };
            self.campaigns.insert(&doc).await?;
            return Ok(doc.id);
        };
        self.campaigns.must_get(id).await?;
        if !self.campaigns.update_draft(id, &definition, by).await? {
            return Err(AppError::Conflict {
                field: "id".into(),
                message: "only a draft can be changed; duplicate it to send a new version".into(),
            });
        }
        Ok(id)
    }

    /// Every campaign for the list page.
    pub async fn list(&self) -> Result<Vec<CampaignSummary>, AppError> {
        let docs = self.campaigns.list().await?;
        let ids: Vec<ObjectId> = docs.iter().map(|d| d.id).collect();
        let mut totals = self.outbox.totals(&ids).await?;
        Ok(docs
            .into_iter()
            .map(|doc| CampaignSummary {
                id: doc.id.to_hex(),
                name: doc.definition.name.clone(),
                channel: doc.definition.channel,
                status: doc.status,
                schedule: doc.definition.schedule.kind().to_owned(),
                totals: totals.remove(&doc.id).unwrap_or_default(),
                updated_at: doc.updated_at.to_chrono(),
            })
            .collect())
    }

    /// One campaign's page data.
    pub async fn detail(&self, id: ObjectId) -> Result<CampaignDetail, AppError> {
        let doc = self.campaigns.must_get(id).await?;
        let mut names = Vec::new();
        let segment_ids = doc.definition.include.iter().chain(&doc.definition.exclude);
        let trigger = match &doc.definition.schedule {
            Schedule::Triggered { segment_id } => Some(segment_id),
            _ => None,
        };
        for segment in segment_ids.chain(trigger) {
            let Ok(oid) = segment.parse() else { continue };
            if let Some(found) = self.segments.segments.get(oid).await? {
                names.push((segment.clone(), found.name));
            }
        }
        let totals = self.outbox.totals_of(id).await?;
        Ok(CampaignDetail {
            totals,
            id: doc.id.to_hex(),
            definition: doc.definition,
            status: doc.status,
            segment_names: names,
            runs: doc.runs,
            next_run_at: doc.next_run_at.map(|d| d.to_chrono()),
            last_steps: doc.last_steps,
            updated_by: doc.updated_by,
            updated_at: doc.updated_at.to_chrono(),
        })
    }
}
