//! Compiling a template with minijinja's own parser and code generator, then routing every
//! instruction whose cost grows with its data through a guard: binary operators become calls
//! to the guards, and raw text and stores jump to small stubs appended at the end (so no
//! instruction moves and every jump stays valid) that pass through the formatter or the store
//! check first. Then the engine's own VM runs it.
use super::{
    budget, guards,
    syntax::{self, Refusal},
};
use minijinja::{
    AutoEscape, Environment, Error, ErrorKind, Value,
    machinery::{self, CodeGenerator, Instruction, Instructions, Vm, WhitespaceConfig},
    syntax::SyntaxConfig,
};
use std::panic::AssertUnwindSafe;

/// Why a template could not be compiled.
#[derive(Debug)]
pub enum Unusable {
    /// The engine could not parse it.
    Syntax(Error),
    /// It parsed, but uses something campaign templates may not.
    Refused(Refusal),
}

/// Compiles, checks and runs `source` with `context`; the output, or why it failed. A panic
/// inside the engine fails this render only.
pub fn run(env: &Environment<'_>, source: &str, context: Value) -> Result<String, Run> {
    // Nothing outlives the render but its result, so no broken state can be observed after.
    std::panic::catch_unwind(AssertUnwindSafe(|| run_unguarded(env, source, context)))
        .unwrap_or_else(|_| {
            Err(Run::Failed {
                error: Error::from(ErrorKind::InvalidOperation),
                limit: None,
            })
        })
}

fn run_unguarded(env: &Environment<'_>, source: &str, context: Value) -> Result<String, Run> {
    let name = "template";
    budget::start();
    let ast = machinery::parse(source, name, SyntaxConfig, WhitespaceConfig::default())
        .map_err(|e| Run::Unusable(Unusable::Syntax(e)))?;
    syntax::check(&ast).map_err(|r| Run::Unusable(Unusable::Refused(r)))?;
    let mut generator = CodeGenerator::new(name, source);
    generator.compile_stmt(&ast);
    let (mut instructions, blocks) = generator.finish();
    guard(&mut instructions);
    let mut text = String::new();
    let mut out = machinery::make_string_output(&mut text);
    let ran = Vm::new(env).eval(&instructions, context, &blocks, &mut out, AutoEscape::None);
    drop(out);
    let failed = |error| Run::Failed {
        error,
        limit: budget::tripped(),
    };
    match ran {
        Ok(_) if text.len() > budget::OUTPUT_CAP => {
            Err(failed(budget::trip(budget::Limit::TooLarge)))
        }
        Ok(_) => Ok(text),
        Err(err) => Err(failed(err)),
    }
}

/// What a run came to when it produced no message.
#[derive(Debug)]
pub enum Run {
    /// The template cannot be used at all.
    Unusable(Unusable),
    /// It failed while rendering (the error may quote data: never show its text).
    Failed {
        /// The engine's error.
        error: Error,
        /// The budget limit it ran into, if that was the cause.
        limit: Option<budget::Limit>,
    },
}

/// Rewrites `instructions` so that every data-dependent cost passes a guard.
fn guard(instructions: &mut Instructions<'_>) {
    let count = u32::try_from(instructions.len()).unwrap_or(u32::MAX);
    let mut stubbed = Vec::new();
    for at in 0..count {
        let Some(instruction) = instructions.get_mut(at) else {
            break;
        };
        let call = |name| Instruction::CallFunction(name, Some(2));
        *instruction = match instruction {
            Instruction::Add => call(guards::ADD),
            Instruction::Mul => call(guards::MUL),
            Instruction::StringConcat => call(guards::CONCAT),
            Instruction::Eq => call(guards::EQ),
            Instruction::Ne => call(guards::NE),
            Instruction::Lt => call(guards::LT),
            Instruction::Lte => call(guards::LTE),
            Instruction::Gt => call(guards::GT),
            Instruction::Gte => call(guards::GTE),
            Instruction::In => call(guards::IN),
            Instruction::GetItem => call(guards::ITEM),
            Instruction::Slice => Instruction::CallFunction(guards::SLICE, Some(4)),
            Instruction::EmitRaw(_) | Instruction::StoreLocal(_) | Instruction::SetAttr(_) => {
                stubbed.push(at);
                continue;
            }
            _ => continue,
        };
    }
    stub(instructions, &stubbed);
}

/// Appends a stub for each instruction at `stubbed` and jumps there instead.
fn stub(instructions: &mut Instructions<'_>, stubbed: &[u32]) {
    if stubbed.is_empty() {
        return;
    }
    // The template's last instruction falls through to here: jump past the stubs (patched last).
    let exit = instructions.add(Instruction::Jump(0));
    for &at in stubbed {
        let line = instructions
            .get_line(at)
            .and_then(|l| u16::try_from(l).ok())
            .unwrap_or(1);
        let Some(original) = instructions.get(at).cloned() else {
            continue;
        };
        let start = u32::try_from(instructions.len()).unwrap_or(u32::MAX);
        for step in replacement(original) {
            instructions.add_with_line(step, line);
        }
        instructions.add_with_line(Instruction::Jump(at + 1), line);
        if let Some(slot) = instructions.get_mut(at) {
            *slot = Instruction::Jump(start);
        }
    }
    let end = u32::try_from(instructions.len()).unwrap_or(u32::MAX);
    if let Some(slot) = instructions.get_mut(exit) {
        *slot = Instruction::Jump(end);
    }
}

/// What a stubbed instruction becomes.
fn replacement(original: Instruction<'_>) -> Vec<Instruction<'_>> {
    let check = Instruction::CallFunction(guards::STORE, Some(1));
    match original {
        // Raw text is printed like any value, so it is counted like one.
        Instruction::EmitRaw(text) => {
            vec![Instruction::LoadConst(Value::from(text)), Instruction::Emit]
        }
        // Stack: value.
        Instruction::StoreLocal(name) => vec![check, Instruction::StoreLocal(name)],
        // Stack: value, namespace.
        Instruction::SetAttr(name) => vec![
            Instruction::Swap,
            check,
            Instruction::Swap,
            Instruction::SetAttr(name),
        ],
        other => vec![other],
    }
}
