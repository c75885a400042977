//! What one render may spend. Fuel counts instructions, not bytes, so every instruction whose
//! cost grows with its data is routed through a guard that charges this budget: bytes created
//! or written (memory), bytes looked at (work), and how deep a stored value may nest (stack).
//! The budget lives in a thread-local because a render runs start to end on one thread.
use minijinja::{Error, ErrorKind, Output, State, Value, value::ValueKind};
use std::{cell::RefCell, fmt::Write as _};

/// The most a rendered message may be: 256 KB.
pub const OUTPUT_CAP: usize = 256 * 1024;
/// The longest text a template may build: no longer than a whole message.
pub const VALUE_CAP: usize = OUTPUT_CAP;
/// Bytes a render may create or write in all (captures, concatenations, filter results).
pub const MEMORY_CAP: usize = 4 * 1024 * 1024;
/// Bytes a render may compare, search, sort or measure in all.
pub const WORK_CAP: usize = 64 * 1024 * 1024;
/// The most items a repeated or concatenated list may have (as many as `range` allows).
pub const ITEM_CAP: usize = 100_000;
/// How deep a stored or printed value may nest.
pub const DEPTH_CAP: usize = 32;

/// Which limit a render ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// It would create or write more than the caps allow.
    TooLarge,
    /// It would look at more data than [`WORK_CAP`], or nest deeper than [`DEPTH_CAP`].
    TooMuchWork,
    /// A `date` format is not a valid strftime format.
    DateFormat,
}

#[derive(Default)]
struct Budget {
    created: usize,
    work: usize,
    tripped: Option<Limit>,
}

thread_local! {
    static BUDGET: RefCell<Budget> = RefCell::default();
}

/// Starts a render with a full budget.
pub fn start() {
    BUDGET.with_borrow_mut(|b| *b = Budget::default());
}

/// The limit the current render ran into, if any.
pub fn tripped() -> Option<Limit> {
    BUDGET.with_borrow(|b| b.tripped)
}

/// Records that `limit` was hit; the error carries no value, so it is safe to show.
pub fn trip(limit: Limit) -> Error {
    BUDGET.with_borrow_mut(|b| {
        b.tripped.get_or_insert(limit);
    });
    let what = match limit {
        Limit::TooLarge => "the message would be too large",
        Limit::TooMuchWork => "the template does too much work",
        Limit::DateFormat => "invalid date format",
    };
    Error::new(ErrorKind::InvalidOperation, what)
}

/// Charges `bytes` of memory.
pub fn create(bytes: usize) -> Result<(), Error> {
    let over = BUDGET.with_borrow_mut(|b| {
        b.created = b.created.saturating_add(bytes);
        b.created > MEMORY_CAP
    });
    if over {
        Err(trip(Limit::TooLarge))
    } else {
        Ok(())
    }
}

/// Charges `units` of work.
pub fn work(units: usize) -> Result<(), Error> {
    let over = BUDGET.with_borrow_mut(|b| {
        b.work = b.work.saturating_add(units);
        b.work > WORK_CAP
    });
    if over {
        Err(trip(Limit::TooMuchWork))
    } else {
        Ok(())
    }
}

fn work_left() -> usize {
    BUDGET.with_borrow(|b| WORK_CAP.saturating_sub(b.work))
}

/// How big a value is and how deep it nests, looked at no further than needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// Bytes, counting every item and every reference in full.
    pub bytes: usize,
    /// Levels of nesting (a plain value is 0).
    pub depth: usize,
}

/// Measures `value`, stopping once it is over `cap` bytes or [`DEPTH_CAP`] levels deep.
pub fn measure(value: &Value, cap: usize) -> Size {
    let mut size = Size { bytes: 0, depth: 0 };
    let mut stack = vec![(value.clone(), 0usize)];
    while let Some((value, depth)) = stack.pop() {
        size.bytes = size.bytes.saturating_add(8);
        size.depth = size.depth.max(depth);
        if size.bytes > cap || size.depth > DEPTH_CAP {
            break;
        }
        match value.kind() {
            ValueKind::String => size.bytes += value.as_str().map_or(0, str::len),
            ValueKind::Bytes => size.bytes += value.as_bytes().map_or(0, <[u8]>::len),
            ValueKind::Seq | ValueKind::Iterable => {
                if let Ok(items) = value.try_iter() {
                    // Items beyond the cap need not be visited: each counts at least 8 bytes.
                    let room = cap.saturating_sub(size.bytes) / 8 + 1;
                    stack.extend(items.take(room).map(|item| (item, depth + 1)));
                }
            }
            ValueKind::Map => {
                if let Ok(keys) = value.try_iter() {
                    let room = cap.saturating_sub(size.bytes) / 16 + 1;
                    for key in keys.take(room) {
                        let item = value.get_item(&key).unwrap_or_default();
                        stack.push((key, depth + 1));
                        stack.push((item, depth + 1));
                    }
                }
            }
            _ => {}
        }
    }
    size
}

/// Measures `value` and charges what looking at it cost; too big or too deep trips the budget.
pub fn inspect(value: &Value) -> Result<Size, Error> {
    let size = measure(value, work_left());
    work(size.bytes)?;
    if size.depth > DEPTH_CAP {
        return Err(trip(Limit::TooMuchWork));
    }
    Ok(size)
}

/// Checks a value about to be stored in a variable or namespace: not too deep (so no cycles).
pub fn store(value: Value) -> Result<Value, Error> {
    if matches!(
        value.kind(),
        ValueKind::Seq | ValueKind::Map | ValueKind::Iterable
    ) {
        inspect(&value)?;
    }
    Ok(value)
}

/// Everything a template prints, raw text included, goes through here and is charged.
pub fn format(out: &mut Output, _state: &State, value: &Value) -> Result<(), Error> {
    if matches!(
        value.kind(),
        ValueKind::Seq | ValueKind::Map | ValueKind::Iterable
    ) {
        inspect(value)?;
    }
    let mut charged = Charged { out };
    write!(charged, "{value}").map_err(|_| trip(Limit::TooLarge))
}

/// A writer that charges every byte before passing it on.
struct Charged<'a, 'b> {
    out: &'a mut Output<'b>,
}

impl std::fmt::Write for Charged<'_, '_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        create(s.len()).map_err(|_| std::fmt::Error)?;
        self.out.write_str(s)
    }
}

/// A string builder that refuses to grow past `cap` bytes.
pub struct Capped {
    /// What was written.
    pub text: String,
    cap: usize,
}

impl Capped {
    /// An empty builder holding at most `cap` bytes.
    pub fn new(cap: usize) -> Self {
        Self {
            text: String::new(),
            cap,
        }
    }
}

impl std::fmt::Write for Capped {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if self.text.len() + s.len() > self.cap {
            return Err(std::fmt::Error);
        }
        self.text.push_str(s);
        Ok(())
    }
}

/// `value` as text, or `None` when that would be longer than `cap` bytes (inspect nested values
/// first: printing recurses).
pub fn display(value: &Value, cap: usize) -> Option<String> {
    let mut out = Capped::new(cap);
    write!(out, "{value}").ok().map(|()| out.text)
}
