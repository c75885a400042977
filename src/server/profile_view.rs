//! Stored profile → [`ProfileView`] for the customer page.
pub mod disclose;

use super::{
    db::{
        events::EventDoc,
        merges::{MergeDoc, MergeState},
        profile_doc::{ProfileDoc, ProfileStatus},
    },
    enrich::Retention,
    identity::IdentityGraph,
    live::convert::{page_path, without_query},
    privacy::classes::Classes,
};
use crate::{
    error::AppError,
    model::{
        consent::{ConsentView, PURPOSES},
        field::FieldClass,
        profile::{
            CounterView, EventView, IdentityView, MergeView, PageView, PastValueView,
            ProfileRights, ProfileView, TraitView,
        },
    },
    server::ingest::message::MessageType,
};
use disclose::disclose;
use mongodb::bson::{Bson, oid::ObjectId};
use std::collections::BTreeSet;

/// Events shown on the page before "Load older events".
pub const RECENT_EVENTS: i64 = 25;

/// How much of a profile the viewer may see and do.
#[derive(Debug, Clone, Default)]
pub struct Disclosure {
    /// Personal data unmasked (`ReadPii`).
    pub read_pii: bool,
    /// Field classification in force.
    pub classes: Classes,
    /// What the viewer may do.
    pub rights: ProfileRights,
    /// Fields revealed for this view (after a stated, audited reason).
    pub revealed: Vec<String>,
    /// Computed traits whose values are personal data (they copy event values).
    pub personal_computed: BTreeSet<String>,
}

impl Disclosure {
    fn shows(&self, field: &str) -> bool {
        self.read_pii || self.revealed.iter().any(|f| f == field)
    }
}

/// Loads profile `id` as the customer page shows it to a viewer with `disclosure`.
pub async fn load(
    graph: &IdentityGraph,
    id: ObjectId,
    disclosure: &Disclosure,
) -> Result<ProfileView, AppError> {
    let profile = graph.must_get(id).await?;
    let first_page = events_page(graph, id, None, None).await?;
    let merges = graph.merges.of_profile(id).await?;
    let mut view = view(profile, &merges);
    view.recent_events = first_page.events;
    view.events_next = first_page.next;
    disclose(&mut view, disclosure);
    Ok(view)
}

/// What `user` may see and do on customer `id`'s page (taking this view's reveal grants).
pub async fn disclosure_for(
    state: &crate::server::AppState,
    user: &crate::model::access::SessionUser,
    session: &tower_sessions::Session,
    id: ObjectId,
) -> Result<Disclosure, AppError> {
    use crate::model::access::Permission as P;
    let graph = &state.ingest.graph;
    let live = graph.live_profile_id(id).await?;
    let revealed = if user.can(P::RevealPii) {
        super::privacy::reveal::take_grants(session, live).await?
    } else {
        Vec::new()
    };
    let classes = graph.gate.classes.current().await?;
    let personal_computed = classes.personal_computed(&graph.db).await?;
    Ok(Disclosure {
        read_pii: user.can(P::ReadPii),
        classes,
        personal_computed,
        rights: ProfileRights {
            reveal: user.can(P::RevealPii),
            edit_consent: user.can(P::EditConsent),
            unmerge: user.can(P::Unmerge),
            merge: user.can(P::Steward),
            export: user.can(P::ExportCustomers),
            delete: user.can(P::DeleteCustomers),
        },
        revealed,
    })
}

