//! The product catalog as the seed describes it: a product with its sellable variants (SKUs),
//! plus any extra attributes added at run time (dynamic schema), and what the catalog pages show.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The keys of the product shape itself (any other key is an extra attribute).
pub const PRODUCT_KEYS: &[&str] = &["id", "name", "text", "locale", "variants"];
/// The keys of the variant shape itself.
pub const VARIANT_KEYS: &[&str] = &[
    "id",
    "name",
    "stock",
    "size",
    "color",
    "display-color",
    "display-thumbnail",
    "price",
    "currency",
    "pictures",
];

/// A product as imported, edited and served (the seed's catalog shape).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Product {
    /// Product id, chosen by the shop (imports are idempotent by it).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub text: String,
    /// Locale the product is sold in (`en-US`); empty for every locale.
    #[serde(default)]
    pub locale: String,
    /// Sellable variants.
    #[serde(default)]
    pub variants: Vec<Variant>,
    /// Extra attributes (brand, category, …): any other top-level key.
    #[serde(flatten)]
    pub attributes: Map<String, Value>,
}

/// One sellable variant of a product.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    /// SKU, unique across the catalog.
    pub id: String,
    /// Display name (`Blue, M`).
    #[serde(default)]
    pub name: String,
    /// Units in stock.
    #[serde(default)]
    pub stock: i64,
    /// Size label.
    #[serde(default)]
    pub size: String,
    /// Colour name.
    #[serde(default)]
    pub color: String,
    /// Swatch colour, `#RRGGBB`.
    #[serde(default, rename = "display-color")]
    pub display_color: String,
    /// Thumbnail URL.
    #[serde(default, rename = "display-thumbnail")]
    pub display_thumbnail: String,
    /// Price in the currency's minor unit (cents).
    pub price: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// Picture URLs.
    #[serde(default)]
    pub pictures: Vec<String>,
    /// Extra variant attributes.
    #[serde(flatten)]
    pub attributes: Map<String, Value>,
}

impl Product {
    /// Whether any variant has stock.
    pub fn in_stock(&self) -> bool {
        self.variants.iter().any(|v| v.stock > 0)
    }

    /// The variant to show first: the cheapest one in stock, else the first.
    pub fn lead_variant(&self) -> Option<&Variant> {
        let in_stock = self.variants.iter().filter(|v| v.stock > 0);
        in_stock
            .min_by_key(|v| v.price)
            .or_else(|| self.variants.first())
    }
}

/// One row of the catalog list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductSummary {
    /// Product id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Locale; empty for every locale.
    pub locale: String,
    /// Variants.
    pub variants: usize,
    /// Units in stock over all variants.
    pub stock: i64,
    /// Lowest and highest price (minor units) and their currency.
    pub price: Option<PriceRange>,
    /// Thumbnail of the lead variant.
    pub thumbnail: String,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A price range in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceRange {
    /// Lowest price, minor units.
    pub min: i64,
    /// Highest price, minor units.
    pub max: i64,
    /// ISO 4217 code (of the lowest price).
    pub currency: String,
}

/// The catalog list's search and filters, as typed values (never a query from user JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CatalogQuery {
    /// Name contains (case-insensitive), or an exact product id or SKU.
    pub q: String,
    /// Exact locale; empty for all.
    pub locale: String,
    /// Only products with a variant in stock.
    pub in_stock: bool,
    /// Some variant costs at least this (major units, as typed: `12.50`).
    pub min_price: String,
    /// Some variant costs at most this (major units).
    pub max_price: String,
    /// Page, from 0.
    pub page: u32,
}

/// One page of the catalog list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogPage {
    /// The products on this page.
    pub items: Vec<ProductSummary>,
    /// Products matching the filters.
    pub total: u64,
    /// Products per page.
    pub page_size: u32,
    /// Every locale in the catalog, for the filter.
    pub locales: Vec<String>,
    /// SKUs or product ids events named that the catalog does not know.
    pub unknown: Vec<UnknownReference>,
}

/// A product reference from an e-commerce event the catalog could not link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnknownReference {
    /// The SKU (or product id when the event named no SKU).
    pub reference: String,
    /// Events that named it.
    pub count: i64,
    /// The latest event name.
    pub event: String,
    /// When it was last seen.
    pub last_seen: DateTime<Utc>,
}

/// A product page: the product, its activity, and what other customers viewed and bought.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductDetail {
    /// The product.
    pub product: Product,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Linked events: views, cart adds, purchases.
    pub activity: ProductActivity,
    /// Customers who viewed this also viewed.
    pub also_viewed: Vec<ProductCard>,
    /// Bought together with this.
    pub bought_together: Vec<ProductCard>,
}

