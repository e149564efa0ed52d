//! The path through which generated code reaches the runtime.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// `::eventwire::__private_vX_Y_Z`, named for this crate's version, which
/// the workspace keeps equal to the runtime's.
pub(crate) fn full() -> TokenStream {
    let module = syn::Ident::new(
        &format!(
            "__private_v{}",
            env!("CARGO_PKG_VERSION").replace(['.', '-'], "_")
        ),
        Span::call_site(),
    );
    quote!(::eventwire::#module)
}

/// The name by which the code of an `#[emits]` function or an `emit!`
/// reaches the runtime, which [`import`] brings into its block: one
/// identifier where [`full`] and the `::` after it are eight tokens, which
/// the macro copied as a token stream (its costliest operation) and the
/// compiler read at every use.
pub(crate) fn private() -> Ident {
    Ident::new(LOCAL, Span::call_site())
}

/// [`private`], spanned at `span`: a call through it is reported where
/// `span` is.
pub(crate) fn private_at(span: Span) -> Ident {
    Ident::new(LOCAL, span)
}

/// The `use` that names the runtime [`private`] in a block (where it is in
/// scope throughout; first, for `clippy::items_after_statements`). Every
/// expansion that has it uses it: no `allow(unused_imports)`, which a
/// `forbid(unused_imports)` would refuse.
pub(crate) fn import() -> TokenStream {
    let full = full();
    let local = private();
    quote!(use #full as #local;)
}

const LOCAL: &str = "__eventwire_rt";

/// `tokens`, every one of them (groups included) spanned at `span`.
pub(crate) fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    respan_with(tokens, &|_| span)
}

/// `tokens`, every one of them (groups included) spanned at `new(its span)`.
pub(crate) fn respan_with(tokens: TokenStream, new: &dyn Fn(Span) -> Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            let span = new(tree.span());
            if let proc_macro2::TokenTree::Group(group) = &tree {
                let mut inner =
                    proc_macro2::Group::new(group.delimiter(), respan_with(group.stream(), new));
                inner.set_span(span);
                tree = inner.into();
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}
