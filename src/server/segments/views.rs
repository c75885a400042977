//! Stored segments turned into what the pages show.
use super::{SegmentEngine, preview::member_sample, store::not_found, vocabulary::vocabulary};
use crate::{
    error::AppError,
    model::segment::{
        BuilderCatalog, CatalogEvent, CatalogField, MemberPage, MembershipView, SegmentDetail,
        SegmentStatus, SegmentSummary, SegmentVersion, TransitionView,
    },
    segment::describe::{describe_text, diff},
    server::db::{
        memberships::TransitionDoc,
        profiles::{COLLECTION as PROFILES, live},
        segments::SegmentDoc,
    },
};
use mongodb::bson::{Document, doc, oid::ObjectId};
use std::collections::HashMap;

/// Size samples in a list row's sparkline.
const TREND_POINTS: i64 = 24;
/// Size samples on the segment page's chart.
const HISTORY_POINTS: i64 = 288;
/// Transitions listed on the segment and customer pages.
const TRANSITIONS_SHOWN: i64 = 20;

fn summary(doc: &SegmentDoc, trend: Vec<u64>) -> SegmentSummary {
    SegmentSummary {
        id: doc.id.to_hex(),
        name: doc.name.clone(),
        description: doc.description.clone(),
        kind: doc.kind,
        status: doc.status,
        size: u64::try_from(doc.size).unwrap_or(0),
        trend,
        owner: doc.owner.clone(),
        updated_at: doc.updated_at.to_chrono(),
        updated_by: doc.updated_by.clone(),
        version: u32::try_from(doc.version).unwrap_or(0),
    }
}

impl SegmentEngine {
    /// Every segment with its trend, active first.
    pub async fn list(&self) -> Result<Vec<SegmentSummary>, AppError> {
        let mut out = Vec::new();
        for doc in self.segments.all().await? {
            let trend = self.segments.sizes(doc.id, TREND_POINTS).await?;
            out.push(summary(
                &doc,
                trend.iter().map(|s| s.size.max(0) as u64).collect(),
            ));
        }
        Ok(out)
    }

