//! `#[emits(..)]`: parse the arguments and the function, validate, rewrite
//! the `emit!`s of the body, expand.
//!
//! On any error the function is emitted unchanged next to the error, so the
//! user sees one message and not a cascade of "cannot find function". A
//! function that does not parse is left to the compiler, which reports its
//! syntax error once.

mod body;
mod expand;
mod flow;
mod instrumented;
mod item;
mod params;
mod shape;
mod validate;

use eventwire_grammar::syntax::emits::EmitsArgs;
use proc_macro2::TokenStream;
use quote::quote;

pub(crate) fn attribute(args: TokenStream, item: TokenStream) -> TokenStream {
    let function = match item::target(item.clone()) {
        Ok(Some(function)) => function,
        Ok(None) => return item,
        Err(error) => {
            let error = error.to_compile_error();
            return quote!(#error #item);
        }
    };
    let result = syn::parse2::<EmitsArgs>(args)
        .and_then(|args| validate::validate(args, function))
        .and_then(expand::expand);
    match result {
        Ok(tokens) => tokens,
        Err(error) => {
            let error = error.to_compile_error();
            quote!(#error #item)
        }
    }
}
