//! Stored segments turned into what the pages show.
use super::{SegmentEngine, preview::member_sample, vocabulary::vocabulary};
use crate::{
    error::AppError,
    model::segment::{
        BuilderCatalog, CatalogEvent, CatalogField, MemberPage, MembershipView, SegmentStatus,
        SegmentSummary, TransitionView,
    },
    server::db::{memberships::TransitionDoc, profiles::live_count, segments::SegmentDoc},
};
use mongodb::bson::{doc, oid::ObjectId};
use std::collections::HashMap;

/// Size samples in a list row's sparkline.
const TREND_POINTS: i64 = 24;
/// Transitions listed on the segment and customer pages.
pub const TRANSITIONS_SHOWN: i64 = 20;

/// The list row of `doc`, with its size `trend`.
pub fn summary(doc: &SegmentDoc, trend: Vec<u64>) -> SegmentSummary {
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
        exposed_key: doc.exposed_key.clone(),
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
        let total_profiles = live_count(&self.db).await?;
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

/// `t` as pages list it, with its segment's name from `names`.
pub fn transition_view(t: &TransitionDoc, names: &HashMap<ObjectId, String>) -> TransitionView {
    TransitionView {
        customer: String::new(),
        segment_id: t.segment_id.to_hex(),
        segment: names.get(&t.segment_id).cloned().unwrap_or_default(),
        profile_id: t.profile_id.to_hex(),
        kind: t.kind.as_str().to_owned(),
        at: t.at.to_chrono(),
    }
}
