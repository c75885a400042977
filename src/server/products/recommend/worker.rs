//! The recommendation worker: takes the product events tracking batches queued, learns from
//! them (pairs and popularity) and ranks each person's recommendations again — off the tracking
//! API's path, one pass for everyone queued since the last (so a shopper's burst of views is
//! ranked once). Each person's recent product events and purchases are kept on their profile,
//! so no pass scans a person's events (but the first, to fill that memory in).
use super::{
    learn::{HISTORY, LinkedEvent, gather},
    rank::{Inputs, TOP_N, rank},
    refresh::{inputs, locale_of},
};
use crate::{
    error::AppError,
    server::{
        db::{
            product_signals::{ProductSignals, SignalBatch},
            profile_doc::{ProductEventEntry, ProductMemory, ProfileDoc, StoredRecommendations},
            profile_writes::ProfileWrite,
            profiles::Edit,
            recommend_queue::QueuedEvents,
        },
        identity::IdentityGraph,
        products::links::Interaction,
    },
};
use mongodb::bson::{self, oid::ObjectId};
use std::{
    collections::{BTreeMap, HashMap, HashSet},
    time::Duration,
};

/// Purchases remembered per person.
const BOUGHT_MEMORY: usize = 1_000;
/// How often the worker looks at the queue without being woken (work queued by another
/// instance, or left by one that stopped).
const POLL: Duration = Duration::from_secs(1);

/// Runs forever: a pass whenever a batch queues events here, or every [`POLL`].
pub async fn run(graph: IdentityGraph) {
    loop {
        tokio::select! {
            () = graph.recommend_queue.wake.notified() => {}
            () = tokio::time::sleep(POLL) => {}
        }
        if let Err(err) = drain(&graph).await {
            tracing::warn!(%err, "recommendations not updated; retried on the next pass");
        }
    }
}

/// Passes until the queue is empty; how many queued entries were handled. One pass at a time
/// per process, so when this returns, everything queued before the call is ranked.
pub async fn drain(graph: &IdentityGraph) -> Result<usize, AppError> {
    let _one_at_a_time = graph.recommend_queue.serial.lock().await;
    let mut handled = 0;
    loop {
        match pass(graph).await? {
            0 => return Ok(handled),
            n => handled += n,
        }
    }
}

/// One person's new events and their memory.
struct Person {
    profile: ProfileDoc,
    new: Vec<LinkedEvent>,
    history: Vec<LinkedEvent>,
    bought: HashSet<String>,
}

async fn pass(graph: &IdentityGraph) -> Result<usize, AppError> {
    let token = ObjectId::new();
    let claimed = graph.recommend_queue.claim(token).await?;
    if claimed.is_empty() {
        return Ok(0);
    }
    let mut people = people(graph, &claimed).await?;
    let mut signals = SignalBatch::default();
    for person in &people {
        gather(&mut signals, &person.new, &person.history);
    }
    ProductSignals::new(&graph.db).add(&signals).await?;
    let mut writes = Vec::with_capacity(people.len());
    for person in &mut people {
        let mut after = person.profile.clone();
        remember(&mut after, person);
        after.recommendations = Some(ranked(graph, &after, person).await?);
        writes.push(ProfileWrite {
            before: person.profile.clone(),
            after,
        });
    }
    let moved = graph.profiles.update_many(&mut writes).await?;
    for person in people.iter().filter(|p| moved.contains(&p.profile.id)) {
        write_again(graph, person).await?;
    }
    graph.recommend_queue.done(token).await?;
    Ok(claimed.len())
}

