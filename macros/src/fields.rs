//! The capture of `fields(..)` as statements that push into a field set.

use eventwire_grammar::syntax::fields::{Capture, FieldSpec};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Ident;

/// Statements that push each field into `target` (a `&mut Fields`).
/// Each call carries the value's span, so that a value that cannot be
/// captured is reported at the value.
pub(crate) fn expand(fields: &[FieldSpec], target: &Ident) -> TokenStream {
    let pushes = fields.iter().map(|field| {
        let name = &field.name;
        let value = &field.value;
        let method = match field.capture {
            Capture::Display => quote!(push_display),
            Capture::Debug => quote!(push_debug),
            Capture::Value => quote!(push_value),
        };
        quote_spanned!(value.span()=> #target.#method(#name, &(#value));)
    });
    quote!(#(#pushes)*)
}
