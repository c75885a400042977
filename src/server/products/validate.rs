//! The catalog's rules: every product is checked and tidied before it is stored, whether it
//! comes from the editor or an import. Errors name the field (`variants[1].price`) and the rule.
use crate::{
    error::{AppError, FieldErrors},
    model::product::{PRODUCT_KEYS, Product, VARIANT_KEYS, Variant},
};
use serde_json::{Map, Value};
use std::collections::HashSet;

/// Variants one product may have.
pub const MAX_VARIANTS: usize = 100;
/// Extra attributes one product (or variant) may have.
pub const MAX_ATTRIBUTES: usize = 50;
/// Pictures one variant may have.
pub const MAX_PICTURES: usize = 20;
/// Longest id or SKU.
const MAX_ID: usize = 100;
/// Longest serialised attribute value.
const MAX_ATTRIBUTE_BYTES: usize = 4096;
/// Ids the catalog's own pages use (`/catalog/new`, `/catalog/import`).
const RESERVED_IDS: &[&str] = &["new", "import"];

/// Checks `product` against every rule, normalising what has one right spelling (trimmed text,
/// upper-case currency, `en-US` locale case). Every broken rule is listed (one per field), each
/// named by its field (`variants[1].price`) with the rule in short words ("must be 0 or more").
pub fn validate(product: &mut Product) -> Result<(), AppError> {
    let mut errors = FieldErrors::new();
    product.id = product.id.trim().to_owned();
    product.name = product.name.trim().to_owned();
    errors.check("id", check_id("id", &product.id));
    if RESERVED_IDS.contains(&product.id.as_str()) {
        errors.add("id", "new and import are page names, not product ids");
    }
    errors.check("name", check_text("name", &product.name, 1, 200));
    errors.check("text", check_text("text", &product.text, 0, 5000));
    match normalise_locale(&product.locale) {
        Some(locale) => product.locale = locale,
        None => {
            errors.add("locale", "must be a locale such as en or en-US");
        }
    }
    if product.variants.is_empty() {
        errors.add(
            "variants",
            "needs at least one variant (a SKU with a price)",
        );
    }
    if product.variants.len() > MAX_VARIANTS {
        errors.add("variants", format!("at most {MAX_VARIANTS} variants"));
    }
    let mut skus = HashSet::new();
    for (index, variant) in product.variants.iter_mut().enumerate() {
        validate_variant(
            &mut errors,
            &format!("variants[{index}]"),
            variant,
            &product.name,
        );
        if !variant.id.is_empty() && !skus.insert(variant.id.clone()) {
            errors.add(
                &format!("variants[{index}].id"),
                format!("SKU {} is used twice in this product", variant.id),
            );
        }
    }
    errors.check(
        "attributes",
        check_attributes("attributes", &product.attributes, PRODUCT_KEYS),
    );
    errors.finish()
}

fn validate_variant(errors: &mut FieldErrors, at: &str, variant: &mut Variant, product_name: &str) {
    let field = |name: &str| format!("{at}.{name}");
    variant.id = variant.id.trim().to_owned();
    errors.check(&field("id"), check_id(&field("id"), &variant.id));
    if variant.name.trim().is_empty() {
        variant.name = product_name.to_owned();
    }
    // A blank name falls back to the product's: when that is blank too, its own error says so.
    let name_min = usize::from(!variant.name.is_empty());
    for (name, text, min, max) in [
        ("name", &variant.name, name_min, 200),
        ("size", &variant.size, 0, 50),
        ("color", &variant.color, 0, 50),
    ] {
        errors.check(&field(name), check_text(&field(name), text, min, max));
    }
    if variant.stock < 0 {
        errors.add(&field("stock"), "must be 0 or more");
    }
    if variant.price < 0 {
        errors.add(
            &field("price"),
            "must be 0 or more (an integer in the currency's minor unit, e.g. cents)",
        );
    }
    variant.currency = variant.currency.trim().to_uppercase();
    if iso_currency::Currency::from_code(&variant.currency).is_none() {
        errors.add(
            &field("currency"),
            "must be an ISO 4217 currency code such as EUR or USD",
        );
    }
    if !variant.display_color.is_empty() && !is_hex_colour(&variant.display_color) {
        errors.add(
            &field("display-color"),
            "must be a colour written #RRGGBB, e.g. #1a2b3c",
        );
    }
    errors.check(
        &field("display-thumbnail"),
        check_url(&field("display-thumbnail"), &variant.display_thumbnail),
    );
    if variant.pictures.len() > MAX_PICTURES {
        errors.add(
            &field("pictures"),
            format!("at most {MAX_PICTURES} pictures"),
        );
    }
    for (index, picture) in variant.pictures.iter().enumerate() {
        let at = format!("{at}.pictures[{index}]");
        errors.check(&at, check_url(&at, picture));
    }
    errors.check(
        &field("attributes"),
        check_attributes(&field("attributes"), &variant.attributes, VARIANT_KEYS),
    );
}

/// An id or SKU: 1–100 characters, no spaces or control characters.
fn check_id(field: &str, id: &str) -> Result<(), AppError> {
    if id.is_empty() {
        return Err(AppError::invalid(field, "is required"));
    }
    if id.chars().count() > MAX_ID || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(AppError::invalid(
            field,
            format!("must be 1–{MAX_ID} characters without spaces"),
        ));
    }
    Ok(())
}

