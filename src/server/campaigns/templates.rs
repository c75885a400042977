//! Message templates (minijinja): checked when a campaign is saved, with the line and column of
//! the first error, and rendered per person at send time. Templates see `profile`, `traits`,
//! `computed`, `event` (triggered sends), `campaign`, `unsubscribe_url` and `recommendations`,
//! with `date` and `money` filters beside minijinja's own (`default`, `upper`, …).
//!
//! A template is one self-contained message: `include`, `extends`, `import` and `debug()` are
//! refused, and a render can neither print more than [`OUTPUT_CAP`] nor spend more than its
//! budget (see `budget`). A failed render is reported by line only: the engine's own error text
//! can quote the person's data, so it is never stored, shown or logged.
mod budget;
mod dates;
mod filters;
#[cfg(test)]
mod fuzz_tests;
mod guards;
mod predicates;
mod program;
mod syntax;

use crate::error::AppError;
use minijinja::{Environment, ErrorKind, UndefinedBehavior, Value};
use program::{Run, Unusable};
use std::sync::LazyLock;

pub use budget::OUTPUT_CAP;

/// Template steps allowed per render: generous for any real message, fatal to runaway loops.
const FUEL: u64 = 100_000;

/// The environment every template is compiled and rendered in (a copy of one built once).
pub fn environment() -> Environment<'static> {
    static BUILT: LazyLock<Environment<'static>> = LazyLock::new(build);
    BUILT.clone()
}

fn build() -> Environment<'static> {
    let mut env = Environment::new();
    // Chainable: `{{ event.properties.total }}` is empty, not an error, when there is no event.
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env.set_fuel(Some(FUEL));
    // Deep macro recursion would otherwise outgrow a worker thread's stack before the limit.
    env.set_recursion_limit(64);
    env.remove_global("debug");
    env.set_formatter(budget::format);
    guards::register(&mut env);
    filters::register(&mut env);
    env.add_filter("date", dates::date);
    env.add_filter("money", dates::money);
    env
}

/// Why a render produced no message: safe to store and show (it never quotes data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The template field (`subject`, `body`).
    pub field: String,
    /// The line it failed on (1 when unknown).
    pub line: usize,
    /// What went wrong, in fixed words.
    pub reason: &'static str,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "template_error: the {} template failed at line {}: {}",
            self.field, self.line, self.reason
        )
    }
}

impl From<Failure> for AppError {
    fn from(failure: Failure) -> Self {
        AppError::invalid(&failure.field.clone(), failure.to_string())
    }
}

/// Renders `source` with `context`; a failure names `field` and its line, never the data.
pub fn render_message(
    env: &Environment<'_>,
    field: &str,
    source: &str,
    context: &serde_json::Value,
) -> Result<String, Failure> {
    let failure = |line: usize, reason| Failure {
        field: field.to_owned(),
        line: line.max(1),
        reason,
    };
    match program::run(env, source, Value::from_serialize(context)) {
        Ok(text) => Ok(text),
        Err(Run::Unusable(Unusable::Syntax(err))) => {
            Err(failure(err.line().unwrap_or(1), "it is not valid"))
        }
        Err(Run::Unusable(Unusable::Refused(r))) => Err(failure(r.line, "it is not allowed")),
        Err(Run::Failed { error, limit }) => Err(failure(
            error.line().unwrap_or(1),
            reason(limit, error.kind()),
        )),
    }
}

/// Fixed words for why a render failed.
fn reason(limit: Option<budget::Limit>, kind: ErrorKind) -> &'static str {
    match (limit, kind) {
        (Some(budget::Limit::TooLarge), _) => "the message would be larger than 256 KB",
        (Some(budget::Limit::TooMuchWork), _) | (None, ErrorKind::OutOfFuel) => {
            "it does too much work"
        }
        (Some(budget::Limit::DateFormat), _) => "a date format is invalid",
        (None, ErrorKind::UnknownFilter) => "it uses an unknown filter",
        (None, ErrorKind::UnknownFunction) => "it uses an unknown function",
        (None, ErrorKind::UnknownTest) => "it uses an unknown test",
        (None, _) => "it could not be rendered",
    }
}

/// Renders `source` with `context`; a failure is a 400 naming `field`, without the data.
pub fn render(
    env: &Environment<'_>,
    field: &str,
    source: &str,
    context: &serde_json::Value,
) -> Result<String, AppError> {
    render_message(env, field, source, context).map_err(AppError::from)
}

/// Checks that `source` compiles, uses only what campaign templates may, and renders within
/// its limits without data; the error names `field` and gives the line and column.
pub fn check(env: &Environment<'_>, field: &str, source: &str) -> Result<(), AppError> {
    let at = |line: usize, column: usize, what: &str| {
        AppError::invalid(field, format!("line {line}, column {column}: {what}"))
    };
    // An empty context: every lookup is undefined, which lenient templates allow.
    match program::run(env, source, Value::from(())) {
        Ok(_) => Ok(()),
        Err(Run::Unusable(Unusable::Refused(r))) => Err(at(r.line, r.column, &r.message)),
        Err(Run::Unusable(Unusable::Syntax(error))) => {
            let (line, column) = position(source, &error);
            Err(at(line, column, &described(&error)))
        }
        Err(Run::Failed { error, limit }) if limit.is_some() || refused_at_save(error.kind()) => {
            let (line, column) = position(source, &error);
            let what = match limit {
                Some(limit) => reason(Some(limit), error.kind()).to_owned(),
                None => described(&error),
            };
            Err(at(line, column, &what))
        }
        // Other failures depend on data the empty context does not have.
        Err(Run::Failed { .. }) => Ok(()),
    }
}

/// The engine's words for a save-time error: they quote the template, not data (the context
/// is empty).
fn described(error: &minijinja::Error) -> String {
    error
        .detail()
        .map_or_else(|| error.kind().to_string(), str::to_owned)
}

fn refused_at_save(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::UnknownFilter
            | ErrorKind::UnknownTest
            | ErrorKind::UnknownFunction
            | ErrorKind::SyntaxError
            | ErrorKind::OutOfFuel
    )
}

/// Line and column (both from 1) of `err` in `source`.
fn position(source: &str, err: &minijinja::Error) -> (usize, usize) {
    let line = err.line().unwrap_or(1);
    let column = err.range().and_then(|range| {
        let start = range.start.min(source.len());
        let start = (0..=start).rev().find(|&i| source.is_char_boundary(i))?;
        let before = &source[..start];
        // A range on another line belongs to a neighbouring instruction: no column then.
        (before.matches('\n').count() + 1 == line).then(|| {
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            source[line_start..start].chars().count() + 1
        })
    });
    (line, column.unwrap_or(1))
}

#[cfg(test)]
mod tests;
