//! `#[emits(..)]`: parse the arguments and the function, validate, rewrite
//! the `emit!`s of the body, expand.
//!
//! On any error the function is emitted unchanged next to the error, so the
//! user sees one message and not a cascade of "cannot find function".

mod body;
mod expand;
mod parse;
mod validate;

use proc_macro2::TokenStream;
use quote::quote;

pub(crate) fn attribute(args: TokenStream, item: TokenStream) -> TokenStream {
    let result = parse::target(item.clone()).and_then(|function| {
        let args = syn::parse2::<parse::EmitsArgs>(args)?;
        let checked = validate::validate(args, function)?;
        expand::expand(checked)
    });
    match result {
        Ok(tokens) => tokens,
        Err(error) => {
            let error = error.to_compile_error();
            quote!(#error #item)
        }
    }
}
