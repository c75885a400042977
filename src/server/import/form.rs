//! The mapping form's fields (`target_<i>`, `key_<i>`, `type_<i>` per column of the staged
//! file, `date_order`, `phone_region`, `timestamp`) → a mapping, every problem at once.
use super::{
    dates::DateOrder,
    mapping::{Mapping, Target, ValueType, parse_region, valid_name},
};
use crate::error::{AppError, FieldErrors, rule};
use std::collections::BTreeMap;

/// Multipart fields by name (the last value wins).
pub type Fields = BTreeMap<String, String>;

/// Whether the form carries a column mapping (rather than TOML or nothing).
pub fn has_columns(fields: &Fields) -> bool {
    fields.contains_key("target_0")
}

/// The mapping the form describes for a file with `columns`.
pub fn mapping_from(fields: &Fields, columns: &[String]) -> Result<Mapping, AppError> {
    let get = |name: &str| fields.get(name).map(|v| v.trim()).unwrap_or_default();
    let mut errors = FieldErrors::new();
    let mut mapped = BTreeMap::new();
    for (i, column) in columns.iter().enumerate() {
        if let Some(target) = errors.check(&format!("key_{i}"), column_target(fields, i, column)) {
            mapped.insert(column.clone(), target);
        }
    }
    let identifies = mapped
        .values()
        .any(|t| !matches!(t, Target::Trait(..) | Target::Ignore));
    if !identifies && errors.is_empty() {
        errors.add(
            "target_0",
            "Map at least one column to an identifier: email, phone, user id or an id in another system",
        );
    }
    let date_order = DateOrder::parse(get("date_order")).unwrap_or_default();
    let region = get("phone_region");
    let phone_region = if region.is_empty() {
        None
    } else {
        errors.check("phone_region", parse_region(region))
    };
    let timestamp = Some(get("timestamp").to_owned()).filter(|t| columns.contains(t));
    errors.finish()?;
    Ok(Mapping {
        columns: mapped,
        timestamp,
        date_order,
        phone_region,
    })
}

fn column_target(fields: &Fields, i: usize, column: &str) -> Result<Target, AppError> {
    let get = |name: &str| {
        fields
            .get(&format!("{name}_{i}"))
            .map(|v| v.trim())
            .unwrap_or_default()
    };
    let key = get("key");
    let named = |what: &str| -> Result<String, AppError> {
        if key.is_empty() {
            return Err(AppError::invalid(
                &format!("key_{i}"),
                rule::required(&format!("{what} for column \"{column}\"")),
            ));
        }
        if !valid_name(key) {
            return Err(AppError::invalid(
                &format!("key_{i}"),
                format!("{what} for column \"{column}\" may use only letters, digits, '_' and '-'"),
            ));
        }
        Ok(key.to_owned())
    };
    Ok(match get("target") {
        "user_id" => Target::UserId,
        "anonymous_id" => Target::AnonymousId,
        "email" => Target::Email,
        "phone" => Target::Phone,
        "external" => Target::External(named("The id type")?),
        "trait" => {
            let kind = ValueType::parse(get("type")).unwrap_or(ValueType::String);
            Target::Trait(named("The trait name")?, kind)
        }
        _ => Target::Ignore,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn item_06_the_form_becomes_the_mapping_the_cli_reads() {
        let columns = ["Id".to_owned(), "Mobile".to_owned(), "Joined".to_owned()];
        let form = fields(&[
            ("target_0", "external"),
            ("key_0", "crm_id"),
            ("target_1", "phone"),
            ("target_2", "trait"),
            ("key_2", "joined"),
            ("type_2", "date"),
            ("date_order", "mdy"),
            ("phone_region", "kr"),
            ("timestamp", "Joined"),
        ]);
        let mapping = mapping_from(&form, &columns).unwrap();
        let text = mapping.to_toml();
        assert_eq!(
            super::super::mapping::parse_mapping(&text).unwrap(),
            mapping,
            "{text}"
        );
        assert!(
            text.contains("\"trait:joined:date\"") && text.contains("mdy"),
            "{text}"
        );
    }

    #[test]
    fn every_problem_is_named_beside_its_column() {
        let columns = ["A".to_owned(), "B".to_owned()];
        let form = fields(&[
            ("target_0", "external"),
            ("target_1", "trait"),
            ("key_1", "a b"),
            ("phone_region", "Korea"),
        ]);
        let err = mapping_from(&form, &columns).unwrap_err();
        assert!(err.message_for("key_0").unwrap().contains("is required"));
        assert!(err.message_for("key_1").unwrap().contains("only letters"));
        assert!(err.message_for("phone_region").is_some());
        let none = fields(&[("target_0", "trait"), ("key_0", "a")]);
        assert!(
            mapping_from(&none, &columns[..1])
                .unwrap_err()
                .message_for("target_0")
                .is_some()
        );
    }
}
