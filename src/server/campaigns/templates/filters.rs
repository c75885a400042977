//! The filters and tests a campaign template may use: minijinja's own, each behind a check of
//! what it is about to cost. Filters that can multiply their input (`batch`, `slice`, `format`
//! with widths, `pprint`, …) are not offered.
use super::{
    budget::{self, Limit, MEMORY_CAP, VALUE_CAP},
    guards::{self, relocated},
    predicates,
};
use minijinja::{
    Environment, Error, Expression, State, Value, context, filters,
    value::{Rest, ValueKind},
};

/// What a filter may cost besides looking at its input once.
#[derive(Debug, Clone, Copy)]
enum Cost {
    /// Its result is about as large as its input.
    Plain,
    /// It turns its input into text up to this many times as long.
    Text(usize),
    /// It compares items with each other.
    Sort,
    /// `replace(from, to)`.
    Replace,
    /// `join(separator)`.
    Join,
    /// `indent(width)`.
    Indent,
}

const OFFERED: &[(&str, Cost)] = &[
    ("safe", Cost::Text(1)),
    ("escape", Cost::Text(6)),
    ("e", Cost::Text(6)),
    ("string", Cost::Text(1)),
    ("lower", Cost::Text(3)),
    ("upper", Cost::Text(3)),
    ("title", Cost::Text(3)),
    ("capitalize", Cost::Text(3)),
    ("trim", Cost::Text(1)),
    ("reverse", Cost::Text(1)),
    ("replace", Cost::Replace),
    ("join", Cost::Join),
    ("indent", Cost::Indent),
    ("length", Cost::Plain),
    ("count", Cost::Plain),
    ("items", Cost::Plain),
    ("split", Cost::Plain),
    ("lines", Cost::Plain),
    ("default", Cost::Plain),
    ("d", Cost::Plain),
    ("round", Cost::Plain),
    ("abs", Cost::Plain),
    ("int", Cost::Plain),
    ("float", Cost::Plain),
    ("bool", Cost::Plain),
    ("attr", Cost::Plain),
    ("first", Cost::Plain),
    ("last", Cost::Plain),
    ("list", Cost::Plain),
    ("sum", Cost::Plain),
    ("min", Cost::Sort),
    ("max", Cost::Sort),
    ("sort", Cost::Sort),
    ("unique", Cost::Sort),
    ("dictsort", Cost::Sort),
    ("groupby", Cost::Sort),
];

/// Builtin filters a template may not use.
const WITHHELD: &[&str] = &[
    "batch",
    "slice",
    "chain",
    "zip",
    "pprint",
    "format",
    "tojson",
    "json",
    "urlencode",
];

/// Replaces the environment's filters and tests with checked ones.
pub fn register(env: &mut Environment<'static>) {
    for name in WITHHELD {
        env.remove_filter(name);
    }
    for &(name, cost) in OFFERED {
        env.add_filter(name, delegated(name, cost));
    }
    env.add_filter("map", |state: &State, value: Value, args: Rest<Value>| {
        budget::inspect(&value)?;
        charged(Value::from(filters::map(state, value, args)?))
    });
    predicates::register(env);
}

/// The builtin filter `name` behind a check of `cost`.
fn delegated(
    name: &'static str,
    cost: Cost,
) -> impl Fn(Value, Rest<Value>) -> Result<Value, Error> + Send + Sync + 'static {
    let compile = |source: String| -> Expression<'static, 'static> {
        guards::PLAIN
            .compile_expression_owned(source)
            .expect("a valid filter call")
    };
    let positional = compile(format!("v | {name}(*args)"));
    let keyword = compile(format!("v | {name}(*args, **kw)"));
    move |value: Value, args: Rest<Value>| {
        let mut args = args.0;
        let kw = args.pop_if(|a| a.is_kwargs());
        before(cost, &value, &args, kw.as_ref())?;
        let result = match kw {
            Some(kw) => keyword.eval(context! { v => value, args, kw }),
            None => positional.eval(context! { v => value, args }),
        };
        charged(result.map_err(relocated)?)
    }
}

