//! The editor's text form → a product: numbers parsed (prices from major units into the
//! currency's minor unit), attribute lines read, empty variant rows dropped; then every
//! catalog rule is checked.
use super::validate::validate;
use crate::{
    error::AppError,
    model::{
        product::{Product, Variant, minor_digits},
        product_form::{ProductForm, VariantForm},
    },
};
use serde_json::{Map, Value};

/// The validated product the form describes.
pub fn product(form: &ProductForm) -> Result<Product, AppError> {
    let mut variants = Vec::new();
    for (index, row) in form.variants.iter().enumerate() {
        if !row.is_blank() {
            variants.push(variant(&format!("variants[{index}]"), row)?);
        }
    }
    let mut product = Product {
        id: form.id.clone(),
        name: form.name.clone(),
        text: form.text.trim().to_owned(),
        locale: form.locale.clone(),
        variants,
        attributes: attributes(&form.attributes)?,
    };
    validate(&mut product).map_err(|err| renumber(err, form))?;
    Ok(product)
}

/// Validation numbers variants among the kept rows; the editor's fields are numbered among all
/// rows, blank ones included.
fn renumber(err: AppError, form: &ProductForm) -> AppError {
    let AppError::Invalid { field, message } = err else {
        return err;
    };
    let kept: Vec<usize> = (0..form.variants.len())
        .filter(|i| !form.variants[*i].is_blank())
        .collect();
    let field = match field
        .strip_prefix("variants[")
        .and_then(|rest| rest.split_once(']'))
    {
        Some((n, tail)) => match n.parse::<usize>().ok().and_then(|n| kept.get(n)) {
            Some(row) => format!("variants[{row}]{tail}"),
            None => field,
        },
        None => field,
    };
    AppError::Invalid { field, message }
}

fn variant(at: &str, row: &VariantForm) -> Result<Variant, AppError> {
    let currency = row.currency.trim().to_uppercase();
    let stock = match row.stock.trim() {
        "" => 0,
        text => text
            .parse()
            .map_err(|_| AppError::invalid(&format!("{at}.stock"), "must be a whole number"))?,
    };
    Ok(Variant {
        id: row.id.clone(),
        name: row.name.trim().to_owned(),
        stock,
        size: row.size.trim().to_owned(),
        color: row.color.trim().to_owned(),
        display_color: row.display_color.trim().to_owned(),
        display_thumbnail: row.display_thumbnail.trim().to_owned(),
        price: minor_units(&format!("{at}.price"), &row.price, &currency)?,
        currency,
        pictures: row.pictures.split_whitespace().map(str::to_owned).collect(),
        attributes: Map::new(),
    })
}

/// `19.99` in `currency` → `1999`: at most the currency's decimals, exactly (no float rounding).
pub fn minor_units(field: &str, text: &str, currency: &str) -> Result<i64, AppError> {
    let digits = minor_digits(currency) as usize;
    let text = text.trim();
    let invalid = || {
        AppError::invalid(
            field,
            format!("must be a price of 0 or more with at most {digits} decimals, e.g. 19.99"),
        )
    };
    if text.is_empty() {
        return Err(AppError::invalid(field, "is required"));
    }
    if text.starts_with('-') {
        return Err(AppError::invalid(field, "must be 0 or more"));
    }
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) || fraction.len() > digits {
        return Err(invalid());
    }
    let padded = format!("{whole}{fraction:0<digits$}");
    padded.parse::<i64>().map_err(|_| invalid())
}

/// `key = value` lines; a value that reads as JSON (number, true, a list) keeps that type.
fn attributes(text: &str) -> Result<Map<String, Value>, AppError> {
    let mut map = Map::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(AppError::invalid(
                "attributes",
                format!("line {}: write key = value", index + 1),
            ));
        };
        let value = value.trim();
        let parsed = serde_json::from_str::<Value>(value)
            .ok()
            .filter(|v| !v.is_object())
            .unwrap_or_else(|| Value::String(value.to_owned()));
        map.insert(key.trim().to_owned(), parsed);
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, price: &str) -> VariantForm {
        VariantForm {
            id: id.into(),
            price: price.into(),
            currency: "eur".into(),
            ..VariantForm::default()
        }
    }

    #[test]
    fn prices_are_read_exactly_in_minor_units() {
        assert_eq!(minor_units("p", "19.99", "EUR").unwrap(), 1999);
        assert_eq!(minor_units("p", "19.9", "EUR").unwrap(), 1990);
        assert_eq!(minor_units("p", "7", "EUR").unwrap(), 700);
        assert_eq!(minor_units("p", "500", "JPY").unwrap(), 500);
        assert!(minor_units("p", "5.5", "JPY").is_err());
        assert!(minor_units("p", "1.999", "EUR").is_err());
        assert!(
            minor_units("p", "-1", "EUR")
                .unwrap_err()
                .to_string()
                .contains("0 or more")
        );
        assert!(minor_units("p", "1e3", "EUR").is_err());
    }

    #[test]
    fn blank_rows_are_dropped_and_errors_keep_the_row_number() {
        let form = ProductForm {
            id: "tee".into(),
            name: "Tee".into(),
            attributes: "brand = Acme\nyear = 2024".into(),
            variants: vec![row("A", "1"), VariantForm::default(), row("B", "x")],
            ..ProductForm::default()
        };
        let err = product(&form).unwrap_err();
        assert!(err.message_for("variants[2].price").is_some(), "{err:?}");
        let mut fixed = form.clone();
        fixed.variants[2].price = "2.50".into();
        fixed.variants[2].display_color = "red".into();
        let err = product(&fixed).unwrap_err();
        assert!(
            err.message_for("variants[2].display-color").is_some(),
            "{err:?}"
        );
        fixed.variants[2].display_color = "#ff0000".into();
        let saved = product(&fixed).unwrap();
        assert_eq!(saved.variants.len(), 2);
        assert_eq!(saved.variants[1].price, 250);
        assert_eq!(saved.attributes["year"], 2024);
        assert_eq!(saved.attributes["brand"], "Acme");
    }

    #[test]
    fn the_form_of_a_product_reads_back_as_the_same_product() {
        let form = ProductForm {
            id: "tee".into(),
            name: "Tee".into(),
            locale: "en-US".into(),
            attributes: "brand = Acme".into(),
            variants: vec![row("A", "12.30")],
            ..ProductForm::default()
        };
        let first = product(&form).unwrap();
        assert_eq!(product(&ProductForm::from_product(&first)).unwrap(), first);
    }
}
