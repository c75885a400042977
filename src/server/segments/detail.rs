//! One segment's page: its rule, one member count (the stored memberships, which the member list
//! pages through), size history, versions with what changed, and the latest entries and exits
//! with the people's names, masked by role.
use super::{
    SegmentEngine,
    preview::member_sample,
    store::not_found,
    views::{TRANSITIONS_SHOWN, summary, transition_view},
};
use crate::{
    error::AppError,
    model::segment::{SegmentDetail, SegmentVersion, TransitionView},
    segment::describe::{describe_text, diff},
    server::db::segments::VersionDoc,
};
use mongodb::bson::{doc, oid::ObjectId};
use std::collections::HashMap;

/// Size samples on the segment page's chart.
const HISTORY_POINTS: i64 = 288;

impl SegmentEngine {
    /// The segment page for `id`; names of people are masked unless `read_pii`.
    pub async fn detail(&self, id: ObjectId, read_pii: bool) -> Result<SegmentDetail, AppError> {
        let doc = self.segments.get(id).await?.ok_or_else(|| not_found(id))?;
        let history = self.segments.sizes(id, HISTORY_POINTS).await?;
        let versions = self.segments.versions(id).await?;
        let mut summary = summary(&doc, Vec::new());
        // The count the member list pages through: the page shows one number.
        summary.size = self.memberships.count(id).await?;
        Ok(SegmentDetail {
            summary,
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
            versions: version_views(&versions),
            transitions: self.named_transitions(id, &doc.name, read_pii).await?,
        })
    }

    /// The latest entries and exits of segment `id`, with the people's names.
    async fn named_transitions(
        &self,
        id: ObjectId,
        name: &str,
        read_pii: bool,
    ) -> Result<Vec<TransitionView>, AppError> {
        let transitions = self
            .memberships
            .transitions(doc! { "segment_id": id }, TRANSITIONS_SHOWN)
            .await?;
        let ids: Vec<ObjectId> = transitions.iter().map(|t| t.profile_id).collect();
        let people: HashMap<ObjectId, String> = self
            .graph
            .profiles
            .get_many(&ids)
            .await?
            .iter()
            .map(|p| (p.id, member_sample(p, read_pii).name))
            .collect();
        let names = HashMap::from([(id, name.to_owned())]);
        Ok(transitions
            .iter()
            .map(|t| TransitionView {
                customer: people
                    .get(&t.profile_id)
                    .filter(|n| !n.is_empty())
                    .cloned()
                    .unwrap_or_else(|| "Anonymous".into()),
                ..transition_view(t, &names)
            })
            .collect())
    }
}

/// Versions, newest first, each with what changed against the one before.
fn version_views(versions: &[VersionDoc]) -> Vec<SegmentVersion> {
    versions
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let mut changes = Vec::new();
            if let Some(older) = versions.get(i + 1) {
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
        .collect()
}
