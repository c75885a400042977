//! The editor's text form → a product: numbers parsed (prices from major units into the
//! currency's minor unit), attribute lines read, empty variant rows dropped; then every
//! catalog rule is checked.
use super::validate::validate;
use crate::{
    error::{AppError, FieldErrors},
    model::{
        product::{Product, Variant, minor_digits},
        product_form::{ProductForm, VariantForm},
    },
};
use serde_json::{Map, Value};

/// The validated product the form describes; an error lists every problem at once, in plain
/// words naming the field as the editor labels it ("Price of variant 2 must be 0 or more").
pub fn product(form: &ProductForm) -> Result<Product, AppError> {
    let mut errors = FieldErrors::new();
    // Rows kept (not blank), by their number in the editor: validation numbers among these.
    let kept: Vec<usize> = (0..form.variants.len())
        .filter(|i| !form.variants[*i].is_blank())
        .collect();
    let variants = kept
        .iter()
        .map(|&row| {
            variant(
                &mut errors,
                &format!("variants[{row}]"),
                &form.variants[row],
            )
        })
        .collect();
    let attributes = errors
        .check("attributes", attributes(&form.attributes))
        .unwrap_or_default();
    let mut product = Product {
        id: form.id.clone(),
        name: form.name.clone(),
        text: form.text.trim().to_owned(),
        locale: form.locale.clone(),
        variants,
        attributes,
    };
    if let Err(err) = validate(&mut product) {
        for e in err.field_errors() {
            errors.add(&renumber(&e.field, &kept), e.message);
        }
    }
    errors.labelled(label_of).finish()?;
    Ok(product)
}

/// Validation numbers variants among the kept rows; the editor's fields are numbered among all
/// rows, blank ones included.
fn renumber(field: &str, kept: &[usize]) -> String {
    let renumbered = field
        .strip_prefix("variants[")
        .and_then(|rest| rest.split_once(']'))
        .and_then(|(n, tail)| {
            let row = kept.get(n.parse::<usize>().ok()?)?;
            Some(format!("variants[{row}]{tail}"))
        });
    renumbered.unwrap_or_else(|| field.to_owned())
}

/// The editor's label of a field: `variants[1].price` → "Price of variant 2".
fn label_of(field: &str) -> String {
    let Some((row, part)) = field
        .strip_prefix("variants[")
        .and_then(|rest| rest.split_once("]."))
        .and_then(|(n, part)| Some((n.parse::<usize>().ok()? + 1, part)))
    else {
        return match field {
            "id" => "Product id",
            "name" => "Name",
            "text" => "Description",
            "locale" => "Locale",
            "variants" => "Variants",
            "attributes" => "Extra attributes",
            other => other,
        }
        .to_owned();
    };
    let what = match part {
        "id" => "SKU".to_owned(),
        "name" => "Variant name".to_owned(),
        "price" => "Price".to_owned(),
        "currency" => "Currency".to_owned(),
        "stock" => "Stock".to_owned(),
        "size" => "Size".to_owned(),
        "color" => "Colour".to_owned(),
        "display-color" => "Display colour".to_owned(),
        "display-thumbnail" => "Thumbnail".to_owned(),
        "attributes" => "Attributes".to_owned(),
        other => match other
            .strip_prefix("pictures[")
            .and_then(|n| n.trim_end_matches(']').parse::<usize>().ok())
        {
            Some(n) => format!("Picture {}", n + 1),
            None => "Pictures".to_owned(),
        },
    };
    format!("{what} of variant {row}")
}

/// The row as a variant; a number that cannot be read is recorded and stands as 0, so the
/// row's other fields are still checked.
fn variant(errors: &mut FieldErrors, at: &str, row: &VariantForm) -> Variant {
    let currency = row.currency.trim().to_uppercase();
    let stock = match row.stock.trim() {
        "" => 0,
        text => text.parse().unwrap_or_else(|_| {
            errors.add(&format!("{at}.stock"), "must be a whole number");
            0
        }),
    };
    let price_field = format!("{at}.price");
    let price = errors
        .check(
            &price_field,
            minor_units(&price_field, &row.price, &currency),
        )
        .unwrap_or(0);
    Variant {
        id: row.id.clone(),
        name: row.name.trim().to_owned(),
        stock,
        size: row.size.trim().to_owned(),
        color: row.color.trim().to_owned(),
        display_color: row.display_color.trim().to_owned(),
        display_thumbnail: row.display_thumbnail.trim().to_owned(),
        price,
        currency,
        pictures: row.pictures.split_whitespace().map(str::to_owned).collect(),
        attributes: Map::new(),
    }
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
        assert_eq!(
            err.message_for("variants[2].price").as_deref(),
            Some(
                "Price of variant 3 must be a price of 0 or more with at most 2 decimals, e.g. 19.99"
            ),
            "{err:?}"
        );
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
    fn every_problem_comes_back_at_once_in_plain_words() {
        let form = ProductForm {
            id: String::new(),
            name: String::new(),
            variants: vec![VariantForm {
                stock: "many".into(),
                ..row("", "-1")
            }],
            ..ProductForm::default()
        };
        let err = product(&form).unwrap_err();
        let got: Vec<(String, String)> = err
            .field_errors()
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect();
        let want = [
            (
                "variants[0].stock",
                "Stock of variant 1 must be a whole number",
            ),
            ("variants[0].price", "Price of variant 1 must be 0 or more"),
            ("id", "Product id is required"),
            ("name", "Name is required"),
            ("variants[0].id", "SKU of variant 1 is required"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(f, m)| (f.to_string(), m.to_string()))
            .collect();
        assert_eq!(got, want);
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
