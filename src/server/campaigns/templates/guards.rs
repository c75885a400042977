//! Guarded stand-ins for the instructions whose cost grows with their operands: `+`, `*`, `~`,
//! comparisons, `in`, `x[y]`, slices, and every store into a variable or namespace. Each checks
//! and charges the budget first, then does exactly what the engine would (through a plain
//! environment nobody else can reach), so templates mean what they always meant.
use super::budget::{self, ITEM_CAP, Limit, VALUE_CAP};
use minijinja::{
    Environment, Error, Expression, UndefinedBehavior, Value, context, value::ValueKind,
};
use std::{collections::HashMap, sync::LazyLock};

/// The names the guards are registered under: not identifiers, so no template can shadow them.
pub const ADD: &str = "enrich:add";
/// `*`.
pub const MUL: &str = "enrich:mul";
/// `~`.
pub const CONCAT: &str = "enrich:concat";
/// `==`.
pub const EQ: &str = "enrich:eq";
/// `!=`.
pub const NE: &str = "enrich:ne";
/// `<`.
pub const LT: &str = "enrich:lt";
/// `<=`.
pub const LTE: &str = "enrich:lte";
/// `>`.
pub const GT: &str = "enrich:gt";
/// `>=`.
pub const GTE: &str = "enrich:gte";
/// `in`.
pub const IN: &str = "enrich:in";
/// `x[y]`.
pub const ITEM: &str = "enrich:item";
/// `x[a:b:c]`.
pub const SLICE: &str = "enrich:slice";
/// A store into a variable or a namespace.
pub const STORE: &str = "enrich:store";

/// The engine's own operators, for doing what a guard allowed.
pub(super) static PLAIN: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env
});

static OPERATORS: LazyLock<HashMap<&'static str, Expression<'static, 'static>>> =
    LazyLock::new(|| {
        [
            (ADD, "a + b"),
            (MUL, "a * b"),
            (EQ, "a == b"),
            (NE, "a != b"),
            (LT, "a < b"),
            (LTE, "a <= b"),
            (GT, "a > b"),
            (GTE, "a >= b"),
            (IN, "a in b"),
            (ITEM, "a[b]"),
            (SLICE, "a[b:c:d]"),
        ]
        .into_iter()
        .map(|(name, source)| {
            (
                name,
                PLAIN.compile_expression(source).expect("a valid operator"),
            )
        })
        .collect()
    });

/// Registers every guard in `env`.
pub fn register(env: &mut Environment<'static>) {
    env.add_function(ADD, add);
    env.add_function(MUL, mul);
    env.add_function(CONCAT, concat);
    for name in [EQ, NE, LT, LTE, GT, GTE, IN] {
        env.add_function(name, move |a: Value, b: Value| compare(name, a, b));
    }
    env.add_function(ITEM, item);
    env.add_function(SLICE, slice);
    env.add_function(STORE, budget::store);
}

/// Runs the engine's operator `name` on checked operands.
fn operate(name: &str, a: Value, b: Value, c: Value, d: Value) -> Result<Value, Error> {
    OPERATORS[name]
        .eval(context! { a, b, c, d })
        .map_err(relocated)
}

/// `err` without the position inside the operator's own expression, so the render reports
/// the template's line instead.
pub fn relocated(err: Error) -> Error {
    match err.detail() {
        Some(detail) => Error::new(err.kind(), detail.to_owned()),
        None => Error::from(err.kind()),
    }
}

/// Binary operators whose result can be larger than their operands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Growth {
    /// `+`
    Add,
    /// `*`
    Mul,
    /// `~`
    Concat,
}

