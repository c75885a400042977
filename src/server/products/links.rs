//! Segment's e-commerce events linked to the catalog: `Product Viewed` and `Product Added` name
//! one product in their properties, `Order Completed` a `products[]` list. Each reference is
//! matched by SKU (a variant id), else by product id; SKUs and products the catalog does not
//! know are counted per reference, never refused.
use crate::{
    error::AppError,
    server::{db::products::Products, ingest::message::Message},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Product references read from one message at most.
const MAX_REFERENCES: usize = 100;

/// What a customer did with a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Interaction {
    /// `Product Viewed`.
    Viewed,
    /// `Product Added` (to the cart).
    Added,
    /// A line of `Order Completed`.
    Purchased,
}

impl Interaction {
    /// The interaction an event name stands for, if it is an e-commerce one.
    pub fn of_event(name: &str) -> Option<Self> {
        match name {
            "Product Viewed" => Some(Self::Viewed),
            "Product Added" => Some(Self::Added),
            "Order Completed" => Some(Self::Purchased),
            _ => None,
        }
    }

    /// The event name.
    pub fn event(self) -> &'static str {
        match self {
            Self::Viewed => "Product Viewed",
            Self::Added => "Product Added",
            Self::Purchased => "Order Completed",
        }
    }

    /// How much it says about interest: a purchase more than a view.
    pub fn weight(self) -> f64 {
        match self {
            Self::Viewed => 1.0,
            Self::Added => 2.0,
            Self::Purchased => 3.0,
        }
    }
}

pub use crate::server::db::events::ProductLink;

/// A product reference as the event sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `sku`.
    pub sku: Option<String>,
    /// `product_id` (or `productId`).
    pub product_id: Option<String>,
}

impl Reference {
    /// What it is counted under when unknown: the SKU, else the product id.
    pub fn label(&self) -> String {
        self.sku
            .clone()
            .or_else(|| self.product_id.clone())
            .unwrap_or_default()
    }
}

fn text_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn reference(item: &Value) -> Option<Reference> {
    let reference = Reference {
        sku: text_of(item.get("sku")),
        product_id: text_of(item.get("product_id").or_else(|| item.get("productId"))),
    };
    (reference.sku.is_some() || reference.product_id.is_some()).then_some(reference)
}

/// The interaction and product references of an e-commerce track call; `None` for others.
pub fn references(message: &Message) -> Option<(Interaction, Vec<Reference>)> {
    let interaction = Interaction::of_event(message.event.as_deref()?)?;
    let properties = message.raw.get("properties")?;
    let references = match interaction {
        Interaction::Purchased => properties
            .get("products")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(reference)
                    .take(MAX_REFERENCES)
                    .collect()
            })
            .unwrap_or_default(),
        _ => reference(properties).into_iter().collect(),
    };
    Some((interaction, references))
}

pub use crate::server::db::catalog_misses::Miss;

/// The catalog entries a batch's events name, looked up once per batch.
#[derive(Debug, Default)]
pub struct Linker {
    product_of_sku: HashMap<String, String>,
    product_ids: HashSet<String>,
    /// Unknown references seen so far, by label.
    pub misses: BTreeMap<String, Miss>,
}

impl Linker {
    /// A linker knowing every catalog product the `messages` name (one query for references
    /// not read in the last few seconds, none when the batch has no e-commerce events).
    pub async fn for_messages(products: &Products, messages: &[Message]) -> Result<Self, AppError> {
        let (mut skus, mut ids) = (Vec::new(), Vec::new());
        for (_, refs) in messages.iter().filter_map(references) {
            for r in refs {
                skus.extend(r.sku);
                ids.extend(r.product_id);
            }
        }
        let mut linker = Self::default();
        for product in products.keys_of_references(&skus, &ids).await? {
            for sku in &product.skus {
                linker
                    .product_of_sku
                    .insert(sku.clone(), product.id.clone());
            }
            linker.product_ids.insert(product.id);
        }
        Ok(linker)
    }

    /// The catalog products `message` names (each once), counting the references it cannot link.
    pub fn link(&mut self, message: &Message) -> Vec<ProductLink> {
        let Some((interaction, references)) = references(message) else {
            return Vec::new();
        };
        let mut links: Vec<ProductLink> = Vec::new();
        for reference in references {
            let link = self.resolve(&reference);
            // A SKU the catalog lacks is counted even when its product is known.
            let sku_unknown =
                reference.sku.is_some() && link.as_ref().is_none_or(|l| l.sku.is_none());
            if sku_unknown || link.is_none() {
                self.miss(reference.label(), interaction, message.timestamp);
            }
            if let Some(link) = link
                && !links.iter().any(|l| l.product_id == link.product_id)
            {
                links.push(link);
            }
        }
        links
    }

    fn resolve(&self, reference: &Reference) -> Option<ProductLink> {
        if let Some(product) = reference
            .sku
            .as_ref()
            .and_then(|s| self.product_of_sku.get(s))
        {
            return Some(ProductLink {
                product_id: product.clone(),
                sku: reference.sku.clone(),
            });
        }
        // A known product with an unknown SKU still links (to the product, without a variant).
        let id = reference.product_id.as_ref()?;
        self.product_ids.contains(id).then(|| ProductLink {
            product_id: id.clone(),
            sku: None,
        })
    }

    fn miss(&mut self, label: String, interaction: Interaction, at: DateTime<Utc>) {
        let entry = self.misses.entry(label).or_insert(Miss {
            count: 0,
            event: interaction.event(),
            at,
        });
        entry.count += 1;
        if at >= entry.at {
            entry.at = at;
            entry.event = interaction.event();
        }
    }
}