/// A page of `id`'s events older than the cursor `before` (from an earlier page's `next`).
pub async fn events_page(
    graph: &IdentityGraph,
    id: ObjectId,
    kind: Option<&str>,
    before: Option<&str>,
) -> Result<crate::model::profile::EventPage, AppError> {
    let kind = match kind {
        None => None,
        Some(k) => Some(MessageType::parse(k).map(|_| k).ok_or_else(|| {
            AppError::invalid(
                "kind",
                "must be identify, track, page, screen, group or alias",
            )
        })?),
    };
    let before = before.map(parse_cursor).transpose()?;
    let mut events = graph
        .events
        .page(id, kind, before, RECENT_EVENTS + 1)
        .await?;
    let more = events.len() as i64 > RECENT_EVENTS;
    events.truncate(RECENT_EVENTS as usize);
    let next = more.then(|| events.last().map(cursor_of)).flatten();
    Ok(crate::model::profile::EventPage {
        events: events.iter().map(event_view).collect(),
        next,
    })
}

/// `millis|id` of an event: where the next page starts.
fn cursor_of(event: &EventDoc) -> String {
    format!("{}|{}", event.timestamp.timestamp_millis(), event.id)
}

fn parse_cursor(text: &str) -> Result<(mongodb::bson::DateTime, String), AppError> {
    let bad = || AppError::invalid("before", "must be a cursor from an earlier page");
    let (millis, id) = text.split_once('|').ok_or_else(bad)?;
    let millis: i64 = millis.parse().map_err(|_| bad())?;
    Ok((mongodb::bson::DateTime::from_millis(millis), id.to_owned()))
}

/// The raw value of a revealable `field` (`name`, `email`, `phone`, `traits.<key>`), if held.
pub fn raw_value(profile: &ProfileDoc, field: &str) -> Option<String> {
    match field {
        "name" => Some(profile.name.clone()).filter(|n| !n.is_empty()),
        "email" => profile.email.clone(),
        "phone" => profile.phone.clone(),
        _ => {
            let key = field.strip_prefix("traits.")?;
            profile.traits.get(key).map(|v| match v {
                Bson::String(text) => text.clone(),
                other => json_text(other),
            })
        }
    }
}

fn json_text(value: &Bson) -> String {
    value.clone().into_relaxed_extjson().to_string()
}

fn view(profile: ProfileDoc, merges: &[MergeDoc]) -> ProfileView {
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
        // Query strings and fragments often carry tokens or email addresses.
        last_page: profile.last_page.as_ref().map(|p| PageView {
            url: without_query(p.url.as_deref().or(p.path.as_deref()).unwrap_or_default())
                .to_owned(),
            title: p.title.clone(),
            referrer: p.referrer.as_deref().map(|r| without_query(r).to_owned()),
            at: p.at.to_chrono(),
        }),
        recent_events: Vec::new(),
        events_next: None,
        merges: merges
            .iter()
            .map(|m| merge_view(m, live && m.survivor == profile.id))
            .collect(),
        consent: consent_of(&profile),
        segments: Vec::new(),
        segment_changes: Vec::new(),
        masked: false,
        revealable: Vec::new(),
        revealed: Vec::new(),
        rights: ProfileRights::default(),
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
            class: FieldClass::Standard,
            masked: false,
        })
        .collect();
    traits.sort_by(|a, b| a.key.cmp(&b.key));
    traits
}

fn consent_of(profile: &ProfileDoc) -> Vec<ConsentView> {
    PURPOSES
        .into_iter()
        .map(|purpose| {
            let entry = profile.consent.iter().find(|c| c.purpose == purpose);
            ConsentView {
                purpose: purpose.to_owned(),
                granted: entry.map(|c| c.granted),
                source: entry.map(|c| c.source.clone()),
                at: entry.map(|c| c.at.to_chrono()),
            }
        })
        .collect()
}

/// One stored event as the timeline shows it.
pub fn event_view(event: &EventDoc) -> EventView {
    let kind = serde_json::to_value(event.message.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let detail = match event.message.kind {
        MessageType::Page => page_path(&event.message.raw),
        MessageType::Screen => event
            .message
            .raw
            .get("name")
            .and_then(|d| d.as_str())
            .map(str::to_owned),
        _ => None,
    };
    EventView {
        id: event.id.clone(),
        detail,
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
