//! How the body runs inside the expansion: the shapes of `#[emits]`.
//!
//! The body is quoted once, inside its own braces (so that a lint or an
//! error about it is about the user's block; the one exception, a
//! synchronous `-> impl Trait` body, stays the function's own statements),
//! and keeps the meaning it had:
//!
//! - **a synchronous body** runs in a closure, which keeps `return` and `?`
//!   meaning what they meant. The closure is not `move`: it captures the
//!   arguments by reference unless the body moves them, so they drop where
//!   and when they did, and lints about passing by value still see them.
//!   Parameters of primitive types, which have no drop, are passed to it
//!   instead (`params::pass_by_value`): without a bus they then stay in
//!   registers rather than being stored for the closure to borrow. It
//!   is `FnOnce` (it consumes a token), so it may return borrows of what it
//!   captured. A `#[track_caller]` body that cannot leave early runs inline,
//!   so that `Location::caller()` still sees the caller;
//! - **an `async fn` body that awaits** runs as an `async move` block,
//!   awaited. It holds its arguments whole (see `params`), so that they
//!   drop as before and the future is `Send` exactly when the original is;
//!   an unreachable `return` of the declared type comes first, so that
//!   every `return` and the tail coerce to it, as in the original;
//! - **an `async fn` body that never awaits** runs like a synchronous one:
//!   no `.await` is added, so that `clippy::unused_async` still fires;
//! - **a function that returns an `async` block** prepares its call when it
//!   is called (the bus resolved, the fields captured, all owned), and the
//!   block begins it when first polled, so that the block borrows nothing
//!   more than it did.

use super::params::Passed;
use crate::runtime_path::private;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};

/// What every shape is made of.
pub(crate) struct Parts<'a> {
    /// Whether the synchronous shape may borrow the bus for the call (the
    /// body only shares what holds it); else it takes a handle of its own.
    pub(crate) borrow_bus: bool,
    /// Where the bus comes from: an `Option<&SharedBus<E>>`.
    pub(crate) source: &'a TokenStream,
    /// `Some(|fields: &mut FieldSet| { .. })`, the capture of the fields, or
    /// `None` when there are none.
    pub(crate) capture: &'a TokenStream,
    /// The event enum.
    pub(crate) enum_path: &'a syn::Path,
    /// The call state's local.
    pub(crate) call: &'a Ident,
    /// The local of the call's handle, which the body's `emit!`s name.
    pub(crate) call_ref: &'a Ident,
    /// The return value's local.
    pub(crate) ret: &'a Ident,
    /// Compile-time checks that the return value fits the `err` phase.
    pub(crate) err_checks: &'a [TokenStream],
    /// The pushes of the `ret(..)` fields into `eventwire_fields`, which
    /// read `ret`, when there are any.
    pub(crate) ret_pushes: Option<&'a TokenStream>,
    /// The declared return type, when it can be named, with its span.
    pub(crate) output: Option<(TokenStream, Span)>,
    /// The sites of the body's `emit!`s: `&__EVENTWIRE_BY_HAND`, or `&[]`.
    pub(crate) by_hand: &'a TokenStream,
    /// The function is synchronous and declares `-> impl Trait`: its
    /// value is no `Result` to its callers.
    pub(crate) opaque: bool,
}

