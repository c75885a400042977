//! The `date` and `money` filters. A strftime format is checked before it is used: chrono
//! panics on an invalid one (`date("%")`), and a panic must not take a send down.
use super::budget::{self, Limit};
use chrono::format::{Item, StrftimeItems};
use minijinja::{Error, Value};
use std::fmt::Write as _;

/// Longest `date` format accepted.
const FORMAT_CAP: usize = 200;
/// Longest currency code accepted by `money`.
const CURRENCY_CAP: usize = 16;

/// Whether `format` is a strftime format chrono can use, and not unreasonably long.
pub fn valid_format(format: &str) -> bool {
    format.len() <= FORMAT_CAP && !StrftimeItems::new(format).any(|item| item == Item::Error)
}

/// `{{ traits.signup | date }}` or `date("%d %B %Y")`: an RFC 3339 text or epoch milliseconds
/// as a date; anything else is left as it is.
pub fn date(value: Value, format: Option<String>) -> Result<String, Error> {
    let format = format.unwrap_or_else(|| "%Y-%m-%d".to_owned());
    if !valid_format(&format) {
        return Err(budget::trip(Limit::DateFormat));
    }
    let parsed = if let Some(text) = value.as_str() {
        budget::work(text.len())?;
        chrono::DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|d| d.with_timezone(&chrono::Utc))
    } else {
        i64::try_from(value.clone())
            .ok()
            .and_then(chrono::DateTime::from_timestamp_millis)
    };
    let Some(at) = parsed else {
        return plain(&value);
    };
    let mut out = String::new();
    // Writing (rather than `to_string`) reports a formatting error instead of panicking.
    write!(out, "{}", at.format(&format)).map_err(|_| budget::trip(Limit::DateFormat))?;
    budget::create(out.len())?;
    Ok(out)
}

/// `{{ order.total | money("EUR") }}`: integer cents as an amount with its currency.
pub fn money(value: Value, currency: Option<String>) -> Result<String, Error> {
    let cents = i64::try_from(value.clone())
        .ok()
        .filter(|c| c.checked_abs().is_some());
    let Some(cents) = cents else {
        return plain(&value);
    };
    let currency = currency.unwrap_or_else(|| "USD".to_owned());
    if currency.len() > CURRENCY_CAP {
        return Err(budget::trip(Limit::TooLarge));
    }
    Ok(crate::model::product::format_price(cents, &currency))
}

/// A value neither filter understands, as text (nothing for a missing one).
fn plain(value: &Value) -> Result<String, Error> {
    if value.is_undefined() || value.is_none() {
        return Ok(String::new());
    }
    budget::inspect(value)?;
    budget::display(value, budget::VALUE_CAP).ok_or_else(|| budget::trip(Limit::TooLarge))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_formats_are_refused_not_panicked_on() {
        for bad in ["%", "%Q", "abc %", "%Y-%m-%"] {
            assert!(!valid_format(bad), "{bad}");
            assert!(date(Value::from("2026-03-04T10:00:00Z"), Some(bad.into())).is_err());
        }
        assert!(valid_format("%d %B %Y"));
        let at = date(Value::from(0), Some("%Y".into())).unwrap();
        assert_eq!(at, "1970");
    }

    #[test]
    fn extreme_amounts_do_not_overflow() {
        assert_eq!(
            money(Value::from(i64::MIN), None).unwrap(),
            i64::MIN.to_string()
        );
        assert_eq!(
            money(Value::from(-150), Some("EUR".into())).unwrap(),
            "-€1.50"
        );
    }
}
