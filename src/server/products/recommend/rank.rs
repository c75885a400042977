//! Ranking one customer's recommendations from what they showed interest in: item-to-item
//! co-occurrence, normalised by both products' popularity (so a best-seller does not crowd out
//! everything related), then the most popular products to fill the list. Only products in
//! stock, not bought before, and sold in the customer's locale are recommended.
use crate::{model::product::ProductCard, server::db::product_signals::PairDoc};
use std::collections::{HashMap, HashSet};

/// Recommendations kept per customer.
pub const TOP_N: usize = 10;

/// A product the customer showed interest in, weighted by what they did and how recently.
#[derive(Debug, Clone, PartialEq)]
pub struct Interest {
    /// Product id.
    pub product: String,
    /// Strength of the interest.
    pub weight: f64,
}

/// A product that may be recommended, with what the rules check.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// How it is shown (score and reason are filled in by ranking).
    pub card: ProductCard,
    /// Locale it is sold in; empty for every locale.
    pub locale: String,
    /// Whether any variant is in stock.
    pub in_stock: bool,
}

/// Everything ranking reads.
#[derive(Debug, Default)]
pub struct Inputs {
    /// The customer's interests.
    pub interests: Vec<Interest>,
    /// Co-occurrence from the interests' products.
    pub pairs: Vec<PairDoc>,
    /// Popularity by product (growth-weighted).
    pub popularity: HashMap<String, f64>,
    /// The most popular products, most popular first (the fallback).
    pub popular: Vec<String>,
    /// The products named anywhere above, by id.
    pub products: HashMap<String, Candidate>,
    /// Products the customer bought.
    pub bought: HashSet<String>,
    /// The customer's locale, if known.
    pub locale: Option<String>,
}

/// Whether a product sold in `product` locale may be offered to a customer in `customer`:
/// everywhere-products always; otherwise the same locale, or a language-only product locale
/// (`en`) for any region of that language.
pub fn locale_fits(product: &str, customer: Option<&str>) -> bool {
    match customer {
        None => true,
        Some(_) if product.is_empty() => true,
        Some(customer) => {
            product.eq_ignore_ascii_case(customer)
                || (!product.contains('-')
                    && customer
                        .split('-')
                        .next()
                        .is_some_and(|l| l.eq_ignore_ascii_case(product)))
        }
    }
}

impl Inputs {
    fn eligible(&self, id: &str) -> Option<&Candidate> {
        let candidate = self.products.get(id)?;
        let fits = candidate.in_stock
            && !self.bought.contains(id)
            && locale_fits(&candidate.locale, self.locale.as_deref());
        fits.then_some(candidate)
    }

    fn popularity_of(&self, id: &str) -> f64 {
        self.popularity.get(id).copied().unwrap_or(0.0).max(1e-12)
    }

