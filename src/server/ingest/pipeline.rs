//! Messages → identity resolution → profile update → stored event, exactly once per
//! (source, messageId). The reply is sent only after all of it is written.
use super::{
    batch::{BatchState, apply_message, message_key},
    message::{Message, MessageType},
    pass::{Pass, Step},
};
use crate::{
    error::AppError,
    server::{
        catalog::trait_paths,
        db::{catalog_misses::CatalogMisses, products::Products},
        db::{
            events::EventDoc,
            profile_doc::{APPLIED_MEMORY, ProductEventEntry, ProfileDoc, ProfileStatus},
            recommend_queue::QueuedEvents,
            sources::SourceDoc,
        },
        enrich::apply::counted_event,
        identity::{
            IdentityGraph,
            identifiers::{Identifier, IdentityKind},
        },
        live::convert::live_event,
        products::{links::Linker, recommend::learn::LinkedEvent},
    },
};
use mongodb::bson::{self, oid::ObjectId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What happened to a request's messages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IngestReport {
    /// Always true on a 2xx answer (Segment's reply shape).
    pub success: bool,
    /// Messages stored and applied now.
    pub accepted: usize,
    /// Messages already stored earlier (retries), acknowledged without applying them again.
    pub duplicates: usize,
    /// Identifiers not attached because of a limit or an admin's separation.
    pub refused_identifiers: usize,
    /// Messages dropped because they name a person who was forgotten (right to be forgotten).
    #[serde(default)]
    pub suppressed: usize,
}

/// Applies `messages` from `source`, in order: in passes of at most [`APPLIED_MEMORY`]
/// messages (a pass's profiles are written before its events, and a profile remembers that
/// many applied messages, so a crash between the two never applies a message twice).
pub async fn ingest(
    graph: &IdentityGraph,
    source: &SourceDoc,
    incoming: &[Message],
) -> Result<IngestReport, AppError> {
    graph.lease.hold(ingest_held(graph, source, incoming)).await
}

async fn ingest_held(
    graph: &IdentityGraph,
    source: &SourceDoc,
    incoming: &[Message],
) -> Result<IngestReport, AppError> {
    // Held until every event of the batch is stored: an unmerge must not rebuild a profile
    // from its events while an applied message's event is still on its way (and a deletion
    // must not race a batch that would re-create the person).
    let _no_rebuild = graph.rebuild_lock.read().await;
    graph.load_kept().await?;
    let ids: Vec<String> = incoming.iter().map(|m| m.message_id.clone()).collect();
    let products = Products::new(&graph.db);
    let (admitted, mut seen, links) = tokio::try_join!(
        graph.gate.admit(&graph.policy, incoming),
        graph.events.stored_ids(source.id, &ids),
        Linker::for_messages(&products, incoming),
    )?;
    let messages: &[Message] = &admitted.messages;
    let fresh: Vec<usize> = (0..messages.len())
        .filter(|i| seen.insert(messages[*i].message_id.clone()))
        .collect();
    let mut run = Run {
        graph,
        source,
        messages,
        batch: BatchState::with_links(links),
        report: IngestReport {
            success: true,
            suppressed: admitted.suppressed,
            duplicates: messages.len() - fresh.len(),
            ..IngestReport::default()
        },
        linked: Vec::new(),
        identified: BTreeSet::new(),
    };
    let mut queue: &[usize] = &fresh;
    while !queue.is_empty() {
        let chunk = &queue[..queue.len().min(APPLIED_MEMORY)];
        if !graph.one_pass {
            run.one_by_one(chunk).await?;
            queue = &queue[chunk.len()..];
            continue;
        }
        let done = run.pass(chunk).await?;
        queue = &queue[done..];
        if done < chunk.len() {
            run.one_by_one(&queue[..1]).await?;
            queue = &queue[1..];
        }
    }
    run.finish().await;
    Ok(run.report)
}

/// One request's messages on their way in.
struct Run<'a> {
    graph: &'a IdentityGraph,
    source: &'a SourceDoc,
    messages: &'a [Message],
    batch: BatchState,
    report: IngestReport,
    linked: Vec<LinkedEvent>,
    /// Profiles an identify call reached: matching looks at them again.
    identified: BTreeSet<ObjectId>,
}

