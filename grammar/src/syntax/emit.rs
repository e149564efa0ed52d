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
            reserved_bus_shorthand(input)?;
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

/// `bus` is reserved in `emit!`: the shorthand `bus` alone would capture a
/// field where the bus is meant (`%bus` and `?bus` say they capture one).
fn reserved_bus_shorthand(input: ParseStream<'_>) -> syn::Result<()> {
    let fork = input.fork();
    if !fork.peek(Ident) {
        return Ok(());
    }
    let name: Ident = fork.parse()?;
    if name == "bus" && (fork.is_empty() || fork.peek(Token![,])) {
        return Err(syn::Error::new(
            name.span(),
            "`bus` is reserved in `emit!`: write `bus = <expr>` to name the bus, or `\"bus\" = bus` to capture a field named `bus`",
        ));
    }
    Ok(())
}

/// Whether `path` names `emit!` as `#[emits]` sees it: `emit`,
/// `eventwire::emit` or `::eventwire::emit` (no other name: see
/// [`EmitNames`]).
pub fn is_emit_path(path: &Path) -> bool {
    EmitNames::default().names(path)
}

/// Other names `emit!` goes by in a crate, which `cargo eventwire` reads
/// from its `use` items and its manifest (the attribute cannot see them,
/// and leaves such an `emit!` to expand as one of its own).
#[derive(Clone, Debug, Default)]
pub struct EmitNames {
    /// Names a `use` gives eventwire's `emit` (`use eventwire::emit as fire;`).
    pub aliases: Vec<String>,
    /// Names of eventwire's crate besides `eventwire` (a renamed dependency:
    /// `ew = { package = "eventwire", .. }`).
    pub crates: Vec<String>,
}

impl EmitNames {
    /// Whether `path` names `emit!`: `emit` or an alias, or `emit` after
    /// the name of eventwire's crate.
    pub fn names(&self, path: &Path) -> bool {
        let names: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        match names.as_slice() {
            [one] => one == "emit" || self.aliases.contains(one),
            [krate, emit] => {
                emit == "emit" && (krate == "eventwire" || self.crates.contains(krate))
            }
            _ => false,
        }
    }

    /// Whether `ident`, alone before `!`, names `emit!`.
    fn bare(&self, ident: &proc_macro2::Ident) -> bool {
        ident == "emit" || self.aliases.iter().any(|a| ident == a)
    }
}

/// One `emit!(..)` found in a body: the path it was invoked through and its arguments.
pub struct EmitCall {
    /// `emit`, `eventwire::emit` or `::eventwire::emit`, as written.
    pub path: TokenStream,
    /// The tokens inside the parentheses.
    pub args: TokenStream,
    /// When it is inside a `move` closure, an `async` block or another
    /// macro's invocation within the body (code that may outlive the call:
    /// a spawned task, a stream), the number of the handle that code owns
    /// (see [`rewrite_body_emits_with`]).
    pub detached: Option<usize>,
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
    rewrite_body_emits_with(block, replace, &mut |_, _| None);
}

/// [`rewrite_body_emits`], where `emit!` also goes by the other `names`.
pub fn rewrite_body_emits_named(
    block: &mut syn::Block,
    names: &EmitNames,
    replace: &mut dyn FnMut(EmitCall) -> Option<TokenStream>,
) {
    walk(block, names, replace, &mut |_, _| None);
}

/// [`rewrite_body_emits`], with a handle of its own for each piece of code
/// that may outlive the call and holds replaced `emit!`s: a `move` closure,
/// an `async` block, another macro's invocation, and each `async move`
/// block among that macro's tokens. Handle `n` is made by the statement
/// `boundary(from, n)` gives, put just before the statement that holds
/// that code, in the innermost block around it; `from` is the handle that
/// block itself owns, if it is inside such code. A `move` closure or an
/// `async move` block inside another closure with no block between (which
/// may run many times) has it put in a block with the code instead (`{ let
/// h = ..; move || .. }`), so that each gets a handle of its own, and
/// `from` is the handle of the detached code around it. Otherwise the code
/// is left as written.
pub fn rewrite_body_emits_with(
    block: &mut syn::Block,
    replace: &mut dyn FnMut(EmitCall) -> Option<TokenStream>,
    boundary: &mut dyn FnMut(Option<usize>, usize) -> Option<TokenStream>,
) {
    walk(block, &EmitNames::default(), replace, boundary);
}

