//! `emit!(Event, fields.., bus = expr)`: one hand-written emission site.
//!
//! Outside `#[emits]` it publishes to `bus = ..`, else to the default bus.
//! Inside an `#[emits]` body the attribute rewrites it (see
//! `emits::body`) so that it publishes through the function's bus.

mod expand;

pub(crate) use expand::{expand, site_record, Emitter};

use eventwire_grammar::syntax::emit::EmitInput;
use proc_macro2::{Ident, TokenStream};

pub(crate) fn standalone(input: TokenStream) -> TokenStream {
    if is_use_marker(&input) {
        return TokenStream::new();
    }
    match syn::parse2::<EmitInput>(input) {
        Ok(parsed) => {
            // Spanned at the variant, so that a missing `EventType` is reported there.
            let default_enum = Ident::new("EventType", parsed.variant.span());
            expand(&parsed, &syn::Path::from(default_enum), &Emitter::Free)
        }
        Err(error) => error.to_compile_error(),
    }
}

/// `#[emits]` replaces each `emit!` of its body; it leaves behind
/// `emit!(@used)` through the user's own path, which expands to nothing, so
/// that the user's `use eventwire::emit;` still counts as used.
pub(crate) fn use_marker(path: &TokenStream) -> TokenStream {
    quote::quote!(#path!(@used);)
}

fn is_use_marker(input: &TokenStream) -> bool {
    let text: Vec<String> = input.clone().into_iter().map(|t| t.to_string()).collect();
    text == ["@", "used"]
}
