//! Stored profile → [`ProfileView`] for the customer page.
use super::{
    db::{
        events::EventDoc,
        merges::{MergeDoc, MergeState},
        profile_doc::{ProfileDoc, ProfileStatus},
    },
    enrich::Retention,
    identity::IdentityGraph,
};
use crate::{
    error::AppError,
    model::profile::{
        CounterView, EventView, IdentityView, MergeView, PageView, PastValueView, ProfileView,
        TraitView,
    },
};
use mongodb::bson::{Bson, oid::ObjectId};

/// Events shown on the page.
const RECENT_EVENTS: i64 = 25;

/// Loads profile `id` as the customer page shows it.
pub async fn load(graph: &IdentityGraph, id: ObjectId) -> Result<ProfileView, AppError> {
    let profile = graph.must_get(id).await?;
    let events = graph.events.of_profile(id, Some(RECENT_EVENTS)).await?;
    let merges = graph.merges.of_profile(id).await?;
    Ok(view(profile, &events, &merges))
}

fn json_text(value: &Bson) -> String {
    value.clone().into_relaxed_extjson().to_string()
}

fn view(profile: ProfileDoc, events: &[EventDoc], merges: &[MergeDoc]) -> ProfileView {
    let thirty_days = Retention::days_from_now(30).first_kept_day();
    let live = profile.status == ProfileStatus::Live;
    ProfileView {
        id: profile.id.to_hex(),
        merged_into: profile.merged_into.map(|m| m.to_hex()),
        created_at: profile.created_at.to_chrono(),
        first_seen: profile.first_seen.map(|t| t.to_chrono()),
        last_seen: profile.last_seen.map(|t| t.to_chrono()),
        identities: profile
            .identities
            .iter()
            .map(|i| IdentityView {
                kind: i.kind.clone(),
                value: i.value.clone(),
                source: i.source.clone(),
                at: i.at.to_chrono(),
            })
            .collect(),
        traits: traits_of(&profile),
        computed: profile
            .computed
            .iter()
            .map(|(k, v)| (k.clone(), json_text(v)))
            .collect(),
        counters: profile
            .counters
            .iter()
            .map(|c| CounterView {
                event: c.event.clone(),
                total: c.total,
                last_30_days: c
                    .daily
                    .iter()
                    .filter(|d| d.day >= thirty_days)
                    .map(|d| d.count)
                    .sum(),
            })
            .collect(),
        last_page: profile.last_page.as_ref().map(|p| PageView {
            url: p.url.clone().or_else(|| p.path.clone()).unwrap_or_default(),
            title: p.title.clone(),
            referrer: p.referrer.clone(),
            at: p.at.to_chrono(),
        }),
        recent_events: events.iter().map(event_view).collect(),
        merges: merges
            .iter()
            .map(|m| merge_view(m, live && m.survivor == profile.id))
            .collect(),
        name: profile.name,
        email: profile.email,
        phone: profile.phone,
        sources: profile.sources,
    }
}

fn traits_of(profile: &ProfileDoc) -> Vec<TraitView> {
    let mut traits: Vec<TraitView> = profile
        .provenance
        .iter()
        .map(|p| TraitView {
            key: p.key.clone(),
            value: profile
                .traits
                .get(&p.key)
                .map(json_text)
                .unwrap_or_default(),
            source: p.source.clone(),
            at: p.at.to_chrono(),
            history: p
                .history
                .iter()
                .map(|h| PastValueView {
                    value: json_text(&h.value),
                    source: h.source.clone(),
                    at: h.at.to_chrono(),
                })
                .collect(),
        })
        .collect();
    traits.sort_by(|a, b| a.key.cmp(&b.key));
    traits
}

fn event_view(event: &EventDoc) -> EventView {
    let kind = serde_json::to_value(event.message.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    EventView {
        kind,
        name: event.event.clone().or_else(|| event.message.name.clone()),
        source: event.source.clone(),
        at: event.timestamp.to_chrono(),
    }
}

fn merge_view(merge: &MergeDoc, survivor_is_live: bool) -> MergeView {
    let absorbed = &merge.absorbed_before;
    let label = if absorbed.name.is_empty() {
        absorbed
            .identities
            .first()
            .map(|i| format!("{} {}", i.kind, i.value))
            .unwrap_or_else(|| absorbed.id.to_hex())
    } else {
        absorbed.name.clone()
    };
    let state = serde_json::to_value(merge.state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    MergeView {
        id: merge.id.to_hex(),
        survivor: merge.survivor.to_hex(),
        absorbed: merge.absorbed.to_hex(),
        absorbed_label: label,
        at: merge.at.to_chrono(),
        can_undo: survivor_is_live && merge.state == MergeState::Done,
        state,
    }
}
