//! Previews (how many match a rule right now, and who) and overlaps of two segments. Both read
//! with `secondaryPreferred`, away from ingestion when the server is a replica set.
use super::{SegmentEngine, pii_guard::K_FLOOR, store::not_found, vocabulary::vocabulary};
use crate::{
    error::AppError,
    model::segment::{CountBand, MemberSample, SAMPLE_SIZE, SegmentOverlap, SegmentPreview},
    segment::{Rule, validate::validate},
    server::{
        customers::analytics,
        db::profiles::{ProfileDoc, live_count},
        privacy::mask,
    },
};
use chrono::Utc;
use futures::TryStreamExt;
use mongodb::{bson::oid::ObjectId, options::FindOptions};
use std::collections::HashSet;

impl SegmentEngine {
    /// How many live profiles `rule` matches now, of how many, and a sample (masked unless
    /// `read_pii`). `editing` is the segment being edited, which its own rule may not name.
    /// Without `read_pii`, personal fields may only be tested for presence, and a count too
    /// near 0 or the total is given as a band with no sample.
    pub async fn preview(
        &self,
        rule: &Rule,
        editing: Option<ObjectId>,
        read_pii: bool,
        counter_days: u32,
    ) -> Result<SegmentPreview, AppError> {
        self.check_personal(rule, read_pii).await?;
        let mut known = vocabulary(&self.graph, counter_days).await?;
        if let Some(id) = editing {
            known.segments.remove(&id.to_hex());
        }
        let profiles = analytics(&self.graph);
        // A rule being edited is often unfinished: that is an answer, not a failed request.
        if let Err(AppError::Invalid { field, message }) = validate(rule, &known) {
            return Ok(SegmentPreview {
                count: 0,
                total: live_count(&self.graph.db).await?,
                sample: Vec::new(),
                problem: Some(format!("{field}: {message}")),
                band: None,
            });
        }
        let query = self.compiled(rule, Utc::now()).await?;
        // The first members found, unsorted: the read stops there instead of scanning and
        // sorting every match a second time next to the count.
        let options = FindOptions::builder().limit(SAMPLE_SIZE as i64).build();
        // Three reads that do not depend on each other: sent at once.
        let sample = async {
            let found: Vec<ProfileDoc> = profiles
                .find(query.clone())
                .with_options(options)
                .await?
                .try_collect()
                .await?;
            Ok::<_, AppError>(found)
        };
        let count = async { Ok::<_, AppError>(profiles.count_documents(query.clone()).await?) };
        let total = live_count(&self.graph.db);
        let (count, total, sample) = futures::try_join!(count, total, sample)?;
        let band = (!read_pii).then(|| band(count, total)).flatten();
        Ok(SegmentPreview {
            count: if band.is_some() { 0 } else { count },
            total,
            sample: match band {
                Some(_) => Vec::new(),
                None => sample.iter().map(|p| member_sample(p, read_pii)).collect(),
            },
            problem: None,
            band,
        })
    }

    /// Sizes of `a ∩ b`, `a − b` and `b − a` from the stored memberships.
    pub async fn overlap(&self, a: ObjectId, b: ObjectId) -> Result<SegmentOverlap, AppError> {
        for id in [a, b] {
            self.segments.get(id).await?.ok_or_else(|| not_found(id))?;
        }
        let first: HashSet<ObjectId> = self.memberships.member_ids(a).await?.into_iter().collect();
        let second: HashSet<ObjectId> = self.memberships.member_ids(b).await?.into_iter().collect();
        let both = first.intersection(&second).count() as u64;
        Ok(SegmentOverlap {
            both,
            first_only: first.len() as u64 - both,
            second_only: second.len() as u64 - both,
        })
    }
}

/// The band `count` of `total` is shown as when it is too near 0 or the total to be exact: a
/// count of 1, or of everyone but 1, singles a person out.
fn band(count: u64, total: u64) -> Option<CountBand> {
    if count < K_FLOOR {
        Some(CountBand::FewerThan(K_FLOOR))
    } else if total.saturating_sub(count) < K_FLOOR {
        Some(CountBand::AllButFewerThan(K_FLOOR))
    } else {
        None
    }
}

/// A member as previews and member lists show it.
pub fn member_sample(profile: &ProfileDoc, read_pii: bool) -> MemberSample {
    let (name, email) = if read_pii {
        (profile.name.clone(), profile.email.clone())
    } else {
        (
            mask::mask_text(&profile.name),
            profile.email.as_deref().map(mask::mask_email),
        )
    };
    MemberSample {
        id: profile.id.to_hex(),
        name,
        email,
    }
}
