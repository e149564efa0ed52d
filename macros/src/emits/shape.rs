//! How the body runs inside the expansion: the shapes of `#[emits]`.
//!
//! The body is quoted once, inside its own braces (so that a lint or an
//! error about it is about the user's block), and keeps the meaning it had:
//!
//! - **a synchronous body** runs in a closure, which keeps `return` and `?`
//!   meaning what they meant. The closure is not `move`: it captures the
//!   arguments by reference unless the body moves them, so they drop where
//!   and when they did, and lints about passing by value still see them. It
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

use crate::runtime_path::private;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};

/// What every shape is made of.
pub(crate) struct Parts<'a> {
    /// `source, &SITES, &BY_HAND, |fields| ..`: what the call starts from.
    pub(crate) start_args: &'a TokenStream,
    /// The call state's local.
    pub(crate) call: &'a Ident,
    /// The local the body's `emit!`s name, when they exist.
    pub(crate) call_ref: Option<&'a Ident>,
    /// The return value's local.
    pub(crate) ret: &'a Ident,
    /// Compile-time checks that the return value fits the `err` phase.
    pub(crate) err_checks: &'a [TokenStream],
    /// The declared return type, when it can be named, with its span.
    pub(crate) output: Option<(TokenStream, Span)>,
}

impl Parts<'_> {
    fn bind_ref(&self) -> TokenStream {
        match self.call_ref {
            Some(call_ref) => {
                let call = self.call;
                quote!(let #call_ref = &#call;)
            }
            None => quote!(),
        }
    }

    fn typed_ret(&self) -> TokenStream {
        let ret = self.ret;
        match &self.output {
            Some((ty, _)) => quote!(#ret: #ty),
            None => quote!(#ret),
        }
    }

    /// Publishes the `ok`/`err`/`exit` events, then gives the value back.
    fn finish(&self, sites: TokenStream) -> TokenStream {
        let p = private();
        let (call, ret, err_checks) = (self.call, self.ret, self.err_checks);
        quote! {
            #(#err_checks)*
            {
                use #p::{ErrorTextProbe as _, SplitResult as _};
                #call.finish(#sites || match (&&#p::Probe(&#ret)).eventwire_split() {
                    #p::Split::Returned => #p::Outcome::Returned,
                    #p::Split::Ok => #p::Outcome::Ok,
                    #p::Split::Err(error) => #p::Outcome::Err((&&&#p::ErrorProbe(error)).eventwire_text()),
                });
            }
            #ret
        }
    }
}

/// The body in a closure (the default), or inline when it has to be and can.
pub(crate) fn sync(parts: &Parts<'_>, mut block: syn::Block, inline: bool) -> TokenStream {
    let p = private();
    let (call, start_args) = (parts.call, parts.start_args);
    let bind_ref = parts.bind_ref();
    let typed_ret = parts.typed_ret();
    if inline {
        let finish = parts.finish(quote!(&__EVENTWIRE_SITES,));
        return quote! {
            let mut #call = #p::Call::start(#start_args);
            #bind_ref
            let #typed_ret = #block;
            #finish
        };
    }
    let once = Ident::new("eventwire_once", Span::mixed_site());
    block
        .stmts
        .insert(0, syn::parse_quote!(#p::consume(#once);));
    let closure_ret = match &parts.output {
        Some((ty, _)) => quote!(-> #ty),
        None => quote!(),
    };
    let finish = parts.finish(quote!(&__EVENTWIRE_SITES,));
    // The closure spans the user's block: to lints it is the body, and a
    // lint about the body (`needless_return`, say) still fires.
    let span = block.brace_token.span.join();
    let closure = quote_spanned!(span=> || #closure_ret #block);
    quote! {
        let mut #call = #p::Call::start(#start_args);
        let #typed_ret = {
            #bind_ref
            let #once = #p::Once;
            #[allow(clippy::redundant_closure_call)]
            (#closure)()
        };
        #finish
    }
}

/// A body that never returns: the entry events, then the body in a closure.
pub(crate) fn never_returning(parts: &Parts<'_>, mut block: syn::Block) -> TokenStream {
    let p = private();
    let (call, start_args) = (parts.call, parts.start_args);
    let bind_ref = parts.bind_ref();
    let once = Ident::new("eventwire_once", Span::mixed_site());
    block
        .stmts
        .insert(0, syn::parse_quote!(#p::consume(#once);));
    quote! {
        let #call = #p::Call::start(#start_args);
        #call.hold();
        #bind_ref
        let #once = #p::Once;
        #[allow(clippy::redundant_closure_call)]
        (|| -> ! #block)()
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

/// An `async fn` body that awaits: an `async move` block holding the
/// arguments whole (`holds`), awaited under a guard that fires the `cancel`
/// events if the future is dropped before the block completes.
pub(crate) fn awaiting(parts: &Parts<'_>, block: &syn::Block, holds: &TokenStream) -> TokenStream {
    let p = private();
    let (call, start_args) = (parts.call, parts.start_args);
    let bind_ref = parts.bind_ref();
    let typed_ret = parts.typed_ret();
    let edge = return_type_edge(parts.output.as_ref());
    let stmts = &block.stmts;
    let mut inner = proc_macro2::Group::new(
        proc_macro2::Delimiter::Brace,
        quote!(#edge #holds #(#stmts)*),
    );
    inner.set_span(block.brace_token.span.join());
    let finish = parts.finish(quote!());
    quote! {
        let mut #call = #p::AsyncCall::start(#start_args);
        let #typed_ret = {
            #bind_ref
            async move #inner.await
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
    let call = parts.call;
    let bind_ref = parts.bind_ref();
    let ret = parts.ret;
    let capture = &tail.capture;
    let block = &tail.block;
    let finish = parts.finish(quote!());
    let mut outer = proc_macro2::Group::new(
        proc_macro2::Delimiter::Brace,
        quote! {
            let mut #call = #p::AsyncCall::begin(#prepared, &__EVENTWIRE_SITES);
            let #ret = {
                #bind_ref
                async #capture #block.await
            };
            #finish
        },
    );
    outer.set_span(block.brace_token.span.join());
    let async_token = tail.async_token;
    let move_token = syn::Token![move](async_token.span);
    quote!(#async_token #move_token #outer)
}