fn walk(
    block: &mut syn::Block,
    names: &EmitNames,
    replace: &mut dyn FnMut(EmitCall) -> Option<TokenStream>,
    boundary: &mut dyn FnMut(Option<usize>, usize) -> Option<TokenStream>,
) {
    BodyWalk {
        names,
        replace,
        boundary,
        detached: None,
        scope: None,
        next: 0,
        replaced: false,
        made: Vec::new(),
        closures: 0,
    }
    .visit_block_mut(block);
}

struct BodyWalk<'a> {
    /// What `emit!` is called.
    names: &'a EmitNames,
    replace: &'a mut dyn FnMut(EmitCall) -> Option<TokenStream>,
    boundary: &'a mut dyn FnMut(Option<usize>, usize) -> Option<TokenStream>,
    /// The handle of the innermost detached code around the walk.
    detached: Option<usize>,
    /// The handle the innermost block around the walk owns.
    scope: Option<usize>,
    /// The next handle's number.
    next: usize,
    /// An `emit!` was replaced since the innermost boundary began.
    replaced: bool,
    /// The statements making handles, for the statement being walked.
    made: Vec<TokenStream>,
    /// Closures entered since the innermost block.
    closures: usize,
}

impl BodyWalk<'_> {
    fn call(&mut self, mac: &mut Macro) {
        let path = &mac.path;
        if let Some(args) = (self.replace)(EmitCall {
            path: quote::quote!(#path),
            args: mac.tokens.clone(),
            detached: self.detached,
        }) {
            mac.tokens = args;
            self.replaced = true;
        }
    }

    /// Walks detached code with a handle of its own, made before the
    /// statement that holds it, from the handle of the block around it.
    fn detached_code(&mut self, walk: impl FnOnce(&mut Self)) {
        let scope = self.scope;
        if let Some(made) = self.with_handle(scope, walk) {
            self.made.push(made);
        }
    }

    /// Walks detached code that owns its handle (moved into it), and gives
    /// the statement that makes the handle, from the handle of the code
    /// around it, to put just before it; `None` when it holds no replaced
    /// `emit!`.
    fn detached_expr(&mut self, walk: impl FnOnce(&mut Self)) -> Option<TokenStream> {
        let around = self.detached;
        self.with_handle(around, walk)
    }

    /// Walks code under a new handle; the statement making it from `from`,
    /// when an `emit!` in the code was replaced.
    fn with_handle(
        &mut self,
        from: Option<usize>,
        walk: impl FnOnce(&mut Self),
    ) -> Option<TokenStream> {
        let id = self.next;
        self.next += 1;
        let outer = (self.detached, self.replaced);
        self.detached = Some(id);
        self.replaced = false;
        walk(self);
        let made = if self.replaced {
            (self.boundary)(from, id)
        } else {
            None
        };
        self.replaced = outer.1 || self.replaced;
        self.detached = outer.0;
        made
    }

    /// Handles `emit!(..)`, `eventwire::emit!(..)` and
    /// `::eventwire::emit!(..)` among the tokens of another macro's
    /// invocation; each `async move { .. }` among them is detached code of
    /// its own, so that two (the branches of one `select!`) have a handle each.
    fn tokens(&mut self, tokens: TokenStream) -> TokenStream {
        let mut out: Vec<TokenTree> = Vec::new();
        let mut iter = tokens.into_iter();
        while let Some(tree) = iter.next() {
            match tree {
                TokenTree::Ident(ident) if self.names.bare(&ident) => {
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
                        detached: self.detached,
                    });
                    out.push(TokenTree::Ident(ident));
                    out.extend(bang);
                    match args {
                        Some(args) => {
                            self.replaced = true;
                            let mut replaced = Group::new(group.delimiter(), args);
                            replaced.set_span(group.span());
                            out.push(TokenTree::Group(replaced));
                        }
                        None => out.push(TokenTree::Group(group)),
                    }
                }
                TokenTree::Ident(ident) if ident == "async" && Self::moves_block(&iter) => {
                    out.push(TokenTree::Ident(ident));
                    out.extend(iter.next());
                    if let Some(TokenTree::Group(body)) = iter.next() {
                        let mut inner = TokenStream::new();
                        self.detached_code(|walk| inner = walk.tokens(body.stream()));
                        let mut group = Group::new(body.delimiter(), inner);
                        group.set_span(body.span());
                        out.push(TokenTree::Group(group));
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

    /// Whether the tokens after `async` are `move { .. }`.
    fn moves_block(iter: &proc_macro2::token_stream::IntoIter) -> bool {
        let mut ahead = iter.clone();
        matches!(ahead.next(), Some(TokenTree::Ident(m)) if m == "move")
            && matches!(ahead.next(), Some(TokenTree::Group(g)) if g.delimiter() == proc_macro2::Delimiter::Brace)
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

/// `expr` as `{ made; expr }`, when a handle is made for it.
fn wrap(expr: &mut Expr, made: Option<TokenStream>) {
    if let Some(made) = made {
        let inner = std::mem::replace(expr, Expr::Verbatim(TokenStream::new()));
        *expr = syn::parse_quote!({ #made #inner });
    }
}

impl VisitMut for BodyWalk<'_> {
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}

    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            Expr::Macro(m) if self.names.names(&m.mac.path) => self.call(&mut m.mac),
            Expr::Macro(m) => {
                self.detached_code(|walk| m.mac.tokens = walk.tokens(m.mac.tokens.clone()));
            }
            // A `move` closure or `async move` block inside another closure
            // with no block between (`.map(|i| spawn(move || ..))`, which
            // may run many times) gets its handle made where it is made,
            // each time: `{ let h = ..; move || .. }`. Elsewhere the handle
            // is made before the statement, and the closure stays as
            // written (a closure argument is type-checked last; in a block
            // it would not be).
            Expr::Closure(c) if c.capture.is_some() && self.closures > 0 => {
                let made = self.detached_expr(|walk| {
                    walk.closures += 1;
                    syn::visit_mut::visit_expr_closure_mut(walk, c);
                    walk.closures -= 1;
                });
                wrap(expr, made);
            }
            Expr::Closure(c) if c.capture.is_some() => {
                self.detached_code(|walk| {
                    walk.closures += 1;
                    syn::visit_mut::visit_expr_closure_mut(walk, c);
                    walk.closures -= 1;
                });
            }
            Expr::Closure(c) => {
                self.closures += 1;
                syn::visit_mut::visit_expr_closure_mut(self, c);
                self.closures -= 1;
            }
            Expr::Async(a) if a.capture.is_some() && self.closures > 0 => {
                let made = self.detached_expr(|walk| syn::visit_mut::visit_expr_async_mut(walk, a));
                wrap(expr, made);
            }
            Expr::Async(a) => {
                self.detached_code(|walk| syn::visit_mut::visit_expr_async_mut(walk, a));
            }
            _ => syn::visit_mut::visit_expr_mut(self, expr),
        }
    }

    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        // The handles of the code in each statement are made just before it,
        // from the handle this block owns (none at the top of the body).
        let outer_scope = std::mem::replace(&mut self.scope, self.detached);
        let outer_made = std::mem::take(&mut self.made);
        let outer_closures = std::mem::take(&mut self.closures);
        let mut stmts = Vec::with_capacity(block.stmts.len());
        for mut stmt in std::mem::take(&mut block.stmts) {
            match &mut stmt {
                Stmt::Macro(m) if self.names.names(&m.mac.path) => self.call(&mut m.mac),
                Stmt::Macro(m) => {
                    self.detached_code(|walk| m.mac.tokens = walk.tokens(m.mac.tokens.clone()));
                }
                _ => self.visit_stmt_mut(&mut stmt),
            }
            for made in self.made.drain(..) {
                stmts.push(syn::parse_quote!(#made));
            }
            stmts.push(stmt);
        }
        block.stmts = stmts;
        self.made = outer_made;
        self.scope = outer_scope;
        self.closures = outer_closures;
    }
}