impl Parts<'_> {
    fn typed_ret(&self) -> TokenStream {
        let ret = self.ret;
        match &self.output {
            Some((ty, _)) => quote!(#ret: #ty),
            None => quote!(#ret),
        }
    }

    /// The closure that tells how the body returned, given `value`, a
    /// reference to the value it returned.
    fn outcome(&self, value: &TokenStream) -> TokenStream {
        let p = private();
        if self.opaque {
            // Declared `impl Trait`: not a `Result` to its callers, so every
            // return is a return (and a body that only panics, a stub,
            // leaves nothing to probe).
            return quote!({ let _ = #value; #p::Outcome::Returned });
        }
        quote! {
            match (&&#p::Probe(#value)).eventwire_split() {
                #p::Split::Returned => #p::Outcome::Returned,
                #p::Split::Ok => #p::Outcome::Ok,
                #p::Split::Err(error) => #p::Outcome::Err((&&&#p::ErrorProbe(error)).eventwire_text()),
            }
        }
    }

    /// Publishes the `ok`/`err` and `exit` events through `finisher`,
    /// given the closure that tells the outcome; then gives the value back.
    fn finish(
        &self,
        finisher: impl FnOnce(TokenStream, Option<TokenStream>) -> TokenStream,
    ) -> TokenStream {
        let p = private();
        let (ret, err_checks) = (self.ret, self.err_checks);
        let outcome = self.outcome(&quote!(&#ret));
        let ret_closure = self.ret_pushes.map(|pushes| {
            let (fields, ret_name) = ret_names();
            quote!(|#fields: &mut #p::FieldSet| { let #ret_name = &#ret; #pushes })
        });
        let finished = finisher(quote!(|| #outcome), ret_closure);
        quote! {
            #(#err_checks)*
            {
                use #p::{ErrorTextProbe as _, SplitResult as _};
                #finished;
            }
            #ret
        }
    }

    /// The call opened on the bus, if any: `Option<Running<E>>`.
    fn open(&self) -> TokenStream {
        let p = private();
        let (source, by_hand) = (self.source, self.by_hand);
        quote!(#p::open(#p::resolve_owned(#source), &__EVENTWIRE_SITES, #by_hand))
    }

    /// `let eventwire_ref = start.begin(&SITES, capture);`: the first
    /// statement of the body.
    fn begin(&self, start: &TokenStream) -> TokenStream {
        let (capture, call_ref) = (self.capture, self.call_ref);
        quote!(let #call_ref = #start.begin(&__EVENTWIRE_SITES, #capture);)
    }
}

/// A statement of generated tokens, printed as they are: cheaper than
/// parsing them into a statement only to print it again.
fn verbatim(tokens: TokenStream) -> syn::Stmt {
    syn::Stmt::Item(syn::Item::Verbatim(tokens))
}

/// The locals a `ret(..)` capture uses: the field set, and `ret`, which
/// the user's expressions name.
fn ret_names() -> (Ident, Ident) {
    (
        Ident::new("eventwire_fields", Span::mixed_site()),
        Ident::new("ret", Span::call_site()),
    )
}

/// The body in a closure (the default), or inline when it has to be and can.
///
/// Without a bus the function is the bus check and the body, inlined; with
/// one, `run` runs the body out of line, with the call's state on its own
/// frame. The body begins by capturing the fields, so that an argument the
/// body moves is captured before it moves, wherever the closure keeps it.
pub(crate) fn sync(
    parts: &Parts<'_>,
    mut block: syn::Block,
    inline: bool,
    passed: &Passed,
) -> TokenStream {
    let p = private();
    let (call, enum_path) = (parts.call, parts.enum_path);
    let fields = Ident::new("eventwire_fields", Span::mixed_site());
    if inline {
        let open = parts.open();
        let begin = parts.begin(&quote!(#p::Start::of(&#call, &mut #fields)));
        let typed_ret = parts.typed_ret();
        let finish = parts.finish(|outcome, ret_fields| match ret_fields {
            Some(ret_fields) => quote!(#p::finish_with_ret(#call, &#fields, &__EVENTWIRE_SITES, #outcome, #ret_fields)),
            None => quote!(#p::finish(#call, &#fields, &__EVENTWIRE_SITES, #outcome)),
        });
        let lineage = Ident::new("eventwire_lineage", Span::mixed_site());
        return quote! {
            let #call = #open;
            let #lineage = #p::body_scope(&#call);
            let mut #fields = #p::Fields::new();
            #begin
            // A body that always panics (a stub) is, bound to a local, a
            // diverging sub-expression to clippy, and makes what follows
            // unreachable: lints about this code, not the user's.
            #[allow(clippy::diverging_sub_expression)]
            let #typed_ret = #block;
            #[allow(unreachable_code)]
            {}
            #finish
        };
    }
    let once = Ident::new("eventwire_once", Span::mixed_site());
    let start = Ident::new("eventwire_start", Span::mixed_site());
    let begin = parts.begin(&quote!(#start));
    // Leading items go to the function itself, as in the other shapes: in
    // scope for the sites' statics (a `use` of the enum) and the fields.
    let items: Vec<syn::Stmt> = block.stmts.drain(..leading_items(&block.stmts)).collect();
    block.stmts.insert(0, verbatim(quote!(#p::consume(#once);)));
    block.stmts.insert(0, verbatim(begin));
    let closure_ret = match &parts.output {
        Some((ty, _)) => quote!(-> #ty),
        None => quote!(),
    };
    // The closure spans the user's block: to lints it is the body, and a
    // lint about the body (`needless_return`, say) still fires.
    let span = block.brace_token.span.join();
    let (pattern, types, values) = (&passed.pattern, &passed.types, &passed.values);
    let closure = quote_spanned!(span=> |#start: #p::Start<'_, #enum_path>, #pattern: #types| #closure_ret #block);
    let body = Ident::new("eventwire_body", Span::mixed_site());
    let outcome_fn = Ident::new("eventwire_outcome", Span::mixed_site());
    let (ret, err_checks, source) = (parts.ret, parts.err_checks, parts.source);
    let by_hand = parts.by_hand;
    let typed_ret = parts.typed_ret();
    let outcome = parts.outcome(&quote!(#ret));
    let (runner, ret_closure) = match parts.ret_pushes {
        Some(pushes) => {
            let (fields, ret_name) = ret_names();
            (
                Ident::new("run_with_ret", Span::call_site()),
                quote!(, |#ret_name, #fields: &mut #p::FieldSet| { #pushes }),
            )
        }
        None => (Ident::new("run", Span::call_site()), quote!()),
    };
    let resolve = if parts.borrow_bus {
        quote!(#p::resolve)
    } else {
        quote!(#p::resolve_owned)
    };
    // One closure tells the outcome, for the count without a bus and for
    // `run`; one `run` serves a given bus and a default one: each is
    // compiled once per function.
    quote! {
        #(#items)*
        let #call = #resolve(#source);
        let #once = #p::Once;
        let #body = #closure;
        let #outcome_fn = {
            use #p::{ErrorTextProbe as _, SplitResult as _};
            #p::outcome_of(&#body, |#ret| #outcome)
        };
        match #call {
            #p::Source::Idle => {
                let #typed_ret = #body(#p::Start::IDLE, #values);
                #(#err_checks)*
                #p::returned_with(&__EVENTWIRE_SITES, &#ret, &#outcome_fn);
                #ret
            }
            #call => #p::#runner(#call.given(), &__EVENTWIRE_SITES, #by_hand, #body, #values, #outcome_fn #ret_closure),
        }
    }
}

/// A body that never returns: the entry events, then the body in a closure,
/// or, under `#[track_caller]` (`inline`), in the function itself, so that
/// `Location::caller()` in it is still the caller's (nothing follows a body
/// that never returns, so a `return` in it skips nothing).
pub(crate) fn never_returning(
    parts: &Parts<'_>,
    mut block: syn::Block,
    inline: bool,
) -> TokenStream {
    let p = private();
    let call = parts.call;
    let fields = Ident::new("eventwire_fields", Span::mixed_site());
    let open = parts.open();
    let begin = parts.begin(&quote!(#p::Start::of(&#call, &mut #fields)));
    let once = Ident::new("eventwire_once", Span::mixed_site());
    block.stmts.insert(0, verbatim(quote!(#p::consume(#once);)));
    let lineage = Ident::new("eventwire_lineage", Span::mixed_site());
    let body = if inline {
        quote!(#block)
    } else {
        quote! {
            #[allow(clippy::redundant_closure_call)]
            (|| -> ! #block)()
        }
    };
    quote! {
        let #call = #open;
        let #lineage = #p::body_scope(&#call);
        let mut #fields = #p::Fields::new();
        #begin
        let #once = #p::Once;
        #body
    }
}

/// An unreachable `return` of the declared type, first in an `async`
/// block: the block's type is then the declared one, and every `return`
/// and the tail coerce to it (`&String` to `&str`, `Box<T>` to `Box<dyn
/// Trait>`), and `?` knows its error type.
fn return_type_edge(output: Option<&(TokenStream, Span)>) -> TokenStream {
    let Some((ty, span)) = output else {
        return quote!();
    };
    quote_spanned! {*span=>
        #[allow(
            unreachable_code,
            clippy::diverging_sub_expression,
            clippy::empty_loop,
            clippy::let_unit_value,
            clippy::needless_return,
            clippy::unreachable
        )]
        if false {
            let __eventwire_declared: #ty = loop {};
            return __eventwire_declared;
        }
    }
}

/// A synchronous `-> impl Trait` function without `ret(..)`: the body is
/// the function's own tail, as written, so that what it returns is checked
/// against the declared type (a returned closure's parameters are inferred
/// from `impl Fn(&str) -> usize`, which a closure around the body, typed
/// `-> _`, would hide). The call lives in a `Returning` that publishes the
/// `ok` and `exit` events when the function returns, and nothing when the
/// body panics. The arguments stay the function's, so they drop as they
/// would.
pub(crate) fn own_tail(parts: &Parts<'_>, mut block: syn::Block) -> TokenStream {
    let p = private();
    // Leading items go to the function itself, as in the other shapes.
    let items: Vec<syn::Stmt> = block.stmts.drain(..leading_items(&block.stmts)).collect();
    let returning = Ident::new("eventwire_returning", Span::mixed_site());
    let lineage = Ident::new("eventwire_lineage", Span::mixed_site());
    let open = parts.open();
    let begin = parts.begin(&quote!(#p::Start::of(&#returning.running, &mut #returning.fields)));
    let err_checks = parts.err_checks;
    let stmts = &block.stmts;
    quote! {
        #(#items)*
        #(#err_checks)*
        let mut #returning = #p::Returning::new(#open, &__EVENTWIRE_SITES);
        let #lineage = #p::body_scope(&#returning.running);
        #begin
        // The body's statements, not its block: they were the function's
        // own, and a block of one expression as a tail is `unused_braces`.
        #(#stmts)*
    }
}

/// How many items (`const`, `fn`, `use`, ..) a body begins with: the
/// statements the expansion puts first go after them, since items after
/// statements in one block are what `clippy::items_after_statements`
/// reports (and items are in scope in the whole block either way).
pub(crate) fn leading_items(stmts: &[syn::Stmt]) -> usize {
    stmts
        .iter()
        .take_while(|stmt| matches!(stmt, syn::Stmt::Item(_)))
        .count()
}

/// An `async fn` body that awaits: an `async move` block holding the
/// arguments whole (`holds`), awaited under a guard that fires the `cancel`
/// events if the future is dropped before the block completes.
pub(crate) fn awaiting(parts: &Parts<'_>, block: &syn::Block, holds: &TokenStream) -> TokenStream {
    let p = private();
    let (call, call_ref, source, by_hand) =
        (parts.call, parts.call_ref, parts.source, parts.by_hand);
    let capture = parts.capture;
    let typed_ret = parts.typed_ret();
    let edge = return_type_edge(parts.output.as_ref());
    // Leading items go first, in the function itself: in scope for the
    // fields as for the body, and ahead of every statement.
    let (items, stmts) = block.stmts.split_at(leading_items(&block.stmts));
    let mut inner = proc_macro2::Group::new(
        proc_macro2::Delimiter::Brace,
        quote!(#edge #holds #(#stmts)*),
    );
    inner.set_span(block.brace_token.span.join());
    let finish = parts.finish(|outcome, ret_fields| match ret_fields {
        Some(ret_fields) => quote!(#call.finish_with_ret(#outcome, #ret_fields)),
        None => quote!(#call.finish(#outcome)),
    });
    quote! {
        #(#items)*
        let mut #call = #p::AsyncCall::open(#p::resolve_owned(#source), &__EVENTWIRE_SITES, #by_hand);
        #call.begin(&__EVENTWIRE_SITES, #capture);
        // The block yields what the function returns, which may itself be a
        // future (a `JoinHandle`): that is the function's, not a mistake.
        #[allow(clippy::async_yields_async)]
        let #typed_ret = {
            let #call_ref = #call.call();
            #call.within(async move #inner).await
        };
        #finish
    }
}

/// The `async` block a function ends with, begun from a call prepared when
/// the function was called: `prepared` is that call's local. The block
/// keeps its type as written (a block the function returns is not coerced
/// to the declared output, with the attribute or without), and the block
/// around it takes the span of the user's, so that a type error names the
/// user's block, as it would.
pub(crate) fn prepared_tail(
    parts: &Parts<'_>,
    prepared: &Ident,
    tail: &syn::ExprAsync,
) -> TokenStream {
    let p = private();
    let (call, call_ref) = (parts.call, parts.call_ref);
    let ret = parts.ret;
    let capture = &tail.capture;
    let block = &tail.block;
    let finish = parts.finish(|outcome, ret_fields| match ret_fields {
        Some(ret_fields) => quote!(#call.finish_with_ret(#outcome, #ret_fields)),
        None => quote!(#call.finish(#outcome)),
    });
    let mut outer = proc_macro2::Group::new(
        proc_macro2::Delimiter::Brace,
        quote! {
            let mut #call = #prepared;
            #call.begin(&__EVENTWIRE_SITES, ::core::option::Option::None::<fn(&mut #p::FieldSet)>);
            #[allow(clippy::async_yields_async)]
            let #ret = {
                let #call_ref = #call.call();
                #call.within(async #capture #block).await
            };
            #finish
        },
    );
    outer.set_span(block.brace_token.span.join());
    // The user's capture: a block without `move` still takes the prepared
    // call by value (it moves it), and borrows what the user's block
    // borrows, as it would (an error where it was one, `Send` where it was).
    let async_token = tail.async_token;
    quote!(#async_token #capture #outer)
}

/// What a function that returns a future does when it is called: opens its
/// call and captures the fields, all owned, for the future to begin.
pub(crate) fn prepare_tail(parts: &Parts<'_>, prepared: &Ident) -> TokenStream {
    let p = private();
    let (source, capture, by_hand) = (parts.source, parts.capture, parts.by_hand);
    quote! {
        let mut #prepared = #p::AsyncCall::open(#p::resolve_owned(#source), &__EVENTWIRE_SITES, #by_hand);
        #prepared.capture(&__EVENTWIRE_SITES, #capture);
    }
}