impl Run<'_> {
    /// Plans and writes `chunk` in one pass, up to the first message that merges profiles;
    /// how many messages it took.
    async fn pass(&mut self, chunk: &[usize]) -> Result<usize, AppError> {
        let graph = self.graph;
        // Claims and limits are decided on data no other resolution in this process changes
        // between the pass's read and its writes.
        let serial = graph.claim_lock.lock().await;
        let mut pass = Pass::read(graph, self.source, self.messages, chunk).await?;
        let mut planned = Vec::with_capacity(chunk.len());
        for index in chunk {
            match pass.plan(*index) {
                Step::Planned { profile, refused } => planned.push((*index, profile, refused)),
                Step::Alone => break,
            }
        }
        for (index, _, refused) in &planned {
            if !refused.is_empty() {
                let key = message_key(self.source.id, &self.messages[*index]);
                tracing::warn!(message = %key, ?refused, "identifiers refused");
            }
        }
        graph.lease.check()?;
        let written = pass.write(&mut self.batch.catalog).await?;
        let done = planned.len();
        if !written {
            drop(serial);
            self.one_by_one(&chunk[..done]).await?;
            return Ok(done);
        }
        let events: Vec<EventDoc> = planned
            .into_iter()
            .map(|(index, profile, refused)| self.event_for(index, profile, refused.len()))
            .collect();
        // Still under the lock every merge in this process takes: no profile of these events
        // can be merged away between their profile's write and their insert.
        graph.events.insert_all(&events).await?;
        drop(serial);
        announce(graph, &events);
        Ok(done)
    }

    /// Resolves and applies `indices` one message at a time (merges, lost claims).
    async fn one_by_one(&mut self, indices: &[usize]) -> Result<(), AppError> {
        let (graph, source) = (self.graph, self.source);
        // Profiles held from an earlier call may have been written by a pass since.
        self.batch.forget();
        let mut events = Vec::with_capacity(indices.len());
        for index in indices {
            let (profile, refused) =
                ingest_one(graph, source, self.messages, *index, &mut self.batch).await?;
            events.push(self.event_for(*index, profile, refused));
        }
        self.batch
            .write(graph, (source.id, &source.name), self.messages)
            .await?;
        store_events(graph, events).await
    }

    /// The stored event for message `index`, counted in the report.
    fn event_for(
        &mut self,
        index: usize,
        profile_id: Option<ObjectId>,
        refused: usize,
    ) -> EventDoc {
        let (message, source) = (&self.messages[index], self.source);
        let counted = counted_event(message);
        self.batch
            .catalog
            .saw_message(message, counted.as_deref(), message.timestamp);
        let event = EventDoc {
            id: message_key(source.id, message),
            source_id: source.id,
            source: source.name.clone(),
            message_id: message.message_id.clone(),
            event: counted,
            profile_id,
            home_profile_id: profile_id,
            timestamp: bson::DateTime::from_chrono(message.timestamp),
            received_at: bson::DateTime::from_chrono(message.received_at),
            message: message.clone(),
            products: self.batch.links.link(message),
        };
        self.linked.extend(LinkedEvent::of(&event));
        if message.kind == MessageType::Identify
            && let Some(profile) = profile_id
        {
            self.identified.insert(profile);
        }
        self.report.accepted += 1;
        self.report.refused_identifiers += refused;
        event
    }

    /// The steps after every message is stored and applied: a failure here is logged, not
    /// answered with an error the client would retry (its retry would only be acknowledged as
    /// duplicates).
    async fn finish(&mut self) {
        let graph = self.graph;
        let batch = std::mem::take(&mut self.batch);
        if let Err(err) = batch.catalog.flush(&graph.fields).await {
            tracing::error!(%err, "field catalog not updated for a batch");
        }
        if let Err(err) = CatalogMisses::new(&graph.db)
            .record(&batch.links.misses)
            .await
        {
            tracing::error!(%err, "unknown product references not counted for a batch");
        }
        if let Err(err) = queue_for_recommendations(graph, std::mem::take(&mut self.linked)).await {
            tracing::error!(%err, "product events not queued for recommendations");
        }
        let identified: Vec<ObjectId> = std::mem::take(&mut self.identified).into_iter().collect();
        if let Err(err) = graph.match_queue.push(&identified).await {
            tracing::error!(%err, "identified profiles not queued for matching");
        }
    }
}

/// Stores events resolved one by one, then moves any whose profile was merged away meanwhile
/// (by a later message of the same group, or a concurrent request) to the survivor: a merge
/// marks the profile merged before it re-points events, so checking after the insert leaves no
/// gap.
async fn store_events(graph: &IdentityGraph, events: Vec<EventDoc>) -> Result<(), AppError> {
    if events.is_empty() {
        return Ok(());
    }
    graph.events.insert_all(&events).await?;
    let profiles = announce(graph, &events);
    for merged in graph.profiles.merged_among(&profiles).await? {
        let live = graph.live_profile_id(merged).await?;
        graph.events.repoint_all(merged, live).await?;
        graph.profiles.changes.notify(live);
    }
    Ok(())
}