/// Bytes `a <op> b` would create, or the limit it would break. Used on constants at save time
/// (the compiler folds them) and on every run.
pub fn precheck(op: Growth, a: &Value, b: &Value) -> Result<usize, Limit> {
    match op {
        Growth::Add => match (a.as_str(), b.as_str()) {
            (Some(x), Some(y)) => text(x.len().saturating_add(y.len())),
            _ if is_list(a) && is_list(b) => items(count(a).saturating_add(count(b))),
            _ => Ok(0),
        },
        Growth::Mul => {
            let (repeated, times) = if is_list(b) || b.as_str().is_some() {
                (b, a)
            } else {
                (a, b)
            };
            let Some(times) = times.as_usize() else {
                return Ok(0);
            };
            match repeated.as_str() {
                Some(s) => text(s.len().saturating_mul(times)),
                // An empty list repeated a trillion times still iterates a trillion times.
                None if is_list(repeated) => {
                    items(count(repeated).saturating_mul(times).max(times)).map(|_| 64)
                }
                None => Ok(0),
            }
        }
        Growth::Concat => {
            let left = budget::display(a, VALUE_CAP).ok_or(Limit::TooLarge)?;
            let right = budget::display(b, VALUE_CAP).ok_or(Limit::TooLarge)?;
            text(left.len() + right.len())
        }
    }
}

fn text(bytes: usize) -> Result<usize, Limit> {
    if bytes > VALUE_CAP {
        Err(Limit::TooLarge)
    } else {
        Ok(bytes)
    }
}

fn items(count: usize) -> Result<usize, Limit> {
    if count > ITEM_CAP {
        Err(Limit::TooLarge)
    } else {
        Ok(count.saturating_mul(16))
    }
}

fn is_list(value: &Value) -> bool {
    matches!(value.kind(), ValueKind::Seq | ValueKind::Iterable)
}

/// Items in a list, counting no further than just past the cap.
fn count(value: &Value) -> usize {
    value.len().unwrap_or_else(|| {
        value
            .try_iter()
            .map_or(0, |items| items.take(ITEM_CAP + 1).count())
    })
}

fn add(a: Value, b: Value) -> Result<Value, Error> {
    budget::create(precheck(Growth::Add, &a, &b).map_err(budget::trip)?)?;
    operate(ADD, a, b, Value::UNDEFINED, Value::UNDEFINED)
}

fn mul(a: Value, b: Value) -> Result<Value, Error> {
    budget::create(precheck(Growth::Mul, &a, &b).map_err(budget::trip)?)?;
    operate(MUL, a, b, Value::UNDEFINED, Value::UNDEFINED)
}

/// `a ~ b`: both as text, as the engine does it, but never longer than a message.
fn concat(a: Value, b: Value) -> Result<Value, Error> {
    for side in [&a, &b] {
        if matches!(
            side.kind(),
            ValueKind::Seq | ValueKind::Map | ValueKind::Iterable
        ) {
            budget::inspect(side)?;
        }
    }
    let mut out = budget::Capped::new(VALUE_CAP);
    use std::fmt::Write as _;
    write!(out, "{a}{b}").map_err(|_| budget::trip(Limit::TooLarge))?;
    budget::create(out.text.len())?;
    Ok(Value::from(out.text))
}

fn compare(name: &str, a: Value, b: Value) -> Result<Value, Error> {
    budget::inspect(&a)?;
    budget::inspect(&b)?;
    operate(name, a, b, Value::UNDEFINED, Value::UNDEFINED)
}

fn item(a: Value, b: Value) -> Result<Value, Error> {
    budget::inspect(&b)?;
    // Indexing text walks its characters; indexing a lazy list walks its items.
    if matches!(a.kind(), ValueKind::Iterable | ValueKind::String) {
        budget::inspect(&a)?;
    }
    operate(ITEM, a, b, Value::UNDEFINED, Value::UNDEFINED)
}

fn slice(value: Value, start: Value, stop: Value, step: Value) -> Result<Value, Error> {
    budget::inspect(&value)?;
    // The engine indexes an empty sequence when stepping backwards through it, and panics.
    if step.as_i64().is_some_and(|s| s < 0) {
        match value.as_str() {
            Some("") => return Ok(Value::from("")),
            None if is_list(&value) && count(&value) == 0 => {
                return Ok(Value::from(Vec::<Value>::new()));
            }
            _ => {}
        }
    }
    let sliced = operate(SLICE, value, start, stop, step)?;
    budget::create(
        sliced
            .as_str()
            .map_or_else(|| count(&sliced) * 16, str::len),
    )?;
    Ok(sliced)
}