/// The live profiles the entries name (following merges), each with its new events, history
/// (newest first, new events included) and purchases.
async fn people(graph: &IdentityGraph, claimed: &[QueuedEvents]) -> Result<Vec<Person>, AppError> {
    let mut ids: Vec<ObjectId> = claimed.iter().map(|e| e.profile).collect();
    ids.sort();
    ids.dedup();
    let mut docs: HashMap<ObjectId, ProfileDoc> = HashMap::new();
    for profile in graph.profiles.get_many(&ids).await? {
        docs.insert(profile.id, profile);
    }
    let mut new: BTreeMap<ObjectId, Vec<&ProductEventEntry>> = BTreeMap::new();
    for entry in claimed {
        let live = match docs.get(&entry.profile) {
            Some(p) if p.merged_into.is_none() => entry.profile,
            _ => graph.live_profile_id(entry.profile).await?,
        };
        new.entry(live).or_default().extend(&entry.events);
    }
    let queued: HashSet<&str> = claimed
        .iter()
        .flat_map(|e| e.events.iter().map(|x| x.id.as_str()))
        .collect();
    let mut people = Vec::with_capacity(new.len());
    for (id, entries) in new {
        let profile = match docs.remove(&id).filter(|p| p.merged_into.is_none()) {
            Some(profile) => profile,
            None => match graph.profiles.get(id).await? {
                Some(profile) => profile,
                // Deleted since (a person forgotten): nothing to rank.
                None => continue,
            },
        };
        let memory = match &profile.product_memory {
            Some(memory) => memory.clone(),
            None => first_memory(graph, id, &queued).await?,
        };
        let known: HashSet<&str> = memory.recent.iter().map(|e| e.id.as_str()).collect();
        let mut fresh: Vec<LinkedEvent> = entries
            .iter()
            .filter(|e| !known.contains(e.id.as_str()))
            .filter_map(|e| LinkedEvent::from_entry(id, e))
            .collect();
        fresh.dedup_by(|a, b| a.id == b.id);
        let mut history: Vec<LinkedEvent> = fresh.clone();
        history.extend(
            memory
                .recent
                .iter()
                .filter_map(|e| LinkedEvent::from_entry(id, e)),
        );
        history.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.id.cmp(&a.id)));
        history.truncate(usize::try_from(HISTORY).unwrap_or(usize::MAX));
        let mut bought: HashSet<String> = memory.bought.into_iter().collect();
        for event in fresh
            .iter()
            .filter(|e| e.interaction == Interaction::Purchased)
        {
            bought.extend(event.products.iter().cloned());
        }
        people.push(Person {
            profile,
            new: fresh,
            history,
            bought,
        });
    }
    Ok(people)
}

/// A profile's product memory read from its stored events, once: the queued events left out
/// (they are the new ones this pass learns from).
async fn first_memory(
    graph: &IdentityGraph,
    profile: ObjectId,
    queued: &HashSet<&str>,
) -> Result<ProductMemory, AppError> {
    let stored = graph.events.product_history(profile, HISTORY).await?;
    let recent = stored
        .iter()
        .filter(|e| !queued.contains(e.id.as_str()))
        .filter_map(LinkedEvent::of)
        .map(|e| e.entry())
        .collect();
    let bought = graph.events.bought_products(profile).await?;
    Ok(ProductMemory {
        recent,
        bought: bought.into_iter().collect(),
    })
}

/// Stores the person's history and purchases on `profile`.
fn remember(profile: &mut ProfileDoc, person: &Person) {
    let mut bought: Vec<String> = person.bought.iter().cloned().collect();
    bought.sort();
    bought.truncate(BOUGHT_MEMORY);
    profile.product_memory = Some(ProductMemory {
        recent: person.history.iter().map(LinkedEvent::entry).collect(),
        bought,
    });
}

/// The person's recommendations ranked now, in `profile`'s locale.
async fn ranked(
    graph: &IdentityGraph,
    profile: &ProfileDoc,
    person: &Person,
) -> Result<StoredRecommendations, AppError> {
    let mut inputs = inputs(graph, &person.history, person.bought.clone()).await?;
    Ok(ranked_in_locale(&mut inputs, profile))
}

/// `inputs` ranked in `profile`'s locale.
fn ranked_in_locale(inputs: &mut Inputs, profile: &ProfileDoc) -> StoredRecommendations {
    inputs.locale = locale_of(profile);
    StoredRecommendations {
        items: rank(inputs, TOP_N),
        at: bson::DateTime::now(),
    }
}

/// Writes the person's memory and recommendations onto the profile as stored now (someone
/// wrote it since it was read). What is ranked depends on the profile only for its locale, so
/// it is read once, before the revision-checked update.
async fn write_again(graph: &IdentityGraph, person: &Person) -> Result<(), AppError> {
    let mut inputs = inputs(graph, &person.history, person.bought.clone()).await?;
    graph
        .profiles
        .modify(person.profile.id, |profile| {
            if profile.merged_into.is_some() || profile.absorbed != person.profile.absorbed {
                // Merged meanwhile: the survivor reads its memory from the events again.
                return Edit::Keep(());
            }
            remember(profile, person);
            profile.recommendations = Some(ranked_in_locale(&mut inputs, profile));
            Edit::Write(())
        })
        .await?;
    Ok(())
}
