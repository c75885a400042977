//! Ranking a customer's recommendations again and storing them on the profile; and serving
//! stored ones as the catalog stands now (a product sold out or removed since is left out).
use super::{
    learn::{HISTORY, LinkedEvent},
    rank::{Candidate, Inputs, Interest, TOP_N, rank},
};
use crate::server::db::profiles::Edit;
use crate::{
    error::AppError,
    model::product::ProductCard,
    server::{
        db::{
            product_signals::ProductSignals,
            products::{ProductDoc, Products},
            profile_doc::{ProfileDoc, StoredRecommendations},
        },
        identity::IdentityGraph,
    },
};
use mongodb::bson::{self, oid::ObjectId};
use std::collections::{HashMap, HashSet};

/// Interest fades by this factor per older product event.
const FADE: f64 = 0.9;
/// Products of the history that count as interests.
const INTERESTS: usize = 20;
/// Pairs read for ranking.
const PAIRS: i64 = 500;
/// Popular products read for the fallback.
const POPULAR: i64 = 100;

/// How `product` is shown in a list (its lead variant's SKU, price and thumbnail).
pub fn card_of(product: &ProductDoc, score: f64, reason: &str) -> ProductCard {
    let product = product.to_product();
    let lead = product.lead_variant();
    ProductCard {
        id: product.id.clone(),
        name: product.name.clone(),
        sku: lead.map(|v| v.id.clone()).unwrap_or_default(),
        price: lead.map_or(0, |v| v.price),
        currency: lead.map(|v| v.currency.clone()).unwrap_or_default(),
        thumbnail: lead
            .map(|v| v.display_thumbnail.clone())
            .unwrap_or_default(),
        score,
        reason: reason.to_owned(),
    }
}

/// The customer's interests: products of their newest product events first, by what they did.
pub fn interests(history: &[LinkedEvent]) -> Vec<Interest> {
    let mut weights: HashMap<&str, f64> = HashMap::new();
    let mut fade = 1.0;
    for event in history {
        for product in &event.products {
            *weights.entry(product).or_default() += event.interaction.weight() * fade;
        }
        fade *= FADE;
    }
    let mut list: Vec<Interest> = weights
        .into_iter()
        .map(|(product, weight)| Interest {
            product: product.to_owned(),
            weight,
        })
        .collect();
    list.sort_by(|a, b| {
        b.weight
            .total_cmp(&a.weight)
            .then_with(|| a.product.cmp(&b.product))
    });
    list.truncate(INTERESTS);
    list
}

/// The customer's locale: the `locale` trait, else the latest event's `context.locale`.
pub fn locale_of(profile: &ProfileDoc) -> Option<String> {
    let from_traits = profile.traits.get_str("locale").ok();
    let from_context = profile
        .device
        .as_ref()
        .and_then(|d| d.context.get_str("locale").ok());
    from_traits
        .or(from_context)
        .and_then(super::super::validate::normalise_locale)
        .filter(|l| !l.is_empty())
}

/// Everything ranking reads for a customer with `history` (newest first) who bought
/// `bought`, but the locale.
pub async fn inputs(
    graph: &IdentityGraph,
    history: &[LinkedEvent],
    bought: HashSet<String>,
) -> Result<Inputs, AppError> {
    let signals = ProductSignals::new(&graph.db);
    let interests = interests(history);
    let from: Vec<String> = interests.iter().map(|i| i.product.clone()).collect();
    let pairs = signals.pairs_from(&from, PAIRS).await?;
    let popular_stats = signals.popular(POPULAR).await?;
    let popular: Vec<String> = popular_stats.iter().map(|s| s.id.clone()).collect();
    let mut needed: HashSet<String> = from.iter().cloned().collect();
    needed.extend(pairs.iter().map(|p| p.b.clone()));
    let needed: Vec<String> = needed.into_iter().collect();
    let mut popularity: HashMap<String, f64> =
        popular_stats.into_iter().map(|s| (s.id, s.score)).collect();
    for stat in signals.stats_of(&needed).await? {
        popularity.insert(stat.id, stat.score);
    }
    let mut wanted = needed;
    wanted.extend(popular.iter().cloned());
    let products = Products::new(&graph.db)
        .many(&wanted)
        .await?
        .into_iter()
        .map(|p| {
            let candidate = Candidate {
                card: card_of(&p, 0.0, ""),
                locale: p.locale.clone(),
                in_stock: p.in_stock,
            };
            (p.id, candidate)
        })
        .collect();
    Ok(Inputs {
        interests,
        pairs,
        popularity,
        popular,
        products,
        bought,
        locale: None,
    })
}

/// Ranks `profile`'s recommendations from `history` (its product events, newest first) and
/// stores them on it; returns them.
pub async fn refresh(
    graph: &IdentityGraph,
    profile: ObjectId,
    history: &[LinkedEvent],
) -> Result<Vec<ProductCard>, AppError> {
    let bought = graph.events.bought_products(profile).await?;
    let mut inputs = inputs(graph, history, bought).await?;
    // Ranked inside the revision loop: the locale is read from the profile being written.
    let ranked = graph
        .profiles
        .modify(profile, |stored| {
            inputs.locale = locale_of(stored);
            let items = rank(&inputs, TOP_N);
            stored.recommendations = Some(StoredRecommendations {
                items: items.clone(),
                at: bson::DateTime::now(),
            });
            Edit::Write(items)
        })
        .await?;
    Ok(ranked.map(|(items, _)| items).unwrap_or_default())
}

/// What a customer never seen gets (not stored): the start every new customer gets, ranked
/// from no history, so an unknown person is answered like a known one with nothing yet.
pub async fn for_unseen(graph: &IdentityGraph) -> Result<Vec<ProductCard>, AppError> {
    Ok(rank(&inputs(graph, &[], HashSet::new()).await?, TOP_N))
}

/// Ranks `profile`'s recommendations from its stored product events.
pub async fn refresh_profile(
    graph: &IdentityGraph,
    profile: ObjectId,
) -> Result<Vec<ProductCard>, AppError> {
    let history = graph.events.product_history(profile, HISTORY).await?;
    let history: Vec<LinkedEvent> = history.iter().filter_map(LinkedEvent::of).collect();
    refresh(graph, profile, &history).await
}

/// `stored` as the catalog stands now: names and prices current, sold-out or removed products
/// left out.
pub async fn current(
    products: &Products,
    stored: &[ProductCard],
) -> Result<Vec<ProductCard>, AppError> {
    let ids: Vec<String> = stored.iter().map(|c| c.id.clone()).collect();
    let now: HashMap<String, ProductDoc> = products
        .in_stock(&ids)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    Ok(stored
        .iter()
        .filter_map(|c| now.get(&c.id).map(|p| card_of(p, c.score, &c.reason)))
        .collect())
}
