//! Finds the `emit!`s of an `#[emits]` body and rewrites each to publish
//! through the function's call state.
//!
//! The syntax tree is walked for `emit!` in expressions and statements,
//! closures and blocks included; nested items (`fn`, `impl`, `mod`) are left
//! alone, since they cannot see the call. Inside the token streams of other
//! macros (`vec![..]`, `select! {..}`) `emit!` is found token by token.

use crate::emit::{expand as expand_emit, EmitInput, Emitter};
use proc_macro2::{Delimiter, Group, Ident, TokenStream, TokenTree};
use syn::visit_mut::VisitMut;
use syn::{Expr, Macro, Path, Stmt};

pub(crate) struct BodyRewrite<'a> {
    pub(crate) enum_path: &'a Path,
    pub(crate) listed: &'a [Ident],
    pub(crate) call: Ident,
    /// Each event emitted with `emit!`, as written.
    pub(crate) emitted: Vec<Ident>,
    pub(crate) errors: Option<syn::Error>,
}

fn is_emit_path(path: &Path) -> bool {
    let names: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    matches!(
        names
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice(),
        ["emit"] | ["eventwire", "emit"]
    )
}

impl BodyRewrite<'_> {
    fn error(&mut self, error: syn::Error) {
        match &mut self.errors {
            Some(all) => all.combine(error),
            None => self.errors = Some(error),
        }
    }

    /// The expansion of one `emit!(..)` whose arguments are `tokens`,
    /// invoked through `path`.
    fn rewrite(&mut self, path: TokenStream, tokens: TokenStream) -> Option<TokenStream> {
        let input = match syn::parse2::<EmitInput>(tokens) {
            Ok(input) => input,
            Err(error) => {
                self.error(error);
                return None;
            }
        };
        if !self.listed.contains(&input.variant) {
            let variant = &input.variant;
            self.error(syn::Error::new(
                variant.span(),
                format!(
                    "`{variant}` is emitted here but not listed in this function's #[emits(..)]; add it to the list: #[emits(.., {variant})]"
                ),
            ));
            return None;
        }
        self.emitted.push(input.variant.clone());
        Some(expand_emit(
            &input,
            self.enum_path,
            &Emitter::Call(self.call.clone(), path),
        ))
    }

    fn rewrite_macro(&mut self, mac: &Macro) -> Option<TokenStream> {
        if is_emit_path(&mac.path) {
            let path = &mac.path;
            self.rewrite(quote::quote!(#path), mac.tokens.clone())
        } else {
            None
        }
    }

    /// Rewrites `emit!(..)`, `eventwire::emit!(..)` and `::eventwire::emit!(..)`
    /// found among the tokens of another macro's invocation.
    fn rewrite_tokens(&mut self, tokens: TokenStream) -> TokenStream {
        let mut out: Vec<TokenTree> = Vec::new();
        let mut iter = tokens.into_iter();
        while let Some(tree) = iter.next() {
            match tree {
                TokenTree::Ident(ident) if ident == "emit" => {
                    let mut ahead = iter.clone();
                    let bang =
                        matches!(ahead.next(), Some(TokenTree::Punct(p)) if p.as_char() == '!');
                    let args = match ahead.next() {
                        Some(TokenTree::Group(g)) if bang => Some(g),
                        _ => None,
                    };
                    match args {
                        Some(group) => {
                            iter.next();
                            iter.next();
                            let mut path: TokenStream = strip_eventwire_prefix(&mut out);
                            path.extend([TokenTree::Ident(ident)]);
                            let expansion = self.rewrite(path, group.stream()).unwrap_or_default();
                            out.push(TokenTree::Group(Group::new(Delimiter::Brace, expansion)));
                        }
                        None => out.push(TokenTree::Ident(ident)),
                    }
                }
                TokenTree::Group(group) => {
                    let mut inner =
                        Group::new(group.delimiter(), self.rewrite_tokens(group.stream()));
                    inner.set_span(group.span());
                    out.push(TokenTree::Group(inner));
                }
                other => out.push(other),
            }
        }
        out.into_iter().collect()
    }
}

/// Takes a trailing `eventwire ::` or `:: eventwire ::` before `emit` off
/// `out`, and returns it.
fn strip_eventwire_prefix(out: &mut Vec<TokenTree>) -> TokenStream {
    let is_colon =
        |t: Option<&TokenTree>| matches!(t, Some(TokenTree::Punct(p)) if p.as_char() == ':');
    let n = out.len();
    if n >= 3
        && is_colon(out.get(n - 1))
        && is_colon(out.get(n - 2))
        && matches!(out.get(n - 3), Some(TokenTree::Ident(i)) if i == "eventwire")
    {
        let mut start = n - 3;
        if start >= 2 && is_colon(out.get(start - 1)) && is_colon(out.get(start - 2)) {
            start -= 2;
        }
        return out.drain(start..).collect();
    }
    TokenStream::new()
}

impl VisitMut for BodyRewrite<'_> {
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}

    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        if let Expr::Macro(m) = expr {
            if let Some(tokens) = self.rewrite_macro(&m.mac) {
                *expr = Expr::Verbatim(tokens);
            } else if !is_emit_path(&m.mac.path) {
                m.mac.tokens = self.rewrite_tokens(m.mac.tokens.clone());
            }
            return;
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }

    fn visit_stmt_mut(&mut self, stmt: &mut Stmt) {
        if let Stmt::Macro(m) = stmt {
            if let Some(tokens) = self.rewrite_macro(&m.mac) {
                *stmt = Stmt::Expr(Expr::Verbatim(tokens), m.semi_token);
            } else if !is_emit_path(&m.mac.path) {
                m.mac.tokens = self.rewrite_tokens(m.mac.tokens.clone());
            }
            return;
        }
        syn::visit_mut::visit_stmt_mut(self, stmt);
    }
}