fn check_text(field: &str, text: &str, min: usize, max: usize) -> Result<(), AppError> {
    let length = text.trim().chars().count();
    if length < min {
        return Err(AppError::invalid(field, "is required"));
    }
    if length > max {
        return Err(AppError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(())
}

fn is_hex_colour(text: &str) -> bool {
    text.len() == 7 && text.starts_with('#') && text[1..].chars().all(|c| c.is_ascii_hexdigit())
}

fn check_url(field: &str, text: &str) -> Result<(), AppError> {
    if text.is_empty() {
        return Ok(());
    }
    match url::Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => Ok(()),
        _ => Err(AppError::invalid(field, "must be an absolute http(s) URL")),
    }
}

/// `en`, `en-US` (any case, `_` or `-`) in its canonical case; `None` if it is not a locale.
pub fn normalise_locale(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return Some(String::new());
    }
    let mut parts = text.split(['-', '_']);
    let language = parts.next()?.to_ascii_lowercase();
    let region = parts.next().map(str::to_ascii_uppercase);
    let language_ok =
        (2..=3).contains(&language.len()) && language.chars().all(|c| c.is_ascii_lowercase());
    let region_ok = region.as_deref().is_none_or(|r| {
        (r.len() == 2 && r.chars().all(|c| c.is_ascii_uppercase()))
            || (r.len() == 3 && r.chars().all(|c| c.is_ascii_digit()))
    });
    (language_ok && region_ok && parts.next().is_none()).then(|| match region {
        Some(region) => format!("{language}-{region}"),
        None => language,
    })
}

fn check_attributes(
    field: &str,
    attributes: &Map<String, Value>,
    reserved: &[&str],
) -> Result<(), AppError> {
    if attributes.len() > MAX_ATTRIBUTES {
        return Err(AppError::invalid(
            field,
            format!("at most {MAX_ATTRIBUTES} extra attributes"),
        ));
    }
    for (key, value) in attributes {
        let bad_key = key.is_empty()
            || key.len() > 64
            || key.starts_with('$')
            || key.contains('.')
            || reserved.contains(&key.as_str());
        if bad_key {
            return Err(AppError::invalid(
                field,
                format!(
                    "attribute name {key:?} is not allowed (1–64 characters, no '.' or leading '$', not a built-in field)"
                ),
            ));
        }
        if value.to_string().len() > MAX_ATTRIBUTE_BYTES {
            return Err(AppError::invalid(
                field,
                format!("attribute {key} is longer than {MAX_ATTRIBUTE_BYTES} bytes"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn product(variants: Value) -> Product {
        serde_json::from_value(
            json!({"id": "p1", "name": "Tee", "locale": "en_us", "variants": variants}),
        )
        .unwrap()
    }

    fn error_of(mut product: Product) -> (String, String) {
        match validate(&mut product) {
            Err(AppError::Invalid { field, message }) => (field, message),
            other => panic!("expected one invalid field, got {other:?}"),
        }
    }

    #[test]
    fn every_broken_rule_is_listed_at_once() {
        let mut p = product(json!([
            {"id": "A", "price": -1, "currency": "EUX"},
            {"id": "B", "price": 1, "currency": "EUR", "display-color": "blue"},
        ]));
        p.name = " ".into();
        let err = validate(&mut p).unwrap_err();
        let fields: Vec<String> = err.field_errors().into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "name",
                "variants[0].price",
                "variants[0].currency",
                "variants[1].display-color"
            ]
        );
    }

    #[test]
    fn a_good_product_is_tidied() {
        let mut p = product(
            json!([{"id": " TEE-1 ", "price": 0, "currency": "eur", "display-color": "#00aaFF"}]),
        );
        validate(&mut p).unwrap();
        assert_eq!(p.locale, "en-US");
        assert_eq!(p.variants[0].id, "TEE-1");
        assert_eq!(p.variants[0].currency, "EUR");
        assert_eq!(p.variants[0].name, "Tee");
    }

    #[test]
    fn each_rule_names_its_field() {
        let cases = [
            (
                json!([{"id": "A", "price": -1, "currency": "EUR"}]),
                "variants[0].price",
            ),
            (
                json!([{"id": "A", "price": 1, "currency": "EUX"}]),
                "variants[0].currency",
            ),
            (
                json!([{"id": "A", "price": 1, "currency": "EUR", "display-color": "blue"}]),
                "variants[0].display-color",
            ),
            (
                json!([{"id": "A", "price": 1, "currency": "EUR", "display-color": "#12345"}]),
                "variants[0].display-color",
            ),
            (
                json!([{"id": "A", "price": 1, "currency": "EUR", "stock": -2}]),
                "variants[0].stock",
            ),
            (
                json!([{"id": "A", "price": 1, "currency": "EUR", "display-thumbnail": "ftp://x"}]),
                "variants[0].display-thumbnail",
            ),
            (
                json!([{"id": "A", "price": 1, "currency": "EUR", "pictures": ["nope"]}]),
                "variants[0].pictures[0]",
            ),
            (
                json!([{"id": "A", "price": 1, "currency": "EUR"}, {"id": "A", "price": 2, "currency": "EUR"}]),
                "variants[1].id",
            ),
            (
                json!([{"id": "has space", "price": 1, "currency": "EUR"}]),
                "variants[0].id",
            ),
            (json!([]), "variants"),
        ];
        for (variants, field) in cases {
            assert_eq!(error_of(product(variants.clone())).0, field, "{variants}");
        }
    }

    #[test]
    fn locales_and_attributes_are_checked() {
        let mut p = product(json!([{"id": "A", "price": 1, "currency": "EUR"}]));
        p.locale = "english".into();
        assert_eq!(error_of(p.clone()).0, "locale");
        p.locale = "de".into();
        p.attributes.insert("$where".into(), json!(1));
        assert_eq!(error_of(p.clone()).0, "attributes");
        assert_eq!(normalise_locale("PT-br").as_deref(), Some("pt-BR"));
        assert_eq!(normalise_locale("es-419").as_deref(), Some("es-419"));
        assert_eq!(normalise_locale("en-US-x"), None);
    }
}