/// Tells the live feed of stored events, and segment membership of their profiles (rules on
/// event properties read stored events: they look again now). The profiles, once each.
fn announce(graph: &IdentityGraph, events: &[EventDoc]) -> Vec<ObjectId> {
    events
        .iter()
        .for_each(|event| graph.live.publish_local(live_event(event)));
    let mut profiles: Vec<ObjectId> = events.iter().filter_map(|e| e.profile_id).collect();
    profiles.sort();
    profiles.dedup();
    profiles
        .iter()
        .for_each(|id| graph.profiles.changes.notify(*id));
    profiles
}

/// Resolves message `index` on its own and applies it as the batch holds its profile: its
/// live profile, and how many identifiers were refused.
async fn ingest_one(
    graph: &IdentityGraph,
    source: &SourceDoc,
    messages: &[Message],
    index: usize,
    batch: &mut BatchState,
) -> Result<(Option<ObjectId>, usize), AppError> {
    let message = &messages[index];
    let key = message_key(source.id, message);
    let ids = identifiers_for(graph, message).await?;
    let explicit = message.kind == MessageType::Alias;
    let recalled = if explicit { None } else { batch.recall(&ids) };
    let mut resolution = match recalled {
        Some(known) => known,
        None => {
            // Resolution reads profiles from the database: it must see this batch's changes.
            batch
                .write(graph, (source.id, &source.name), messages)
                .await?;
            let resolution = graph.resolve(&ids, &source.name, &key, explicit).await?;
            if resolution.merged {
                batch.forget();
            }
            resolution
        }
    };
    if !resolution.refused.is_empty() {
        tracing::warn!(message = %key, refused = ?resolution.refused, "identifiers refused");
    }
    let profile_id = match resolution.profile {
        Some(id) => {
            let first = resolution.doc.take();
            let live = update_profile(
                graph,
                source,
                messages,
                index,
                id,
                &resolution.attached,
                first,
                batch,
            )
            .await?;
            batch.remember(&resolution.attached, live);
            Some(live)
        }
        None => None,
    };
    Ok((profile_id, resolution.refused.len()))
}

/// Hands the batch's product events to the recommendation worker: one queue entry per person.
async fn queue_for_recommendations(
    graph: &IdentityGraph,
    linked: Vec<LinkedEvent>,
) -> Result<(), AppError> {
    let mut by_profile: BTreeMap<ObjectId, Vec<ProductEventEntry>> = BTreeMap::new();
    for event in linked {
        by_profile
            .entry(event.profile)
            .or_default()
            .push(event.entry());
    }
    let entries: Vec<QueuedEvents> = by_profile
        .into_iter()
        .map(|(profile, events)| QueuedEvents {
            id: ObjectId::new(),
            profile,
            events,
            claimed: None,
            claimed_at: None,
        })
        .collect();
    graph.recommend_queue.push(&entries).await
}

/// The message's identifiers; for an alias, `previousId` as whichever kind it already is.
async fn identifiers_for(
    graph: &IdentityGraph,
    message: &Message,
) -> Result<Vec<Identifier>, AppError> {
    let mut ids = graph.policy.identifiers_of(message);
    if let Some(previous) = message.previous_id.as_deref() {
        let as_user = graph.policy.normalise(IdentityKind::UserId, previous);
        let as_anonymous = graph.policy.normalise(IdentityKind::AnonymousId, previous);
        let known_user = match &as_user {
            Some(id) => !graph.identities.owners(&[id.key()]).await?.is_empty(),
            None => false,
        };
        ids.extend(if known_user { as_user } else { as_anonymous });
    }
    Ok(ids)
}

/// Applies the message to the live profile (following merges) as the batch holds it; the
/// write happens with the batch's next write.
#[expect(
    clippy::too_many_arguments,
    reason = "the message, its place in the batch, and where it goes"
)]
async fn update_profile(
    graph: &IdentityGraph,
    source: &SourceDoc,
    messages: &[Message],
    index: usize,
    mut id: ObjectId,
    attached: &[Identifier],
    first: Option<ProfileDoc>,
    batch: &mut BatchState,
) -> Result<ObjectId, AppError> {
    let mut profile = match first.filter(|p| p.id == id).or_else(|| batch.take(id)) {
        Some(profile) => profile,
        None => graph.must_get(id).await?,
    };
    while let (ProfileStatus::Merged, Some(next)) = (profile.status, profile.merged_into) {
        id = next;
        profile = match batch.take(id) {
            Some(profile) => profile,
            None => graph.must_get(id).await?,
        };
    }
    // Catalog coverage is counted from the profile as last written: only needed the first time.
    let before = if batch.is_pending(id) {
        Default::default()
    } else {
        trait_paths(&profile)
    };
    let changed = apply_message(
        graph,
        &mut profile,
        (source.id, &source.name),
        &messages[index],
        attached,
    );
    batch.hold(profile, before, changed.then_some((index, attached)));
    Ok(id)
}