    /// The segment page for `id`.
    pub async fn detail(&self, id: ObjectId) -> Result<SegmentDetail, AppError> {
        let doc = self.segments.get(id).await?.ok_or_else(|| not_found(id))?;
        let history = self.segments.sizes(id, HISTORY_POINTS).await?;
        let versions = self.segments.versions(id).await?;
        let version_views = versions
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let older = versions.get(i + 1);
                let mut changes = Vec::new();
                if let Some(older) = older {
                    if older.name != v.name {
                        changes.push(format!("name: \"{}\" → \"{}\"", older.name, v.name));
                    }
                    if older.description != v.description {
                        changes.push("description changed".to_owned());
                    }
                    changes.extend(diff(&older.rule_text, &v.rule_text));
                } else {
                    changes.push("created".to_owned());
                }
                SegmentVersion {
                    version: u32::try_from(v.version).unwrap_or(0),
                    by: v.by.clone(),
                    at: v.at.to_chrono(),
                    diff: changes,
                }
            })
            .collect();
        let transitions = self
            .memberships
            .transitions(doc! { "segment_id": id }, TRANSITIONS_SHOWN)
            .await?;
        let names = HashMap::from([(id, doc.name.clone())]);
        Ok(SegmentDetail {
            summary: summary(&doc, Vec::new()),
            rule_text: doc
                .rule
                .as_ref()
                .map(describe_text)
                .unwrap_or_else(|| "uploaded list".into()),
            rule: doc.rule.clone(),
            time_relative: doc.time_relative,
            compute: doc.compute.as_ref().map(Into::into),
            history: history
                .iter()
                .map(|s| (s.at.to_chrono(), s.size.max(0) as u64))
                .collect(),
            versions: version_views,
            transitions: transitions
                .iter()
                .map(|t| transition_view(t, &names))
                .collect(),
        })
    }

    /// A page of members of `id`, masked unless `read_pii`.
    pub async fn members(
        &self,
        id: ObjectId,
        page: u64,
        read_pii: bool,
    ) -> Result<MemberPage, AppError> {
        const PAGE: i64 = 50;
        let memberships = self.memberships.page(id, page * PAGE as u64, PAGE).await?;
        let ids: Vec<ObjectId> = memberships.iter().map(|m| m.profile_id).collect();
        let profiles: HashMap<ObjectId, _> = self
            .graph
            .profiles
            .get_many(&ids)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let members = memberships
            .iter()
            .filter_map(|m| {
                let profile = profiles.get(&m.profile_id)?;
                Some((member_sample(profile, read_pii), m.entered_at.to_chrono()))
            })
            .collect();
        Ok(MemberPage {
            members,
            total: self.memberships.count(id).await?,
        })
    }

    /// The segments profile `id` is in, and its latest entries and exits.
    pub async fn of_profile(
        &self,
        id: ObjectId,
    ) -> Result<(Vec<MembershipView>, Vec<TransitionView>), AppError> {
        let names: HashMap<ObjectId, String> = self
            .segments
            .all()
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
        let memberships = self
            .memberships
            .of_profiles(&[id])
            .await?
            .into_iter()
            .map(|m| MembershipView {
                segment_id: m.segment_id.to_hex(),
                name: names.get(&m.segment_id).cloned().unwrap_or_default(),
                entered_at: m.entered_at.to_chrono(),
            })
            .collect();
        let transitions = self
            .memberships
            .transitions(doc! { "profile_id": id }, TRANSITIONS_SHOWN)
            .await?;
        Ok((
            memberships,
            transitions
                .iter()
                .map(|t| transition_view(t, &names))
                .collect(),
        ))
    }

    /// What the builder's pickers offer.
    pub async fn builder_catalog(&self, counter_days: u32) -> Result<BuilderCatalog, AppError> {
        let known = vocabulary(&self.graph, counter_days).await?;
        let coverage: HashMap<String, u64> = self
            .graph
            .fields
            .list()
            .await?
            .into_iter()
            .filter(|f| f.scope == "trait")
            .map(|f| (f.path, f.profiles.max(0) as u64))
            .collect();
        let counts: HashMap<String, u64> = self
            .graph
            .fields
            .events
            .all()
            .await?
            .into_iter()
            .map(|e| (e.name, e.count.max(0) as u64))
            .collect();
        let field = |(path, types): (String, Vec<String>)| CatalogField {
            coverage: coverage.get(&path).copied().unwrap_or(0),
            path,
            types,
        };
        let mut events: Vec<CatalogEvent> = known
            .events
            .into_iter()
            .map(|(name, properties)| CatalogEvent {
                count: counts.get(&name).copied().unwrap_or(0),
                name,
                properties: properties.into_iter().map(field).collect(),
            })
            .collect();
        events.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
        let segments = self
            .segments
            .all()
            .await?
            .into_iter()
            .filter(|s| s.status == SegmentStatus::Active)
            .map(|s| (s.id.to_hex(), s.name))
            .collect();
        let total_profiles = crate::server::db::analytics::<Document>(&self.db, PROFILES)
            .count_documents(live())
            .await?;
        Ok(BuilderCatalog {
            traits: known.traits.into_iter().map(field).collect(),
            computed: known.computed.into_iter().map(field).collect(),
            events,
            purposes: known.purposes.into_iter().collect(),
            identity_kinds: known.identity_kinds.into_iter().collect(),
            segments,
            total_profiles,
            counter_days,
        })
    }
}

fn transition_view(t: &TransitionDoc, names: &HashMap<ObjectId, String>) -> TransitionView {
    TransitionView {
        segment_id: t.segment_id.to_hex(),
        segment: names.get(&t.segment_id).cloned().unwrap_or_default(),
        profile_id: t.profile_id.to_hex(),
        kind: t.kind.as_str().to_owned(),
        at: t.at.to_chrono(),
    }
}
