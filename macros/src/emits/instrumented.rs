//! `#[instrument]` written above `#[emits]`: tracing's attribute runs first,
//! and the body `#[emits]` receives already creates and enters the span.
//! Its events must still fall inside the span, as they do when `#[emits]`
//! is written above:
//!
//! - a synchronous body begins with the statements that make and enter the
//!   span (every local tracing names `__tracing_attr_*`): they go before the
//!   call, so that the span is entered first and left last;
//! - an `async fn` body makes the body's future (`__tracing_instrument_future`)
//!   and awaits it instrumented with the span: that future is the call, as
//!   the `async` block a function returns is, so it is entered on each poll.

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::{Block, Expr, ExprAsync, Pat, Stmt};

/// Takes the statements that create and enter tracing's span off the front
/// of a synchronous body.
pub(crate) fn span_prefix(block: &mut Block) -> Vec<Stmt> {
    // Without `ret` or `err`, tracing puts everything in one inner block
    // (to scope a lint attribute), after empty blocks (where it would warn):
    // that block's statements are the body's.
    let is_empty_block =
        |stmt: &Stmt| matches!(stmt, Stmt::Expr(Expr::Block(b), _) if b.block.stmts.is_empty());
    let nested = match block.stmts.split_last() {
        Some((Stmt::Expr(Expr::Block(inner), None), before)) => {
            before.iter().all(is_empty_block)
                && inner
                    .block
                    .stmts
                    .first()
                    .is_some_and(|first| mentions_tracing_local(first.to_token_stream()))
        }
        _ => false,
    };
    if nested {
        if let Some(Stmt::Expr(Expr::Block(inner), None)) = block.stmts.pop() {
            block.stmts.extend(inner.block.stmts);
        }
    }
    let leading_empty = block.stmts.iter().take_while(|s| is_empty_block(s)).count();
    let mut prefix: Vec<Stmt> = block.stmts.drain(..leading_empty).collect();
    let count = block
        .stmts
        .iter()
        .take_while(|stmt| mentions_tracing_local(stmt.to_token_stream()))
        .count();
    // The body itself must remain.
    let count = count.min(block.stmts.len().saturating_sub(1));
    if count == 0 {
        // Not tracing's: the body stays as written.
        block.stmts.splice(0..0, prefix);
        return Vec::new();
    }
    prefix.extend(block.stmts.drain(..count));
    prefix
}

fn mentions_tracing_local(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|tree| match tree {
        TokenTree::Ident(ident) => ident.to_string().starts_with("__tracing_attr_"),
        TokenTree::Group(group) => mentions_tracing_local(group.stream()),
        _ => false,
    })
}

/// The body's future in an `async fn` that `#[instrument]` expanded.
pub(crate) fn instrumented_future(block: &mut Block) -> Option<&mut ExprAsync> {
    block.stmts.iter_mut().find_map(|stmt| match stmt {
        Stmt::Local(local) => {
            let named =
                matches!(&local.pat, Pat::Ident(p) if p.ident == "__tracing_instrument_future");
            match (named, local.init.as_mut().map(|init| &mut *init.expr)) {
                (true, Some(Expr::Async(future))) => Some(future),
                _ => None,
            }
        }
        _ => None,
    })
}