/// Charges looking at the input and refuses what would grow past the caps.
fn before(cost: Cost, value: &Value, args: &[Value], kw: Option<&Value>) -> Result<(), Error> {
    let size = budget::inspect(value)?;
    for arg in args.iter().chain(kw) {
        budget::inspect(arg)?;
    }
    // Filters taking text print anything else first: at most three times its measured size.
    let (text, printed) = match value.as_str() {
        Some(s) => (s, s.len()),
        None => ("", size.bytes.saturating_mul(3)),
    };
    let estimate = match cost {
        Cost::Plain => 0,
        Cost::Text(factor) => printed.saturating_mul(factor),
        Cost::Sort => {
            let rounds = usize::BITS - value.len().unwrap_or(1).leading_zeros();
            budget::work(size.bytes.saturating_mul(rounds as usize))?;
            0
        }
        Cost::Replace => replaced_len(text, printed, args)?,
        Cost::Join => joined_len(value, size.bytes, args.first()),
        Cost::Indent => indented_len(text, printed, width(args, kw).as_ref()),
    };
    if estimate > MEMORY_CAP.min(VALUE_CAP.saturating_mul(6)) {
        return Err(budget::trip(Limit::TooLarge));
    }
    Ok(())
}

/// The length of `text` (or of something `printed` bytes long) after `replace(from, to)`.
fn replaced_len(text: &str, printed: usize, args: &[Value]) -> Result<usize, Error> {
    let from = args.first().and_then(Value::as_str).unwrap_or_default();
    let to = args
        .get(1)
        .map_or(0, |to| to.as_str().map_or(printed, str::len));
    budget::work(printed)?;
    let matches = match (text.is_empty(), from.is_empty()) {
        (false, true) => text.chars().count() + 1,
        (false, false) => text.matches(from).count(),
        // Not text yet: assume the worst.
        (true, _) => printed + 1,
    };
    Ok(printed.saturating_add(matches.saturating_mul(to)))
}

/// At most how long `join(separator)` makes `value` (items print at most three times their size).
fn joined_len(value: &Value, bytes: usize, separator: Option<&Value>) -> usize {
    let separator = separator.and_then(Value::as_str).map_or(0, str::len);
    let items = value.len().unwrap_or(0);
    bytes
        .saturating_mul(3)
        .saturating_add(items.saturating_mul(separator))
}

/// `indent`'s width, given by position or by name.
fn width(args: &[Value], kw: Option<&Value>) -> Option<Value> {
    args.first().cloned().or_else(|| {
        kw.and_then(|k| k.get_attr("width").ok())
            .filter(|w| !w.is_undefined())
    })
}

/// At most how long `indent(width)` makes `text` (or something `printed` bytes long).
fn indented_len(text: &str, printed: usize, width: Option<&Value>) -> usize {
    let width = width.map_or(4, |w| {
        w.as_usize()
            .unwrap_or_else(|| w.as_str().map_or(0, str::len))
    });
    let lines = if text.is_empty() {
        printed
    } else {
        text.lines().count()
    } + 1;
    printed.saturating_add(lines.saturating_mul(width))
}

/// Charges what a filter returned: its text, or its items and the text directly in them.
pub(super) fn charged(result: Value) -> Result<Value, Error> {
    let bytes = match result.kind() {
        ValueKind::String => result.as_str().map_or(0, str::len),
        ValueKind::Seq | ValueKind::Map => result.try_iter().map_or(0, |items| {
            items
                .take(budget::ITEM_CAP + 1)
                .map(|item| 16 + item.as_str().map_or(0, str::len))
                .sum()
        }),
        _ => 0,
    };
    budget::create(bytes)?;
    Ok(result)
}
