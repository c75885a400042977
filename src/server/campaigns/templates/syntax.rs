//! Reading a template's syntax tree before it is compiled, at save time and before every
//! render: statements that reach other templates (`include`, `extends`, `import`, `from`) or
//! print the whole context (`debug()`) are refused, and so is what the guards could not watch
//! (argument splats, method calls, chained comparisons) and any constant expression the
//! compiler would fold into something too large (`"x" * 100000000`).
use super::{
    budget::Limit,
    dates,
    guards::{self, Growth},
};
use minijinja::machinery::{
    Span,
    ast::{self, BinOpKind, CallArg, Expr, Spanned, Stmt},
};

/// Why a template cannot be used, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
    /// What is not allowed (names template syntax only, never data).
    pub message: String,
    /// The limit it breaks, if it is one.
    pub limit: Option<Limit>,
}

type Checked = Result<(), Refusal>;

fn refuse(span: Span, message: impl Into<String>) -> Refusal {
    Refusal {
        line: usize::from(span.start_line),
        column: usize::from(span.start_col) + 1,
        message: message.into(),
        limit: None,
    }
}

fn not_allowed(span: Span, keyword: &str) -> Refusal {
    refuse(
        span,
        format!("`{keyword}` is not allowed in campaign templates: a message is one template"),
    )
}

/// Checks the whole template.
pub fn check(stmt: &Stmt<'_>) -> Checked {
    match stmt {
        Stmt::Template(t) => all(&t.children),
        Stmt::EmitExpr(e) => expr(&e.expr),
        Stmt::EmitRaw(_) => Ok(()),
        Stmt::ForLoop(f) => {
            expr(&f.target)?;
            expr(&f.iter)?;
            f.filter_expr.as_ref().map_or(Ok(()), expr)?;
            all(&f.body)?;
            all(&f.else_body)
        }
        Stmt::IfCond(i) => {
            expr(&i.expr)?;
            all(&i.true_body)?;
            all(&i.false_body)
        }
        Stmt::WithBlock(w) => {
            for (target, value) in &w.assignments {
                expr(target)?;
                expr(value)?;
            }
            all(&w.body)
        }
        Stmt::Set(s) => {
            expr(&s.target)?;
            expr(&s.expr)
        }
        Stmt::SetBlock(s) => {
            expr(&s.target)?;
            s.filter.as_ref().map_or(Ok(()), expr)?;
            all(&s.body)
        }
        Stmt::FilterBlock(f) => {
            expr(&f.filter)?;
            all(&f.body)
        }
        Stmt::Macro(m) => macro_decl(m),
        Stmt::CallBlock(c) => {
            call(&c.call)?;
            macro_decl(&c.macro_decl)
        }
        Stmt::Do(d) => call(&d.call),
        Stmt::AutoEscape(a) => Err(refuse(
            a.span(),
            "`autoescape` is not supported: messages are plain text",
        )),
        Stmt::Block(b) => Err(not_allowed(b.span(), "block")),
        Stmt::Extends(s) => Err(not_allowed(s.span(), "extends")),
        Stmt::Include(s) => Err(not_allowed(s.span(), "include")),
        Stmt::Import(s) => Err(not_allowed(s.span(), "import")),
        Stmt::FromImport(s) => Err(not_allowed(s.span(), "from … import")),
    }
}

fn all(stmts: &[Stmt<'_>]) -> Checked {
    stmts.iter().try_for_each(check)
}

fn macro_decl(m: &ast::Macro<'_>) -> Checked {
    exprs(&m.args)?;
    exprs(&m.defaults)?;
    all(&m.body)
}

fn exprs(list: &[Expr<'_>]) -> Checked {
    list.iter().try_for_each(expr)
}

fn maybe(e: &Option<Expr<'_>>) -> Checked {
    e.as_ref().map_or(Ok(()), expr)
}

fn expr(e: &Expr<'_>) -> Checked {
    match e {
        Expr::Var(v) if v.id == "debug" => Err(refuse(
            v.span(),
            "`debug` is not available: it would print everything the template can see",
        )),
        Expr::Var(_) | Expr::Const(_) => Ok(()),
        Expr::Slice(s) => {
            expr(&s.expr)?;
            maybe(&s.start)?;
            maybe(&s.stop)?;
            maybe(&s.step)
        }
        Expr::UnaryOp(u) => expr(&u.expr),
        Expr::BinOp(b) => {
            expr(&b.left)?;
            expr(&b.right)?;
            folded(b)
        }
        Expr::Compare(c) => Err(refuse(
            c.span(),
            "chained comparisons (a < b < c) are not supported: write a < b and b < c",
        )),
        Expr::IfExpr(i) => {
            expr(&i.test_expr)?;
            expr(&i.true_expr)?;
            maybe(&i.false_expr)
        }
        Expr::Filter(f) => {
            maybe(&f.expr)?;
            args(&f.args)?;
            date_format(f)
        }
        Expr::Test(t) => {
            expr(&t.expr)?;
            args(&t.args)
        }
        Expr::GetAttr(g) => expr(&g.expr),
        Expr::GetItem(g) => {
            expr(&g.expr)?;
            expr(&g.subscript_expr)
        }
        Expr::Call(c) => call(c),
        Expr::List(l) => exprs(&l.items),
        Expr::Map(m) => {
            exprs(&m.keys)?;
            exprs(&m.values)
        }
    }
}

fn call(c: &Spanned<ast::Call<'_>>) -> Checked {
    if let Expr::GetAttr(method) = &c.expr
        && method.name != "cycle"
    {
        return Err(refuse(
            c.span(),
            "method calls are not supported (only loop.cycle(…))",
        ));
    }
    expr(&c.expr)?;
    args(&c.args)
}

fn args(list: &[CallArg<'_>]) -> Checked {
    for arg in list {
        match arg {
            CallArg::Pos(e) | CallArg::Kwarg(_, e) => expr(e)?,
            CallArg::PosSplat(e) | CallArg::KwargSplat(e) => {
                return Err(refuse(e.span(), "`*args` and `**kwargs` are not supported"));
            }
        }
    }
    Ok(())
}

/// The compiler computes constant expressions itself: check what they would cost first.
fn folded(b: &Spanned<ast::BinOp<'_>>) -> Checked {
    let op = match b.op {
        BinOpKind::Add => Growth::Add,
        BinOpKind::Mul => Growth::Mul,
        BinOpKind::Concat => Growth::Concat,
        _ => return Ok(()),
    };
    let (Some(left), Some(right)) = (b.left.as_const(), b.right.as_const()) else {
        return Ok(());
    };
    guards::precheck(op, &left, &right)
        .map(|_| ())
        .map_err(|limit| Refusal {
            limit: Some(limit),
            ..refuse(
                b.span(),
                "this expression would be larger than a whole message (256 KB)",
            )
        })
}

/// A literal `date` format must be one chrono can use.
fn date_format(f: &Spanned<ast::Filter<'_>>) -> Checked {
    let literal = match f.args.first() {
        Some(CallArg::Pos(Expr::Const(c))) if f.name == "date" => c.value.as_str(),
        _ => None,
    };
    match literal {
        Some(format) if !dates::valid_format(format) => Err(Refusal {
            limit: Some(Limit::DateFormat),
            ..refuse(f.span(), format!("`{format}` is not a valid date format"))
        }),
        _ => Ok(()),
    }
}
