//! The capture of `fields(..)` as statements that push into a field set.

use crate::runtime_path::private;
use eventwire_grammar::syntax::fields::{Capture, FieldSpec};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Ident;

/// Statements that capture each field into `target` (a `&mut FieldSet`).
/// The value is computed and rendered inside a closure that the runtime
/// calls in isolation, so that a panicking expression or `Display` never
/// reaches the service. Each call carries the value's span, so that a value
/// that cannot be captured is reported at the value.
pub(crate) fn expand(fields: &[FieldSpec], target: &Ident) -> TokenStream {
    let p = private();
    let pushes = fields.iter().map(|field| {
        let name = &field.name;
        let value = &field.value;
        match field.capture {
            Capture::Display => quote_spanned! {value.span()=>
                #target.display(#name, &|f: &mut ::core::fmt::Formatter<'_>| ::core::fmt::Display::fmt(&(#value), f));
            },
            Capture::Debug => quote_spanned! {value.span()=>
                #target.debug(#name, &|f: &mut ::core::fmt::Formatter<'_>| ::core::fmt::Debug::fmt(&(#value), f));
            },
            Capture::Value => quote_spanned! {value.span()=>
                #target.value(#name, &|| #p::FieldValueTrait::to_value(&(#value)));
            },
        }
    });
    quote!(#(#pushes)*)
}