    /// Co-occurrence scores of every eligible product related to the interests.
    fn related(&self) -> Vec<(String, f64)> {
        let weights: HashMap<&str, f64> = self
            .interests
            .iter()
            .map(|i| (i.product.as_str(), i.weight))
            .collect();
        let mut scores: HashMap<&str, f64> = HashMap::new();
        for pair in &self.pairs {
            let (Some(weight), Some(_)) = (weights.get(pair.a.as_str()), self.eligible(&pair.b))
            else {
                continue;
            };
            let norm = (self.popularity_of(&pair.a) * self.popularity_of(&pair.b)).sqrt();
            *scores.entry(pair.b.as_str()).or_default() += weight * pair.score / norm;
        }
        let mut ranked: Vec<(String, f64)> = scores
            .into_iter()
            .map(|(id, s)| (id.to_owned(), s))
            .collect();
        ranked.sort_by(|x, y| y.1.total_cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
        ranked
    }
}

/// The customer's top `n`: related products first, then popular ones; each product once.
pub fn rank(inputs: &Inputs, n: usize) -> Vec<ProductCard> {
    let mut chosen: Vec<ProductCard> = Vec::with_capacity(n);
    let mut taken: HashSet<String> = HashSet::new();
    let related = inputs
        .related()
        .into_iter()
        .map(|(id, s)| (id, s, "related"));
    let popular = inputs.popular.iter().map(|id| (id.clone(), 0.0, "popular"));
    for (id, score, reason) in related.chain(popular) {
        if chosen.len() == n {
            break;
        }
        let Some(candidate) = inputs.eligible(&id) else {
            continue;
        };
        if taken.insert(id) {
            chosen.push(ProductCard {
                score,
                reason: reason.to_owned(),
                ..candidate.card.clone()
            });
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn card(id: &str) -> ProductCard {
        ProductCard {
            id: id.into(),
            name: id.into(),
            sku: format!("{id}-1"),
            price: 100,
            currency: "EUR".into(),
            thumbnail: String::new(),
            score: 0.0,
            reason: String::new(),
        }
    }

    fn pair(a: &str, b: &str, score: f64) -> PairDoc {
        PairDoc {
            id: format!("{a} {b}"),
            a: a.into(),
            b: b.into(),
            viewed: score,
            bought: 0.0,
            score,
        }
    }

    fn inputs(ids: &[&str]) -> Inputs {
        let products = ids
            .iter()
            .map(|id| {
                let candidate = Candidate {
                    card: card(id),
                    locale: String::new(),
                    in_stock: true,
                };
                ((*id).to_owned(), candidate)
            })
            .collect();
        Inputs {
            products,
            popularity: ids.iter().map(|id| ((*id).to_owned(), 1.0)).collect(),
            ..Inputs::default()
        }
    }

    #[test]
    fn related_products_come_first_then_popular_ones() {
        let mut input = inputs(&["a", "b", "c", "d"]);
        input.interests = vec![Interest {
            product: "a".into(),
            weight: 1.0,
        }];
        input.pairs = vec![pair("a", "b", 1.0), pair("a", "c", 3.0)];
        input.popular = vec!["d".into(), "b".into(), "a".into()];
        let ids: Vec<(String, String)> = rank(&input, 10)
            .into_iter()
            .map(|c| (c.id, c.reason))
            .collect();
        let expected = [
            ("c", "related"),
            ("b", "related"),
            ("d", "popular"),
            ("a", "popular"),
        ];
        assert_eq!(ids, expected.map(|(a, b)| (a.to_owned(), b.to_owned())));
    }

    #[test]
    fn popularity_normalises_co_occurrence() {
        let mut input = inputs(&["a", "hit", "niche"]);
        input.interests = vec![Interest {
            product: "a".into(),
            weight: 1.0,
        }];
        input.pairs = vec![pair("a", "hit", 4.0), pair("a", "niche", 2.0)];
        input.popularity.insert("hit".into(), 100.0);
        assert_eq!(rank(&input, 1)[0].id, "niche");
    }

    #[test]
    fn locales_fit_by_language_or_exactly() {
        assert!(locale_fits("", Some("de-DE")));
        assert!(locale_fits("de", Some("de-AT")));
        assert!(locale_fits("de-DE", Some("de-de")));
        assert!(!locale_fits("de-DE", Some("de-AT")));
        assert!(!locale_fits("fr", Some("de-DE")));
        assert!(locale_fits("fr", None));
    }

    proptest! {
        #[test]
        fn never_bought_out_of_stock_foreign_or_twice(
            stock in proptest::collection::vec(any::<bool>(), 8),
            bought in proptest::collection::vec(any::<bool>(), 8),
            french in proptest::collection::vec(any::<bool>(), 8),
            edges in proptest::collection::vec((0usize..8, 0usize..8, 0.1f64..10.0), 0..30),
            popular in proptest::collection::vec(0usize..8, 0..12),
            n in 0usize..12,
        ) {
            let ids: Vec<String> = (0..8).map(|i| format!("p{i}")).collect();
            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            let mut input = inputs(&refs);
            for (i, id) in ids.iter().enumerate() {
                let c = input.products.get_mut(id).unwrap();
                c.in_stock = stock[i];
                c.locale = if french[i] { "fr-FR".into() } else { String::new() };
                if bought[i] { input.bought.insert(id.clone()); }
            }
            input.locale = Some("de-DE".into());
            input.interests = ids.iter().map(|p| Interest { product: p.clone(), weight: 1.0 }).collect();
            input.pairs = edges.iter().map(|(a, b, s)| pair(&ids[*a], &ids[*b], *s)).collect();
            input.popular = popular.iter().map(|i| ids[*i].clone()).collect();
            let ranked = rank(&input, n);
            prop_assert!(ranked.len() <= n);
            let mut seen = HashSet::new();
            for card in &ranked {
                let i: usize = card.id[1..].parse().unwrap();
                prop_assert!(stock[i] && !bought[i] && !french[i], "{card:?}");
                prop_assert!(seen.insert(card.id.clone()));
            }
            // Nothing eligible is left out while there is room.
            let eligible_offered: HashSet<&String> = edges.iter().map(|(_, b, _)| &ids[*b])
                .chain(popular.iter().map(|i| &ids[*i]))
                .filter(|id| { let i: usize = id[1..].parse().unwrap(); stock[i] && !bought[i] && !french[i] })
                .collect();
            prop_assert_eq!(ranked.len(), n.min(eligible_offered.len()));
        }
    }
}
