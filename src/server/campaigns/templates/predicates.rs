//! Tests (`is eq`, `is in`, …) and the filters that apply them to every item (`select`,
//! `reject`, `selectattr`, `rejectattr`): each charges what it compares, and the selections
//! run the checked tests, not the engine's own.
use super::{budget, filters::charged};
use minijinja::{Environment, Error, State, Value, filters, tests, value::Rest};
use std::borrow::Cow;

/// Registers the checked tests, and the selections that use them.
pub fn register(env: &mut Environment<'static>) {
    register_tests(env);
    env.add_filter(
        "select",
        |state: &State, value: Value, test: Option<Cow<'_, str>>, args: Rest<Value>| {
            budget::inspect(&value)?;
            charged(Value::from(filters::select(state, value, test, args)?))
        },
    );
    env.add_filter(
        "reject",
        |state: &State, value: Value, test: Option<Cow<'_, str>>, args: Rest<Value>| {
            budget::inspect(&value)?;
            charged(Value::from(filters::reject(state, value, test, args)?))
        },
    );
    env.add_filter(
        "selectattr",
        |state: &State,
         value: Value,
         attr: Cow<'_, str>,
         test: Option<Cow<'_, str>>,
         args: Rest<Value>| {
            budget::inspect(&value)?;
            charged(Value::from(filters::selectattr(
                state, value, attr, test, args,
            )?))
        },
    );
    env.add_filter(
        "rejectattr",
        |state: &State,
         value: Value,
         attr: Cow<'_, str>,
         test: Option<Cow<'_, str>>,
         args: Rest<Value>| {
            budget::inspect(&value)?;
            charged(Value::from(filters::rejectattr(
                state, value, attr, test, args,
            )?))
        },
    );
}

/// Tests whose cost grows with their operands.
fn register_tests(env: &mut Environment<'static>) {
    type Comparison = fn(&Value, &Value) -> bool;
    let compared: [(&[&str], Comparison); 6] = [
        (&["eq", "equalto", "=="], tests::is_eq),
        (&["ne", "!="], tests::is_ne),
        (&["lt", "lessthan", "<"], tests::is_lt),
        (&["le", "<="], tests::is_le),
        (&["gt", "greaterthan", ">"], tests::is_gt),
        (&["ge", ">="], tests::is_ge),
    ];
    for (names, test) in compared {
        for name in names {
            env.add_test(*name, move |a: Value, b: Value| {
                budget::inspect(&a)?;
                budget::inspect(&b)?;
                Ok::<_, Error>(test(&a, &b))
            });
        }
    }
    env.add_test("in", |state: &State, a: Value, b: Value| {
        budget::inspect(&a)?;
        budget::inspect(&b)?;
        tests::is_in(state, &a, &b)
    });
    env.add_test("lower", |text: Cow<'_, str>| {
        budget::work(text.len())?;
        Ok::<_, Error>(tests::is_lower(&text))
    });
    env.add_test("upper", |text: Cow<'_, str>| {
        budget::work(text.len())?;
        Ok::<_, Error>(tests::is_upper(&text))
    });
    env.add_test(
        "startingwith",
        |text: Cow<'_, str>, prefix: Cow<'_, str>| {
            budget::work(prefix.len())?;
            Ok::<_, Error>(text.starts_with(&*prefix))
        },
    );
    env.add_test("endingwith", |text: Cow<'_, str>, suffix: Cow<'_, str>| {
        budget::work(suffix.len())?;
        Ok::<_, Error>(text.ends_with(&*suffix))
    });
}
