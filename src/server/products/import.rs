//! Reading a catalog file: JSON Lines (one product per line, in the catalog's shape) or CSV
//! (one row per variant, rows of a product grouped by `product_id`). Each product comes with
//! the lines it was read from, so a rule it breaks is reported on the right line.
use crate::model::{
    import::RowError,
    product::{PRODUCT_KEYS, Product, VARIANT_KEYS, Variant},
};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A product read from the file, or why its line could not be read.
pub type ReadProduct = Result<ParsedProduct, RowError>;

/// A product and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedProduct {
    /// The product, not yet validated.
    pub product: Product,
    /// The product's first line.
    pub line: u64,
    /// The line of each variant.
    pub variant_lines: Vec<u64>,
}

impl ParsedProduct {
    /// The line to blame for an error on `field` (`variants[2].price` → that variant's line).
    pub fn line_of(&self, field: &str) -> u64 {
        field
            .strip_prefix("variants[")
            .and_then(|rest| rest.split_once(']'))
            .and_then(|(n, _)| n.parse::<usize>().ok())
            .and_then(|n| self.variant_lines.get(n).copied())
            .unwrap_or(self.line)
    }
}

/// The products in `bytes`; `.csv` files are CSV, anything else JSON Lines.
pub fn read_products(file_name: &str, bytes: &[u8]) -> Vec<ReadProduct> {
    if file_name.to_ascii_lowercase().ends_with(".csv") {
        read_csv(bytes)
    } else {
        read_json_lines(bytes)
    }
}

fn read_json_lines(bytes: &[u8]) -> Vec<ReadProduct> {
    let text = String::from_utf8_lossy(bytes);
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            let line_no = index as u64 + 1;
            let mut reader = serde_json::Deserializer::from_str(line);
            let product: Product = serde_path_to_error::deserialize(&mut reader).map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner();
                let message = if path == "." {
                    format!("not a product: {inner}")
                } else {
                    format!("{path}: {inner}")
                };
                RowError {
                    line: line_no,
                    message,
                }
            })?;
            let variant_lines = vec![line_no; product.variants.len()];
            Ok(ParsedProduct {
                product,
                line: line_no,
                variant_lines,
            })
        })
        .collect()
}

/// Whether a CSV column is a field of the shape (the product's, with `product_id` for `id`, or
/// a variant's, with `sku` and `variant_name` for its `id` and `name`); any other is an
/// attribute.
fn is_shape_column(column: &str) -> bool {
    matches!(column, "product_id" | "sku" | "variant_name")
        || PRODUCT_KEYS.contains(&column)
        || (VARIANT_KEYS.contains(&column) && !matches!(column, "id" | "name"))
}

fn read_csv(bytes: &[u8]) -> Vec<ReadProduct> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.to_ascii_lowercase()).collect(),
        Err(e) => {
            let message = format!("unreadable header row: {e}");
            return vec![Err(RowError { line: 1, message })];
        }
    };
    let mut out: Vec<ReadProduct> = Vec::new();
    let mut by_id: BTreeMap<String, usize> = BTreeMap::new();
    for (index, record) in reader.records().enumerate() {
        let line = index as u64 + 2;
        let row = match record {
            Ok(record) => headers
                .iter()
                .cloned()
                .zip(record.iter().map(str::to_owned))
                .collect::<BTreeMap<String, String>>(),
            Err(e) => {
                out.push(Err(RowError {
                    line,
                    message: format!("unreadable row: {e}"),
                }));
                continue;
            }
        };
        match csv_row(&row) {
            Ok((id, fields, variant)) => {
                let slot = *by_id.entry(id.clone()).or_insert_with(|| {
                    out.push(Ok(ParsedProduct {
                        product: Product {
                            id,
                            ..Product::default()
                        },
                        line,
                        variant_lines: Vec::new(),
                    }));
                    out.len() - 1
                });
                if let Some(Ok(parsed)) = out.get_mut(slot) {
                    merge_row(parsed, fields, variant, line);
                }
            }
            Err(message) => out.push(Err(RowError { line, message })),
        }
    }
    out
}

/// Product-level fields of one row: name, text, locale and attributes.
type RowFields = (BTreeMap<String, String>, Map<String, Value>);

fn csv_row(row: &BTreeMap<String, String>) -> Result<(String, RowFields, Variant), String> {
    let get = |key: &str| row.get(key).cloned().unwrap_or_default();
    let id = Some(get("product_id"))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| get("id"));
    if id.is_empty() {
        return Err("product_id: is required".into());
    }
    let number = |key: &str| -> Result<i64, String> {
        let text = get(key);
        if text.is_empty() && key == "stock" {
            return Ok(0);
        }
        text.parse().map_err(|_| {
            format!(
                "{key}: must be a whole number{}",
                if key == "price" {
                    " of minor units (cents)"
                } else {
                    ""
                }
            )
        })
    };
    let variant = Variant {
        id: get("sku"),
        name: get("variant_name"),
        stock: number("stock")?,
        size: get("size"),
        color: get("color"),
        display_color: get("display-color"),
        display_thumbnail: get("display-thumbnail"),
        price: number("price")?,
        currency: get("currency"),
        pictures: get("pictures")
            .split('|')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
        attributes: Map::new(),
    };
    let mut fields = BTreeMap::new();
    let mut attributes = Map::new();
    for (key, value) in row.iter().filter(|(_, v)| !v.is_empty()) {
        if ["name", "text", "locale"].contains(&key.as_str()) {
            fields.insert(key.clone(), value.clone());
        } else if !is_shape_column(key) {
            let typed = serde_json::from_str::<Value>(value)
                .ok()
                .filter(|v| v.is_number() || v.is_boolean())
                .unwrap_or_else(|| Value::String(value.clone()));
            attributes.insert(key.clone(), typed);
        }
    }
    Ok((id, (fields, attributes), variant))
}

