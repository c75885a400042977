//! The product editor's form as posted (plain fields, one row of inputs per variant, so it works
//! without JavaScript), and the same form filled from a stored product.
use super::product::{Product, major_units};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Every field of the product editor, as text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProductForm {
    /// Product id (fixed once created).
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub text: String,
    /// Locale, `en-US`; empty for every locale.
    pub locale: String,
    /// Extra attributes, one `key = value` per line (values that read as JSON keep their type).
    pub attributes: String,
    /// Variant rows; rows left entirely empty are ignored.
    pub variants: Vec<VariantForm>,
}

/// One variant row of the editor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct VariantForm {
    /// SKU.
    pub id: String,
    /// Name.
    pub name: String,
    /// Units in stock.
    pub stock: String,
    /// Size.
    pub size: String,
    /// Colour name.
    pub color: String,
    /// Swatch, `#RRGGBB`.
    pub display_color: String,
    /// Thumbnail URL.
    pub display_thumbnail: String,
    /// Price in major units as typed (`19.99`).
    pub price: String,
    /// ISO 4217 code.
    pub currency: String,
    /// Picture URLs, separated by spaces.
    pub pictures: String,
}

impl VariantForm {
    /// Whether the row was left empty.
    pub fn is_blank(&self) -> bool {
        [
            &self.id,
            &self.name,
            &self.stock,
            &self.size,
            &self.color,
            &self.display_color,
            &self.display_thumbnail,
            &self.price,
            &self.pictures,
        ]
        .iter()
        .all(|f| f.trim().is_empty())
    }
}

impl ProductForm {
    /// The form for editing `product`.
    pub fn from_product(product: &Product) -> Self {
        let attributes = product
            .attributes
            .iter()
            .map(|(key, value)| match value {
                Value::String(text) => format!("{key} = {text}"),
                other => format!("{key} = {other}"),
            })
            .collect::<Vec<_>>()
            .join("\n");
        let variants = product
            .variants
            .iter()
            .map(|v| VariantForm {
                id: v.id.clone(),
                name: v.name.clone(),
                stock: v.stock.to_string(),
                size: v.size.clone(),
                color: v.color.clone(),
                display_color: v.display_color.clone(),
                display_thumbnail: v.display_thumbnail.clone(),
                price: major_units(v.price, &v.currency),
                currency: v.currency.clone(),
                pictures: v.pictures.join(" "),
            })
            .collect();
        Self {
            id: product.id.clone(),
            name: product.name.clone(),
            text: product.text.clone(),
            locale: product.locale.clone(),
            attributes,
            variants,
        }
    }
}
