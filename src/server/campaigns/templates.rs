//! Message templates (minijinja): checked when a campaign is saved, with the line and column of
//! the first error, and rendered per person at send time. Templates see `profile`, `traits`,
//! `computed`, `event` (triggered sends), `campaign`, `unsubscribe_url` and `recommendations`,
//! with `date` and `money` filters beside minijinja's own (`default`, `upper`, …).
use crate::error::AppError;
use minijinja::{Environment, ErrorKind, UndefinedBehavior, Value};

/// Template steps allowed per render: generous for any real message, fatal to runaway loops.
const FUEL: u64 = 100_000;

/// The environment every template is compiled and rendered in.
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    // Chainable: `{{ event.properties.total }}` is empty, not an error, when there is no event.
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env.set_fuel(Some(FUEL));
    env.add_filter("date", date);
    env.add_filter("money", money);
    env
}

/// `{{ traits.signup | date }}` or `date("%d %B %Y")`: an RFC 3339 text or epoch milliseconds
/// as a date; anything else is left as it is.
fn date(value: Value, format: Option<String>) -> String {
    let format = format.unwrap_or_else(|| "%Y-%m-%d".to_owned());
    let parsed = if let Some(text) = value.as_str() {
        chrono::DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|d| d.with_timezone(&chrono::Utc))
    } else {
        i64::try_from(value.clone())
            .ok()
            .and_then(chrono::DateTime::from_timestamp_millis)
    };
    match parsed {
        Some(at) => at.format(&format).to_string(),
        None if value.is_undefined() || value.is_none() => String::new(),
        None => value.to_string(),
    }
}

/// `{{ order.total | money("EUR") }}`: integer cents as an amount with its currency.
fn money(value: Value, currency: Option<String>) -> String {
    let Ok(cents) = i64::try_from(value.clone()) else {
        return if value.is_undefined() || value.is_none() {
            String::new()
        } else {
            value.to_string()
        };
    };
    crate::model::product::format_price(cents, currency.as_deref().unwrap_or("USD"))
}

/// Checks that `source` compiles and uses only known filters, tests and functions; the error
/// names `field` and gives the line and column.
pub fn check(env: &Environment<'_>, field: &str, source: &str) -> Result<(), AppError> {
    let locate = |err: minijinja::Error| {
        let (line, column) = position(source, &err);
        let what = err
            .detail()
            .map_or_else(|| err.kind().to_string(), str::to_owned);
        AppError::invalid(field, format!("line {line}, column {column}: {what}"))
    };
    let template = env.template_from_str(source).map_err(locate)?;
    // An empty context: every lookup is undefined, which lenient templates allow.
    match template.render(minijinja::context! {}) {
        Err(err)
            if matches!(
                err.kind(),
                ErrorKind::UnknownFilter
                    | ErrorKind::UnknownTest
                    | ErrorKind::UnknownFunction
                    | ErrorKind::SyntaxError
                    | ErrorKind::OutOfFuel
            ) =>
        {
            Err(locate(err))
        }
        _ => Ok(()),
    }
}

/// Line and column (both from 1) of `err` in `source`.
fn position(source: &str, err: &minijinja::Error) -> (usize, usize) {
    let line = err.line().unwrap_or(1);
    let column = match err.range() {
        Some(range) => {
            let start = range.start.min(source.len());
            let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
            source[line_start..start].chars().count() + 1
        }
        None => 1,
    };
    (line, column)
}

/// Renders `source` with `context`; a failure names `field`.
pub fn render(
    env: &Environment<'_>,
    field: &str,
    source: &str,
    context: &serde_json::Value,
) -> Result<String, AppError> {
    env.render_str(source, context)
        .map_err(|e| AppError::invalid(field, format!("could not be rendered: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn invalid(source: &str) -> String {
        match check(&environment(), "variants[0].body", source) {
            Err(AppError::Invalid { field, message }) => {
                assert_eq!(field, "variants[0].body");
                message
            }
            other => panic!("{source:?} was accepted: {other:?}"),
        }
    }

    #[test]
    fn errors_give_line_and_column() {
        let message = invalid("Hello {{ traits.name }}\nYour {{ order.total | money(\"EUR\") }\n");
        assert!(message.starts_with("line 2, column "), "{message}");
        let message = invalid("Hi {{ traits.name | shout }}");
        assert!(message.starts_with("line 1, column "), "{message}");
        assert!(
            message.contains("shout") || message.contains("unknown filter"),
            "{message}"
        );
        assert!(
            check(
                &environment(),
                "f",
                "{% for i in range(10) %}{{ i }}{% endfor %}"
            )
            .is_ok()
        );
    }

    #[test]
    fn renders_traits_with_defaults_money_and_dates() {
        let env = environment();
        let context = json!({
            "traits": { "firstName": "Ada", "signup": "2026-03-04T10:00:00Z" },
            "event": { "properties": { "total": 123456 } },
        });
        let text = "Hi {{ traits.firstName }} {{ traits.lastName | default('friend') }}, \
                    {{ event.properties.total | money('EUR') }} since {{ traits.signup | date('%d %b %Y') }}";
        assert_eq!(
            render(&env, "body", text, &context).unwrap(),
            "Hi Ada friend, €1234.56 since 04 Mar 2026"
        );
        assert_eq!(
            render(&env, "body", "{{ missing | money }}", &context).unwrap(),
            ""
        );
    }

    #[test]
    fn runaway_templates_stop() {
        let source =
            "{% for a in range(1000) %}{% for b in range(1000) %}x{% endfor %}{% endfor %}";
        assert!(check(&environment(), "body", source).is_err());
    }
}