/// How often linked events named a product.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductActivity {
    /// `Product Viewed`.
    pub views: i64,
    /// `Product Added`.
    pub adds: i64,
    /// `Order Completed` lines.
    pub purchases: i64,
}

/// A product in a list of related or recommended ones.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductCard {
    /// Product id.
    pub id: String,
    /// Name.
    pub name: String,
    /// SKU of the lead variant.
    pub sku: String,
    /// Price of the lead variant, minor units.
    pub price: i64,
    /// Its currency.
    pub currency: String,
    /// Its thumbnail.
    pub thumbnail: String,
    /// Relative strength (higher is stronger).
    pub score: f64,
    /// Why it is listed: `related` (from what the customer viewed and bought), `popular`
    /// (the fallback), `viewed together`, `bought together`.
    pub reason: String,
}

/// A customer's stored recommendations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerRecommendations {
    /// Best first.
    pub items: Vec<ProductCard>,
    /// When they were last refreshed; `None` if never (no product event yet).
    pub refreshed_at: Option<DateTime<Utc>>,
}

/// Digits after the decimal point in `currency`'s prices (ISO 4217 minor units).
pub fn minor_digits(currency: &str) -> u32 {
    const NONE: &[&str] = &[
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV",
        "XAF", "XOF", "XPF",
    ];
    const THREE: &[&str] = &["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];
    let code = currency.to_uppercase();
    if NONE.contains(&code.as_str()) {
        0
    } else if THREE.contains(&code.as_str()) {
        3
    } else {
        2
    }
}

/// `minor` units as a plain decimal in major units: `1999` EUR → `19.99`.
pub fn major_units(minor: i64, currency: &str) -> String {
    let digits = minor_digits(currency);
    let sign = if minor < 0 { "-" } else { "" };
    let (abs, scale) = (minor.unsigned_abs(), 10u64.pow(digits));
    match digits {
        0 => format!("{sign}{abs}"),
        d => format!(
            "{sign}{}.{:0width$}",
            abs / scale,
            abs % scale,
            width = d as usize
        ),
    }
}

/// `cents` in `currency` for people: `€12.50`, `12.50 CHF`, `500 JPY`.
pub fn format_price(cents: i64, currency: &str) -> String {
    let currency = currency.to_uppercase();
    let sign = if cents < 0 { "-" } else { "" };
    let amount = major_units(cents.abs(), &currency);
    match currency.as_str() {
        "USD" => format!("{sign}${amount}"),
        "EUR" => format!("{sign}€{amount}"),
        "GBP" => format!("{sign}£{amount}"),
        other => format!("{sign}{amount} {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_seed_shape_round_trips_with_extra_attributes() {
        let seed = json!({
            "id": "tee", "name": "Tee", "text": "Soft", "locale": "en-US", "brand": "Acme",
            "variants": [{"id": "TEE-B-M", "name": "Blue M", "stock": 3, "size": "M",
                "color": "blue", "display-color": "#0000ff", "display-thumbnail": "https://x/t.png",
                "price": 1999, "currency": "EUR", "pictures": ["https://x/1.png"], "fit": "slim"}]
        });
        let product: Product = serde_json::from_value(seed.clone()).unwrap();
        assert_eq!(product.attributes["brand"], "Acme");
        assert_eq!(product.variants[0].display_color, "#0000ff");
        assert_eq!(product.variants[0].attributes["fit"], "slim");
        assert_eq!(serde_json::to_value(&product).unwrap(), seed);
    }

    #[test]
    fn the_lead_variant_is_the_cheapest_in_stock() {
        let variant = |id: &str, price, stock| Variant {
            id: id.into(),
            price,
            stock,
            ..Variant::default()
        };
        let mut product = Product {
            variants: vec![
                variant("a", 100, 0),
                variant("b", 300, 2),
                variant("c", 200, 1),
            ],
            ..Product::default()
        };
        assert_eq!(product.lead_variant().unwrap().id, "c");
        assert!(product.in_stock());
        product.variants.iter_mut().for_each(|v| v.stock = 0);
        assert_eq!(product.lead_variant().unwrap().id, "a");
        assert!(!product.in_stock());
    }

    #[test]
    fn prices_are_shown_in_major_units() {
        assert_eq!(format_price(1999, "eur"), "€19.99");
        assert_eq!(format_price(-5, "USD"), "-$0.05");
        assert_eq!(format_price(1250, "CHF"), "12.50 CHF");
        assert_eq!(format_price(500, "JPY"), "500 JPY");
        assert_eq!(major_units(1234, "KWD"), "1.234");
    }
}
