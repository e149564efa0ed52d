//! `emit!(Event, fields.., bus = expr)`, and finding the `emit!`s of a body.

use super::fields::{check_unique, FieldSpec};
use super::options::SiteOptions;
use proc_macro2::{Group, TokenStream, TokenTree};
use syn::parse::{Parse, ParseStream};
use syn::visit_mut::VisitMut;
use syn::{Expr, Ident, Macro, Path, Stmt, Token};

/// The arguments of one `emit!`.
#[derive(Clone)]
pub struct EmitInput {
    /// The enum, when the event is written as a path (`EventType::ToolRetried`).
    pub enum_path: Option<Path>,
    /// The variant.
    pub variant: Ident,
    /// `Event(untested = "..")`.
    pub options: SiteOptions,
    /// The fields, in order.
    pub fields: Vec<FieldSpec>,
    /// `bus = expr`.
    pub bus: Option<Expr>,
}

impl Parse for EmitInput {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(input.error(
                "emit! needs an event: `emit!(ToolRetried)` or `emit!(ToolRetried, attempt, reason = %e)`",
            ));
        }
        let mut path: Path = input.call(Path::parse_mod_style).map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected an event variant, e.g. `emit!(ToolRetried)`",
            )
        })?;
        let variant = path
            .segments
            .pop()
            .map(|pair| pair.into_value().ident)
            .ok_or_else(|| input.error("expected an event variant"))?;
        // `Path::parse_mod_style` leaves a trailing `::` behind once the last
        // segment is popped.
        let enum_path = if path.segments.is_empty() {
            None
        } else {
            path.segments.pop_punct();
            Some(path)
        };
        let options = if input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            SiteOptions::parse(&content, &variant, false)?
        } else {
            SiteOptions::default()
        };
        let mut fields = Vec::new();
        let mut bus = None;
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            if input.peek(Ident) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
                let fork = input.fork();
                let key: Ident = fork.parse()?;
                if key == "bus" {
                    input.parse::<Ident>()?;
                    input.parse::<Token![=]>()?;
                    if bus.is_some() {
                        return Err(syn::Error::new(key.span(), "`bus` is given twice"));
                    }
                    bus = Some(input.parse()?);
                    continue;
                }
            }
            fields.push(FieldSpec::parse(input)?);
        }
        check_unique(&fields)?;
        Ok(EmitInput {
            enum_path,
            variant,
            options,
            fields,
            bus,
        })
    }
}

/// Whether `path` names `emit!`: `emit`, `eventwire::emit` or `::eventwire::emit`.
pub fn is_emit_path(path: &Path) -> bool {
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

/// One `emit!(..)` found in a body: the path it was invoked through and its arguments.
pub struct EmitCall {
    /// `emit`, `eventwire::emit` or `::eventwire::emit`, as written.
    pub path: TokenStream,
    /// The tokens inside the parentheses.
    pub args: TokenStream,
}

/// Walks a function body for the `emit!`s that belong to its call, and
/// replaces the arguments of each with what `replace` returns (or leaves
/// them when it returns `None`); the invocation itself, `emit!(..)` with
/// its spans, stays. This is the rule `#[emits]` and `cargo eventwire` share:
///
/// - `emit!` in statements and expressions count, closures and blocks included;
/// - so do `emit!` among the tokens of other macros' invocations (`vec![..]`,
///   `select! {..}`), found token by token;
/// - nested items (`fn`, `impl`, `mod`) do not: they cannot see the call,
///   and their `emit!`s are sites of their own.
pub fn rewrite_body_emits(
    block: &mut syn::Block,
    replace: &mut dyn FnMut(EmitCall) -> Option<TokenStream>,
) {
    BodyWalk { replace }.visit_block_mut(block);
}

struct BodyWalk<'a> {
    replace: &'a mut dyn FnMut(EmitCall) -> Option<TokenStream>,
}

impl BodyWalk<'_> {
    fn call(&mut self, mac: &mut Macro) {
        let path = &mac.path;
        if let Some(args) = (self.replace)(EmitCall {
            path: quote::quote!(#path),
            args: mac.tokens.clone(),
        }) {
            mac.tokens = args;
        }
    }

    /// Handles `emit!(..)`, `eventwire::emit!(..)` and
    /// `::eventwire::emit!(..)` among the tokens of another macro's invocation.
    fn tokens(&mut self, tokens: TokenStream) -> TokenStream {
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
                    let Some(group) = args else {
                        out.push(TokenTree::Ident(ident));
                        continue;
                    };
                    let bang = iter.next();
                    iter.next();
                    let prefix = eventwire_prefix(&out);
                    let mut path = prefix;
                    path.extend([TokenTree::Ident(ident.clone())]);
                    let args = (self.replace)(EmitCall {
                        path,
                        args: group.stream(),
                    });
                    out.push(TokenTree::Ident(ident));
                    out.extend(bang);
                    match args {
                        Some(args) => {
                            let mut replaced = Group::new(group.delimiter(), args);
                            replaced.set_span(group.span());
                            out.push(TokenTree::Group(replaced));
                        }
                        None => out.push(TokenTree::Group(group)),
                    }
                }
                TokenTree::Group(group) => {
                    let mut inner = Group::new(group.delimiter(), self.tokens(group.stream()));
                    inner.set_span(group.span());
                    out.push(TokenTree::Group(inner));
                }
                other => out.push(other),
            }
        }
        out.into_iter().collect()
    }
}

/// The `eventwire ::` or `:: eventwire ::` that ends `out`, before `emit`.
fn eventwire_prefix(out: &[TokenTree]) -> TokenStream {
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
        return out[start..].iter().cloned().collect();
    }
    TokenStream::new()
}

impl VisitMut for BodyWalk<'_> {
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}

    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        if let Expr::Macro(m) = expr {
            if is_emit_path(&m.mac.path) {
                self.call(&mut m.mac);
            } else {
                m.mac.tokens = self.tokens(m.mac.tokens.clone());
            }
            return;
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }

    fn visit_stmt_mut(&mut self, stmt: &mut Stmt) {
        if let Stmt::Macro(m) = stmt {
            if is_emit_path(&m.mac.path) {
                self.call(&mut m.mac);
            } else {
                m.mac.tokens = self.tokens(m.mac.tokens.clone());
            }
            return;
        }
        syn::visit_mut::visit_stmt_mut(self, stmt);
    }
}