fn merge_row(
    parsed: &mut ParsedProduct,
    (fields, attributes): RowFields,
    variant: Variant,
    line: u64,
) {
    let product = &mut parsed.product;
    // The first row that gives a product field wins; later rows add variants.
    for (key, value) in fields {
        let slot = match key.as_str() {
            "name" => &mut product.name,
            "text" => &mut product.text,
            _ => &mut product.locale,
        };
        if slot.is_empty() {
            *slot = value;
        }
    }
    for (key, value) in attributes {
        product.attributes.entry(key).or_insert(value);
    }
    product.variants.push(variant);
    parsed.variant_lines.push(line);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_group_into_products_with_their_lines() {
        let csv = "product_id,name,locale,sku,price,currency,stock,brand,pictures\n\
                   tee,Tee,en-US,TEE-S,1999,EUR,3,Acme,https://x/1.png|https://x/2.png\n\
                   mug,Mug,,MUG-1,900,EUR,0,,\n\
                   tee,,,TEE-M,2099,EUR,,,\n\
                   ,,,X,1,EUR,,,\n\
                   cap,Cap,,CAP-1,12.5,EUR,,,\n";
        let read = read_products("catalog.csv", csv.as_bytes());
        assert_eq!(read.len(), 4);
        let tee = read[0].as_ref().unwrap();
        assert_eq!(tee.product.variants.len(), 2);
        assert_eq!(tee.variant_lines, vec![2, 4]);
        assert_eq!(tee.product.attributes["brand"], "Acme");
        assert_eq!(tee.product.variants[0].pictures.len(), 2);
        assert_eq!(tee.line_of("variants[1].price"), 4);
        assert_eq!(read[2].as_ref().unwrap_err().line, 5);
        let cap = read[3].as_ref().unwrap_err();
        assert_eq!(cap.line, 6);
        assert!(cap.message.starts_with("price:"), "{}", cap.message);
    }

    #[test]
    fn json_lines_errors_name_the_line_and_the_path() {
        let jsonl = "{\"id\":\"a\",\"name\":\"A\",\"variants\":[{\"id\":\"A1\",\"price\":100,\"currency\":\"EUR\"}]}\n\n\
                     {\"id\":\"b\",\"name\":\"B\",\"variants\":[{\"id\":\"B1\",\"price\":1.5,\"currency\":\"EUR\"}]}\n\
                     not json\n";
        let read = read_products("catalog.jsonl", jsonl.as_bytes());
        assert_eq!(read.len(), 3);
        assert!(read[0].is_ok());
        let bad = read[1].as_ref().unwrap_err();
        assert_eq!(bad.line, 3);
        assert!(
            bad.message.starts_with("variants[0].price:"),
            "{}",
            bad.message
        );
        assert_eq!(read[2].as_ref().unwrap_err().line, 4);
    }

    mod round_trip {
        use super::super::*;
        use proptest::prelude::*;

        fn product() -> impl Strategy<Value = Product> {
            let variant = ("[A-Z0-9]{1,8}", 0i64..1_000_000, 0i64..500, "(EUR|USD|JPY)");
            let name = "[A-Za-z][A-Za-z ,\"']{0,20}[A-Za-z]";
            (
                "[a-z0-9-]{1,12}",
                name,
                "(|en|de-DE)",
                proptest::collection::vec(variant, 1..4),
            )
                .prop_map(|(id, name, locale, variants)| Product {
                    variants: variants
                        .into_iter()
                        .enumerate()
                        .map(|(i, (sku, price, stock, currency))| Variant {
                            id: format!("{sku}-{i}"),
                            name: format!("{name} {i}"),
                            price,
                            stock,
                            currency,
                            pictures: vec![format!("https://img.test/{i}.png")],
                            ..Variant::default()
                        })
                        .collect(),
                    id,
                    name,
                    locale,
                    ..Product::default()
                })
        }

        fn csv_of(products: &[Product]) -> Vec<u8> {
            let mut writer = csv::Writer::from_writer(Vec::new());
            let header = [
                "product_id",
                "name",
                "locale",
                "sku",
                "variant_name",
                "price",
                "currency",
                "stock",
                "pictures",
            ];
            writer.write_record(header).unwrap();
            for p in products {
                for v in &p.variants {
                    let (price, stock) = (v.price.to_string(), v.stock.to_string());
                    let row = [
                        &p.id,
                        &p.name,
                        &p.locale,
                        &v.id,
                        &v.name,
                        &price,
                        &v.currency,
                        &stock,
                        &v.pictures.join("|"),
                    ];
                    writer.write_record(row).unwrap();
                }
            }
            writer.into_inner().unwrap()
        }

        proptest! {
            #[test]
            fn products_read_back_from_json_lines_and_csv_as_written(
                products in proptest::collection::vec(product(), 1..5)
            ) {
                let mut unique = Vec::new();
                for p in products {
                    if !unique.iter().any(|u: &Product| u.id == p.id) { unique.push(p); }
                }
                let jsonl: String = unique.iter().map(|p| serde_json::to_string(p).unwrap() + "\n").collect();
                let from_json: Vec<Product> = read_products("x.jsonl", jsonl.as_bytes())
                    .into_iter().map(|r| r.unwrap().product).collect();
                prop_assert_eq!(&from_json, &unique);
                let from_csv: Vec<Product> = read_products("x.csv", &csv_of(&unique))
                    .into_iter().map(|r| r.unwrap().product).collect();
                prop_assert_eq!(&from_csv, &unique);
            }
        }
    }
}
